//! Hyperparameter search and ablation by grouped cross-validation on training data only.
//!
//! [`tune`] tries a fixed, ordered list of variations of a base [`TrainConfig`] (the first
//! `budget` of them), scores each by stratified, grouped k-fold cross-validation, and picks
//! the one with the highest mean average precision over the review classes. [`ablate`]
//! then removes one ingredient at a time from the chosen configuration (signal tokens,
//! obfuscation folding, class weights, word pairs, stemming; or adds character n-grams) to
//! measure what each earns. Neither ever looks at a test split: they see only the records
//! they are given.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::error::Result;
use crate::eval::{cross_validate, CvReport, FoldSummary};
use crate::io::LabeledRecord;
use crate::model::logistic::ClassWeight;
use crate::text::NgramRange;
use crate::train::TrainConfig;

/// One configuration tried.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Trial {
    /// What differs from the base (or from the chosen configuration, for ablations).
    pub name: String,
    /// The full configuration.
    pub config: TrainConfig,
    /// Mean average precision over the review classes (the selection criterion).
    pub score: Option<f64>,
    /// Cross-validated metrics.
    pub metrics: BTreeMap<String, FoldSummary>,
}

/// The outcome of [`tune`] and [`ablate`].
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct TuneReport {
    /// Folds.
    pub folds: usize,
    /// Field the folds were grouped by.
    pub group_by: String,
    /// Records cross-validated.
    pub records: usize,
    /// Every trial, in order.
    pub trials: Vec<Trial>,
    /// Index of the chosen trial.
    pub best: usize,
    /// One-ingredient-at-a-time variations of the chosen configuration.
    pub ablation: Vec<Trial>,
    /// Why fewer trials ran than asked for (the time limit), if so.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stopped: Option<String>,
}

/// Limits and reporting of a [`tune`] or [`ablate`] run.
#[derive(Clone, Debug, Default)]
pub struct TuneLimits {
    /// No trial starts after this instant (a trial that has started finishes); at least one
    /// trial always runs.
    pub deadline: Option<std::time::Instant>,
    /// Where each trial's fits report their stages.
    pub progress: crate::progress::ProgressHandle,
}

impl TuneLimits {
    fn expired(&self) -> bool {
        self.deadline
            .is_some_and(|d| std::time::Instant::now() >= d)
    }
}

/// The named variations `tune` tries, in order (the base first; a variation that equals an
/// earlier one, e.g. adding character n-grams to a base that has them, is left out).
pub fn candidates(base: &TrainConfig) -> Vec<(String, TrainConfig)> {
    let mut out: Vec<(String, TrainConfig)> = Vec::new();
    for (name, config) in variations(base) {
        if !out.iter().any(|(_, c)| *c == config) {
            out.push((name, config));
        }
    }
    out
}

fn variations(base: &TrainConfig) -> Vec<(String, TrainConfig)> {
    let with = |name: &str, f: &dyn Fn(&mut TrainConfig)| {
        let mut c = base.clone();
        f(&mut c);
        (name.to_string(), c)
    };
    vec![
        ("base".to_string(), base.clone()),
        with("alpha x0.3", &|c| {
            c.logistic = c.logistic.clone().alpha(c.logistic_alpha() * 0.3)
        }),
        with("alpha x3", &|c| {
            c.logistic = c.logistic.clone().alpha(c.logistic_alpha() * 3.0)
        }),
        with("char 3-5-grams", &|c| {
            c.analyzer.char_ngrams = Some(NgramRange { min: 3, max: 5 })
        }),
        with("min_df 3", &|c| c.features.min_df = 3u64.into()),
        with("alpha x0.1", &|c| {
            c.logistic = c.logistic.clone().alpha(c.logistic_alpha() * 0.1)
        }),
        with("max_df 0.2", &|c| c.features.max_df = 0.2.into()),
        with("char 2-4-grams", &|c| {
            c.analyzer.char_ngrams = Some(NgramRange { min: 2, max: 4 })
        }),
        with("word 1-3-grams", &|c| {
            c.analyzer.word_ngrams = NgramRange { min: 1, max: 3 }
        }),
        with("uniform class weights", &|c| {
            c.logistic = c.logistic.clone().class_weight(ClassWeight::Uniform)
        }),
    ]
}

