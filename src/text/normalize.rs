//! Text normalisation that keeps an offset map back to the original text.
//!
//! Normalisation runs in two stages so that the signal detector
//! ([`crate::text::signals`]) can look at text that is clean but not yet
//! folded (case and leet folding would damage crypto addresses):
//!
//! 1. [`prenormalize`]: Unicode NFKC (full-width `ｄｏｎａｔｅ` → `donate`,
//!    `𝐝𝐨𝐧𝐚𝐭𝐞` → `donate`, NBSP → space) and removal of invisible characters
//!    (zero-width space/joiners, soft hyphen, bidi controls, variation
//!    selectors, tag characters, Hangul fillers) and control characters.
//!    `\t`, `\n`, `\r`, VT, FF and NEL are kept: they are whitespace.
//! 2. Folding (done by the analyser on the text between signals, or by
//!    [`normalize`] on a whole text): full Unicode case folding, confusable
//!    (Cyrillic/Greek look-alike) folding, re-joining of spaced-out letters and
//!    leetspeak folding, in that order.
//!
//! Every output byte remembers the byte range of the original text it came
//! from ([`MappedText::original_span`]), so later stages can report spans in
//! the caller's text even after characters were removed, expanded or joined.
//!
//! ```
//! use redflag::text::normalize::{normalize, NormalizeConfig};
//!
//! let text = "Pl\u{200B}ease D0NATE in ｂ1tc0in: d o n a t e";
//! let out = normalize(text, &NormalizeConfig::default());
//! assert_eq!(out.as_str(), "please donate in bitcoin: donate");
//!
//! // "donate" at the end came from the spaced-out run in the original.
//! let at = out.as_str().rfind("donate").unwrap();
//! let span = out.original_span(at, at + "donate".len());
//! assert_eq!(&text[span.start..span.end], "d o n a t e");
//! ```
//!
//! # Rules in detail
//!
//! * **NFKC** is applied to each character together with the combining marks
//!   that follow it (at most 32), so every output character maps back to
//!   the exact cluster it came from. Compositions across two starters
//!   (conjoining Hangul jamo) are therefore not performed; precomposed text,
//!   the normal case, is unaffected.
//! * **Case folding** is the Unicode *default* (non-Turkic) full case folding
//!   from `caseless`: `STRASSE`, `Straße` and `STRAẞE` all become `strasse`,
//!   `ΣΊΣΥΦΟΣ` becomes `σίσυφοσ`. Turkish dotted capital `İ` (U+0130) folds to
//!   plain `i` (the U+0307 combining dot the default folding would add is
//!   dropped), so `İstanbul` and `istanbul` match. Dotless `ı` (U+0131) has no
//!   case folding; it is treated as a confusable of `i` (see below).
//! * **Confusables**: Cyrillic and Greek letters that look like Latin ones
//!   (`а е о р с у х і ј ѕ ԁ ԛ ԝ к м н т в …`, `ο α ε ι κ ν ρ τ υ χ …`, both
//!   cases) plus a few Latin look-alikes (`ı ɑ ɡ`) are mapped to Latin, but
//!   only inside a *word* (run of letters, digits and combining marks) that
//!   also contains Latin letters, or that consists only of look-alikes **and**
//!   the text contains no "real" letter of that script (a Cyrillic/Greek
//!   letter without a Latin look-alike, like `д`, `я`, `λ`). So `bіtcоin` with
//!   Cyrillic `і`/`о` and an all-Cyrillic `рау` in English text are folded,
//!   while ordinary Russian or Greek text is left alone.
//! * **Spaced letters**: a run of at least three single letters separated by
//!   the *same* single separator (space, `.`, `-` or `_`), such as
//!   `d o n a t e`, `d.o.n.a.t.e`, `D-O-N-A-T-E`, is joined into one word. The
//!   run must not touch other letters or digits on either side. With leet
//!   folding on, single leet digits may take part (`d 0 n a t e`), but at
//!   least three elements and a strict majority must be letters.
//! * **Leetspeak** is folded inside *leet words*: maximal runs of letters,
//!   digits, combining marks and the symbols `@ $ € ! |`. Leading `! | @` and
//!   trailing `! | @ $ €` are punctuation, not leet. A leet word is folded
//!   only when it has at least two letters and strictly more letters than
//!   other characters. Then:
//!   - every *interior* run of non-letters (letters on both sides) must be
//!     one mappable character (`0→o 1→i 3→e 4→a 5→s 7→t 8→b 9→g @→a $→s
//!     €→e !→i |→l`) or two mappable digits (`sh00t`), otherwise the word is
//!     left untouched (`abc123def`, `b2b`, `he||o`);
//!   - a single mappable character at the start or end of the word is folded
//!     only if the word also had an interior leet run (`m0ner0` → `monero`,
//!     `h4ck3r` → `hacker`), except a leading `$`/`€` before a letter, which
//!     is always folded (`$end` → `send`).
//!
//!   - a two- or three-character word with one digit is folded only when the
//!     result is a short function word (`t0` → `to`, `1n` → `in`, `4nd` →
//!     `and`, `th3` → `the`); `f1`, `c4`, `b2`, `mp3`, `4th` stay as they are.
//!
//!   Consequently pure numbers and amounts (`2015`, `50`), words with only a
//!   trailing or leading number (`covid19`, `mp3`, `1st`, `4chan`, `gr8`) and
//!   ID-like strings with as many digits as letters are never changed. Things
//!   the signal stage recognised (`$50`, addresses, URLs, e-mails) never reach
//!   this stage.

use std::iter;

use caseless::Caseless;
use serde::{Deserialize, Serialize};
use unicode_normalization::char::{canonical_combining_class, decompose_canonical};
use unicode_normalization::{is_nfkc_quick, IsNormalized, UnicodeNormalization};

use crate::text::char_class;
use crate::text::scan::Profile;
use crate::text::Span;

/// Which normalisation steps to run. Every step defaults to on.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NormalizeConfig {
    /// Unicode NFKC normalisation (full-width and styled letters, ligatures).
    pub nfkc: bool,
    /// Full Unicode case folding (`Straße` → `strasse`).
    pub case_fold: bool,
    /// Remove zero-width, bidi, soft-hyphen and control characters.
    pub strip_invisible: bool,
    /// Fold Cyrillic/Greek look-alikes of Latin letters inside Latin words
    /// (and in all-look-alike words of texts without real Cyrillic/Greek).
    pub fold_confusables: bool,
    /// Fold leetspeak inside words (`d0nate` → `donate`).
    pub fold_leet: bool,
    /// Join spaced-out letters (`d o n a t e` → `donate`).
    pub join_spaced_letters: bool,
    /// Fold spelling variants within a script ([`script_fold`]): Arabic alef, yeh, kaf,
    /// heh and taa marbuta variants, tatweel, diacritics and Arabic-Indic digits (also for
    /// Persian and Urdu), Cyrillic `ё` → `е`.
    pub fold_scripts: bool,
}

impl Default for NormalizeConfig {
    fn default() -> Self {
        NormalizeConfig {
            nfkc: true,
            case_fold: true,
            strip_invisible: true,
            fold_confusables: true,
            fold_leet: true,
            join_spaced_letters: true,
            fold_scripts: true,
        }
    }
}

