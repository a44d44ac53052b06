//! `redflag score`: read records, score them in parallel batches, write results in input
//! order. Memory is bounded by the batch size, whatever the input size.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::time::Instant;

use anyhow::Context;
use rayon::prelude::*;
use redflag::io::{open_input, InputRecord, ReadItem, ReaderOptions, RecordError, RecordReader};
use redflag::{Classifier, ScoreScratch};
use serde::ser::{SerializeMap, Serializer};
use serde::Serialize;

use super::args::ScoreArgs;
use super::{fields, input_format, load_model, set_threads, EXIT_OK, EXIT_RECORD_ERRORS};

/// Records per parallel batch.
const BATCH_RECORDS: usize = 4096;
/// Text bytes per parallel batch (a batch ends at whichever limit comes first).
const BATCH_BYTES: usize = 8 << 20;

#[derive(Default)]
struct Counts {
    records: u64,
    errors: u64,
    flagged: u64,
}

pub fn run(args: ScoreArgs) -> anyhow::Result<u8> {
    if args.max_bytes == 0 {
        anyhow::bail!("--max-bytes must be at least 1");
    }
    set_threads(args.threads)?;
    let model = load_model(args.model.as_deref())?;
    let inputs = if args.inputs.is_empty() {
        vec!["-".to_string()]
    } else {
        args.inputs.clone()
    };
    if inputs.iter().filter(|i| *i == "-").count() > 1 {
        anyhow::bail!("standard input (-) can be given only once");
    }
    let formats = inputs
        .iter()
        .map(|i| input_format(i, args.columns.format))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let mut out: Box<dyn Write> = match &args.output {
        Some(p) => Box::new(BufWriter::with_capacity(
            1 << 16,
            File::create(p).with_context(|| format!("cannot create {}", p.display()))?,
        )),
        None => Box::new(BufWriter::with_capacity(1 << 16, std::io::stdout().lock())),
    };
    let started = Instant::now();
    let mut counts = Counts::default();
    let scorer = Scorer {
        model: &model,
        reasons: !args.no_reasons,
        review_only: args.review_only,
        input_name: None,
    };
    for (input, format) in inputs.iter().zip(formats) {
        let scorer = Scorer {
            input_name: (inputs.len() > 1).then_some(input.as_str()),
            ..scorer
        };
        let reader = open_input(input)?;
        let records = RecordReader::with_options(
            reader,
            format,
            fields(&args.columns),
            Some(input.clone()),
            ReaderOptions {
                max_text_bytes: args.max_bytes,
            },
        )?;
        let mut batch: Vec<ReadItem> = Vec::with_capacity(BATCH_RECORDS);
        let mut batch_bytes = 0;
        for item in records {
            let item = item?;
            if let ReadItem::Record(r) = &item {
                batch_bytes += r.text.len();
            }
            batch.push(item);
            if batch.len() >= BATCH_RECORDS || batch_bytes >= BATCH_BYTES {
                scorer.write_batch(&batch, &mut out, &mut counts)?;
                batch.clear();
                batch_bytes = 0;
            }
        }
        scorer.write_batch(&batch, &mut out, &mut counts)?;
    }
    out.flush().context("cannot write results")?;
    drop(out);
    if !args.quiet {
        eprintln!(
            "redflag: {} records, {} errors, {} flagged for review, {:.2} s",
            counts.records,
            counts.errors,
            counts.flagged,
            started.elapsed().as_secs_f64()
        );
    }
    if counts.errors > 0 {
        if args.quiet {
            eprintln!("redflag: {} error records", counts.errors);
        }
        return Ok(EXIT_RECORD_ERRORS);
    }
    Ok(EXIT_OK)
}

#[derive(Clone, Copy)]
struct Scorer<'a> {
    model: &'a Classifier,
    reasons: bool,
    review_only: bool,
    input_name: Option<&'a str>,
}

