//! The term vocabulary: which analyser terms become feature columns.

use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

use super::FeatureError;

/// A document-frequency bound: an absolute count of documents or a fraction of them
/// (scikit-learn's `min_df` / `max_df` convention: an integer is a count, a float a fraction).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum DocFrequency {
    /// At least / at most this many documents.
    Count(u64),
    /// At least / at most this fraction of documents, in `[0, 1]`.
    Fraction(f64),
}

impl From<u64> for DocFrequency {
    fn from(n: u64) -> Self {
        DocFrequency::Count(n)
    }
}

impl From<f64> for DocFrequency {
    fn from(f: f64) -> Self {
        DocFrequency::Fraction(f)
    }
}

impl DocFrequency {
    fn check(&self, name: &str) -> Result<(), FeatureError> {
        match *self {
            DocFrequency::Fraction(f) if !(0.0..=1.0).contains(&f) || f.is_nan() => Err(
                FeatureError::InvalidParam(format!("{name} = {f}: a fraction must lie in [0, 1]")),
            ),
            _ => Ok(()),
        }
    }

    /// The bound as a document count for a corpus of `n_docs` documents.
    /// `round_up` decides how a fractional bound rounds.
    fn to_count(self, n_docs: usize, round_up: bool) -> u64 {
        match self {
            DocFrequency::Count(c) => c,
            DocFrequency::Fraction(f) => {
                let c = f * n_docs as f64;
                if round_up {
                    c.ceil() as u64
                } else {
                    c.floor() as u64
                }
            }
        }
    }
}

/// Pruning rules for [`Vocabulary::fit`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct VocabularyParams {
    /// Drop terms in fewer documents than this.
    pub min_df: DocFrequency,
    /// Drop terms in more documents than this.
    pub max_df: DocFrequency,
    /// Keep at most this many terms, the most frequent by document frequency
    /// (ties broken by the term's bytes, so the result is deterministic).
    pub max_features: Option<usize>,
}

impl Default for VocabularyParams {
    fn default() -> Self {
        VocabularyParams {
            min_df: DocFrequency::Count(2),
            max_df: DocFrequency::Fraction(1.0),
            max_features: None,
        }
    }
}

impl VocabularyParams {
    /// Validates the parameters.
    pub fn check(&self) -> Result<(), FeatureError> {
        self.min_df.check("min_df")?;
        self.max_df.check("max_df")?;
        if self.max_features == Some(0) {
            return Err(FeatureError::InvalidParam(
                "max_features = 0 would keep no term".into(),
            ));
        }
        if self.max_features.is_some_and(|m| m > u32::MAX as usize) {
            return Err(FeatureError::InvalidParam(
                "max_features must fit in 32 bits".into(),
            ));
        }
        Ok(())
    }
}

/// Document frequencies counted over a corpus, before pruning.
#[derive(Debug, Default)]
pub struct DocFrequencies {
    /// term → (document frequency, last document that counted it)
    counts: FxHashMap<Box<str>, (u64, u64)>,
    documents: u64,
}

impl DocFrequencies {
    /// Counts `term` once for document number `doc` (documents must be visited in order).
    pub fn add(&mut self, term: &str, doc: u64) {
        if let Some(entry) = self.counts.get_mut(term) {
            if entry.1 != doc {
                entry.0 += 1;
                entry.1 = doc;
            }
        } else {
            self.counts.insert(term.into(), (1, doc));
        }
    }

    /// Marks that one more document was visited.
    pub fn finish_document(&mut self) {
        self.documents += 1;
    }

    /// Adds the counts of another (disjoint set of documents).
    pub fn merge(&mut self, other: DocFrequencies) {
        self.documents += other.documents;
        if self.counts.len() < other.counts.len() {
            let mine = std::mem::replace(&mut self.counts, other.counts);
            for (term, (df, _)) in mine {
                self.counts.entry(term).or_insert((0, u64::MAX)).0 += df;
            }
        } else {
            for (term, (df, _)) in other.counts {
                self.counts.entry(term).or_insert((0, u64::MAX)).0 += df;
            }
        }
    }

    /// Number of documents counted.
    pub fn documents(&self) -> u64 {
        self.documents
    }

