//! `redflag score`: a reader thread parses records into batches; the main thread scores each
//! batch in parallel (rayon) and writes results in input order. Memory is bounded by the
//! batch size and the channel depth, whatever the input size.

use std::fs::File;
use std::io::{BufWriter, Read, Write};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::sync_channel;
use std::sync::Arc;
use std::time::Instant;

use anyhow::Context;
use rayon::prelude::*;
use redflag::io::review_html::{ModelSummary, ReviewPage, ReviewRecord};
use redflag::io::{
    open_input_with, open_records, Fields, InputFormat, InputRecord, RatioLimit, ReadItem,
    ReaderOptions, RecordError, RecordReader, Records, ResultRow, ResultWriter,
};
use redflag::result::{ErrorResult, InputFlags, ResultId, ScoreResult};
use redflag::text::Span;
use redflag::{Classifier, Prediction, ScoreScratch};

use super::args::{OutputFormatArg, ScoreArgs};
use super::{fields, input_format, model_bytes, set_threads, EXIT_OK, EXIT_RECORD_ERRORS};

/// Records per parallel batch.
const BATCH_RECORDS: usize = 4096;
/// Text bytes per parallel batch (a batch ends at whichever limit comes first).
const BATCH_BYTES: usize = 8 << 20;
/// Batches read ahead of the scorer.
const CHANNEL_DEPTH: usize = 2;

#[derive(Default)]
struct Counts {
    records: u64,
    errors: u64,
    flagged: u64,
}

/// A batch of records from one input.
struct Batch {
    input: usize,
    items: Vec<ReadItem>,
}

