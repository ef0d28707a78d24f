//! The model file: a JSON document, its format envelope first
//! (`format`, `format_version`, `leadscore_version`), then the model. A
//! model is checked whenever it is made or read (serde included): an
//! inconsistent document never becomes a [`Model`].

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::encoding::{Encoding, Lookup};
use super::events::EventTerms;
use super::prior::PriorReport;
use super::timing::Timing;
use super::{Cache, Feature, Model, Scale, TrainingSummary, MAX_ABS_WEIGHT};
use crate::data::Target;
use crate::error::{Document, Error, Result};

/// The `format` field of a model file.
pub const MODEL_FORMAT: &str = "leadscore.model";
/// The version of the model file this crate writes: (major, minor). It
/// reads files of the same major and an equal or older minor. A model
/// without events is written as 1.0 (what every 1.x reader takes); one that
/// learned from an event log, as 1.1; one with a time to close, as 1.2;
/// one started from a points sheet (its report kept), as 1.3.
pub const MODEL_FORMAT_VERSION: (u32, u32) = (1, 3);

/// The model document as written: the envelope, then the model's fields.
#[derive(Serialize)]
struct DocumentRef<'a> {
    format: &'a str,
    format_version: String,
    leadscore_version: &'a str,
    created_at: &'a str,
    target: &'a Target,
    id_column: &'a Option<String>,
    missing: &'a [String],
    scale: &'a Scale,
    intercept: f64,
    features: &'a [Feature],
    #[serde(skip_serializing_if = "Option::is_none")]
    events: &'a Option<EventTerms>,
    #[serde(skip_serializing_if = "Option::is_none")]
    timing: &'a Option<Timing>,
    #[serde(skip_serializing_if = "Option::is_none")]
    prior: &'a Option<PriorReport>,
    summary: &'a TrainingSummary,
}

/// The model document as read (the envelope is checked first, apart). A
/// field this version does not know is an error, as in a policy: a newer
/// model's meaning is never half-read.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ModelDocument {
    #[serde(rename = "format")]
    _format: serde::de::IgnoredAny,
    #[serde(rename = "format_version")]
    _format_version: serde::de::IgnoredAny,
    #[serde(rename = "leadscore_version", default)]
    _leadscore_version: Option<serde::de::IgnoredAny>,
    created_at: String,
    target: Target,
    id_column: Option<String>,
    missing: Vec<String>,
    scale: Scale,
    intercept: f64,
    features: Vec<Feature>,
    #[serde(default)]
    events: Option<EventTerms>,
    #[serde(default)]
    timing: Option<Timing>,
    #[serde(default)]
    prior: Option<PriorReport>,
    summary: TrainingSummary,
}

#[derive(Deserialize)]
struct Envelope {
    format: Option<String>,
    format_version: Option<String>,
}

impl TryFrom<ModelDocument> for Model {
    type Error = Error;

    fn try_from(d: ModelDocument) -> Result<Model> {
        let mut model = Model {
            created_at: d.created_at,
            target: d.target,
            id_column: d.id_column,
            missing: d.missing,
            scale: d.scale,
            intercept: d.intercept,
            features: d.features,
            events: d.events,
            timing: d.timing,
            prior: d.prior,
            scoring_at: None,
            summary: d.summary,
            cache: Cache::default(),
        };
        model.validate()?;
        Ok(model)
    }
}

impl Serialize for Model {
    /// The model document, envelope first, as [`Model::to_json_string`].
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        self.document().serialize(s)
    }
}

impl<'de> Deserialize<'de> for Model {
    /// Reads a model document, envelope and checks included, as
    /// [`Model::from_json_str`]: an inconsistent model is an error.
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Model, D::Error> {
        use serde::de::Error as _;
        let value = serde_json::Value::deserialize(d)?;
        let envelope: Envelope = serde_json::from_value(value.clone()).map_err(D::Error::custom)?;
        check_envelope(
            Document::Model,
            "model file",
            MODEL_FORMAT,
            envelope.format.as_deref(),
            envelope.format_version.as_deref(),
            MODEL_FORMAT_VERSION,
        )
        .map_err(D::Error::custom)?;
        let doc: ModelDocument = serde_json::from_value(value).map_err(D::Error::custom)?;
        Model::try_from(doc).map_err(D::Error::custom)
    }
}

