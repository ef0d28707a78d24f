//! The model file: the committed fixture keeps loading and scoring the same,
//! the version rule, validation before trust, save/load round trips.

mod common;

use leadscore::{synthetic, Error, Model};

/// The committed model file, `tests/fixtures/model-v1.0.json`.
fn fixture() -> std::path::PathBuf {
    common::fixture_dir().join("model-v1.0.json")
}

#[test]
fn fixture_loads_and_scores_known_rows_to_known_values() {
    let model = Model::load(fixture()).unwrap();
    assert_eq!(model.created_at(), "2026-11-23T00:00:00Z");
    assert_eq!(model.id_column(), Some("deal_id"));
    let leads = synthetic::deals(5, 99).table;
    let scores = model.score(&leads).unwrap();
    let expected_p = [
        0.10836720990866557,
        0.24943668061442728,
        0.5193997470498427,
        0.3829306359263217,
        0.08264778879909773,
    ];
    let expected_points = [
        19.59478614356397,
        34.10699848255108,
        51.120079036279854,
        43.11650415749205,
        15.275723733269217,
    ];
    for i in 0..5 {
        assert!(
            (scores.probability[i] - expected_p[i]).abs() < 1e-12,
            "row {i}"
        );
        assert!(
            (scores.points[i] - expected_points[i]).abs() < 1e-9,
            "row {i}"
        );
    }
    assert_eq!(
        scores.ids.unwrap(),
        (1..=5)
            .map(|i| Some(format!("D{i:06}")))
            .collect::<Vec<_>>()
    );
    assert_eq!(model.fingerprint(), "0f7d476e823df0e9");
}

#[test]
fn save_is_byte_exact_and_load_is_the_identity() {
    let text = std::fs::read_to_string(fixture()).unwrap();
    let model = Model::from_json_str(&text).unwrap();
    assert_eq!(model.to_json_string(true) + "\n", text);
    let dir = common::temp_dir("roundtrip");
    let path = dir.join("m.json");
    model.save(&path).unwrap();
    assert_eq!(std::fs::read_to_string(&path).unwrap(), text);
    // No temporary file is left beside it.
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 1);
}

fn with_field(text: &str, from: &str, to: &str) -> String {
    assert!(text.contains(from), "fixture lacks {from}");
    text.replacen(from, to, 1)
}

#[test]
fn another_major_or_a_newer_minor_is_rejected_naming_both_versions() {
    let text = std::fs::read_to_string(fixture()).unwrap();
    for version in ["2.0", "1.4", "0.9", "one"] {
        let doc = with_field(
            &text,
            "\"format_version\": \"1.0\"",
            &format!("\"format_version\": \"{version}\""),
        );
        let err = Model::from_json_str(&doc).unwrap_err();
        let msg = err.to_string();
        assert!(matches!(err, Error::UnsupportedFormat { .. }), "{msg}");
        assert!(msg.contains(version) && msg.contains("1.3"), "{msg}");
    }
    let doc = with_field(
        &text,
        "\"format\": \"leadscore.model\"",
        "\"format\": \"leadscore.policy\"",
    );
    let msg = Model::from_json_str(&doc).unwrap_err().to_string();
    assert!(
        msg.contains("leadscore.policy") && msg.contains("leadscore.model"),
        "{msg}"
    );
}

#[test]
fn inconsistent_models_are_rejected_before_use() {
    let text = std::fs::read_to_string(fixture()).unwrap();
    let mut doc: serde_json::Value = serde_json::from_str(&text).unwrap();
    doc["features"][0]["weights"].as_array_mut().unwrap().pop();
    let msg = Model::from_json_str(&doc.to_string())
        .unwrap_err()
        .to_string();
    assert!(
        msg.contains("attributes") && msg.contains("weights"),
        "{msg}"
    );

    let mut doc: serde_json::Value = serde_json::from_str(&text).unwrap();
    let edges = doc["features"][0]["edges"].as_array_mut().unwrap();
    edges.swap(0, 1);
    let msg = Model::from_json_str(&doc.to_string())
        .unwrap_err()
        .to_string();
    assert!(msg.contains("increasing"), "{msg}");

    let mut doc: serde_json::Value = serde_json::from_str(&text).unwrap();
    let levels = doc["features"][1]["levels"].as_array_mut().unwrap();
    let first = levels[0].clone();
    levels[1] = first;
    let msg = Model::from_json_str(&doc.to_string())
        .unwrap_err()
        .to_string();
    assert!(msg.contains("twice"), "{msg}");

    let msg = Model::from_json_str("{\"format\": \"leadscore.model\", ")
        .unwrap_err()
        .to_string();
    assert!(msg.contains("line 1"), "{msg}");
}

#[test]
fn a_missing_file_names_the_path() {
    let err = Model::load("no/such/model.json").unwrap_err();
    assert!(matches!(err, Error::Io { .. }));
    assert!(err.to_string().contains("no/such/model.json"));
}
