//! `redflag train`: labelled records + configuration → model file.

use std::time::Instant;

use anyhow::Context;
use redflag::io::{Fields, LabeledRecord};
use redflag::train::TrainConfig;
use redflag::DataFile;

use super::args::TrainArgs;
use super::{read_labeled, set_threads, EXIT_OK};

pub fn run(args: TrainArgs) -> anyhow::Result<u8> {
    set_threads(args.threads)?;
    let started = Instant::now();
    let mut config = match &args.config {
        Some(p) => {
            let text = std::fs::read_to_string(p)
                .with_context(|| format!("cannot read {}", p.display()))?;
            TrainConfig::from_toml(&text).with_context(|| format!("in {}", p.display()))?
        }
        None => TrainConfig::default(),
    };
    if let Some(d) = &args.description {
        config.description = d.clone();
    }
    if let Some(p) = args.target_precision {
        config.review.target_precision = Some(p);
        config.review.target_recall = None;
    }
    if let Some(r) = args.target_recall {
        config.review.target_recall = Some(r);
    }
    let bar = super::progress::StageBar::new(args.quiet);
    let valid = config.check()?.with_progress(bar.clone());
    let fields = Fields {
        text: args.columns.text_column.clone(),
        id: args.columns.id_column.clone(),
        label: args.label_column.clone(),
        ..Fields::default()
    };
    let mut data: Vec<LabeledRecord> = Vec::new();
    let mut files = Vec::new();
    for input in &args.data {
        let before = data.len();
        let (records, sha256) = read_labeled(input, &fields, args.columns.format)?;
        data.extend(records);
        files.push(DataFile {
            name: input.clone(),
            sha256,
            records: (data.len() - before) as u64,
        });
    }
    if !args.quiet {
        eprintln!(
            "redflag: read {} records from {} file(s) in {:.2} s; training",
            data.len(),
            files.len(),
            started.elapsed().as_secs_f64()
        );
    }
    let held_out = match &args.held_out_predictions {
        Some(p) => Some(read_predictions(p, &valid, &data)?),
        None => None,
    };
    let mut validation = Vec::new();
    for input in &args.validation {
        let (records, sha256) = read_labeled(input, &fields, args.columns.format)?;
        files.push(DataFile {
            name: format!("{input} (validation)"),
            sha256,
            records: records.len() as u64,
        });
        validation.extend(records);
    }
    let mut model = if let Some(h) = &held_out {
        // Validation records with a writer are covered by the held-out predictions.
        validation.retain(|r| r.writer.is_none());
        let source = if args.validation.is_empty() {
            "no validation file".to_string()
        } else {
            format!("{} (records without a writer)", args.validation.join(", "))
        };
        valid.fit_with_held_out(&data, &validation, Some(h), &source)?
    } else if args.validation.is_empty() {
        valid.fit(&data)?
    } else {
        valid.fit_with_validation(&data, &validation, &args.validation.join(", "))?
    };
    bar.finish();
    model.set_data_files(files);
    redflag::bundle::save_model(&model, &args.out)
        .with_context(|| format!("cannot write {}", args.out.display()))?;
    if !args.quiet {
        let meta = model.meta();
        let counts: Vec<String> = meta
            .rows_per_class
            .iter()
            .map(|(c, n)| format!("{c} {n}"))
            .collect();
        eprintln!(
            "redflag: trained on {} records ({}), {} features; {}; wrote {} in {:.2} s",
            meta.rows,
            counts.join(", "),
            meta.n_features,
            meta.solver,
            args.out.display(),
            started.elapsed().as_secs_f64()
        );
        let v = &meta.validation;
        if v.records > 0 {
            eprintln!(
                "redflag: validation: {} records ({}); calibration {} (ECE {} -> {})",
                v.records,
                v.source,
                if v.calibration_applied {
                    format!("T = {:.3}", model.calibration().temperature)
                } else {
                    "not applied".into()
                },
                fmt_opt(v.ece_uncalibrated),
                fmt_opt(v.ece_calibrated)
            );
        }
        for t in &v.thresholds {
            eprintln!(
                "redflag: review threshold {} = {:.4}{}: validation precision {}, recall {}, AP {} ({} positives)",
                t.class,
                t.threshold,
                match t.target {
                    _ if v.records == 0 => " (no validation data: fixed threshold)".to_string(),
                    Some(target) if !t.target_met => format!(" (target {target:?} not reached: fixed threshold)"),
                    _ => String::new(),
                },
                fmt_opt(t.precision),
                fmt_opt(t.recall),
                fmt_opt(t.average_precision),
                t.positives
            );
        }
        if model.review_policy().thresholds.is_empty() {
            eprintln!(
                "redflag: warning: none of the review classes ({}) is in the data; this model never flags for review",
                valid.config().review.classes.join(", ")
            );
        }
    }
    Ok(EXIT_OK)
}

/// Reads `predictions.jsonl` of `cv --leave-one-out`: one `{"label", "scores": {class: p}}`
/// per line. Every line is checked; an error names the line.
fn read_predictions(
    path: &std::path::Path,
    config: &redflag::train::ValidTrainConfig,
    data: &[LabeledRecord],
) -> anyhow::Result<redflag::train::HeldOutScores> {
    let classes = config.classes_for(data)?;
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let mut out = redflag::train::HeldOutScores {
        classes: classes.clone(),
        source: format!("{}, from cv --leave-one-out", path.display()),
        ..Default::default()
    };
    for (i, line) in text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
    {
        let at = || format!("{}:{}", path.display(), i + 1);
        let v: serde_json::Value =
            serde_json::from_str(line).with_context(|| format!("{}: not JSON", at()))?;
        let label = v["label"]
            .as_str()
            .with_context(|| format!("{}: no `label`", at()))?;
        out.labels.push(label.to_string());
        for c in &classes {
            let p = v["scores"][c]
                .as_f64()
                .with_context(|| format!("{}: no score for class {c:?}", at()))?;
            out.probabilities.push(p);
        }
    }
    if out.labels.is_empty() {
        anyhow::bail!("{}: no predictions", path.display());
    }
    Ok(out)
}

fn fmt_opt(v: Option<f64>) -> String {
    v.map_or_else(|| "n/a".to_string(), |v| format!("{v:.3}"))
}
