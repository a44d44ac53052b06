//! Training: labelled records + a [`TrainConfig`] → a [`Classifier`].
//!
//! `TrainConfig → check() → ValidTrainConfig → fit() → Classifier`, as linfa's estimators.
//! The configuration is a serde type (TOML on the command line, JSON inside the model
//! file), so a saved model always records exactly how it was made.
//!
//! ```
//! use redflag::io::LabeledRecord;
//! use redflag::train::TrainConfig;
//!
//! let rec = |t: &str, l: &str| LabeledRecord {
//!     id: t.into(), text: t.into(), label: l.into(), source: None, slice: None, group: None,
//! };
//! let data = vec![
//!     rec("send monero to the brothers at the front", "appeal"),
//!     rec("donate btc for the fighters, wallet below", "appeal"),
//!     rec("our mosque zakat fund feeds families", "benign"),
//!     rec("the football match was great", "benign"),
//! ];
//! let mut config = TrainConfig::default();
//! config.features.min_df = 1.into();
//! let model = config.check().unwrap().fit(&data).unwrap();
//! assert_eq!(model.classes(), ["appeal", "benign"]);
//! ```

use std::collections::BTreeMap;

use linfa::ParamGuard;
use serde::{Deserialize, Serialize};

use crate::classifier::{Classifier, ModelMeta};
use crate::error::{Error, Result};
use crate::features::{FeatureParams, Vectorizer};
use crate::io::LabeledRecord;
use crate::model::logistic::LogisticParams;
use crate::model::{ReviewPolicy, ReviewThreshold};
use crate::text::{Analyzer, AnalyzerConfig};

/// The class names redflag knows, in the order models list them.
pub const KNOWN_CLASSES: [&str; 4] = ["appeal", "propaganda", "reporting", "benign"];

/// Which classes go to review and how their thresholds are set.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ReviewConfig {
    /// Classes that send a record to review when their probability reaches the threshold.
    /// Classes absent from the training data are ignored.
    pub classes: Vec<String>,
    /// The threshold used for every review class.
    pub threshold: f64,
}

impl Default for ReviewConfig {
    fn default() -> Self {
        ReviewConfig {
            classes: vec!["appeal".into(), "propaganda".into()],
            threshold: 0.5,
        }
    }
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

/// A checked [`TrainConfig`], ready to [`fit`](ValidTrainConfig::fit).
#[derive(Clone, Debug)]
pub struct ValidTrainConfig {
    config: TrainConfig,
    analyzer: Analyzer,
}

impl TrainConfig {
    /// Parses a TOML configuration, naming the offending key on error.
    pub fn from_toml(text: &str) -> Result<Self> {
        toml::from_str(text).map_err(|e| Error::config(e.to_string()))
    }

    /// Validates every part.
    pub fn check(&self) -> Result<ValidTrainConfig> {
        let analyzer = Analyzer::new(self.analyzer.clone())?;
        self.features.check()?;
        self.logistic.check_ref()?;
        if !(0.0..=1.0).contains(&self.review.threshold) {
            return Err(Error::config(format!(
                "review.threshold = {} is outside [0, 1]",
                self.review.threshold
            )));
        }
        for (i, c) in self.classes.iter().enumerate() {
            if c.trim().is_empty() || self.classes[..i].contains(c) {
                return Err(Error::config(format!(
                    "classes: {c:?} is empty or listed twice"
                )));
            }
        }
        Ok(ValidTrainConfig {
            config: self.clone(),
            analyzer,
        })
    }
}

impl ValidTrainConfig {
    /// The configuration.
    pub fn config(&self) -> &TrainConfig {
        &self.config
    }

    /// The class order for `data`: the configured one, or the default order.
    pub fn classes_for(&self, data: &[LabeledRecord]) -> Result<Vec<String>> {
        if !self.config.classes.is_empty() {
            if let Some(r) = data
                .iter()
                .find(|r| !self.config.classes.contains(&r.label))
            {
                return Err(Error::data(format!(
                    "record {:?} has label {:?}, which is not one of the configured classes ({})",
                    r.id,
                    r.label,
                    self.config.classes.join(", ")
                )));
            }
            return Ok(self.config.classes.clone());
        }
        let mut seen: Vec<String> = data.iter().map(|r| r.label.clone()).collect();
        seen.sort();
        seen.dedup();
        let mut classes: Vec<String> = KNOWN_CLASSES
            .iter()
            .filter(|k| seen.iter().any(|s| s == *k))
            .map(|k| k.to_string())
            .collect();
        classes.extend(
            seen.into_iter()
                .filter(|s| !KNOWN_CLASSES.contains(&s.as_str())),
        );
        Ok(classes)
    }

