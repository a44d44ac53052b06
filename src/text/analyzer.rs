//! The [`Analyzer`]: configuration, validation and the term stream.

use std::ops::Range;

use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

use crate::text::normalize::{
    self, FoldBuffers, FoldContext, GapLayout, MappedText, NormalizeConfig, PreText, ScriptContext,
};
use crate::text::scan::Profile;
use crate::text::signals::{
    self, RawSignal, SignalConfig, SignalKind, ADDRESS_SIDE_TERM, DOMAIN_SIDE_PREFIX,
};
use crate::text::stem::{Language, StemCache, Stemmer};
use crate::text::tokenize::{self, NgramRange};
use crate::text::Span;

/// Everything that controls text analysis.
///
/// ```
/// use redflag::text::AnalyzerConfig;
///
/// let config: AnalyzerConfig = serde_json::from_str(r#"{"char_ngrams": {"min": 3, "max": 5}}"#).unwrap();
/// assert!(config.check().is_ok());
/// assert!(config.stem && config.normalize.fold_leet);
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AnalyzerConfig {
    /// Normalisation steps.
    pub normalize: NormalizeConfig,
    /// Signal detection.
    pub signals: SignalConfig,
    /// Stemming language: of every text, or with `detect_language` of the texts whose
    /// language cannot be identified (short Latin-script texts).
    pub language: Language,
    /// Identify each text's language ([`crate::text::lang::detect`]) and stem it with
    /// that language's algorithm; a language `rust-stemmers` has no algorithm for is not
    /// stemmed at all. Off (the default, and in models made before it existed): every
    /// text is stemmed as `language`.
    pub detect_language: bool,
    /// Which rules identify the language ([`crate::text::lang::detect_version`]): 1, the
    /// default and the rules of every model made before the setting existed, or 2 (English,
    /// Turkish and Indonesian recognised before the trigram model: more accurate and
    /// faster). Only read with `detect_language`.
    pub langid_version: u8,
    /// Stem words (never signal tokens).
    pub stem: bool,
    /// Give quoted and reported speech its own namespace ([`crate::text::quote`]): every
    /// term that starts inside a quoted range gets a `"` before it. Off by default.
    pub quotes: bool,
    /// Word n-gram sizes (default 1..=2). Signal tokens take part in n-grams.
    /// Signal tokens and side terms are emitted even when `min > 1`.
    pub word_ngrams: NgramRange,
    /// Character n-gram sizes inside words, padded `char_wb`-style; `None`
    /// (the default) for no character n-grams.
    pub char_ngrams: Option<NgramRange>,
    /// Words longer than this many bytes after normalisation (before
    /// stemming) are **dropped**: they are almost always junk (base64,
    /// hashes, key mashing) and truncating them would only create unique,
    /// useless features. Signals are never dropped. Default 64.
    pub max_token_bytes: usize,
}

impl Default for AnalyzerConfig {
    fn default() -> Self {
        AnalyzerConfig {
            normalize: NormalizeConfig::default(),
            signals: SignalConfig::default(),
            language: Language::default(),
            detect_language: false,
            langid_version: 1,
            quotes: false,
            stem: true,
            word_ngrams: NgramRange::default(),
            char_ngrams: None,
            max_token_bytes: 64,
        }
    }
}

/// An invalid [`AnalyzerConfig`].
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    /// An n-gram range is not `1 <= min <= max <= 8`.
    #[error("{field}: invalid n-gram range {min}..={max} (need 1 <= min <= max <= {limit})", limit = NgramRange::MAX)]
    NgramRange {
        /// Which setting (`word_ngrams` or `char_ngrams`).
        field: &'static str,
        /// The configured minimum.
        min: u8,
        /// The configured maximum.
        max: u8,
    },
    /// `max_token_bytes` is zero.
    #[error("max_token_bytes must be at least 1")]
    ZeroMaxTokenBytes,
    /// `max_token_bytes` is over [`AnalyzerConfig::MAX_TOKEN_BYTES_LIMIT`].
    #[error("max_token_bytes is {0}, more than the limit of {limit}", limit = AnalyzerConfig::MAX_TOKEN_BYTES_LIMIT)]
    MaxTokenBytesTooLarge(usize),
    /// `langid_version` is not a version this build knows.
    #[error("langid_version is {0}; this redflag knows versions {min} to {max}", min = crate::text::lang::LANGID_VERSIONS.start(), max = crate::text::lang::LANGID_VERSIONS.end())]
    UnknownLangidVersion(u8),
}

impl AnalyzerConfig {
    /// The language-identification rules the analyser's language codes come from: its
    /// `langid_version` when it identifies languages, else the newest (scoring still reports
    /// a language per record).
    pub fn langid(&self) -> u8 {
        if self.detect_language {
            self.langid_version
        } else {
            crate::text::lang::LANGID_LATEST
        }
    }

    /// The largest `max_token_bytes` accepted: it bounds the length of every term, and so
    /// the work and memory of analysing one word, even under a hostile model file.
    pub const MAX_TOKEN_BYTES_LIMIT: usize = 1024;

    /// Validates the configuration.
    ///
    /// # Errors
    ///
    /// [`ConfigError::NgramRange`] if an n-gram range is not
    /// `1 <= min <= max <= 8`, [`ConfigError::ZeroMaxTokenBytes`] or
    /// [`ConfigError::MaxTokenBytesTooLarge`] if `max_token_bytes` is zero or over
    /// [`Self::MAX_TOKEN_BYTES_LIMIT`], [`ConfigError::UnknownLangidVersion`] for a
    /// `langid_version` outside [`crate::text::lang::LANGID_VERSIONS`].
    pub fn check(&self) -> Result<(), ConfigError> {
        let ranges = [
            ("word_ngrams", Some(self.word_ngrams)),
            ("char_ngrams", self.char_ngrams),
        ];
        for (field, range) in ranges {
            if let Some(r) = range {
                if !r.is_valid() {
                    return Err(ConfigError::NgramRange {
                        field,
                        min: r.min,
                        max: r.max,
                    });
                }
            }
        }
        if self.max_token_bytes == 0 {
            return Err(ConfigError::ZeroMaxTokenBytes);
        }
        if self.max_token_bytes > Self::MAX_TOKEN_BYTES_LIMIT {
            return Err(ConfigError::MaxTokenBytesTooLarge(self.max_token_bytes));
        }
        if !crate::text::lang::LANGID_VERSIONS.contains(&self.langid_version) {
            return Err(ConfigError::UnknownLangidVersion(self.langid_version));
        }
        Ok(())
    }
}

/// What a term is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TermKind {
    /// A single (normalised, stemmed) word.
    Word,
    /// An n-gram of two or more tokens (words and/or signal tokens).
    WordNgram,
    /// A signal token such as `#url` or `#addr_btc_bech32`.
    Signal(SignalKind),
    /// A side term (`#addr`, `#domain:example.org`): emitted next to its
    /// signal, never part of n-grams.
    Side,
    /// A character n-gram from inside a word.
    CharNgram,
}

/// One owned term (see [`Analyzer::terms`]).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Term {
    /// The term text.
    pub text: String,
    /// What kind of term it is.
    pub kind: TermKind,
    /// Where it came from in the original text.
    pub span: Span,
}

#[derive(Clone, Copy, Debug)]
enum TokKind {
    Word,
    Signal(SignalKind),
}

