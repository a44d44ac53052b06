//! `redflag train`: labelled records + configuration → model file.

use std::io::Read;
use std::time::Instant;

use anyhow::Context;
use redflag::io::{open_input, Fields, LabeledRecord, ReadItem, RecordReader};
use redflag::train::TrainConfig;
use redflag::DataFile;
use sha2::{Digest, Sha256};

use super::args::TrainArgs;
use super::{input_format, set_threads, EXIT_OK};

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
        let (records, sha256) = read_labeled(input, &fields, &args)?;
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
    let mut model = valid.fit(&data)?;
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
        if model.review_policy().thresholds.is_empty() {
            eprintln!(
                "redflag: warning: none of the review classes ({}) is in the data; this model never flags for review",
                valid.config().review.classes.join(", ")
            );
        }
    }
    Ok(EXIT_OK)
}

/// Reads every record of one input; the first unreadable or unlabelled record is an error
/// naming its position. Returns the records and the SHA-256 of the input's bytes.
fn read_labeled(
    input: &str,
    fields: &Fields,
    args: &TrainArgs,
) -> anyhow::Result<(Vec<LabeledRecord>, String)> {
    if input == "-" {
        anyhow::bail!(
            "training data must be files (their checksums go into the model), not standard input"
        );
    }
    let format = input_format(input, args.columns.format)?;
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
    let reader = RecordReader::new(
        open_input(input)?,
        format,
        fields.clone(),
        Some(input.to_string()),
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