/// The one-ingredient-at-a-time variations of `chosen`.
pub fn ablations(chosen: &TrainConfig) -> Vec<(String, TrainConfig)> {
    let with = |name: &str, f: &dyn Fn(&mut TrainConfig)| {
        let mut c = chosen.clone();
        f(&mut c);
        (name.to_string(), c)
    };
    let mut v = vec![
        with(
            "− signal tokens (addresses, URLs, amounts, handles)",
            &|c| c.analyzer.signals.enabled = false,
        ),
        with(
            "− obfuscation folding (look-alikes, leetspeak, spaced letters)",
            &|c| {
                c.analyzer.normalize.fold_confusables = false;
                c.analyzer.normalize.fold_leet = false;
                c.analyzer.normalize.join_spaced_letters = false;
            },
        ),
        with("− class weights (uniform)", &|c| {
            c.logistic = c.logistic.clone().class_weight(ClassWeight::Uniform)
        }),
        with("− word pairs (unigrams only)", &|c| {
            c.analyzer.word_ngrams = NgramRange { min: 1, max: 1 }
        }),
        with("− stemming", &|c| c.analyzer.stem = false),
        with("− min_df pruning (min_df 1)", &|c| {
            c.features.min_df = 1u64.into()
        }),
    ];
    v.push(match chosen.analyzer.char_ngrams {
        Some(_) => with("− character n-grams", &|c| c.analyzer.char_ngrams = None),
        None => with("+ character 3-5-grams", &|c| {
            c.analyzer.char_ngrams = Some(NgramRange { min: 3, max: 5 })
        }),
    });
    v
}

/// Mean cross-validated average precision over `review` classes.
fn harmful_ap(report: &CvReport, review: &[String]) -> Option<f64> {
    let v: Vec<f64> = review
        .iter()
        .filter_map(|c| report.metrics.get(&format!("{c}.average_precision")))
        .map(|s| s.mean)
        .filter(|m| m.is_finite())
        .collect();
    (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64)
}

fn trial(
    name: String,
    config: TrainConfig,
    records: &[LabeledRecord],
    folds: usize,
    group_by: &str,
    seed: u64,
    progress: &crate::progress::ProgressHandle,
) -> Result<Trial> {
    let mut valid = config.check()?;
    if let Some(p) = progress.shared() {
        valid = valid.with_progress(p);
    }
    let report = cross_validate(&valid, records, folds, group_by, seed)?;
    let review: Vec<String> = valid
        .classes_for(records)?
        .into_iter()
        .filter(|c| config.review.classes.contains(c))
        .collect();
    Ok(Trial {
        name,
        score: harmful_ap(&report, &review),
        config,
        metrics: report.metrics,
    })
}

/// Runs `planned` configurations as trials, in order, within `limits`: none starts after
/// the deadline, except the first when `first_always` (tuning needs one). Returns the
/// trials and, when the deadline cut the run, why (naming `what` was cut).
#[allow(clippy::too_many_arguments)]
fn run_trials(
    planned: Vec<(String, TrainConfig)>,
    what: &str,
    first_always: bool,
    records: &[LabeledRecord],
    folds: usize,
    group_by: &str,
    seed: u64,
    limits: &TuneLimits,
    progress: &mut impl FnMut(&str, Option<&Trial>),
) -> Result<(Vec<Trial>, Option<String>)> {
    let n = planned.len();
    let mut trials = Vec::with_capacity(n);
    for (name, config) in planned {
        if (!first_always || !trials.is_empty()) && limits.expired() {
            let why = format!("time limit reached after {} of {n} {what}", trials.len());
            return Ok((trials, Some(why)));
        }
        progress(&name, None);
        let t = trial(
            name,
            config,
            records,
            folds,
            group_by,
            seed,
            &limits.progress,
        )?;
        progress(&t.name, Some(&t));
        trials.push(t);
    }
    Ok((trials, None))
}

/// Tries the first `budget` [`candidates`] of `base`, within `limits`; `progress` is told
/// before (`None`: the trial's name) and after each trial.
#[allow(clippy::too_many_arguments)]
pub fn tune(
    base: &TrainConfig,
    records: &[LabeledRecord],
    folds: usize,
    group_by: &str,
    budget: usize,
    seed: u64,
    limits: &TuneLimits,
    mut progress: impl FnMut(&str, Option<&Trial>),
) -> Result<TuneReport> {
    let mut report = TuneReport {
        folds,
        group_by: group_by.to_string(),
        records: records.len(),
        ..Default::default()
    };
    let planned: Vec<(String, TrainConfig)> =
        candidates(base).into_iter().take(budget.max(1)).collect();
    let (trials, stopped) = run_trials(
        planned,
        "trials",
        true,
        records,
        folds,
        group_by,
        seed,
        limits,
        &mut progress,
    )?;
    report.trials = trials;
    report.stopped = stopped;
    report.best = report
        .trials
        .iter()
        .enumerate()
        .max_by(|a, b| {
            a.1.score
                .unwrap_or(f64::NEG_INFINITY)
                .total_cmp(&b.1.score.unwrap_or(f64::NEG_INFINITY))
                .then(b.0.cmp(&a.0))
        })
        .map_or(0, |(i, _)| i);
    Ok(report)
}

