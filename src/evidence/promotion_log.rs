//! The promotion log: one JSON line per gate decision, with both models'
//! files and fingerprints, so that what went live when is on record and a
//! rollback is one call ([`rollback`]).
//!
//! [`install`] puts a promoted candidate in the active model's place,
//! keeping the model it replaces beside it as `<name>.<fingerprint>.json`;
//! [`rollback`] puts that copy back, after checking that the active file
//! still holds the model the log says was promoted last.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::promote::Promotion;
use crate::data::files::write_atomic;
use crate::error::{Error, Result};
use crate::model::Model;

/// What a log line records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// The candidate passed the gate.
    Promoted,
    /// The candidate did not pass.
    Refused,
    /// A promoted candidate was replaced by the model it had replaced.
    RolledBack,
}

/// One line of the promotion log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PromotionRecord {
    /// When (RFC 3339 UTC).
    pub time: String,
    /// What happened.
    pub verdict: Verdict,
    /// The active model's file.
    pub active_file: String,
    /// The active model's fingerprint before this line.
    pub active_fingerprint: String,
    /// The candidate's file.
    pub candidate_file: String,
    /// The candidate's fingerprint.
    pub candidate_fingerprint: String,
    /// Whether the candidate was put in the active file's place.
    pub installed: bool,
    /// Where the replaced active model was kept, when installed.
    pub previous_copy: Option<String>,
    /// Recent deals compared on (0 for a rollback).
    pub deals: usize,
    /// AUC of the active model and the candidate on them.
    pub auc: Option<(f64, f64)>,
    /// Log loss of both.
    pub log_loss: Option<(f64, f64)>,
    /// Why the candidate was refused.
    pub reasons: Vec<String>,
}

impl PromotionRecord {
    /// The line of a gate decision on `promotion` of the models in these
    /// files.
    pub fn new(
        promotion: &Promotion,
        active_file: &Path,
        candidate_file: &Path,
        previous_copy: Option<&Path>,
    ) -> PromotionRecord {
        PromotionRecord {
            time: crate::util::time::now_rfc3339(),
            verdict: if promotion.passed {
                Verdict::Promoted
            } else {
                Verdict::Refused
            },
            active_file: active_file.display().to_string(),
            active_fingerprint: promotion.active.fingerprint.clone(),
            candidate_file: candidate_file.display().to_string(),
            candidate_fingerprint: promotion.candidate.fingerprint.clone(),
            installed: previous_copy.is_some(),
            previous_copy: previous_copy.map(|p| p.display().to_string()),
            deals: promotion.deals,
            auc: Some((promotion.active.auc.value, promotion.candidate.auc.value)),
            log_loss: Some((
                promotion.active.log_loss.value,
                promotion.candidate.log_loss.value,
            )),
            reasons: promotion.reasons(),
        }
    }
}

fn io(path: &Path) -> impl Fn(std::io::Error) -> Error + '_ {
    move |source| Error::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Appends one line to the log at `path` (created when missing).
pub fn append(path: &Path, record: &PromotionRecord) -> Result<()> {
    let mut line = serde_json::to_vec(record).map_err(|source| Error::Json {
        path: path.to_path_buf(),
        source,
    })?;
    line.push(b'\n');
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(io(path))?;
    f.write_all(&line).map_err(io(path))?;
    f.sync_all().map_err(io(path))
}

/// Every line of the log at `path`, oldest first.
pub fn read(path: &Path) -> Result<Vec<PromotionRecord>> {
    let text = std::fs::read_to_string(path).map_err(io(path))?;
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            serde_json::from_str(l).map_err(|source| Error::Json {
                path: path.to_path_buf(),
                source,
            })
        })
        .collect()
}

/// The log beside an active model file: `promotions.jsonl` in its folder.
pub fn default_log(active: &Path) -> PathBuf {
    active.with_file_name("promotions.jsonl")
}

fn read_bytes(path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).map_err(io(path))
}

fn model_of(path: &Path, bytes: &[u8]) -> Result<Model> {
    let text = std::str::from_utf8(bytes).map_err(|_| Error::InvalidModel {
        reason: format!("{} is not UTF-8 text", path.display()),
    })?;
    Model::from_json_str(text)
}

/// Puts the candidate file's model in the active file's place (atomically),
/// first keeping the active model as `<stem>.<fingerprint>.json` beside it;
/// returns where it was kept.
pub fn install(active: &Path, candidate: &Path) -> Result<PathBuf> {
    let old = read_bytes(active)?;
    let fingerprint = model_of(active, &old)?.fingerprint();
    let new = read_bytes(candidate)?;
    model_of(candidate, &new)?;
    let stem = active
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("model");
    let short: String = fingerprint.chars().take(16).collect();
    let copy = active.with_file_name(format!("{stem}.{short}.json"));
    if !copy.exists() {
        write_atomic(&copy, &old)?;
    }
    write_atomic(active, &new)?;
    Ok(copy)
}

/// Undoes the last installed promotion of `active` recorded in the log at
/// `log`: checks that the active file holds that promotion's candidate and
/// that the kept copy is the model it replaced, puts the copy back, and
/// appends a rolled-back line. Returns that line.
pub fn rollback(active: &Path, log: &Path) -> Result<PromotionRecord> {
    let records = read(log)?;
    let shown = active.display().to_string();
    let last = records
        .iter()
        .rev()
        .find(|r| r.installed && r.verdict != Verdict::Refused && r.active_file == shown)
        .ok_or_else(|| Error::InvalidParameter {
            name: "active".into(),
            value: shown.clone(),
            reason: format!(
                "{} records no installed promotion of this file",
                log.display()
            ),
        })?
        .clone();
    if last.verdict == Verdict::RolledBack {
        return Err(Error::InvalidParameter {
            name: "active".into(),
            value: shown,
            reason: "its last promotion was rolled back already".into(),
        });
    }
    let now = model_of(active, &read_bytes(active)?)?.fingerprint();
    if now != last.candidate_fingerprint {
        return Err(Error::InvalidParameter {
            name: "active".into(),
            value: shown,
            reason: format!(
                "it holds model {now}, not {} that the log promoted last; it was changed since",
                last.candidate_fingerprint
            ),
        });
    }
    let copy = PathBuf::from(last.previous_copy.clone().unwrap_or_default());
    let bytes = read_bytes(&copy)?;
    let kept = model_of(&copy, &bytes)?.fingerprint();
    if kept != last.active_fingerprint {
        return Err(Error::InvalidModel {
            reason: format!(
                "{} holds model {kept}, not {} that the promotion replaced",
                copy.display(),
                last.active_fingerprint
            ),
        });
    }
    write_atomic(active, &bytes)?;
    let record = PromotionRecord {
        time: crate::util::time::now_rfc3339(),
        verdict: Verdict::RolledBack,
        active_file: shown,
        active_fingerprint: now,
        candidate_file: copy.display().to_string(),
        candidate_fingerprint: kept,
        installed: true,
        previous_copy: None,
        deals: 0,
        auc: None,
        log_loss: None,
        reasons: Vec::new(),
    };
    append(log, &record)?;
    Ok(record)
}
