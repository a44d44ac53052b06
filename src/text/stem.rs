//! Snowball stemming (via `rust-stemmers`) with a small per-thread cache.
//!
//! ```
//! use redflag::text::stem::{Language, Stemmer};
//!
//! let stemmer = Stemmer::new(Language::English);
//! assert_eq!(stemmer.stem("donations"), "donat");
//! assert_eq!(stemmer.stem("donating"), "donat");
//! assert_eq!(Language::default(), Language::English);
//! ```
//!
//! The analyser never stems signal tokens (`#url`, `#addr_btc_legacy`, ...).
//! Stemming allocates when a word changes, so [`StemCache`] (kept in the
//! analyser's scratch space) remembers recent results; in steady state most
//! words of a corpus are cache hits and cost one hash lookup.

use std::borrow::Cow;
use std::fmt;

use rust_stemmers::Algorithm;
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

/// A stemming language: every algorithm `rust-stemmers` provides.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[allow(missing_docs)]
pub enum Language {
    Arabic,
    Danish,
    Dutch,
    #[default]
    English,
    Finnish,
    French,
    German,
    Greek,
    Hungarian,
    Italian,
    Norwegian,
    Portuguese,
    Romanian,
    Russian,
    Spanish,
    Swedish,
    Tamil,
    Turkish,
}

impl Language {
    /// Every language.
    pub const ALL: [Language; 18] = [
        Language::Arabic,
        Language::Danish,
        Language::Dutch,
        Language::English,
        Language::Finnish,
        Language::French,
        Language::German,
        Language::Greek,
        Language::Hungarian,
        Language::Italian,
        Language::Norwegian,
        Language::Portuguese,
        Language::Romanian,
        Language::Russian,
        Language::Spanish,
        Language::Swedish,
        Language::Tamil,
        Language::Turkish,
    ];

    /// The `rust-stemmers` algorithm for this language.
    pub const fn algorithm(self) -> Algorithm {
        match self {
            Language::Arabic => Algorithm::Arabic,
            Language::Danish => Algorithm::Danish,
            Language::Dutch => Algorithm::Dutch,
            Language::English => Algorithm::English,
            Language::Finnish => Algorithm::Finnish,
            Language::French => Algorithm::French,
            Language::German => Algorithm::German,
            Language::Greek => Algorithm::Greek,
            Language::Hungarian => Algorithm::Hungarian,
            Language::Italian => Algorithm::Italian,
            Language::Norwegian => Algorithm::Norwegian,
            Language::Portuguese => Algorithm::Portuguese,
            Language::Romanian => Algorithm::Romanian,
            Language::Russian => Algorithm::Russian,
            Language::Spanish => Algorithm::Spanish,
            Language::Swedish => Algorithm::Swedish,
            Language::Tamil => Algorithm::Tamil,
            Language::Turkish => Algorithm::Turkish,
        }
    }
}

impl From<Language> for Algorithm {
    fn from(l: Language) -> Algorithm {
        l.algorithm()
    }
}

/// A Snowball stemmer for one [`Language`]: `Send + Sync + Clone + Debug`.
pub struct Stemmer {
    language: Language,
    inner: rust_stemmers::Stemmer,
}

impl Stemmer {
    /// Creates a stemmer for `language`.
    pub fn new(language: Language) -> Self {
        Stemmer {
            language,
            inner: rust_stemmers::Stemmer::create(language.algorithm()),
        }
    }

    /// The language of this stemmer.
    pub fn language(&self) -> Language {
        self.language
    }

    /// Stems one (case-folded) word.
    pub fn stem<'a>(&self, word: &'a str) -> Cow<'a, str> {
        self.inner.stem(word)
    }
}

impl Clone for Stemmer {
    fn clone(&self) -> Self {
        Stemmer::new(self.language)
    }
}

impl fmt::Debug for Stemmer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Stemmer")
            .field("language", &self.language)
            .finish()
    }
}

