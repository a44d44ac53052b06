//! Deterministic bootstrap confidence intervals, paired model comparison
//! and grouped, stratified cross-validation folds.
//!
//! All randomness comes from a small internal SplitMix64 generator seeded
//! by the caller, so the same inputs and seed always give the same result
//! (on every platform; there is no `rand` dependency).
//!
//! Statistics are passed as closures over **row indices**: a resample is a
//! list of `n` indices drawn uniformly with replacement from `0..n`, and
//! the closure computes the metric on those rows (an index may occur more
//! than once, and then the row counts that many times).
//!
//! ```
//! use redflag::eval::bootstrap_ci;
//!
//! let values = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0];
//! let mean = |idx: &[usize]| {
//!     if idx.is_empty() {
//!         return None;
//!     }
//!     Some(idx.iter().map(|&i| values[i]).sum::<f64>() / idx.len() as f64)
//! };
//! let ci = bootstrap_ci(values.len(), 1000, 42, 0.95, mean).unwrap();
//! assert_eq!(ci.estimate, 4.5);
//! assert!(ci.low < 4.5 && 4.5 < ci.high);
//! // Same seed, same interval.
//! assert_eq!(bootstrap_ci(values.len(), 1000, 42, 0.95, mean), Some(ci));
//! ```

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// SplitMix64 (Steele, Lea & Flood 2014): tiny, fast, and good enough for
/// resampling. Not for cryptography.
#[derive(Debug, Clone)]
struct SplitMix64 {
    state: u64,
}

impl SplitMix64 {
    fn new(seed: u64) -> Self {
        Self { state: seed }
    }

    fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform integer in `0..bound` without modulo bias (Lemire's
    /// multiply-and-reject). `bound` must be positive; 0 gives 0.
    fn below(&mut self, bound: u64) -> u64 {
        if bound == 0 {
            return 0;
        }
        let mut m = u128::from(self.next_u64()) * u128::from(bound);
        if (m as u64) < bound {
            let reject_below = bound.wrapping_neg() % bound;
            while (m as u64) < reject_below {
                m = u128::from(self.next_u64()) * u128::from(bound);
            }
        }
        (m >> 64) as u64
    }

    fn index_below(&mut self, bound: usize) -> usize {
        // usize -> u64 is lossless on every supported target, and the result
        // is below `bound`, so it fits back into usize.
        self.below(bound as u64) as usize
    }
}

/// A bootstrap confidence interval (see [`bootstrap_ci`]).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Interval {
    /// The statistic on the full sample (indices `0..n`).
    pub estimate: f64,
    /// Lower end of the percentile interval.
    pub low: f64,
    /// Upper end of the percentile interval.
    pub high: f64,
    /// Confidence level, e.g. `0.95`.
    pub level: f64,
    /// Number of resamples whose statistic was defined.
    pub valid_resamples: usize,
}

/// A paired comparison of two models on the same resamples
/// (see [`paired_bootstrap_diff`]).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PairedDiff {
    /// Model 0's statistic on the full sample.
    pub a: f64,
    /// Model 1's statistic on the full sample.
    pub b: f64,
    /// `b − a` on the full sample.
    pub diff: f64,
    /// Lower end of the percentile interval of `b − a`.
    pub low: f64,
    /// Upper end of the percentile interval of `b − a`.
    pub high: f64,
    /// Fraction of the valid resamples where `b − a < 0` (model 1 worse,
    /// for a higher-is-better metric).
    pub p_worse: f64,
    /// Confidence level, e.g. `0.95`.
    pub level: f64,
    /// Number of resamples where both statistics were defined.
    pub valid_resamples: usize,
}

/// Quantile of sorted data with linear interpolation between order
/// statistics (NumPy's default `method="linear"`, Hyndman–Fan type 7).
fn quantile_sorted(sorted: &[f64], q: f64) -> Option<f64> {
    let last = sorted.len().checked_sub(1)?;
    let h = last as f64 * q;
    let lo = (h.floor() as usize).min(last);
    let hi = (lo + 1).min(last);
    let frac = h - lo as f64;
    Some(sorted[lo] + frac * (sorted[hi] - sorted[lo]))
}

fn valid_level(level: f64) -> bool {
    level > 0.0 && level < 1.0
}

