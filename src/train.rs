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
//!     writer: None, language: None,
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

use crate::classifier::{argmax, Classifier, ModelMeta};
pub use crate::config::{
    ReviewConfig, ThresholdChoice, TrainConfig, ValidationSummary, KNOWN_CLASSES,
};
use crate::data::{split_of, Split, SplitFractions};
use crate::error::{Error, Result};
use crate::features::{SparseRow, Vectorizer};
use crate::io::LabeledRecord;
use crate::metrics::{average_precision, reliability, threshold_for_target};
use crate::model::logistic::LogisticModel;
use crate::model::{Calibration, ReviewPolicy, ReviewThreshold};
use crate::text::Analyzer;

/// A checked [`TrainConfig`], ready to [`fit`](ValidTrainConfig::fit).
#[derive(Clone, Debug)]
pub struct ValidTrainConfig {
    config: TrainConfig,
    analyzer: Analyzer,
    progress: crate::progress::ProgressHandle,
}

impl TrainConfig {
    /// Validates every part.
    pub fn check(&self) -> Result<ValidTrainConfig> {
        let analyzer = Analyzer::new(self.analyzer.clone())?;
        self.features.check()?;
        self.logistic.check_ref()?;
        let r = &self.review;
        if !(0.0..=1.0).contains(&r.threshold) {
            return Err(Error::config(format!(
                "review.threshold = {} is outside [0, 1]",
                r.threshold
            )));
        }
        for (name, v) in [
            ("review.target_precision", r.target_precision),
            ("review.target_recall", r.target_recall),
        ] {
            if let Some(v) = v {
                if !(v > 0.0 && v <= 1.0) {
                    return Err(Error::config(format!("{name} = {v} is outside (0, 1]")));
                }
            }
        }
        if !(0.0..0.9).contains(&r.validation_fraction) {
            return Err(Error::config(format!(
                "review.validation_fraction = {} is outside [0, 0.9)",
                r.validation_fraction
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
            progress: crate::progress::ProgressHandle::default(),
        })
    }
}

impl ValidTrainConfig {
    /// Reports the stages of every fit to `progress` (text analysis, vectorising, the
    /// solver's iterations, calibration); see [`crate::progress`].
    pub fn with_progress(
        mut self,
        progress: std::sync::Arc<dyn crate::progress::Progress>,
    ) -> Self {
        self.progress = crate::progress::ProgressHandle::new(progress);
        self
    }

    /// Where this configuration's fits report progress ([`crate::progress::Silent`] unless
    /// [`Self::with_progress`] was called).
    pub fn progress(&self) -> &dyn crate::progress::Progress {
        self.progress.get()
    }

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

    /// Trains on `data`, holding out `review.validation_fraction` of its groups (by
    /// `group`, else `id`) to choose thresholds and calibration. Needs at least two classes,
    /// each with at least one training record.
    pub fn fit(&self, data: &[LabeledRecord]) -> Result<Classifier> {
        self.classes_for(data)?;
        let f = self.config.review.validation_fraction;
        if f <= 0.0 {
            return self.fit_with_validation(data, &[], "none");
        }
        let fractions = SplitFractions {
            validation: f,
            test: 0.0,
        };
        let (mut fit, mut validation) = (Vec::new(), Vec::new());
        for r in data {
            let key = r.group.as_deref().unwrap_or(&r.id);
            match split_of(key, self.config.review.seed, &fractions) {
                Split::Validation => validation.push(r.clone()),
                _ => fit.push(r.clone()),
            }
        }
        let source = format!("{:.0}% of the training groups, held out", f * 100.0);
        self.fit_with_validation(&fit, &validation, &source)
    }

    /// Trains on `data` and chooses thresholds and calibration on `validation` (which may be
    /// empty: fixed thresholds, no calibration). `source` describes the validation data.
    pub fn fit_with_validation(
        &self,
        data: &[LabeledRecord],
        validation: &[LabeledRecord],
        source: &str,
    ) -> Result<Classifier> {
        self.fit_with_held_out(data, validation, None, source)
    }

    /// [`Self::fit_with_validation`], with review thresholds chosen on the validation data's
    /// scores *and* `held_out` (see [`HeldOutScores`]); calibration is still fitted on the
    /// validation data alone. Errors when `held_out` names other classes than the model's.
    pub fn fit_with_held_out(
        &self,
        data: &[LabeledRecord],
        validation: &[LabeledRecord],
        held_out: Option<&HeldOutScores>,
        source: &str,
    ) -> Result<Classifier> {
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
        let index = |r: &LabeledRecord| classes.iter().position(|c| c == &r.label);
        let y: Vec<usize> = data.iter().map(|r| index(r).unwrap_or(0)).collect();
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
        if let Some(r) = validation.iter().find(|r| index(r).is_none()) {
            return Err(Error::data(format!(
                "validation record {:?} has label {:?}, which is not a training class ({})",
                r.id,
                r.label,
                classes.join(", ")
            )));
        }
        let texts: Vec<&str> = data.iter().map(|r| r.text.as_str()).collect();
        let rows_per_language = rows_per_language(data, self.analyzer.config().langid());
        let progress = self.progress.get();
        let (vectorizer, x) = Vectorizer::fit_transform_with_progress(
            self.analyzer.clone(),
            &self.config.features,
            &texts,
            progress,
        )?;
        let params = self.config.logistic.clone().check()?;
        let logistic = params.fit_with_progress(&x, &y, classes.len(), progress)?;
        drop(x);
        progress.stage("thresholds and calibration", None);

        let review_classes: Vec<usize> = (0..classes.len())
            .filter(|&c| self.config.review.classes.contains(&classes[c]))
            .collect();
        let truth: Vec<usize> = validation.iter().map(|r| index(r).unwrap_or(0)).collect();
        let held_out = match held_out {
            Some(h) => {
                if h.classes != classes {
                    return Err(Error::data(format!(
                        "the held-out predictions are for classes {:?}, the model's are {:?}",
                        h.classes, classes
                    )));
                }
                let mut truth = Vec::with_capacity(h.labels.len());
                for l in &h.labels {
                    truth.push(classes.iter().position(|c| c == l).ok_or_else(|| {
                        Error::data(format!("held-out prediction with unknown label {l:?}"))
                    })?);
                }
                Some((h.probabilities.as_slice(), truth, h.source.as_str()))
            }
            None => None,
        };
        let (calibration, summary) = self.choose_review(
            &classes,
            &review_classes,
            &vectorizer,
            &logistic,
            validation,
            &truth,
            source,
            held_out.as_ref().map(|(p, t, s)| (*p, t.as_slice(), *s)),
        );
        let review = ReviewPolicy {
            thresholds: summary
                .thresholds
                .iter()
                .map(|t| ReviewThreshold {
                    class: t.class.clone(),
                    threshold: t.threshold,
                })
                .collect(),
        };
        let report = logistic.report();
        let meta = ModelMeta {
            crate_version: env!("CARGO_PKG_VERSION").to_string(),
            description: self.config.description.clone(),
            data: Vec::new(),
            rows_per_class,
            rows_per_language,
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
            validation: summary,
        };
        Classifier::from_parts(
            classes,
            vectorizer,
            logistic,
            calibration,
            review,
            self.config.clone(),
            meta,
        )
    }

    /// Calibration and per-class thresholds from validation data.
    #[allow(clippy::too_many_arguments)]
    fn choose_review(
        &self,
        classes: &[String],
        review_classes: &[usize],
        vectorizer: &Vectorizer,
        logistic: &LogisticModel,
        validation: &[LabeledRecord],
        truth: &[usize],
        source: &str,
        held_out: Option<(&[f64], &[usize], &str)>,
    ) -> (Calibration, ValidationSummary) {
        let k = classes.len();
        let cfg = &self.config.review;
        let mut summary = ValidationSummary {
            source: source.to_string(),
            records: validation.len() as u64,
            ..Default::default()
        };
        let texts: Vec<&str> = validation.iter().map(|r| r.text.as_str()).collect();
        let xv = vectorizer.transform_many(&texts);
        let mut logits = vec![0.0; validation.len() * k];
        for (i, out) in logits.chunks_exact_mut(k).enumerate() {
            let row: SparseRow = xv.row(i);
            logistic.decision_function(row, out);
        }
        let probabilities = |c: Calibration| {
            let mut p = logits.clone();
            for row in p.chunks_exact_mut(k) {
                c.apply(row);
            }
            p
        };
        let ece = |p: &[f64]| {
            let (conf, correct): (Vec<f64>, Vec<bool>) = p
                .chunks_exact(k)
                .zip(truth)
                .map(|(row, &t)| {
                    let best = argmax(row);
                    (row[best], best == t)
                })
                .unzip();
            reliability(&conf, &correct, 15).map(|r| r.ece)
        };
        let mut calibration = Calibration::default();
        let mut probs = probabilities(calibration);
        summary.ece_uncalibrated = ece(&probs);
        if cfg.calibrate && !validation.is_empty() {
            if let Some(fitted) = Calibration::fit(&logits, truth, k) {
                let calibrated = probabilities(fitted);
                summary.ece_calibrated = ece(&calibrated);
                if let (Some(after), Some(before)) =
                    (summary.ece_calibrated, summary.ece_uncalibrated)
                {
                    if after < before {
                        calibration = fitted;
                        probs = calibrated;
                        summary.calibration_applied = true;
                    }
                }
            }
        }
        // Thresholds: on the validation scores and the held-out predictions together.
        let mut truth = truth.to_vec();
        if let Some((p, t, what)) = held_out {
            probs.extend_from_slice(p);
            truth.extend_from_slice(t);
            summary.records += t.len() as u64;
            summary.source = format!(
                "{}; with {} held-out predictions ({what})",
                summary.source,
                t.len()
            );
        }
        let truth = &truth;
        let target = cfg.target();
        for &c in review_classes {
            let scores: Vec<f64> = probs.chunks_exact(k).map(|row| row[c]).collect();
            let positive: Vec<bool> = truth.iter().map(|&t| t == c).collect();
            let positives = positive.iter().filter(|&&p| p).count() as u64;
            let mut choice = ThresholdChoice {
                class: classes[c].clone(),
                threshold: cfg.threshold,
                target,
                target_met: false,
                precision: None,
                recall: None,
                average_precision: average_precision(&scores, &positive),
                positives,
            };
            let point = target.and_then(|t| threshold_for_target(&scores, &positive, t));
            if let Some(op) = point {
                choice.threshold = op.threshold;
                choice.target_met = true;
            }
            if let Some(counts) =
                crate::metrics::binary_counts(&scores, &positive, choice.threshold)
            {
                choice.precision = counts.precision();
                choice.recall = counts.recall();
            }
            summary.thresholds.push(choice);
        }
        (calibration, summary)
    }
}

/// Held-out scores of records the model never trained on, from models that never saw them
/// either: the pooled predictions of `redflag cv --leave-one-out writer`. Review thresholds
/// are chosen on them together with the validation data's scores.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct HeldOutScores {
    /// Class names of `probabilities`' columns.
    pub classes: Vec<String>,
    /// Probabilities, row-major (`rows × classes`).
    pub probabilities: Vec<f64>,
    /// The true label of each row.
    pub labels: Vec<String>,
    /// What they are, for the model card (e.g. the file and how it was made).
    pub source: String,
}

/// Training rows per identified language and class (identification in parallel, with the
/// rules of `langid_version`, the ones scoring will use).
fn rows_per_language(
    data: &[LabeledRecord],
    langid_version: u8,
) -> BTreeMap<String, BTreeMap<String, u64>> {
    use rayon::prelude::*;
    let langs: Vec<&'static str> = data
        .par_iter()
        .map(|r| crate::text::lang::detect_version(&r.text, langid_version).code)
        .collect();
    let mut out: BTreeMap<String, BTreeMap<String, u64>> = BTreeMap::new();
    for (r, l) in data.iter().zip(langs) {
        *out.entry(l.to_string())
            .or_default()
            .entry(r.label.clone())
            .or_default() += 1;
    }
    out
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
            writer: None,
            language: None,
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
        let c = TrainConfig {
            classes: vec!["a".into(), "a".into()],
            ..TrainConfig::default()
        };
        assert!(c.check().unwrap_err().to_string().contains("twice"));
        let err = TrainConfig::from_toml("[features]\nmin_dff = 2\n").unwrap_err();
        assert!(err.to_string().contains("min_dff"), "{err}");
        let c = TrainConfig {
            classes: vec!["x".into(), "y".into()],
            ..TrainConfig::default()
        };
        let err = c.check().unwrap().fit(&[rec("t", "z")]).unwrap_err();
        assert!(err.to_string().contains("\"z\""), "{err}");
    }