    /// Trains on `data`. Needs at least two classes, each with at least one record.
    pub fn fit(&self, data: &[LabeledRecord]) -> Result<Classifier> {
        if data.is_empty() {
            return Err(Error::data("no training records"));
        }
        let classes = self.classes_for(data)?;
        if classes.len() < 2 {
            return Err(Error::data(format!(
                "training needs at least two classes; the data has only {:?}",
                classes
            )));
        }
        let y: Vec<usize> = data
            .iter()
            .map(|r| classes.iter().position(|c| c == &r.label).unwrap_or(0))
            .collect();
        let mut rows_per_class: BTreeMap<String, u64> =
            classes.iter().map(|c| (c.clone(), 0)).collect();
        for r in data {
            *rows_per_class.entry(r.label.clone()).or_default() += 1;
        }
        if let Some((c, _)) = rows_per_class.iter().find(|(_, n)| **n == 0) {
            return Err(Error::data(format!(
                "class {c:?} is configured but has no training records"
            )));
        }
        let texts: Vec<&str> = data.iter().map(|r| r.text.as_str()).collect();
        let vectorizer = Vectorizer::fit(self.analyzer.clone(), &self.config.features, &texts)?;
        let x = vectorizer.transform_many(&texts);
        let params = self.config.logistic.clone().check()?;
        let logistic = params.fit(&x, &y, classes.len())?;
        let review = ReviewPolicy {
            thresholds: classes
                .iter()
                .filter(|c| self.config.review.classes.contains(c))
                .map(|c| ReviewThreshold {
                    class: c.clone(),
                    threshold: self.config.review.threshold,
                })
                .collect(),
        };
        let report = logistic.report();
        let meta = ModelMeta {
            crate_version: env!("CARGO_PKG_VERSION").to_string(),
            description: self.config.description.clone(),
            data: Vec::new(),
            rows_per_class,
            rows: data.len() as u64,
            n_features: vectorizer.n_features() as u64,
            solver: format!(
                "L-BFGS: {} after {} iterations, loss {:.6}",
                if report.converged {
                    "converged"
                } else {
                    "stopped at max_iterations"
                },
                report.iterations,
                report.final_loss
            ),
        };
        Classifier::from_parts(
            classes,
            vectorizer,
            logistic,
            review,
            self.config.clone(),
            meta,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(text: &str, label: &str) -> LabeledRecord {
        LabeledRecord {
            id: text.into(),
            text: text.into(),
            label: label.into(),
            source: None,
            slice: None,
            group: None,
        }
    }

    #[test]
    fn default_class_order_puts_known_classes_first() {
        let c = TrainConfig::default().check().unwrap();
        let data = [
            rec("a", "zeta"),
            rec("b", "benign"),
            rec("c", "appeal"),
            rec("d", "alpha"),
        ];
        assert_eq!(
            c.classes_for(&data).unwrap(),
            ["appeal", "benign", "alpha", "zeta"]
        );
    }

    #[test]
    fn config_errors_name_the_problem() {
        let mut c = TrainConfig::default();
        c.review.threshold = 2.0;
        assert!(c
            .check()
            .unwrap_err()
            .to_string()
            .contains("review.threshold"));
        let mut c = TrainConfig::default();
        c.classes = vec!["a".into(), "a".into()];
        assert!(c.check().unwrap_err().to_string().contains("twice"));
        let err = TrainConfig::from_toml("[features]\nmin_dff = 2\n").unwrap_err();
        assert!(err.to_string().contains("min_dff"), "{err}");
        let mut c = TrainConfig::default();
        c.classes = vec!["x".into(), "y".into()];
        let err = c.check().unwrap().fit(&[rec("t", "z")]).unwrap_err();
        assert!(err.to_string().contains("\"z\""), "{err}");
    }

    #[test]
    fn one_class_and_empty_data_are_errors() {
        let c = TrainConfig::default().check().unwrap();
        assert!(c
            .fit(&[])
            .unwrap_err()
            .to_string()
            .contains("no training records"));
        let err = c
            .fit(&[rec("a b", "benign"), rec("a c", "benign")])
            .unwrap_err();
        assert!(err.to_string().contains("at least two classes"), "{err}");
    }

    #[test]
    fn config_round_trips_through_toml_and_json() {
        let c = TrainConfig::default();
        let toml_text = toml::to_string(&c).unwrap();
        assert_eq!(TrainConfig::from_toml(&toml_text).unwrap(), c);
        let json = serde_json::to_string(&c).unwrap();
        assert_eq!(serde_json::from_str::<TrainConfig>(&json).unwrap(), c);
        assert_eq!(TrainConfig::from_toml("").unwrap(), c);
    }
}
