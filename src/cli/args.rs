//! What the user typed: clap derive structs and nothing else.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Flags posts that solicit support for violent extremists, and extremist propaganda,
/// for human review. redflag ranks and explains; a person decides.
#[derive(Debug, Parser)]
#[command(name = "redflag", version, about, max_term_width = 100)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Score records for human review (JSON Lines out, one result per input record, in order).
    Score(ScoreArgs),
    /// Train a model from labelled records.
    Train(TrainArgs),
    /// Print a model's metadata and checksum without scoring anything.
    Inspect(InspectArgs),
    /// Build and check labelled datasets.
    #[command(subcommand)]
    Data(DataCommand),
    /// Measure a model on labelled data: per-class and review metrics with confidence
    /// intervals, per-slice review rates, calibration, plots.
    Evaluate(EvaluateArgs),
    /// Stratified, grouped k-fold cross-validation of a training configuration.
    Cv(CvArgs),
    /// Compare two models on the same data with paired-bootstrap differences; a quality gate.
    Compare(CompareArgs),
    /// Search hyperparameters and feature switches by grouped cross-validation; write the
    /// best configuration (TOML) for `train --config`, and optionally an ablation table.
    Tune(TuneArgs),
    /// Write a model card (Markdown): intended use, data, test metrics with intervals, review
    /// rates of benign slices, ablation, obfuscation robustness, limits.
    Card(CardArgs),
}

#[derive(Debug, Args)]
pub struct TuneArgs {
    #[command(flatten)]
    pub labeled: LabeledArgs,
    /// Base configuration (TOML); variations of it are tried.
    #[arg(long, value_name = "FILE.toml")]
    pub config: Option<PathBuf>,
    /// Number of folds (default 3; 2 with --quick).
    #[arg(long, value_name = "K")]
    pub folds: Option<usize>,
    /// Field whose value keeps records together in one fold.
    #[arg(long, default_value = "group", value_name = "FIELD")]
    pub group_by: String,
    /// How many configurations to try, the base first (default 6; 3 with --quick).
    #[arg(long, value_name = "N")]
    pub budget: Option<usize>,
    /// Also remove one ingredient at a time from the chosen configuration.
    #[arg(long)]
    pub ablation: bool,
    /// Start no trial after this long (e.g. `90s`, `20m`, `1h`; plain numbers are seconds).
    /// A trial that has started finishes, and at least one runs; the report says how many
    /// were cut.
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub time_limit: Option<std::time::Duration>,
    /// A quick look in minutes instead of hours: 2 folds, 3 configurations, and at most
    /// `--sample` records (default 20000 with --quick). Explicit --folds/--budget/--sample
    /// still win.
    #[arg(long)]
    pub quick: bool,
    /// Tune on at most N records: every record of a review class and every project-written
    /// record (with a `writer`) first, then the others in a fixed pseudo-random order
    /// (by `--seed`).
    #[arg(long, value_name = "N")]
    pub sample: Option<usize>,
    /// Folder for best.toml, tune.json and tune.md.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
}

#[derive(Debug, Args)]
pub struct CardArgs {
    /// Model file; the embedded default model when absent.
    #[arg(long, value_name = "MODEL")]
    pub model: Option<PathBuf>,
    /// Labelled test data for the metrics (never the training data).
    #[arg(long, num_args = 1.., value_name = "FILE")]
    pub data: Vec<String>,
    /// The recipe the model's data was built with (sources, licences).
    #[arg(long, value_name = "FILE.toml")]
    pub recipe: Option<PathBuf>,
    /// `tune.json` from `redflag tune --ablation` (the ablation table).
    #[arg(long, value_name = "FILE")]
    pub tune: Option<PathBuf>,
    /// Obfuscation robustness pairs (JSON Lines).
    #[arg(long, value_name = "FILE")]
    pub robustness: Option<PathBuf>,
    /// `lowo.json` from `redflag cv --leave-one-out writer --out DIR` with the model's
    /// configuration: the card's headline, generalisation to an unseen writer.
    #[arg(long, value_name = "FILE")]
    pub lowo: Option<PathBuf>,
    /// A leave-one-writer-out ablation row, `NAME=lowo.json` (a `cv --leave-one-out`
    /// run of a variant of the configuration); repeatable.
    #[arg(long, value_name = "NAME=FILE")]
    pub lowo_variant: Vec<String>,
    /// Bootstrap resamples for confidence intervals.
    #[arg(long, default_value_t = 1000, value_name = "N")]
    pub resamples: usize,
    /// Write the card here instead of standard output.
    #[arg(long, short, value_name = "FILE.md")]
    pub out: Option<PathBuf>,
    /// No progress bar (it is drawn on standard error, and only when that is a terminal).
    #[arg(long, short)]
    pub quiet: bool,
}

