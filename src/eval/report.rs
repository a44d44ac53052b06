//! Evaluating a classifier on labelled records: the figures of `redflag evaluate`, in a
//! stable JSON schema, a Markdown report and SVG plots.
//!
//! [`Scored`] holds a model's calibrated scores and review decisions for every record;
//! [`Scored::metric`] computes any named metric on any subset of rows, which is what the
//! bootstrap intervals, cross-validation and the `compare` quality gate are built on.
//!
//! The JSON schema (`"schema": "redflag-eval/1"`): `classes.<name>` holds `precision`,
//! `recall`, `f1`, `support` (argmax decision), `average_precision`, `roc_auc`, `ece`,
//! `ci.{average_precision,precision,recall}` (95% bootstrap), `recall_at_precision.{0.80,0.90,0.95}`
//! and `precision_at_recall.{...}` (operating points or `null`), and for review classes
//! `review_threshold` and `at_threshold.{precision,recall,rate}`. `review` holds the review
//! decision's `precision`, `recall`, `rate`, `flagged`, `positives` and `ci`.
//! `confusion_matrix.{labels,rows}` (rows true, columns predicted), `calibration.{ece,bins}`
//! (top-label), and `slices.<slice>` / `sources.<source>` with `records`, `labels`,
//! `review_rate` (+ `review_rate_ci`) and `accuracy`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::{
    average_precision, binary_counts, bootstrap_ci, confusion_matrix, per_class,
    precision_at_recall, precision_recall_curve, recall_at_precision, reliability, roc_auc,
    roc_curve, wilson_interval, Interval, OperatingPoint, Reliability,
};
use crate::error::{Error, Result};
use crate::io::LabeledRecord;
use crate::{Classifier, ScoreScratch};

/// Operating-point levels reported for every harmful class.
pub const LEVELS: [f64; 3] = [0.80, 0.90, 0.95];

/// Options of [`evaluate`].
#[derive(Clone, Debug)]
pub struct EvalOptions {
    /// Bootstrap resamples for confidence intervals (0 disables them).
    pub resamples: usize,
    /// Bootstrap seed.
    pub seed: u64,
    /// Reliability bins.
    pub bins: usize,
}

impl Default for EvalOptions {
    fn default() -> Self {
        EvalOptions {
            resamples: 1000,
            seed: 0x5eed,
            bins: 15,
        }
    }
}

/// A model's scores on labelled records.
#[derive(Clone, Debug)]
pub struct Scored {
    /// Class names, in score order.
    pub classes: Vec<String>,
    /// Review classes and thresholds.
    pub review: Vec<(usize, f64)>,
    /// True class per record.
    pub truth: Vec<usize>,
    /// Calibrated probabilities, row-major `n × k`.
    pub probs: Vec<f64>,
    /// Review decision per record.
    pub flagged: Vec<bool>,
    /// Slice per record.
    pub slices: Vec<Option<String>>,
    /// Source per record.
    pub sources: Vec<Option<String>>,
    /// Identified language per record (what `redflag score` reports as `lang`).
    pub languages: Vec<Option<String>>,
    /// Writer per record (project-written data).
    pub writers: Vec<Option<String>>,
}

impl Scored {
    /// Scores `records` with `model` (in parallel). A record whose label the model does not
    /// know is an error naming it.
    pub fn new(model: &Classifier, records: &[LabeledRecord]) -> Result<Self> {
        Self::new_with_progress(model, records, &crate::progress::Silent)
    }

