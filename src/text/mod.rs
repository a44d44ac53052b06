//! Text analysis: raw post text in, a stream of terms with byte spans out.
//!
//! The [`Analyzer`] runs one pipeline: the text is first NFKC-normalised and
//! stripped of invisible and control characters ([`normalize::prenormalize`]);
//! [`signals`] are detected by shape on that clean but unfolded text (URLs,
//! e-mails, handles, phones, money, and crypto addresses, also split into
//! chunks), and each becomes a single token such as `#url` or `#addr_xmr`,
//! plus side terms `#addr` and `#domain:example.org`; the text between
//! signals is case-folded, confusable-folded, spaced-letter-joined and
//! leet-folded ([`normalize`]), segmented into Unicode words
//! ([`tokenize`]), stemmed ([`stem`]), and finally turned into word n-grams
//! (signal tokens take part) and optional character n-grams. Every stage
//! keeps an offset map, so each term carries the [`Span`] of the *original*
//! text it came from, which the classifier uses to show reasons.
//!
//! # Term names
//!
//! * words: normalised and stemmed (`donations` → `donat`), never starting
//!   with `#` (Unicode word segments cannot);
//! * word n-grams: tokens joined by one space (`send #addr_xmr`);
//! * signal tokens: `#url`, `#email`, `#handle`, `#phone`, `#money`,
//!   `#addr_btc_legacy`, `#addr_btc_p2sh`, `#addr_btc_bech32`, `#addr_eth`,
//!   `#addr_xmr`, `#addr_trx`, `#addr_ltc`, `#addr_zec` (never stemmed);
//! * side terms: `#addr` for every address, `#domain:example.org` for every
//!   URL (when `keep_domain` is on);
//! * character n-grams: ` do`, `don`, … (padded with spaces).
//!
//! ```
//! use redflag::text::{Analyzer, AnalyzerConfig, Scratch, TermKind};
//! use redflag::text::signals::SignalKind;
//!
//! let analyzer = Analyzer::new(AnalyzerConfig::default()).unwrap();
//! let text = "Pls D0NATE to the brothers: 0x80e05cEAF4873a318264b36C0A4ed777b858EA77";
//!
//! let mut scratch = Scratch::default(); // reuse across documents
//! let mut terms = Vec::new();
//! analyzer.for_each_term(text, &mut scratch, |term, kind, span| {
//!     terms.push((term.to_string(), kind, &text[span.start..span.end]));
//! });
//! assert!(terms.contains(&("donat".to_string(), TermKind::Word, "D0NATE")));
//! assert!(terms.contains(&("brother #addr_eth".to_string(), TermKind::WordNgram,
//!     "brothers: 0x80e05cEAF4873a318264b36C0A4ed777b858EA77")));
//! assert!(terms.contains(&("#addr".to_string(), TermKind::Side,
//!     "0x80e05cEAF4873a318264b36C0A4ed777b858EA77")));
//! assert!(terms.iter().any(|t| t.1 == TermKind::Signal(SignalKind::Ethereum)));
//! ```

pub mod normalize;
pub mod signals;
pub mod stem;
pub mod tokenize;

mod analyzer;
mod scan;
mod span;

pub use analyzer::{
    Analyzer, AnalyzerConfig, ConfigError, Scratch, Term, TermKind, CHAR_NGRAM_PREFIX,
};
pub use span::Span;
pub use tokenize::NgramRange;
