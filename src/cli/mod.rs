//! From parsed arguments to library calls.

mod args;
mod data;
mod inspect;
mod score;
mod train;

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;
use clap::Parser;
use redflag::io::{Fields, InputFormat};
use redflag::Classifier;

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
            let _ = writeln!(std::io::stderr(), "redflag: error: {err:#}");
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

/// Loads `--model`, or the embedded default model.
fn load_model(path: Option<&Path>) -> anyhow::Result<Classifier> {
    match path {
        Some(p) => redflag::bundle::load_model(p)
            .with_context(|| format!("cannot use model {}", p.display())),
        None => Classifier::default_model().context("cannot use the embedded default model"),
    }
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
        None if input == "-" => InputFormat::JsonLines,
        None => InputFormat::from_path(input).with_context(|| {
            format!(
                "cannot tell the format of {input} from its extension; use --format jsonl|csv|text"
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