    /// [`Self::new`], reporting to `progress` (stage "scoring", one step per record).
    pub fn new_with_progress(
        model: &Classifier,
        records: &[LabeledRecord],
        progress: &dyn crate::progress::Progress,
    ) -> Result<Self> {
        let classes = model.classes().to_vec();
        let mut truth = Vec::with_capacity(records.len());
        for r in records {
            match classes.iter().position(|c| c == &r.label) {
                Some(i) => truth.push(i),
                None => {
                    return Err(Error::data(format!(
                        "record {:?} has label {:?}, which the model does not know ({})",
                        r.id,
                        r.label,
                        classes.join(", ")
                    )))
                }
            }
        }
        progress.stage("scoring", Some(records.len() as u64));
        let scored: Vec<(Vec<f64>, bool, &'static str)> = records
            .par_iter()
            .map_init(ScoreScratch::default, |s, r| {
                let p = model.score(&r.text, s, false);
                progress.advance(1);
                (p.probabilities, p.review, p.lang)
            })
            .collect();
        let review = model
            .review_policy()
            .resolve(&classes)
            .map_err(Error::config)?;
        let mut probs = Vec::with_capacity(records.len() * classes.len());
        let mut flagged = Vec::with_capacity(records.len());
        let mut languages = Vec::with_capacity(records.len());
        for (p, f, l) in scored {
            probs.extend(p);
            flagged.push(f);
            languages.push(Some(l.to_string()));
        }
        Ok(Scored {
            classes,
            review,
            truth,
            probs,
            flagged,
            slices: records.iter().map(|r| r.slice.clone()).collect(),
            sources: records.iter().map(|r| r.source.clone()).collect(),
            languages,
            writers: records.iter().map(|r| r.writer.clone()).collect(),
        })
    }

    /// Pools the scores of several models on disjoint records (the held-out folds of a
    /// cross-validation) into one set. Each record keeps the review decision of the model
    /// that scored it; the review thresholds reported are the first part's. Errors when the
    /// parts' classes differ.
    pub fn concat(parts: Vec<Scored>) -> Result<Scored> {
        let mut it = parts.into_iter();
        let Some(mut out) = it.next() else {
            return Err(Error::data("nothing to pool"));
        };
        for p in it {
            if p.classes != out.classes {
                return Err(Error::data(format!(
                    "cannot pool scores of models with classes {:?} and {:?}",
                    out.classes, p.classes
                )));
            }
            out.truth.extend(p.truth);
            out.probs.extend(p.probs);
            out.flagged.extend(p.flagged);
            out.slices.extend(p.slices);
            out.sources.extend(p.sources);
            out.languages.extend(p.languages);
            out.writers.extend(p.writers);
        }
        Ok(out)
    }

    /// Number of records.
    pub fn len(&self) -> usize {
        self.truth.len()
    }

    /// True when there are no records.
    pub fn is_empty(&self) -> bool {
        self.truth.is_empty()
    }

    fn k(&self) -> usize {
        self.classes.len()
    }

    fn argmax(&self, i: usize) -> usize {
        crate::classifier::argmax(&self.probs[i * self.k()..(i + 1) * self.k()])
    }

    fn class_scores(&self, c: usize, idx: &[usize]) -> (Vec<f64>, Vec<bool>) {
        idx.iter()
            .map(|&i| (self.probs[i * self.k() + c], self.truth[i] == c))
            .unzip()
    }

    fn is_harmful(&self, c: usize) -> bool {
        self.review.iter().any(|(r, _)| *r == c)
    }

    /// A named metric on the rows `idx`; `None` when undefined there or unknown.
    ///
    /// Names: `accuracy`, `macro_f1`, `ece`, `review.precision`, `review.recall`,
    /// `review.rate`, `<class>.{precision,recall,f1,average_precision,roc_auc,review_rate}`
    /// (`review_rate`: the fraction of the class's records flagged for review), and
    /// `slice:<slice>.review_rate`.
    pub fn metric(&self, name: &str, idx: &[usize]) -> Option<f64> {
        if idx.is_empty() {
            return None;
        }
        match name {
            "accuracy" => Some(
                idx.iter()
                    .filter(|&&i| self.argmax(i) == self.truth[i])
                    .count() as f64
                    / idx.len() as f64,
            ),
            "macro_f1" => {
                let m = self.class_metrics(idx)?;
                Some(m.iter().map(|c| c.f1).sum::<f64>() / m.len() as f64)
            }
            "ece" => self.reliability(idx, 15).map(|r| r.ece),
            "review.precision" | "review.recall" | "review.rate" => {
                let (mut tp, mut fp, mut pos) = (0u64, 0u64, 0u64);
                for &i in idx {
                    let harmful = self.is_harmful(self.truth[i]);
                    pos += harmful as u64;
                    if self.flagged[i] {
                        if harmful {
                            tp += 1
                        } else {
                            fp += 1
                        }
                    }
                }
                match name {
                    "review.precision" => (tp + fp > 0).then(|| tp as f64 / (tp + fp) as f64),
                    "review.recall" => (pos > 0).then(|| tp as f64 / pos as f64),
                    _ => Some((tp + fp) as f64 / idx.len() as f64),
                }
            }
            _ => {
                if let Some(slice) = name
                    .strip_prefix("slice:")
                    .and_then(|s| s.strip_suffix(".review_rate"))
                {
                    let rows: Vec<usize> = idx
                        .iter()
                        .copied()
                        .filter(|&i| self.slices[i].as_deref() == Some(slice))
                        .collect();
                    if rows.is_empty() {
                        return None;
                    }
                    return Some(
                        rows.iter().filter(|&&i| self.flagged[i]).count() as f64
                            / rows.len() as f64,
                    );
                }
                let (class, what) = name.rsplit_once('.')?;
                let c = self.classes.iter().position(|x| x == class)?;
                match what {
                    "average_precision" => {
                        let (s, p) = self.class_scores(c, idx);
                        average_precision(&s, &p)
                    }
                    "roc_auc" => {
                        let (s, p) = self.class_scores(c, idx);
                        roc_auc(&s, &p)
                    }
                    "review_rate" => {
                        let rows: Vec<usize> = idx
                            .iter()
                            .copied()
                            .filter(|&i| self.truth[i] == c)
                            .collect();
                        (!rows.is_empty()).then(|| {
                            rows.iter().filter(|&&i| self.flagged[i]).count() as f64
                                / rows.len() as f64
                        })
                    }
                    "precision" | "recall" | "f1" => {
                        let m = &self.class_metrics(idx)?[c];
                        if what == "recall" && m.support == 0 {
                            return None;
                        }
                        Some(match what {
                            "precision" => m.precision,
                            "recall" => m.recall,
                            _ => m.f1,
                        })
                    }
                    _ => None,
                }
            }
        }
    }

    fn class_metrics(&self, idx: &[usize]) -> Option<Vec<super::ClassMetrics>> {
        let t: Vec<usize> = idx.iter().map(|&i| self.truth[i]).collect();
        let p: Vec<usize> = idx.iter().map(|&i| self.argmax(i)).collect();
        confusion_matrix(&t, &p, self.k()).map(|cm| per_class(&cm))
    }

    fn reliability(&self, idx: &[usize], bins: usize) -> Option<Reliability> {
        let (conf, correct): (Vec<f64>, Vec<bool>) = idx
            .iter()
            .map(|&i| {
                let b = self.argmax(i);
                (self.probs[i * self.k() + b], b == self.truth[i])
            })
            .unzip();
        reliability(&conf, &correct, bins)
    }
}

/// 95% intervals of a class's headline figures.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ClassIntervals {
    /// Average precision.
    pub average_precision: Option<Interval>,
    /// Precision (argmax decision).
    pub precision: Option<Interval>,
    /// Recall (argmax decision).
    pub recall: Option<Interval>,
}

