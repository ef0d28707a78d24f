//! The batch jobs: [`score_file`], [`qualify_file`] and [`freeze_cuts_file`].

use std::path::Path;

use super::pipeline::run;
use super::rejects::{Accepted, Rejects};
use super::sink::{Chunk, Sink};
use super::source::{RawBatch, Source};
use super::{
    column_names, BatchOptions, BatchSummary, DecisionsHook, FileFormat, Progress, QualifySummary,
};
use crate::data::columns::Kind;
use crate::data::{Table, Values};
use crate::error::{Error, Result};
use crate::evidence::drift::DriftAccumulator;
use crate::model::{score_columns, Model, UnseenValues};
use crate::policy::{decision_columns, Decision, FrozenCuts, LeadFacts, Policy};

/// Scores every lead of `input` (CSV or Parquet, by extension) with `model`
/// and writes `output` (CSV or Parquet, by extension): the model's id column
/// when it has one, `probability`, `points` (2 decimals), one row per good
/// input row, in input order. A model with a time to close adds
/// `win_within_<H>d` per horizon, `win_eventually` (also its
/// `probability`) and `expected_close`, as of `options.as_of` (default
/// now), from each lead's created column.
///
/// A row with a bad cell (a number column holding text, a ragged CSV row,
/// invalid UTF-8) is not scored: it goes to `options.rejected` and is
/// counted. The job fails, writing no output, when the rejected rows pass
/// `options.max_rejected`, on a missing column, or on a read or write error;
/// the output appears (renamed into place) only when the job succeeds.
pub fn score_file(
    model: &Model,
    input: &Path,
    output: &Path,
    options: &BatchOptions,
) -> Result<BatchSummary> {
    let mut columns: Vec<String> = model
        .feature_columns()
        .iter()
        .map(|c| c.to_string())
        .collect();
    let id = model.id_column().map(str::to_string);
    let created = model.timing().map(|t| t.created.clone());
    for c in id.iter().chain(&created) {
        if !columns.contains(c) {
            columns.push(c.clone());
        }
    }
    check_files(input, output, options)?;
    // A model with a time to close scores as of one date for the whole job.
    let at = match model.timing() {
        Some(_) => Some(model.scoring_time(options.as_of)?),
        None => None,
    };
    let source = Source::open(input, &columns, options.batch_rows)?;
    let mut out_columns: Vec<(String, Kind)> = score_columns(
        id.as_deref().map(|c| (c, Vec::new())),
        Vec::new(),
        Vec::new(),
    )
    .iter()
    .map(|(n, v)| (n.clone(), v.kind()))
    .collect();
    if let Some(t) = model.timing() {
        out_columns.extend(
            crate::model::timing::TimingScores::empty(&t.horizons_days)
                .into_columns()
                .iter()
                .map(|(n, v)| (n.clone(), v.kind())),
        );
    }
    let format = FileFormat::of(output);
    let mut sink = Sink::create(output, format, &out_columns, options.text_cells)?;
    let mut rejects = Rejects::create(options, source.total_bytes, source.total_rows, 1)?;
    let mut drift = DriftAccumulator::new(model);
    let id_ref = id.as_deref();

    let process = |raw: RawBatch| -> Result<Scored> {
        let mut decoded = raw.decode(&columns, id_ref.as_slice())?;
        if let Some(activity) = options.activity {
            activity.attach(model, &mut decoded.table)?;
        }
        let (slots, unseen, mut errors) = model.slots_checked(&decoded.table)?;
        let (activity, bad) = model.activity_checked(&decoded.table)?;
        errors.extend(bad);
        let logits = model.logits(&slots, &activity, decoded.table.n_rows());
        let outlooks = match at {
            Some(at) => {
                let (t, bad) = model.outlooks_checked(&decoded.table, &slots, &logits, at)?;
                errors.extend(bad);
                Some(t)
            }
            None => None,
        };
        errors.sort_by_key(|e| e.row);
        let accepted = Accepted::new(&decoded, errors);
        let keep = accepted.kept_rows();
        let ids = id_ref.map(|id| {
            // The ids move from the batch to the output, uncopied.
            let ids = match decoded.table.into_column(id) {
                Some(Values::Text(mut ids)) => keep.iter().map(|&r| ids[r].take()).collect(),
                Some(other) => keep
                    .iter()
                    .map(|&r| other.text(r).map(|s| s.into_owned()))
                    .collect(),
                None => vec![None; keep.len()],
            };
            (id, ids)
        });
        let outlooks = outlooks.map(|t| t.take(&keep));
        let probability = match &outlooks {
            // A time model's probability is the chance of ever winning.
            Some(t) => t.win_eventually.clone(),
            None => keep
                .iter()
                .map(|&r| crate::model::sigmoid(logits[r]))
                .collect(),
        };
        let mut cols = score_columns(
            ids,
            probability,
            keep.iter()
                .map(|&r| model.scale().points(logits[r]))
                .collect(),
        );
        if let Some(t) = outlooks {
            cols.extend(t.into_columns());
        }
        // Attribute counts of the kept rows, for drift.
        let counts: Vec<Vec<u64>> = model
            .features()
            .iter()
            .zip(&slots)
            .map(|(f, s)| {
                let mut c = vec![0u64; f.encoding.n_attributes()];
                for &r in &keep {
                    c[s[r] as usize] += 1;
                }
                c
            })
            .collect();
        let chunk = Chunk::encode(cols, format, options.text_cells)?;
        Ok((chunk, accepted, counts, unseen))
    };

    let mut written = 0;
    run(
        source,
        options.threads,
        &process,
        |(chunk, accepted, counts, unseen)| {
            sink.write(chunk)?;
            written += accepted.kept;
            drift.add_counts(&counts, unseen, accepted.kept);
            rejects.add(accepted, options)
        },
    )?;
    let summary = rejects.finish(options)?;
    debug_assert_eq!(summary.written, written);
    sink.commit()?;
    Ok(BatchSummary {
        drift: Some(drift.finish()),
        ..summary
    })
}

