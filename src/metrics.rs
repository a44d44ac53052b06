//! Ranking, threshold, confusion-matrix and calibration metrics.
//!
//! Everything here follows scikit-learn's definitions (checked against
//! scikit-learn 1.9.1) so that the numbers redflag reports can be compared
//! with numbers computed in Python:
//!
//! | redflag                    | scikit-learn                                         |
//! |----------------------------|------------------------------------------------------|
//! | [`precision_recall_curve`] | `precision_recall_curve` (`drop_intermediate=False`) |
//! | [`average_precision`]      | `average_precision_score`                            |
//! | [`roc_curve`]              | `roc_curve(drop_intermediate=False)`                 |
//! | [`roc_auc`]                | `roc_auc_score` (binary)                             |
//! | [`confusion_matrix`]       | `confusion_matrix(labels=0..n)`                      |
//! | [`per_class`]              | `precision_recall_fscore_support(zero_division=0)`   |
//!
//! The binary-per-class functions take `scores` (higher means "more likely
//! positive") and `positive` (the truth) of the same length. An item is
//! *predicted positive* at threshold `t` when `score >= t`.
//!
//! Inputs that would make a metric undefined (empty slices, slices of
//! different lengths, non-finite scores, a missing class) give `None`; no
//! function in this module panics.
//!
//! ```
//! use redflag::eval::{average_precision, precision_recall_curve, roc_auc};
//!
//! // scikit-learn's documented example.
//! let scores = [0.1, 0.4, 0.35, 0.8];
//! let positive = [false, false, true, true];
//! let ap = average_precision(&scores, &positive).unwrap();
//! assert!((ap - 0.8333333333333333).abs() < 1e-12);
//! assert_eq!(roc_auc(&scores, &positive), Some(0.75));
//! let curve = precision_recall_curve(&scores, &positive).unwrap();
//! assert_eq!(curve.thresholds, vec![0.1, 0.35, 0.4, 0.8]);
//! assert_eq!(curve.recall, vec![1.0, 1.0, 0.5, 0.5, 0.0]);
//! ```

use serde::{Deserialize, Serialize};

/// Precision–recall curve with scikit-learn's `precision_recall_curve`
/// semantics.
///
/// * `thresholds` holds every **distinct** score, in **increasing** order
///   (tied scores form one point: they can't be separated by a threshold).
/// * `precision[i]` and `recall[i]` are the precision and recall when every
///   item with `score >= thresholds[i]` is predicted positive, for
///   `i < thresholds.len()`.
/// * `precision` and `recall` have **one more** element than `thresholds`:
///   the last point is `(precision 1, recall 0)`, which has no threshold
///   (it stands for "predict nothing"), exactly as in scikit-learn. So
///   recall is non-increasing along the vectors and ends at 0.
///
/// Unlike scikit-learn versions before 1.1 the curve is **not** truncated
/// at the first point of full recall: thresholds below it are kept.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PrCurve {
    /// Distinct scores, increasing.
    pub thresholds: Vec<f64>,
    /// Precision per threshold, then the final `1.0`.
    pub precision: Vec<f64>,
    /// Recall per threshold, then the final `0.0`.
    pub recall: Vec<f64>,
}

/// ROC curve with scikit-learn's `roc_curve(drop_intermediate=False)`
/// semantics.
///
/// * `thresholds[0]` is `f64::INFINITY` (nothing predicted positive, the
///   point (0, 0)), then every distinct score in **decreasing** order.
/// * `fpr[i]` / `tpr[i]` are the false/true positive rates when every item
///   with `score >= thresholds[i]` is predicted positive. All three vectors
///   have the same length, and the last point is (1, 1).
///
/// Not `Serialize`: JSON has no infinity for `thresholds[0]`.
#[derive(Debug, Clone, PartialEq)]
pub struct RocCurve {
    /// False positive rate per threshold, non-decreasing from 0 to 1.
    pub fpr: Vec<f64>,
    /// True positive rate per threshold, non-decreasing from 0 to 1.
    pub tpr: Vec<f64>,
    /// `+inf`, then the distinct scores in decreasing order.
    pub thresholds: Vec<f64>,
}

/// A threshold and the precision and recall it gives (predicted positive
/// means `score >= threshold`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct OperatingPoint {
    /// Decision threshold.
    pub threshold: f64,
    /// Precision at that threshold.
    pub precision: f64,
    /// Recall at that threshold.
    pub recall: f64,
}

/// A target for [`threshold_for_target`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum Target {
    /// Reach at least this precision, with as much recall as possible.
    Precision(f64),
    /// Reach at least this recall, flagging as few items as possible.
    Recall(f64),
}

/// Precision, recall, F1 and support of one class (see [`per_class`]).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ClassMetrics {
    /// `tp / (tp + fp)`, 0 when the class is never predicted.
    pub precision: f64,
    /// `tp / (tp + fn)`, 0 when the class never occurs.
    pub recall: f64,
    /// `2 tp / (2 tp + fp + fn)`, 0 when that is `0 / 0`.
    pub f1: f64,
    /// Number of items whose true class is this one.
    pub support: u64,
}

/// Confusion counts of a binary decision `score >= threshold`
/// (see [`binary_counts`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct BinaryCounts {
    /// Positives predicted positive.
    pub tp: u64,
    /// Negatives predicted positive.
    pub fp: u64,
    /// Negatives predicted negative.
    pub tn: u64,
    /// Positives predicted negative.
    pub fn_: u64,
}

impl BinaryCounts {
    /// `tp / (tp + fp)`; `None` when nothing is predicted positive.
    pub fn precision(&self) -> Option<f64> {
        ratio(self.tp, u128::from(self.tp) + u128::from(self.fp))
    }

    /// `tp / (tp + fn)`; `None` when there are no positives.
    pub fn recall(&self) -> Option<f64> {
        ratio(self.tp, u128::from(self.tp) + u128::from(self.fn_))
    }