impl Cache {
    /// Everything a model computes once: lookups, labels, scorecard points,
    /// base points and the fingerprint.
    pub(crate) fn of(m: &Model) -> Cache {
        let factor = m.scale.factor();
        let centers: Vec<f64> = m.features.iter().map(|f| f.center()).collect();
        let points = m
            .features
            .iter()
            .zip(&centers)
            .map(|(f, &c)| {
                f.weights
                    .iter()
                    .map(|&w| super::scorecard::points(factor, w, c))
                    .collect()
            })
            .collect();
        Cache {
            lookups: m
                .features
                .iter()
                .map(|f| Lookup::new(&f.encoding, f.rare_values.as_deref()))
                .collect(),
            labels: m.features.iter().map(|f| f.encoding.labels()).collect(),
            points,
            base_points: m.scale.points(m.intercept + centers.iter().sum::<f64>()),
            // A model without events keeps the fingerprint it always had.
            fingerprint: match (&m.events, &m.timing) {
                (None, Some(timing)) => crate::util::fingerprint::fingerprint(&(
                    &m.target,
                    &m.id_column,
                    &m.missing,
                    &m.scale,
                    m.intercept,
                    &m.features,
                    timing,
                )),
                (None, None) => crate::util::fingerprint::fingerprint(&(
                    &m.target,
                    &m.id_column,
                    &m.missing,
                    &m.scale,
                    m.intercept,
                    &m.features,
                )),
                (Some(events), _) => crate::util::fingerprint::fingerprint(&(
                    &m.target,
                    &m.id_column,
                    &m.missing,
                    &m.scale,
                    m.intercept,
                    &m.features,
                    events,
                )),
            },
        }
    }
}

impl Model {
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn new(
        target: Target,
        id_column: Option<String>,
        missing: Vec<String>,
        scale: Scale,
        intercept: f64,
        features: Vec<Feature>,
        events: Option<EventTerms>,
        summary: TrainingSummary,
    ) -> Result<Model> {
        let mut model = Model {
            created_at: crate::util::time::now_rfc3339(),
            target,
            id_column,
            missing,
            scale,
            intercept,
            features,
            events,
            timing: None,
            prior: None,
            scoring_at: None,
            summary,
            cache: Cache::default(),
        };
        model.validate()?;
        Ok(model)
    }

    /// The same model with the report of the points sheet it started from.
    pub(crate) fn with_prior(mut self, prior: PriorReport) -> Model {
        self.prior = Some(prior);
        self
    }

    /// The same model with a time to close.
    pub(crate) fn with_timing(mut self, timing: Timing) -> Result<Model> {
        self.timing = Some(timing);
        self.validate()?;
        Ok(self)
    }