/// Percentile interval of `values` (unsorted) at `level`.
fn percentile_interval(values: &mut [f64], level: f64) -> Option<(f64, f64)> {
    values.sort_by(f64::total_cmp);
    let alpha = (1.0 - level) / 2.0;
    Some((
        quantile_sorted(values, alpha)?,
        quantile_sorted(values, 1.0 - alpha)?,
    ))
}

fn finite(v: Option<f64>) -> Option<f64> {
    v.filter(|x| x.is_finite())
}

/// Percentile bootstrap confidence interval of a statistic.
///
/// * `n` — number of rows; the statistic gets `n` indices drawn uniformly
///   with replacement from `0..n` for each of `resamples` resamples, and
///   `0..n` (in order) for the point estimate.
/// * `level` — confidence level in `(0, 1)`, e.g. `0.95` for the 2.5th
///   and 97.5th percentiles of the resampled statistics (NumPy's linear
///   percentile).
/// * Resamples whose statistic is `None` (or NaN/infinite, e.g. an AUC
///   on a resample without negatives) are skipped; if **more than half**
///   are skipped the result is `None`, as the interval would describe a
///   biased subset of resamples.
///
/// `None` also when `n` or `resamples` is 0, `level` is outside `(0, 1)`,
/// or the statistic is undefined on the full sample.
pub fn bootstrap_ci<F: Fn(&[usize]) -> Option<f64>>(
    n: usize,
    resamples: usize,
    seed: u64,
    level: f64,
    statistic: F,
) -> Option<Interval> {
    if n == 0 || resamples == 0 || !valid_level(level) {
        return None;
    }
    let full: Vec<usize> = (0..n).collect();
    let estimate = finite(statistic(&full))?;
    let mut rng = SplitMix64::new(seed);
    let mut idx = vec![0usize; n];
    let mut values = Vec::with_capacity(resamples);
    for _ in 0..resamples {
        idx.iter_mut().for_each(|i| *i = rng.index_below(n));
        if let Some(v) = finite(statistic(&idx)) {
            values.push(v);
        }
    }
    let skipped = resamples - values.len();
    if skipped * 2 > resamples {
        return None;
    }
    let valid_resamples = values.len();
    let (low, high) = percentile_interval(&mut values, level)?;
    Some(Interval {
        estimate,
        low,
        high,
        level,
        valid_resamples,
    })
}

/// Paired bootstrap of the difference `b − a` between two models scored on
/// the same rows.
///
/// `statistic(indices, model)` computes model `model`'s (0 or 1) metric on
/// the rows `indices`; both models are evaluated on the **same** resample,
/// which makes the comparison far tighter than two independent intervals.
/// `a`, `b` and `diff` are computed on the full sample `0..n`; `low`/`high`
/// is the percentile interval of the resampled differences; `p_worse` is
/// the fraction of valid resamples where `b − a < 0` (a one-sided
/// bootstrap p-value for "model 1 is not better", for a higher-is-better
/// metric).
///
/// A resample where either statistic is `None` (or not finite) is skipped;
/// `None` when more than half are skipped, when `n` or `resamples` is 0,
/// `level` is outside `(0, 1)`, or either statistic is undefined on the
/// full sample.
pub fn paired_bootstrap_diff<F: Fn(&[usize], usize) -> Option<f64>>(
    n: usize,
    resamples: usize,
    seed: u64,
    level: f64,
    statistic: F,
) -> Option<PairedDiff> {
    if n == 0 || resamples == 0 || !valid_level(level) {
        return None;
    }
    let full: Vec<usize> = (0..n).collect();
    let a = finite(statistic(&full, 0))?;
    let b = finite(statistic(&full, 1))?;
    let mut rng = SplitMix64::new(seed);
    let mut idx = vec![0usize; n];
    let mut diffs = Vec::with_capacity(resamples);
    for _ in 0..resamples {
        idx.iter_mut().for_each(|i| *i = rng.index_below(n));
        if let (Some(ra), Some(rb)) = (finite(statistic(&idx, 0)), finite(statistic(&idx, 1))) {
            diffs.push(rb - ra);
        }
    }
    let skipped = resamples - diffs.len();
    if skipped * 2 > resamples {
        return None;
    }
    let valid_resamples = diffs.len();
    let worse = diffs.iter().filter(|&&d| d < 0.0).count();
    let p_worse = worse as f64 / valid_resamples as f64;
    let (low, high) = percentile_interval(&mut diffs, level)?;
    Some(PairedDiff {
        a,
        b,
        diff: b - a,
        low,
        high,
        p_worse,
        level,
        valid_resamples,
    })
}