/// Figures at a review threshold.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct AtThreshold {
    /// Precision of `score >= threshold` for this class.
    pub precision: Option<f64>,
    /// Recall of the same.
    pub recall: Option<f64>,
    /// Fraction of all records at or above the threshold.
    pub rate: Option<f64>,
}

/// Per-class figures.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ClassReport {
    /// Precision of the argmax decision.
    pub precision: f64,
    /// Recall of the argmax decision.
    pub recall: f64,
    /// F1 of the argmax decision.
    pub f1: f64,
    /// Records of this class.
    pub support: u64,
    /// Average precision of the class score.
    pub average_precision: Option<f64>,
    /// ROC-AUC of the class score.
    pub roc_auc: Option<f64>,
    /// Calibration error of the class score (one-vs-rest).
    pub ece: Option<f64>,
    /// Bootstrap intervals.
    pub ci: ClassIntervals,
    /// Best recall at precision ≥ 0.80, 0.90, 0.95.
    pub recall_at_precision: BTreeMap<String, Option<OperatingPoint>>,
    /// Best precision at recall ≥ 0.80, 0.90, 0.95.
    pub precision_at_recall: BTreeMap<String, Option<OperatingPoint>>,
    /// The model's review threshold, for review classes.
    pub review_threshold: Option<f64>,
    /// Figures at that threshold.
    pub at_threshold: Option<AtThreshold>,
}

/// The review decision (any review class at or above its threshold).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ReviewReport {
    /// Of the flagged records, the fraction truly of a review class.
    pub precision: Option<f64>,
    /// Of the records of a review class, the fraction flagged.
    pub recall: Option<f64>,
    /// Fraction of all records flagged.
    pub rate: Option<f64>,
    /// Records flagged.
    pub flagged: u64,
    /// Records truly of a review class.
    pub positives: u64,
    /// Bootstrap intervals of precision and recall.
    pub ci: BTreeMap<String, Option<Interval>>,
}