    fn document(&self) -> DocumentRef<'_> {
        DocumentRef {
            format: MODEL_FORMAT,
            format_version: if self.prior.is_some() {
                format!("{}.3", MODEL_FORMAT_VERSION.0)
            } else if self.timing.is_some() {
                format!("{}.2", MODEL_FORMAT_VERSION.0)
            } else if self.events.is_some() {
                format!("{}.1", MODEL_FORMAT_VERSION.0)
            } else {
                format!("{}.0", MODEL_FORMAT_VERSION.0)
            },
            leadscore_version: env!("CARGO_PKG_VERSION"),
            created_at: &self.created_at,
            target: &self.target,
            id_column: &self.id_column,
            missing: &self.missing,
            scale: &self.scale,
            intercept: self.intercept,
            features: &self.features,
            events: &self.events,
            timing: &self.timing,
            prior: &self.prior,
            summary: &self.summary,
        }
    }

    /// finite, ranges increasing, levels distinct) and builds lookups.
    fn validate(&mut self) -> Result<()> {
        let bad = |reason: String| Err(Error::InvalidModel { reason });
        if !within_bound(self.intercept) {
            return bad(format!(
                "intercept is {} (at most {MAX_ABS_WEIGHT} log-odds either way)",
                self.intercept
            ));
        }
        if let Some(problem) = self.scale.problem() {
            return bad(format!("the scale must have {problem}"));
        }
        let mut columns = std::collections::HashSet::new();
        for f in &self.features {
            if !columns.insert(f.column.as_str()) {
                return bad(format!("column {:?} appears twice", f.column));
            }
            let n = f.encoding.n_attributes();
            for (name, len) in [
                ("weights", f.weights.len()),
                ("training_rows", f.training_rows.len()),
                ("training_won", f.training_won.len()),
            ] {
                if len != n {
                    return bad(format!(
                        "column {:?} has {n} attributes but {len} {name}",
                        f.column
                    ));
                }
            }
            if let Some(w) = f.weights.iter().find(|w| !within_bound(**w)) {
                return bad(format!(
                    "column {} has a weight of {w} (at most {MAX_ABS_WEIGHT} log-odds either way)",
                    crate::error::display_value(&f.column)
                ));
            }
            let rows = f
                .training_rows
                .iter()
                .try_fold(0u64, |total, &n| total.checked_add(n));
            if rows.is_none()
                || f.training_won
                    .iter()
                    .zip(&f.training_rows)
                    .any(|(won, rows)| won > rows)
            {
                return bad(format!(
                    "column {} has training counts that do not add up (won above rows, or a total past 2^64)",
                    crate::error::display_value(&f.column)
                ));
            }
            match &f.encoding {
                Encoding::Categorical { levels } => {
                    let mut seen = std::collections::HashSet::new();
                    for l in levels {
                        if !seen.insert(l) {
                            return bad(format!("column {:?} lists level {l:?} twice", f.column));
                        }
                    }
                }
                Encoding::Numeric {
                    edges,
                    special_values,
                } => {
                    if edges.iter().chain(special_values).any(|e| !e.is_finite())
                        || edges.windows(2).any(|w| w[0] >= w[1])
                    {
                        return bad(format!(
                            "column {:?} has range edges {edges:?} / special values {special_values:?} that are not finite and increasing",
                            f.column
                        ));
                    }
                }
            }
        }
        if let Some(timing) = &self.timing {
            let attributes: Vec<usize> = self
                .features
                .iter()
                .map(|f| f.encoding.n_attributes())
                .collect();
            if let Some(problem) = timing.problem(&attributes) {
                return bad(format!("the time model has {problem}"));
            }
            if self.events.is_some() {
                return bad("a model with a time to close does not take events".into());
            }
        }
        if let Some(events) = &self.events {
            if self.id_column.is_none() {
                return bad("a model with events needs an id column".into());
            }
            let mut seen = std::collections::HashSet::new();
            for t in &events.terms {
                if !seen.insert(t.event.as_str()) {
                    return bad(format!("event type {:?} appears twice", t.event));
                }
                let (lo, hi) = t.half_life_interval_days;
                let ok = within_bound(t.weight)
                    && t.standard_error.is_finite()
                    && t.standard_error >= 0.0
                    && t.half_life_days.is_finite()
                    && t.half_life_days > 0.0
                    && lo.is_finite()
                    && lo > 0.0
                    && lo <= t.half_life_days
                    && hi.is_none_or(|h| h.is_finite() && h >= t.half_life_days)
                    && t.training_won <= t.training_leads;
                if !ok {
                    return bad(format!(
                        "event type {} has a weight, standard error, half-life, interval or counts that are not valid",
                        crate::error::display_value(&t.event)
                    ));
                }
            }
        }
        self.cache = Cache::of(self);
        Ok(())
    }

    /// Reads a model file.
    pub fn load(path: impl AsRef<Path>) -> Result<Model> {
        let path = path.as_ref();
        let text = crate::data::files::read_to_string(path)?;
        Self::from_json_str_at(&text, path)
    }

    /// Parses a model document.
    pub fn from_json_str(text: &str) -> Result<Model> {
        Self::from_json_str_at(text, Path::new("<string>"))
    }

    fn from_json_str_at(text: &str, path: &Path) -> Result<Model> {
        let json_err = |source| Error::Json {
            path: path.to_path_buf(),
            source,
        };
        let envelope: Envelope = serde_json::from_str(text).map_err(json_err)?;
        check_envelope(
            Document::Model,
            "model file",
            MODEL_FORMAT,
            envelope.format.as_deref(),
            envelope.format_version.as_deref(),
            MODEL_FORMAT_VERSION,
        )?;
        let doc: ModelDocument = serde_json::from_str(text).map_err(json_err)?;
        Model::try_from(doc)
    }

    /// The model document (format envelope first).
    pub fn to_json_string(&self, pretty: bool) -> String {
        let doc = self.document();
        let out = if pretty {
            serde_json::to_string_pretty(&doc)
        } else {
            serde_json::to_string(&doc)
        };
        // Plain data (strings, finite numbers, vectors) always serializes.
        out.unwrap_or_default()
    }

    /// Writes the model file atomically (temporary file + rename).
    pub fn save(&self, path: impl AsRef<Path>) -> Result<()> {
        let mut text = self.to_json_string(true);
        text.push('\n');
        crate::data::files::write_atomic(path, text.as_bytes())
    }
}

