//! The training configuration: a serde type (TOML on the command line, JSON inside the
//! model file), so that a saved model records exactly how it was made. It sits below the
//! classifier, which stores it, and below training, which checks it
//! ([`TrainConfig::check`](crate::train) gives a [`crate::train::ValidTrainConfig`]).

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::features::FeatureParams;
use crate::metrics::Target;
use crate::model::logistic::LogisticParams;
use crate::text::AnalyzerConfig;

/// The class names redflag knows, in the order models list them.
pub const KNOWN_CLASSES: [&str; 4] = ["appeal", "propaganda", "reporting", "benign"];

/// Which classes go to review and how their thresholds are set.
///
/// With validation data (given, or held out from the training data by group), each review
/// class's threshold is the one that meets `target_precision` (or `target_recall`) on the
/// validation records with the most recall (or precision); probabilities are calibrated on
/// the same records first when that lowers the calibration error.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ReviewConfig {
    /// Classes that send a record to review when their probability reaches the threshold.
    /// Classes absent from the training data are ignored.
    pub classes: Vec<String>,
    /// Pick thresholds reaching this precision on validation data (default 0.90).
    pub target_precision: Option<f64>,
    /// Pick thresholds reaching this recall instead (overrides `target_precision`).
    pub target_recall: Option<f64>,
    /// The threshold used without validation data, or when a class has no validation record.
    pub threshold: f64,
    /// Fraction of groups held out for validation when no validation file is given
    /// (0 disables validation: fixed `threshold`, no calibration).
    pub validation_fraction: f64,
    /// Fit temperature scaling on validation data (kept only if it lowers the ECE).
    pub calibrate: bool,
    /// Seed of the hold-out hash.
    pub seed: u64,
    /// Minimum evidence for review: a text with fewer words than this and no address,
    /// link, e-mail address, handle or phone number never reaches review, whatever its
    /// scores ("brothers", "send btc", "Allahu akbar" are too short to show an ask and a
    /// beneficiary). Its scores and label are reported as they are. 0 (the default, and
    /// in models made before it existed) turns the rule off.
    pub min_evidence_words: usize,
}

impl Default for ReviewConfig {
    fn default() -> Self {
        ReviewConfig {
            classes: vec!["appeal".into(), "propaganda".into()],
            target_precision: Some(0.9),
            target_recall: None,
            threshold: 0.5,
            validation_fraction: 0.1,
            calibrate: true,
            seed: 0,
            min_evidence_words: 0,
        }
    }
}

impl ReviewConfig {
    /// The target thresholds are chosen for.
    pub fn target(&self) -> Option<Target> {
        match (self.target_recall, self.target_precision) {
            (Some(r), _) => Some(Target::Recall(r)),
            (None, Some(p)) => Some(Target::Precision(p)),
            (None, None) => None,
        }
    }
}

/// How one review class's threshold was chosen, measured on validation data.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ThresholdChoice {
    /// Class name.
    pub class: String,
    /// The threshold stored in the model.
    pub threshold: f64,
    /// The target it was chosen for, if any.
    pub target: Option<Target>,
    /// Whether the target was reached on validation data.
    pub target_met: bool,
    /// Validation precision at the threshold.
    pub precision: Option<f64>,
    /// Validation recall at the threshold.
    pub recall: Option<f64>,
    /// Validation average precision of the class.
    pub average_precision: Option<f64>,
    /// Validation records of the class.
    pub positives: u64,
}

/// Validation figures stored in the model.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ValidationSummary {
    /// Where the validation records came from.
    pub source: String,
    /// How many there were.
    pub records: u64,
    /// Top-label expected calibration error (15 bins) before calibration.
    pub ece_uncalibrated: Option<f64>,
    /// The same after temperature scaling.
    pub ece_calibrated: Option<f64>,
    /// Whether the calibration was kept.
    pub calibration_applied: bool,
    /// One entry per review class.
    pub thresholds: Vec<ThresholdChoice>,
}

/// Everything that decides how a model is trained.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TrainConfig {
    /// Text analysis.
    pub analyzer: AnalyzerConfig,
    /// Vocabulary pruning and TF-IDF weighting.
    pub features: FeatureParams,
    /// The logistic regression solver.
    pub logistic: LogisticParams,
    /// Class order. Empty: the known classes present in the data, in the order
    /// appeal, propaganda, reporting, benign, then any other labels sorted.
    pub classes: Vec<String>,
    /// Review classes and thresholds.
    pub review: ReviewConfig,
    /// Free-form description stored in the model (e.g. what the data was).
    pub description: String,
}

impl TrainConfig {
    /// The logistic regression's L2 penalty.
    pub fn logistic_alpha(&self) -> f64 {
        linfa::ParamGuard::check_ref(&self.logistic).map_or(1.0, |p| p.alpha())
    }

    /// Parses a TOML configuration, naming the offending key on error.
    pub fn from_toml(text: &str) -> Result<Self> {
        toml::from_str(text).map_err(|e| Error::config(e.to_string()))
    }
}
