//! Invariants over random leads.

mod common;

use std::sync::OnceLock;

use leadscore::{synthetic, Model};
use proptest::prelude::*;

fn model() -> &'static Model {
    static MODEL: OnceLock<Model> = OnceLock::new();
    MODEL.get_or_init(|| common::synthetic_model(3_000, 17).0)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn one_lead_at_a_time_scores_as_the_batch(seed in 0u64..1_000_000) {
        use leadscore::data::lead::Lead;
        let leads = synthetic::deals(20, seed).table;
        let model = model();
        let scores = model.score(&leads).unwrap();
        for r in 0..leads.n_rows() {
            let lead: Lead = leads
                .column_names()
                .iter()
                .map(|c| (c.clone(), leads.cell(r, c).unwrap().map(|s| s.into_owned())))
                .collect();
            let one = model.score_one(&lead).unwrap();
            prop_assert_eq!(one.points, scores.points[r]);
            prop_assert_eq!(one.probability, scores.probability[r]);
            prop_assert_eq!(one.id, scores.ids.as_ref().unwrap()[r].clone());
        }
    }

    #[test]
    fn contributions_sum_to_points(seed in 0u64..1_000_000, top in 0usize..6) {
        let leads = synthetic::deals(25, seed).table;
        let model = model();
        let scores = model.score(&leads).unwrap();
        for (e, points) in model.explain(&leads, top).unwrap().iter().zip(&scores.points) {
            let sum = e.base_points + e.contributions.iter().map(|c| c.points).sum::<f64>();
            prop_assert!((sum - points).abs() < 1e-9, "{} vs {}", sum, points);
            prop_assert_eq!(e.contributions.len(), model.features().len());
            // Points map one-to-one to the probability.
            prop_assert!((model.scale().probability(*points) - e.probability).abs() < 1e-12);
        }
    }

    #[test]
    fn save_then_load_scores_identically(seed in 0u64..1_000_000) {
        let model = model();
        let again = Model::from_json_str(&model.to_json_string(false)).unwrap();
        let leads = synthetic::deals(10, seed).table;
        prop_assert_eq!(model.score(&leads).unwrap(), again.score(&leads).unwrap());
    }

    #[test]
    fn more_pricing_page_visits_never_lower_a_positive_effect(seed in 0u64..1_000_000, extra in 1u32..4) {
        // The learned points of the visit ranges rise with the true effect
        // up to 4 visits: adding visits below 4 does not lower the score much.
        let model = model();
        let leads = synthetic::deals(5, seed).table;
        let base = model.score(&leads).unwrap();
        let visits = leads.column("pricing_page_visits").unwrap();
        let bumped: Vec<Option<f64>> = (0..5)
            .map(|r| visits.text(r).and_then(|v| v.parse::<f64>().ok()).map(|v| (v + f64::from(extra)).min(4.0)))
            .collect();
        let mut more = leads.clone();
        more.set_column("pricing_page_visits", leadscore::Values::Number(bumped)).unwrap();
        let after = model.score(&more).unwrap();
        for (a, b) in after.points.iter().zip(&base.points) {
            prop_assert!(a + 3.0 >= *b, "{} < {}", a, b);
        }
    }
}
