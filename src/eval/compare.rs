//! Cross-validation and model comparison, built on [`Scored::metric`].

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{grouped_stratified_folds, paired_bootstrap_diff, PairedDiff, Scored};
use crate::error::{Error, Result};
use crate::io::LabeledRecord;
use crate::train::ValidTrainConfig;

/// True when smaller values of the metric are better: calibration error, the overall review
/// rate, and the review rate of a class or slice that should not be flagged (any whose name
/// does not start with `appeal` or `propaganda`, e.g. `benign.review_rate` or
/// `slice:benign-islamic-charity.review_rate`).
pub fn lower_is_better(metric: &str) -> bool {
    if metric == "ece" || metric == "review.rate" {
        return true;
    }
    if let Some(rest) = metric.strip_suffix(".review_rate") {
        let name = rest.strip_prefix("slice:").unwrap_or(rest);
        return !(name.starts_with("appeal") || name.starts_with("propaganda"));
    }
    false
}

/// The metrics `cv` and `compare` report by default for these classes.
pub fn default_metrics(scored: &Scored) -> Vec<String> {
    let mut m = vec![
        "accuracy".to_string(),
        "macro_f1".to_string(),
        "ece".to_string(),
        "review.precision".to_string(),
        "review.recall".to_string(),
        "review.rate".to_string(),
    ];
    for c in &scored.classes {
        for what in [
            "average_precision",
            "precision",
            "recall",
            "f1",
            "review_rate",
        ] {
            m.push(format!("{c}.{what}"));
        }
    }
    m
}

/// Checks that `metric` names something `scored` can measure: a metric of
/// [`default_metrics`], `CLASS.roc_auc`, or `slice:NAME.review_rate` for a slice present in
/// the data. The error lists the valid names, so that a typo in a quality gate is a usage
/// error, never a silent pass or a failure that looks like a regression.
pub fn check_metric(scored: &Scored, metric: &str) -> Result<()> {
    let mut known = default_metrics(scored);
    known.extend(scored.classes.iter().map(|c| format!("{c}.roc_auc")));
    if known.iter().any(|m| m == metric) {
        return Ok(());
    }
    let mut slices: Vec<&str> = scored.slices.iter().flatten().map(String::as_str).collect();
    slices.sort_unstable();
    slices.dedup();
    if let Some(slice) = metric
        .strip_prefix("slice:")
        .and_then(|s| s.strip_suffix(".review_rate"))
    {
        if slices.contains(&slice) {
            return Ok(());
        }
        return Err(Error::config(format!(
            "unknown slice {slice:?} in metric {metric:?}: the data's slices are {}",
            if slices.is_empty() {
                "none (no record has a slice)".to_string()
            } else {
                slices.join(", ")
            }
        )));
    }
    Err(Error::config(format!(
        "unknown metric {metric:?}: valid metrics are {}, and slice:NAME.review_rate for a slice of the data",
        known.join(", ")
    )))
}

/// Mean and sample standard deviation of a metric over folds.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FoldSummary {
    /// Mean over the folds where the metric is defined.
    pub mean: f64,
    /// Sample standard deviation (0 for one fold).
    pub std: f64,
    /// Value per fold (`None` where undefined).
    pub folds: Vec<Option<f64>>,
}

/// Result of [`cross_validate`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CvReport {
    /// Number of folds.
    pub folds: usize,
    /// Field the folds were grouped by.
    pub group_by: String,
    /// Records per fold.
    pub fold_sizes: Vec<usize>,
    /// Metric → summary.
    pub metrics: BTreeMap<String, FoldSummary>,
}

/// One held-out value of a leave-one-out evaluation.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HeldOut {
    /// The value left out (e.g. a writer).
    pub value: String,
    /// Records trained on.
    pub train: usize,
    /// Records tested on (those with this value).
    pub test: usize,
    /// Metrics on the held-out records (`None` where undefined there).
    pub metrics: BTreeMap<String, Option<f64>>,
}

/// Result of [`leave_one_out`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LeaveOneOutReport {
    /// The field whose values were left out one at a time.
    pub field: String,
    /// Records without the field: in training every time, never tested.
    pub always_trained: usize,
    /// `Some(k)` when the values were left out k folds at a time (every value still scored
    /// only by a model that never saw it, but trained without the other values of its fold
    /// too); `None` for one training per value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value_folds: Option<usize>,
    /// Per held-out value, in order.
    pub folds: Vec<HeldOut>,
}

