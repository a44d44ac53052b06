//! The model-file loader on hostile bytes.
//!
//! First byte even: the rest is a whole file (magic, version, length, checksum, payload).
//! Odd: the rest is a payload, sealed with a correct checksum, so the decoder and the
//! consistency checks behind the checksum are reached. Seeds are a tiny real model.
//! Invariants: no panic, no huge allocation (libFuzzer's -rss_limit_mb); a model that loads
//! scores text with finite probabilities summing to 1.
#![no_main]

use libfuzzer_sys::fuzz_target;
use redflag::bundle::{read_header, read_model, seal};
use redflag::ScoreScratch;

fuzz_target!(|data: &[u8]| {
    let Some((&control, rest)) = data.split_first() else {
        return;
    };
    let sealed;
    let bytes = if control & 1 == 0 {
        rest
    } else {
        sealed = seal(rest);
        &sealed[..]
    };
    let _ = read_header(bytes);
    let Ok(model) = read_model(bytes) else {
        return;
    };
    let mut scratch = ScoreScratch::default();
    for text in ["", "donate bc1qxy2kgdygjrsqtzq2n0yrf2493p83kkfjhx0wlh now", "ｄ0ｎａｔｅ"] {
        let p = model.score(text, &mut scratch, true);
        let sum: f64 = p.probabilities.iter().sum();
        assert!((sum - 1.0).abs() < 1e-9, "sum {sum}");
        assert!(p.probabilities.iter().all(|v| v.is_finite()));
    }
});
