//! The analyser (normalisation, obfuscation folding, signal tokens, n-grams, spans) on
//! arbitrary text.
//!
//! Invariants: no panic; every term is non-empty and its span lies inside the original
//! text on character boundaries; normalisation is idempotent.
#![no_main]

use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use redflag::text::normalize::{normalize, NormalizeConfig};
use redflag::text::{Analyzer, AnalyzerConfig, NgramRange, Scratch};

static ANALYZER: LazyLock<Analyzer> = LazyLock::new(|| {
    let mut config = AnalyzerConfig::default();
    config.word_ngrams = NgramRange::new(1, 3);
    config.char_ngrams = Some(NgramRange::new(3, 5));
    Analyzer::new(config).unwrap()
});

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let mut scratch = Scratch::default();
    ANALYZER.for_each_term(&text, &mut scratch, |term, _, span| {
        assert!(!term.is_empty());
        assert!(span.start <= span.end && span.end <= text.len(), "{span:?}");
        assert!(text.is_char_boundary(span.start) && text.is_char_boundary(span.end));
    });
    let config = NormalizeConfig::default();
    let once = normalize(&text, &config);
    let twice = normalize(once.as_str(), &config);
    assert_eq!(once.as_str(), twice.as_str(), "normalisation is not idempotent");
    for i in 0..=once.len() {
        let span = once.original_span(i.saturating_sub(3), i);
        assert!(span.end <= text.len() && span.start <= span.end);
    }
});