/// Leave-one-out evaluation over the values of `field` (e.g. `writer`): for each distinct
/// value, trains `config` on every record without that value (records that lack the field
/// altogether, such as public corpora, are in training every time) and scores the records
/// with it. Returns the per-value report and the pooled held-out scores, in fold order
/// (the records of the first fold's values, then the second's, ...), with the records'
/// indices. `progress(values, i, n)` is called before each fold.
///
/// With `value_folds = Some(k)` (k ≥ 2, fewer than the values), the distinct values, in
/// sorted order, are dealt round-robin into k folds (so values with neighbouring names, such
/// as one writer's second and third rounds, fall into different folds) and each fold is left
/// out as a whole: k trainings instead of one per value. Every value's records are still
/// scored only by a model that never saw that value; the model also missed the other values
/// of its fold, so the figures are somewhat lower than one training per value would give.
pub fn leave_one_out(
    config: &ValidTrainConfig,
    records: &[LabeledRecord],
    field: &str,
    value_folds: Option<usize>,
    mut progress: impl FnMut(&str, usize, usize),
) -> Result<(LeaveOneOutReport, Scored, Vec<usize>)> {
    let value_of = |r: &LabeledRecord| -> Result<Option<String>> {
        Ok(match field {
            "writer" => r.writer.clone(),
            "language" => r.language.clone(),
            "source" => r.source.clone(),
            "slice" => r.slice.clone(),
            "group" => r.group.clone(),
            other => {
                return Err(Error::config(format!(
                    "--leave-one-out {other:?}: use writer, language, source, slice or group"
                )))
            }
        })
    };
    let values: Vec<Option<String>> = records.iter().map(value_of).collect::<Result<_>>()?;
    let distinct: Vec<String> = values
        .iter()
        .flatten()
        .cloned()
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    if distinct.len() < 2 {
        return Err(Error::data(format!(
            "leave-one-out needs at least two distinct values of `{field}`; the data has {}",
            distinct.len()
        )));
    }
    let k = match value_folds {
        None => distinct.len(),
        Some(k) if k >= 2 && k < distinct.len() => k,
        Some(k) => {
            return Err(Error::config(format!(
            "--value-folds {k}: use at least 2 and fewer than the {} distinct values of `{field}`",
            distinct.len()
        )))
        }
    };
    // Fold of each distinct value (index into `distinct`), and of each record (None: always
    // trained).
    let value_index: BTreeMap<&str, usize> = distinct
        .iter()
        .enumerate()
        .map(|(i, v)| (v.as_str(), i))
        .collect();
    let record_value: Vec<Option<usize>> = values
        .iter()
        .map(|v| v.as_deref().map(|v| value_index[v]))
        .collect();
    let mut held: Vec<Option<HeldOut>> = vec![None; distinct.len()];
    let mut parts = Vec::with_capacity(k);
    let mut order = Vec::new();
    for fold in 0..k {
        let fold_values: Vec<usize> = (fold..distinct.len()).step_by(k).collect();
        let names: Vec<&str> = fold_values.iter().map(|&i| distinct[i].as_str()).collect();
        progress(&names.join(", "), fold, k);
        let (test_idx, train_idx): (Vec<usize>, Vec<usize>) =
            (0..records.len()).partition(|&j| record_value[j].is_some_and(|i| i % k == fold));
        let train: Vec<LabeledRecord> = train_idx.iter().map(|&j| records[j].clone()).collect();
        let test: Vec<LabeledRecord> = test_idx.iter().map(|&j| records[j].clone()).collect();
        let model = config.fit(&train)?;
        let scored = Scored::new_with_progress(&model, &test, config.progress())?;
        for &vi in &fold_values {
            let idx: Vec<usize> = (0..test_idx.len())
                .filter(|&t| record_value[test_idx[t]] == Some(vi))
                .collect();
            let metrics = default_metrics(&scored)
                .into_iter()
                .map(|m| {
                    let v = scored.metric(&m, &idx);
                    (m, v)
                })
                .collect();
            held[vi] = Some(HeldOut {
                value: distinct[vi].clone(),
                train: train.len(),
                test: idx.len(),
                metrics,
            });
        }
        parts.push(scored);
        order.extend(test_idx);
    }
    let folds: Vec<HeldOut> = held
        .into_iter()
        .map(|h| h.expect("every value falls in one fold"))
        .collect();
    let always_trained = values.iter().filter(|v| v.is_none()).count();
    let pooled = Scored::concat(parts)?;
    Ok((
        LeaveOneOutReport {
            field: field.to_string(),
            always_trained,
            value_folds,
            folds,
        },
        pooled,
        order,
    ))
}