pub fn run(args: ScoreArgs) -> anyhow::Result<u8> {
    if args.max_bytes == 0 {
        anyhow::bail!("--max-bytes must be at least 1");
    }
    set_threads(args.threads)?;
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
    for i in inputs.iter().filter(|i| *i != "-") {
        std::fs::metadata(i).with_context(|| format!("cannot read {i}"))?;
    }
    refuse_overwriting_inputs(
        &inputs,
        &[
            ("--output", args.output.as_deref()),
            ("--queue", args.queue.as_deref()),
            ("--review-html", args.review_html.as_deref()),
        ],
    )?;
    let (model_name, bytes) = model_bytes(args.model.as_deref())?;
    // The reviewer's page names the model by its stored checksum.
    let redflag::bundle::OpenedModel {
        mut model,
        sha256: model_sha256,
        ..
    } = redflag::bundle::open_model(&bytes)
        .with_context(|| format!("cannot use model {model_name}"))?;
    drop(bytes);
    let overrides = args
        .threshold
        .iter()
        .map(|t| {
            let (class, value) = t
                .split_once('=')
                .with_context(|| format!("--threshold {t:?}: expected CLASS=VALUE"))?;
            let value: f64 = value
                .trim()
                .parse()
                .ok()
                .filter(|v: &f64| (0.0..=1.0).contains(v))
                .with_context(|| {
                    format!("--threshold {t:?}: {value:?} is not a number in [0, 1]")
                })?;
            Ok((class.trim().to_string(), value))
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    model.set_thresholds(&overrides).context("--threshold")?;
    let model = model;
    let parquet_out = match (args.output_format, &args.output) {
        (Some(OutputFormatArg::Parquet), Some(_)) => true,
        (Some(OutputFormatArg::Parquet), None) => {
            anyhow::bail!("Parquet results need a file: add --output FILE.parquet")
        }
        (Some(OutputFormatArg::Jsonl), _) | (None, None) => false,
        (None, Some(p)) => {
            InputFormat::from_path(&p.to_string_lossy()) == Some(InputFormat::Parquet)
        }
    };
    let mut out = match &args.output {
        Some(p) if parquet_out => Sink::Parquet(Box::new(
            ResultWriter::create(p, model.classes())
                .with_context(|| format!("cannot create {}", p.display()))?,
        )),
        Some(p) => Sink::Json(Box::new(BufWriter::with_capacity(
            1 << 16,
            File::create(p).with_context(|| format!("cannot create {}", p.display()))?,
        ))),
        None => Sink::Json(Box::new(BufWriter::with_capacity(
            1 << 16,
            std::io::stdout().lock(),
        ))),
    };
    let started = Instant::now();
    let progress = Progress::new(&inputs, args.quiet);
    let collect = args.queue.is_some() || args.review_html.is_some();
    let scorer = Scorer {
        model: &model,
        reasons: match (args.no_reasons, collect) {
            (true, false) => 0,
            (true, true) => redflag::MAX_REASONS,
            (false, _) => args.reasons,
        },
        output_reasons: !args.no_reasons && args.reasons > 0,
        review_only: args.review_only,
        inputs: &inputs,
        collect,
        parquet: parquet_out,
    };
    let fields = fields(&args.columns);
    let options = ReaderOptions {
        max_text_bytes: args.max_bytes,
    };
    let mut counts = Counts::default();
    let mut queue: Vec<Flagged> = Vec::new();
    let scored = std::thread::scope(|s| -> anyhow::Result<()> {
        let (tx, rx) = sync_channel::<anyhow::Result<Batch>>(CHANNEL_DEPTH);
        let bytes = progress.bytes.clone();
        let reader_inputs = &inputs;
        let reader_fields = &fields;
        s.spawn(move || {
            let result = read_batches(
                reader_inputs,
                &formats,
                reader_fields,
                options,
                RatioLimit {
                    max_ratio: args.max_gzip_ratio,
                    ..RatioLimit::default()
                },
                &bytes,
                |b| tx.send(Ok(b)).is_ok(),
            );
            if let Err(e) = result {
                let _ = tx.send(Err(e));
            }
        });
        for batch in rx {
            let batch = batch?;
            scorer.write_batch(&batch, &mut out, &mut counts, &mut queue)?;
            progress.update(counts.records);
        }
        Ok(())
    });
    // Close the output even when an input failed part-way: every result already written
    // stays readable (a Parquet file needs its footer), and the error is still reported.
    let finished = out.finish().context("cannot write results");
    progress.finish();
    if let Err(e) = scored {
        if finished.is_ok() && !args.quiet {
            eprintln!(
                "redflag: the {} results written before the error are kept",
                counts.records
            );
        }
        return Err(e);
    }
    finished?;
    if let Some(path) = &args.queue {
        write_queue(path, &model, &inputs, &queue)
            .with_context(|| format!("cannot write the review queue {}", path.display()))?;
    }
    if let Some(path) = &args.review_html {
        let page = ReviewPage {
            classes: model.classes().to_vec(),
            review_classes: model
                .review_policy()
                .thresholds
                .iter()
                .map(|t| (t.class.clone(), t.threshold))
                .collect(),
            model: ModelSummary {
                name: model_name,
                description: model.meta().description.clone(),
                sha256: model_sha256,
            },
            inputs: inputs.clone(),
            records_read: counts.records,
            errors: counts.errors,
            records: queue.into_iter().map(|f| f.record).collect(),
        };
        write_review_html(path, &page)
            .with_context(|| format!("cannot write the reviewer's page {}", path.display()))?;
    }
    if !args.quiet {
        let thresholds = if overrides.is_empty() {
            String::new()
        } else {
            let list: Vec<String> = model
                .review_policy()
                .thresholds
                .iter()
                .map(|t| {
                    let how = if overrides.iter().any(|(c, _)| *c == t.class) {
                        "overridden"
                    } else {
                        "stored"
                    };
                    format!("{}={} ({how})", t.class, t.threshold)
                })
                .collect();
            format!("; thresholds {}", list.join(", "))
        };
        eprintln!(
            "redflag: {} records, {} errors, {} flagged for review, {:.2} s{thresholds}",
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

/// Reads every input in order, handing batches to `send` (which returns false when the
/// scorer has stopped). Counts raw bytes read into `bytes` for the progress bar.
fn read_batches(
    inputs: &[String],
    formats: &[InputFormat],
    fields: &Fields,
    options: ReaderOptions,
    gzip: RatioLimit,
    bytes: &Arc<AtomicU64>,
    mut send: impl FnMut(Batch) -> bool,
) -> anyhow::Result<()> {
    for (index, (input, format)) in inputs.iter().zip(formats).enumerate() {
        let records: Records = if *format == InputFormat::Parquet {
            // Progress counts a Parquet file when it is done.
            let records = open_records(input, *format, fields.clone(), options, gzip)?;
            let size = std::fs::metadata(input).map_or(0, |m| m.len());
            Box::new(records.chain(std::iter::from_fn({
                let bytes = bytes.clone();
                move || {
                    bytes.fetch_add(size, Ordering::Relaxed);
                    None
                }
            })))
        } else {
            let reader = open_input_with(input, gzip)?;
            let counted = CountingReader {
                inner: reader,
                bytes: bytes.clone(),
            };
            Box::new(RecordReader::with_options(
                std::io::BufReader::with_capacity(1 << 16, counted),
                *format,
                fields.clone(),
                Some(input.clone()),
                options,
            )?)
        };
        let mut items: Vec<ReadItem> = Vec::with_capacity(BATCH_RECORDS);
        let mut batch_bytes = 0;
        for item in records {
            let item = match item {
                Ok(item) => item,
                Err(e) => {
                    // What was read before the failure is still scored and written.
                    if !items.is_empty() {
                        let _ = send(Batch {
                            input: index,
                            items,
                        });
                    }
                    return Err(e.into());
                }
            };
            if let ReadItem::Record(r) = &item {
                batch_bytes += r.text.len();
            }
            items.push(item);
            if items.len() >= BATCH_RECORDS || batch_bytes >= BATCH_BYTES {
                let full = std::mem::replace(&mut items, Vec::with_capacity(BATCH_RECORDS));
                if !send(Batch {
                    input: index,
                    items: full,
                }) {
                    return Ok(());
                }
                batch_bytes = 0;
            }
        }
        if !items.is_empty()
            && !send(Batch {
                input: index,
                items,
            })
        {
            return Ok(());
        }
    }
    Ok(())
}

/// Counts bytes as they are read (for progress and throughput).
struct CountingReader<R> {
    inner: R,
    bytes: Arc<AtomicU64>,
}

impl<R: Read> Read for CountingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.bytes.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// A progress bar on standard error when it is a terminal (and not `--quiet`).
struct Progress {
    bar: Option<indicatif::ProgressBar>,
    bytes: Arc<AtomicU64>,
}

impl Progress {
    fn new(inputs: &[String], quiet: bool) -> Self {
        use std::io::IsTerminal;
        let bytes = Arc::new(AtomicU64::new(0));
        if quiet || !std::io::stderr().is_terminal() {
            return Progress { bar: None, bytes };
        }
        // Known total only when every input is a plain file (gzip counts compressed bytes).
        let total: Option<u64> = inputs
            .iter()
            .map(|i| {
                (i != "-")
                    .then(|| std::fs::metadata(i).ok().map(|m| m.len()))
                    .flatten()
            })
            .sum();
        let bar = match total {
            Some(t) => indicatif::ProgressBar::new(t).with_style(
                indicatif::ProgressStyle::with_template(
                    "{spinner} [{elapsed_precise}] {bar:30} {binary_bytes}/{binary_total_bytes} ({binary_bytes_per_sec}, ETA {eta}) {msg}",
                )
                .expect("valid template"),
            ),
            None => indicatif::ProgressBar::new_spinner().with_style(
                indicatif::ProgressStyle::with_template(
                    "{spinner} [{elapsed_precise}] {binary_bytes} ({binary_bytes_per_sec}) {msg}",
                )
                .expect("valid template"),
            ),
        };
        bar.set_draw_target(indicatif::ProgressDrawTarget::stderr_with_hz(4));
        Progress {
            bar: Some(bar),
            bytes,
        }
    }

    fn update(&self, records: u64) {
        if let Some(bar) = &self.bar {
            bar.set_position(self.bytes.load(Ordering::Relaxed));
            bar.set_message(format!("{records} records"));
        }
    }

    fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

#[derive(Clone, Copy)]
struct Scorer<'a> {
    model: &'a Classifier,
    /// How many reasons to compute (for the output or the queue); 0: none.
    reasons: usize,
    /// Print reasons in the JSON results.
    output_reasons: bool,
    review_only: bool,
    inputs: &'a [String],
    /// Keep flagged records for the review queue or the reviewer's page.
    collect: bool,
    /// Build Parquet rows instead of JSON lines.
    parquet: bool,
}

/// Where results go.
enum Sink {
    Json(Box<dyn Write>),
    Parquet(Box<ResultWriter>),
}

impl Sink {
    fn write(&mut self, out: Output) -> anyhow::Result<()> {
        match (self, out) {
            (Sink::Json(w), Output::Json(line)) => w.write_all(&line)?,
            (Sink::Parquet(w), Output::Row(row)) => w.write(*row)?,
            _ => unreachable!("the scorer renders for its sink"),
        }
        Ok(())
    }

    fn finish(self) -> anyhow::Result<()> {
        match self {
            Sink::Json(mut w) => w.flush()?,
            Sink::Parquet(w) => w.finish()?,
        }
        Ok(())
    }
}

/// One rendered result or error record.
enum Output {
    Json(Vec<u8>),
    Row(Box<ResultRow>),
}

/// What one input item became: its output (if written) and what it counted as.
struct Rendered {
    line: Option<Output>,
    flagged: bool,
    error: bool,
    queued: Option<Flagged>,
}

impl Scorer<'_> {
    fn write_batch(
        &self,
        batch: &Batch,
        out: &mut Sink,
        counts: &mut Counts,
        queue: &mut Vec<Flagged>,
    ) -> anyhow::Result<()> {
        let input_name = (self.inputs.len() > 1).then(|| self.inputs[batch.input].as_str());
        let rendered: Vec<Rendered> = batch
            .items
            .par_iter()
            .map_init(ScoreScratch::default, |scratch, item| {
                self.render(item, input_name, batch.input, scratch)
            })
            .collect();
        for r in rendered {
            counts.records += 1;
            counts.errors += r.error as u64;
            counts.flagged += r.flagged as u64;
            if let Some(line) = r.line {
                out.write(line).context("cannot write results")?;
            }
            if let Some(mut q) = r.queued {
                q.order = counts.records;
                queue.push(q);
            }
        }
        Ok(())
    }

    fn render(
        &self,
        item: &ReadItem,
        input_name: Option<&str>,
        input: usize,
        scratch: &mut ScoreScratch,
    ) -> Rendered {
        match item {
            ReadItem::Bad(e) => Rendered {
                line: Some(if self.parquet {
                    Output::Row(Box::new(error_row(e, input_name)))
                } else {
                    Output::Json(error_line(e, input_name))
                }),
                flagged: false,
                error: true,
                queued: None,
            },
            ReadItem::Record(r) => {
                let p = self.model.score_explained(&r.text, scratch, self.reasons);
                let line =
                    (!self.review_only || p.review).then(|| self.result_line(r, &p, input_name));
                let queued = (self.collect && p.review)
                    .then(|| Flagged::new(self.model, r, &p, input, &self.inputs[input]));
                Rendered {
                    line,
                    flagged: p.review,
                    error: false,
                    queued,
                }
            }
        }
    }

    fn result_line(&self, r: &InputRecord, p: &Prediction, input_name: Option<&str>) -> Output {
        let id = match &r.id {
            Some(v) => ResultId::Given(v),
            None => ResultId::Position(r.position.record),
        };
        let mut line = ScoreResult::new(self.model, p, id, flags(r), self.output_reasons);
        line.input = input_name;
        if self.parquet {
            return Output::Row(Box::new(ResultRow {
                id: Some(r.id_string()),
                input: input_name.map(str::to_string),
                record: r.position.record,
                line: r.position.line,
                lang: Some(p.lang.to_string()),
                label: Some(line.label.to_string()),
                scores: Some(p.probabilities.clone()),
                review: Some(p.review),
                explains: line.explains.map(str::to_string),
                threshold: line.threshold,
                reasons: Some(serde_json::to_string(&line.reasons).expect("reasons serialise")),
                warnings: (!line.warnings.is_empty()).then(|| line.warnings.join(",")),
                error: None,
            }));
        }
        Output::Json(line.to_json_line())
    }
}

/// How the record's text was read, for its warnings.
fn flags(r: &InputRecord) -> InputFlags {
    InputFlags {
        lossy_utf8: r.lossy_utf8,
        truncated: r.truncated,
    }
}

fn error_row(e: &RecordError, input_name: Option<&str>) -> ResultRow {
    ResultRow {
        id: Some(e.id_string()),
        input: input_name.map(str::to_string),
        record: e.position.record,
        line: e.position.line,
        error: Some(e.message.clone()),
        ..ResultRow::default()
    }
}

fn error_line(e: &RecordError, input_name: Option<&str>) -> Vec<u8> {
    ErrorResult {
        id: match &e.id {
            Some(v) => v.clone(),
            None => serde_json::Value::from(e.position.record),
        },
        input: input_name,
        line: e.position.line,
        error: &e.message,
    }
    .to_json_line()
}

/// Refuses, before anything is opened for writing, an output (`--output`, `--queue`,
/// `--review-html`) that is one of the inputs (writing would empty the input before it is
/// read) or that is the same file as another output (one would replace the other). Paths are
/// compared as the files they name, so `./v.jsonl`, a symlink or a hard link to an input are
/// caught too.
fn refuse_overwriting_inputs(
    inputs: &[String],
    outputs: &[(&str, Option<&Path>)],
) -> anyhow::Result<()> {
    let outs: Vec<(&str, &Path)> = outputs
        .iter()
        .filter_map(|(flag, p)| p.map(|p| (*flag, p)))
        .collect();
    for (flag, out) in &outs {
        for input in inputs.iter().filter(|i| *i != "-") {
            if same_file(Path::new(input), out) {
                anyhow::bail!(
                    "{flag} {} is the input {input}: writing it would destroy the input; write elsewhere",
                    out.display()
                );
            }
        }
    }
    for (i, (flag_a, a)) in outs.iter().enumerate() {
        for (flag_b, b) in &outs[i + 1..] {
            if same_file(a, b) {
                anyhow::bail!(
                    "{flag_a} and {flag_b} are the same file ({}): give them different names",
                    a.display()
                );
            }
        }
    }
    Ok(())
}

/// Whether two paths name the same file: the same device and inode on Unix (the same
/// canonical path elsewhere) when both exist, else the same absolute path.
fn same_file(a: &Path, b: &Path) -> bool {
    if !(a.exists() && b.exists()) {
        return matches!(
            (std::path::absolute(a), std::path::absolute(b)),
            (Ok(x), Ok(y)) if x.components().eq(y.components())
        );
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        if let (Ok(x), Ok(y)) = (std::fs::metadata(a), std::fs::metadata(b)) {
            return x.dev() == y.dev() && x.ino() == y.ino();
        }
        false
    }
    #[cfg(not(unix))]
    {
        matches!(
            (std::fs::canonicalize(a), std::fs::canonicalize(b)),
            (Ok(x), Ok(y)) if x == y
        )
    }
}

/// A flagged record kept for the review queue and the reviewer's page.
struct Flagged {
    /// The queue's sort key: the probability of the flagged class.
    harmful: f64,
    /// 1-based position in the run (ties keep input order).
    order: u64,
    input: usize,
    line: u64,
    /// The flagged class.
    class: usize,
    record: ReviewRecord,
}

impl Flagged {
    fn new(
        model: &Classifier,
        r: &InputRecord,
        p: &Prediction,
        input: usize,
        input_name: &str,
    ) -> Self {
        let class = p.explained.unwrap_or(p.label);
        let classes = model.classes();
        let explains = p.explained.map(|c| classes[c].clone());
        Flagged {
            harmful: p.probabilities[class],
            order: 0,
            input,
            line: r.position.line,
            class,
            record: ReviewRecord {
                id: r.id_string(),
                source: format!("{input_name}:{}", r.position.line),
                text: r.text.clone(),
                label: classes[p.label].clone(),
                lang: p.lang.to_string(),
                scores: p.probabilities.clone(),
                threshold: explains
                    .as_deref()
                    .and_then(|c| model.review_policy().threshold(c)),
                explains,
                reasons: p.reasons.clone(),
                warnings: redflag::result::warnings(flags(r), p)
                    .into_iter()
                    .map(str::to_string)
                    .collect(),
            },
        }
    }

    /// The text with every reason span marked `[[...]]` (overlapping spans merged).
    fn highlighted(&self) -> String {
        let text = &self.record.text;
        let mut spans: Vec<Span> = self
            .record
            .reasons
            .iter()
            .flat_map(|x| x.spans.iter().copied())
            .collect();
        spans.sort_unstable_by_key(|s| (s.start, s.end));
        let mut merged: Vec<Span> = Vec::new();
        for s in spans {
            match merged.last_mut() {
                Some(last) if s.start <= last.end => last.end = last.end.max(s.end),
                _ => merged.push(s),
            }
        }
        let mut out = String::with_capacity(text.len() + 4 * merged.len());
        let mut at = 0;
        for s in merged {
            if s.start < at || s.end > text.len() {
                continue;
            }
            out.push_str(&text[at..s.start]);
            out.push_str("[[");
            out.push_str(&text[s.start..s.end]);
            out.push_str("]]");
            at = s.end;
        }
        out.push_str(&text[at..]);
        out
    }

    /// The reasons as `feature (weight)`.
    fn reasons(&self) -> Vec<String> {
        self.record
            .reasons
            .iter()
            .map(|x| format!("{} ({:.2})", x.feature.trim(), x.weight))
            .collect()
    }
}

/// A cell a spreadsheet will show as text: one that starts with `=`, `+`, `-`, `@`, a tab or
/// a carriage return (which Excel, LibreOffice and Google Sheets may run as a formula: "CSV
/// injection") gets a leading `'`, as OWASP advises.
fn spreadsheet_text(cell: &str) -> String {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{cell}")
    } else {
        cell.to_string()
    }
}

/// Writes the review queue: flagged records, highest harmful score first (ties in input
/// order), with rank, scores, reasons, the highlighted text, and empty `decision` and
/// `notes` columns for the reviewer. Every text cell is made safe to open in a spreadsheet
/// ([`spreadsheet_text`]).
fn write_queue(
    path: &Path,
    model: &Classifier,
    inputs: &[String],
    flagged: &[Flagged],
) -> anyhow::Result<()> {
    let mut queue: Vec<&Flagged> = flagged.iter().collect();
    queue.sort_by(|a, b| b.harmful.total_cmp(&a.harmful).then(a.order.cmp(&b.order)));
    let mut w = csv::Writer::from_path(path)?;
    let mut header = vec![
        "rank".to_string(),
        "id".into(),
        "input".into(),
        "line".into(),
        "flagged_class".into(),
        "harmful_score".into(),
    ];
    header.extend(
        model
            .classes()
            .iter()
            .map(|c| spreadsheet_text(&format!("score_{c}"))),
    );
    header.extend([
        "reasons".to_string(),
        "highlighted_text".into(),
        "decision".into(),
        "notes".into(),
    ]);
    w.write_record(&header)?;
    for (rank, q) in queue.iter().enumerate() {
        let mut row = vec![
            (rank + 1).to_string(),
            spreadsheet_text(&q.record.id),
            spreadsheet_text(&inputs[q.input]),
            q.line.to_string(),
            spreadsheet_text(&model.classes()[q.class]),
            format!("{:.6}", q.harmful),
        ];
        row.extend(q.record.scores.iter().map(|p| format!("{p:.6}")));
        row.push(spreadsheet_text(&q.reasons().join("; ")));
        row.push(spreadsheet_text(&q.highlighted()));
        row.extend([String::new(), String::new()]);
        w.write_record(&row)?;
    }
    w.flush()?;
    Ok(())
}

/// Writes the reviewer's page ([`ReviewPage`]).
fn write_review_html(path: &Path, page: &ReviewPage) -> anyhow::Result<()> {
    let mut w = BufWriter::with_capacity(1 << 16, File::create(path)?);
    page.write(&mut w)?;
    w.flush()?;
    Ok(())
}
