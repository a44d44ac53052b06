//! Obfuscation robustness: does a model's harmful score move when the same text is written
//! with leetspeak, look-alike letters, zero-width characters, spaced letters, mixed scripts
//! or a split wallet address?
//!
//! The pairs live in `datasets/robustness/pairs.jsonl`: `{"id", "label", "obfuscation",
//! "clean", "variant"}`. The *harmful score* of a text is its highest probability among the
//! model's review classes; the *gap* of a pair is `|harmful(variant) − harmful(clean)|`.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Position, Result};
use crate::{Classifier, ScoreScratch};

/// A clean text and an obfuscated variant saying the same.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RobustnessPair {
    /// Pair id.
    pub id: String,
    /// True class of both texts.
    pub label: String,
    /// Kind of obfuscation.
    pub obfuscation: String,
    /// The clean text.
    pub clean: String,
    /// The obfuscated text.
    pub variant: String,
}

/// Gaps of one obfuscation kind (or of all pairs).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct GapSummary {
    /// Pairs.
    pub pairs: u64,
    /// Mean gap.
    pub mean_gap: f64,
    /// Largest gap.
    pub worst_gap: f64,
    /// Id of the pair with the largest gap.
    pub worst_id: String,
    /// Fraction of pairs whose review decision is the same for both texts.
    pub same_decision: f64,
}

/// Per-pair result.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PairResult {
    /// Pair id.
    pub id: String,
    /// Kind of obfuscation.
    pub obfuscation: String,
    /// Harmful score of the clean text.
    pub clean: f64,
    /// Harmful score of the variant.
    pub variant: f64,
    /// Review decisions (clean, variant).
    pub review: (bool, bool),
}

/// The robustness report.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct RobustnessReport {
    /// Over all pairs.
    pub overall: GapSummary,
    /// Per obfuscation kind.
    pub by_kind: BTreeMap<String, GapSummary>,
    /// Every pair.
    pub pairs: Vec<PairResult>,
}

/// Reads pairs from a JSON Lines file; a malformed line is an error naming it.
pub fn read_pairs(path: &Path) -> Result<Vec<RobustnessPair>> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(Some(path.to_path_buf()), e))?;
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| {
            serde_json::from_str(l).map_err(|e| {
                Error::record(
                    Position::new(Some(path.display().to_string()), i as u64 + 1, i as u64 + 1),
                    format!("not a robustness pair: {e}"),
                )
            })
        })
        .collect()
}

fn harmful(model: &Classifier, text: &str, scratch: &mut ScoreScratch) -> (f64, bool) {
    let p = model.score(text, scratch, false);
    let review = model
        .review_policy()
        .resolve(model.classes())
        .unwrap_or_default();
    let h = review
        .iter()
        .map(|(c, _)| p.probabilities[*c])
        .fold(0.0, f64::max);
    (h, p.review)
}

fn summarise<'a>(results: impl Iterator<Item = &'a PairResult>) -> GapSummary {
    let mut s = GapSummary::default();
    let mut total = 0.0;
    let mut same = 0u64;
    for r in results {
        let gap = (r.variant - r.clean).abs();
        s.pairs += 1;
        total += gap;
        same += (r.review.0 == r.review.1) as u64;
        if gap > s.worst_gap || s.worst_id.is_empty() {
            s.worst_gap = gap;
            s.worst_id = r.id.clone();
        }
    }
    if s.pairs > 0 {
        s.mean_gap = total / s.pairs as f64;
        s.same_decision = same as f64 / s.pairs as f64;
    }
    s
}

/// Scores both texts of every pair.
pub fn robustness(model: &Classifier, pairs: &[RobustnessPair]) -> RobustnessReport {
    let mut scratch = ScoreScratch::default();
    let results: Vec<PairResult> = pairs
        .iter()
        .map(|p| {
            let (c, rc) = harmful(model, &p.clean, &mut scratch);
            let (v, rv) = harmful(model, &p.variant, &mut scratch);
            PairResult {
                id: p.id.clone(),
                obfuscation: p.obfuscation.clone(),
                clean: c,
                variant: v,
                review: (rc, rv),
            }
        })
        .collect();
    let mut kinds: Vec<&str> = results.iter().map(|r| r.obfuscation.as_str()).collect();
    kinds.sort_unstable();
    kinds.dedup();
    let by_kind = kinds
        .iter()
        .map(|k| {
            (
                k.to_string(),
                summarise(results.iter().filter(|r| r.obfuscation == *k)),
            )
        })
        .collect();
    RobustnessReport {
        overall: summarise(results.iter()),
        by_kind,
        pairs: results,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The largest harmful-score gap the default model may show on any pair.
    const MAX_GAP: f64 = 0.25;

    #[test]
    fn default_model_scores_obfuscated_variants_like_their_clean_texts() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("datasets/robustness/pairs.jsonl");
        let pairs = read_pairs(&path).unwrap();
        assert!(pairs.len() >= 100);
        let model = Classifier::default_model().unwrap();
        let report = robustness(&model, &pairs);
        for (kind, s) in &report.by_kind {
            eprintln!(
                "{kind:14} pairs {:3} mean gap {:.4} worst {:.4} ({}) same decision {:.3}",
                s.pairs, s.mean_gap, s.worst_gap, s.worst_id, s.same_decision
            );
        }
        let bad: Vec<String> = report
            .pairs
            .iter()
            .filter(|r| (r.variant - r.clean).abs() > MAX_GAP)
            .map(|r| {
                format!(
                    "{} ({}): clean {:.3} variant {:.3}",
                    r.id, r.obfuscation, r.clean, r.variant
                )
            })
            .collect();
        assert!(
            bad.is_empty(),
            "{} pairs moved more than {MAX_GAP}:\n{}",
            bad.len(),
            bad.join("\n")
        );
        assert!(
            report.overall.mean_gap < 0.05,
            "mean gap {}",
            report.overall.mean_gap
        );
    }

    #[test]
    fn gaps_are_summarised_per_kind() {
        let r = |id: &str, k: &str, c: f64, v: f64| PairResult {
            id: id.into(),
            obfuscation: k.into(),
            clean: c,
            variant: v,
            review: (c > 0.5, v > 0.5),
        };
        let results = [
            r("a", "leet", 0.9, 0.8),
            r("b", "leet", 0.9, 0.3),
            r("c", "zw", 0.1, 0.1),
        ];
        let s = summarise(results.iter());
        assert_eq!(s.pairs, 3);
        assert!((s.mean_gap - (0.1 + 0.6 + 0.0) / 3.0).abs() < 1e-12);
        assert!((s.worst_gap - 0.6).abs() < 1e-12);
        assert_eq!(s.worst_id, "b");
        assert!((s.same_decision - 2.0 / 3.0).abs() < 1e-12);
    }
}
