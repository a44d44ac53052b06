//! Evaluation metrics for redflag's classifiers.
//!
//! * [`metrics`] — PR and ROC curves, average precision, ROC-AUC,
//!   operating points and review thresholds, confusion matrices with
//!   per-class precision/recall/F1, and calibration (reliability, ECE).
//!   Definitions follow scikit-learn exactly.
//! * [`bootstrap`] — deterministic bootstrap confidence intervals, paired
//!   model comparison, and grouped, stratified cross-validation folds.
//! * [`plot`] — SVG figures (PR, ROC, reliability diagram, score
//!   histograms).
//! * [`evaluate`] — the whole report of `redflag evaluate` on a model's
//!   [`Scored`] records: JSON, Markdown and plots.
//!
//! Binary metrics are computed one class at a time (one-vs-rest): `scores`
//! are a post's probabilities for the class and `positive` says whether
//! the post truly belongs to it. Undefined results are `None`, never NaN
//! and never a panic.
//!
//! ```
//! use redflag::eval::{
//!     average_precision, bootstrap_ci, threshold_for_target, Target,
//! };
//!
//! let scores = [0.95, 0.9, 0.7, 0.6, 0.4, 0.3, 0.2, 0.1];
//! let positive = [true, true, false, true, false, false, true, false];
//!
//! let ap = average_precision(&scores, &positive).unwrap();
//! // Positives at ranks 1, 2, 4, 7: AP = (1 + 1 + 3/4 + 4/7) / 4.
//! assert!((ap - (1.0 + 1.0 + 0.75 + 4.0 / 7.0) / 4.0).abs() < 1e-12);
//!
//! // Review threshold reaching 75 % precision with the most recall.
//! let op = threshold_for_target(&scores, &positive, Target::Precision(0.75)).unwrap();
//! assert_eq!((op.threshold, op.precision, op.recall), (0.6, 0.75, 0.75));
//!
//! // 95 % bootstrap interval of the AP.
//! let ci = bootstrap_ci(scores.len(), 200, 7, 0.95, |idx| {
//!     let s: Vec<f64> = idx.iter().map(|&i| scores[i]).collect();
//!     let p: Vec<bool> = idx.iter().map(|&i| positive[i]).collect();
//!     average_precision(&s, &p)
//! })
//! .unwrap();
//! assert!(ci.low <= ap && ap <= ci.high);
//! ```

pub mod bootstrap;
mod compare;
/// The metrics live in [`crate::metrics`] (below training, which chooses thresholds with
/// them); re-exported here, where reports use them.
pub use crate::metrics;
pub mod plot;
mod report;
mod robustness;

pub use bootstrap::{
    bootstrap_ci, grouped_stratified_folds, paired_bootstrap_diff, wilson_interval, Interval,
    PairedDiff,
};
pub use compare::{
    check_metric, compare, cross_validate, default_metrics, group_key, leave_one_out,
    lower_is_better, CvReport, FoldSummary, GateRule, HeldOut, LeaveOneOutReport, MetricComparison,
};
pub use metrics::{
    average_precision, binary_counts, confusion_matrix, per_class, precision_at_recall,
    precision_recall_curve, recall_at_precision, reliability, roc_auc, roc_curve,
    threshold_for_target, BinaryCounts, ClassMetrics, OperatingPoint, PrCurve, Reliability,
    ReliabilityBin, RocCurve, Target,
};
pub use plot::{pr_curves, reliability_diagram, roc_curves, score_histograms, PlotError};
pub use report::{
    escape_html, evaluate, model_info, render_markdown, write_plots, AtThreshold, ClassIntervals,
    ClassReport, ConfusionMatrix, EvalOptions, GroupReport, LanguageReport, Report, ReviewReport,
    Scored, LEVELS,
};
pub use robustness::{
    read_pairs, robustness, GapSummary, PairResult, RobustnessPair, RobustnessReport,
};