/// Figures of one slice or source.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct GroupReport {
    /// Records.
    pub records: u64,
    /// Records per true label.
    pub labels: BTreeMap<String, u64>,
    /// Fraction flagged for review (for benign slices: the false-positive burden).
    pub review_rate: f64,
    /// Wilson interval of the review rate (never `[0, 0]` for a slice without hits).
    pub review_rate_ci: Option<Interval>,
    /// Fraction whose argmax class is the true class.
    pub accuracy: f64,
}

/// The confusion matrix.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ConfusionMatrix {
    /// Class names (rows: true, columns: predicted).
    pub labels: Vec<String>,
    /// Counts.
    pub rows: Vec<Vec<u64>>,
}

/// Everything `redflag evaluate` reports.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// `"redflag-eval/1"`.
    pub schema: String,
    /// Model description and checksum.
    pub model: BTreeMap<String, serde_json::Value>,
    /// Evaluation data files.
    pub data: Vec<String>,
    /// Records evaluated.
    pub records: u64,
    /// Accuracy of the argmax decision.
    pub accuracy: Option<f64>,
    /// Macro-averaged F1.
    pub macro_f1: Option<f64>,
    /// Per class.
    pub classes: BTreeMap<String, ClassReport>,
    /// The review decision.
    pub review: ReviewReport,
    /// Confusion matrix.
    pub confusion_matrix: ConfusionMatrix,
    /// Top-label calibration.
    pub calibration: Option<Reliability>,
    /// Per slice.
    pub slices: BTreeMap<String, GroupReport>,
    /// Per source.
    pub sources: BTreeMap<String, GroupReport>,
    /// Per identified language (the `lang` of `redflag score`).
    #[serde(default)]
    pub languages: BTreeMap<String, LanguageReport>,
    /// Per writer (project-written data).
    #[serde(default)]
    pub writers: BTreeMap<String, GroupReport>,
}

/// Figures for the records of one identified language.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct LanguageReport {
    /// Records, review rate, accuracy (as for a slice).
    #[serde(flatten)]
    pub group: GroupReport,
    /// Average precision of each review class within the language (`null` without
    /// positives or negatives there).
    pub average_precision: BTreeMap<String, Option<f64>>,
    /// Review rate of the language's benign records, with its Wilson interval.
    pub benign_review_rate: Option<Interval>,
    /// Review rate of the language's reporting records, with its Wilson interval.
    pub reporting_review_rate: Option<Interval>,
}

fn level_key(l: f64) -> String {
    format!("{l:.2}")
}

/// The report's description of a model: how it is shown (`shown`: its path, or a name), the
/// SHA-256 of its file's payload (`sha256`, as [`crate::bundle::checksum`] gives it), its
/// description, classes, review policy and calibration.
pub fn model_info(
    shown: &str,
    sha256: &str,
    model: &Classifier,
) -> Result<BTreeMap<String, serde_json::Value>> {
    let json = |v: serde_json::Result<serde_json::Value>| {
        v.map_err(|e| Error::config(format!("cannot describe the model: {e}")))
    };
    let mut info = BTreeMap::new();
    info.insert("path".into(), shown.into());
    info.insert("sha256".into(), sha256.into());
    info.insert(
        "description".into(),
        model.meta().description.clone().into(),
    );
    info.insert(
        "classes".into(),
        json(serde_json::to_value(model.classes()))?,
    );
    info.insert(
        "review".into(),
        json(serde_json::to_value(model.review_policy()))?,
    );
    info.insert(
        "calibration".into(),
        json(serde_json::to_value(model.calibration()))?,
    );
    Ok(info)
}

