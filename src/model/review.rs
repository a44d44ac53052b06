//! Review thresholds and reasons.

use serde::{Deserialize, Serialize};

use crate::text::Span;

/// The probability at or above which one harmful class sends a record to review.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReviewThreshold {
    /// Class name.
    pub class: String,
    /// Threshold on the class probability, in `[0, 1]`.
    pub threshold: f64,
}

/// Which classes send a record to human review, and at which probability.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReviewPolicy {
    /// One threshold per harmful class, in the model's class order.
    pub thresholds: Vec<ReviewThreshold>,
}

impl ReviewPolicy {
    /// Resolves class names against the model's classes: `(class index, threshold)` pairs.
    /// Fails on an unknown class, a duplicate or a threshold outside `[0, 1]`.
    pub fn resolve(&self, classes: &[String]) -> Result<Vec<(usize, f64)>, String> {
        let mut out: Vec<(usize, f64)> = Vec::with_capacity(self.thresholds.len());
        for t in &self.thresholds {
            let Some(i) = classes.iter().position(|c| c == &t.class) else {
                return Err(format!(
                    "review class {:?} is not one of the model's classes ({})",
                    t.class,
                    classes.join(", ")
                ));
            };
            if !(0.0..=1.0).contains(&t.threshold) {
                return Err(format!(
                    "review threshold {} for {:?} is outside [0, 1]",
                    t.threshold, t.class
                ));
            }
            if out.iter().any(|(j, _)| *j == i) {
                return Err(format!("review class {:?} is listed twice", t.class));
            }
            out.push((i, t.threshold));
        }
        Ok(out)
    }

    /// The threshold of `class`, if it is a review class.
    pub fn threshold(&self, class: &str) -> Option<f64> {
        self.thresholds
            .iter()
            .find(|t| t.class == class)
            .map(|t| t.threshold)
    }
}

/// What a [`Reason`] points at.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ReasonKind {
    /// A word: its unigram and every character n-gram inside it, together.
    Word,
    /// A run of words (a word n-gram).
    Phrase,
    /// A signal token (`#addr_xmr`, `#url`, ...) or a term derived from one (a link's
    /// domain).
    Signal,
}

/// One word, phrase or signal that pushed a record toward the explained class.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Reason {
    /// What a reader sees: the word as first written in the text, the phrase as analysed
    /// (`send btc`), or the signal token (`#addr_xmr`).
    pub feature: String,
    /// Word, phrase or signal.
    pub kind: ReasonKind,
    /// Its summed contribution to the class's log-odds against the average class (for a
    /// word: its unigram's and its character n-grams' together).
    pub weight: f64,
    /// Byte spans of its occurrences in the original text.
    pub spans: Vec<Span>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolve_checks_names_ranges_and_duplicates() {
        let classes: Vec<String> = ["appeal", "benign"].iter().map(|s| s.to_string()).collect();
        let p = |c: &str, t| ReviewPolicy {
            thresholds: vec![ReviewThreshold {
                class: c.into(),
                threshold: t,
            }],
        };
        assert_eq!(p("appeal", 0.7).resolve(&classes), Ok(vec![(0, 0.7)]));
        assert!(p("propaganda", 0.5)
            .resolve(&classes)
            .unwrap_err()
            .contains("not one of"));
        assert!(p("appeal", 1.5)
            .resolve(&classes)
            .unwrap_err()
            .contains("outside"));
        let mut twice = p("appeal", 0.5);
        twice.thresholds.push(twice.thresholds[0].clone());
        assert!(twice.resolve(&classes).unwrap_err().contains("twice"));
    }

    #[test]
    fn serde_round_trip() {
        let p = ReviewPolicy {
            thresholds: vec![ReviewThreshold {
                class: "appeal".into(),
                threshold: 0.25,
            }],
        };
        let back: ReviewPolicy = serde_json::from_str(&serde_json::to_string(&p).unwrap()).unwrap();
        assert_eq!(back, p);
        let r = Reason {
            feature: "#addr_xmr".into(),
            kind: ReasonKind::Signal,
            weight: 1.5,
            spans: vec![Span { start: 3, end: 9 }],
        };
        let back: Reason = serde_json::from_str(&serde_json::to_string(&r).unwrap()).unwrap();
        assert_eq!(back, r);
    }
}
