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
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::hash::BuildHasherDefault;

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

/// Longest word (in bytes) the cache remembers.
const CACHED_LEN: usize = 32;

/// A bounded memo of `word → stem` for one language.
///
/// Words of up to 32 bytes are remembered in 16-byte hash-table entries, so
/// lookups stay cache-friendly: words and stems of up to 7 bytes (most of
/// them) are packed into the entry itself; longer ones are keyed by a 64-bit
/// hash and stored in one shared string, and a hit is confirmed by comparing
/// the stored word, so results are always exact. Nothing is allocated per
/// word. When the cache holds [`StemCache::CAPACITY`] words it is cleared
/// and refilled.
#[derive(Clone, Debug, Default)]
pub struct StemCache {
    language: Option<Language>,
    /// Words and stems of up to 7 bytes, packed into the key and value.
    short: HashMap<u64, u64, BuildHasherDefault<Mix>>,
    /// Longer words: word hash → packed (offset, word length, stem length) in `text`.
    long: HashMap<u64, u64, BuildHasherDefault<Mix>>,
    /// Words and stems of `long`, back to back.
    text: String,
}

/// Hash-map hasher for `u64` keys: one multiply-xorshift mix.
#[derive(Clone, Copy, Debug, Default)]
struct Mix(u64);

impl std::hash::Hasher for Mix {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        self.0 = word_hash(bytes);
    }
    fn write_u64(&mut self, n: u64) {
        let h = n.wrapping_mul(0x9E37_79B9_7F4A_7C15);
        self.0 = h ^ (h >> 32);
    }
}

/// Packs a string of at most 7 bytes and its length into a `u64`.
#[inline]
fn pack_short(s: &str) -> Option<u64> {
    let b = s.as_bytes();
    if b.len() > 7 {
        return None;
    }
    let mut x = [0u8; 8];
    x[..b.len()].copy_from_slice(b);
    x[7] = b.len() as u8;
    Some(u64::from_le_bytes(x))
}

/// Appends a string packed by [`pack_short`] to `out`.
#[inline]
fn push_short(p: u64, out: &mut String) -> bool {
    let x = p.to_le_bytes();
    let len = usize::from(x[7]).min(7);
    match std::str::from_utf8(&x[..len]) {
        Ok(s) => {
            out.push_str(s);
            true
        }
        Err(_) => false,
    }
}

/// 64-bit hash of a short word (FxHash-style over 8-byte chunks, then mixed).
#[inline]
fn word_hash(w: &[u8]) -> u64 {
    const K: u64 = 0x51_7C_C1_B7_27_22_0A_95;
    let mut h = w.len() as u64;
    let mut chunks = w.chunks_exact(8);
    for c in &mut chunks {
        let mut x = [0u8; 8];
        x.copy_from_slice(c);
        h = (h.rotate_left(5) ^ u64::from_le_bytes(x)).wrapping_mul(K);
    }
    let rest = chunks.remainder();
    if !rest.is_empty() {
        let mut x = [0u8; 8];
        x[..rest.len()].copy_from_slice(rest);
        h = (h.rotate_left(5) ^ u64::from_le_bytes(x)).wrapping_mul(K);
    }
    // Final avalanche (from splitmix64) so all bits are usable by the table.
    h ^= h >> 31;
    h = h.wrapping_mul(0x94D0_49BB_1331_11EB);
    h ^ (h >> 29)
}

impl StemCache {
    /// Maximum number of remembered words.
    pub const CAPACITY: usize = 1 << 16;

    /// Creates an empty cache.
    pub fn new() -> Self {
        Self::default()
    }

    /// Number of remembered words.
    pub fn len(&self) -> usize {
        self.short.len() + self.long.len()
    }