/// Computes the report. `model` and `data` fill the descriptive fields.
pub fn evaluate(
    scored: &Scored,
    opts: &EvalOptions,
    model: BTreeMap<String, serde_json::Value>,
    data: Vec<String>,
) -> Report {
    let all: Vec<usize> = (0..scored.len()).collect();
    let n = scored.len();
    let ci = |name: &str| -> Option<Interval> {
        if opts.resamples == 0 {
            return None;
        }
        bootstrap_ci(n, opts.resamples, opts.seed, 0.95, |idx| {
            scored.metric(name, idx)
        })
    };
    let mut report = Report {
        schema: "redflag-eval/1".into(),
        model,
        data,
        records: n as u64,
        accuracy: scored.metric("accuracy", &all),
        macro_f1: scored.metric("macro_f1", &all),
        ..Default::default()
    };
    let t: Vec<usize> = scored.truth.clone();
    let p: Vec<usize> = (0..n).map(|i| scored.argmax(i)).collect();
    let cm = confusion_matrix(&t, &p, scored.k()).unwrap_or_default();
    let pcs = per_class(&cm);
    report.confusion_matrix = ConfusionMatrix {
        labels: scored.classes.clone(),
        rows: cm,
    };
    let classes: Vec<(String, ClassReport)> = (0..scored.k())
        .into_par_iter()
        .map(|c| {
            let name = &scored.classes[c];
            let (s, pos) = scored.class_scores(c, &all);
            let curve = precision_recall_curve(&s, &pos);
            let m = pcs.get(c).copied().unwrap_or(super::ClassMetrics {
                precision: 0.0,
                recall: 0.0,
                f1: 0.0,
                support: 0,
            });
            let threshold = scored.review.iter().find(|(r, _)| *r == c).map(|r| r.1);
            let at_threshold = threshold.map(|t| {
                let counts = binary_counts(&s, &pos, t);
                AtThreshold {
                    precision: counts.and_then(|c| c.precision()),
                    recall: counts.and_then(|c| c.recall()),
                    rate: counts.and_then(|c| c.rate()),
                }
            });
            let ops = |f: &dyn Fn(&super::PrCurve, f64) -> Option<OperatingPoint>| {
                LEVELS
                    .iter()
                    .map(|&l| (level_key(l), curve.as_ref().and_then(|cv| f(cv, l))))
                    .collect::<BTreeMap<_, _>>()
            };
            let ece = reliability(&s, &pos, opts.bins).map(|r| r.ece);
            let report = ClassReport {
                precision: m.precision,
                recall: m.recall,
                f1: m.f1,
                support: m.support,
                average_precision: average_precision(&s, &pos),
                roc_auc: roc_auc(&s, &pos),
                ece,
                ci: ClassIntervals {
                    average_precision: ci(&format!("{name}.average_precision")),
                    precision: ci(&format!("{name}.precision")),
                    recall: ci(&format!("{name}.recall")),
                },
                recall_at_precision: ops(&recall_at_precision),
                precision_at_recall: ops(&precision_at_recall),
                review_threshold: threshold,
                at_threshold,
            };
            (name.clone(), report)
        })
        .collect();
    report.classes = classes.into_iter().collect();
    let flagged = scored.flagged.iter().filter(|&&f| f).count() as u64;
    let positives = scored
        .truth
        .iter()
        .filter(|&&t| scored.is_harmful(t))
        .count() as u64;
    report.review = ReviewReport {
        precision: scored.metric("review.precision", &all),
        recall: scored.metric("review.recall", &all),
        rate: scored.metric("review.rate", &all),
        flagged,
        positives,
        ci: ["precision", "recall"]
            .iter()
            .map(|m| (m.to_string(), ci(&format!("review.{m}"))))
            .collect(),
    };
    report.calibration = scored.reliability(&all, opts.bins);
    report.slices = groups(scored, &scored.slices);
    report.sources = groups(scored, &scored.sources);
    report.writers = groups(scored, &scored.writers);
    report.languages = groups(scored, &scored.languages)
        .into_iter()
        .map(|(lang, group)| {
            let idx: Vec<usize> = (0..n)
                .filter(|&i| scored.languages[i].as_deref() == Some(lang.as_str()))
                .collect();
            let average_precision = scored
                .review
                .iter()
                .map(|&(c, _)| {
                    let (s, pos) = scored.class_scores(c, &idx);
                    (scored.classes[c].clone(), average_precision(&s, &pos))
                })
                .collect();
            let rate_of = |class: &str| {
                let rows: Vec<usize> = idx
                    .iter()
                    .copied()
                    .filter(|&i| scored.classes[scored.truth[i]] == class)
                    .collect();
                let hits = rows.iter().filter(|&&i| scored.flagged[i]).count() as u64;
                wilson_interval(hits, rows.len() as u64, 0.95)
            };
            let report = LanguageReport {
                group,
                average_precision,
                benign_review_rate: rate_of("benign"),
                reporting_review_rate: rate_of("reporting"),
            };
            (lang, report)
        })
        .collect();
    report
}