/// Refuses a job whose output or rejected-rows file is its input, whose two
/// outputs are one file, or whose options are out of bounds.
fn check_files(input: &Path, output: &Path, options: &BatchOptions) -> Result<()> {
    options.check()?;
    let mut outputs = vec![output];
    outputs.extend(options.rejected);
    crate::data::files::check_job_files(&[input], &outputs)
}

/// A scored batch: output rows, which rows were kept, attribute counts
/// and unseen values (for drift).
type Scored = (Chunk, Accepted, Vec<Vec<u64>>, Vec<UnseenValues>);

/// Qualifies every lead of `input` (CSV or Parquet) with `model` and
/// `policy` and writes one decision per good row to `output` (CSV or
/// Parquet): the id (when the model has one), `tier`, `route`, `owner`,
/// `sla`, `sla_due`, `rank`, `points`, `probability`, with a deal value
/// column also `deal_value` and `expected_value`, and `reasons` (the `top`
/// attributes for and against).
///
/// Reads the file twice: the first pass scores every lead and keeps a few
/// numbers per lead (points, ranking key, eligibility) to cut top shares and
/// the capacity and to rank within tiers over the whole file, exactly as
/// [`Policy::qualify_batch`] would on the whole table; the second pass
/// decides and writes batch by batch. Rows that cannot be read are rejected
/// in the first pass (see [`score_file`] for the rules); shares and cuts are
/// over the leads that could be read. The policy's created-at column may be
/// absent (then `sla_due` is empty); every other column it names must be there.
pub fn qualify_file(
    model: &Model,
    policy: &Policy,
    input: &Path,
    output: &Path,
    options: &BatchOptions,
    top: usize,
    mut hook: Option<DecisionsHook>,
) -> Result<QualifySummary> {
    check_files(input, output, options)?;
    let dated = scoring_as_of(model, options)?;
    let model = dated.as_ref().unwrap_or(model);
    let (columns, facts, rejects) = assess_file(model, policy, input, options, 2)?;
    let id = model.id_column().map(str::to_string);
    let id_ref = id.as_deref();
    let plan = policy.plan(facts)?;

    // Pass 2: decisions, in input order.
    let values = policy.leads().deal_value.is_some();
    let cuts = policy.cuts().is_some();
    let horizons = model.timing().map(|t| t.horizons_days.as_slice());
    let out_columns: Vec<(String, Kind)> =
        decision_columns(&[], id_ref, values, cuts, horizons, top)
            .iter()
            .map(|(n, v)| (n.clone(), v.kind()))
            .collect();
    let format = FileFormat::of(output);
    let mut sink = Sink::create(output, format, &out_columns, options.text_cells)?;
    let source = Source::open(input, &columns, options.batch_rows)?;
    let keep_decisions = hook.is_some();
    type Decided = (Chunk, usize, usize, u64, Option<(Table, Vec<Decision>)>);
    let decide = |raw: RawBatch| -> Result<Decided> {
        let mut decoded = raw.decode(&columns, id_ref.as_slice())?;
        if let Some(activity) = options.activity {
            activity.attach(model, &mut decoded.table)?;
        }
        let decisions = policy.decide(model, &decoded.table, &plan)?;
        let cols = decision_columns(&decisions, id_ref, values, cuts, horizons, top);
        let chunk = Chunk::encode(cols, format, options.text_cells)?;
        let (rows, n, bytes) = (decoded.table.n_rows(), decisions.len(), decoded.bytes);
        let kept = keep_decisions.then_some((decoded.table, decisions));
        Ok((chunk, rows, n, bytes, kept))
    };
    let (mut read, mut written) = (0, 0);
    run(
        source,
        options.threads,
        &decide,
        |(chunk, rows, n, bytes, kept)| {
            sink.write(chunk)?;
            read += rows;
            written += n;
            if let (Some(hook), Some((table, decisions))) = (hook.as_mut(), kept) {
                hook(&table, &decisions)?;
            }
            if let Some(f) = options.progress {
                f(&Progress {
                    rows: read,
                    rejected: rejects.rejected,
                    bytes,
                    total_bytes: rejects.total_bytes,
                    total_rows: rejects.total_rows,
                    pass: 2,
                    passes: 2,
                });
            }
            Ok(())
        },
    )?;
    if read != rejects.read || written != read - rejects.rejected {
        return Err(Error::InputChanged {
            path: input.to_path_buf(),
            reason: format!(
                "{} rows read and {} accepted in the first pass of the qualification, {read} read and {written} decided in the second",
                rejects.read,
                rejects.read - rejects.rejected
            ),
        });
    }
    let rows = rejects.finish(options)?;
    sink.commit()?;
    Ok(QualifySummary {
        rows,
        tiers: plan.tier_counts().to_vec(),
        capacity: plan.capacity_report().cloned(),
    })
}