    /// `true` if nothing is remembered.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Stems `word` with `stemmer` and appends the stem to `out`.
    ///
    /// For English, words the stemmer provably leaves alone skip both the
    /// stemmer and the cache: words of fewer than three characters and ASCII
    /// words without letters or apostrophes (numbers).
    pub fn stem_into(&mut self, stemmer: &Stemmer, word: &str, out: &mut String) {
        if stemmer.language == Language::English
            && (word.len() < 3
                || !word
                    .bytes()
                    .any(|b| b.is_ascii_alphabetic() || b == b'\'' || b >= 0x80))
        {
            out.push_str(word);
            return;
        }
        if self.language != Some(stemmer.language) {
            self.clear();
            self.language = Some(stemmer.language);
        }
        if let Some(key) = pack_short(word) {
            if let Some(&v) = self.short.get(&key) {
                if push_short(v, out) {
                    return;
                }
            }
            let stem = stemmer.stem(word);
            out.push_str(&stem);
            // (A stem longer than 7 bytes for a short word is rare: not cached.)
            if let Some(v) = pack_short(&stem) {
                self.make_room();
                self.short.insert(key, v);
            }
            return;
        }
        if word.len() > CACHED_LEN {
            out.push_str(&stemmer.stem(word));
            return;
        }
        let key = word_hash(word.as_bytes());
        if let Some(&packed) = self.long.get(&key) {
            let (off, wl, sl) = unpack(packed);
            if self.text.get(off..off + wl) == Some(word) {
                if let Some(stem) = self.text.get(off + wl..off + wl + sl) {
                    out.push_str(stem);
                    return;
                }
            }
        }
        let stem = stemmer.stem(word);
        out.push_str(&stem);
        self.remember_long(word, &stem);
    }

    fn remember_long(&mut self, word: &str, stem: &str) {
        if word.len() > CACHED_LEN || stem.len() > u8::MAX as usize {
            return;
        }
        self.make_room();
        if self.text.len() + word.len() + stem.len() > Self::CAPACITY * 64 {
            self.clear();
        }
        let off = self.text.len();
        self.text.push_str(word);
        self.text.push_str(stem);
        self.long.insert(
            word_hash(word.as_bytes()),
            pack(off, word.len(), stem.len()),
        );
    }

    fn make_room(&mut self) {
        if self.len() >= Self::CAPACITY {
            self.clear();
        }
    }

    fn clear(&mut self) {
        self.short.clear();
        self.long.clear();
        self.text.clear();
    }
}

#[inline]
fn pack(off: usize, wl: usize, sl: usize) -> u64 {
    ((off as u64) << 16) | ((wl as u64) << 8) | sl as u64
}

#[inline]
fn unpack(p: u64) -> (usize, usize, usize) {
    (
        (p >> 16) as usize,
        ((p >> 8) & 0xFF) as usize,
        (p & 0xFF) as usize,
    )
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
        for w in [
            "donations",
            "donations",
            "givings",
            "given",
            "giving",
            "is",
            "a",
            "averyveryverylongwordthatisnotcachedatall",
        ] {
            out.clear();
            cache.stem_into(&en, w, &mut out);
            assert_eq!(out, en.stem(w));
        }
        assert_eq!(cache.len(), 4);
        assert!(!cache.is_empty());
        out.clear();
        cache.stem_into(&de, "spenden", &mut out);
        assert_eq!(out, de.stem("spenden"));
        assert_eq!(cache.len(), 1);
    }

    #[test]
    fn english_leaves_short_words_alone() {
        // stem_into skips words under three bytes for English; check that
        // the stemmer agrees on every one- and two-letter ASCII word.
        let en = Stemmer::new(Language::English);
        let letters: Vec<char> = ('a'..='z').chain('0'..='9').chain(['\'', '_']).collect();
        for &a in &letters {
            assert_eq!(en.stem(&a.to_string()), a.to_string());
            for &b in &letters {
                let w: String = [a, b].iter().collect();
                assert_eq!(en.stem(&w), w);
            }
        }
        for w in ["é", "ß", "ñ", "я"] {
            assert_eq!(en.stem(w), w);
        }
    }

    #[test]
    fn english_numbers_are_unchanged() {
        // stem_into skips ASCII words without letters or apostrophes.
        let en = Stemmer::new(Language::English);
        for w in [
            "0",
            "12",
            "2015",
            "1,000",
            "3.14",
            "1_000",
            "12.34.56",
            "1:2",
            "999999999999",
        ] {
            assert_eq!(en.stem(w), w);
        }
        // ... but not these, which it does change.
        assert_eq!(en.stem("12's"), "12");
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