    /// Fraction of all items predicted positive (the review load);
    /// `None` when there are no items.
    pub fn rate(&self) -> Option<f64> {
        let predicted = u128::from(self.tp) + u128::from(self.fp);
        let total = predicted + u128::from(self.tn) + u128::from(self.fn_);
        if total == 0 {
            None
        } else {
            Some(predicted as f64 / total as f64)
        }
    }

    /// Total number of items counted.
    pub fn total(&self) -> u64 {
        self.tp
            .saturating_add(self.fp)
            .saturating_add(self.tn)
            .saturating_add(self.fn_)
    }
}

fn ratio(num: u64, den: u128) -> Option<f64> {
    if den == 0 {
        None
    } else {
        Some(num as f64 / den as f64)
    }
}

/// One bin of a reliability diagram (see [`reliability`]).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ReliabilityBin {
    /// Lower edge (inclusive).
    pub lower: f64,
    /// Upper edge (exclusive, except for the last bin, which includes 1).
    pub upper: f64,
    /// Number of items in the bin.
    pub count: u64,
    /// Mean confidence of the items in the bin; `0.0` when `count == 0`.
    pub mean_confidence: f64,
    /// Fraction of the bin's items that are correct; `0.0` when
    /// `count == 0`.
    pub accuracy: f64,
}

/// Reliability diagram data and expected calibration error
/// (see [`reliability`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Reliability {
    /// Equal-width bins covering `[0, 1]`, empty ones included.
    pub bins: Vec<ReliabilityBin>,
    /// Expected calibration error, `Σ_b (count_b / N) · |accuracy_b − mean_confidence_b|`.
    pub ece: f64,
}

/// Cumulative counts at each distinct score, scores in decreasing order:
/// scikit-learn's `_binary_clf_curve`. Returns `(thresholds, tps, fps)`.
///
/// `None` when the slices are empty, of different lengths, or a score is
/// not finite.
fn binary_clf_curve(scores: &[f64], positive: &[bool]) -> Option<(Vec<f64>, Vec<u64>, Vec<u64>)> {
    if scores.is_empty() || scores.len() != positive.len() {
        return None;
    }
    if scores.iter().any(|s| !s.is_finite()) {
        return None;
    }
    // `+ 0.0` turns -0.0 into 0.0 so that the two zeros are one score.
    let mut order: Vec<(f64, bool)> = scores
        .iter()
        .zip(positive)
        .map(|(&s, &p)| (s + 0.0, p))
        .collect();
    order.sort_by(|a, b| b.0.total_cmp(&a.0));

    let mut thresholds = Vec::new();
    let mut tps = Vec::new();
    let mut fps = Vec::new();
    let (mut tp, mut fp) = (0u64, 0u64);
    for (i, &(score, pos)) in order.iter().enumerate() {
        if pos {
            tp += 1;
        } else {
            fp += 1;
        }
        let last_of_group = order.get(i + 1).is_none_or(|next| next.0 != score);
        if last_of_group {
            thresholds.push(score);
            tps.push(tp);
            fps.push(fp);
        }
    }
    Some((thresholds, tps, fps))
}

/// Precision–recall curve, as scikit-learn's `precision_recall_curve`
/// (see [`PrCurve`] for the exact layout).
///
/// `None` when the slices are empty or of different lengths, when a score
/// is NaN or infinite, or when there is no positive (recall undefined;
/// scikit-learn warns and sets recall to 1 there).
pub fn precision_recall_curve(scores: &[f64], positive: &[bool]) -> Option<PrCurve> {
    let (thresholds, tps, fps) = binary_clf_curve(scores, positive)?;
    let total_pos = *tps.last()?;
    if total_pos == 0 {
        return None;
    }
    let m = thresholds.len();
    let mut precision = Vec::with_capacity(m + 1);
    let mut recall = Vec::with_capacity(m + 1);
    for i in (0..m).rev() {
        // Every group holds at least one item, so tp + fp > 0.
        precision.push(tps[i] as f64 / (tps[i] + fps[i]) as f64);
        recall.push(tps[i] as f64 / total_pos as f64);
    }
    precision.push(1.0);
    recall.push(0.0);
    let thresholds = thresholds.into_iter().rev().collect();
    Some(PrCurve {
        thresholds,
        precision,
        recall,
    })
}

/// Average precision, as scikit-learn's `average_precision_score`:
/// `AP = Σ_n (R_n − R_{n−1}) · P_n` over the distinct thresholds taken in
/// decreasing order, with `R_0 = 0` — the area under the step function of
/// the PR curve, **not** the interpolated (trapezoid or 11-point) area.
///
/// `None` in the same cases as [`precision_recall_curve`] (in particular
/// when there is no positive).
pub fn average_precision(scores: &[f64], positive: &[bool]) -> Option<f64> {
    let (_, tps, fps) = binary_clf_curve(scores, positive)?;
    let total_pos = *tps.last()?;
    if total_pos == 0 {
        return None;
    }
    let mut ap = 0.0;
    let mut prev_tp = 0u64;
    for (&tp, &fp) in tps.iter().zip(&fps) {
        if tp > prev_tp {
            let precision = tp as f64 / (tp + fp) as f64;
            ap += (tp - prev_tp) as f64 / total_pos as f64 * precision;
        }
        prev_tp = tp;
    }
    Some(ap)
}

/// ROC curve, as scikit-learn's `roc_curve(drop_intermediate=False)`
/// (see [`RocCurve`] for the exact layout).
///
/// `None` when the slices are empty or of different lengths, when a score
/// is NaN or infinite, or when either class is missing.
pub fn roc_curve(scores: &[f64], positive: &[bool]) -> Option<RocCurve> {
    let (thresholds, tps, fps) = binary_clf_curve(scores, positive)?;
    let total_pos = *tps.last()?;
    let total_neg = *fps.last()?;
    if total_pos == 0 || total_neg == 0 {
        return None;
    }
    let mut fpr = Vec::with_capacity(thresholds.len() + 1);
    let mut tpr = Vec::with_capacity(thresholds.len() + 1);
    let mut ths = Vec::with_capacity(thresholds.len() + 1);
    fpr.push(0.0);
    tpr.push(0.0);
    ths.push(f64::INFINITY);
    for ((&t, &tp), &fp) in thresholds.iter().zip(&tps).zip(&fps) {
        fpr.push(fp as f64 / total_neg as f64);
        tpr.push(tp as f64 / total_pos as f64);
        ths.push(t);
    }
    Some(RocCurve {
        fpr,
        tpr,
        thresholds: ths,
    })
}