fn groups(scored: &Scored, keys: &[Option<String>]) -> BTreeMap<String, GroupReport> {
    let mut rows: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, k) in keys.iter().enumerate() {
        if let Some(k) = k {
            rows.entry(k.as_str()).or_default().push(i);
        }
    }
    rows.into_par_iter()
        .map(|(k, idx)| {
            let mut labels = BTreeMap::new();
            for &i in &idx {
                *labels
                    .entry(scored.classes[scored.truth[i]].clone())
                    .or_default() += 1;
            }
            let flagged = |sub: &[usize]| {
                sub.iter().filter(|&&j| scored.flagged[idx[j]]).count() as f64 / sub.len() as f64
            };
            let all: Vec<usize> = (0..idx.len()).collect();
            let review_rate = flagged(&all);
            let hits = idx.iter().filter(|&&i| scored.flagged[i]).count() as u64;
            let review_rate_ci = wilson_interval(hits, idx.len() as u64, 0.95);
            let accuracy = idx
                .iter()
                .filter(|&&i| scored.argmax(i) == scored.truth[i])
                .count() as f64
                / idx.len() as f64;
            (
                k.to_string(),
                GroupReport {
                    records: idx.len() as u64,
                    labels,
                    review_rate,
                    review_rate_ci,
                    accuracy,
                },
            )
        })
        .collect()
}

fn f(v: Option<f64>) -> String {
    v.map_or_else(|| "—".to_string(), |v| format!("{v:.3}"))
}

fn ci_text(i: &Option<Interval>) -> String {
    i.as_ref()
        .map_or_else(String::new, |i| format!(" [{:.3}, {:.3}]", i.low, i.high))
}

/// Markdown with `<` and `>` written as `&lt;` and `&gt;`: class, slice, source and writer
/// names come from the data, and a name such as `<svg onload=…>` must show as text, not
/// become HTML in a viewer that renders the report. (Generated reports use neither
/// character themselves, so nothing of theirs changes; idempotent.)
pub fn escape_html(md: &str) -> String {
    md.replace('<', "&lt;").replace('>', "&gt;")
}

