//! The fitted pipeline: analyser → vectoriser → logistic model → review decision and reasons.
//!
//! A [`Classifier`] is what a model file holds and what `redflag score` runs. It is
//! immutable, `Send + Sync`, and scores one text at a time with a per-thread
//! [`ScoreScratch`], so batches parallelise without locks.
//!
//! ```no_run
//! let classifier = redflag::Classifier::default_model().unwrap();
//! let mut scratch = redflag::ScoreScratch::default();
//! let p = classifier.score("send zakat for the brothers at the front, XMR only", &mut scratch, true);
//! println!("{} review={} reasons={:?}", classifier.classes()[p.label], p.review, p.reasons);
//! ```

use serde::{Deserialize, Serialize};

use crate::config::{TrainConfig, ValidationSummary};
use crate::error::{Error, Result};
use crate::features::{Occurrence, Vectorizer, VectorizerScratch};
use crate::model::logistic::LogisticModel;
use crate::model::{Calibration, Reason, ReasonKind, ReviewPolicy};
use crate::text::{Span, TermKind};

/// How many reasons a prediction carries at most.
pub const MAX_REASONS: usize = 5;
/// How many spans one reason carries at most.
pub const MAX_SPANS_PER_REASON: usize = 16;

/// A language is *low-coverage* for a model that was trained on fewer than this many rows
/// identified as that language ...
pub const LOW_COVERAGE_ROWS: u64 = 300;
/// ... or on fewer than this many rows of some review class in it. Its results carry the
/// warning `language_low_coverage`: route them to a reviewer who reads the language
/// rather than trust the score.
pub const LOW_COVERAGE_REVIEW_ROWS: u64 = 20;

/// Facts about how a model was made, stored in the model file.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ModelMeta {
    /// redflag version that trained the model.
    pub crate_version: String,
    /// Free-form description (e.g. what the training data was).
    pub description: String,
    /// Training data: one entry per input file.
    pub data: Vec<DataFile>,
    /// Training rows per class.
    pub rows_per_class: std::collections::BTreeMap<String, u64>,
    /// Training rows per identified language ([`crate::text::lang::detect`]) and class.
    pub rows_per_language:
        std::collections::BTreeMap<String, std::collections::BTreeMap<String, u64>>,
    /// Total training rows.
    pub rows: u64,
    /// Feature columns.
    pub n_features: u64,
    /// Whether the solver converged, its iterations and final loss.
    pub solver: String,
    /// How thresholds and calibration were chosen, with validation figures.
    pub validation: ValidationSummary,
}

/// One training input file, identified by name and content hash.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DataFile {
    /// File name as given on the command line.
    pub name: String,
    /// SHA-256 of the file's bytes, hex.
    pub sha256: String,
    /// Records read from it.
    pub records: u64,
}

/// The outcome of scoring one text.
#[derive(Clone, Debug, PartialEq)]
pub struct Prediction {
    /// Calibrated probability per class, in the model's class order; finite, summing to 1.
    pub probabilities: Vec<f64>,
    /// Index of the most probable class.
    pub label: usize,
    /// True when a review class reached its threshold (and the text has the minimum
    /// evidence of `review.min_evidence_words`).
    pub review: bool,
    /// The class the reasons explain: the flagged class, else the most probable review
    /// class; `None` when the model has no review classes.
    pub explained: Option<usize>,
    /// Features that pushed toward the explained class, strongest first.
    pub reasons: Vec<Reason>,
    /// The identified language of the text ([`crate::text::lang::detect`]; `und` when it
    /// could not be identified).
    pub lang: &'static str,
    /// True when the model saw too little training text in `lang` to be trusted there
    /// ([`Classifier::low_coverage`]).
    pub low_coverage: bool,
}

/// Reusable per-thread buffers for [`Classifier::score`].
#[derive(Debug, Default)]
pub struct ScoreScratch {
    vector: VectorizerScratch,
}

/// A fitted model: everything needed to score and explain text.
#[derive(Clone, Debug)]
pub struct Classifier {
    pub(crate) classes: Vec<String>,
    pub(crate) vectorizer: Vectorizer,
    pub(crate) logistic: LogisticModel,
    pub(crate) calibration: Calibration,
    pub(crate) review: ReviewPolicy,
    pub(crate) review_index: Vec<(usize, f64)>,
    pub(crate) config: TrainConfig,
    pub(crate) meta: ModelMeta,
}

impl Classifier {
    /// Assembles a classifier from parts, checking that they agree.
    pub fn from_parts(
        classes: Vec<String>,
        vectorizer: Vectorizer,
        logistic: LogisticModel,
        calibration: Calibration,
        review: ReviewPolicy,
        config: TrainConfig,
        meta: ModelMeta,
    ) -> Result<Self> {
        vectorizer.check()?;
        calibration.check().map_err(Error::config)?;
        logistic.check_shape()?;
        if logistic.n_features() != vectorizer.n_features() {
            return Err(Error::config(format!(
                "the model has {} weights per class but the vocabulary has {} terms",
                logistic.n_features(),
                vectorizer.n_features()
            )));
        }
        if logistic.n_classes() != classes.len() {
            return Err(Error::config(format!(
                "the model has {} classes but {} class names",
                logistic.n_classes(),
                classes.len()
            )));
        }
        for (i, c) in classes.iter().enumerate() {
            if classes[..i].contains(c) {
                return Err(Error::config(format!("class {c:?} is listed twice")));
            }
        }
        let review_index = review.resolve(&classes).map_err(Error::config)?;
        Ok(Classifier {
            classes,
            vectorizer,
            logistic,
            calibration,
            review,
            review_index,
            config,
            meta,
        })
    }