/// A normalised text plus, for each of its bytes, the span of the original
/// text that byte came from.
///
/// The map is monotone (later bytes never map before earlier ones); several
/// bytes may share one original span (a character that expanded, like
/// `ß` → `ss`, or a cluster NFKC rewrote). Internally the text is a list of
/// pieces: *linear* pieces (byte `i` of the piece came from original byte
/// `orig_start + i`, the common case of plain ASCII) need no per-byte
/// storage; *mapped* pieces store one span per byte.
#[derive(Clone, Debug, Default)]
pub struct MappedText {
    text: String,
    map: Vec<Span>,
    pieces: Vec<Piece>,
}

#[derive(Clone, Copy, Debug)]
struct Piece {
    /// First normalised byte of the piece.
    norm_start: usize,
    kind: PieceKind,
}

#[derive(Clone, Copy, Debug)]
enum PieceKind {
    /// Byte `norm_start + i` came from original byte `orig_start + i`.
    Linear { orig_start: usize },
    /// Byte `norm_start + i` came from `map[map_start + i]`.
    Mapped { map_start: usize },
}

impl MappedText {
    /// Creates an empty mapped text.
    pub fn new() -> Self {
        Self::default()
    }

    /// The normalised text.
    #[inline]
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Length of the normalised text in bytes.
    #[inline]
    pub fn len(&self) -> usize {
        self.text.len()
    }

    /// `true` when the normalised text is empty.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.text.is_empty()
    }

    /// Removes all text, keeping the allocations.
    #[inline]
    pub fn clear(&mut self) {
        self.text.clear();
        self.map.clear();
        self.pieces.clear();
    }

    /// The original span normalised byte `i` came from (`i < len`).
    #[inline]
    fn byte_span(&self, i: usize) -> Span {
        let k = match self.pieces.len() {
            0 => return Span::default(),
            1 => 0,
            _ => self
                .pieces
                .partition_point(|p| p.norm_start <= i)
                .saturating_sub(1),
        };
        let p = self.pieces[k];
        let off = i - p.norm_start.min(i);
        match p.kind {
            PieceKind::Linear { orig_start } => Span::new(orig_start + off, orig_start + off + 1),
            PieceKind::Mapped { map_start } => {
                self.map.get(map_start + off).copied().unwrap_or_default()
            }
        }
    }

    /// The original span of normalised bytes `start..end`.
    ///
    /// Out-of-range or empty ranges give an empty span at the nearest
    /// original position (never a panic).
    #[inline]
    pub fn original_span(&self, start: usize, end: usize) -> Span {
        let n = self.text.len();
        if n == 0 {
            return Span::default();
        }
        if start >= end || start >= n {
            let at = if start >= n {
                self.byte_span(n - 1).end
            } else {
                self.byte_span(start).start
            };
            return Span::new(at, at);
        }
        let s = self.byte_span(start);
        let e = self.byte_span(end.min(n) - 1);
        Span::new(s.start, e.end.max(s.start))
    }

    /// The per-byte map, if every byte is stored explicitly (stage-1 output).
    pub(crate) fn explicit_map(&self) -> Option<&[Span]> {
        match self.pieces.as_slice() {
            [] => Some(&[]),
            [Piece {
                norm_start: 0,
                kind: PieceKind::Mapped { map_start: 0 },
            }] => Some(&self.map),
            _ => None,
        }
    }

    /// Makes sure the last piece is a mapped one.
    #[inline]
    fn mapped_piece(&mut self) {
        if !matches!(
            self.pieces.last(),
            Some(Piece {
                kind: PieceKind::Mapped { .. },
                ..
            })
        ) {
            self.pieces.push(Piece {
                norm_start: self.text.len(),
                kind: PieceKind::Mapped {
                    map_start: self.map.len(),
                },
            });
        }
    }

    /// Appends a character that came from `span` of the original text.
    #[inline]
    pub(crate) fn push(&mut self, c: char, span: Span) {
        self.mapped_piece();
        self.text.push(c);
        for _ in 0..c.len_utf8() {
            self.map.push(span);
        }
    }

    /// Appends `s` whose bytes came from `spans` (one per byte).
    #[inline]
    pub(crate) fn push_mapped(&mut self, s: &str, spans: &[Span]) {
        self.mapped_piece();
        self.text.push_str(s);
        // Exactly one span per byte, even if a caller got the lengths wrong.
        let n = spans.len().min(s.len());
        self.map.extend_from_slice(&spans[..n]);
        let last = spans.last().copied().unwrap_or_default();
        self.map.resize(self.map.len() + (s.len() - n), last);
    }

    /// Appends `s`, which is original bytes `orig_start..orig_start + s.len()`.
    #[inline]
    pub(crate) fn push_linear(&mut self, s: &str, orig_start: usize) {
        let extend = match self.pieces.last() {
            Some(Piece {
                norm_start,
                kind: PieceKind::Linear { orig_start: o },
            }) => o + (self.text.len() - norm_start) == orig_start,
            _ => false,
        };
        if !extend {
            self.pieces.push(Piece {
                norm_start: self.text.len(),
                kind: PieceKind::Linear { orig_start },
            });
        }
        self.text.push_str(s);
    }

    /// Lower-cases the ASCII letters of the text from byte `from` on.
    #[inline]
    pub(crate) fn make_ascii_lowercase_from(&mut self, from: usize) {
        if let Some(t) = self.text.get_mut(from..) {
            t.make_ascii_lowercase();
        }
    }
}

// ---------------------------------------------------------------------------
// Stage 1: NFKC + invisible stripping
// ---------------------------------------------------------------------------

/// `true` for characters removed by `strip_invisible`: control characters
/// other than whitespace, and default-ignorable format characters.
#[inline]
pub fn is_invisible(c: char) -> bool {
    match c {
        '\t' | '\n' | '\r' | '\u{0B}' | '\u{0C}' | '\u{85}' => false,
        c if c.is_control() => true,
        '\u{AD}'
        | '\u{34F}'
        | '\u{61C}'
        | '\u{115F}'
        | '\u{1160}'
        | '\u{17B4}'
        | '\u{17B5}'
        | '\u{180B}'..='\u{180F}'
        | '\u{200B}'..='\u{200F}'
        | '\u{202A}'..='\u{202E}'
        | '\u{2060}'..='\u{206F}'
        | '\u{3164}'
        | '\u{FE00}'..='\u{FE0F}'
        | '\u{FEFF}'
        | '\u{FFA0}'
        | '\u{FFF9}'..='\u{FFFB}'
        | '\u{1BCA0}'..='\u{1BCA3}'
        | '\u{1D173}'..='\u{1D17A}'
        | '\u{E0000}'..='\u{E0FFF}' => true,
        _ => false,
    }
}