/// A weight (or intercept) no larger than [`MAX_ABS_WEIGHT`] either way (NaN is not).
fn within_bound(w: f64) -> bool {
    w.abs() <= MAX_ABS_WEIGHT
}

/// Checks a document's `format` and `format_version` against what this
/// crate reads: same major, equal or older minor.
pub(crate) fn check_envelope(
    document: Document,
    what: &str,
    expected_format: &str,
    format: Option<&str>,
    version: Option<&str>,
    supported: (u32, u32),
) -> Result<()> {
    let supported_text = format!(
        "{expected_format} {}.0 to {}.{}",
        supported.0, supported.0, supported.1
    );
    match format {
        Some(f) if f == expected_format => {}
        other => {
            return Err(Error::UnsupportedFormat {
                document,
                what: what.to_string(),
                found: format!("format {:?}", other.unwrap_or("(none)")),
                supported: supported_text,
            })
        }
    }
    let version = version.unwrap_or("(none)");
    let parsed = version
        .split_once('.')
        .and_then(|(a, b)| Some((number(a)?, number(b)?)));
    match parsed {
        Some((major, minor)) if major == supported.0 && minor <= supported.1 => Ok(()),
        _ => Err(Error::UnsupportedFormat {
            document,
            what: what.to_string(),
            found: format!("format_version {version}"),
            supported: supported_text,
        }),
    }
}

/// A version number as written `MAJOR.MINOR`: digits only, no sign, no
/// leading zero (but `0` itself).
fn number(s: &str) -> Option<u32> {
    let plain =
        !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) && (s == "0" || !s.starts_with('0'));
    if plain {
        s.parse().ok()
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn model() -> Model {
        let deals = crate::synthetic::deals(1_000, 3).table;
        Model::params()
            .target("outcome")
            .id("deal_id")
            .ignore(["created_at", "closed_at"])
            .l2(3.0)
            .fit(&deals)
            .unwrap()
    }

    #[test]
    fn serde_reads_and_writes_the_checked_document() {
        let m = model();
        // Serialize writes the model document, envelope first.
        let text = serde_json::to_string(&m).unwrap();
        assert_eq!(text, m.to_json_string(false));
        assert!(text.starts_with("{\"format\":\"leadscore.model\""));
        // Deserialize checks it: the same model, lookups built.
        let back: Model = serde_json::from_str(&text).unwrap();
        let leads = crate::synthetic::deals(50, 9).table;
        assert_eq!(back.score(&leads).unwrap(), m.score(&leads).unwrap());
        assert_eq!(back.fingerprint(), m.fingerprint());
        // An inconsistent document never becomes a model through serde.
        let bad = text.replacen("\"weights\":[", "\"weights\":[1.0,", 1);
        let err = serde_json::from_str::<Model>(&bad).unwrap_err();
        assert!(err.to_string().contains("invalid model"), "{err}");
        // Nor a document without the envelope.
        let bare = text.replacen("\"format\":\"leadscore.model\",", "", 1);
        assert!(serde_json::from_str::<Model>(&bare).is_err());
    }

    #[test]
    fn versions_are_strictly_major_dot_minor() {
        assert!(check_envelope(Document::Model, "m", "f", Some("f"), Some("1.0"), (1, 0)).is_ok());
        assert!(check_envelope(Document::Model, "m", "f", Some("f"), Some("1.1"), (1, 0)).is_err());
        for bad in ["+1.0", "01.0", "1.00", "1", "1.0.0", " 1.0", "1.-0"] {
            let r = check_envelope(Document::Model, "m", "f", Some("f"), Some(bad), (1, 0));
            assert!(r.is_err(), "{bad}");
        }
    }
}