    /// Class names, in score order.
    pub fn classes(&self) -> &[String] {
        &self.classes
    }

    /// The review policy (thresholds per harmful class).
    pub fn review_policy(&self) -> &ReviewPolicy {
        &self.review
    }

    /// Overrides review thresholds for one deployment, `(class, threshold)` each; classes
    /// not listed keep the stored threshold. Fails, changing nothing, on a class that is not
    /// a review class of the model or a threshold outside [0, 1].
    pub fn set_thresholds(&mut self, overrides: &[(String, f64)]) -> Result<()> {
        let mut review = self.review.clone();
        for (class, threshold) in overrides {
            let Some(t) = review.thresholds.iter_mut().find(|t| &t.class == class) else {
                return Err(Error::config(format!(
                    "{class:?} is not a review class of this model (review classes: {})",
                    self.review
                        .thresholds
                        .iter()
                        .map(|t| t.class.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                )));
            };
            t.threshold = *threshold;
        }
        self.review_index = review.resolve(&self.classes).map_err(Error::config)?;
        self.review = review;
        Ok(())
    }

    /// The training configuration (analyser, features, solver parameters).
    pub fn config(&self) -> &TrainConfig {
        &self.config
    }

    /// Facts about the training run.
    pub fn meta(&self) -> &ModelMeta {
        &self.meta
    }

    /// The vectoriser.
    pub fn vectorizer(&self) -> &Vectorizer {
        &self.vectorizer
    }

    /// The logistic model.
    pub fn logistic(&self) -> &LogisticModel {
        &self.logistic
    }

    /// The probability calibration applied to the logistic model's logits.
    pub fn calibration(&self) -> Calibration {
        self.calibration
    }

    /// Whether the model saw too little training data in language `code` (as
    /// [`crate::text::lang::detect`] names it): fewer than [`LOW_COVERAGE_ROWS`] rows in
    /// all, or fewer than [`LOW_COVERAGE_REVIEW_ROWS`] of some review class. Never for
    /// `und`, and never for a model that did not record its rows per language.
    pub fn low_coverage(&self, code: &str) -> bool {
        if code == crate::text::lang::UNDETERMINED || self.meta.rows_per_language.is_empty() {
            return false;
        }
        let Some(rows) = self.meta.rows_per_language.get(code) else {
            return true;
        };
        rows.values().sum::<u64>() < LOW_COVERAGE_ROWS
            || self
                .review
                .thresholds
                .iter()
                .any(|t| rows.get(&t.class).copied().unwrap_or(0) < LOW_COVERAGE_REVIEW_ROWS)
    }

    /// Records which files the model was trained on (stored in the model file).
    pub fn set_data_files(&mut self, files: Vec<DataFile>) {
        self.meta.data = files;
    }

    /// Scores one text. With `explain`, fills [`Prediction::reasons`] with up to
    /// [`MAX_REASONS`] reasons.
    pub fn score(&self, text: &str, scratch: &mut ScoreScratch, explain: bool) -> Prediction {
        self.score_explained(text, scratch, if explain { MAX_REASONS } else { 0 })
    }

    /// Scores one text with up to `reasons` reasons (0: none).
    pub fn score_explained(
        &self,
        text: &str,
        scratch: &mut ScoreScratch,
        reasons: usize,
    ) -> Prediction {
        let explain = reasons > 0;
        self.vectorizer
            .transform_into(text, &mut scratch.vector, explain);
        let row = scratch.vector.row();
        let mut probabilities = vec![0.0; self.classes.len()];
        self.logistic.decision_function(row, &mut probabilities);
        self.calibration.apply(&mut probabilities);
        let label = argmax(&probabilities);
        let (words, signals) = scratch.vector.evidence();
        let evidence = signals > 0 || words >= self.config.review.min_evidence_words;
        let flagged = self
            .review_index
            .iter()
            .filter(|(c, t)| evidence && probabilities[*c] >= *t)
            .max_by(|a, b| probabilities[a.0].total_cmp(&probabilities[b.0]))
            .map(|(c, _)| *c);
        let explained = flagged.or_else(|| {
            self.review_index
                .iter()
                .max_by(|a, b| probabilities[a.0].total_cmp(&probabilities[b.0]))
                .map(|(c, _)| *c)
        });
        let reasons = match (explain, explained) {
            (true, Some(c)) => self.reasons(text, &scratch.vector, c, reasons),
            _ => Vec::new(),
        };
        let lang = scratch
            .vector
            .language()
            .unwrap_or_else(|| crate::text::lang::detect(text).code);
        Prediction {
            probabilities,
            label,
            review: flagged.is_some(),
            explained,
            reasons,
            lang,
            low_coverage: self.low_coverage(lang),
        }
    }

    /// The words, phrases and signals of the last vectorised text with the largest positive
    /// contribution to class `c` against the average class, `x_j · (w_jc − mean_k w_jk)`
    /// summed over their features: a word's unigram and the character n-grams inside it fold
    /// into one reason for the word (all its occurrences together, grouped by analysed term),
    /// a word n-gram is a phrase, a signal token stays itself (with the terms derived from
    /// it, such as `#addr` or a link's domain). A feature seen several times
    /// shares its contribution equally among its occurrences.
    fn reasons(&self, text: &str, v: &VectorizerScratch, c: usize, n: usize) -> Vec<Reason> {
        use rustc_hash::FxHashMap;
        let k = self.classes.len() as f64;
        let row = v.row();
        let mut contribution: FxHashMap<u32, (f64, u32)> = row
            .iter()
            .map(|(j, x)| {
                let mean: f64 = (0..self.classes.len())
                    .map(|m| self.logistic.weight(j, m) as f64)
                    .sum::<f64>()
                    / k;
                (
                    j as u32,
                    (x as f64 * (self.logistic.weight(j, c) as f64 - mean), 0),
                )
            })
            .collect();
        for o in &v.occurrences {
            if let Some(e) = contribution.get_mut(&o.column) {
                e.1 += 1;
            }
        }
        let words: Vec<(&str, Span)> = v.words().collect();
        // The word whose span holds `s`, if any (words are in text order).
        let word_of = |s: Span| -> Option<usize> {
            let i = words.partition_point(|(_, w)| w.start <= s.start);
            let i = i.checked_sub(1)?;
            (s.end <= words[i].1.end).then_some(i)
        };
        #[derive(PartialEq, Eq, Hash)]
        enum Key<'a> {
            Word(&'a str),
            Phrase(u32),
            /// A signal token and the terms derived from it (`#addr`, a link's domain) share
            /// its span.
            Signal(Span),
        }
        struct Group {
            feature: String,
            kind: ReasonKind,
            weight: f64,
            spans: Vec<Span>,
            first: usize,
        }
        let vocabulary = self.vectorizer.vocabulary();
        // A term's text without its prefixes: looked up only for phrases and signals (a
        // word's reason shows the word as written, whatever its unigram and n-grams are).
        let bare = |j: u32| -> &str {
            vocabulary
                .term(j as usize)
                .unwrap_or_default()
                .trim_start_matches(crate::text::CHAR_NGRAM_PREFIX)
                .trim_start_matches(crate::text::QUOTE_PREFIX)
        };
        let mut groups: Vec<Group> = Vec::new();
        let mut index: FxHashMap<Key, usize> = FxHashMap::default();
        for &Occurrence {
            column: j,
            span,
            kind,
        } in &v.occurrences
        {
            let Some(&(w, count)) = contribution.get(&j) else {
                continue;
            };
            // Word n-grams are phrases (their terms join tokens with a space); every other
            // term inside a word explains that word, and outside one it is a signal.
            let (key, kind, feature, span) = match (kind, word_of(span)) {
                (TermKind::WordNgram, _) => (Key::Phrase(j), ReasonKind::Phrase, bare(j), span),
                (_, Some(i)) => (
                    Key::Word(words[i].0),
                    ReasonKind::Word,
                    text.get(words[i].1.start..words[i].1.end)
                        .unwrap_or_else(|| bare(j)),
                    words[i].1,
                ),
                (_, None) => (Key::Signal(span), ReasonKind::Signal, bare(j), span),
            };
            let g = *index.entry(key).or_insert_with(|| {
                groups.push(Group {
                    feature: feature.trim().to_string(),
                    kind,
                    weight: 0.0,
                    spans: Vec::new(),
                    first: span.start,
                });
                groups.len() - 1
            });
            groups[g].weight += w / f64::from(count.max(1));
            groups[g].spans.push(span);
        }
        groups.retain(|g| g.weight > 0.0);
        groups.sort_by(|a, b| b.weight.total_cmp(&a.weight).then(a.first.cmp(&b.first)));
        groups.truncate(n);
        groups
            .into_iter()
            .map(|mut g| {
                g.spans.sort_unstable_by_key(|s| (s.start, s.end));
                g.spans.dedup();
                g.spans.truncate(MAX_SPANS_PER_REASON);
                Reason {
                    feature: g.feature,
                    kind: g.kind,
                    weight: g.weight,
                    spans: g.spans,
                }
            })
            .collect()
    }
}

/// Index of the largest value (the first of ties); 0 for an empty slice.
pub(crate) fn argmax(v: &[f64]) -> usize {
    let mut best = 0;
    for (i, x) in v.iter().enumerate() {
        if *x > v[best] {
            best = i;
        }
    }
    best
}