    #[test]
    fn a_fit_reports_its_stages_and_every_document_and_iteration() {
        use std::sync::Mutex;
        #[derive(Default)]
        struct Log(Mutex<Vec<(String, Option<u64>, u64)>>);
        impl crate::progress::Progress for Log {
            fn stage(&self, name: &str, total: Option<u64>) {
                self.0.lock().unwrap().push((name.to_string(), total, 0));
            }
            fn advance(&self, n: u64) {
                if let Some(last) = self.0.lock().unwrap().last_mut() {
                    last.2 += n;
                }
            }
        }
        let mut data = Vec::new();
        for i in 0..20 {
            data.push(rec(
                &format!("send coins to the fighters now {i}"),
                "appeal",
            ));
            data.push(rec(&format!("lovely weather in the park {i}"), "benign"));
        }
        let log = std::sync::Arc::new(Log::default());
        let model = TrainConfig::default()
            .check()
            .unwrap()
            .with_progress(log.clone())
            .fit(&data)
            .unwrap();
        let stages = log.0.lock().unwrap().clone();
        let names: Vec<&str> = stages.iter().map(|s| s.0.as_str()).collect();
        assert_eq!(
            names,
            [
                "counting terms",
                "vectorising",
                "L-BFGS",
                "thresholds and calibration"
            ]
        );
        let n = data.len() as u64;
        // Every training document is counted and vectorised (the validation fraction is
        // held out of both).
        assert_eq!(stages[0].1, Some(stages[0].2));
        assert_eq!(stages[1].1, Some(stages[1].2));
        assert!(stages[0].2 > 0 && stages[0].2 <= n);
        // One step per solver iteration.
        assert_eq!(stages[2].1, Some(200));
        assert!(model
            .meta()
            .solver
            .contains(&format!("after {} iterations", stages[2].2)));
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
    fn minimum_evidence_keeps_one_word_texts_out_of_review() {
        let mut data = Vec::new();
        for i in 0..30 {
            data.push(rec(
                &format!("brothers send coins to the fighters now {i}"),
                "appeal",
            ));
            data.push(rec(
                &format!("lovely weather for a picnic in the park {i}"),
                "benign",
            ));
        }
        let mut config = TrainConfig::default();
        config.review.validation_fraction = 0.0;
        config.review.threshold = 0.5;
        let loose = config.clone().check().unwrap().fit(&data).unwrap();
        config.review.min_evidence_words = 4;
        let strict = config.check().unwrap().fit(&data).unwrap();
        let mut s = crate::ScoreScratch::default();
        // One word: flagged without the rule, not with it; the scores are the same.
        let a = loose.score("brothers", &mut s, false);
        let b = strict.score("brothers", &mut s, false);
        assert!(a.review, "{a:?}");
        assert!(!b.review, "{b:?}");
        assert_eq!(a.probabilities, b.probabilities);
        assert_eq!(b.label, 0);
        // Four words, or an address, are evidence enough.
        assert!(
            strict
                .score("brothers send coins now", &mut s, false)
                .review
        );
        assert!(
            strict
                .score(
                    "send 0x80e05cEAF4873a318264b36C0A4ed777b858EA77",
                    &mut s,
                    false
                )
                .review
        );
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