    /// Number of distinct terms.
    pub fn len(&self) -> usize {
        self.counts.len()
    }

    /// True when no term was counted.
    pub fn is_empty(&self) -> bool {
        self.counts.is_empty()
    }
}

/// A fitted vocabulary: terms in column order and a term → column index.
///
/// Terms are stored sorted by their bytes, so the same corpus and parameters always give
/// the same columns. Only the term list is serialised; the index is rebuilt on load.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(try_from = "VocabularyRepr", into = "VocabularyRepr")]
pub struct Vocabulary {
    terms: Vec<String>,
    df: Vec<u64>,
    index: FxHashMap<String, u32>,
}

#[derive(Clone, Serialize, Deserialize)]
struct VocabularyRepr {
    terms: Vec<String>,
    df: Vec<u64>,
}

impl TryFrom<VocabularyRepr> for Vocabulary {
    type Error = FeatureError;
    fn try_from(r: VocabularyRepr) -> Result<Self, FeatureError> {
        Vocabulary::from_terms(r.terms, r.df)
    }
}

impl From<Vocabulary> for VocabularyRepr {
    fn from(v: Vocabulary) -> Self {
        VocabularyRepr {
            terms: v.terms,
            df: v.df,
        }
    }
}

impl PartialEq for Vocabulary {
    fn eq(&self, other: &Self) -> bool {
        self.terms == other.terms && self.df == other.df
    }
}

impl Vocabulary {
    /// A vocabulary from terms (in column order) and their document frequencies.
    pub fn from_terms(terms: Vec<String>, df: Vec<u64>) -> Result<Self, FeatureError> {
        if terms.len() != df.len() {
            return Err(FeatureError::Inconsistent(format!(
                "{} terms but {} document frequencies",
                terms.len(),
                df.len()
            )));
        }
        if terms.len() > u32::MAX as usize {
            return Err(FeatureError::Inconsistent(
                "more than 2^32 terms".to_string(),
            ));
        }
        let mut index = FxHashMap::with_capacity_and_hasher(terms.len(), Default::default());
        for (i, t) in terms.iter().enumerate() {
            if index.insert(t.clone(), i as u32).is_some() {
                return Err(FeatureError::DuplicateTerm(t.clone()));
            }
        }
        Ok(Vocabulary { terms, df, index })
    }

    /// Prunes counted document frequencies into a vocabulary.
    pub fn fit(counts: DocFrequencies, params: &VocabularyParams) -> Result<Self, FeatureError> {
        params.check()?;
        let n = counts.documents as usize;
        let candidates = counts.counts.len();
        let min = params.min_df.to_count(n, true);
        let max = params.max_df.to_count(n, false);
        let mut kept: Vec<(Box<str>, u64)> = counts
            .counts
            .into_iter()
            .filter(|(_, (df, _))| *df >= min && *df <= max)
            .map(|(t, (df, _))| (t, df))
            .collect();
        if let Some(m) = params.max_features {
            if kept.len() > m {
                kept.sort_unstable_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
                kept.truncate(m);
            }
        }
        if kept.is_empty() {
            return Err(FeatureError::EmptyVocabulary {
                documents: n,
                candidates,
            });
        }
        kept.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        let (terms, df): (Vec<String>, Vec<u64>) =
            kept.into_iter().map(|(t, d)| (t.into_string(), d)).unzip();
        Vocabulary::from_terms(terms, df)
    }

    /// The column of `term`, if it is in the vocabulary.
    #[inline]
    pub fn get(&self, term: &str) -> Option<u32> {
        self.index.get(term).copied()
    }

    /// The term of column `i`.
    pub fn term(&self, i: usize) -> Option<&str> {
        self.terms.get(i).map(String::as_str)
    }

    /// Document frequency of column `i` in the training corpus.
    pub fn doc_frequency(&self, i: usize) -> Option<u64> {
        self.df.get(i).copied()
    }

    /// All terms in column order.
    pub fn terms(&self) -> &[String] {
        &self.terms
    }

    /// Number of terms (columns).
    pub fn len(&self) -> usize {
        self.terms.len()
    }