#[inline]
fn is_invisible_ascii(b: u8) -> bool {
    (b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r' | 0x0B | 0x0C)) || b == 0x7F
}

/// Maximum number of characters NFKC sees at once (a starter plus its
/// combining marks). Longer "Zalgo" runs are processed in pieces, which only
/// affects the canonical order of the marks, never the offsets.
const MAX_SEGMENT_CHARS: usize = 32;

/// Stage 1: NFKC and invisible/control stripping.
///
/// Returns `false`, leaving `out` empty, when the text would come out
/// unchanged (for example plain printable ASCII): the caller then uses the
/// input itself, with the identity offset map. Otherwise fills `out` and
/// returns `true`.
pub fn prenormalize(text: &str, config: &NormalizeConfig, out: &mut MappedText) -> bool {
    prenormalize_profiled(text, config, &Profile::scan(text), out)
}

/// [`prenormalize`] with a precomputed [`Profile`] of `text`.
pub(crate) fn prenormalize_profiled(
    text: &str,
    config: &NormalizeConfig,
    profile: &Profile,
    out: &mut MappedText,
) -> bool {
    out.clear();
    if !config.nfkc && !config.strip_invisible && !config.fold_scripts {
        return false;
    }
    if !(profile.non_ascii || config.strip_invisible && profile.ctrl) {
        return false;
    }
    if !needs_stage1(text, config) {
        return false;
    }
    let fold = config.fold_scripts;
    let cap = max_normalized_bytes(text.len());
    out.text.reserve(text.len());
    out.map.reserve(text.len());
    out.mapped_piece();
    let bytes = text.as_bytes();
    let strip = config.strip_invisible;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b < 0x80 && (!config.nfkc || bytes.get(i + 1).is_none_or(|&n| n < 0x80)) {
            // ASCII not followed by a possible combining mark.
            if !(strip && is_invisible_ascii(b)) {
                out.push(b as char, Span::new(i, i + 1));
            }
            i += 1;
            continue;
        }
        if !config.nfkc {
            // Strip and fold only: per character, exact spans.
            let c = next_char(text, i);
            let end = i + c.len_utf8();
            if !(strip && is_invisible(c)) {
                push_script_folded(out, c, Span::new(i, end), fold);
            }
            i = end;
            continue;
        }
        let end = segment_end(text, i);
        push_nfkc_segment(&text[i..end], i, strip, fold, out);
        i = end;
        if out.text.len() > cap {
            // A wall of characters NFKC expands many times over (U+FDFA becomes 33 bytes):
            // the rest is left out rather than let one record take gigabytes.
            break;
        }
    }
    true
}

/// The most bytes stage 1 makes of a text of `len` bytes: twice its length plus a
/// kilobyte. NFKC expands a few characters a lot (a ligature like `ﷺ` becomes a
/// phrase), so ordinary posts never come near it; a text built to grow stops there.
pub const fn max_normalized_bytes(len: usize) -> usize {
    len.saturating_mul(2).saturating_add(1024)
}

/// The character starting at byte `i` (which must be a char boundary).
#[inline]
fn next_char(text: &str, i: usize) -> char {
    text[i..].chars().next().unwrap_or('\u{FFFD}')
}

/// Does stage 1 change anything?
fn needs_stage1(text: &str, config: &NormalizeConfig) -> bool {
    let bytes = text.as_bytes();
    let mut ascii = true;
    for &b in bytes {
        if b >= 0x80 {
            ascii = false;
            break;
        }
        if config.strip_invisible && is_invisible_ascii(b) {
            return true;
        }
    }
    if ascii {
        return false;
    }
    if config.strip_invisible && text.chars().any(is_invisible) {
        return true;
    }
    if config.fold_scripts && text.chars().any(|c| script_fold(c).is_some()) {
        return true;
    }
    config.nfkc && is_nfkc_quick(text.chars()) != IsNormalized::Yes
}

/// End of the normalisation segment starting at `i`: one character plus the
/// combining marks (non-zero canonical combining class) after it.
fn segment_end(text: &str, i: usize) -> usize {
    let mut chars = text[i..].char_indices();
    let mut end = match chars.next() {
        Some((_, c)) => i + c.len_utf8(),
        None => return text.len(),
    };
    for (off, c) in chars.take(MAX_SEGMENT_CHARS - 1) {
        if canonical_combining_class(c) == 0 {
            break;
        }
        end = i + off + c.len_utf8();
    }
    end
}

fn push_nfkc_segment(seg: &str, offset: usize, strip: bool, fold: bool, out: &mut MappedText) {
    let span = Span::new(offset, offset + seg.len());
    let mut chars = seg.chars();
    if let (Some(c), None) = (chars.next(), chars.next()) {
        // Single character: skip the normaliser when it is already NFKC.
        if strip && is_invisible(c) {
            return;
        }
        if is_nfkc_quick(iter::once(c)) == IsNormalized::Yes {
            push_script_folded(out, c, span, fold);
            return;
        }
    }
    for c in seg.chars().filter(|&c| !(strip && is_invisible(c))).nfkc() {
        if !(strip && is_invisible(c)) {
            push_script_folded(out, c, span, fold);
        }
    }
}

#[inline]
fn push_script_folded(out: &mut MappedText, c: char, span: Span, fold: bool) {
    match fold.then(|| script_fold(c)).flatten() {
        None => out.push(c, span),
        Some(Some(f)) => out.push(f, span),
        Some(None) => {}
    }
}

/// The within-script spelling fold of one character: `None` when it stays as it is,
/// `Some(None)` when it is dropped, `Some(Some(c))` when it becomes `c`.
///
/// * Arabic script (Arabic, Persian, Urdu, Pashto): the hamza and madda forms of alef and
///   alef wasla become bare alef (`أ إ آ ٱ` → `ا`); alef maqsura and the Persian/Urdu yeh
///   become Arabic yeh (`ى ی` → `ي`); the Persian kaf becomes Arabic kaf (`ک` → `ك`); taa
///   marbuta and the Urdu heh forms become heh (`ة ۃ ہ ۀ` → `ه`); tatweel (`ـ`), harakat,
///   superscript alef and Quranic annotation marks are dropped; Arabic-Indic and extended
///   Arabic-Indic digits become ASCII digits.
/// * Cyrillic: `ё` → `е` (Russian writes both).
///
/// Every result is NFKC-stable and outside the fold's own domain, so folding is
/// idempotent.
///
/// ```
/// use redflag::text::normalize::script_fold;
/// assert_eq!(script_fold('أ'), Some(Some('ا')));
/// assert_eq!(script_fold('\u{0640}'), Some(None));
/// assert_eq!(script_fold('٣'), Some(Some('3')));
/// assert_eq!(script_fold('ё'), Some(Some('е')));
/// assert_eq!(script_fold('a'), None);
/// ```
pub fn script_fold(c: char) -> Option<Option<char>> {
    Some(match c {
        '\u{0622}' | '\u{0623}' | '\u{0625}' | '\u{0671}' | '\u{0672}' | '\u{0673}' => {
            Some('\u{0627}')
        }
        '\u{0649}' | '\u{06CC}' => Some('\u{064A}'),
        '\u{06A9}' => Some('\u{0643}'),
        '\u{0629}' | '\u{06C0}' | '\u{06C1}' | '\u{06C3}' => Some('\u{0647}'),
        '\u{0640}'
        | '\u{064B}'..='\u{065F}'
        | '\u{0670}'
        | '\u{06D6}'..='\u{06DC}'
        | '\u{06DF}'..='\u{06E4}'
        | '\u{06E7}'
        | '\u{06E8}'
        | '\u{06EA}'..='\u{06ED}' => None,
        '\u{0660}'..='\u{0669}' => char::from_u32(c as u32 - 0x0660 + u32::from(b'0')),
        '\u{06F0}'..='\u{06F9}' => char::from_u32(c as u32 - 0x06F0 + u32::from(b'0')),
        '\u{0451}' => Some('\u{0435}'),
        '\u{0401}' => Some('\u{0415}'),
        _ => return None,
    })
}

// ---------------------------------------------------------------------------
// Stage 2: folding
// ---------------------------------------------------------------------------

/// Which look-alike scripts appear "for real" in a text (with letters that
/// have no Latin look-alike). Used by confusable folding.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ScriptContext {
    /// The text has a Cyrillic letter that is not a Latin look-alike.
    pub real_cyrillic: bool,
    /// The text has a Greek letter that is not a Latin look-alike.
    pub real_greek: bool,
}