impl Default for Stemmer {
    fn default() -> Self {
        Stemmer::new(Language::default())
    }
}

/// A bounded memo of `word → stem` for one language.
///
/// When it holds [`StemCache::CAPACITY`] words it is cleared and refilled.
#[derive(Clone, Debug, Default)]
pub struct StemCache {
    language: Option<Language>,
    map: FxHashMap<Box<str>, Option<Box<str>>>,
}

impl StemCache {
    /// Maximum number of remembered words.
    pub const CAPACITY: usize = 65_536;
    /// Words longer than this (bytes) are stemmed without caching.
    const MAX_CACHED_LEN: usize = 32;

    /// Creates an empty cache.
    pub fn new() -> Self {
        Self::default()
    }

    /// Number of remembered words.
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// `true` if nothing is remembered.
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// Stems `word` with `stemmer` and appends the stem to `out`.
    pub fn stem_into(&mut self, stemmer: &Stemmer, word: &str, out: &mut String) {
        if self.language != Some(stemmer.language) {
            self.map.clear();
            self.language = Some(stemmer.language);
        }
        if let Some(hit) = self.map.get(word) {
            out.push_str(hit.as_deref().unwrap_or(word));
            return;
        }
        let stem = stemmer.stem(word);
        out.push_str(&stem);
        if word.len() > Self::MAX_CACHED_LEN {
            return;
        }
        if self.map.len() >= Self::CAPACITY {
            self.map.clear();
        }
        let value = match stem {
            Cow::Borrowed(s) if s == word => None,
            Cow::Borrowed(s) => Some(Box::from(s)),
            Cow::Owned(s) if s == word => None,
            Cow::Owned(s) => Some(s.into_boxed_str()),
        };
        self.map.insert(Box::from(word), value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn english() {
        let s = Stemmer::new(Language::English);
        assert_eq!(s.stem("supporting"), "support");
        assert_eq!(s.stem("brothers"), "brother");
        assert_eq!(s.stem("bitcoin"), "bitcoin");
    }

    #[test]
    fn cache_matches_stemmer_and_switches_language() {
        let en = Stemmer::new(Language::English);
        let de = Stemmer::new(Language::German);
        let mut cache = StemCache::new();
        let mut out = String::new();
        for w in ["donations", "donations", "give", "given", "giving"] {
            out.clear();
            cache.stem_into(&en, w, &mut out);
            assert_eq!(out, en.stem(w));
        }
        assert_eq!(cache.len(), 4);
        out.clear();
        cache.stem_into(&de, "spenden", &mut out);
        assert_eq!(out, de.stem("spenden"));
        assert_eq!(cache.len(), 1);
    }

    #[test]
    fn every_language_survives_odd_input() {
        let words = [
            "",
            "a",
            "ß",
            "ﬁ",
            "\u{301}",
            "i\u{307}",
            "日本",
            "مرحبا",
            "привет",
            "καλημέρα",
            "வணக்கம்",
            "ñandú",
            "x\u{200D}y",
            "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
            "'s",
            "a'b'c",
            "ıiİ",
            "😀😀",
            "1234",
            "σσσς",
        ];
        for lang in Language::ALL {
            let s = Stemmer::new(lang);
            for w in words {
                let _ = s.stem(w);
            }
        }
    }

    #[test]
    fn serde_and_traits() {
        assert_eq!(
            serde_json::to_string(&Language::Portuguese).unwrap(),
            r#""portuguese""#
        );
        for l in Language::ALL {
            let j = serde_json::to_string(&l).unwrap();
            assert_eq!(serde_json::from_str::<Language>(&j).unwrap(), l);
        }
        fn assert_traits<T: Send + Sync + Clone + std::fmt::Debug>() {}
        assert_traits::<Stemmer>();
        let s = Stemmer::new(Language::French).clone();
        assert_eq!(s.language(), Language::French);
        assert!(format!("{s:?}").contains("French"));
    }
}