/// Population standard deviation (NumPy's `np.std`, `ddof=0`).
fn std_dev(values: impl Iterator<Item = f64> + Clone) -> f64 {
    let n = values.clone().count();
    if n == 0 {
        return 0.0;
    }
    let mean = values.clone().sum::<f64>() / n as f64;
    (values.map(|v| (v - mean) * (v - mean)).sum::<f64>() / n as f64).sqrt()
}

/// NumPy's `isclose` with its default tolerances.
fn is_close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-8 + 1e-5 * b.abs()
}

/// scikit-learn's `StratifiedGroupKFold` greedy assignment.
///
/// `counts[g][c]` is the number of rows of class `c` in group `g`;
/// `order` is the group order before the stable sort by decreasing
/// per-group class-count standard deviation. Returns the fold of each
/// group.
fn greedy_assign(
    counts: &[Vec<f64>],
    class_totals: &[f64],
    k: usize,
    mut order: Vec<usize>,
) -> Vec<usize> {
    let n_classes = class_totals.len();
    let group_std: Vec<f64> = counts.iter().map(|c| std_dev(c.iter().copied())).collect();
    // `sort_by` is stable: groups with equal std keep their (shuffled) order.
    order.sort_by(|&a, &b| group_std[b].total_cmp(&group_std[a]));

    let mut fold_counts = vec![vec![0.0f64; n_classes]; k];
    let mut fold_of_group = vec![0usize; counts.len()];
    for &g in &order {
        let mut best: Option<(usize, f64, f64)> = None; // (fold, eval, samples)
        for f in 0..k {
            // Mean over classes of the std over folds of the class proportion
            // per fold, if group g were added to fold f.
            let eval = (0..n_classes)
                .map(|c| {
                    let per_fold = (0..k).map(|ff| {
                        let extra = if ff == f { counts[g][c] } else { 0.0 };
                        (fold_counts[ff][c] + extra) / class_totals[c]
                    });
                    std_dev(per_fold)
                })
                .sum::<f64>()
                / n_classes as f64;
            let samples: f64 = fold_counts[f].iter().sum();
            let better = match best {
                None => true,
                Some((_, best_eval, best_samples)) => {
                    eval < best_eval || (is_close(eval, best_eval) && samples < best_samples)
                }
            };
            if better {
                best = Some((f, eval, samples));
            }
        }
        let fold = best.map_or(0, |(f, _, _)| f);
        for (acc, &v) in fold_counts[fold].iter_mut().zip(&counts[g]) {
            *acc += v;
        }
        fold_of_group[g] = fold;
    }
    fold_of_group
}

/// Per-group class counts and class totals: `(row → group index,
/// counts[group][class], totals[class])`, groups numbered in increasing
/// group id, classes in increasing label.
fn group_class_counts(labels: &[usize], groups: &[u64]) -> (Vec<usize>, Vec<Vec<f64>>, Vec<f64>) {
    let group_index: BTreeMap<u64, usize> = groups
        .iter()
        .copied()
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .enumerate()
        .map(|(i, g)| (g, i))
        .collect();
    let class_index: BTreeMap<usize, usize> = labels
        .iter()
        .copied()
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .enumerate()
        .map(|(i, c)| (c, i))
        .collect();
    let mut counts = vec![vec![0.0f64; class_index.len()]; group_index.len()];
    let mut totals = vec![0.0f64; class_index.len()];
    let mut row_group = Vec::with_capacity(groups.len());
    for (l, g) in labels.iter().zip(groups) {
        let (gi, ci) = (group_index[g], class_index[l]);
        counts[gi][ci] += 1.0;
        totals[ci] += 1.0;
        row_group.push(gi);
    }
    (row_group, counts, totals)
}

