//! Accuracy and speed of redflag's language identification on SIB-200 (the same 1,004
//! encyclopaedic sentences in 23 varieties):
//!
//!     cargo run --release --example langid_eval -- ../shared/corpora/sib200_topics/sib200_topics.csv [VERSION]
//!
//! or on labelled JSON Lines whose records carry `language` (records without it are
//! skipped), e.g. the built splits: `... -- target/redflag-data/test.jsonl 2`. VERSION is
//! the rules' version (`redflag::text::lang::detect_version`), the newest by default.
//!
//! Prints, per variety, the share identified as the expected language and the most
//! frequent wrong answers, then the mean time per sentence. The results are in
//! benches/langid.md.
use std::collections::BTreeMap;
use std::time::Instant;

use redflag::text::lang::{detect_version, detected_as, normalize_code, LANGID_LATEST};

fn main() {
    let path = std::env::args()
        .nth(1)
        .expect("path to sib200_topics.csv or a .jsonl file");
    let version: u8 = std::env::args()
        .nth(2)
        .map_or(LANGID_LATEST, |v| v.parse().expect("a version number"));
    let rows: Vec<(String, String)> = if path.ends_with(".jsonl") {
        let text = std::fs::read_to_string(&path).expect("readable JSON Lines");
        text.lines()
            .filter_map(|l| {
                let v: serde_json::Value = serde_json::from_str(l).expect("JSON");
                let lang = v.get("language")?.as_str()?.to_string();
                Some((lang, v["text"].as_str()?.to_string()))
            })
            .collect()
    } else {
        let mut reader = csv::Reader::from_path(&path).expect("readable CSV");
        let headers = reader.headers().expect("header").clone();
        let col = |name: &str| headers.iter().position(|h| h == name).expect(name);
        let (lang_col, text_col) = (col("language"), col("text"));
        reader
            .records()
            .map(|r| {
                let r = r.expect("record");
                (r[lang_col].to_string(), r[text_col].to_string())
            })
            .collect()
    };
    let mut per: BTreeMap<String, (usize, usize, BTreeMap<&'static str, usize>)> = BTreeMap::new();
    let start = Instant::now();
    for (variety, text) in &rows {
        let want = normalize_code(variety);
        let got = detect_version(text, version).code;
        let e = per.entry(variety.clone()).or_default();
        e.0 += 1;
        if got == detected_as(&want) {
            e.1 += 1;
        } else {
            *e.2.entry(got).or_default() += 1;
        }
    }
    let elapsed = start.elapsed();
    println!("| variety | expected | sentences | correct | most frequent errors |");
    println!("|---|---|---:|---:|---|");
    let (mut n, mut ok) = (0, 0);
    for (variety, (total, correct, wrong)) in &per {
        let mut w: Vec<_> = wrong.iter().collect();
        w.sort_by(|a, b| b.1.cmp(a.1));
        let errs: Vec<String> = w.iter().take(3).map(|(c, k)| format!("{c} {k}")).collect();
        println!(
            "| {variety} | {} | {total} | {:.1}% | {} |",
            detected_as(&normalize_code(variety)),
            100.0 * *correct as f64 / *total as f64,
            errs.join(", ")
        );
        n += total;
        ok += correct;
    }
    println!(
        "\nall: {:.1}% of {n} sentences; {:.1} µs per sentence",
        100.0 * ok as f64 / n as f64,
        elapsed.as_secs_f64() * 1e6 / n as f64
    );
}