/// A unigram token of the current document.
#[derive(Clone, Debug)]
struct Token {
    kind: TokKind,
    /// Token text in `Scratch::arena`.
    text: Range<usize>,
    /// The unstemmed normalised word in `Scratch::norm` (words only).
    norm: Range<usize>,
    /// Domain side term in `Scratch::sides` (URLs only, may be empty).
    side: Range<usize>,
    span: Span,
    /// Byte `i` of the normalised word came from original byte `span.start + i`.
    linear: bool,
}

/// The first character of every character n-gram term (`~ gi`, `~ive`), so that n-grams
/// never collide with words, stems or signal tokens.
pub const CHAR_NGRAM_PREFIX: char = '~';

/// The prefix of terms inside quoted or reported speech (with `quotes`): `"send`,
/// `"#addr`, and `~"sen` for character n-grams. Words never start with `"`.
pub const QUOTE_PREFIX: char = '"';

/// Reusable per-thread buffers for [`Analyzer::for_each_term`].
///
/// Create one per thread with `Scratch::default()` and pass it to every
/// call: once the buffers have grown to the size of the largest document,
/// analysis allocates nothing (apart from new entries in the bounded stem
/// cache). A `Scratch` may be shared by analysers with different configs.
#[derive(Clone, Debug, Default)]
pub struct Scratch {
    pre: MappedText,
    norm: MappedText,
    fold: FoldBuffers,
    signals: Vec<RawSignal>,
    tokens: Vec<Token>,
    arena: String,
    sides: String,
    domain: String,
    chars: String,
    /// The current character n-gram with its `~` prefix.
    gram: String,
    offsets: Vec<usize>,
    /// One stem cache per stemming language, made on first use.
    stems: Vec<StemCache>,
    /// The language identified for the last text (with `detect_language`).
    lang: Option<&'static str>,
    /// The stemmer of the last text: its index in [`Language::ALL`], or `u8::MAX` for none.
    stem_index: u8,
    /// Quoted byte ranges of the last text (with `quotes`).
    quoted: Vec<Range<usize>>,
    /// A term with its quotation prefix.
    qterm: String,
}

impl Scratch {
    /// Creates empty buffers.
    pub fn new() -> Self {
        Self::default()
    }

    /// The language identified for the last text analysed with this scratch space, when
    /// the analyser identifies languages (`detect_language`); see
    /// [`crate::text::lang::detect`].
    pub fn language(&self) -> Option<&'static str> {
        self.lang
    }

    /// The words of the last text analysed with this scratch space, in order: each word's
    /// analysed term (normalised and stemmed, without a quotation prefix) and its span in
    /// the original text.
    pub fn words(&self) -> impl Iterator<Item = (&str, Span)> + '_ {
        self.tokens
            .iter()
            .filter(|t| matches!(t.kind, TokKind::Word))
            .map(|t| (self.arena.get(t.text.clone()).unwrap_or(""), t.span))
    }

    /// How much the last text analysed with this scratch space says: its number of words,
    /// and of signal tokens other than money amounts (addresses, links, e-mail addresses,
    /// handles, phone numbers).
    pub fn evidence(&self) -> (usize, usize) {
        let mut words = 0;
        let mut signals = 0;
        for t in &self.tokens {
            match t.kind {
                TokKind::Word => words += 1,
                TokKind::Signal(SignalKind::Money) => {}
                TokKind::Signal(_) => signals += 1,
            }
        }
        (words, signals)
    }
}

/// Turns text into terms. Cheap to clone; `Send + Sync`.
#[derive(Clone, Debug)]
pub struct Analyzer {
    config: AnalyzerConfig,
    /// One stemmer per language of [`Language::ALL`], in that order.
    stemmers: Vec<Stemmer>,
}

impl Default for Analyzer {
    fn default() -> Self {
        Analyzer::new(AnalyzerConfig::default()).expect("the default configuration is valid")
    }
}

/// The stemming language of an identified language code, if `rust-stemmers` has one.
pub fn stemming_language(code: &str) -> Option<Language> {
    Some(match code {
        "ar" => Language::Arabic,
        "da" => Language::Danish,
        "nl" => Language::Dutch,
        "en" => Language::English,
        "fi" => Language::Finnish,
        "fr" => Language::French,
        "de" => Language::German,
        "el" => Language::Greek,
        "hu" => Language::Hungarian,
        "it" => Language::Italian,
        "nb" | "no" | "nn" => Language::Norwegian,
        "pt" => Language::Portuguese,
        "ro" => Language::Romanian,
        "ru" => Language::Russian,
        "es" => Language::Spanish,
        "sv" => Language::Swedish,
        "ta" => Language::Tamil,
        "tr" => Language::Turkish,
        _ => return None,
    })
}

/// How many distinct words a [`WordColumns`] memo holds before it starts again.
pub const WORD_MEMO_CAPACITY: usize = 1 << 16;

/// A bounded per-thread memo from a word, as the analyser sees it after normalisation, to
/// the feature columns of its unigram and character n-grams, for
/// [`Analyzer::for_each_column`]. Words follow Zipf's law, so most look-ups hit and a word's
/// stemming, character n-grams and vocabulary look-ups are done once per thread, not once
/// per occurrence.
///
/// A memo belongs to one vocabulary: [`WordColumns::bind`] empties it when the caller's
/// vocabulary changes. When it holds [`WORD_MEMO_CAPACITY`] words it is emptied, so its
/// memory stays bounded whatever the input.
#[derive(Debug, Default)]
pub struct WordColumns {
    owner: u64,
    key: String,
    words: FxHashMap<Box<str>, WordEntry>,
    /// Filled on a miss, then stored.
    fresh: Vec<(u32, u32, u32)>,
}

/// The columns of one word: its unigram's, and its character n-grams' with their byte
/// ranges in the normalised word.
#[derive(Debug)]
struct WordEntry {
    unigram: Option<u32>,
    grams: Box<[(u32, u32, u32)]>,
}

impl WordColumns {
    /// Makes the memo serve the vocabulary identified by `owner` (any number that differs
    /// between vocabularies), emptying it if it served another.
    pub fn bind(&mut self, owner: u64) {
        if self.owner != owner {
            self.words.clear();
            self.owner = owner;
        }
    }

    /// Number of words held.
    pub fn len(&self) -> usize {
        self.words.len()
    }

    /// Whether no word is held.
    pub fn is_empty(&self) -> bool {
        self.words.is_empty()
    }
}

/// `term`, or `"` + `term` (built in `buf`) inside a quotation.
fn with_quote<'a>(buf: &'a mut String, term: &'a str, q: bool) -> &'a str {
    if q {
        buf.clear();
        buf.push(QUOTE_PREFIX);
        buf.push_str(term);
        buf
    } else {
        term
    }
}

/// The column of a term of a token, inside a quotation or not (see [`with_quote`]).
fn quoted_column(
    column: &mut impl FnMut(&str) -> Option<u32>,
    qterm: &mut String,
    term: &str,
    q: bool,
) -> Option<u32> {
    column(with_quote(qterm, term, q))
}

impl Analyzer {
    /// Validates `config` and builds an analyser.
    ///
    /// # Errors
    ///
    /// Whatever [`AnalyzerConfig::check`] reports.
    pub fn new(config: AnalyzerConfig) -> Result<Analyzer, ConfigError> {
        config.check()?;
        Ok(Analyzer {
            stemmers: Language::ALL.iter().map(|&l| Stemmer::new(l)).collect(),
            config,
        })
    }