impl ScriptContext {
    /// Scans `text` (any stage).
    pub fn scan(text: &str) -> Self {
        let mut ctx = ScriptContext::default();
        if text.is_ascii() {
            return ctx;
        }
        for c in text.chars() {
            if c.is_ascii() || !char_class::is_alphabetic(c) || is_lookalike(c) {
                continue;
            }
            if is_cyrillic(c) {
                ctx.real_cyrillic = true;
            } else if is_greek(c) {
                ctx.real_greek = true;
            }
        }
        ctx
    }
}

/// Is `c` a look-alike as folding will see it: case-folded and decomposed (`Ὼ` is `ω` +
/// `◌̀`, and `ω` is a look-alike)?
fn is_lookalike(c: char) -> bool {
    if confusable(c).is_some() {
        return true;
    }
    let lower = iter::once(c).default_case_fold().next().unwrap_or(c);
    let mut base = None;
    decompose_canonical(lower, |d| {
        base.get_or_insert(d);
    });
    confusable(lower).is_some() || base.is_some_and(|b| confusable(b).is_some())
}

#[inline]
fn is_cyrillic(c: char) -> bool {
    matches!(c, '\u{400}'..='\u{52F}' | '\u{1C80}'..='\u{1C8F}' | '\u{2DE0}'..='\u{2DFF}' | '\u{A640}'..='\u{A69F}')
}

#[inline]
fn is_greek(c: char) -> bool {
    matches!(c, '\u{370}'..='\u{3FF}' | '\u{1F00}'..='\u{1FFF}')
}

#[inline]
fn is_latin_letter(c: char) -> bool {
    c.is_ascii_alphabetic()
        || (matches!(c, '\u{C0}'..='\u{24F}' | '\u{1E00}'..='\u{1EFF}' | '\u{2C60}'..='\u{2C7F}' | '\u{A720}'..='\u{A7FF}')
            && char_class::is_alphabetic(c))
}

/// The Latin letter a Cyrillic, Greek or exotic Latin look-alike stands for.
pub fn confusable(c: char) -> Option<char> {
    Some(match c {
        // Cyrillic lower case
        'а' => 'a',
        'в' => 'b',
        'ь' => 'b',
        'е' => 'e',
        'ё' => 'e',
        'ѐ' => 'e',
        'һ' => 'h',
        'н' => 'h',
        'і' => 'i',
        'ї' => 'i',
        'ј' => 'j',
        'к' => 'k',
        'ӏ' => 'l',
        'м' => 'm',
        'о' => 'o',
        'р' => 'p',
        'ԛ' => 'q',
        'ѕ' => 's',
        'с' => 'c',
        'т' => 't',
        'у' => 'y',
        'ү' => 'y',
        'ѵ' => 'v',
        'ԝ' => 'w',
        'х' => 'x',
        'ԁ' => 'd',
        'ԍ' => 'g',
        // Cyrillic upper case
        'А' => 'A',
        'В' => 'B',
        'Е' => 'E',
        'Ё' => 'E',
        'Ѐ' => 'E',
        'Һ' => 'H',
        'Н' => 'H',
        'І' => 'I',
        'Ї' => 'I',
        'Ӏ' => 'I',
        'Ј' => 'J',
        'К' => 'K',
        'М' => 'M',
        'О' => 'O',
        'Р' => 'P',
        'Ԛ' => 'Q',
        'Ѕ' => 'S',
        'С' => 'C',
        'Т' => 'T',
        'У' => 'Y',
        'Ү' => 'Y',
        'Ѵ' => 'V',
        'Ԝ' => 'W',
        'Х' => 'X',
        'Ԁ' => 'D',
        'Ԍ' => 'G',
        // Greek lower case
        'α' => 'a',
        'β' => 'b',
        'γ' => 'y',
        'ε' => 'e',
        'η' => 'n',
        'ι' => 'i',
        'κ' => 'k',
        'ν' => 'v',
        'ο' => 'o',
        'ρ' => 'p',
        'τ' => 't',
        'υ' => 'u',
        'χ' => 'x',
        'ω' => 'w',
        'ϲ' => 'c',
        'ϳ' => 'j',
        // Greek upper case
        'Α' => 'A',
        'Β' => 'B',
        'Ε' => 'E',
        'Ζ' => 'Z',
        'Η' => 'H',
        'Ι' => 'I',
        'Κ' => 'K',
        'Μ' => 'M',
        'Ν' => 'N',
        'Ο' => 'O',
        'Ρ' => 'P',
        'Τ' => 'T',
        'Υ' => 'Y',
        'Χ' => 'X',
        'Ϲ' => 'C',
        'Ϳ' => 'J',
        // Latin look-alikes
        'ı' => 'i',
        'ɑ' => 'a',
        'ɡ' => 'g',
        'ꞵ' => 'b',
        _ => return None,
    })
}

/// The letter a leetspeak character stands for.
#[inline]
pub fn leet(c: char) -> Option<char> {
    Some(match c {
        '0' => 'o',
        '1' => 'i',
        '3' => 'e',
        '4' => 'a',
        '5' => 's',
        '7' => 't',
        '8' => 'b',
        '9' => 'g',
        '@' => 'a',
        '$' => 's',
        '€' => 'e',
        '!' => 'i',
        '|' => 'l',
        _ => return None,
    })
}

/// Letters, digits and combining marks.
#[inline]
fn is_word_char(c: char) -> bool {
    char_class::is_alphanumeric_or_mark(c)
}

#[inline]
fn is_letterish(c: char) -> bool {
    char_class::is_letter_or_mark(c)
}

/// One character of the folding work buffer with its original span.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Item {
    c: char,
    span: Span,
}

/// A character slot the folding passes can read and rewrite: an [`Item`]
/// (general path) or an ASCII byte (fast path; only ASCII is ever written).
trait Glyph: Copy {
    fn ch(&self) -> char;
    fn set(&mut self, c: char);
}

impl Glyph for Item {
    #[inline]
    fn ch(&self) -> char {
        self.c
    }
    #[inline]
    fn set(&mut self, c: char) {
        self.c = c;
    }
}

impl Glyph for u8 {
    #[inline]
    fn ch(&self) -> char {
        *self as char
    }
    #[inline]
    fn set(&mut self, c: char) {
        if c.is_ascii() {
            *self = c as u8;
        }
    }
}

/// Reusable buffers for stage 2.
#[derive(Clone, Debug, Default)]
pub(crate) struct FoldBuffers {
    items: Vec<Item>,
    bytes: Vec<u8>,
    spans: Vec<Span>,
    runs: Vec<(usize, usize)>,
}

/// Where the stage-1 text came from: `None` means it *is* the original.
#[derive(Clone, Copy)]
pub(crate) struct PreText<'a> {
    pub(crate) text: &'a str,
    pub(crate) map: Option<&'a [Span]>,
}

impl PreText<'_> {
    #[inline]
    fn span(&self, start: usize, end: usize) -> Span {
        match self.map {
            None => Span::new(start, end),
            Some(map) => {
                let s = map[start];
                let e = map[end - 1];
                Span::new(s.start, e.end.max(s.start))
            }
        }
    }

    /// Original span of the stage-1 byte range `start..end`.
    #[inline]
    pub(crate) fn original_span(&self, start: usize, end: usize) -> Span {
        if start >= end {
            let at = match self.map {
                None => start,
                Some(map) => match map.get(start) {
                    Some(s) => s.start,
                    None => map.last().map_or(0, |s| s.end),
                },
            };
            return Span::new(at, at);
        }
        self.span(start, end)
    }
}

