//! The scorer end to end on arbitrary bytes: JSON Lines records through the embedded
//! default model, with reasons.
//!
//! Invariants: no panic; probabilities finite, in [0, 1], summing to 1; the label is the
//! most probable class; every reason span lies inside the text on character boundaries;
//! at most MAX_REASONS reasons.
#![no_main]

use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use redflag::io::{Fields, InputFormat, ReadItem, RecordReader};
use redflag::{Classifier, ScoreScratch, MAX_REASONS};

static MODEL: LazyLock<Classifier> = LazyLock::new(|| Classifier::default_model().unwrap());

fuzz_target!(|data: &[u8]| {
    let model = &*MODEL;
    let mut scratch = ScoreScratch::default();
    // As a whole document too, so that text the JSON layer would reject is scored.
    let whole = String::from_utf8_lossy(data);
    check(model, &whole, &mut scratch);
    let reader =
        RecordReader::new(data, InputFormat::JsonLines, Fields::default(), None).unwrap();
    for item in reader {
        if let Ok(ReadItem::Record(r)) = item {
            check(model, &r.text, &mut scratch);
        }
    }
});

fn check(model: &Classifier, text: &str, scratch: &mut ScoreScratch) {
    let p = model.score(text, scratch, true);
    let sum: f64 = p.probabilities.iter().sum();
    assert!((sum - 1.0).abs() < 1e-9, "sum {sum}");
    assert!(p.probabilities.iter().all(|v| v.is_finite() && (0.0..=1.0).contains(v)));
    let best = p.probabilities[p.label];
    assert!(p.probabilities.iter().all(|&v| v <= best));
    assert!(p.reasons.len() <= MAX_REASONS);
    for reason in &p.reasons {
        assert!(reason.weight.is_finite());
        for span in &reason.spans {
            assert!(span.start <= span.end && span.end <= text.len());
            assert!(text.is_char_boundary(span.start) && text.is_char_boundary(span.end));
        }
    }
}