/// Runs the [`ablations`] of the report's chosen configuration, within `limits` (an
/// expired deadline stops before the next ablation and says so in `report.stopped`).
pub fn ablate(
    report: &mut TuneReport,
    records: &[LabeledRecord],
    seed: u64,
    limits: &TuneLimits,
    mut progress: impl FnMut(&str, Option<&Trial>),
) -> Result<()> {
    let chosen = report.trials[report.best].config.clone();
    let (folds, group_by) = (report.folds, report.group_by.clone());
    let (trials, stopped) = run_trials(
        ablations(&chosen),
        "ablations",
        false,
        records,
        folds,
        &group_by,
        seed,
        limits,
        &mut progress,
    )?;
    report.ablation = trials;
    if stopped.is_some() {
        report.stopped = stopped;
    }
    Ok(())
}

/// The metrics shown in tables, in order.
pub const TABLE_METRICS: [&str; 6] = [
    "appeal.average_precision",
    "propaganda.average_precision",
    "review.precision",
    "review.recall",
    "benign.review_rate",
    "reporting.review_rate",
];

/// A Markdown table of trials (with the chosen one first when `reference` is given, and
/// differences to it).
pub fn table(trials: &[Trial], reference: Option<&Trial>) -> String {
    let mut s = String::from("| configuration | harmful AP |");
    for m in TABLE_METRICS {
        s.push_str(&format!(" {m} |"));
    }
    s.push_str("\n|---|---|");
    s.push_str(&"---|".repeat(TABLE_METRICS.len()));
    s.push('\n');
    let cell = |t: &Trial, m: &str| {
        let v = t.metrics.get(m).map(|f| (f.mean, f.std));
        match (v, reference.and_then(|r| r.metrics.get(m))) {
            (Some((mean, std)), Some(r)) => format!("{mean:.3} ± {std:.3} ({:+.3})", mean - r.mean),
            (Some((mean, std)), None) => format!("{mean:.3} ± {std:.3}"),
            _ => "—".into(),
        }
    };
    let rows = reference.into_iter().chain(trials.iter());
    for t in rows {
        let name = if reference.is_some_and(|r| std::ptr::eq(r, t)) {
            format!("**{}** (chosen)", t.name)
        } else {
            t.name.clone()
        };
        let score = match (t.score, reference.and_then(|r| r.score)) {
            (Some(v), Some(r)) if !reference.is_some_and(|x| std::ptr::eq(x, t)) => {
                format!("{v:.3} ({:+.3})", v - r)
            }
            (Some(v), _) => format!("{v:.3}"),
            _ => "—".into(),
        };
        s.push_str(&format!("| {name} | {score} |"));
        for m in TABLE_METRICS {
            if reference.is_some_and(|x| std::ptr::eq(x, t)) {
                let v = t
                    .metrics
                    .get(m)
                    .map_or("—".into(), |f| format!("{:.3} ± {:.3}", f.mean, f.std));
                s.push_str(&format!(" {v} |"));
            } else {
                s.push_str(&format!(" {} |", cell(t, m)));
            }
        }
        s.push('\n');
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn candidates_start_with_the_base_and_differ_from_it() {
        let base = TrainConfig::default();
        let c = candidates(&base);
        assert_eq!(c[0].1, base);
        assert!(c[1..].iter().all(|(_, cfg)| *cfg != base));
        let mut with_chars = base.clone();
        with_chars.analyzer.char_ngrams = Some(NgramRange { min: 3, max: 5 });
        let c2 = candidates(&with_chars);
        assert!(
            c2.iter().skip(1).all(|(_, cfg)| *cfg != with_chars),
            "no repeat of the base"
        );
        let names: Vec<&str> = c.iter().map(|(n, _)| n.as_str()).collect();
        let mut unique = names.clone();
        unique.dedup();
        assert_eq!(names.len(), unique.len());
        assert!(c.iter().all(|(_, cfg)| cfg.check().is_ok()));
        let a = ablations(&base);
        assert!(a.iter().all(|(_, cfg)| *cfg != base && cfg.check().is_ok()));
        assert!(a.iter().any(|(n, _)| n.starts_with("+ character")));
    }
}