/// The group key of a record for `field` (`group`, `writer`, `language`, `source`, `slice`
/// or `id`). A record without the field is its own group.
pub fn group_key<'a>(r: &'a LabeledRecord, field: &str) -> Result<&'a str> {
    Ok(match field {
        "group" => r.group.as_deref().unwrap_or(&r.id),
        "source" => r.source.as_deref().unwrap_or(&r.id),
        "slice" => r.slice.as_deref().unwrap_or(&r.id),
        // Records without a writer or language (public corpora) keep their own groups
        // (accounts, dialogues) together.
        "writer" => r.writer.as_deref().or(r.group.as_deref()).unwrap_or(&r.id),
        "language" => r
            .language
            .as_deref()
            .or(r.group.as_deref())
            .unwrap_or(&r.id),
        "id" => &r.id,
        other => {
            return Err(Error::config(format!(
                "--group-by {other:?}: use group, writer, language, source, slice or id"
            )))
        }
    })
}

/// Stratified (by label), grouped k-fold cross-validation: trains `config` on k−1 folds and
/// scores the held-out fold, k times. Deterministic for a given seed.
pub fn cross_validate(
    config: &ValidTrainConfig,
    records: &[LabeledRecord],
    k: usize,
    group_by: &str,
    seed: u64,
) -> Result<CvReport> {
    let classes = config.classes_for(records)?;
    let labels: Vec<usize> = records
        .iter()
        .map(|r| classes.iter().position(|c| c == &r.label).unwrap_or(0))
        .collect();
    let mut ids: BTreeMap<&str, u64> = BTreeMap::new();
    let mut groups = Vec::with_capacity(records.len());
    for r in records {
        let key = group_key(r, group_by)?;
        let next = ids.len() as u64;
        groups.push(*ids.entry(key).or_insert(next));
    }
    let fold_of = grouped_stratified_folds(&labels, &groups, k, seed).map_err(Error::config)?;
    let mut per_metric: BTreeMap<String, Vec<Option<f64>>> = BTreeMap::new();
    let mut fold_sizes = Vec::with_capacity(k);
    for fold in 0..k {
        let train: Vec<LabeledRecord> = records
            .iter()
            .zip(&fold_of)
            .filter(|(_, f)| **f != fold)
            .map(|(r, _)| r.clone())
            .collect();
        let test: Vec<LabeledRecord> = records
            .iter()
            .zip(&fold_of)
            .filter(|(_, f)| **f == fold)
            .map(|(r, _)| r.clone())
            .collect();
        fold_sizes.push(test.len());
        let model = config.fit(&train)?;
        let scored = Scored::new_with_progress(&model, &test, config.progress())?;
        let all: Vec<usize> = (0..scored.len()).collect();
        for m in default_metrics(&scored) {
            per_metric
                .entry(m.clone())
                .or_default()
                .push(scored.metric(&m, &all));
        }
    }
    let metrics = per_metric
        .into_iter()
        .map(|(m, folds)| {
            let vals: Vec<f64> = folds.iter().flatten().copied().collect();
            let n = vals.len() as f64;
            let mean = if vals.is_empty() {
                f64::NAN
            } else {
                vals.iter().sum::<f64>() / n
            };
            let std = if vals.len() > 1 {
                (vals.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt()
            } else {
                0.0
            };
            (m, FoldSummary { mean, std, folds })
        })
        .collect();
    Ok(CvReport {
        folds: k,
        group_by: group_by.to_string(),
        fold_sizes,
        metrics,
    })
}

/// One metric compared between a reference model A and a candidate B.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MetricComparison {
    /// Metric name.
    pub metric: String,
    /// Whether lower values are better.
    pub lower_is_better: bool,
    /// Paired bootstrap of `B − A` (`None` when undefined on the data).
    pub diff: Option<PairedDiff>,
}

/// Compares two models' scores on the same records (same order) metric by metric, with
/// paired bootstrap intervals of `B − A`.
pub fn compare(
    a: &Scored,
    b: &Scored,
    metrics: &[String],
    resamples: usize,
    seed: u64,
) -> Result<Vec<MetricComparison>> {
    if a.len() != b.len() || a.truth != b.truth {
        return Err(Error::data(
            "the two models were scored on different records".to_string(),
        ));
    }
    Ok(metrics
        .iter()
        .map(|m| MetricComparison {
            metric: m.clone(),
            lower_is_better: lower_is_better(m),
            diff: paired_bootstrap_diff(a.len(), resamples.max(1), seed, 0.95, |idx, model| {
                if model == 0 {
                    a.metric(m, idx)
                } else {
                    b.metric(m, idx)
                }
            }),
        })
        .collect())
}