    /// The configuration.
    pub fn config(&self) -> &AnalyzerConfig {
        &self.config
    }

    /// Calls `f(term, kind, span)` for every term of `text`, in document
    /// order. For each token position: the unigram (a [`TermKind::Word`] if
    /// `word_ngrams.min == 1`, or a [`TermKind::Signal`] token always), then
    /// the word n-grams starting there (by increasing n), then the side
    /// terms of a signal, then the character n-grams of a word. Spans are
    /// byte ranges of `text`, non-empty, on char boundaries; an n-gram's span
    /// runs from its first token's start to its last token's end.
    pub fn for_each_term(
        &self,
        text: &str,
        scratch: &mut Scratch,
        mut f: impl FnMut(&str, TermKind, Span),
    ) {
        self.analyze(text, scratch);
        let cfg = &self.config;
        let Scratch {
            norm,
            tokens,
            arena,
            sides,
            chars,
            gram,
            offsets,
            quoted,
            qterm,
            ..
        } = scratch;
        let quoted: &[Range<usize>] = quoted;
        // A term of a token inside a quotation gets the `"` prefix.
        let mut f = |term: &str, kind: TermKind, span: Span, q: bool| {
            f(with_quote(qterm, term, q), kind, span)
        };
        let tokens: &[Token] = tokens;
        // Tokens sit in `arena` separated by single spaces, so every word
        // n-gram is a slice of it.
        let arena: &str = arena;
        let (min, max) = (
            usize::from(cfg.word_ngrams.min),
            usize::from(cfg.word_ngrams.max),
        );
        let n_tokens = tokens.len();
        for (i, t) in tokens.iter().enumerate() {
            let text_of = |last: &Token| arena.get(t.text.start..last.text.end).unwrap_or("");
            let q = !quoted.is_empty() && super::quote::is_quoted(quoted, t.span.start);
            match t.kind {
                TokKind::Word => {
                    if min == 1 {
                        f(text_of(t), TermKind::Word, t.span, q);
                    }
                }
                TokKind::Signal(k) => f(k.token(), TermKind::Signal(k), t.span, q),
            }
            for last in tokens
                .iter()
                .take(n_tokens.min(i + max))
                .skip(i + min.max(2) - 1)
            {
                f(
                    text_of(last),
                    TermKind::WordNgram,
                    Span::new(t.span.start, last.span.end),
                    q,
                );
            }
            match t.kind {
                TokKind::Signal(k) => {
                    if k.is_address() {
                        f(ADDRESS_SIDE_TERM, TermKind::Side, t.span, q);
                    }
                    if !t.side.is_empty() {
                        f(
                            sides.get(t.side.clone()).unwrap_or(""),
                            TermKind::Side,
                            t.span,
                            q,
                        );
                    }
                }
                TokKind::Word => {
                    if let Some(cr) = cfg.char_ngrams {
                        let base = t.norm.start;
                        let word = norm.as_str().get(t.norm.clone()).unwrap_or("");
                        tokenize::for_each_char_ngram(word, cr, chars, offsets, |g, r| {
                            let span = if t.linear {
                                Span::new(t.span.start + r.start, t.span.start + r.end)
                            } else {
                                norm.original_span(base + r.start, base + r.end)
                            };
                            // `~` keeps character n-grams apart from words and stems
                            // (the n-gram "posit" of "positions" is not the stem "posit").
                            gram.clear();
                            gram.push(CHAR_NGRAM_PREFIX);
                            if q {
                                gram.push(QUOTE_PREFIX);
                            }
                            gram.push_str(g);
                            f(gram, TermKind::CharNgram, span, false)
                        });
                    }
                }
            }
        }
    }

    /// The feature columns of `text`'s terms, in the order of [`Analyzer::for_each_term`]:
    /// calls `f(column, span, kind)` for every term for which `column(term)` is `Some`. Exactly
    /// the calls `for_each_term` followed by `column` would make, but a word's unigram and
    /// character n-gram columns come from `memo` after its first occurrence (`column` must
    /// then not change its answers while `memo` is bound to it).
    pub fn for_each_column(
        &self,
        text: &str,
        scratch: &mut Scratch,
        memo: &mut WordColumns,
        mut column: impl FnMut(&str) -> Option<u32>,
        mut f: impl FnMut(u32, Span, TermKind),
    ) {
        self.analyze(text, scratch);
        let cfg = &self.config;
        let Scratch {
            norm,
            tokens,
            arena,
            sides,
            chars,
            gram,
            offsets,
            quoted,
            qterm,
            stem_index,
            ..
        } = scratch;
        let quoted: &[Range<usize>] = quoted;
        let tokens: &[Token] = tokens;
        let arena: &str = arena;
        let (min, max) = (
            usize::from(cfg.word_ngrams.min),
            usize::from(cfg.word_ngrams.max),
        );
        let n_tokens = tokens.len();
        let WordColumns {
            key, words, fresh, ..
        } = memo;
        for (i, t) in tokens.iter().enumerate() {
            let text_of = |last: &Token| arena.get(t.text.start..last.text.end).unwrap_or("");
            let q = !quoted.is_empty() && super::quote::is_quoted(quoted, t.span.start);
            let base = t.norm.start;
            let word = norm.as_str().get(t.norm.clone()).unwrap_or("");
            // A word's entry: looked up, or made and stored.
            let entry = match t.kind {
                TokKind::Signal(k) => {
                    if let Some(c) = quoted_column(&mut column, qterm, k.token(), q) {
                        f(c, t.span, TermKind::Signal(k));
                    }
                    None
                }
                TokKind::Word => {
                    key.clear();
                    key.push(char::from(*stem_index));
                    key.push(if q { QUOTE_PREFIX } else { ' ' });
                    key.push_str(word);
                    if !words.contains_key(key.as_str()) {
                        let unigram = if min == 1 {
                            quoted_column(&mut column, qterm, text_of(t), q)
                        } else {
                            None
                        };
                        fresh.clear();
                        if let Some(cr) = cfg.char_ngrams {
                            tokenize::for_each_char_ngram(word, cr, chars, offsets, |g, r| {
                                gram.clear();
                                gram.push(CHAR_NGRAM_PREFIX);
                                if q {
                                    gram.push(QUOTE_PREFIX);
                                }
                                gram.push_str(g);
                                if let Some(c) = column(gram) {
                                    // Words are at most `max_token_bytes` < 2^32 bytes long.
                                    fresh.push((c, r.start as u32, r.end as u32));
                                }
                            });
                        }
                        if words.len() >= WORD_MEMO_CAPACITY {
                            words.clear();
                        }
                        words.insert(
                            key.as_str().into(),
                            WordEntry {
                                unigram,
                                grams: fresh.as_slice().into(),
                            },
                        );
                    }
                    let entry = words.get(key.as_str());
                    if let Some(c) = entry.and_then(|e| e.unigram) {
                        f(c, t.span, TermKind::Word);
                    }
                    entry
                }
            };
            for last in tokens
                .iter()
                .take(n_tokens.min(i + max))
                .skip(i + min.max(2) - 1)
            {
                if let Some(c) = quoted_column(&mut column, qterm, text_of(last), q) {
                    f(
                        c,
                        Span::new(t.span.start, last.span.end),
                        TermKind::WordNgram,
                    );
                }
            }
            match t.kind {
                TokKind::Signal(k) => {
                    if k.is_address() {
                        if let Some(c) = quoted_column(&mut column, qterm, ADDRESS_SIDE_TERM, q) {
                            f(c, t.span, TermKind::Side);
                        }
                    }
                    if !t.side.is_empty() {
                        let side = sides.get(t.side.clone()).unwrap_or("");
                        if let Some(c) = quoted_column(&mut column, qterm, side, q) {
                            f(c, t.span, TermKind::Side);
                        }
                    }
                }
                TokKind::Word => {
                    for &(c, s, e) in entry.map(|e| &e.grams[..]).unwrap_or(&[]) {
                        let (s, e) = (s as usize, e as usize);
                        let span = if t.linear {
                            Span::new(t.span.start + s, t.span.start + e)
                        } else {
                            norm.original_span(base + s, base + e)
                        };
                        f(c, span, TermKind::CharNgram);
                    }
                }
            }
        }
    }

