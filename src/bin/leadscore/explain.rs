//! The `explain` command: why each lead has its points.

use std::path::PathBuf;

use clap::Args;
use leadscore::evidence::report::OutputFormat;
use leadscore::model::explain::reasons_line;
use leadscore::{Model, Result, Table};

use crate::args::{format, json, print};

#[derive(Args)]
pub struct ExplainArgs {
    /// Leads to explain: CSV with a header row.
    leads: PathBuf,
    /// The model file.
    #[arg(long)]
    model: PathBuf,
    /// Reasons for and against shown per lead (json lists every one).
    #[arg(long, default_value_t = 3)]
    top: usize,
    /// text or json.
    #[arg(long, default_value = "text")]
    format: String,
    #[command(flatten)]
    events: crate::batch::LeadEvents,
}

/// Runs `leadscore explain`.
pub fn explain(a: ExplainArgs) -> Result<()> {
    crate::args::check_files(&[Some(&a.leads), Some(&a.model)], &[])?;
    let f = format(&a.format, &[OutputFormat::Text, OutputFormat::Json])?;
    let model = Model::load(&a.model)?;
    let mut leads = Table::from_csv_path(&a.leads)?;
    if let Some(activity) = a.events.read(&model, &a.leads, 65_536, 0, true)? {
        activity.attach(&model, &mut leads)?;
    }
    let explanations = model.explain(&leads, a.top)?;
    match f {
        OutputFormat::Json => print(&json(&explanations)),
        _ => {
            let mut text = String::new();
            for (r, e) in explanations.iter().enumerate() {
                let who = e.id.clone().unwrap_or_else(|| format!("row {}", r + 1));
                let (up, down) = e.top(a.top);
                text.push_str(&format!(
                    "{}: {:.1} points ({:.1} %), from {:.1}; {}\n",
                    leadscore::error::display_value(&who),
                    e.points,
                    100.0 * e.probability,
                    e.base_points,
                    reasons_line(&up, &down, ", ").join("; ")
                ));
            }
            print(text.trim_end())
        }
    }
}