/// Everything stage 2 needs to know about the document being folded.
#[derive(Clone, Copy)]
pub(crate) struct FoldContext<'a> {
    /// The stage-1 text and its map.
    pub(crate) pre: PreText<'a>,
    /// Which steps to run.
    pub(crate) config: &'a NormalizeConfig,
    /// Byte profile of `pre.text` (for the shortcuts).
    pub(crate) profile: Profile,
    /// Real Cyrillic/Greek in the document (for confusables).
    pub(crate) script: ScriptContext,
}

/// Stage 2: folds `ctx.pre.text[start..end]` and appends the result to `out`.
pub(crate) fn fold_range(
    ctx: &FoldContext<'_>,
    start: usize,
    end: usize,
    bufs: &mut FoldBuffers,
    out: &mut MappedText,
) -> GapLayout {
    let FoldContext {
        pre,
        config,
        ref profile,
        script,
    } = *ctx;
    let gap = &pre.text[start..end];
    if gap.is_empty() {
        return GapLayout::Mapped;
    }
    if !profile.non_ascii || gap.is_ascii() {
        return fold_ascii(pre, start, end, config, profile, bufs, out);
    }
    let FoldBuffers { items, runs, .. } = bufs;
    items.clear();
    let mut marks = false;
    // Pass 1: case folding.
    for (off, c) in gap.char_indices() {
        let a = start + off;
        let span = pre.span(a, a + c.len_utf8());
        if c.is_ascii() || !config.case_fold {
            let c = if config.case_fold {
                c.to_ascii_lowercase()
            } else {
                c
            };
            items.push(Item { c, span });
        } else if c == '\u{130}' {
            items.push(Item { c: 'i', span });
        } else {
            // Fold, then decompose canonically, so that the later passes see base
            // letters (`ϊ` is `ι` + diaeresis); `recompose` puts the marks back.
            for f in iter::once(c).default_case_fold() {
                decompose_canonical(f, |d| {
                    marks |= !d.is_ascii();
                    items.push(Item { c: d, span });
                });
            }
        }
    }
    // Pass 2: confusables.
    if config.fold_confusables {
        let _ = fold_confusables(items, script);
    }
    // Pass 3: spaced letters.
    if config.join_spaced_letters {
        spaced_runs(items, config.fold_leet, runs);
        if !runs.is_empty() {
            let keep = compact_runs(items.len(), runs, |from, to| items[to] = items[from]);
            items.truncate(keep);
        }
    }
    // Pass 4: leetspeak.
    if config.fold_leet {
        fold_leet(items);
        // Leet can make a word Latin (`$ῖ` → `sῖ`), which licenses a confusable fold,
        // which can license more leet: repeat to a fixed point (each round turns at least
        // one character into an ASCII letter, so this ends; the bound is a safeguard).
        if config.fold_confusables {
            for _ in 0..8 {
                if !fold_confusables(items, script) {
                    break;
                }
                fold_leet(items);
            }
        }
    }
    if marks && config.case_fold {
        recompose(items, out);
    } else {
        for it in items.iter() {
            out.push(it.c, it.span);
        }
    }
    GapLayout::Mapped
}

/// Appends `items` in canonical composition (NFC): each base character with the
/// combining marks after it is composed where Unicode allows (`i` + `◌̈` + `◌́` → `ḯ`),
/// so that normalising the output again changes nothing. A composed character maps to
/// the union of the spans it came from.
fn recompose(items: &[Item], out: &mut MappedText) {
    let mut i = 0;
    let mut cluster = String::new();
    while i < items.len() {
        let mut j = i + 1;
        while j < items.len() && canonical_combining_class(items[j].c) != 0 {
            j += 1;
        }
        // Hangul jamo compose with each other (combining class 0).
        while j < items.len() && is_hangul_jamo(items[j].c) && is_hangul_jamo(items[j - 1].c) {
            j += 1;
        }
        if j == i + 1 {
            out.push(items[i].c, items[i].span);
        } else {
            cluster.clear();
            cluster.extend(items[i..j].iter().map(|it| it.c));
            let span = Span::new(
                items[i].span.start,
                items[j - 1].span.end.max(items[i].span.start),
            );
            for c in cluster.nfc() {
                out.push(c, span);
            }
        }
        i = j;
    }
}

#[inline]
fn is_hangul_jamo(c: char) -> bool {
    matches!(c, '\u{1100}'..='\u{11FF}')
}

/// How the text [`fold_range`] appended maps to the original.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum GapLayout {
    /// Appended byte `i` came from original byte `orig_start + i`.
    Linear {
        /// Original offset of the first appended byte.
        orig_start: usize,
    },
    /// Use [`MappedText::original_span`].
    Mapped,
}

/// Stage 2 for an ASCII gap: works on bytes, the map is copied once.
fn fold_ascii(
    pre: PreText<'_>,
    start: usize,
    end: usize,
    config: &NormalizeConfig,
    profile: &Profile,
    bufs: &mut FoldBuffers,
    out: &mut MappedText,
) -> GapLayout {
    let gap = &pre.text.as_bytes()[start..end];
    let (mut leet, mut spaced) = (
        config.fold_leet && profile.leet,
        config.join_spaced_letters && profile.spaced,
    );
    if leet || spaced {
        // The document has candidates; does this gap?
        let gap_profile = Profile::scan(&pre.text[start..end]);
        leet &= gap_profile.leet;
        spaced &= gap_profile.spaced;
    }
    if !leet && !spaced {
        let ts = out.text.len();
        let layout = match pre.map {
            None => {
                out.push_linear(&pre.text[start..end], start);
                GapLayout::Linear { orig_start: start }
            }
            Some(map) => {
                out.push_mapped(&pre.text[start..end], &map[start..end]);
                GapLayout::Mapped
            }
        };
        if config.case_fold {
            out.make_ascii_lowercase_from(ts);
        }
        return layout;
    }
    let FoldBuffers {
        bytes, runs, spans, ..
    } = bufs;
    bytes.clear();
    if config.case_fold {
        bytes.extend(gap.iter().map(|b| b.to_ascii_lowercase()));
    } else {
        bytes.extend_from_slice(gap);
    }
    spans.clear();
    match pre.map {
        None => spans.extend((start..end).map(|i| Span::new(i, i + 1))),
        Some(map) => spans.extend_from_slice(&map[start..end]),
    }
    let mut joined = false;
    if spaced {
        spaced_runs(bytes, config.fold_leet, runs);
        if !runs.is_empty() {
            joined = true;
            let keep = compact_runs(bytes.len(), runs, |from, to| {
                bytes[to] = bytes[from];
                spans[to] = spans[from];
            });
            bytes.truncate(keep);
            spans.truncate(keep);
        }
    }
    if leet || (joined && config.fold_leet) {
        fold_leet(bytes);
    }
    // Only ASCII was ever written, so this cannot fail; stay panic-free anyway.
    match std::str::from_utf8(bytes) {
        Ok(s) => out.push_mapped(s, spans),
        Err(_) => {
            for (&b, &sp) in bytes.iter().zip(spans.iter()) {
                out.push(b as char, sp);
            }
        }
    }
    GapLayout::Mapped
}

