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
    let valid = config.check()?;
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
    let mut model = if args.validation.is_empty() {
        valid.fit(&data)?
    } else {
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
        valid.fit_with_validation(&data, &validation, &args.validation.join(", "))?
    };
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

fn fmt_opt(v: Option<f64>) -> String {
    v.map_or_else(|| "n/a".to_string(), |v| format!("{v:.3}"))
}
