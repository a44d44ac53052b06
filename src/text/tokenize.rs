//! Word segmentation and n-gram generation.
//!
//! * Words are the Unicode (UAX #29) word segments of the normalised text
//!   that contain a letter or digit ([`for_each_word`]): punctuation-only and
//!   whitespace segments are dropped, `don't`, `e.g` and `3.14` stay whole.
//! * Word n-grams ([`for_each_word_ngram`]) join consecutive tokens with one
//!   space. The analyser feeds signal tokens (`#addr_xmr`) in as ordinary
//!   tokens, so `send #addr_xmr` is a bigram, while side terms (`#addr`,
//!   `#domain:…`) never take part.
//! * Character n-grams ([`for_each_char_ngram`]) are made inside one word,
//!   padded with a space on each side (like scikit-learn's `char_wb`), and
//!   counted in characters, not bytes.
//!
//! ```
//! use redflag::text::tokenize::{for_each_char_ngram, for_each_word, for_each_word_ngram, NgramRange};
//!
//! let mut words = Vec::new();
//! for_each_word("send btc, don't wait!", |start, w| words.push((start, w)));
//! assert_eq!(words, [(0, "send"), (5, "btc"), (10, "don't"), (16, "wait")]);
//!
//! let tokens = ["send", "#addr_xmr", "now"];
//! let mut grams = Vec::new();
//! let mut buf = String::new();
//! for_each_word_ngram(tokens.len(), |i| tokens[i], NgramRange::new(2, 2), &mut buf, |g, first, last| {
//!     grams.push((g.to_string(), first, last))
//! });
//! assert_eq!(grams, [("send #addr_xmr".to_string(), 0, 1), ("#addr_xmr now".to_string(), 1, 2)]);
//!
//! let mut grams = Vec::new();
//! let mut offsets = Vec::new();
//! for_each_char_ngram("go", NgramRange::new(3, 4), &mut buf, &mut offsets, |g, _| grams.push(g.to_string()));
//! assert_eq!(grams, [" go", " go ", "go "]);
//! ```

use serde::{Deserialize, Serialize};
use unicode_segmentation::UnicodeSegmentation;

/// An inclusive range of n-gram sizes, `min..=max`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NgramRange {
    /// Smallest n (at least 1).
    pub min: u8,
    /// Largest n (at least `min`, at most [`NgramRange::MAX`]).
    pub max: u8,
}

impl NgramRange {
    /// Largest allowed n.
    pub const MAX: u8 = 8;

    /// Creates `min..=max` (not validated; see [`NgramRange::is_valid`]).
    pub const fn new(min: u8, max: u8) -> Self {
        NgramRange { min, max }
    }

    /// `1 <= min <= max <= 8`.
    pub const fn is_valid(&self) -> bool {
        self.min >= 1 && self.min <= self.max && self.max <= Self::MAX
    }

    /// Does the range contain `n`?
    pub const fn contains(&self, n: usize) -> bool {
        n >= self.min as usize && n <= self.max as usize
    }
}

impl Default for NgramRange {
    /// Unigrams and bigrams.
    fn default() -> Self {
        NgramRange { min: 1, max: 2 }
    }
}

/// Calls `f(byte_offset, word)` for every UAX #29 word of `text` that
/// contains a letter or digit (the same words as `unicode-segmentation`'s
/// `unicode_word_indices`, with a faster path for ASCII text).
#[inline]
pub fn for_each_word<'a>(text: &'a str, mut f: impl FnMut(usize, &'a str)) {
    if text.is_ascii() {
        ascii_words(text, f);
    } else {
        for (i, w) in text.unicode_word_indices() {
            f(i, w);
        }
    }
}

// ASCII byte classes for UAX #29 word segmentation.
const WORD: u8 = 1; // letters, digits, `_`
const LETTER: u8 = 2;
const DIGIT: u8 = 4;
const MID_LETTER: u8 = 8; // joins two letters: `'` `.` `:`
const MID_NUM: u8 = 16; // joins two digits: `'` `.` `,` `;`

static ASCII_CLASS: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut i = 0;
    while i < 128 {
        let c = i as u8;
        let mut f = 0;
        if c.is_ascii_alphabetic() {
            f |= WORD | LETTER;
        }
        if c.is_ascii_digit() {
            f |= WORD | DIGIT;
        }
        if c == b'_' {
            f |= WORD;
        }
        if matches!(c, b'\'' | b'.' | b':') {
            f |= MID_LETTER;
        }
        if matches!(c, b'\'' | b'.' | b',' | b';') {
            f |= MID_NUM;
        }
        t[i] = f;
        i += 1;
    }
    t
};

