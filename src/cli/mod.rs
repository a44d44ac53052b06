//! From parsed arguments to library calls.

mod args;
mod card;
mod data;
mod evaluate;
mod inspect;
mod progress;
mod score;
mod train;

use std::borrow::Cow;
use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;
use clap::Parser;
use std::io::Read;

use redflag::io::{
    open_records, Fields, InputFormat, LabeledRecord, RatioLimit, ReadItem, ReaderOptions,
};
use sha2::{Digest, Sha256};

use args::{Cli, ColumnArgs, Command, FormatArg};

/// Exit code: every record scored.
pub const EXIT_OK: u8 = 0;
/// Exit code: some records became error records.
pub const EXIT_RECORD_ERRORS: u8 = 1;
/// Exit code: usage, I/O or model error.
pub const EXIT_FAILURE: u8 = 2;

pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() {
                EXIT_FAILURE
            } else {
                EXIT_OK
            });
        }
    };
    match run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(err) => {
            if is_broken_pipe(&err) {
                return ExitCode::from(EXIT_OK);
            }
            let _ = writeln!(std::io::stderr(), "redflag: error: {}", describe(&err));
            ExitCode::from(EXIT_FAILURE)
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<u8> {
    match cli.command {
        Command::Score(a) => score::run(a),
        Command::Train(a) => train::run(a),
        Command::Inspect(a) => inspect::run(a),
        Command::Data(c) => data::run(c),
        Command::Evaluate(a) => evaluate::evaluate(a),
        Command::Cv(a) => evaluate::cv(a),
        Command::Compare(a) => evaluate::compare(a),
        Command::Tune(a) => evaluate::tune(a),
        Command::Card(a) => card::run(a),
    }
}

fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|e| {
        e.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            || e.downcast_ref::<redflag::Error>()
                .is_some_and(redflag::Error::is_broken_pipe)
    })
}

/// The bytes of `--model FILE`, or of the embedded default model when there is no
/// `--model` or it is `default` (a file of that name is `./default`), with the name to
/// show for it.
fn model_bytes(path: Option<&Path>) -> anyhow::Result<(String, Cow<'static, [u8]>)> {
    match path {
        Some(p) if p != Path::new("default") => Ok((
            p.display().to_string(),
            redflag::bundle::read_file(p)
                .with_context(|| format!("cannot use model {}", p.display()))?
                .into(),
        )),
        _ => Ok((
            "<embedded default model>".to_string(),
            redflag::bundle::DEFAULT_MODEL.into(),
        )),
    }
}

/// An error and its causes on one line, each cause once: a cause whose text its parent
/// already ends with (an error that shows its source) is not repeated.
fn describe(err: &anyhow::Error) -> String {
    let mut out = String::new();
    for e in err.chain() {
        let text = e.to_string();
        if out.ends_with(&text) {
            continue;
        }
        if !out.is_empty() {
            out.push_str(": ");
        }
        out.push_str(&text);
    }
    out
}

/// Sizes the global thread pool; 0 means one thread per core.
fn set_threads(n: usize) -> anyhow::Result<()> {
    rayon::ThreadPoolBuilder::new()
        .num_threads(n)
        .build_global()
        .context("cannot start worker threads")
}

/// The format of `input`: forced by `--format`, else from the extension; standard input
/// and unknown extensions read as JSON Lines unless the name ends in a known extension.
fn input_format(input: &str, forced: Option<FormatArg>) -> anyhow::Result<InputFormat> {
    Ok(match forced {
        Some(FormatArg::Jsonl) => InputFormat::JsonLines,
        Some(FormatArg::Csv) => InputFormat::Csv,
        Some(FormatArg::Text) => InputFormat::Text,
        Some(FormatArg::Parquet) => InputFormat::Parquet,
        None if input == "-" => InputFormat::JsonLines,
        None => InputFormat::from_path(input).with_context(|| {
            format!(
                "cannot tell the format of {input} from its extension; use --format jsonl|csv|text|parquet"
            )
        })?,
    })
}

fn fields(columns: &ColumnArgs) -> Fields {
    Fields {
        text: columns.text_column.clone(),
        id: columns.id_column.clone(),
        ..Fields::default()
    }
}

/// Reads every record of one input; the first unreadable or unlabelled record is an error
/// naming its position. Returns the records and the SHA-256 of the input's bytes.
pub(crate) fn read_labeled(
    input: &str,
    fields: &Fields,
    format: Option<FormatArg>,
) -> anyhow::Result<(Vec<LabeledRecord>, String)> {
    if input == "-" {
        anyhow::bail!(
            "--data -: labelled data is read from files, not standard input (each file's checksum is recorded in the model or report); save it to a file first"
        );
    }
    let format = input_format(input, format)?;
    let mut hasher = Sha256::new();
    let mut raw = std::fs::File::open(input).with_context(|| format!("cannot open {input}"))?;
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = raw
            .read(&mut buf)
            .with_context(|| format!("cannot read {input}"))?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    let sha256 = hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let reader = open_records(
        input,
        format,
        fields.clone(),
        ReaderOptions::default(),
        RatioLimit::default(),
    )?;
    let mut out = Vec::new();
    for item in reader {
        match item? {
            ReadItem::Record(r) => out.push(r.into_labeled()?),
            ReadItem::Bad(e) => return Err(redflag::Error::from(e).into()),
        }
    }
    Ok((out, sha256))
}