/// Area under the ROC curve by the trapezoid rule, as scikit-learn's
/// binary `roc_auc_score`.
///
/// This equals the Mann–Whitney statistic: the probability that a random
/// positive scores higher than a random negative, a tie counting ½. It is
/// computed from integer counts, `Σ ΔFP · (TP_i + TP_{i−1}) / (2 · P · N)`,
/// with a single final division.
///
/// `None` when the slices are empty or of different lengths, when a score
/// is NaN or infinite, or when either class is missing.
pub fn roc_auc(scores: &[f64], positive: &[bool]) -> Option<f64> {
    let (_, tps, fps) = binary_clf_curve(scores, positive)?;
    let total_pos = *tps.last()?;
    let total_neg = *fps.last()?;
    if total_pos == 0 || total_neg == 0 {
        return None;
    }
    let (mut prev_tp, mut prev_fp) = (0u128, 0u128);
    let mut twice_area = 0u128;
    for (&tp, &fp) in tps.iter().zip(&fps) {
        let (tp, fp) = (u128::from(tp), u128::from(fp));
        twice_area += (fp - prev_fp) * (tp + prev_tp);
        prev_tp = tp;
        prev_fp = fp;
    }
    let den = 2.0 * total_pos as f64 * total_neg as f64;
    Some(twice_area as f64 / den)
}

/// Curve points that have a threshold (the final `(1, 0)` point of a
/// [`PrCurve`] has none) and no NaN.
fn curve_points(curve: &PrCurve) -> impl Iterator<Item = OperatingPoint> + '_ {
    curve
        .thresholds
        .iter()
        .zip(&curve.precision)
        .zip(&curve.recall)
        .map(|((&threshold, &precision), &recall)| OperatingPoint {
            threshold,
            precision,
            recall,
        })
        .filter(|p| !p.threshold.is_nan() && !p.precision.is_nan() && !p.recall.is_nan())
}

/// The operating point of **maximum recall** among the curve points with
/// `precision >= min_precision`; among equal recalls, the **higher**
/// threshold (same recall, fewer false positives).
///
/// Only points with a threshold are considered (not the final
/// `(precision 1, recall 0)` point). `None` when no point reaches
/// `min_precision` or `min_precision` is NaN.
pub fn recall_at_precision(curve: &PrCurve, min_precision: f64) -> Option<OperatingPoint> {
    if min_precision.is_nan() {
        return None;
    }
    curve_points(curve)
        .filter(|p| p.precision >= min_precision)
        .max_by(|a, b| {
            a.recall
                .total_cmp(&b.recall)
                .then(a.threshold.total_cmp(&b.threshold))
        })
}

/// The operating point of **maximum precision** among the curve points with
/// `recall >= min_recall`; among equal precisions, the higher recall, then
/// the higher threshold.
///
/// Only points with a threshold are considered (not the final
/// `(precision 1, recall 0)` point). `None` when no point reaches
/// `min_recall` or `min_recall` is NaN.
pub fn precision_at_recall(curve: &PrCurve, min_recall: f64) -> Option<OperatingPoint> {
    if min_recall.is_nan() {
        return None;
    }
    curve_points(curve)
        .filter(|p| p.recall >= min_recall)
        .max_by(|a, b| {
            a.precision
                .total_cmp(&b.precision)
                .then(a.recall.total_cmp(&b.recall))
                .then(a.threshold.total_cmp(&b.threshold))
        })
}

/// Choose a review threshold for a target (predicted positive means
/// `score >= threshold`; thresholds are the distinct scores).
///
/// * `Target::Precision(p)`: among the thresholds whose precision is at
///   least `p`, the one with the **most recall** — the lowest such
///   threshold, except that a lower threshold that only adds negatives
///   (same recall, lower precision) is not taken. This is
///   [`recall_at_precision`]. Precision is not monotone in the threshold,
///   so all thresholds are examined, not only those above the first
///   failure.
/// * `Target::Recall(r)`: the **highest** threshold whose recall is at
///   least `r`, i.e. the fewest items flagged (and false positives) that
///   still reach the recall. This can differ from [`precision_at_recall`],
///   which may prefer a lower threshold with more recall *and* more
///   precision.
///
/// `None` when the curve is undefined (see [`precision_recall_curve`]),
/// the target is NaN, or no threshold reaches it.
pub fn threshold_for_target(
    scores: &[f64],
    positive: &[bool],
    target: Target,
) -> Option<OperatingPoint> {
    let curve = precision_recall_curve(scores, positive)?;
    match target {
        Target::Precision(p) => recall_at_precision(&curve, p),
        Target::Recall(r) => {
            if r.is_nan() {
                return None;
            }
            curve_points(&curve)
                .filter(|p| p.recall >= r)
                .max_by(|a, b| a.threshold.total_cmp(&b.threshold))
        }
    }
}

/// Confusion matrix for labels `0..n_classes`: `cm[t][p]` counts the items
/// of true class `t` predicted as `p` (rows true, columns predicted), as
/// scikit-learn's `confusion_matrix(y_true, y_pred, labels=range(n))`.
///
/// Empty inputs give an all-zero matrix. `None` when the slices differ in
/// length, `n_classes` is 0, or a label is `>= n_classes`.
pub fn confusion_matrix(
    y_true: &[usize],
    y_pred: &[usize],
    n_classes: usize,
) -> Option<Vec<Vec<u64>>> {
    if y_true.len() != y_pred.len() || n_classes == 0 {
        return None;
    }
    let mut cm = vec![vec![0u64; n_classes]; n_classes];
    for (&t, &p) in y_true.iter().zip(y_pred) {
        let cell = cm.get_mut(t)?.get_mut(p)?;
        *cell += 1;
    }
    Some(cm)
}