/// The report as Markdown tables a person reads.
pub fn render_markdown(r: &Report, plots: &[PathBuf]) -> String {
    let mut s = String::new();
    s.push_str("# redflag evaluation\n\n");
    if let Some(d) = r.model.get("description").and_then(|v| v.as_str()) {
        s.push_str(&format!("Model: {d}\n\n"));
    }
    if let Some(h) = r.model.get("sha256").and_then(|v| v.as_str()) {
        s.push_str(&format!("Model checksum: `{h}`\n\n"));
    }
    s.push_str(&format!(
        "Data: {} ({} records). Accuracy {}, macro-F1 {}. Intervals are 95% bootstrap intervals.\n\n",
        r.data.join(", "),
        r.records,
        f(r.accuracy),
        f(r.macro_f1)
    ));
    s.push_str("## Per class\n\n| class | precision | recall | F1 | support | average precision | ROC-AUC | ECE |\n|---|---|---|---|---:|---|---|---:|\n");
    for (name, c) in &r.classes {
        s.push_str(&format!(
            "| {name} | {:.3}{} | {:.3}{} | {:.3} | {} | {}{} | {} | {} |\n",
            c.precision,
            ci_text(&c.ci.precision),
            c.recall,
            ci_text(&c.ci.recall),
            c.f1,
            c.support,
            f(c.average_precision),
            ci_text(&c.ci.average_precision),
            f(c.roc_auc),
            f(c.ece)
        ));
    }
    s.push_str("\nPrecision, recall and F1 are of the most probable class; average precision and ROC-AUC rank each class's calibrated score.\n\n");
    s.push_str("## Review decision\n\nA record goes to review when a review class reaches its threshold.\n\n| | value |\n|---|---|\n");
    s.push_str(&format!(
        "| precision | {}{} |\n| recall | {}{} |\n| review rate | {} |\n| flagged | {} |\n| records of a review class | {} |\n",
        f(r.review.precision),
        ci_text(r.review.ci.get("precision").unwrap_or(&None)),
        f(r.review.recall),
        ci_text(r.review.ci.get("recall").unwrap_or(&None)),
        f(r.review.rate),
        r.review.flagged,
        r.review.positives
    ));
    s.push_str("\n| class | threshold | precision at threshold | recall at threshold | rate |\n|---|---|---|---|---|\n");
    for (name, c) in r
        .classes
        .iter()
        .filter(|(_, c)| c.review_threshold.is_some())
    {
        let a = c.at_threshold.clone().unwrap_or_default();
        s.push_str(&format!(
            "| {name} | {:.4} | {} | {} | {} |\n",
            c.review_threshold.unwrap_or_default(),
            f(a.precision),
            f(a.recall),
            f(a.rate)
        ));
    }
    s.push_str("\n## Operating points\n\n| class | R@P≥0.80 | R@P≥0.90 | R@P≥0.95 | P@R≥0.80 | P@R≥0.90 | P@R≥0.95 |\n|---|---|---|---|---|---|---|\n");
    for (name, c) in r
        .classes
        .iter()
        .filter(|(_, c)| c.review_threshold.is_some())
    {
        let cell = |o: Option<&Option<OperatingPoint>>, recall: bool| {
            o.and_then(|o| o.as_ref()).map_or("—".to_string(), |o| {
                format!(
                    "{:.3} (t={:.3})",
                    if recall { o.recall } else { o.precision },
                    o.threshold
                )
            })
        };
        s.push_str(&format!("| {name} |"));
        for l in LEVELS {
            s.push_str(&format!(
                " {} |",
                cell(c.recall_at_precision.get(&level_key(l)), true)
            ));
        }
        for l in LEVELS {
            s.push_str(&format!(
                " {} |",
                cell(c.precision_at_recall.get(&level_key(l)), false)
            ));
        }
        s.push('\n');
    }
    s.push_str("\n## Confusion matrix\n\nRows: true class; columns: most probable class.\n\n| |");
    for l in &r.confusion_matrix.labels {
        s.push_str(&format!(" {l} |"));
    }
    s.push_str("\n|---|");
    s.push_str(&"---:|".repeat(r.confusion_matrix.labels.len()));
    s.push('\n');
    for (l, row) in r
        .confusion_matrix
        .labels
        .iter()
        .zip(&r.confusion_matrix.rows)
    {
        s.push_str(&format!("| {l} |"));
        for v in row {
            s.push_str(&format!(" {v} |"));
        }
        s.push('\n');
    }
    for (title, groups) in [("slice", &r.slices), ("source", &r.sources)] {
        if groups.is_empty() {
            continue;
        }
        s.push_str(&format!(
            "\n## Review rate per {title}\n\nFor benign {title}s the review rate is the false-positive burden on that community or kind of text.\n\n| {title} | records | labels | review rate | accuracy |\n|---|---:|---|---|---|\n"
        ));
        let mut ordered: Vec<(&String, &GroupReport)> = groups.iter().collect();
        ordered.sort_by_key(|(k, g)| {
            (
                !g.labels.contains_key("benign") || g.labels.len() > 1,
                (*k).clone(),
            )
        });
        for (k, g) in ordered {
            let labels: Vec<String> = g.labels.iter().map(|(l, n)| format!("{l} {n}")).collect();
            s.push_str(&format!(
                "| {k} | {} | {} | {:.3}{} | {:.3} |\n",
                g.records,
                labels.join(", "),
                g.review_rate,
                ci_text(&g.review_rate_ci),
                g.accuracy
            ));
        }
    }
    if let Some(rel) = &r.calibration {
        s.push_str(&format!(
            "\n## Calibration\n\nTop-label expected calibration error: {:.4}.\n\n| bin | records | mean confidence | accuracy |\n|---|---:|---|---|\n",
            rel.ece
        ));
        for b in rel.bins.iter().filter(|b| b.count > 0) {
            s.push_str(&format!(
                "| [{:.2}, {:.2}) | {} | {:.3} | {:.3} |\n",
                b.lower, b.upper, b.count, b.mean_confidence, b.accuracy
            ));
        }
    }
    if !plots.is_empty() {
        s.push_str("\n## Plots\n\n");
        for p in plots {
            let name = p
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            s.push_str(&format!("![{name}]({name})\n\n"));
        }
    }
    escape_html(&s)
}