/// What one input item became: its output line (if written) and what it counted as.
struct Rendered {
    line: Option<Vec<u8>>,
    flagged: bool,
    error: bool,
}

impl Scorer<'_> {
    fn write_batch(
        &self,
        batch: &[ReadItem],
        out: &mut dyn Write,
        counts: &mut Counts,
    ) -> anyhow::Result<()> {
        let rendered: Vec<Rendered> = batch
            .par_iter()
            .map_init(ScoreScratch::default, |scratch, item| {
                self.render(item, scratch)
            })
            .collect();
        for r in rendered {
            counts.records += 1;
            counts.errors += r.error as u64;
            counts.flagged += r.flagged as u64;
            if let Some(line) = r.line {
                out.write_all(&line).context("cannot write results")?;
            }
        }
        Ok(())
    }

    fn render(&self, item: &ReadItem, scratch: &mut ScoreScratch) -> Rendered {
        match item {
            ReadItem::Bad(e) => Rendered {
                line: Some(self.error_line(e)),
                flagged: false,
                error: true,
            },
            ReadItem::Record(r) => {
                let p = self.model.score(&r.text, scratch, self.reasons);
                let line = (!self.review_only || p.review).then(|| self.result_line(r, &p));
                Rendered {
                    line,
                    flagged: p.review,
                    error: false,
                }
            }
        }
    }

    fn result_line(&self, r: &InputRecord, p: &redflag::Prediction) -> Vec<u8> {
        let classes = self.model.classes();
        let mut warnings: Vec<&str> = Vec::new();
        if r.lossy_utf8 {
            warnings.push("invalid_utf8");
        }
        if r.truncated {
            warnings.push("truncated");
        }
        let line = ResultLine {
            id: Id(r),
            input: self.input_name,
            label: &classes[p.label],
            scores: Scores(classes, &p.probabilities),
            review: p.review,
            reasons: p
                .reasons
                .iter()
                .map(|reason| ReasonOut {
                    feature: &reason.feature,
                    weight: (reason.weight * 1e4).round() / 1e4,
                    spans: reason.spans.iter().map(|s| [s.start, s.end]).collect(),
                })
                .collect(),
            warnings,
        };
        let mut buf = serde_json::to_vec(&line).expect("results serialise");
        buf.push(b'\n');
        buf
    }

    fn error_line(&self, e: &RecordError) -> Vec<u8> {
        let id = match &e.id {
            Some(v) => v.clone(),
            None => serde_json::Value::from(e.position.record),
        };
        let line = ErrorLine {
            id,
            input: self.input_name,
            line: e.position.line,
            error: &e.message,
        };
        let mut buf = serde_json::to_vec(&line).expect("error records serialise");
        buf.push(b'\n');
        buf
    }
}

#[derive(Serialize)]
struct ResultLine<'a> {
    id: Id<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    input: Option<&'a str>,
    label: &'a str,
    scores: Scores<'a>,
    review: bool,
    reasons: Vec<ReasonOut<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    warnings: Vec<&'a str>,
}

#[derive(Serialize)]
struct ReasonOut<'a> {
    feature: &'a str,
    weight: f64,
    spans: Vec<[usize; 2]>,
}

#[derive(Serialize)]
struct ErrorLine<'a> {
    id: serde_json::Value,
    #[serde(skip_serializing_if = "Option::is_none")]
    input: Option<&'a str>,
    line: u64,
    error: &'a str,
}

/// The record's own id, else its 1-based record number.
struct Id<'a>(&'a InputRecord);

impl Serialize for Id<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match &self.0.id {
            Some(v) => v.serialize(s),
            None => s.serialize_u64(self.0.position.record),
        }
    }
}

/// Class → probability, in the model's class order.
struct Scores<'a>(&'a [String], &'a [f64]);

impl Serialize for Scores<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(self.0.len()))?;
        for (c, p) in self.0.iter().zip(self.1) {
            m.serialize_entry(c, p)?;
        }
        m.end()
    }
}