/// Assign each row to one of `k` cross-validation folds so that every
/// group is in exactly one fold and each fold's class proportions are as
/// even as possible.
///
/// This is scikit-learn's `StratifiedGroupKFold(shuffle=True)` greedy
/// algorithm (with its own seeded shuffle, so fold numbers differ from
/// scikit-learn's for the same seed):
/// 1. groups (distinct values of `groups`, in increasing order) are
///    shuffled with the seed;
/// 2. stably sorted by the standard deviation of their per-class row
///    counts, largest first (big, single-class groups are placed first);
/// 3. each group goes to the fold that minimises the mean over classes of
///    the standard deviation across folds of `fold's rows of the class /
///    all rows of the class`; near-ties (NumPy `isclose`) go to the fold
///    with fewer rows, then the lower fold index.
///
/// Every class reaches every fold only when it has enough groups; the
/// greedy does not guarantee it. For plain stratified folds give each row
/// its own group.
///
/// Returns the fold (`0..k`) of each row. Errors when `k < 2`, when
/// `labels` and `groups` differ in length, or when there are fewer
/// distinct groups than `k` (which includes empty input).
pub fn grouped_stratified_folds(
    labels: &[usize],
    groups: &[u64],
    k: usize,
    seed: u64,
) -> Result<Vec<usize>, String> {
    if k < 2 {
        return Err(format!("need at least 2 folds, got k = {k}"));
    }
    if labels.len() != groups.len() {
        return Err(format!(
            "labels and groups differ in length: {} vs {}",
            labels.len(),
            groups.len()
        ));
    }
    let (row_group, counts, totals) = group_class_counts(labels, groups);
    if counts.len() < k {
        return Err(format!(
            "cannot make {k} folds from {} distinct groups",
            counts.len()
        ));
    }
    let mut order: Vec<usize> = (0..counts.len()).collect();
    let mut rng = SplitMix64::new(seed);
    for i in (1..order.len()).rev() {
        let j = rng.index_below(i + 1);
        order.swap(i, j);
    }
    let fold_of_group = greedy_assign(&counts, &totals, k, order);
    Ok(row_group.iter().map(|&g| fold_of_group[g]).collect())
}