    /// True when there are no terms.
    pub fn is_empty(&self) -> bool {
        self.terms.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counts(docs: &[&[&str]]) -> DocFrequencies {
        let mut c = DocFrequencies::default();
        for (d, terms) in docs.iter().enumerate() {
            for t in *terms {
                c.add(t, d as u64);
            }
            c.finish_document();
        }
        c
    }

    #[test]
    fn document_frequency_counts_each_document_once() {
        let c = counts(&[&["a", "a", "b"], &["a"], &["c"]]);
        let v = Vocabulary::fit(
            c,
            &VocabularyParams {
                min_df: 1.into(),
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(v.terms(), &["a", "b", "c"]);
        assert_eq!(v.doc_frequency(0), Some(2));
    }

    #[test]
    fn min_df_max_df_and_max_features_prune() {
        let docs: &[&[&str]] = &[&["a", "b", "c"], &["a", "b"], &["a", "d"], &["a", "e"]];
        let p = VocabularyParams {
            min_df: 2.into(),
            max_df: 0.9.into(),
            max_features: None,
        };
        // a is in 4/4 > 0.9·4 = 3.6 documents; b in 2; c, d, e in 1.
        assert_eq!(Vocabulary::fit(counts(docs), &p).unwrap().terms(), &["b"]);
        let p = VocabularyParams {
            min_df: 1.into(),
            max_df: 1.0.into(),
            max_features: Some(2),
        };
        // a (4) and b (2) are the most frequent.
        assert_eq!(
            Vocabulary::fit(counts(docs), &p).unwrap().terms(),
            &["a", "b"]
        );
        let p = VocabularyParams {
            min_df: 0.5.into(),
            ..Default::default()
        };
        assert_eq!(
            Vocabulary::fit(counts(docs), &p).unwrap().terms(),
            &["a", "b"]
        );
    }

    #[test]
    fn merge_equals_single_pass() {
        let docs: &[&[&str]] = &[&["a", "b"], &["b", "c"], &["a"], &["c", "c"]];
        let mut left = counts(&docs[..2]);
        let right = counts(&docs[2..]);
        left.merge(right);
        let p = VocabularyParams {
            min_df: 1.into(),
            ..Default::default()
        };
        let merged = Vocabulary::fit(left, &p).unwrap();
        let single = Vocabulary::fit(counts(docs), &p).unwrap();
        assert_eq!(merged, single);
    }

    #[test]
    fn bad_params_and_empty_vocabulary_are_errors() {
        let p = VocabularyParams {
            min_df: DocFrequency::Fraction(1.5),
            ..Default::default()
        };
        assert!(matches!(p.check(), Err(FeatureError::InvalidParam(_))));
        let p = VocabularyParams {
            max_features: Some(0),
            ..Default::default()
        };
        assert!(p.check().is_err());
        let p = VocabularyParams {
            min_df: 10.into(),
            ..Default::default()
        };
        assert!(matches!(
            Vocabulary::fit(counts(&[&["a"]]), &p),
            Err(FeatureError::EmptyVocabulary { .. })
        ));
    }

    #[test]
    fn duplicate_terms_are_rejected_and_serde_round_trips() {
        assert!(matches!(
            Vocabulary::from_terms(vec!["a".into(), "a".into()], vec![1, 1]),
            Err(FeatureError::DuplicateTerm(_))
        ));
        let v = Vocabulary::from_terms(vec!["a".into(), "b c".into()], vec![3, 1]).unwrap();
        let bytes = postcard::to_stdvec(&v).unwrap();
        let back: Vocabulary = postcard::from_bytes(&bytes).unwrap();
        assert_eq!(back, v);
        assert_eq!(back.get("b c"), Some(1));
        let json = serde_json::to_string(&VocabularyParams::default()).unwrap();
        let p: VocabularyParams = serde_json::from_str(&json).unwrap();
        assert_eq!(p, VocabularyParams::default());
        let p: VocabularyParams = toml::from_str("min_df = 3\nmax_df = 0.5").unwrap();
        assert_eq!(p.min_df, DocFrequency::Count(3));
        assert_eq!(p.max_df, DocFrequency::Fraction(0.5));
    }
}