/// A quality-gate rule: fail when B is worse than A on `metric` by more than `tolerance`.
#[derive(Clone, Debug, PartialEq)]
pub struct GateRule {
    /// Metric name.
    pub metric: String,
    /// Allowed degradation (in the metric's units).
    pub tolerance: f64,
}

impl GateRule {
    /// Parses `METRIC:TOLERANCE` (the metric may itself contain `:`, e.g. `slice:x.review_rate:0.01`).
    pub fn parse(s: &str) -> Result<Self> {
        let (metric, tol) = s.rsplit_once(':').ok_or_else(|| {
            Error::config(format!("--fail-if-worse {s:?}: expected METRIC:TOLERANCE"))
        })?;
        let tolerance: f64 = tol.parse().map_err(|_| {
            Error::config(format!("--fail-if-worse {s:?}: {tol:?} is not a number"))
        })?;
        if !(tolerance >= 0.0 && tolerance.is_finite()) || metric.is_empty() {
            return Err(Error::config(format!(
                "--fail-if-worse {s:?}: the tolerance must be a non-negative number"
            )));
        }
        Ok(GateRule {
            metric: metric.to_string(),
            tolerance,
        })
    }

    /// `Some(reason)` when the comparison breaks this rule. A metric undefined on the data
    /// breaks it too: a gate must not pass on nothing.
    pub fn violation(&self, c: &MetricComparison) -> Option<String> {
        let Some(d) = &c.diff else {
            return Some(format!("{} is undefined on this data", self.metric));
        };
        let worse_by = if c.lower_is_better { d.diff } else { -d.diff };
        (worse_by > self.tolerance).then(|| {
            format!(
                "{}: B {:.4} vs A {:.4} ({} by {:.4}, tolerance {:.4})",
                self.metric, d.b, d.a, "worse", worse_by, self.tolerance
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scored(probs: Vec<f64>, truth: Vec<usize>, flagged: Vec<bool>) -> Scored {
        Scored {
            classes: vec!["appeal".into(), "benign".into()],
            review: vec![(0, 0.5)],
            slices: vec![Some("s".into()); truth.len()],
            sources: vec![None; truth.len()],
            languages: vec![None; truth.len()],
            writers: vec![None; truth.len()],
            truth,
            probs,
            flagged,
        }
    }

    #[test]
    fn gate_rules_parse_and_fire_in_the_right_direction() {
        let r = GateRule::parse("slice:benign-x.review_rate:0.01").unwrap();
        assert_eq!(r.metric, "slice:benign-x.review_rate");
        assert!(GateRule::parse("appeal.recall").is_err());
        assert!(GateRule::parse("appeal.recall:-1").is_err());
        assert!(GateRule::parse("appeal.recall:x").is_err());
        let good = scored(
            vec![0.9, 0.1, 0.2, 0.8, 0.8, 0.2, 0.1, 0.9],
            vec![0, 1, 0, 1],
            vec![true, false, true, false],
        );
        let bad = scored(
            vec![0.4, 0.6, 0.2, 0.8, 0.8, 0.2, 0.1, 0.9],
            vec![0, 1, 0, 1],
            vec![false, false, true, true],
        );
        let cmp = compare(
            &good,
            &bad,
            &["review.recall".into(), "review.rate".into()],
            200,
            1,
        )
        .unwrap();
        let recall_rule = GateRule {
            metric: "review.recall".into(),
            tolerance: 0.1,
        };
        assert!(
            recall_rule.violation(&cmp[0]).is_some(),
            "recall fell from 1 to 0.5"
        );
        let rate_rule = GateRule {
            metric: "review.rate".into(),
            tolerance: 0.0,
        };
        assert!(
            rate_rule.violation(&cmp[1]).is_none(),
            "the same rate is not worse"
        );
        let same = compare(&good, &good, &["review.recall".into()], 200, 1).unwrap();
        assert!(recall_rule.violation(&same[0]).is_none());
        assert!(lower_is_better("slice:benign-x.review_rate") && lower_is_better("ece"));
        assert!(lower_is_better("benign.review_rate"));
        assert!(!lower_is_better("appeal.review_rate"));
        assert!(!lower_is_better("slice:propaganda-far-right.review_rate"));
        assert!(!lower_is_better("appeal.recall"));
    }

    #[test]
    fn group_key_fields() {
        let r = LabeledRecord {
            id: "i".into(),
            text: "t".into(),
            label: "benign".into(),
            source: Some("s".into()),
            slice: None,
            group: Some("g".into()),
            writer: None,
            language: None,
        };
        assert_eq!(group_key(&r, "group").unwrap(), "g");
        assert_eq!(group_key(&r, "slice").unwrap(), "i");
        assert!(group_key(&r, "user").is_err());
    }
}