#[derive(Debug, Args)]
pub struct LabeledArgs {
    /// Labelled data files with text and label: JSON Lines, CSV/TSV or Parquet (by
    /// extension, or --format; optionally gzipped).
    #[arg(long, required = true, num_args = 1.., value_name = "FILE")]
    pub data: Vec<String>,
    #[command(flatten)]
    pub columns: ColumnArgs,
    /// Field or column holding the label.
    #[arg(long, default_value = "label", value_name = "NAME")]
    pub label_column: String,
    /// Bootstrap resamples for confidence intervals (0: none).
    #[arg(long, default_value_t = 1000, value_name = "N")]
    pub resamples: usize,
    /// Seed of the bootstrap (and of the folds).
    #[arg(long, default_value_t = 0x5eed, value_name = "N")]
    pub seed: u64,
    /// Worker threads; 0 means one per core.
    #[arg(long, default_value_t = 0, value_name = "N")]
    pub threads: usize,
    /// No progress bar (it is drawn on standard error, and only when that is a terminal).
    #[arg(long, short)]
    pub quiet: bool,
}

#[derive(Debug, Args)]
pub struct EvaluateArgs {
    /// Model file; the embedded default model when absent.
    #[arg(long, value_name = "MODEL")]
    pub model: Option<PathBuf>,
    #[command(flatten)]
    pub labeled: LabeledArgs,
    /// Write report.json, report.md and SVG plots into this folder.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Print the JSON report on standard output (instead of the Markdown one).
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct CvArgs {
    #[command(flatten)]
    pub labeled: LabeledArgs,
    /// Training configuration (TOML).
    #[arg(long, value_name = "FILE.toml")]
    pub config: Option<PathBuf>,
    /// Number of folds.
    #[arg(long, default_value_t = 5, value_name = "K")]
    pub folds: usize,
    /// Field whose value keeps records together in one fold (`group`, `writer`,
    /// `language`, `source`, `slice` or `id`). Records without a writer or language keep
    /// their `group` together; records without the other fields are their own group.
    #[arg(long, default_value = "group", value_name = "FIELD")]
    pub group_by: String,
    /// Instead of k folds, leave out one value of FIELD at a time (`writer`, `language`,
    /// `source`, `slice` or `group`): train on every record without it and test on the
    /// records with it. Records that lack the field (public corpora) are in training every
    /// time and never tested.
    #[arg(long, value_name = "FIELD", conflicts_with = "group_by")]
    pub leave_one_out: Option<String>,
    /// With --leave-one-out: deal the distinct values (in sorted order, round-robin) into K
    /// folds and leave a whole fold out at a time, K trainings instead of one per value.
    /// Every value is still scored only by a model that never saw it (nor the other values
    /// of its fold, so the figures are somewhat lower than one training per value gives).
    #[arg(long, value_name = "K", requires = "leave_one_out")]
    pub value_folds: Option<usize>,
    /// With --leave-one-out: write lowo.json (per-value figures and the evaluation report
    /// of the pooled held-out predictions), lowo.md and predictions.jsonl into this folder.
    #[arg(long, value_name = "DIR", requires = "leave_one_out")]
    pub out: Option<PathBuf>,
    /// Print the result as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct CompareArgs {
    /// The reference model (A) and the candidate (B), in that order; `default` names the
    /// embedded default model.
    #[arg(long = "model", required = true, num_args = 1, value_name = "MODEL")]
    pub models: Vec<String>,
    #[command(flatten)]
    pub labeled: LabeledArgs,
    /// Fail (exit 1) when B is worse than A by more than TOLERANCE on METRIC
    /// (e.g. `appeal.average_precision:0.02`, `review.recall:0.01`,
    /// `slice:benign-islamic-charity.review_rate:0.01`); repeatable.
    #[arg(long, value_name = "METRIC:TOLERANCE")]
    pub fail_if_worse: Vec<String>,
    /// Print the comparison as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Subcommand)]
pub enum DataCommand {
    /// Build canonical train/validation/test files from a recipe.
    Build(DataBuildArgs),
    /// Check dataset files: schema, duplicates (also across files), counts, lengths.
    Check(DataCheckArgs),
}

#[derive(Debug, Args)]
pub struct DataBuildArgs {
    /// The recipe (TOML).
    #[arg(long, value_name = "FILE.toml")]
    pub recipe: PathBuf,
    /// Output folder for train.jsonl, validation.jsonl, test.jsonl and report.json.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Folder holding the public corpora (overrides the recipe's `corpora`).
    #[arg(long, value_name = "DIR")]
    pub corpora: Option<PathBuf>,
    /// Build without public corpora that are missing (each is still reported).
    #[arg(long)]
    pub allow_missing: bool,
    /// Leave out every source whose terms do not clearly allow commercial use
    /// (non-commercial, research-only or unstated licences; `commercial = true` in the
    /// recipe keeps a source).
    #[arg(long)]
    pub commercial_only: bool,
}

#[derive(Debug, Args)]
pub struct DataCheckArgs {
    /// Dataset files: JSON Lines, CSV/TSV or Parquet (by extension, or --format).
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<String>,
    #[command(flatten)]
    pub columns: ColumnArgs,
    /// Field or column holding the label.
    #[arg(long, default_value = "label", value_name = "NAME")]
    pub label_column: String,
    /// Allowed labels (repeatable); default appeal, propaganda, reporting, benign.
    #[arg(long = "label", value_name = "LABEL")]
    pub labels: Vec<String>,
    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
}

/// Input format, when the file extension does not say (or to override it).
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum FormatArg {
    /// One JSON object per line.
    Jsonl,
    /// CSV with a header row.
    Csv,
    /// One document per line.
    Text,
    /// Apache Parquet (files only).
    Parquet,
}

/// Results format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum OutputFormatArg {
    /// One JSON object per line.
    Jsonl,
    /// Apache Parquet: columns id, input, record, line, label, score_<class>, review,
    /// reasons (a JSON string), warnings, error.
    Parquet,
}

#[derive(Debug, Args)]
pub struct ColumnArgs {
    /// Input format; by default from the extension (.jsonl/.ndjson/.json, .csv/.tsv, .txt,
    /// optionally .gz; .parquet/.pq); standard input defaults to JSON Lines.
    #[arg(long, value_enum)]
    pub format: Option<FormatArg>,
    /// Field or column holding the text.
    #[arg(long, default_value = "text", value_name = "NAME")]
    pub text_column: String,
    /// Field or column holding the record id.
    #[arg(long, default_value = "id", value_name = "NAME")]
    pub id_column: String,
}

#[derive(Debug, Args)]
pub struct ScoreArgs {
    /// Inputs: files, or `-` for standard input (the default).
    #[arg(value_name = "FILE")]
    pub inputs: Vec<String>,
    /// Model file; the embedded default model when absent.
    #[arg(long, value_name = "MODEL")]
    pub model: Option<PathBuf>,
    #[command(flatten)]
    pub columns: ColumnArgs,
    /// Write results here instead of standard output (Parquet when the name ends in
    /// .parquet or .pq).
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Results format; by default from the --output extension, else JSON Lines.
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub output_format: Option<OutputFormatArg>,
    /// Worker threads; 0 means one per core.
    #[arg(long, default_value_t = 0, value_name = "N")]
    pub threads: usize,
    /// Override review thresholds for this run: CLASS=VALUE, comma-separated or repeated
    /// (e.g. appeal=0.6,propaganda=0.8); other classes keep the model's thresholds.
    #[arg(long, value_name = "CLASS=VALUE", value_delimiter = ',')]
    pub threshold: Vec<String>,
    /// Leave out reasons (faster); the same as --reasons 0.
    #[arg(long)]
    pub no_reasons: bool,
    /// How many reasons (words, phrases, signals) to give per result.
    #[arg(long, default_value_t = redflag::MAX_REASONS, value_name = "N")]
    pub reasons: usize,
    /// Write only records flagged for review (and error records).
    #[arg(long)]
    pub review_only: bool,
    /// Also write a review queue (CSV): flagged records sorted by harmful score, with the
    /// text, its reasons marked [[like this]], and the scores. Holds flagged records in memory.
    #[arg(long, value_name = "FILE.csv")]
    pub queue: Option<PathBuf>,
    /// Also write a reviewer's page (one self-contained HTML file): flagged records sorted by
    /// harmful score, reasons highlighted, keys and buttons to decide, notes, and an export
    /// of the decisions as JSON Lines for `train --data`. Holds flagged records in memory.
    #[arg(long, value_name = "FILE.html")]
    pub review_html: Option<PathBuf>,
    /// Longest text scored, in bytes; longer text is truncated and the result says so.
    #[arg(long, default_value_t = 1 << 20, value_name = "N")]
    pub max_bytes: usize,
    /// Stop reading a .gz input that expands more than N times its compressed size (after
    /// its first 64 MiB): a decompression bomb, not text. 0 turns the check off.
    #[arg(long, default_value_t = 100, value_name = "N")]
    pub max_gzip_ratio: u64,
    /// No progress bar and no summary line on standard error.
    #[arg(long, short)]
    pub quiet: bool,
}

#[derive(Debug, Args)]
pub struct TrainArgs {
    /// Labelled training data: JSON Lines with `text` and `label` (optional `id`, `source`,
    /// `slice`, `group`), or CSV with a header naming the columns.
    #[arg(long, required = true, num_args = 1.., value_name = "FILE")]
    pub data: Vec<String>,
    /// Training configuration (TOML); defaults for everything it leaves out.
    #[arg(long, value_name = "FILE.toml")]
    pub config: Option<PathBuf>,
    /// Where to write the model.
    #[arg(long, value_name = "MODEL")]
    pub out: PathBuf,
    /// Validation data for thresholds and calibration; without it a grouped fraction of the
    /// training data is held out (`review.validation_fraction`).
    #[arg(long, num_args = 1.., value_name = "FILE")]
    pub validation: Vec<String>,
    /// `predictions.jsonl` from `redflag cv --leave-one-out writer --out DIR`: review
    /// thresholds are chosen on these held-out-writer predictions together with the
    /// validation data, whose records that have a `writer` are then left out of the
    /// threshold choice (the held-out predictions cover every writer's records).
    #[arg(long, value_name = "FILE")]
    pub held_out_predictions: Option<PathBuf>,
    /// Choose each review class's threshold to reach this precision on validation data.
    #[arg(long, value_name = "P", conflicts_with = "target_recall")]
    pub target_precision: Option<f64>,
    /// Choose each review class's threshold to reach this recall on validation data.
    #[arg(long, value_name = "R")]
    pub target_recall: Option<f64>,
    #[command(flatten)]
    pub columns: ColumnArgs,
    /// Field or column holding the label.
    #[arg(long, default_value = "label", value_name = "NAME")]
    pub label_column: String,
    /// Description stored in the model (overrides the configuration's).
    #[arg(long)]
    pub description: Option<String>,
    /// Worker threads; 0 means one per core. The model does not depend on it.
    #[arg(long, default_value_t = 0, value_name = "N")]
    pub threads: usize,
    /// No progress lines on standard error.
    #[arg(long, short)]
    pub quiet: bool,
}

#[derive(Debug, Args)]
pub struct InspectArgs {
    /// Model file; the embedded default model when absent.
    #[arg(value_name = "MODEL")]
    pub model: Option<PathBuf>,
}

/// A duration such as `90s`, `20m`, `1h` or `45` (seconds).
fn parse_duration(s: &str) -> Result<std::time::Duration, String> {
    let t = s.trim();
    let (num, unit) = match t.find(|c: char| !c.is_ascii_digit() && c != '.') {
        Some(i) => (&t[..i], t[i..].trim()),
        None => (t, "s"),
    };
    let v: f64 = num
        .parse()
        .map_err(|_| format!("{s:?} is not a duration (e.g. 90s, 20m, 1h)"))?;
    let secs = match unit {
        "s" | "sec" | "secs" => v,
        "m" | "min" | "mins" => v * 60.0,
        "h" | "hour" | "hours" => v * 3600.0,
        other => return Err(format!("unknown unit {other:?} in {s:?} (use s, m or h)")),
    };
    if !secs.is_finite() || secs <= 0.0 || secs > 1e9 {
        return Err(format!("{s:?} is not a positive duration"));
    }
    Ok(std::time::Duration::from_secs_f64(secs))
}

#[cfg(test)]
mod tests {
    use super::parse_duration;
    use std::time::Duration;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("90s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_duration("20m"), Ok(Duration::from_secs(1200)));
        assert_eq!(parse_duration("1h"), Ok(Duration::from_secs(3600)));
        assert_eq!(parse_duration("45"), Ok(Duration::from_secs(45)));
        assert_eq!(parse_duration("1.5m"), Ok(Duration::from_secs(90)));
        for bad in ["", "m", "5 days", "-3s", "0"] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
    }
}