    /// All terms of `text` (allocating convenience over [`Analyzer::for_each_term`]).
    pub fn terms(&self, text: &str) -> Vec<Term> {
        let mut scratch = Scratch::default();
        let mut out = Vec::new();
        self.for_each_term(text, &mut scratch, |t, kind, span| {
            out.push(Term {
                text: t.to_string(),
                kind,
                span,
            })
        });
        out
    }

    /// The unigram tokens of `text`: normalised, stemmed words and signal
    /// tokens (no n-grams, no side terms), regardless of `word_ngrams`.
    pub fn tokens(&self, text: &str) -> Vec<Term> {
        let mut scratch = Scratch::default();
        self.analyze(text, &mut scratch);
        scratch
            .tokens
            .iter()
            .map(|t| match t.kind {
                TokKind::Word => Term {
                    text: scratch.arena[t.text.clone()].to_string(),
                    kind: TermKind::Word,
                    span: t.span,
                },
                TokKind::Signal(k) => Term {
                    text: k.token().to_string(),
                    kind: TermKind::Signal(k),
                    span: t.span,
                },
            })
            .collect()
    }

    /// Fills `scratch.tokens` for `text`.
    fn analyze(&self, text: &str, scratch: &mut Scratch) {
        let cfg = &self.config;
        let Scratch {
            pre,
            norm,
            fold,
            signals: sigs,
            tokens,
            arena,
            sides,
            domain,
            stems,
            lang,
            stem_index,
            quoted,
            ..
        } = scratch;
        // The stemmer of this text: the configured language, or the identified one.
        let mut stem_language = Some(cfg.language);
        *lang = None;
        if cfg.detect_language {
            let code = super::lang::detect_version(text, cfg.langid_version).code;
            *lang = Some(code);
            if code != super::lang::UNDETERMINED {
                stem_language = stemming_language(code);
            }
        }
        quoted.clear();
        if cfg.quotes {
            quoted.extend(super::quote::quoted_ranges(text));
        }
        *stem_index = u8::MAX;
        let (stemmer, stems) = match stem_language.filter(|_| cfg.stem) {
            Some(l) => {
                let i = Language::ALL.iter().position(|&x| x == l).unwrap_or(0);
                if stems.len() < Language::ALL.len() {
                    stems.resize_with(Language::ALL.len(), StemCache::default);
                }
                *stem_index = u8::try_from(i).unwrap_or(u8::MAX);
                (Some(&self.stemmers[i]), Some(&mut stems[i]))
            }
            None => (None, None),
        };
        norm.clear();
        tokens.clear();
        arena.clear();
        sides.clear();
        let mut profile = Profile::scan(text);
        let changed = normalize::prenormalize_profiled(text, &cfg.normalize, &profile, pre);
        // Stage 1 always stores one span per byte; should that ever not hold,
        // fall back to the original text rather than risk wrong offsets.
        let pre_text = match pre.explicit_map() {
            Some(map) if changed => {
                profile = Profile::scan(pre.as_str());
                PreText {
                    text: pre.as_str(),
                    map: Some(map),
                }
            }
            _ => PreText { text, map: None },
        };
        signals::find_raw_profiled(pre_text.text, &cfg.signals, &profile, sigs);
        let script = if cfg.normalize.fold_confusables && profile.non_ascii {
            ScriptContext::scan(pre_text.text)
        } else {
            ScriptContext::default()
        };
        let mut words = WordSink {
            analyzer: self,
            ctx: FoldContext {
                pre: pre_text,
                config: &cfg.normalize,
                profile,
                script,
            },
            fold,
            norm,
            tokens,
            arena,
            stemmer,
            stems,
        };
        let mut pos = 0;
        for sig in sigs.iter() {
            words.push_words(pos, sig.start);
            let span = pre_text.original_span(sig.start, sig.end);
            let side = if sig.kind == SignalKind::Url && cfg.signals.keep_domain {
                if signals::registrable_domain(&pre_text.text[sig.start..sig.end], domain) {
                    let s = sides.len();
                    sides.push_str(DOMAIN_SIDE_PREFIX);
                    sides.push_str(domain);
                    s..sides.len()
                } else {
                    0..0
                }
            } else {
                0..0
            };
            let ts = words.start_token();
            words.arena.push_str(sig.kind.token());
            words.tokens.push(Token {
                kind: TokKind::Signal(sig.kind),
                text: ts..words.arena.len(),
                norm: 0..0,
                side,
                span,
                linear: false,
            });
            pos = sig.end;
        }
        words.push_words(pos, pre_text.text.len());
    }
}

/// Folds, segments and stems the text between signals.
struct WordSink<'a> {
    analyzer: &'a Analyzer,
    ctx: FoldContext<'a>,
    fold: &'a mut FoldBuffers,
    norm: &'a mut MappedText,
    tokens: &'a mut Vec<Token>,
    arena: &'a mut String,
    /// The stemmer of this text (`None`: no stemming).
    stemmer: Option<&'a Stemmer>,
    stems: Option<&'a mut StemCache>,
}

