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

pub mod lang;
pub mod normalize;
pub mod quote;
pub mod signals;
pub mod stem;
pub mod tokenize;

mod analyzer;
mod char_class;
mod scan;
mod span;

pub use analyzer::{
    Analyzer, AnalyzerConfig, ConfigError, Scratch, Term, TermKind, WordColumns, CHAR_NGRAM_PREFIX,
    QUOTE_PREFIX, WORD_MEMO_CAPACITY,
};
pub use span::Span;
pub use tokenize::NgramRange;

#[cfg(test)]
mod properties {
    use proptest::prelude::*;

    use super::normalize::{normalize, NormalizeConfig};
    use super::{Analyzer, AnalyzerConfig, NgramRange, Scratch};

    /// Text that mixes the things adversaries use: ASCII, digits, leet symbols, look-alike
    /// letters, zero-width characters, combining marks, emoji, RTL text and separators.
    fn adversarial() -> impl Strategy<Value = String> {
        let pieces = prop::sample::select(vec![
            "d0nate",
            "m0ner0",
            "brothers",
            " ",
            "  ",
            ".",
            "-",
            "_",
            "@",
            "$",
            "!",
            "|",
            "1",
            "4",
            "\u{200b}",
            "\u{200d}",
            "\u{feff}",
            "\u{0301}",
            "а",
            "о",
            "р",
            "ο",
            "ｄｏｎａｔｅ",
            "𝐝𝐨𝐧𝐚𝐭𝐞",
            "🦁",
            "زكاة",
            "ß",
            "İ",
            "d o n a t e",
            "bc1q",
            "0x",
            "example.org",
            "\n",
            "https://",
            "t0",
            "4nd",
            "ǅ",
            "ﬁ",
            "\u{0000}",
            "\u{202e}",
            "ῗ",
            "Ϊ\u{301}",
            "\u{301}",
            "\u{1100}\u{1161}",
        ]);
        prop::collection::vec(
            prop_oneof![pieces.prop_map(String::from), any::<String>()],
            0..24,
        )
        .prop_map(|v| v.concat())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(crate::test_cases(300)))]

        #[test]
        fn every_span_lies_inside_the_text_on_char_boundaries(text in adversarial()) {
            let config = AnalyzerConfig {
                char_ngrams: Some(NgramRange { min: 3, max: 5 }),
                ..AnalyzerConfig::default()
            };
            let analyzer = Analyzer::new(config).unwrap();
            let mut scratch = Scratch::default();
            analyzer.for_each_term(&text, &mut scratch, |term, _, span| {
                assert!(!term.is_empty());
                assert!(span.start <= span.end && span.end <= text.len(), "{span:?} in {text:?}");
                assert!(text.is_char_boundary(span.start) && text.is_char_boundary(span.end));
            });
        }

        /// Found by this test: `"ῗa"` (case folding and the Greek-confusable fold left
        /// `i` + U+0308 + U+0342 uncomposed) and `"Ϊ́a"`; see `normalize`'s regression tests.
        #[test]
        fn normalisation_is_idempotent(text in adversarial()) {
            let config = NormalizeConfig::default();
            let once = normalize(&text, &config);
            let twice = normalize(once.as_str(), &config);
            prop_assert_eq!(twice.as_str(), once.as_str(), "input {:?}", text);
        }
    }
}