/// UAX #29 word segmentation restricted to ASCII, where the rules reduce to:
/// letters, digits and `_` (ExtendNumLet) stick together; `'`, `.` and `:`
/// join two letters (WB6/7); `'`, `.`, `,` and `;` join two digits
/// (WB11/12). Segments without a letter or digit are dropped.
fn ascii_words<'a>(text: &'a str, mut f: impl FnMut(usize, &'a str)) {
    let b = text.as_bytes();
    let class = |i: usize| ASCII_CLASS[b[i] as usize];
    let n = b.len();
    let mut i = 0;
    while i < n {
        if class(i) & WORD == 0 {
            i += 1;
            continue;
        }
        let start = i;
        loop {
            while i < n && class(i) & WORD != 0 {
                i += 1;
            }
            if i + 1 < n {
                let (prev, mid, next) = (class(i - 1), class(i), class(i + 1));
                let join = (prev & next & LETTER != 0 && mid & MID_LETTER != 0)
                    || (prev & next & DIGIT != 0 && mid & MID_NUM != 0);
                if join {
                    i += 1;
                    continue;
                }
            }
            break;
        }
        // Only segments of underscores have no letter or digit.
        if b[start] != b'_' || b[start..i].iter().any(|&c| c != b'_') {
            f(start, &text[start..i]);
        }
    }
}

/// Calls `f(ngram, first, last)` for every n-gram of `n_tokens` tokens with
/// `range.min <= n <= range.max`, ordered by first token, then by n; `first`
/// and `last` are token indices (inclusive). `token(i)` gives token `i`;
/// `buf` is scratch space. Invalid ranges produce nothing.
pub fn for_each_word_ngram<'t>(
    n_tokens: usize,
    token: impl Fn(usize) -> &'t str,
    range: NgramRange,
    buf: &mut String,
    mut f: impl FnMut(&str, usize, usize),
) {
    for first in 0..n_tokens {
        for_each_word_ngram_from(first, n_tokens, &token, range, buf, &mut f);
    }
}

/// Like [`for_each_word_ngram`], but only the n-grams whose first token is
/// `first`, by increasing n.
pub fn for_each_word_ngram_from<'t>(
    first: usize,
    n_tokens: usize,
    token: impl Fn(usize) -> &'t str,
    range: NgramRange,
    buf: &mut String,
    mut f: impl FnMut(&str, usize, usize),
) {
    if !range.is_valid() {
        return;
    }
    let (min, max) = (range.min as usize, range.max as usize);
    buf.clear();
    for n in 1..=max {
        let last = first + n - 1;
        if last >= n_tokens {
            break;
        }
        if n > 1 {
            buf.push(' ');
        }
        buf.push_str(token(last));
        if n >= min {
            f(buf, first, last);
        }
    }
}

