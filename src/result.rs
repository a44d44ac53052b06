//! The score contract: one result per scored record, and one error record per unreadable
//! one, as `redflag score` writes them (JSON Lines, Parquet) and the Python package returns
//! them. Both render through these types, so they cannot drift apart.
//!
//! A result:
//!
//! ```json
//! {"id": 7, "lang": "en", "label": "appeal",
//!  "scores": {"appeal": 0.91, "propaganda": 0.04, "reporting": 0.02, "benign": 0.03},
//!  "review": true, "explains": "appeal", "threshold": 0.52,
//!  "reasons": [{"feature": "zakat", "kind": "word", "weight": 1.234, "spans": [[5, 10]]}],
//!  "warnings": ["language_low_coverage"]}
//! ```
//!
//! `input` appears when several inputs are scored in one run; `explains` and `threshold`
//! when the model has review classes; `warnings` when there are any (`invalid_utf8`,
//! `truncated`, `language_low_coverage`). Reason weights are rounded to four decimals.

use serde::ser::{SerializeMap, Serializer};
use serde::Serialize;

use crate::model::ReasonKind;
use crate::{Classifier, Prediction};

/// A result's id: the record's own, else its position.
#[derive(Clone, Copy, Debug)]
pub enum ResultId<'a> {
    /// The id the record gave (any JSON value).
    Given(&'a serde_json::Value),
    /// The record's position: 1-based record number in a file, 0-based index in Python.
    Position(u64),
}

impl Serialize for ResultId<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            ResultId::Given(v) => v.serialize(s),
            ResultId::Position(n) => s.serialize_u64(*n),
        }
    }
}

/// How the text reached the scorer, for the result's warnings.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct InputFlags {
    /// Invalid UTF-8 was replaced by U+FFFD.
    pub lossy_utf8: bool,
    /// The text was cut to the byte limit.
    pub truncated: bool,
}

/// One scored record in the score contract.
#[derive(Debug, Serialize)]
pub struct ScoreResult<'a> {
    /// The record's id, else its position.
    pub id: ResultId<'a>,
    /// The input's name, when a run scores several.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub input: Option<&'a str>,
    /// The identified language (`und` when unknown).
    pub lang: &'a str,
    /// The most probable class.
    pub label: &'a str,
    /// Class → calibrated probability, in the model's class order.
    pub scores: Scores<'a>,
    /// Whether a review class reached its threshold.
    pub review: bool,
    /// The review class the reasons explain (the flagged one, else the most probable).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub explains: Option<&'a str>,
    /// The review threshold of that class.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub threshold: Option<f64>,
    /// What pushed the score toward `explains`, strongest first.
    pub reasons: Vec<ReasonResult<'a>>,
    /// `invalid_utf8`, `truncated`, `language_low_coverage`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<&'static str>,
}

/// One reason of a [`ScoreResult`].
#[derive(Debug, Serialize)]
pub struct ReasonResult<'a> {
    /// The word, phrase or signal as it appears in the text (phrases as analysed).
    pub feature: &'a str,
    /// What kind of feature it is.
    pub kind: ReasonKind,
    /// Its contribution, rounded to four decimals.
    pub weight: f64,
    /// Byte spans `[start, end)` in the text.
    pub spans: Vec<SpanResult>,
}

/// A byte span `[start, end)`, serialised as a two-element sequence (a JSON array, a
/// Python list).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SpanResult(pub usize, pub usize);

impl Serialize for SpanResult {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeSeq;
        let mut seq = s.serialize_seq(Some(2))?;
        seq.serialize_element(&self.0)?;
        seq.serialize_element(&self.1)?;
        seq.end()
    }
}

/// Class → probability, serialised as a map in the model's class order.
#[derive(Debug)]
pub struct Scores<'a>(pub &'a [String], pub &'a [f64]);

impl Serialize for Scores<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(self.0.len()))?;
        for (c, p) in self.0.iter().zip(self.1) {
            m.serialize_entry(c, p)?;
        }
        m.end()
    }
}

