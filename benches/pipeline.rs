//! Micro-benchmarks of the pipeline stages. Each asserts a known result first, so a bench
//! can never measure an empty loop.
//!
//!     cargo bench --bench pipeline

use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use redflag::features::VectorizerScratch;
use redflag::io::{Fields, InputFormat, ReadItem, RecordReader};
use redflag::text::{Analyzer, AnalyzerConfig, Scratch};
use redflag::train::TrainConfig;
use redflag::{Classifier, ScoreScratch};

fn handwritten() -> Vec<redflag::io::LabeledRecord> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/datasets/handwritten");
    let mut out = Vec::new();
    for f in [
        "appeal_crypto",
        "appeal_other",
        "propaganda",
        "reporting",
        "benign",
    ] {
        let path = format!("{dir}/{f}.jsonl");
        let file = std::io::BufReader::new(std::fs::File::open(&path).unwrap());
        for item in
            RecordReader::new(file, InputFormat::JsonLines, Fields::default(), None).unwrap()
        {
            if let ReadItem::Record(r) = item.unwrap() {
                out.push(r.into_labeled().unwrap());
            }
        }
    }
    out
}

fn bench(c: &mut Criterion) {
    let data = handwritten();
    let texts: Vec<&str> = data.iter().map(|r| r.text.as_str()).collect();
    let bytes: usize = texts.iter().map(|t| t.len()).sum();
    let model: Classifier = TrainConfig::default().check().unwrap().fit(&data).unwrap();

    let analyzer = Analyzer::new(AnalyzerConfig::default()).unwrap();
    let mut scratch = Scratch::default();
    let mut known = 0;
    analyzer.for_each_term("D0nate to the brothers", &mut scratch, |_, _, _| known += 1);
    // donate, to, the, brother + 3 word bigrams
    assert_eq!(known, 7, "analyser output changed");

    let mut g = c.benchmark_group("pipeline");
    g.throughput(Throughput::Bytes(bytes as u64));
    g.bench_function("analyse", |b| {
        b.iter(|| {
            let mut n = 0usize;
            for t in &texts {
                analyzer.for_each_term(t, &mut scratch, |_, _, _| n += 1);
            }
            black_box(n)
        })
    });
    let mut vs = VectorizerScratch::default();
    model
        .vectorizer()
        .transform_into("send monero to the brothers", &mut vs, false);
    assert!(vs.row().nnz() >= 3, "known terms are in the vocabulary");
    g.bench_function("vectorise", |b| {
        b.iter(|| {
            let mut nnz = 0usize;
            for t in &texts {
                model.vectorizer().transform_into(t, &mut vs, false);
                nnz += vs.row().nnz();
            }
            black_box(nnz)
        })
    });
    // The word memo's miss path: a fresh scratch for every text, so every word is looked
    // up (its unigram and character n-grams) as on a thread's first occurrence of it. The
    // bench above reuses one scratch, so after its first pass every word hits the memo.
    g.bench_function("vectorise_cold_memo", |b| {
        b.iter(|| {
            let mut nnz = 0usize;
            for t in &texts {
                let mut cold = VectorizerScratch::default();
                model.vectorizer().transform_into(t, &mut cold, false);
                nnz += cold.row().nnz();
            }
            black_box(nnz)
        })
    });
    let mut ss = ScoreScratch::default();
    let p = model.score(&data[0].text, &mut ss, true);
    assert_eq!(
        model.classes()[p.label],
        data[0].label,
        "a training example is scored as its label"
    );
    g.bench_function("score_no_reasons", |b| {
        b.iter(|| {
            let mut flagged = 0usize;
            for t in &texts {
                flagged += model.score(t, &mut ss, false).review as usize;
            }
            black_box(flagged)
        })
    });
    g.bench_function("score_with_reasons", |b| {
        b.iter(|| {
            let mut reasons = 0usize;
            for t in &texts {
                reasons += model.score(t, &mut ss, true).reasons.len();
            }
            black_box(reasons)
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