/// Writes the SVG plots into `dir`; returns their paths.
pub fn write_plots(scored: &Scored, report: &Report, dir: &Path) -> Result<Vec<PathBuf>> {
    let all: Vec<usize> = (0..scored.len()).collect();
    let mut written = Vec::new();
    let plot_err = |e: super::PlotError| Error::config(e.to_string());
    let mut pr = Vec::new();
    let mut roc = Vec::new();
    for (c, name) in scored.classes.iter().enumerate() {
        let (s, p) = scored.class_scores(c, &all);
        if let Some(curve) = precision_recall_curve(&s, &p) {
            pr.push((
                name.as_str(),
                curve,
                report.classes[name].average_precision.unwrap_or(0.0),
            ));
        }
        if let Some(curve) = roc_curve(&s, &p) {
            roc.push((
                name.as_str(),
                curve,
                report.classes[name].roc_auc.unwrap_or(0.0),
            ));
        }
    }
    let path = dir.join("pr_curves.svg");
    let pr_refs: Vec<(&str, &super::PrCurve, f64)> =
        pr.iter().map(|(n, c, a)| (*n, c, *a)).collect();
    super::pr_curves(&path, "Precision-recall per class", &pr_refs).map_err(plot_err)?;
    written.push(path);
    let path = dir.join("roc_curves.svg");
    let roc_refs: Vec<(&str, &super::RocCurve, f64)> =
        roc.iter().map(|(n, c, a)| (*n, c, *a)).collect();
    super::roc_curves(&path, "ROC per class", &roc_refs).map_err(plot_err)?;
    written.push(path);
    if let Some(rel) = &report.calibration {
        let path = dir.join("reliability.svg");
        super::reliability_diagram(&path, "Reliability (top label)", rel).map_err(plot_err)?;
        written.push(path);
    }
    for &(c, threshold) in &scored.review {
        let name = &scored.classes[c];
        let by_label: Vec<(&str, Vec<f64>)> = scored
            .classes
            .iter()
            .enumerate()
            .map(|(t, label)| {
                let s: Vec<f64> = all
                    .iter()
                    .filter(|&&i| scored.truth[i] == t)
                    .map(|&i| scored.probs[i * scored.k() + c])
                    .collect();
                (label.as_str(), s)
            })
            .filter(|(_, s)| !s.is_empty())
            .collect();
        let refs: Vec<(&str, &[f64])> = by_label.iter().map(|(l, s)| (*l, s.as_slice())).collect();
        let path = dir.join(format!("scores_{}.svg", file_name_part(name, c)));
        super::score_histograms(
            &path,
            &format!("{name} score by true label"),
            name,
            &refs,
            Some(threshold),
        )
        .map_err(plot_err)?;
        written.push(path);
    }
    Ok(written)
}

/// A class name as part of a file name: ASCII letters, digits, `-` and `_` kept, anything
/// else (`/`, `..`, spaces, other scripts) made `_`, so that a class name can never place a
/// file outside the report folder. A name that had to change gets its class index appended,
/// so two names that fold alike stay apart.
fn file_name_part(name: &str, index: usize) -> String {
    let safe: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if safe == name && !safe.is_empty() {
        safe
    } else {
        format!("{safe}_{index}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A class name can never place a plot outside the report folder, and names that fold
    /// alike stay apart.
    #[test]
    fn class_names_become_safe_file_names() {
        let dir = Path::new("/reports/run");
        for (i, name) in [
            "x/../../escaped",
            "..",
            "",
            "a b",
            "<svg>",
            "ذ",
            "/etc/passwd",
            "appeal",
        ]
        .iter()
        .enumerate()
        {
            let part = file_name_part(name, i);
            assert!(!part.is_empty());
            assert!(part
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'));
            let path = dir.join(format!("scores_{part}.svg"));
            assert_eq!(path.parent(), Some(dir), "{name:?} -> {part}");
        }
        assert_eq!(file_name_part("appeal", 0), "appeal");
        assert_ne!(file_name_part("a/b", 1), file_name_part("a.b", 2));
    }

    #[test]
    fn html_in_names_is_shown_as_text() {
        let md = "| <svg onload=alert(1)> | 0.5 |";
        assert_eq!(escape_html(md), "| &lt;svg onload=alert(1)&gt; | 0.5 |");
        assert_eq!(escape_html(&escape_html(md)), escape_html(md));
    }
}