/// The model scoring as of the options' date, when it has a time to close
/// and a date is given (see [`Model::as_of`]).
fn scoring_as_of(model: &Model, options: &BatchOptions) -> Result<Option<Model>> {
    match (model.timing(), options.as_of) {
        (Some(_), Some(d)) => model.as_of(d).map(Some),
        _ => Ok(None),
    }
}

/// Pass 1 of a qualification over a file: the columns read, the facts of
/// every lead that could be read, and the rejected rows (counted as pass 1
/// of `passes`).
fn assess_file(
    model: &Model,
    policy: &Policy,
    input: &Path,
    options: &BatchOptions,
    passes: usize,
) -> Result<(Vec<String>, Vec<LeadFacts>, Rejects)> {
    let available = column_names(input)?;
    let id = model.id_column().map(str::to_string);
    let mut columns: Vec<String> = Vec::new();
    for c in id
        .iter()
        .cloned()
        .chain(model.feature_columns().iter().map(|c| c.to_string()))
        .chain(model.timing().map(|t| t.created.clone()))
        .chain(policy.columns())
    {
        let optional = policy.leads().created_at.as_deref() == Some(c.as_str());
        if !columns.contains(&c) && (!optional || available.contains(&c)) {
            columns.push(c);
        }
    }
    let id_ref = id.as_deref();
    let source = Source::open(input, &columns, options.batch_rows)?;
    let mut rejects = Rejects::create(options, source.total_bytes, source.total_rows, passes)?;
    let mut facts: Vec<LeadFacts> = Vec::new();
    let assess = |raw: RawBatch| -> Result<(Vec<LeadFacts>, Accepted)> {
        let mut decoded = raw.decode(&columns, id_ref.as_slice())?;
        if let Some(activity) = options.activity {
            activity.attach(model, &mut decoded.table)?;
        }
        let assessment = policy.assess(model, &decoded.table)?;
        let accepted = Accepted::new(&decoded, assessment.errors);
        let facts = assessment
            .facts
            .into_iter()
            .filter(|f| !accepted.is_rejected(f.row - accepted.first_row))
            .collect();
        Ok((facts, accepted))
    };
    run(
        source,
        options.threads,
        &assess,
        |(batch_facts, accepted)| {
            facts.extend(batch_facts);
            rejects.add(accepted, options)
        },
    )?;
    Ok((columns, facts, rejects))
}

/// Freezes the share and capacity cuts of `policy` from the leads of
/// `reference` (CSV or Parquet), taken as one period's leads, read in
/// batches as [`qualify_file`] reads them (see [`Policy::freeze`]). Rows
/// that cannot be read are rejected by `options` and left out of the cuts;
/// the summary counts them.
pub fn freeze_cuts_file(
    model: &Model,
    policy: &Policy,
    reference: &Path,
    options: &BatchOptions,
) -> Result<(FrozenCuts, BatchSummary)> {
    options.check()?;
    let dated = scoring_as_of(model, options)?;
    let model = dated.as_ref().unwrap_or(model);
    let fresh = policy.without_cuts();
    let (_, facts, rejects) = assess_file(model, &fresh, reference, options, 1)?;
    let summary = rejects.finish(options)?;
    let plan = fresh.plan_reference(facts)?;
    Ok((plan.freeze(&fresh, model)?, summary))
}
