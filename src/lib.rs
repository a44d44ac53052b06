//! # redflag
//!
//! Flags posts that solicit money or material support for terrorist or violent-extremist
//! groups (crypto donation appeals above all), and extremist propaganda, **for human
//! review**. redflag ranks and explains; a person decides. It never takes action on content.
//!
//! The pipeline, one module per stage: [`io`] reads records (JSON Lines, CSV, text) →
//! [`text`] analyses them (Unicode normalisation, obfuscation folding, typed signal tokens
//! for crypto addresses, URLs, handles and amounts, tokenisation, stemming, n-grams, every
//! term keeping its byte span in the original text) → [`features`] builds sparse TF-IDF rows
//! over a pruned vocabulary → [`model`] applies a sparse multinomial logistic regression and
//! the per-class review thresholds, and explains each score with the features that pushed
//! it. [`train`] fits all of it from labelled records; [`bundle`] stores the result in one
//! versioned, checksummed model file, and the default model is embedded in the binary.
//!
//! ```no_run
//! use redflag::{Classifier, ScoreScratch};
//!
//! let model = Classifier::default_model()?;
//! let mut scratch = ScoreScratch::default();
//! let p = model.score("Zakat for the brothers at the front. XMR only.", &mut scratch, true);
//! for (class, prob) in model.classes().iter().zip(&p.probabilities) {
//!     println!("{class}: {prob:.3}");
//! }
//! println!("review: {}", p.review);
//! # Ok::<(), redflag::Error>(())
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod bundle;
pub mod card;
mod classifier;
pub mod data;
mod error;
pub mod eval;
pub mod features;
pub mod io;
pub mod model;
pub mod progress;
pub mod result;
pub mod text;
pub mod train;
pub mod tune;

pub use classifier::{
    Classifier, DataFile, ModelMeta, Prediction, ScoreScratch, MAX_REASONS, MAX_SPANS_PER_REASON,
};
pub use error::{Error, ErrorKind, Position, Result};

/// The number of cases a property test runs: `default`, or `PROPTEST_CASES` when set
/// (for long runs: `PROPTEST_CASES=100000 cargo test --release properties`).
#[cfg(test)]
pub(crate) fn test_cases(default: u32) -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}