/// Returns `true` when a character changed.
fn fold_confusables(items: &mut [Item], script: ScriptContext) -> bool {
    let mut changed = false;
    let n = items.len();
    let mut i = 0;
    while i < n {
        if !is_word_char(items[i].c) {
            i += 1;
            continue;
        }
        let start = i;
        while i < n && is_word_char(items[i].c) {
            i += 1;
        }
        let word = &mut items[start..i];
        let (mut has_latin, mut all_look, mut any_look, mut cyr, mut greek) =
            (false, true, false, false, false);
        for it in word.iter() {
            let c = it.c;
            if c.is_ascii() {
                has_latin |= c.is_ascii_alphabetic();
            } else if confusable(c).is_some() {
                any_look = true;
                if is_cyrillic(c) {
                    cyr = true;
                } else if is_greek(c) {
                    greek = true;
                } else {
                    has_latin = true;
                }
            } else if is_latin_letter(c) {
                has_latin = true;
            } else if char_class::is_alphabetic(c) {
                all_look = false;
            }
        }
        let fold = any_look
            && (has_latin
                || (all_look && !(cyr && script.real_cyrillic) && !(greek && script.real_greek)));
        if fold {
            for it in word.iter_mut() {
                if let Some(m) = confusable(it.c) {
                    it.c = m;
                    changed = true;
                }
            }
        }
    }
    changed
}

#[inline]
fn is_spaced_sep(c: char) -> bool {
    matches!(c, ' ' | '.' | '-' | '_')
}

/// Finds runs of spaced-out single letters: `(first, last)` indices of the
/// first and last element; elements sit at every other index in between.
fn spaced_runs<G: Glyph>(s: &[G], leet_on: bool, runs: &mut Vec<(usize, usize)>) {
    runs.clear();
    let n = s.len();
    let is_elem = |c: char| {
        char_class::is_alphabetic(c) || (leet_on && c.is_ascii_digit() && leet(c).is_some())
    };
    let single_after = |k: usize| k + 1 >= n || !is_word_char(s[k + 1].ch());
    let mut i = 0;
    while i + 2 < n {
        let c = s[i].ch();
        if is_elem(c) && (i == 0 || !is_word_char(s[i - 1].ch())) && is_spaced_sep(s[i + 1].ch()) {
            let sep = s[i + 1].ch();
            let mut j = i;
            let mut count = 1usize;
            let mut letters = usize::from(char_class::is_alphabetic(c));
            while j + 2 < n && s[j + 1].ch() == sep && is_elem(s[j + 2].ch()) && single_after(j + 2)
            {
                j += 2;
                count += 1;
                letters += usize::from(char_class::is_alphabetic(s[j].ch()));
            }
            if count >= 3 && letters >= 3 && letters * 2 > count {
                runs.push((i, j));
                i = j + 1;
                continue;
            }
        }
        i += 1;
    }
}

/// Removes the separators inside `runs` from a sequence of length `n` by
/// calling `mv(from, to)` for every kept position; returns the new length.
fn compact_runs(n: usize, runs: &[(usize, usize)], mut mv: impl FnMut(usize, usize)) -> usize {
    let mut w = 0;
    let mut r = 0;
    for i in 0..n {
        while r < runs.len() && runs[r].1 < i {
            r += 1;
        }
        let drop = r < runs.len() && i > runs[r].0 && i < runs[r].1 && (i - runs[r].0) % 2 == 1;
        if !drop {
            if w != i {
                mv(i, w);
            }
            w += 1;
        }
    }
    w
}

#[inline]
fn is_leet_word_char(c: char) -> bool {
    is_word_char(c) || matches!(c, '@' | '$' | '€' | '!' | '|')
}

fn fold_leet<G: Glyph>(s: &mut [G]) {
    let n = s.len();
    let mut i = 0;
    while i < n {
        if !is_leet_word_char(s[i].ch()) {
            i += 1;
            continue;
        }
        let mut a = i;
        let mut has_other = false;
        while i < n && is_leet_word_char(s[i].ch()) {
            has_other |= !is_letterish(s[i].ch());
            i += 1;
        }
        if !has_other {
            continue;
        }
        let mut e = i;
        while a < e && matches!(s[a].ch(), '!' | '|' | '@') {
            a += 1;
        }
        while e > a && matches!(s[e - 1].ch(), '!' | '|' | '@' | '$' | '€') {
            e -= 1;
        }
        fold_leet_word(&mut s[a..e]);
    }
}

/// Short function words that leetspeak writes with one digit (`t0`, `1n`, `4nd`, `th3`).
/// A closed class: a two- or three-character word with one digit is folded only into one
/// of these, so codes and names such as `f1`, `c4`, `b2`, `mp3` or `4th` are left alone.
const SHORT_WORDS: [&str; 55] = [
    "an", "as", "at", "be", "by", "do", "go", "he", "hi", "if", "in", "is", "it", "me", "my", "no",
    "of", "ok", "on", "or", "so", "to", "up", "us", "we", "all", "and", "any", "are", "but", "can",
    "for", "get", "had", "has", "her", "him", "his", "how", "its", "may", "new", "not", "now",
    "one", "our", "out", "see", "she", "the", "too", "was", "who", "yes", "you",
];

fn fold_leet_word<G: Glyph>(word: &mut [G]) {
    let n = word.len();
    let letters = word.iter().filter(|g| is_letterish(g.ch())).count();
    let others = n - letters;
    if (n == 2 || n == 3) && others == 1 {
        let folded: Option<String> = word
            .iter()
            .map(|g| {
                if is_letterish(g.ch()) {
                    Some(g.ch())
                } else if g.ch().is_ascii_digit() {
                    leet(g.ch())
                } else {
                    None
                }
            })
            .map(|c| c.map(|c| c.to_ascii_lowercase()))
            .collect();
        if folded.is_some_and(|f| SHORT_WORDS.contains(&f.as_str())) {
            for g in word.iter_mut() {
                if let Some(m) = leet(g.ch()).filter(|_| g.ch().is_ascii_digit()) {
                    g.set(m);
                }
            }
            return;
        }
        // Other three-character words go through the general rule below (`b0b` -> `bob`).
    }
    if letters < 2 || letters <= others || others == 0 {
        return;
    }
    // First pass: validate interior runs.
    let mut has_interior = false;
    let mut k = 0;
    while k < n {
        if is_letterish(word[k].ch()) {
            k += 1;
            continue;
        }
        let rs = k;
        while k < n && !is_letterish(word[k].ch()) {
            k += 1;
        }
        if rs > 0 && k < n {
            let ok = (k - rs == 1 && leet(word[rs].ch()).is_some())
                || (k - rs == 2
                    && word[rs..k]
                        .iter()
                        .all(|g| g.ch().is_ascii_digit() && leet(g.ch()).is_some()));
            if !ok {
                return;
            }
            has_interior = true;
        }
    }
    // Second pass: fold.
    let mut k = 0;
    while k < n {
        if is_letterish(word[k].ch()) {
            k += 1;
            continue;
        }
        let rs = k;
        while k < n && !is_letterish(word[k].ch()) {
            k += 1;
        }
        let len = k - rs;
        let fold = if rs > 0 && k < n {
            true
        } else if rs == 0 && k < n {
            len == 1 && (has_interior || matches!(word[0].ch(), '$' | '€'))
        } else {
            // trailing run (rs > 0, k == n)
            len == 1 && has_interior
        };
        if fold {
            for g in &mut word[rs..k] {
                if let Some(m) = leet(g.ch()) {
                    g.set(m);
                }
            }
        }
    }
}