/// The Wilson score interval of a proportion of `k` hits in `n` trials at `level`
/// (0.95 or 0.99; other levels use the normal quantile of 0.95). Unlike a bootstrap, it
/// never collapses to `[0, 0]` when there are no hits: 0 of 9 gives `[0, 0.30]`.
/// `None` for `n == 0`.
///
/// ```
/// use redflag::eval::wilson_interval;
/// let i = wilson_interval(0, 9, 0.95).unwrap();
/// assert_eq!(i.low, 0.0);
/// assert!((i.high - 0.2991).abs() < 1e-3);
/// let i = wilson_interval(50, 100, 0.95).unwrap();
/// assert!((i.low - 0.4038).abs() < 1e-3 && (i.high - 0.5962).abs() < 1e-3);
/// ```
pub fn wilson_interval(k: u64, n: u64, level: f64) -> Option<Interval> {
    if n == 0 || k > n {
        return None;
    }
    let z = if (level - 0.99).abs() < 1e-9 {
        2.5758
    } else {
        1.9600
    };
    let (k, n) = (k as f64, n as f64);
    let p = k / n;
    let z2 = z * z;
    let centre = (p + z2 / (2.0 * n)) / (1.0 + z2 / n);
    let half = z * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt() / (1.0 + z2 / n);
    Some(Interval {
        estimate: p,
        low: (centre - half).max(0.0),
        high: (centre + half).min(1.0),
        level,
        valid_resamples: 0,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::metrics::roc_auc;
    use std::collections::{BTreeSet, HashMap};

    fn mean_of(values: &[f64]) -> impl Fn(&[usize]) -> Option<f64> + '_ {
        move |idx: &[usize]| {
            if idx.is_empty() {
                None
            } else {
                Some(idx.iter().map(|&i| values[i]).sum::<f64>() / idx.len() as f64)
            }
        }
    }

    #[test]
    fn splitmix_reference_values() {
        // Outputs of Vigna's reference splitmix64.c seeded with 1234567
        // (compiled and run once to get these numbers).
        let mut r = SplitMix64::new(1234567);
        let got: Vec<u64> = (0..5).map(|_| r.next_u64()).collect();
        assert_eq!(
            got,
            vec![
                6457827717110365317,
                3203168211198807973,
                9817491932198370423,
                4593380528125082431,
                16408922859458223821
            ]
        );
    }

    #[test]
    fn below_is_in_range_and_roughly_uniform() {
        let mut r = SplitMix64::new(7);
        let mut hist = [0u32; 3];
        for _ in 0..30_000 {
            hist[r.index_below(3)] += 1;
        }
        assert!(
            hist.iter().all(|&h| (9_500..10_500).contains(&h)),
            "{hist:?}"
        );
        assert_eq!(r.below(0), 0);
        assert_eq!(r.below(1), 0);
        for _ in 0..1000 {
            assert!(r.below(u64::MAX) < u64::MAX);
        }
    }

    #[test]
    fn quantile_matches_numpy_linear() {
        // np.percentile([1, 2, 3, 4], [0, 25, 50, 90, 100]) = [1, 1.75, 2.5, 3.7, 4]
        let v = [1.0, 2.0, 3.0, 4.0];
        let q = |p: f64| quantile_sorted(&v, p).unwrap();
        assert_eq!(q(0.0), 1.0);
        assert_eq!(q(0.25), 1.75);
        assert_eq!(q(0.5), 2.5);
        assert!((q(0.9) - 3.7).abs() < 1e-12);
        assert_eq!(q(1.0), 4.0);
        assert_eq!(quantile_sorted(&[5.0], 0.3), Some(5.0));
        assert_eq!(quantile_sorted(&[], 0.3), None);
    }

    #[test]
    fn bootstrap_is_deterministic_and_contains_the_mean() {
        let values: Vec<f64> = (0..50).map(|i| (i % 7) as f64).collect();
        let a = bootstrap_ci(values.len(), 500, 99, 0.95, mean_of(&values)).unwrap();
        let b = bootstrap_ci(values.len(), 500, 99, 0.95, mean_of(&values)).unwrap();
        assert_eq!(a, b);
        let mean = values.iter().sum::<f64>() / values.len() as f64;
        assert_eq!(a.estimate, mean);
        assert!(a.low < mean && mean < a.high, "{a:?}");
        assert_eq!(a.valid_resamples, 500);
        // Another seed gives a (slightly) different interval.
        let c = bootstrap_ci(values.len(), 500, 100, 0.95, mean_of(&values)).unwrap();
        assert_ne!((a.low, a.high), (c.low, c.high));
        // Standard error of the mean is sd/sqrt(n) = 2/sqrt(50) ~ 0.28, so the
        // 95% interval is roughly mean +- 0.55.
        assert!((a.high - a.low - 1.1).abs() < 0.3, "{a:?}");
        // A wider level gives a wider interval on the same resamples.
        let w = bootstrap_ci(values.len(), 500, 99, 0.99, mean_of(&values)).unwrap();
        assert!(w.low <= a.low && a.high <= w.high);
    }

    #[test]
    fn constant_statistic_gives_degenerate_interval() {
        let ci = bootstrap_ci(10, 100, 1, 0.9, |_| Some(3.0)).unwrap();
        assert_eq!((ci.estimate, ci.low, ci.high), (3.0, 3.0, 3.0));
    }

    #[test]
    fn resamples_get_n_indices_in_range() {
        let ok = bootstrap_ci(7, 200, 5, 0.95, |idx| {
            assert_eq!(idx.len(), 7);
            assert!(idx.iter().all(|&i| i < 7));
            Some(1.0)
        });
        assert!(ok.is_some());
    }

    #[test]
    fn bootstrap_none_paths() {
        let values = [1.0, 2.0];
        assert!(bootstrap_ci(0, 100, 1, 0.95, |_| Some(1.0)).is_none());
        assert!(bootstrap_ci(2, 0, 1, 0.95, mean_of(&values)).is_none());
        assert!(bootstrap_ci(2, 100, 1, 0.0, mean_of(&values)).is_none());
        assert!(bootstrap_ci(2, 100, 1, 1.0, mean_of(&values)).is_none());
        assert!(bootstrap_ci(2, 100, 1, f64::NAN, mean_of(&values)).is_none());
        // Undefined on the full sample.
        assert!(bootstrap_ci(2, 100, 1, 0.95, |_| None).is_none());
        assert!(bootstrap_ci(2, 100, 1, 0.95, |_| Some(f64::NAN)).is_none());
    }

    #[test]
    fn undefined_resamples_are_skipped_up_to_half() {
        // AUC on 2 rows (one positive, one negative) is undefined whenever a
        // resample draws the same row twice: probability 1/2 per resample.
        // With 4 rows (2 + 2) a resample lacks a class with probability 2/16.
        let scores = [0.9, 0.1, 0.8, 0.2];
        let pos = [true, false, true, false];
        let auc = |idx: &[usize]| {
            let s: Vec<f64> = idx.iter().map(|&i| scores[i]).collect();
            let p: Vec<bool> = idx.iter().map(|&i| pos[i]).collect();
            roc_auc(&s, &p)
        };
        let ci = bootstrap_ci(4, 1000, 3, 0.95, auc).unwrap();
        assert!(
            ci.valid_resamples < 1000 && ci.valid_resamples > 800,
            "{ci:?}"
        );
        assert_eq!((ci.low, ci.high), (1.0, 1.0));
        // A statistic undefined on most resamples -> None.
        // Defined on the full sample, but only on 1 resample in 9.
        let rarely =
            |idx: &[usize]| (idx == [0, 1, 2] || (idx[0] == 0 && idx[1] == 0)).then_some(1.0);
        assert!(bootstrap_ci(3, 1000, 3, 0.95, rarely).is_none());
    }

    #[test]
    fn paired_diff_of_identical_models_is_zero() {
        let values: Vec<f64> = (0..30).map(|i| (i * 37 % 11) as f64).collect();
        let stat = |idx: &[usize], _m: usize| mean_of(&values)(idx);
        let d = paired_bootstrap_diff(values.len(), 300, 4, 0.95, stat).unwrap();
        assert_eq!((d.diff, d.low, d.high, d.p_worse), (0.0, 0.0, 0.0, 0.0));
        assert_eq!(d.a, d.b);
    }

    #[test]
    fn paired_diff_detects_a_better_model_and_is_deterministic() {
        // Model 1 is right on every row model 0 is right on, plus some more.
        let right0: Vec<bool> = (0..100).map(|i| i % 3 != 0).collect();
        let right1: Vec<bool> = (0..100).map(|i| i % 3 != 0 || i % 2 == 0).collect();
        let acc = |idx: &[usize], m: usize| {
            let r = if m == 0 { &right0 } else { &right1 };
            if idx.is_empty() {
                return None;
            }
            Some(idx.iter().filter(|&&i| r[i]).count() as f64 / idx.len() as f64)
        };
        let d = paired_bootstrap_diff(100, 400, 11, 0.95, acc).unwrap();
        // a = 66/100, b = 83/100 (rows with i % 6 == 0 are added: 17 of them).
        assert_eq!(d.a, 0.66);
        assert_eq!(d.b, 0.83);
        assert!((d.diff - 0.17).abs() < 1e-12);
        assert!(d.low > 0.0 && d.low < d.diff && d.diff < d.high, "{d:?}");
        assert_eq!(d.p_worse, 0.0);
        assert_eq!(paired_bootstrap_diff(100, 400, 11, 0.95, acc), Some(d));
        // Swapping the models flips the sign: every resample is worse.
        let swapped = |idx: &[usize], m: usize| acc(idx, 1 - m);
        let s = paired_bootstrap_diff(100, 400, 11, 0.95, swapped).unwrap();
        assert_eq!(s.p_worse, 1.0);
        assert!((s.low + d.high).abs() < 1e-12 && (s.high + d.low).abs() < 1e-12);
    }

    #[test]
    fn paired_none_paths() {
        let ok = |_: &[usize], _: usize| Some(1.0);
        assert!(paired_bootstrap_diff(0, 10, 1, 0.95, ok).is_none());
        assert!(paired_bootstrap_diff(5, 0, 1, 0.95, ok).is_none());
        assert!(paired_bootstrap_diff(5, 10, 1, 1.5, ok).is_none());
        assert!(paired_bootstrap_diff(5, 10, 1, 0.95, |_, m| (m == 0).then_some(1.0)).is_none());
        assert!(
            paired_bootstrap_diff(5, 10, 1, 0.95, |idx, _| (idx == [0, 1, 2, 3, 4])
                .then_some(1.0))
            .is_none()
        );
    }

    fn check_groups_together(groups: &[u64], folds: &[usize]) {
        let mut fold_of: HashMap<u64, usize> = HashMap::new();
        for (&g, &f) in groups.iter().zip(folds) {
            assert_eq!(
                *fold_of.entry(g).or_insert(f),
                f,
                "group {g} split across folds"
            );
        }
    }

    #[test]
    fn folds_keep_groups_together_and_cover_classes() {
        // 40 groups (e.g. authors) of 1..=4 posts; 4 classes; class 3 rare
        // (in 8 groups). With k = 4 every fold should get every class.
        let mut labels = Vec::new();
        let mut groups = Vec::new();
        for g in 0..40u64 {
            let size = 1 + (g % 4) as usize;
            for j in 0..size {
                let label = if g % 5 == 0 {
                    3
                } else {
                    ((g as usize) + j) % 3
                };
                labels.push(label);
                groups.push(1000 + g * 7);
            }
        }
        let folds = grouped_stratified_folds(&labels, &groups, 4, 2024).unwrap();
        assert_eq!(folds.len(), labels.len());
        assert!(folds.iter().all(|&f| f < 4));
        check_groups_together(&groups, &folds);
        for f in 0..4 {
            let classes: BTreeSet<usize> = labels
                .iter()
                .zip(&folds)
                .filter(|(_, &ff)| ff == f)
                .map(|(&l, _)| l)
                .collect();
            assert_eq!(classes.len(), 4, "fold {f} lacks a class");
        }
        // Fold sizes are balanced: 100 rows / 4 folds.
        for f in 0..4 {
            let size = folds.iter().filter(|&&ff| ff == f).count();
            assert!((20..=30).contains(&size), "fold {f} has {size} rows");
        }
        // Deterministic; another seed may give another assignment.
        assert_eq!(
            grouped_stratified_folds(&labels, &groups, 4, 2024).unwrap(),
            folds
        );
    }

    #[test]
    fn one_row_groups_give_stratified_folds() {
        // 12 rows, classes 0 (x6), 1 (x3), 7 (x3), each row its own group.
        let labels = [0, 0, 0, 0, 0, 0, 1, 1, 1, 7, 7, 7];
        let groups: Vec<u64> = (0..12).collect();
        let folds = grouped_stratified_folds(&labels, &groups, 3, 1).unwrap();
        for f in 0..3 {
            let count = |c: usize| {
                labels
                    .iter()
                    .zip(&folds)
                    .filter(|(&l, &ff)| l == c && ff == f)
                    .count()
            };
            assert_eq!((count(0), count(1), count(7)), (2, 1, 1), "fold {f}");
        }
    }

    #[test]
    fn greedy_matches_sklearn_without_shuffle() {
        // StratifiedGroupKFold(n_splits=3, shuffle=False) in scikit-learn
        // 1.9.1 on
        //   y      = [0,0,1,1,1,0,0,1,0,1,1,0,0,0,1,1]
        //   groups = [1,1,2,2,3,3,4,5,5,6,7,7,8,9,9,10]
        // gives test folds [0,1,7,8,15], [2,3,10,11,12], [4,5,6,9,13,14].
        let y = [0, 0, 1, 1, 1, 0, 0, 1, 0, 1, 1, 0, 0, 0, 1, 1];
        let groups = [1, 1, 2, 2, 3, 3, 4, 5, 5, 6, 7, 7, 8, 9, 9, 10];
        let (row_group, counts, totals) = group_class_counts(&y, &groups);
        let fold_of_group = greedy_assign(&counts, &totals, 3, (0..counts.len()).collect());
        let folds: Vec<usize> = row_group.iter().map(|&g| fold_of_group[g]).collect();
        let expected_test = [
            vec![0, 1, 7, 8, 15],
            vec![2, 3, 10, 11, 12],
            vec![4, 5, 6, 9, 13, 14],
        ];
        for (f, rows) in expected_test.iter().enumerate() {
            let got: Vec<usize> = (0..y.len()).filter(|&i| folds[i] == f).collect();
            assert_eq!(&got, rows, "fold {f}");
        }
    }

    #[test]
    fn fold_errors() {
        assert!(grouped_stratified_folds(&[0, 1], &[1, 2], 1, 0).is_err());
        assert!(grouped_stratified_folds(&[0, 1], &[1, 2], 0, 0).is_err());
        assert!(grouped_stratified_folds(&[0, 1], &[1], 2, 0).is_err());
        assert!(grouped_stratified_folds(&[0, 1, 0], &[1, 1, 2], 3, 0).is_err());
        assert!(grouped_stratified_folds(&[], &[], 2, 0).is_err());
        // Exactly k groups is fine: one group per fold.
        let f = grouped_stratified_folds(&[0, 1, 0], &[5, 5, 9], 2, 0).unwrap();
        assert_ne!(f[0], f[2]);
        assert_eq!(f[0], f[1]);
    }
}