impl WordSink<'_> {
    /// Separates the next token from the previous one; returns where it starts.
    #[inline]
    fn start_token(&mut self) -> usize {
        if !self.arena.is_empty() {
            self.arena.push(' ');
        }
        self.arena.len()
    }

    fn push_words(&mut self, start: usize, end: usize) {
        if start >= end {
            return;
        }
        let cfg = &self.analyzer.config;
        let ns = self.norm.len();
        let layout = normalize::fold_range(&self.ctx, start, end, self.fold, self.norm);
        let norm: &MappedText = self.norm;
        let gap = &norm.as_str()[ns..];
        let (tokens, arena) = (&mut *self.tokens, &mut *self.arena);
        let mut stem = self.stemmer.zip(self.stems.as_deref_mut());
        tokenize::for_each_word(gap, |off, w| {
            if w.len() > cfg.max_token_bytes {
                return;
            }
            let (ws, we) = (ns + off, ns + off + w.len());
            let (span, linear) = match layout {
                GapLayout::Linear { orig_start } => (
                    Span::new(orig_start + off, orig_start + off + w.len()),
                    true,
                ),
                GapLayout::Mapped => (norm.original_span(ws, we), false),
            };
            if span.is_empty() {
                return;
            }
            if !arena.is_empty() {
                arena.push(' ');
            }
            let ts = arena.len();
            if let Some((stemmer, stems)) = stem.as_mut() {
                stems.stem_into(stemmer, w, arena);
                if arena.len() == ts {
                    arena.push_str(w);
                }
            } else {
                arena.push_str(w);
            }
            tokens.push(Token {
                kind: TokKind::Word,
                text: ts..arena.len(),
                norm: ws..we,
                side: 0..0,
                span,
                linear,
            });
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BTC: &str = "1QtR6sAW5m1MX4bUPvZECTsjvwLKKi3E4";
    const P2SH: &str = "3zkWBuWy9on3uAW9N4jS1QPkVt3CEtX3bJ";
    const BECH32: &str = "bc1qgl5rvrsxp0w7x70hc43qctzgrlslja2zzmlg5q";
    const ETH: &str = "0x80e05cEAF4873a318264b36C0A4ed777b858EA77";
    const XMR: &str = "44ZZy1WQUYuUasSpw56qHFvdgNHfQz2ieSXcDs31xQCrZFPSZgSwJMrpx7BGosjZCavXSTRwZJqzu9SvYUoWNEvz8NsWuBa";
    const TRX: &str = "TE1qFLgnmnjm7AE3ao2TnyxBfTGk1UFSkz";
    const LTC: &str = "M1udjY4Kx3SGiSHeMLBzAXJsCbVhxNnkzA";
    const LTC_BECH32: &str = "ltc1q63823vtap7kuan04g3fksla6u3gkwmpvy2k456";
    const ZEC: &str = "t1nUEvJRMq1S6xw5dGJ4X8WbHqWo3AmokxR";

    fn analyzer() -> Analyzer {
        Analyzer::default()
    }

    fn token_texts(text: &str) -> Vec<String> {
        analyzer()
            .tokens(text)
            .into_iter()
            .map(|t| t.text)
            .collect()
    }

    fn find<'a>(terms: &'a [Term], text: &str) -> &'a Term {
        terms
            .iter()
            .find(|t| t.text == text)
            .unwrap_or_else(|| panic!("no term {text:?} in {terms:?}"))
    }

    #[test]
    fn traits() {
        fn check<T: Send + Sync + Clone + std::fmt::Debug>() {}
        check::<Analyzer>();
        fn send<T: Send>() {}
        send::<Scratch>();
        let a = analyzer();
        assert_eq!(a.config(), &AnalyzerConfig::default());
        let b = a.clone();
        assert_eq!(b.tokens("x"), a.tokens("x"));
    }

    #[test]
    fn obfuscations_normalise() {
        assert_eq!(
            token_texts("Please d0nate in b1tc0in"),
            ["pleas", "donat", "in", "bitcoin"]
        );
        assert_eq!(
            token_texts("m0ner0 supp0rt $end"),
            ["monero", "support", "send"]
        );
        assert_eq!(token_texts("dоnаte bіtсoin"), ["donat", "bitcoin"]); // Cyrillic
        assert_eq!(token_texts("mοnerο"), ["monero"]); // Greek
        assert_eq!(token_texts("do\u{200B}na\u{200D}te"), ["donat"]);
        assert_eq!(token_texts("d o n a t e now"), ["donat", "now"]);
        assert_eq!(token_texts("D-O-N-A-T-E"), ["donat"]);
        assert_eq!(token_texts("ｄｏｎａｔｅ"), ["donat"]);
        assert_eq!(token_texts("STRASSE Straße"), ["strass", "strass"]);
        assert_eq!(token_texts("2015 covid19"), ["2015", "covid19"]);
    }

    #[test]
    fn spans_of_obfuscated_words() {
        let text = "pls d o n a t e or ｄｏｎａｔｅ or d\u{200B}0nate";
        let toks = analyzer().tokens(text);
        let spans: Vec<&str> = toks
            .iter()
            .map(|t| &text[t.span.start..t.span.end])
            .collect();
        assert_eq!(
            spans,
            [
                "pls",
                "d o n a t e",
                "or",
                "ｄｏｎａｔｅ",
                "or",
                "d\u{200B}0nate"
            ]
        );
    }

    #[test]
    fn every_address_kind_with_exact_span() {
        let cases = [
            (BTC, SignalKind::BtcLegacy, "#addr_btc_legacy"),
            (P2SH, SignalKind::BtcP2sh, "#addr_btc_p2sh"),
            (BECH32, SignalKind::BtcBech32, "#addr_btc_bech32"),
            (ETH, SignalKind::Ethereum, "#addr_eth"),
            (XMR, SignalKind::Monero, "#addr_xmr"),
            (TRX, SignalKind::Tron, "#addr_trx"),
            (LTC, SignalKind::Litecoin, "#addr_ltc"),
            (LTC_BECH32, SignalKind::Litecoin, "#addr_ltc"),
            (ZEC, SignalKind::Zcash, "#addr_zec"),
        ];
        for prefix in [
            "send to ",
            "ｓｅｎｄ\u{200B} ｔｏ\u{200D}: ",
            "cafe\u{301} \u{FEFF}→ ",
        ] {
            for (addr, kind, token) in cases {
                let text = format!("{prefix}{addr} thanks");
                let terms = analyzer().terms(&text);
                let sig = find(&terms, token);
                assert_eq!(sig.kind, TermKind::Signal(kind));
                assert_eq!(&text[sig.span.start..sig.span.end], addr, "{text}");
                let side = find(&terms, "#addr");
                assert_eq!(side.kind, TermKind::Side);
                assert_eq!(side.span, sig.span);
                // Signal tokens are not stemmed or folded, and form bigrams.
                let bigram = find(&terms, &format!("{token} thank"));
                assert_eq!(
                    &text[bigram.span.start..bigram.span.end],
                    format!("{addr} thanks")
                );
                assert!(terms.iter().all(|t| !t.text.contains(&addr.to_lowercase())));
            }
        }
    }

    #[test]
    fn address_with_zero_width_inside() {
        let text = format!("to {}\u{200B}{}", &BTC[..10], &BTC[10..]);
        let terms = analyzer().terms(&text);
        let sig = find(&terms, "#addr_btc_legacy");
        assert_eq!(&text[sig.span.start..sig.span.end], &text[3..]);
    }

    #[test]
    fn split_address() {
        let text = "xmr pls: bc1q gl5r vrsx p0w7 x70h c43q ctzg rlsl ja2z zmlg 5q ty";
        let terms = analyzer().terms(text);
        let sig = find(&terms, "#addr_btc_bech32");
        assert_eq!(
            &text[sig.span.start..sig.span.end],
            "bc1q gl5r vrsx p0w7 x70h c43q ctzg rlsl ja2z zmlg 5q"
        );
        assert!(terms.iter().all(|t| t.text != "gl5r"));
    }

    #[test]
    fn url_domain_and_other_signals() {
        let text = "Join https://t.Example.org/join or mail a@example.com, @example_channel, +1 555 123 4567, give $50 or 0.5 BTC";
        let terms = analyzer().terms(text);
        let url = find(&terms, "#url");
        assert_eq!(
            &text[url.span.start..url.span.end],
            "https://t.Example.org/join"
        );
        let dom = find(&terms, "#domain:example.org");
        assert_eq!((dom.kind, dom.span), (TermKind::Side, url.span));
        for (tok, want) in [
            ("#email", "a@example.com"),
            ("#handle", "@example_channel"),
            ("#phone", "+1 555 123 4567"),
        ] {
            let t = find(&terms, tok);
            assert_eq!(&text[t.span.start..t.span.end], want);
        }
        let money: Vec<_> = terms
            .iter()
            .filter(|t| t.kind == TermKind::Signal(SignalKind::Money))
            .map(|t| &text[t.span.start..t.span.end])
            .collect();
        assert_eq!(money, ["$50", "0.5 BTC"]);
        find(&terms, "join #url");
        find(&terms, "give #money");
        // Side terms are not part of n-grams.
        assert!(terms
            .iter()
            .all(|t| !t.text.contains("#domain:") || t.kind == TermKind::Side));
        assert!(terms
            .iter()
            .all(|t| t.kind == TermKind::Side || !t.text.split(' ').any(|w| w == "#addr")));
    }

    #[test]
    fn defanged_url() {
        let terms = analyzer().terms("go to donate[.]example[.]net/x now");
        find(&terms, "#url");
        find(&terms, "#domain:example.net");
        find(&terms, "to #url");
        let terms = analyzer().terms("visit example dot org");
        find(&terms, "#domain:example.org");
    }

    #[test]
    fn keep_domain_off_and_signals_off() {
        let mut cfg = AnalyzerConfig::default();
        cfg.signals.keep_domain = false;
        let a = Analyzer::new(cfg.clone()).unwrap();
        let terms = a.terms("see example.org");
        find(&terms, "#url");
        assert!(terms.iter().all(|t| !t.text.starts_with("#domain")));
        cfg.signals.enabled = false;
        let a = Analyzer::new(cfg).unwrap();
        let toks: Vec<String> = a
            .tokens(&format!("see example.org {BTC}"))
            .into_iter()
            .map(|t| t.text)
            .collect();
        assert_eq!(toks, ["see", "example.org", &BTC.to_lowercase()]);
    }

    #[test]
    fn ngram_order_and_kinds() {
        let terms = analyzer().terms("send the money");
        let got: Vec<(&str, TermKind)> = terms.iter().map(|t| (t.text.as_str(), t.kind)).collect();
        assert_eq!(
            got,
            [
                ("send", TermKind::Word),
                ("send the", TermKind::WordNgram),
                ("the", TermKind::Word),
                ("the money", TermKind::WordNgram),
                ("money", TermKind::Word),
            ]
        );
        let text = "send the money";
        let t = find(&terms, "the money");
        assert_eq!(&text[t.span.start..t.span.end], "the money");
    }

    #[test]
    fn char_ngrams_and_min_above_one() {
        let cfg = AnalyzerConfig {
            word_ngrams: NgramRange::new(2, 3),
            char_ngrams: Some(NgramRange::new(3, 3)),
            ..AnalyzerConfig::default()
        };
        let a = Analyzer::new(cfg).unwrap();
        let text = format!("Ｇive {ETH} now");
        let terms = a.terms(&text);
        assert!(terms.iter().all(|t| t.kind != TermKind::Word));
        find(&terms, "give #addr_eth now");
        let sig = find(&terms, "#addr_eth");
        assert_eq!(sig.kind, TermKind::Signal(SignalKind::Ethereum));
        let g = find(&terms, "~ gi");
        assert_eq!(
            (g.kind, &text[g.span.start..g.span.end]),
            (TermKind::CharNgram, "Ｇi")
        );
        let g = find(&terms, "~ve ");
        assert_eq!(&text[g.span.start..g.span.end], "ve");
        // Plain ASCII words map byte for byte.
        let text = "GIVE now";
        let terms = a.terms(text);
        let g = find(&terms, "~ive");
        assert_eq!(&text[g.span.start..g.span.end], "IVE");
        let g = find(&terms, "~ow ");
        assert_eq!(&text[g.span.start..g.span.end], "ow");
        // No char n-grams from signal tokens.
        assert!(terms
            .iter()
            .all(|t| t.kind != TermKind::CharNgram || !t.text.contains('#')));
        assert!(terms.iter().all(|t| !t.text.contains("0x8")));
    }

    #[test]
    fn max_token_bytes_drops_long_words() {
        let cfg = AnalyzerConfig {
            max_token_bytes: 5,
            ..AnalyzerConfig::default()
        };
        let a = Analyzer::new(cfg).unwrap();
        let toks: Vec<String> = a
            .tokens("give everything now")
            .into_iter()
            .map(|t| t.text)
            .collect();
        assert_eq!(toks, ["give", "now"]);
    }

    #[test]
    fn quoted_speech_has_its_own_namespace() {
        let cfg = AnalyzerConfig {
            quotes: true,
            char_ngrams: Some(NgramRange::new(3, 3)),
            ..AnalyzerConfig::default()
        };
        let a = Analyzer::new(cfg).unwrap();
        let text = "Removed: the post read \u{201C}send btc to bc1qgl5rvrsxp0w7x70hc43qctzgrlslja2zzmlg5q\u{201D} today";
        let terms = a.terms(text);
        let has = |t: &str| terms.iter().any(|x| x.text == t);
        assert!(has("remov") && has("today"), "outside quotes: plain");
        assert!(has("\"send") && has("\"btc") && has("\"#addr") && has("\"#addr_btc_bech32"));
        assert!(has("~\"sen"), "character n-grams too");
        assert!(!has("send") && !has("#addr"));
        // Spans still point at the original words.
        let send = terms.iter().find(|x| x.text == "\"send").unwrap();
        assert_eq!(&text[send.span.start..send.span.end], "send");
        // Off by default.
        let plain = Analyzer::new(AnalyzerConfig::default())
            .unwrap()
            .terms(text);
        assert!(plain.iter().any(|x| x.text == "send"));
        assert!(!plain.iter().any(|x| x.text.starts_with('"')));
    }

    #[test]
    fn language_detection_chooses_the_stemmer() {
        let cfg = AnalyzerConfig {
            detect_language: true,
            ..AnalyzerConfig::default()
        };
        let a = Analyzer::new(cfg).unwrap();
        let mut s = Scratch::default();
        let mut words = Vec::new();
        a.for_each_term(
            "Братья отправляют деньги родителям каждую неделю",
            &mut s,
            |t, k, _| {
                if k == TermKind::Word {
                    words.push(t.to_string())
                }
            },
        );
        assert_eq!(s.language(), Some("ru"));
        assert!(words.contains(&"брат".to_string()), "{words:?}");
        // A language without a Snowball algorithm is not stemmed (not stemmed as English).
        words.clear();
        a.for_each_term(
            "Hari ini cuaca sangat bagus dan kami pergi ke taman bersama teman",
            &mut s,
            |t, k, _| {
                if k == TermKind::Word {
                    words.push(t.to_string())
                }
            },
        );
        assert_eq!(s.language(), Some("id"));
        assert!(words.contains(&"bersama".to_string()), "{words:?}");
        // Arabic: folded and stemmed; right-to-left spans point into the original.
        let text = "أرسلوا التبرعات للمساجد";
        let terms = a.terms(text);
        for t in &terms {
            assert!(text.is_char_boundary(t.span.start) && text.is_char_boundary(t.span.end));
        }
        let first = terms.iter().find(|t| t.kind == TermKind::Word).unwrap();
        assert_eq!(&text[first.span.start..first.span.end], "أرسلوا");
        assert!(!first.text.contains('أ'), "alef folded: {}", first.text);
        // Without detection, every text is stemmed as English.
        let mut s2 = Scratch::default();
        Analyzer::default().for_each_term("hello", &mut s2, |_, _, _| {});
        assert_eq!(s2.language(), None);
    }

    #[test]
    fn stemming_toggle() {
        let cfg = AnalyzerConfig {
            stem: false,
            ..AnalyzerConfig::default()
        };
        let a = Analyzer::new(cfg).unwrap();
        let toks: Vec<String> = a.tokens("Donations").into_iter().map(|t| t.text).collect();
        assert_eq!(toks, ["donations"]);
    }

    #[test]
    fn config_check() {
        assert!(AnalyzerConfig::default().check().is_ok());
        let bad = [
            AnalyzerConfig {
                word_ngrams: NgramRange::new(0, 2),
                ..AnalyzerConfig::default()
            },
            AnalyzerConfig {
                word_ngrams: NgramRange::new(3, 2),
                ..AnalyzerConfig::default()
            },
            AnalyzerConfig {
                char_ngrams: Some(NgramRange::new(3, 9)),
                ..AnalyzerConfig::default()
            },
            AnalyzerConfig {
                max_token_bytes: 0,
                ..AnalyzerConfig::default()
            },
            AnalyzerConfig {
                max_token_bytes: AnalyzerConfig::MAX_TOKEN_BYTES_LIMIT + 1,
                ..AnalyzerConfig::default()
            },
        ];
        for cfg in bad {
            let err = Analyzer::new(cfg.clone()).unwrap_err();
            assert_eq!(cfg.check().unwrap_err(), err);
            assert!(!err.to_string().is_empty());
        }
        let err = AnalyzerConfig {
            char_ngrams: Some(NgramRange::new(3, 9)),
            ..AnalyzerConfig::default()
        }
        .check()
        .unwrap_err();
        assert_eq!(
            err,
            ConfigError::NgramRange {
                field: "char_ngrams",
                min: 3,
                max: 9
            }
        );
    }

    #[test]
    fn langid_version_defaults_to_1_and_unknown_versions_are_refused() {
        // A model saved before the setting existed has no `langid_version`: it keeps the
        // rules it was trained with.
        let cfg: AnalyzerConfig = serde_json::from_str(r#"{"detect_language": true}"#).unwrap();
        assert_eq!((cfg.langid_version, cfg.langid()), (1, 1));
        let cfg: AnalyzerConfig = serde_json::from_str(r#"{"langid_version": 2}"#).unwrap();
        assert_eq!(cfg.langid(), crate::text::lang::LANGID_LATEST);
        let cfg: AnalyzerConfig = serde_json::from_str(r#"{"langid_version": 3}"#).unwrap();
        let err = cfg.check().unwrap_err().to_string();
        assert!(err.contains("langid_version is 3"), "{err}");
        // The version decides the stemmer, and with it the terms.
        let text = "Please support our Ramadan iftar drives, sadaqah jariyah for the masjids";
        let terms = |v: u8| {
            let a = Analyzer::new(AnalyzerConfig {
                detect_language: true,
                language: Language::German,
                langid_version: v,
                ..AnalyzerConfig::default()
            })
            .unwrap();
            let mut out = Vec::new();
            a.for_each_term(text, &mut Scratch::new(), |t, _, _| out.push(t.to_string()));
            out
        };
        assert_ne!(terms(1), terms(2));
    }

    #[test]
    fn config_serde() {
        let cfg: AnalyzerConfig = serde_json::from_str("{}").unwrap();
        assert_eq!(cfg, AnalyzerConfig::default());
        let custom = AnalyzerConfig {
            language: Language::German,
            detect_language: true,
            langid_version: 2,
            quotes: true,
            stem: false,
            char_ngrams: Some(NgramRange::new(3, 5)),
            word_ngrams: NgramRange::new(1, 3),
            max_token_bytes: 40,
            normalize: NormalizeConfig {
                fold_leet: false,
                ..NormalizeConfig::default()
            },
            signals: SignalConfig {
                keep_domain: false,
                ..SignalConfig::default()
            },
        };
        let json = serde_json::to_string(&custom).unwrap();
        assert_eq!(
            serde_json::from_str::<AnalyzerConfig>(&json).unwrap(),
            custom
        );
        let partial: AnalyzerConfig =
            serde_json::from_str(r#"{"language":"russian","normalize":{"nfkc":false}}"#).unwrap();
        assert_eq!(partial.language, Language::Russian);
        assert!(!partial.normalize.nfkc && partial.normalize.case_fold);
        assert!(serde_json::from_str::<AnalyzerConfig>(r#"{"stemming":true}"#).is_err());
        let term = Term {
            text: "#addr_xmr".into(),
            kind: TermKind::Signal(SignalKind::Monero),
            span: Span::new(1, 2),
        };
        let j = serde_json::to_string(&term).unwrap();
        assert_eq!(serde_json::from_str::<Term>(&j).unwrap(), term);
    }

    fn messy_texts() -> Vec<String> {
        let mut v: Vec<String> = [
            "",
            " ",
            "   \n\t  \r\n ",
            "\u{301}",
            "\u{301}\u{302}\u{303} a\u{301}",
            "😀🙏🏽👨\u{200D}👩\u{200D}👧 family 🇺🇸",
            "مرحبا بالعالم تبرع الآن bitcoin",
            "שלום עולם",
            "日本語のテキストと中文 donate",
            "ｄｏｎａｔｅ ＄５０ ０ｘ８０ｅ０５ｃＥＡＦ４８７３ａ３１８２６４ｂ３６Ｃ０Ａ４ｅｄ７７７ｂ８５８ＥＡ７７",
            "\u{200B}\u{200C}\u{200D}\u{FEFF}\u{2060}",
            "d\u{200B}o\u{200B}n\u{200B}a\u{200B}t\u{200B}e",
            "Z̷̢͎̈́a̸̛͉l̶̡̈g̵̱̈o̷̟͝ text",
            "İstanbul STRAẞE ǰ ﬃ ㎏ ½ ﷺ",
            "a.b.c.d.e.f",
            "$ € £ 1 2 3 $$$ @@@ ### ...",
            "\u{0}\u{1}\u{7F}\u{85}\u{9C}",
            "e\u{301}\u{301}\u{301}\u{301}\u{301}\u{301}\u{301}\u{301}\u{301}\u{301}\u{301}\u{301}\u{301}\u{301}\u{301}\u{301}\u{301}\u{301}\u{301}\u{301}\u{301}\u{301}\u{301}\u{301}\u{301}\u{301}\u{301}\u{301}\u{301}\u{301}\u{301}\u{301}\u{301}\u{301}\u{301}\u{301}\u{301}\u{301}",
            "hxxp://[.] [.] example[.]",
            "Ρay with ΒΤC",
            "\u{1F1FA}\u{1F1F8}\u{E0067}\u{E0062}",
            "\u{D55C}\u{1100}\u{1161}\u{11A8}",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        v.push("a".repeat(10_000));
        v.push("é".repeat(10_000));
        v.push("\u{301}".repeat(10_000));
        v.push("1".repeat(10_000));
        v.push(" ".repeat(10_000));
        v.push("a ".repeat(5_000));
        v.push("a.".repeat(5_000));
        v.push("0x".repeat(5_000));
        v.push(format!("{}{}", BTC, " x".repeat(1000)));
        v.push(format!("{XMR}{XMR}"));
        v.push(format!("send {ETH} {BTC} {XMR} https://example.org/{ZEC}"));
        v
    }

    #[test]
    fn spans_valid_for_messy_text() {
        let cfg = AnalyzerConfig {
            char_ngrams: Some(NgramRange::new(1, 5)),
            word_ngrams: NgramRange::new(1, 3),
            ..AnalyzerConfig::default()
        };
        let a = Analyzer::new(cfg).unwrap();
        let mut scratch = Scratch::default();
        for text in messy_texts() {
            let mut last_start = 0;
            a.for_each_term(&text, &mut scratch, |term, kind, span| {
                assert!(!term.is_empty());
                let s = text.get(span.start..span.end);
                assert!(
                    s.is_some_and(|s| !s.is_empty()),
                    "{kind:?} {term:?} {span:?} in {text:?}"
                );
                if kind != TermKind::CharNgram {
                    assert!(span.start >= last_start, "document order");
                    last_start = span.start;
                }
            });
        }
    }

    #[test]
    fn full_width_span() {
        let text = "ｄｏｎａｔｅ now";
        let toks = analyzer().tokens(text);
        assert_eq!(toks[0].text, "donat");
        assert_eq!(&text[toks[0].span.start..toks[0].span.end], "ｄｏｎａｔｅ");
    }

    #[test]
    fn no_panic_any_config() {
        let mut scratch = Scratch::default();
        let texts = messy_texts();
        for bits in 0..64u32 {
            let cfg = AnalyzerConfig {
                normalize: NormalizeConfig {
                    nfkc: bits & 1 != 0,
                    case_fold: bits & 2 != 0,
                    strip_invisible: bits & 4 != 0,
                    fold_confusables: bits & 8 != 0,
                    fold_leet: bits & 16 != 0,
                    join_spaced_letters: bits & 32 != 0,
                    fold_scripts: bits & 1 == 0,
                },
                char_ngrams: Some(NgramRange::new(2, 4)),
                language: Language::ALL[bits as usize % Language::ALL.len()],
                ..AnalyzerConfig::default()
            };
            let a = Analyzer::new(cfg).unwrap();
            for text in &texts {
                a.for_each_term(text, &mut scratch, |_, _, span| {
                    assert!(text
                        .get(span.start..span.end)
                        .is_some_and(|s| !s.is_empty()));
                });
            }
        }
    }

    #[test]
    fn pseudo_random_strings_do_not_panic() {
        // Small deterministic generator over a mix of tricky characters.
        let alphabet: Vec<char> =
            "aZ0 1.-_@$€!|:/[]()\u{200B}\u{200D}\u{301}\u{307}éßİıаоΑο日😀\u{FEFF}\n\t\u{0}ｄ＄٣"
                .chars()
                .collect();
        let a = Analyzer::new(AnalyzerConfig {
            char_ngrams: Some(NgramRange::new(1, 3)),
            ..AnalyzerConfig::default()
        })
        .unwrap();
        let mut scratch = Scratch::default();
        let mut state = 0x2545_F491_4F6C_DD1Du64;
        let mut s = String::new();
        for _ in 0..3000 {
            s.clear();
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let len = (state % 40) as usize;
            for _ in 0..len {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                s.push(alphabet[(state % alphabet.len() as u64) as usize]);
            }
            a.for_each_term(&s, &mut scratch, |_, _, span| {
                assert!(
                    s.get(span.start..span.end).is_some_and(|x| !x.is_empty()),
                    "{s:?}"
                );
            });
        }
    }

    /// `for_each_column` makes exactly the calls `for_each_term` + `column` makes, with a
    /// cold memo and a warm one, inside quotations, with and without character n-grams, for
    /// mixed languages, and across a memo that is emptied when full.
    #[test]
    fn memoised_columns_equal_term_lookups() {
        use std::collections::HashMap;
        let mut texts = messy_texts();
        texts.extend(
            [
                "Send BTC to the brothers: \"donate to the brothers now\" he wrote",
                "> donate to the mujahideen\nThe post read: send btc to the brothers",
                "Отправьте деньги братьям, отправьте сейчас",
                "أرسلوا التبرعات للإخوة، أرسلوا الآن",
                "Ｄｏｎａｔｅ donate DONATE d0nate",
            ]
            .iter()
            .map(|s| s.to_string()),
        );
        let configs = [
            AnalyzerConfig {
                char_ngrams: Some(NgramRange { min: 3, max: 5 }),
                detect_language: true,
                quotes: true,
                ..AnalyzerConfig::default()
            },
            AnalyzerConfig {
                word_ngrams: NgramRange { min: 2, max: 3 },
                char_ngrams: Some(NgramRange { min: 2, max: 4 }),
                ..AnalyzerConfig::default()
            },
            AnalyzerConfig::default(),
        ];
        for config in configs {
            let a = Analyzer::new(config).unwrap();
            // A vocabulary of every other term seen, so that some look-ups miss.
            let mut vocab: HashMap<String, u32> = HashMap::new();
            let mut n = 0u32;
            for text in &texts {
                for t in a.terms(text) {
                    n += 1;
                    if n % 2 == 0 {
                        let len = vocab.len() as u32;
                        vocab.entry(t.text).or_insert(len);
                    }
                }
            }
            let mut scratch = Scratch::default();
            let mut memo = WordColumns::default();
            memo.bind(7);
            for round in 0..2 {
                for text in &texts {
                    let mut expected = Vec::new();
                    a.for_each_term(text, &mut Scratch::default(), |t, k, s| {
                        if let Some(&c) = vocab.get(t) {
                            expected.push((c, s, k));
                        }
                    });
                    let mut got = Vec::new();
                    a.for_each_column(
                        text,
                        &mut scratch,
                        &mut memo,
                        |t| vocab.get(t).copied(),
                        |c, s, k| got.push((c, s, k)),
                    );
                    assert_eq!(got, expected, "round {round}: {text:?}");
                }
            }
            assert!(!memo.is_empty());
            memo.bind(8);
            assert!(
                memo.is_empty(),
                "a memo bound to another vocabulary starts empty"
            );
        }
        // A memo that fills up is emptied and keeps giving the right columns.
        let a = analyzer();
        let mut memo = WordColumns::default();
        let mut scratch = Scratch::default();
        let text: String = (0..WORD_MEMO_CAPACITY + 10)
            .map(|i| format!("w{i}x "))
            .collect();
        let mut count = 0;
        a.for_each_column(
            text.as_str(),
            &mut scratch,
            &mut memo,
            |t| Some(t.len() as u32),
            |_, _, _| count += 1,
        );
        assert!(memo.len() <= WORD_MEMO_CAPACITY);
        assert_eq!(count, a.terms(&text).len());
    }

    #[test]
    fn scratch_reuse_gives_same_result() {
        let a = analyzer();
        let mut scratch = Scratch::default();
        let texts = messy_texts();
        for text in texts.iter().take(20) {
            let mut v1 = Vec::new();
            a.for_each_term(text, &mut scratch, |t, k, s| v1.push((t.to_string(), k, s)));
            let fresh: Vec<_> = a
                .terms(text)
                .into_iter()
                .map(|t| (t.text, t.kind, t.span))
                .collect();
            assert_eq!(v1, fresh);
        }
    }
}