/// Runs both stages on a whole text: NFKC, invisible stripping, case,
/// confusable, spaced-letter and leet folding, with an offset map into `text`.
///
/// This is what the analyser does between signals; it is exposed for
/// inspection, tests and tools. Signals are *not* protected here, so
/// `$50` stays `$50` only because the leet rules leave amounts alone.
pub fn normalize(text: &str, config: &NormalizeConfig) -> MappedText {
    let mut stage1 = MappedText::new();
    let changed = prenormalize(text, config, &mut stage1);
    let pre = match stage1.explicit_map() {
        Some(map) if changed => PreText {
            text: stage1.as_str(),
            map: Some(map),
        },
        _ => PreText { text, map: None },
    };
    let script = ScriptContext::scan(pre.text);
    let profile = Profile::scan(pre.text);
    let mut out = MappedText::new();
    let mut bufs = FoldBuffers::default();
    let ctx = FoldContext {
        pre,
        config,
        profile,
        script,
    };
    let _ = fold_range(&ctx, 0, pre.text.len(), &mut bufs, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn norm(s: &str) -> String {
        normalize(s, &NormalizeConfig::default())
            .as_str()
            .to_string()
    }

    fn orig<'a>(text: &'a str, out: &MappedText, needle: &str) -> &'a str {
        let at = out.as_str().find(needle).expect("needle in output");
        let span = out.original_span(at, at + needle.len());
        &text[span.start..span.end]
    }

    #[test]
    fn nfkc_growth_is_bounded_and_ordinary_ligatures_are_untouched() {
        // The Prophet ﷺ: one ligature of 3 bytes becomes a phrase of 33.
        let post = "and the Prophet \u{FDFA} said, and the Prophet \u{FDFA} did";
        let n = norm(post);
        assert_eq!(n.matches("الله عليه وسلم").count(), 2, "{n}");
        let wall = "\u{FDFA}".repeat(100_000);
        let mut out = MappedText::new();
        assert!(prenormalize(&wall, &NormalizeConfig::default(), &mut out));
        assert!(
            out.len() <= max_normalized_bytes(wall.len()) + 64,
            "{}",
            out.len()
        );
        assert!(out.len() > wall.len(), "it did normalise a prefix");
        // The spans still point into the original.
        let last = out.original_span(out.len() - 1, out.len());
        assert!(last.end <= wall.len());
    }

    /// Regression (proptest `normalisation_is_idempotent`): folding left combining marks
    /// uncomposed, so a second pass changed the text.
    #[test]
    fn idempotent_greek_stacked_diacritics() {
        for s in [
            "ῗa",
            "ΐa",
            "Ϊ\u{301}a",
            "ǰ",
            "ῗ",
            "e\u{301}\u{301}x",
            "$ῖ ",
            "sῖ ο",
            "Ὼ",
            "ᲀ",
        ] {
            let once = norm(s);
            assert_eq!(norm(&once), once, "{s:?}");
        }
        assert_eq!(norm("ΐa"), "ḯa");
        let text = "xΐa";
        let out = normalize(text, &NormalizeConfig::default());
        assert_eq!(orig(text, &out, "ḯ"), "ΐ");
    }

    #[test]
    fn ascii_lowercase_identity_map() {
        let text = "Send BTC now";
        let out = normalize(text, &NormalizeConfig::default());
        assert_eq!(out.as_str(), "send btc now");
        assert_eq!(orig(text, &out, "btc"), "BTC");
    }

    #[test]
    fn nfkc_full_width_and_styled() {
        assert_eq!(norm("ｄｏｎａｔｅ"), "donate");
        assert_eq!(norm("𝐝𝐨𝐧𝐚𝐭𝐞"), "donate");
        assert_eq!(norm("ﬁnance"), "finance");
        assert_eq!(norm("a\u{A0}b"), "a b");
        let text = "x ｄｏｎａｔｅ y";
        let out = normalize(text, &NormalizeConfig::default());
        assert_eq!(orig(text, &out, "donate"), "ｄｏｎａｔｅ");
    }

    #[test]
    fn nfkc_composes_combining_marks() {
        assert_eq!(norm("cafe\u{301}"), "café");
        let text = "cafe\u{301} ok";
        let out = normalize(text, &NormalizeConfig::default());
        assert_eq!(orig(text, &out, "é"), "e\u{301}");
    }

    #[test]
    fn strips_invisible_and_controls() {
        let text = "do\u{200B}n\u{200C}a\u{200D}t\u{2060}e\u{FEFF}\u{AD}!";
        assert_eq!(norm(text), "donate!");
        assert_eq!(norm("a\u{200E}b\u{202E}c\u{2066}d\u{2069}"), "abcd");
        assert_eq!(norm("a\u{0}b\u{7}c\u{7F}d"), "abcd");
        assert_eq!(norm("a\tb\nc\r\nd"), "a\tb\nc\r\nd");
        let out = normalize(text, &NormalizeConfig::default());
        let span = out.original_span(0, "donate".len());
        assert!(text[span.start..span.end].starts_with("do\u{200B}n"));
    }

    #[test]
    fn full_case_folding() {
        assert_eq!(norm("STRASSE"), "strasse");
        assert_eq!(norm("Straße"), "strasse");
        assert_eq!(norm("STRAẞE"), "strasse");
        assert_eq!(norm("ΣΊΣΥΦΟΣ"), "σίσυφοσ");
        // Turkish: İ folds to plain i, dotless ı is a confusable of i.
        assert_eq!(norm("İstanbul"), "istanbul");
        assert_eq!(norm("ISTANBUL"), "istanbul");
        assert_eq!(norm("bıtcoin"), "bitcoin");
        let text = "Straße!";
        let out = normalize(text, &NormalizeConfig::default());
        assert_eq!(orig(text, &out, "ss"), "ß");
    }

    #[test]
    fn confusables_in_latin_words() {
        // Cyrillic а, о, і, с inside Latin words.
        assert_eq!(norm("dоnаte"), "donate");
        assert_eq!(norm("bіtсoin"), "bitcoin");
        // Greek ο, ν inside Latin words.
        assert_eq!(norm("mοnerο"), "monero");
        assert_eq!(norm("ΒΙΤCOIN"), "bitcoin");
        // Only look-alikes, no real Cyrillic in the text: folded.
        assert_eq!(norm("send via рау"), "send via pay");
        assert_eq!(norm("ԁоnаtе"), "donate");
    }

    #[test]
    fn real_russian_and_greek_left_alone() {
        assert_eq!(norm("Привет, как дела?"), "привет, как дела?");
        // "сор" is all look-alikes, but the text is really Russian.
        assert_eq!(norm("сор и мусор"), "сор и мусор");
        assert_eq!(norm("καλημέρα κόσμε"), "καλημέρα κόσμε");
        assert_eq!(norm("Ναι, το λέω"), "ναι, το λέω");
    }

    #[test]
    fn leetspeak() {
        assert_eq!(norm("d0nate"), "donate");
        assert_eq!(norm("b1tc0in"), "bitcoin");
        assert_eq!(norm("m0ner0"), "monero");
        assert_eq!(norm("supp0rt"), "support");
        assert_eq!(norm("$end"), "send");
        assert_eq!(norm("h4ck3r"), "hacker");
        assert_eq!(norm("sh00t"), "shoot");
        assert_eq!(norm("b!tcoin!"), "bitcoin!");
        assert_eq!(norm("he|lo"), "hello");
        assert_eq!(norm("d@nate"), "danate");
        assert_eq!(norm("D0NATE"), "donate");
        assert_eq!(norm("send t0 the brothers"), "send to the brothers");
        assert_eq!(norm("g0 0n 1t"), "go on it");
        assert_eq!(norm("0f"), "of");
        assert_eq!(norm("f1 c4 b2 x9"), "f1 c4 b2 x9");
        assert_eq!(norm("4nd th3 y0u"), "and the you");
        assert_eq!(norm("mp3 4th 1st 3rd"), "mp3 4th 1st 3rd");
        assert_eq!(norm("b0b m0m"), "bob mom");
    }

    #[test]
    fn leetspeak_keeps_numbers_and_ids() {
        for s in [
            "2015",
            "50",
            "$50",
            "covid19",
            "mp3",
            "1st",
            "4chan",
            "gr8",
            "b4",
            "abc123def",
            "a1b2c3",
            "3.14",
            "win10",
            "10k",
            "wow!",
            "hello!!!",
            "|pipe|",
            "1,000.00",
            "l33t",
            "he||o",
            "a!0b",
        ] {
            assert_eq!(norm(s), s.to_lowercase(), "{s}");
        }
        assert_eq!(norm("w1nd0ws10"), "windows10");
    }

    #[test]
    fn spaced_letters() {
        assert_eq!(norm("d o n a t e"), "donate");
        assert_eq!(norm("d.o.n.a.t.e"), "donate");
        assert_eq!(norm("D-O-N-A-T-E now"), "donate now");
        assert_eq!(norm("d_o_n_a_t_e"), "donate");
        assert_eq!(norm("please d o n a t e."), "please donate.");
        assert_eq!(norm("d 0 n a t e"), "donate");
        // Not joined: too short, mixed separators, touching other letters, digits only.
        assert_eq!(norm("a b"), "a b");
        assert_eq!(norm("ab c d"), "ab c d");
        assert_eq!(norm("d o-n a"), "d o-n a");
        assert_eq!(norm("1 2 3 4"), "1 2 3 4");
        assert_eq!(norm("a  b  c"), "a  b  c");
        let text = "pls D-O-N-A-T-E!";
        let out = normalize(text, &NormalizeConfig::default());
        assert_eq!(orig(text, &out, "donate"), "D-O-N-A-T-E");
    }

    #[test]
    fn spaced_letters_with_confusables_and_zero_width() {
        assert_eq!(norm("d о n а t e"), "donate");
        assert_eq!(norm("d\u{200B} o n a t e"), "donate");
    }

    #[test]
    fn config_switches() {
        let off = NormalizeConfig {
            nfkc: false,
            case_fold: false,
            strip_invisible: false,
            fold_confusables: false,
            fold_leet: false,
            join_spaced_letters: false,
            fold_scripts: false,
        };
        let text = "D0nate ｘ d o n\u{200B}";
        assert_eq!(normalize(text, &off).as_str(), text);
        let only_case = NormalizeConfig {
            case_fold: true,
            ..off.clone()
        };
        assert_eq!(normalize("Straße D0", &only_case).as_str(), "strasse d0");
        let strip_only = NormalizeConfig {
            strip_invisible: true,
            ..off
        };
        assert_eq!(normalize("a\u{200B}ｂ", &strip_only).as_str(), "aｂ");
    }

    #[test]
    fn script_folding_arabic_persian_urdu_cyrillic() {
        let c = NormalizeConfig::default();
        // Alef forms, alef maqsura, taa marbuta, tatweel and harakat.
        assert_eq!(norm("إِنَّ الـلّٰهَ أكبر"), norm("ان الله اكبر"));
        assert_eq!(norm("مدرسة على"), "مدرسه علي");
        // Persian kaf and yeh, Urdu heh goal, Arabic-Indic and Persian digits.
        assert_eq!(norm("کتاب یک"), norm("كتاب يك"));
        assert_eq!(norm("شکریہ"), norm("شكريه"));
        assert_eq!(norm("٢٠١٥ ۱۳۸۷"), "2015 1387");
        // Cyrillic yo.
        assert_eq!(norm("Ёлка ещё"), "елка еще");
        // Offsets of a dropped tatweel and of folded letters point into the original.
        let text = "xـأy";
        let out = normalize(text, &c);
        assert_eq!(out.as_str(), "xاy");
        let a = out.as_str().find('ا').unwrap();
        assert_eq!(orig(text, &out, "ا"), "أ");
        assert_eq!(out.original_span(a, a + 2), Span::new(3, 5));
        // Switched off, nothing changes.
        let off = NormalizeConfig {
            fold_scripts: false,
            ..NormalizeConfig::default()
        };
        assert_eq!(normalize("أـ", &off).as_str(), "أـ");
        // Idempotent.
        let once = normalize("إِنَّ ـ ٣ ё ۀ", &c);
        assert_eq!(normalize(once.as_str(), &c).as_str(), once.as_str());
    }

    #[test]
    fn config_serde_defaults() {
        let c: NormalizeConfig = serde_json::from_str("{}").unwrap();
        assert_eq!(c, NormalizeConfig::default());
        let c: NormalizeConfig = serde_json::from_str(r#"{"fold_leet":false}"#).unwrap();
        assert!(!c.fold_leet && c.nfkc);
        assert!(serde_json::from_str::<NormalizeConfig>(r#"{"bogus":1}"#).is_err());
    }

    #[test]
    fn offsets_always_valid() {
        let texts = [
            "",
            " ",
            "\u{301}",
            "\u{301}\u{301}a",
            "a\u{301}\u{302}\u{303}\u{304}",
            "👨\u{200D}👩\u{200D}👧 family",
            "مرحبا بالعالم donate",
            "日本語テキスト",
            "ｄｏｎａｔｅ ＄５０",
            "\u{FEFF}\u{200B}\u{200B}",
            "e\u{301}\u{301}\u{301}\u{301}\u{301}\u{301}\u{301}\u{301}\u{301}\u{301}\u{301}\u{301}\u{301}\u{301}\u{301}\u{301}\u{301}\u{301}\u{301}\u{301}\u{301}\u{301}\u{301}\u{301}\u{301}\u{301}\u{301}\u{301}\u{301}\u{301}\u{301}\u{301}\u{301}\u{301}\u{301}",
            "ﷺ ﷽ ㎏ ½",
        ];
        for text in texts {
            let out = normalize(text, &NormalizeConfig::default());
            for (i, c) in out.as_str().char_indices() {
                let span = out.original_span(i, i + c.len_utf8());
                assert!(span.start < span.end, "{text:?}");
                assert!(text.get(span.start..span.end).is_some(), "{text:?}");
            }
            let all = out.original_span(0, out.len());
            assert!(text.get(all.start..all.end).is_some());
            // Out-of-range and empty requests do not panic.
            let _ = out.original_span(5, 2);
            let _ = out.original_span(1000, 2000);
        }
    }

    #[test]
    fn prenormalize_identity_for_plain_ascii() {
        let mut out = MappedText::new();
        let cfg = NormalizeConfig::default();
        assert!(!prenormalize("hello world", &cfg, &mut out));
        assert!(!prenormalize("already nfkc: café", &cfg, &mut out));
        assert!(prenormalize("zero\u{200B}width", &cfg, &mut out));
        assert_eq!(out.as_str(), "zerowidth");
        assert!(prenormalize("bell\u{7}", &cfg, &mut out));
        assert_eq!(out.as_str(), "bell");
    }
}