impl<'a> ScoreResult<'a> {
    /// The result for prediction `p` of `model`; `reasons: false` leaves the reasons out
    /// (an empty list) even when `p` has them.
    pub fn new(
        model: &'a Classifier,
        p: &'a Prediction,
        id: ResultId<'a>,
        flags: InputFlags,
        reasons: bool,
    ) -> Self {
        let classes = model.classes();
        let explains = p.explained.map(|c| classes[c].as_str());
        ScoreResult {
            id,
            input: None,
            lang: p.lang,
            label: &classes[p.label],
            scores: Scores(classes, &p.probabilities),
            review: p.review,
            explains,
            threshold: explains.and_then(|c| model.review_policy().threshold(c)),
            reasons: p
                .reasons
                .iter()
                .filter(|_| reasons)
                .map(|reason| ReasonResult {
                    feature: &reason.feature,
                    kind: reason.kind,
                    weight: (reason.weight * 1e4).round() / 1e4,
                    spans: reason
                        .spans
                        .iter()
                        .map(|s| SpanResult(s.start, s.end))
                        .collect(),
                })
                .collect(),
            warnings: warnings(flags, p),
        }
    }

    /// The result as one line of JSON, newline included.
    pub fn to_json_line(&self) -> Vec<u8> {
        let mut buf = serde_json::to_vec(self).expect("results serialise");
        buf.push(b'\n');
        buf
    }
}

/// A result's warnings, in this order: `invalid_utf8`, `truncated`, `language_low_coverage`.
pub fn warnings(flags: InputFlags, p: &Prediction) -> Vec<&'static str> {
    let mut warnings: Vec<&'static str> = Vec::new();
    if flags.lossy_utf8 {
        warnings.push("invalid_utf8");
    }
    if flags.truncated {
        warnings.push("truncated");
    }
    if p.low_coverage {
        warnings.push("language_low_coverage");
    }
    warnings
}

/// A record that could not be scored, in its place among the results.
#[derive(Debug, Serialize)]
pub struct ErrorResult<'a> {
    /// The record's id if it could be read, else its 1-based record number.
    pub id: serde_json::Value,
    /// The input's name, when a run scores several.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub input: Option<&'a str>,
    /// The 1-based line where the record starts.
    pub line: u64,
    /// What is wrong, in words.
    pub error: &'a str,
}

impl ErrorResult<'_> {
    /// The error record as one line of JSON, newline included.
    pub fn to_json_line(&self) -> Vec<u8> {
        let mut buf = serde_json::to_vec(self).expect("error records serialise");
        buf.push(b'\n');
        buf
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_follow_the_contract() {
        let model = Classifier::default_model().unwrap();
        let mut scratch = crate::ScoreScratch::default();
        let text = "Send zakat to the brothers at the front, XMR only";
        let p = model.score(text, &mut scratch, true);
        let id = serde_json::json!("a-1");
        let r = ScoreResult::new(
            &model,
            &p,
            ResultId::Given(&id),
            InputFlags {
                truncated: true,
                ..InputFlags::default()
            },
            true,
        );
        let v: serde_json::Value = serde_json::from_slice(&r.to_json_line()).unwrap();
        assert_eq!(v["id"], "a-1");
        assert!(v.get("input").is_none());
        let scores = v["scores"].as_object().unwrap();
        let keys: Vec<&String> = scores.keys().collect();
        assert_eq!(keys.len(), model.classes().len());
        assert_eq!(v["label"], model.classes()[p.label].as_str());
        assert_eq!(v["warnings"][0], "truncated");
        for reason in v["reasons"].as_array().unwrap() {
            let w = reason["weight"].as_f64().unwrap();
            assert_eq!(w, (w * 1e4).round() / 1e4);
            for span in reason["spans"].as_array().unwrap() {
                let (a, b) = (span[0].as_u64().unwrap(), span[1].as_u64().unwrap());
                assert!(text.is_char_boundary(a as usize) && a < b);
            }
        }
        let quiet = ScoreResult::new(
            &model,
            &p,
            ResultId::Position(0),
            InputFlags::default(),
            false,
        );
        let v: serde_json::Value = serde_json::from_slice(&quiet.to_json_line()).unwrap();
        assert_eq!(v["id"], 0);
        assert_eq!(v["reasons"].as_array().unwrap().len(), 0);
        assert!(v.get("warnings").is_none() || !p.low_coverage);
    }
}
