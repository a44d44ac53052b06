//! `redflag data build` and `redflag data check`.

use std::io::Write;

use anyhow::Context;
use redflag::data::{self, BuildOptions, Recipe};

use super::args::{DataBuildArgs, DataCheckArgs, DataCommand};
use super::{EXIT_OK, EXIT_RECORD_ERRORS};

pub fn run(cmd: DataCommand) -> anyhow::Result<u8> {
    match cmd {
        DataCommand::Build(a) => build(a),
        DataCommand::Check(a) => check(a),
    }
}

fn build(args: DataBuildArgs) -> anyhow::Result<u8> {
    let recipe = Recipe::load(&args.recipe)?;
    let base = args
        .recipe
        .parent()
        .map(|p| {
            if p.as_os_str().is_empty() {
                std::path::Path::new(".")
            } else {
                p
            }
        })
        .unwrap_or(std::path::Path::new("."))
        .to_path_buf();
    let options = BuildOptions {
        base,
        corpora: args.corpora.clone(),
        allow_missing: args.allow_missing,
        commercial_only: args.commercial_only,
    };
    let (splits, report) = data::build(&recipe, &options)?;
    data::write_build(&args.out, &splits, &report)
        .with_context(|| format!("cannot write {}", args.out.display()))?;
    let mut err = std::io::stderr().lock();
    for m in &report.missing {
        writeln!(err, "redflag: warning: skipped missing source {m}")?;
    }
    writeln!(
        err,
        "{:<28} {:>7} {:>7}  kept per label / dropped per reason",
        "source", "rows", "kept"
    )?;
    for s in &report.sources {
        let kept: u64 = s.kept.values().sum();
        let labels: Vec<String> = s.kept.iter().map(|(l, n)| format!("{l} {n}")).collect();
        let dropped: Vec<String> = s.dropped.iter().map(|(l, n)| format!("{l} {n}")).collect();
        writeln!(
            err,
            "{:<28} {:>7} {:>7}  {}{}",
            s.name,
            s.rows,
            kept,
            if s.missing {
                "MISSING".to_string()
            } else {
                labels.join(", ")
            },
            if dropped.is_empty() {
                String::new()
            } else {
                format!(" / {}", dropped.join(", "))
            }
        )?;
    }
    for (split, labels) in &report.splits {
        let l: Vec<String> = labels.iter().map(|(k, n)| format!("{k} {n}")).collect();
        writeln!(err, "{split}: {}", l.join(", "))?;
    }
    writeln!(err, "redflag: wrote {}", args.out.display())?;
    Ok(EXIT_OK)
}

fn check(args: DataCheckArgs) -> anyhow::Result<u8> {
    let fields = redflag::io::Fields {
        label: args.label_column.clone(),
        ..super::fields(&args.columns)
    };
    let format = match args.columns.format {
        Some(f) => Some(super::input_format("-", Some(f))?),
        None => None,
    };
    let report = data::check(&args.files, &args.labels, &fields, format)?;
    let mut out = std::io::stdout().lock();
    if args.json {
        serde_json::to_writer_pretty(&mut out, &report)?;
        writeln!(out)?;
    } else {
        for (f, n) in &report.files {
            writeln!(out, "{f}: {n} records")?;
        }
        let line = |m: &std::collections::BTreeMap<String, u64>| {
            m.iter()
                .map(|(k, n)| format!("{k} {n}"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        writeln!(out, "labels: {}", line(&report.labels))?;
        writeln!(out, "sources: {}", line(&report.sources))?;
        writeln!(out, "slices: {}", line(&report.slices))?;
        let c = &report.chars;
        let w = &report.words;
        writeln!(
            out,
            "length (chars): min {} median {} mean {:.1} p95 {} max {}",
            c.min, c.median, c.mean, c.p95, c.max
        )?;
        writeln!(
            out,
            "length (words): min {} median {} mean {:.1} p95 {} max {}",
            w.min, w.median, w.mean, w.p95, w.max
        )?;
        writeln!(
            out,
            "duplicates: {} exact, {} near, {} across files ({} near-duplicate variants within their group, allowed)",
            report.exact_duplicates, report.near_duplicates, report.cross_file_duplicates, report.grouped_variants
        )?;
        for f in &report.errors {
            writeln!(out, "error: {}: {}", f.at, f.problem)?;
        }
        writeln!(out, "{} error(s)", report.errors.len())?;
    }
    Ok(if report.ok() {
        EXIT_OK
    } else {
        EXIT_RECORD_ERRORS
    })
}
