//! Labelled corpora: the canonical JSON Lines format, a [`Recipe`] that assembles training
//! data from project files and public corpora, deterministic grouped splits, and
//! [`check`]s for schema errors, duplicates and leakage across splits.
//!
//! The canonical record is [`LabeledRecord`](crate::io::LabeledRecord): `id`, `text`,
//! `label`, `source`, optional `slice` and `group`.
//!
//! ```
//! use redflag::data::{dedupe_key, split_of, Split, SplitFractions};
//!
//! // Near-duplicates (case, punctuation, links, handles, digits) share a key.
//! assert_eq!(dedupe_key("RT @a: Send zakat NOW! https://t.co/x"), dedupe_key("send zakat now"));
//! // Splits depend only on the group key and the seed.
//! let f = SplitFractions { validation: 0.1, test: 0.1 };
//! assert_eq!(split_of("acct:42", 7, &f), split_of("acct:42", 7, &f));
//! # let _ = Split::Train;
//! ```

mod build;
mod check;
mod recipe;

pub use build::{build, write_build, BuildOptions, BuildReport, SourceReport};
pub use check::{check, CheckReport, Finding};
pub use recipe::{Filters, LabelRule, Recipe, SourceSpec, SplitFractions};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The three splits.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Split {
    /// Fitting.
    Train,
    /// Thresholds, calibration, model selection.
    Validation,
    /// Final figures only.
    Test,
}

impl Split {
    /// All splits in file order.
    pub const ALL: [Split; 3] = [Split::Train, Split::Validation, Split::Test];

    /// The split's file stem.
    pub fn name(self) -> &'static str {
        match self {
            Split::Train => "train",
            Split::Validation => "validation",
            Split::Test => "test",
        }
    }
}

/// The split of a group: a stable hash of `(seed, group)` mapped to `[0, 1)`.
/// Every record of a group lands in the same split, on every machine and version.
pub fn split_of(group: &str, seed: u64, fractions: &SplitFractions) -> Split {
    let mut h = Sha256::new();
    h.update(seed.to_le_bytes());
    h.update(group.as_bytes());
    let d = h.finalize();
    let x = u64::from_le_bytes(d[..8].try_into().expect("8 bytes")) as f64 / u64::MAX as f64;
    if x < fractions.test {
        Split::Test
    } else if x < fractions.test + fractions.validation {
        Split::Validation
    } else {
        Split::Train
    }
}

/// A language code as redflag records it; see [`crate::text::lang::normalize_code`].
///
/// ```
/// use redflag::data::language_code;
/// assert_eq!(language_code("arb_Arab"), "ar");
/// assert_eq!(language_code("prs_Arab"), "prs");
/// ```
pub fn language_code(raw: &str) -> String {
    crate::text::lang::normalize_code(raw)
}

/// A key under which near-duplicate texts collide: lower-cased, with a leading `RT @x:`,
/// links, @handles and digits removed and every run of non-alphanumeric characters
/// collapsed to one space. Copies that differ only in those respects are duplicates.
pub fn dedupe_key(text: &str) -> String {
    let mut t = text.trim_start();
    if let Some(rest) = t.strip_prefix("RT ").or_else(|| t.strip_prefix("rt ")) {
        t = rest.trim_start();
        if t.starts_with('@') {
            t = t.split_once(':').map_or("", |(_, r)| r);
        }
    }
    let mut out = String::with_capacity(t.len());
    let mut space = false;
    for word in t.split_whitespace() {
        let lw = word.to_lowercase();
        if lw.starts_with("http://")
            || lw.starts_with("https://")
            || lw.starts_with("www.")
            || lw.starts_with('@')
        {
            continue;
        }
        for c in lw.chars() {
            if c.is_alphabetic() {
                if space && !out.is_empty() {
                    out.push(' ');
                }
                space = false;
                out.push(c);
            } else if !c.is_numeric() {
                space = true;
            }
        }
        space = true;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dedupe_key_ignores_noise_but_not_words() {
        assert_eq!(dedupe_key("Hello,   WORLD!!"), "hello world");
        assert_eq!(
            dedupe_key("RT @someone: big news https://t.co/abc #ISIS"),
            "big news isis"
        );
        assert_eq!(dedupe_key("room 101"), dedupe_key("room 102"));
        assert_ne!(dedupe_key("send money"), dedupe_key("send monkey"));
        assert_eq!(dedupe_key(""), "");
    }

    #[test]
    fn split_fractions_are_respected_roughly_and_stable() {
        let f = SplitFractions {
            validation: 0.1,
            test: 0.2,
        };
        let mut counts = [0usize; 3];
        for i in 0..10_000 {
            let s = split_of(&format!("g{i}"), 1, &f);
            counts[s as usize] += 1;
        }
        assert!((6600..7400).contains(&counts[0]), "{counts:?}");
        assert!((800..1200).contains(&counts[1]), "{counts:?}");
        assert!((1800..2200).contains(&counts[2]), "{counts:?}");
        // Pinned: a split never changes for the same group and seed.
        assert_eq!(split_of("g0", 1, &f), split_of("g0", 1, &f));
        let other_seed = (0..100)
            .filter(|i| split_of(&format!("g{i}"), 1, &f) != split_of(&format!("g{i}"), 2, &f))
            .count();
        assert!(other_seed > 10, "the seed changes the assignment");
    }
}