/// Per-class precision, recall, F1 and support from a confusion matrix
/// (rows true, columns predicted), one entry per row, as scikit-learn's
/// `precision_recall_fscore_support(average=None, zero_division=0)`:
/// an undefined ratio (`0 / 0`, e.g. the precision of a class that is
/// never predicted) is reported as `0.0`, never NaN.
///
/// F1 is `2 tp / (2 tp + fp + fn)`, which equals the harmonic mean of
/// precision and recall whenever both are defined.
///
/// The matrix should be square; a ragged one is read with missing cells
/// as 0 (and cells beyond the number of rows count towards support only).
pub fn per_class(cm: &[Vec<u64>]) -> Vec<ClassMetrics> {
    let n = cm.len();
    (0..n)
        .map(|c| {
            let cell = |r: usize, col: usize| -> u128 {
                cm.get(r)
                    .and_then(|row| row.get(col))
                    .map_or(0, |&v| u128::from(v))
            };
            let tp = cell(c, c);
            let row_sum: u128 = cm[c].iter().map(|&v| u128::from(v)).sum();
            let col_sum: u128 = (0..n).map(|r| cell(r, c)).sum();
            let fn_ = row_sum - tp;
            let fp = col_sum - tp;
            let div0 = |num: u128, den: u128| {
                if den == 0 {
                    0.0
                } else {
                    num as f64 / den as f64
                }
            };
            ClassMetrics {
                precision: div0(tp, col_sum),
                recall: div0(tp, row_sum),
                f1: div0(2 * tp, 2 * tp + fp + fn_),
                support: u64::try_from(row_sum).unwrap_or(u64::MAX),
            }
        })
        .collect()
}

/// Confusion counts of the decision `score >= threshold`.
///
/// `None` when the slices differ in length, a score is not finite, or the
/// threshold is NaN (an infinite threshold is allowed: `+inf` predicts
/// nothing, `-inf` everything). Empty slices give all-zero counts.
pub fn binary_counts(scores: &[f64], positive: &[bool], threshold: f64) -> Option<BinaryCounts> {
    if scores.len() != positive.len() || threshold.is_nan() {
        return None;
    }
    if scores.iter().any(|s| !s.is_finite()) {
        return None;
    }
    let mut c = BinaryCounts::default();
    for (&s, &p) in scores.iter().zip(positive) {
        match (s >= threshold, p) {
            (true, true) => c.tp += 1,
            (true, false) => c.fp += 1,
            (false, false) => c.tn += 1,
            (false, true) => c.fn_ += 1,
        }
    }
    Some(c)
}

/// Index of the equal-width bin of `[0, 1]` holding `value`: bin `i` is
/// `[i/n, (i+1)/n)` with the edges computed as `i as f64 / n as f64`, and
/// the last bin also holds 1. `None` for NaN, values outside `[0, 1]`, or
/// `n_bins == 0`.
pub(crate) fn bin_index(value: f64, n_bins: usize) -> Option<usize> {
    if n_bins == 0 || !(0.0..=1.0).contains(&value) {
        return None;
    }
    let edge = |i: usize| i as f64 / n_bins as f64;
    // First guess, then make it agree exactly with the edges.
    let mut b = ((value * n_bins as f64).floor() as usize).min(n_bins - 1);
    while b > 0 && value < edge(b) {
        b -= 1;
    }
    while b + 1 < n_bins && value >= edge(b + 1) {
        b += 1;
    }
    Some(b)
}