/// Calls `f(ngram, chars)` for every character n-gram of ` word ` (padded
/// with one space on each side) with `range.min <= n <= range.max`,
/// ordered by start position, then n. `chars` is the range of *word* byte
/// offsets the n-gram covers, excluding padding; n-grams made of padding
/// only are skipped. `buf` and `offsets` are scratch space.
pub fn for_each_char_ngram(
    word: &str,
    range: NgramRange,
    buf: &mut String,
    offsets: &mut Vec<usize>,
    mut f: impl FnMut(&str, std::ops::Range<usize>),
) {
    if !range.is_valid() || word.is_empty() {
        return;
    }
    buf.clear();
    buf.push(' ');
    buf.push_str(word);
    buf.push(' ');
    let (min, max) = (range.min as usize, range.max as usize);
    let word_end = word.len();
    if word.is_ascii() {
        // Characters are bytes: no offset table needed.
        let n_chars = buf.len();
        for s in 0..n_chars {
            for n in min..=max {
                let e = s + n;
                if e > n_chars {
                    break;
                }
                if n == 1 && (s == 0 || s == n_chars - 1) {
                    continue; // padding only
                }
                let ws = s.saturating_sub(1).min(word_end);
                let we = (e - 1).min(word_end).max(ws);
                f(&buf[s..e], ws..we);
            }
        }
        return;
    }
    offsets.clear();
    offsets.extend(buf.char_indices().map(|(i, _)| i));
    offsets.push(buf.len());
    let n_chars = offsets.len() - 1;
    for s in 0..n_chars {
        for n in min..=max {
            let e = s + n;
            if e > n_chars {
                break;
            }
            if n == 1 && (s == 0 || s == n_chars - 1) {
                continue; // padding only
            }
            let (bs, be) = (offsets[s], offsets[e]);
            // Word byte range: padded offset minus one, clamped to the word.
            let ws = bs.saturating_sub(1).min(word_end);
            let we = (be - 1).min(word_end).max(ws);
            f(&buf[bs..be], ws..we);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(s: &str) -> Vec<&str> {
        let mut v = Vec::new();
        for_each_word(s, |_, w| v.push(w));
        v
    }

    #[test]
    fn words_drop_punctuation_and_space() {
        assert_eq!(words("Hello, world!!  \n\t ok"), ["Hello", "world", "ok"]);
        assert_eq!(words("e.g. 3.14 don't"), ["e.g", "3.14", "don't"]);
        assert_eq!(
            words("日本語のテキスト"),
            ["日", "本", "語", "の", "テキスト"]
        );
        assert_eq!(words("مرحبا بالعالم"), ["مرحبا", "بالعالم"]);
        assert!(words("!!! ... ---   ").is_empty());
        assert!(words("😀 🙏").is_empty());
    }

    #[test]
    fn ascii_fast_path_matches_unicode_segmentation() {
        let alphabet = b"aZ09_ .',:;-\n\t!@#$%/\\\"()";
        let mut state = 0x9E37_79B9_7F4A_7C15u64;
        let mut s = String::new();
        for round in 0..20_000 {
            s.clear();
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let len = (state % 24) as usize;
            for _ in 0..len {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                s.push(alphabet[(state % alphabet.len() as u64) as usize] as char);
            }
            let mut mine = Vec::new();
            ascii_words(&s, |i, w| mine.push((i, w)));
            let theirs: Vec<(usize, &str)> = s.unicode_word_indices().collect();
            assert_eq!(mine, theirs, "round {round}: {s:?}");
        }
        for s in [
            "don't", "e.g.", "3.14", "1,000", "a:b", "a_b", "__", "_a_", "a'1", "1'a", "a..b",
            "x.y.z", "a:", "'a'",
        ] {
            let mut mine = Vec::new();
            ascii_words(s, |i, w| mine.push((i, w)));
            let theirs: Vec<(usize, &str)> = s.unicode_word_indices().collect();
            assert_eq!(mine, theirs, "{s:?}");
        }
    }

    #[test]
    fn word_ngrams() {
        let toks = ["a", "b", "c"];
        let mut got = Vec::new();
        let mut buf = String::new();
        for_each_word_ngram(
            3,
            |i| toks[i],
            NgramRange::default(),
            &mut buf,
            |g, s, e| got.push((g.to_string(), s, e)),
        );
        let want: Vec<(String, usize, usize)> = vec![
            ("a".into(), 0, 0),
            ("a b".into(), 0, 1),
            ("b".into(), 1, 1),
            ("b c".into(), 1, 2),
            ("c".into(), 2, 2),
        ];
        assert_eq!(got, want);

        let mut n = 0;
        for_each_word_ngram(
            3,
            |i| toks[i],
            NgramRange::new(3, 8),
            &mut buf,
            |g, _, _| {
                assert_eq!(g, "a b c");
                n += 1;
            },
        );
        assert_eq!(n, 1);
        for_each_word_ngram(
            3,
            |i| toks[i],
            NgramRange::new(0, 2),
            &mut buf,
            |_, _, _| panic!("invalid range yields nothing"),
        );
    }

    #[test]
    fn char_ngrams() {
        let mut buf = String::new();
        let mut off = Vec::new();
        let mut got = Vec::new();
        for_each_char_ngram("abc", NgramRange::new(3, 3), &mut buf, &mut off, |g, r| {
            got.push((g.to_string(), r))
        });
        assert_eq!(
            got,
            vec![
                (" ab".to_string(), 0..2),
                ("abc".to_string(), 0..3),
                ("bc ".to_string(), 1..3)
            ]
        );
        // Multi-byte characters are counted as characters.
        got.clear();
        for_each_char_ngram(
            "日本",
            NgramRange::new(1, 2),
            &mut buf,
            &mut off,
            |g, r| got.push((g.to_string(), r)),
        );
        assert_eq!(
            got,
            vec![
                (" 日".to_string(), 0..3),
                ("日".to_string(), 0..3),
                ("日本".to_string(), 0..6),
                ("本".to_string(), 3..6),
                ("本 ".to_string(), 3..6),
            ]
        );
        // Long n on short word: only what fits.
        let mut n = 0;
        for_each_char_ngram("a", NgramRange::new(3, 5), &mut buf, &mut off, |g, r| {
            assert_eq!((g, r), (" a ", 0..1));
            n += 1;
        });
        assert_eq!(n, 1);
    }

    #[test]
    fn range_serde() {
        let r: NgramRange = serde_json::from_str("{}").unwrap();
        assert_eq!(r, NgramRange::default());
        let r: NgramRange = serde_json::from_str(r#"{"max":3}"#).unwrap();
        assert_eq!(r, NgramRange::new(1, 3));
        assert!(serde_json::from_str::<NgramRange>(r#"{"n":3}"#).is_err());
        assert!(NgramRange::new(1, 8).is_valid());
        assert!(!NgramRange::new(1, 9).is_valid());
        assert!(!NgramRange::new(3, 2).is_valid());
        assert!(NgramRange::new(2, 3).contains(3));
    }
}
