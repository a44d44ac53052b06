//! Features: a pruned [`Vocabulary`] of analyser terms and [`TfIdf`] weighting, producing
//! sparse [`CsrMatrix`] rows. Nothing here is ever dense: a 250k-term vocabulary over 100k
//! documents costs memory in proportion to the non-zeros only.
//!
//! [`Vectorizer`] ties an [`Analyzer`](crate::text::Analyzer), a vocabulary and TF-IDF weights
//! together: text in, one L2-normalised sparse row out.
//!
//! ```
//! use redflag::features::{FeatureParams, Vectorizer};
//! use redflag::text::{Analyzer, AnalyzerConfig};
//!
//! let analyzer = Analyzer::new(AnalyzerConfig::default()).unwrap();
//! let docs = ["send zakat to the brothers", "the brothers play football", "zakat for the mosque"];
//! let params = FeatureParams { min_df: 1.into(), ..FeatureParams::default() };
//! let v = Vectorizer::fit(analyzer, &params, &docs).unwrap();
//! let x = v.transform_many(&docs);
//! assert_eq!(x.n_rows(), 3);
//! let norm: f32 = x.row(0).data.iter().map(|v| v * v).sum();
//! assert!((norm - 1.0).abs() < 1e-5);
//! ```

mod csr;
mod tfidf;
mod vectorizer;
mod vocabulary;

pub use csr::{CsrError, CsrMatrix, SparseRow};
pub use tfidf::{Norm, TfIdf, TfIdfParams};
pub use vectorizer::{FeatureParams, Occurrence, Vectorizer, VectorizerScratch};
pub use vocabulary::{
    term_hash, DocFrequencies, DocFrequency, Selection, TermList, Vocabulary, VocabularyParams,
    MAX_TERMS, MAX_TERM_BYTES,
};

/// Why features could not be built.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum FeatureError {
    /// A parameter is out of range; the message names it.
    #[error("invalid feature parameter: {0}")]
    InvalidParam(String),
    /// Pruning left no term at all.
    #[error("the vocabulary is empty after pruning ({documents} documents, {candidates} distinct terms before pruning); lower min_df or raise max_df")]
    EmptyVocabulary {
        /// Documents counted.
        documents: usize,
        /// Distinct terms before pruning.
        candidates: usize,
    },
    /// A stored vocabulary holds the same term twice.
    #[error("the vocabulary holds the term {0:?} twice")]
    DuplicateTerm(String),
    /// Stored parts disagree in size (e.g. idf length vs vocabulary size).
    #[error("inconsistent features: {0}")]
    Inconsistent(String),
}

/// True when every value is finite: a branch-free pass the compiler vectorises.
pub(crate) fn all_finite(values: &[f32]) -> bool {
    values
        .chunks(256)
        .all(|c| c.iter().fold(true, |ok, v| ok & v.is_finite()))
}