/// Reliability (calibration) diagram data and the expected calibration
/// error.
///
/// Bins are `n_bins` equal-width intervals of `[0, 1]`: bin `i` is
/// `[i/n, (i+1)/n)`, and the last bin is closed (`[.., 1]`). Each bin
/// reports its count, the mean confidence and the accuracy (fraction of
/// `correct`) of its items. `ECE = Σ_b (count_b / N) · |accuracy_b −
/// mean_confidence_b|`; empty bins are reported with `count == 0` (and
/// `mean_confidence`/`accuracy` 0) and contribute nothing.
///
/// redflag uses it two ways:
/// * **top-label calibration**: `confidence` = the maximum class
///   probability of each post, `correct` = the argmax class equals the
///   true class;
/// * **per class**: `confidence` = the probability of class *c*,
///   `correct` = the true class is *c*.
///
/// `None` when the slices are empty or of different lengths, `n_bins` is
/// 0, or a confidence is NaN or outside `[0, 1]`.
pub fn reliability(confidence: &[f64], correct: &[bool], n_bins: usize) -> Option<Reliability> {
    if confidence.is_empty() || confidence.len() != correct.len() || n_bins == 0 {
        return None;
    }
    let edge = |i: usize| i as f64 / n_bins as f64;
    let mut count = vec![0u64; n_bins];
    let mut conf_sum = vec![0.0f64; n_bins];
    let mut correct_count = vec![0u64; n_bins];
    for (&c, &ok) in confidence.iter().zip(correct) {
        let b = bin_index(c, n_bins)?;
        count[b] += 1;
        conf_sum[b] += c;
        if ok {
            correct_count[b] += 1;
        }
    }
    let total = confidence.len() as f64;
    let mut ece = 0.0;
    let bins = (0..n_bins)
        .map(|i| {
            let (mean_confidence, accuracy) = if count[i] == 0 {
                (0.0, 0.0)
            } else {
                let n = count[i] as f64;
                (conf_sum[i] / n, correct_count[i] as f64 / n)
            };
            ece += count[i] as f64 / total * (accuracy - mean_confidence).abs();
            ReliabilityBin {
                lower: edge(i),
                upper: edge(i + 1),
                count: count[i],
                mean_confidence,
                accuracy,
            }
        })
        .collect();
    Some(Reliability { bins, ece })
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;

    const F: bool = false;
    const T: bool = true;

    // scikit-learn's documented example.
    // Sorted by score (desc): 0.8 T, 0.4 F, 0.35 T, 0.1 F; P = 2, N = 2.
    //   t = 0.8 : tp 1 fp 0 -> P 1    R 0.5 ; fpr 0   tpr 0.5
    //   t = 0.4 : tp 1 fp 1 -> P 0.5  R 0.5 ; fpr 0.5 tpr 0.5
    //   t = 0.35: tp 2 fp 1 -> P 2/3  R 1   ; fpr 0.5 tpr 1
    //   t = 0.1 : tp 2 fp 2 -> P 0.5  R 1   ; fpr 1   tpr 1
    // AP = 0.5*1 + 0*0.5 + 0.5*(2/3) + 0*0.5 = 5/6.
    // AUC = 0.5 * 1 (segment fpr 0.5 -> 1 at tpr 1) + 0.5 * (0.5 + 1)/2 * 0
    //     = segments: [0,0]->[0,.5] 0; [0,.5]->[.5,.5] .25; [.5,.5]->[.5,1] 0;
    //       [.5,1]->[1,1] .5  => 0.75.
    const S1: [f64; 4] = [0.1, 0.4, 0.35, 0.8];
    const Y1: [bool; 4] = [F, F, T, T];

    #[test]
    fn pr_curve_sklearn_example() {
        let c = precision_recall_curve(&S1, &Y1).unwrap();
        assert_eq!(c.thresholds, vec![0.1, 0.35, 0.4, 0.8]);
        assert_eq!(c.precision, vec![0.5, 2.0 / 3.0, 0.5, 1.0, 1.0]);
        assert_eq!(c.recall, vec![1.0, 1.0, 0.5, 0.5, 0.0]);
    }

    #[test]
    fn ap_and_auc_sklearn_example() {
        assert_relative_eq!(
            average_precision(&S1, &Y1).unwrap(),
            5.0 / 6.0,
            epsilon = 1e-15
        );
        assert_eq!(roc_auc(&S1, &Y1), Some(0.75));
    }

    #[test]
    fn roc_curve_sklearn_example() {
        let r = roc_curve(&S1, &Y1).unwrap();
        assert_eq!(r.fpr, vec![0.0, 0.0, 0.5, 0.5, 1.0]);
        assert_eq!(r.tpr, vec![0.0, 0.5, 0.5, 1.0, 1.0]);
        assert_eq!(r.thresholds, vec![f64::INFINITY, 0.8, 0.4, 0.35, 0.1]);
    }

    // Ties across classes: scores [0.9, 0.5, 0.5, 0.2], positive [T, T, F, F].
    // Groups (desc): 0.9 {T}; 0.5 {T, F}; 0.2 {F}.
    //   t = 0.9: tp 1 fp 0 -> P 1   R 0.5 ; fpr 0   tpr 0.5
    //   t = 0.5: tp 2 fp 1 -> P 2/3 R 1   ; fpr 0.5 tpr 1
    //   t = 0.2: tp 2 fp 2 -> P 1/2 R 1   ; fpr 1   tpr 1
    // AP = 0.5*1 + 0.5*(2/3) = 5/6.
    // AUC trapezoids: (0->0)*.. = 0; (0->.5)*(.5+1)/2 = .375; (.5->1)*(1+1)/2 = .5
    //   => 0.875. Mann-Whitney: pairs (0.9,0.5) 1, (0.9,0.2) 1, (0.5,0.5) 1/2,
    //   (0.5,0.2) 1 => 3.5 / 4 = 0.875.
    const S2: [f64; 4] = [0.9, 0.5, 0.5, 0.2];
    const Y2: [bool; 4] = [T, T, F, F];

    #[test]
    fn ties_are_one_point() {
        let c = precision_recall_curve(&S2, &Y2).unwrap();
        assert_eq!(c.thresholds, vec![0.2, 0.5, 0.9]);
        assert_eq!(c.precision, vec![0.5, 2.0 / 3.0, 1.0, 1.0]);
        assert_eq!(c.recall, vec![1.0, 1.0, 0.5, 0.0]);
        assert_relative_eq!(
            average_precision(&S2, &Y2).unwrap(),
            5.0 / 6.0,
            epsilon = 1e-15
        );
        let r = roc_curve(&S2, &Y2).unwrap();
        assert_eq!(r.fpr, vec![0.0, 0.0, 0.5, 1.0]);
        assert_eq!(r.tpr, vec![0.0, 0.5, 1.0, 1.0]);
        assert_eq!(roc_auc(&S2, &Y2), Some(0.875));
    }

    #[test]
    fn all_tied_scores_give_half_auc_and_prevalence_ap() {
        // One group: P = 1/4, R = 1 => AP = 0.25; ROC is the diagonal => 0.5.
        let s = [0.3; 4];
        let y = [T, F, F, F];
        assert_eq!(roc_auc(&s, &y), Some(0.5));
        assert_eq!(average_precision(&s, &y), Some(0.25));
        let c = precision_recall_curve(&s, &y).unwrap();
        assert_eq!(c.thresholds, vec![0.3]);
        assert_eq!(c.precision, vec![0.25, 1.0]);
        assert_eq!(c.recall, vec![1.0, 0.0]);
    }

    #[test]
    fn negative_zero_ties_with_zero() {
        let c = precision_recall_curve(&[0.0, -0.0, 1.0], &[T, F, T]).unwrap();
        assert_eq!(c.thresholds.len(), 2);
        assert_eq!(c.precision, vec![2.0 / 3.0, 1.0, 1.0]);
    }

    #[test]
    fn auc_matches_mann_whitney_brute_force() {
        // Deterministic pseudo-random scores on a coarse grid (many ties).
        let mut x = 12345u64;
        let mut scores = Vec::new();
        let mut pos = Vec::new();
        for _ in 0..300 {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let s = ((x >> 33) % 11) as f64 / 10.0;
            let p = (x >> 20).is_multiple_of(3) ^ (s > 0.6);
            scores.push(s);
            pos.push(p);
        }
        let mut wins = 0.0;
        let mut pairs = 0.0;
        for (i, &si) in scores.iter().enumerate() {
            for (j, &sj) in scores.iter().enumerate() {
                if pos[i] && !pos[j] {
                    pairs += 1.0;
                    if si > sj {
                        wins += 1.0;
                    } else if si == sj {
                        wins += 0.5;
                    }
                }
            }
        }
        assert_relative_eq!(
            roc_auc(&scores, &pos).unwrap(),
            wins / pairs,
            epsilon = 1e-12
        );
        // The trapezoid over the returned curve agrees too.
        let r = roc_curve(&scores, &pos).unwrap();
        let trap: f64 = (1..r.fpr.len())
            .map(|i| (r.fpr[i] - r.fpr[i - 1]) * (r.tpr[i] + r.tpr[i - 1]) / 2.0)
            .sum();
        assert_relative_eq!(trap, wins / pairs, epsilon = 1e-12);
    }

    #[test]
    fn perfect_and_inverted_rankings() {
        let s = [0.9, 0.8, 0.2, 0.1];
        assert_eq!(roc_auc(&s, &[T, T, F, F]), Some(1.0));
        assert_eq!(roc_auc(&s, &[F, F, T, T]), Some(0.0));
        assert_eq!(average_precision(&s, &[T, T, F, F]), Some(1.0));
        // Positives last: P at t=0.2 is 1/3 (R .5), at t=0.1 is 2/4 (R 1)
        // => AP = .5/3 + .5/2 = 5/12.
        assert_relative_eq!(
            average_precision(&s, &[F, F, T, T]).unwrap(),
            5.0 / 12.0,
            epsilon = 1e-15
        );
    }

    #[test]
    fn curve_none_paths() {
        // Empty, length mismatch, NaN/inf scores, missing classes.
        assert!(precision_recall_curve(&[], &[]).is_none());
        assert!(precision_recall_curve(&[0.1], &[T, F]).is_none());
        assert!(precision_recall_curve(&[0.1, f64::NAN], &[T, F]).is_none());
        assert!(precision_recall_curve(&[0.1, f64::INFINITY], &[T, F]).is_none());
        assert!(precision_recall_curve(&[0.1, 0.2], &[F, F]).is_none());
        assert!(average_precision(&[0.1, 0.2], &[F, F]).is_none());
        assert!(average_precision(&[], &[]).is_none());
        assert!(average_precision(&[f64::NAN], &[T]).is_none());
        // AP is defined with positives only (all points have precision 1).
        assert_eq!(average_precision(&[0.1, 0.2], &[T, T]), Some(1.0));
        assert!(roc_curve(&[0.1, 0.2], &[T, T]).is_none());
        assert!(roc_curve(&[0.1, 0.2], &[F, F]).is_none());
        assert!(roc_curve(&[], &[]).is_none());
        assert!(roc_auc(&[0.1, 0.2], &[T, T]).is_none());
        assert!(roc_auc(&[0.1, 0.2], &[F, F]).is_none());
        assert!(roc_auc(&[0.1, f64::NEG_INFINITY], &[T, F]).is_none());
        assert!(roc_auc(&[0.1], &[T, F]).is_none());
    }

    #[test]
    fn operating_points_on_sklearn_example() {
        // Curve: t [0.1, 0.35, 0.4, 0.8], P [.5, 2/3, .5, 1], R [1, 1, .5, .5].
        let c = precision_recall_curve(&S1, &Y1).unwrap();
        // P >= 0.6: t=0.35 (R 1) and t=0.8 (R .5) -> max recall at 0.35.
        let op = recall_at_precision(&c, 0.6).unwrap();
        assert_eq!((op.threshold, op.recall), (0.35, 1.0));
        // P >= 0.9: only t=0.8 (the threshold-less (1, 0) point is ignored).
        assert_eq!(recall_at_precision(&c, 0.9).unwrap().threshold, 0.8);
        // P >= 0.5: t=0.1 and 0.35 both have R 1 -> tie -> higher threshold.
        assert_eq!(recall_at_precision(&c, 0.5).unwrap().threshold, 0.35);
        assert!(recall_at_precision(&c, 1.01).is_none());
        assert!(recall_at_precision(&c, f64::NAN).is_none());
        // R >= 0.75: t=0.1 (P .5), t=0.35 (P 2/3) -> 0.35.
        let op = precision_at_recall(&c, 0.75).unwrap();
        assert_eq!(op.threshold, 0.35);
        assert_relative_eq!(op.precision, 2.0 / 3.0);
        // R >= 0.5: t=0.8 has P 1.
        assert_eq!(precision_at_recall(&c, 0.5).unwrap().threshold, 0.8);
        // R >= 0: the threshold-less (1, 0) point is not an operating point.
        assert_eq!(precision_at_recall(&c, 0.0).unwrap().threshold, 0.8);
        assert!(precision_at_recall(&c, 1.5).is_none());
        assert!(precision_at_recall(&c, f64::NAN).is_none());
    }

    #[test]
    fn operating_points_on_malformed_curve_do_not_panic() {
        let c = PrCurve {
            thresholds: vec![0.2, f64::NAN, 0.9],
            precision: vec![0.5],
            recall: vec![],
        };
        assert!(recall_at_precision(&c, 0.0).is_none());
        assert!(precision_at_recall(&c, 0.0).is_none());
        let c = PrCurve {
            thresholds: vec![0.2, f64::NAN],
            precision: vec![0.5, 0.9, 1.0],
            recall: vec![1.0, 0.5, 0.0],
        };
        assert_eq!(recall_at_precision(&c, 0.0).unwrap().threshold, 0.2);
    }

    #[test]
    fn threshold_for_target_non_monotone_precision() {
        // Curve of the sklearn example: precision by threshold
        //   0.1 -> .5, 0.35 -> .667, 0.4 -> .5, 0.8 -> 1   (non-monotone).
        // Precision(0.6): thresholds meeting it are 0.35 and 0.8; 0.4 between
        // them does not. The lowest meeting it (max recall) is 0.35, which a
        // scan from the top that stops at the first failure (0.4) would miss.
        let op = threshold_for_target(&S1, &Y1, Target::Precision(0.6)).unwrap();
        assert_eq!(
            op,
            OperatingPoint {
                threshold: 0.35,
                precision: 2.0 / 3.0,
                recall: 1.0
            }
        );
        // Recall(0.5): every threshold reaches it; the highest is 0.8.
        let op = threshold_for_target(&S1, &Y1, Target::Recall(0.5)).unwrap();
        assert_eq!(
            op,
            OperatingPoint {
                threshold: 0.8,
                precision: 1.0,
                recall: 0.5
            }
        );
        // Recall(0.75): 0.1 and 0.35 -> highest is 0.35.
        assert_eq!(
            threshold_for_target(&S1, &Y1, Target::Recall(0.75))
                .unwrap()
                .threshold,
            0.35
        );
        // Precision(1.0) -> 0.8; unattainable targets -> None.
        assert_eq!(
            threshold_for_target(&S1, &Y1, Target::Precision(1.0))
                .unwrap()
                .threshold,
            0.8
        );
        assert!(threshold_for_target(&S1, &Y1, Target::Recall(1.01)).is_none());
        assert!(threshold_for_target(&S1, &Y1, Target::Precision(f64::NAN)).is_none());
        assert!(threshold_for_target(&S1, &Y1, Target::Recall(f64::NAN)).is_none());
        assert!(threshold_for_target(&[], &[], Target::Recall(0.5)).is_none());
        assert!(threshold_for_target(&[0.5], &[F], Target::Recall(0.5)).is_none());
    }

    #[test]
    fn precision_target_skips_thresholds_that_only_add_negatives() {
        // desc: 0.9 T, 0.8 F, 0.7 F. P by threshold: 0.9 -> 1, 0.8 -> 1/2,
        // 0.7 -> 1/3; recall is 1 everywhere. Precision(0.3): all qualify with
        // equal recall; the highest (0.9) is chosen, not 0.7 which only adds
        // false positives.
        let s = [0.9, 0.8, 0.7];
        let y = [T, F, F];
        let op = threshold_for_target(&s, &y, Target::Precision(0.3)).unwrap();
        assert_eq!(op.threshold, 0.9);
    }

    #[test]
    fn recall_target_differs_from_precision_at_recall() {
        // desc: 0.9 F, 0.8 T, 0.7 T, 0.6 T (P = 3).
        //   0.9: tp0 fp1 P 0   R 0
        //   0.8: tp1 fp1 P 1/2 R 1/3
        //   0.7: tp2 fp1 P 2/3 R 2/3
        //   0.6: tp3 fp1 P 3/4 R 1
        // Recall(1/3): highest threshold with R >= 1/3 is 0.8 (fewest flagged),
        // while precision_at_recall picks 0.6 (P 3/4).
        let s = [0.9, 0.8, 0.7, 0.6];
        let y = [F, T, T, T];
        let op = threshold_for_target(&s, &y, Target::Recall(1.0 / 3.0)).unwrap();
        assert_eq!(op.threshold, 0.8);
        assert_eq!(op.precision, 0.5);
        let c = precision_recall_curve(&s, &y).unwrap();
        assert_eq!(precision_at_recall(&c, 1.0 / 3.0).unwrap().threshold, 0.6);
    }

    #[test]
    fn binary_counts_at_thresholds() {
        // Threshold 0.35 on the sklearn example: predicted {0.4 F, 0.35 T, 0.8 T}.
        let c = binary_counts(&S1, &Y1, 0.35).unwrap();
        assert_eq!(
            c,
            BinaryCounts {
                tp: 2,
                fp: 1,
                tn: 1,
                fn_: 0
            }
        );
        assert_eq!(c.precision(), Some(2.0 / 3.0));
        assert_eq!(c.recall(), Some(1.0));
        assert_eq!(c.rate(), Some(0.75));
        assert_eq!(c.total(), 4);
        // Agrees with the PR curve at every threshold.
        let curve = precision_recall_curve(&S1, &Y1).unwrap();
        for (i, &t) in curve.thresholds.iter().enumerate() {
            let c = binary_counts(&S1, &Y1, t).unwrap();
            assert_eq!(c.precision(), Some(curve.precision[i]));
            assert_eq!(c.recall(), Some(curve.recall[i]));
        }
        // Nothing predicted: precision undefined.
        let c = binary_counts(&S1, &Y1, f64::INFINITY).unwrap();
        assert_eq!(
            c,
            BinaryCounts {
                tp: 0,
                fp: 0,
                tn: 2,
                fn_: 2
            }
        );
        assert_eq!(c.precision(), None);
        assert_eq!(c.recall(), Some(0.0));
        assert_eq!(c.rate(), Some(0.0));
        // No positives: recall undefined. Empty: all undefined.
        assert_eq!(binary_counts(&[0.5], &[F], 0.1).unwrap().recall(), None);
        let e = binary_counts(&[], &[], 0.5).unwrap();
        assert_eq!((e.precision(), e.recall(), e.rate()), (None, None, None));
        assert!(binary_counts(&[0.5], &[], 0.5).is_none());
        assert!(binary_counts(&[f64::NAN], &[T], 0.5).is_none());
        assert!(binary_counts(&[0.5], &[T], f64::NAN).is_none());
    }

    #[test]
    fn confusion_matrix_and_class_never_predicted() {
        // true [0,0,1,1,2,2], pred [0,1,1,1,0,1]:
        //          pred0 pred1 pred2
        //   true0    1     1     0
        //   true1    0     2     0
        //   true2    1     1     0
        // class 0: P 1/2, R 1/2, F1 1/2, support 2
        // class 1: P 2/4, R 2/2, F1 = 2*2/(4+2+0) = 2/3, support 2
        // class 2: never predicted -> P 0 (not NaN), R 0, F1 0, support 2
        let cm = confusion_matrix(&[0, 0, 1, 1, 2, 2], &[0, 1, 1, 1, 0, 1], 3).unwrap();
        assert_eq!(cm, vec![vec![1, 1, 0], vec![0, 2, 0], vec![1, 1, 0]]);
        let m = per_class(&cm);
        assert_eq!(
            m[0],
            ClassMetrics {
                precision: 0.5,
                recall: 0.5,
                f1: 0.5,
                support: 2
            }
        );
        assert_eq!(m[1].precision, 0.5);
        assert_eq!(m[1].recall, 1.0);
        assert_relative_eq!(m[1].f1, 2.0 / 3.0);
        assert_eq!(
            m[2],
            ClassMetrics {
                precision: 0.0,
                recall: 0.0,
                f1: 0.0,
                support: 2
            }
        );
    }

    #[test]
    fn class_absent_and_never_predicted_is_all_zero() {
        let cm = confusion_matrix(&[0, 1], &[0, 1], 3).unwrap();
        let m = per_class(&cm);
        assert_eq!(
            m[2],
            ClassMetrics {
                precision: 0.0,
                recall: 0.0,
                f1: 0.0,
                support: 0
            }
        );
        // Predicted but never true: P 0, R 0 (0/0), F1 0.
        let cm = confusion_matrix(&[0, 0], &[0, 2], 3).unwrap();
        let m = per_class(&cm);
        assert_eq!(
            m[2],
            ClassMetrics {
                precision: 0.0,
                recall: 0.0,
                f1: 0.0,
                support: 0
            }
        );
        assert!(m
            .iter()
            .all(|c| c.precision.is_finite() && c.f1.is_finite()));
    }

    #[test]
    fn confusion_matrix_none_and_empty() {
        assert!(confusion_matrix(&[0], &[0, 1], 2).is_none());
        assert!(confusion_matrix(&[0, 2], &[0, 1], 2).is_none());
        assert!(confusion_matrix(&[0, 1], &[0, 5], 2).is_none());
        assert!(confusion_matrix(&[], &[], 0).is_none());
        assert_eq!(
            confusion_matrix(&[], &[], 2),
            Some(vec![vec![0, 0], vec![0, 0]])
        );
        assert!(per_class(&[]).is_empty());
        // Ragged matrix: read with missing cells as 0, no panic.
        let m = per_class(&[vec![3], vec![1, 2, 7]]);
        assert_eq!(m.len(), 2);
        assert_eq!(m[0].support, 3);
        assert_eq!(m[1].support, 10);
        assert_eq!(m[0].precision, 0.75);
    }

    #[test]
    fn ece_four_samples_two_bins() {
        // bins [0, .5) and [.5, 1]:
        //   bin 0: conf .2 (wrong), .4 (right) -> mean .3, acc .5, gap .2
        //   bin 1: conf .6 (right), .9 (right) -> mean .75, acc 1, gap .25
        // ECE = 2/4 * .2 + 2/4 * .25 = 0.225
        let r = reliability(&[0.2, 0.4, 0.6, 0.9], &[F, T, T, T], 2).unwrap();
        assert_eq!(r.bins.len(), 2);
        assert_eq!(
            (r.bins[0].lower, r.bins[0].upper, r.bins[0].count),
            (0.0, 0.5, 2)
        );
        assert_relative_eq!(r.bins[0].mean_confidence, 0.3, epsilon = 1e-15);
        assert_eq!(r.bins[0].accuracy, 0.5);
        assert_relative_eq!(r.bins[1].mean_confidence, 0.75, epsilon = 1e-15);
        assert_eq!(r.bins[1].accuracy, 1.0);
        assert_relative_eq!(r.ece, 0.225, epsilon = 1e-15);
    }

    #[test]
    fn ece_edges_and_empty_bins() {
        // 4 bins: 0.25 goes to bin 1 ([.25,.5)), 1.0 to the last bin, 0 to bin 0;
        // bin 2 stays empty and is excluded from ECE.
        //   bin 0: {0.0 F}  mean 0, acc 0, gap 0
        //   bin 1: {0.25 T} mean .25, acc 1, gap .75
        //   bin 3: {1.0 T}  mean 1, acc 1, gap 0
        // ECE = 1/3 * .75 = .25
        let r = reliability(&[0.0, 0.25, 1.0], &[F, T, T], 4).unwrap();
        let counts: Vec<u64> = r.bins.iter().map(|b| b.count).collect();
        assert_eq!(counts, vec![1, 1, 0, 1]);
        assert_eq!(r.bins[2].mean_confidence, 0.0);
        assert_eq!(r.bins[3].upper, 1.0);
        assert_relative_eq!(r.ece, 0.25, epsilon = 1e-15);
        // Edges are assigned consistently with the reported bin edges.
        for n in 1..=20 {
            for i in 0..=n {
                let c = i as f64 / n as f64;
                let r = reliability(&[c], &[T], n).unwrap();
                let b = r.bins.iter().find(|b| b.count == 1).unwrap();
                assert!(b.lower <= c && (c < b.upper || b.upper == 1.0));
            }
        }
    }

    #[test]
    fn perfectly_calibrated_has_zero_ece() {
        // Bin [.5, 1]: four items at confidence .75, three right -> acc .75.
        let r = reliability(&[0.75; 4], &[T, T, T, F], 2).unwrap();
        assert_eq!(r.ece, 0.0);
    }

    #[test]
    fn reliability_none_paths() {
        assert!(reliability(&[], &[], 10).is_none());
        assert!(reliability(&[0.5], &[T, F], 10).is_none());
        assert!(reliability(&[0.5], &[T], 0).is_none());
        assert!(reliability(&[f64::NAN], &[T], 10).is_none());
        assert!(reliability(&[1.5], &[T], 10).is_none());
        assert!(reliability(&[-0.1], &[T], 10).is_none());
    }

    #[test]
    fn serde_round_trip() {
        let op = OperatingPoint {
            threshold: 0.35,
            precision: 0.5,
            recall: 1.0,
        };
        let s = serde_json::to_string(&op).unwrap();
        assert_eq!(serde_json::from_str::<OperatingPoint>(&s).unwrap(), op);
        let r = reliability(&[0.2, 0.9], &[F, T], 3).unwrap();
        let s = serde_json::to_string(&r).unwrap();
        assert_eq!(serde_json::from_str::<Reliability>(&s).unwrap(), r);
        let m = ClassMetrics {
            precision: 0.5,
            recall: 0.25,
            f1: 1.0 / 3.0,
            support: 4,
        };
        let s = serde_json::to_string(&m).unwrap();
        assert_eq!(serde_json::from_str::<ClassMetrics>(&s).unwrap(), m);
    }
}
