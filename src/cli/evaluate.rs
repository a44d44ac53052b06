//! `redflag evaluate`, `redflag cv` and `redflag compare`.

use std::collections::BTreeMap;
use std::io::Write;

use anyhow::Context;
use redflag::eval::{self, EvalOptions, GateRule, Scored};
use redflag::io::{Fields, LabeledRecord};
use redflag::train::TrainConfig;
use redflag::Classifier;

use super::args::{CompareArgs, CvArgs, EvaluateArgs, LabeledArgs, TuneArgs};
use super::{read_labeled, set_threads, EXIT_OK, EXIT_RECORD_ERRORS};

/// Reads every labelled file; returns the records and the file names.
fn read_all(args: &LabeledArgs) -> anyhow::Result<(Vec<LabeledRecord>, Vec<String>)> {
    let fields = Fields {
        text: args.columns.text_column.clone(),
        id: args.columns.id_column.clone(),
        label: args.label_column.clone(),
        ..Fields::default()
    };
    let mut records = Vec::new();
    for f in &args.data {
        records.extend(read_labeled(f, &fields, args.columns.format)?.0);
    }
    if records.is_empty() {
        anyhow::bail!("no records in {}", args.data.join(", "));
    }
    Ok((records, args.data.clone()))
}

/// A model by path (or `default`/absent for the embedded one), with facts for reports.
fn model_named(
    name: Option<&str>,
) -> anyhow::Result<(Classifier, BTreeMap<String, serde_json::Value>)> {
    let (shown, bytes) = super::model_bytes(name.map(std::path::Path::new))?;
    let opened =
        redflag::bundle::open_model(&bytes).with_context(|| format!("cannot use model {shown}"))?;
    let model = opened.model;
    let info = eval::model_info(&shown, &opened.sha256, &model)?;
    Ok((model, info))
}

pub fn evaluate(args: EvaluateArgs) -> anyhow::Result<u8> {
    set_threads(args.labeled.threads)?;
    let model_path = args.model.as_ref().map(|p| p.display().to_string());
    let (model, info) = model_named(model_path.as_deref())?;
    let (records, files) = read_all(&args.labeled)?;
    let bar = super::progress::StageBar::new(args.labeled.quiet);
    let scored = Scored::new_with_progress(&model, &records, bar.as_ref())?;
    bar.finish();
    let opts = EvalOptions {
        resamples: args.labeled.resamples,
        seed: args.labeled.seed,
        ..EvalOptions::default()
    };
    let report = eval::evaluate(&scored, &opts, info, files);
    let mut plots = Vec::new();
    let mut markdown = String::new();
    if let Some(dir) = &args.out {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
        plots = eval::write_plots(&scored, &report, dir)?;
        let json = serde_json::to_string_pretty(&report)?;
        std::fs::write(dir.join("report.json"), json + "\n")?;
        markdown = eval::render_markdown(&report, &plots);
        std::fs::write(dir.join("report.md"), &markdown)?;
    }
    let mut out = std::io::stdout().lock();
    if args.json {
        serde_json::to_writer_pretty(&mut out, &report)?;
        writeln!(out)?;
    } else {
        if markdown.is_empty() {
            markdown = eval::render_markdown(&report, &plots);
        }
        write!(out, "{markdown}")?;
    }
    if let Some(dir) = &args.out {
        eprintln!(
            "redflag: wrote report.json, report.md and {} plots to {}",
            plots.len(),
            dir.display()
        );
    }
    Ok(EXIT_OK)
}

fn read_config(path: Option<&std::path::Path>) -> anyhow::Result<TrainConfig> {
    Ok(match path {
        Some(p) => TrainConfig::from_toml(
            &std::fs::read_to_string(p).with_context(|| format!("cannot read {}", p.display()))?,
        )
        .with_context(|| format!("in {}", p.display()))?,
        None => TrainConfig::default(),
    })
}

/// At most `n` records: every record of a review class and every record with a writer
/// first, then the others in a fixed pseudo-random order (by `seed`), each kept whole.
fn sample_records(
    mut records: Vec<LabeledRecord>,
    n: usize,
    review: &[String],
    seed: u64,
) -> Vec<LabeledRecord> {
    if records.len() <= n {
        return records;
    }
    let key = |r: &LabeledRecord| {
        let first = review.contains(&r.label) || r.writer.is_some();
        let h = xxhash_rust::xxh3::xxh3_64_with_seed(r.id.as_bytes(), seed);
        (!first, h)
    };
    records.sort_by_cached_key(key);
    records.truncate(n);
    records
}

pub fn tune(args: TuneArgs) -> anyhow::Result<u8> {
    set_threads(args.labeled.threads)?;
    let base = read_config(args.config.as_deref())?;
    base.check()?;
    let (records, _) = read_all(&args.labeled)?;
    let folds = args.folds.unwrap_or(if args.quick { 2 } else { 3 });
    let budget = args.budget.unwrap_or(if args.quick { 3 } else { 6 });
    let read = records.len();
    let records = match args.sample.or(args.quick.then_some(20_000)) {
        Some(n) => sample_records(records, n, &base.review.classes, args.labeled.seed),
        None => records,
    };
    let bar = super::progress::StageBar::new(args.labeled.quiet);
    if records.len() < read {
        bar.println(&format!(
            "redflag: tuning on a sample of {} of {read} records",
            records.len()
        ));
    }
    let started = std::time::Instant::now();
    let limits = redflag::tune::TuneLimits {
        deadline: args.time_limit.map(|d| started + d),
        progress: redflag::progress::ProgressHandle::new(bar.clone()),
    };
    let say = |name: &str, t: Option<&redflag::tune::Trial>| match t {
        None => bar.set_prefix(name),
        Some(t) => bar.println(&format!(
            "redflag: [{:.0} s] {}: harmful AP {}",
            started.elapsed().as_secs_f64(),
            t.name,
            t.score.map_or("n/a".into(), |s| format!("{s:.4}"))
        )),
    };
    let mut report = redflag::tune::tune(
        &base,
        &records,
        folds,
        &args.group_by,
        budget,
        args.labeled.seed,
        &limits,
        say,
    )?;
    if args.ablation {
        redflag::tune::ablate(&mut report, &records, args.labeled.seed, &limits, say)?;
    }
    bar.finish();
    if let Some(why) = &report.stopped {
        eprintln!("redflag: {why} (--time-limit)");
    }
    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("cannot create {}", args.out.display()))?;
    let best = &report.trials[report.best];
    std::fs::write(args.out.join("best.toml"), toml::to_string(&best.config)?)?;
    std::fs::write(
        args.out.join("tune.json"),
        serde_json::to_string_pretty(&report)? + "\n",
    )?;
    let mut md = format!(
        "# redflag tune\n\n{} records, {}-fold cross-validation grouped by `{}`; chosen: **{}** (highest mean average precision over the review classes).\n\n## Trials\n\n{}",
        report.records,
        report.folds,
        report.group_by,
        best.name,
        redflag::tune::table(&report.trials, None)
    );
    if let Some(why) = &report.stopped {
        md.push_str(&format!("\n**Stopped early: {why}.**\n"));
    }
    if !report.ablation.is_empty() {
        md.push_str(&format!(
            "\n## Ablation\n\nEach row removes (−) or adds (+) one ingredient of the chosen configuration; differences are to it.\n\n{}",
            redflag::tune::table(&report.ablation, Some(best))
        ));
    }
    std::fs::write(args.out.join("tune.md"), &md)?;
    print!("{md}");
    eprintln!(
        "redflag: wrote best.toml, tune.json and tune.md to {}",
        args.out.display()
    );
    Ok(EXIT_OK)
}

pub fn cv(args: CvArgs) -> anyhow::Result<u8> {
    set_threads(args.labeled.threads)?;
    let config = read_config(args.config.as_deref())?;
    let bar = super::progress::StageBar::new(args.labeled.quiet);
    let valid = config.check()?.with_progress(bar.clone());
    let (records, files) = read_all(&args.labeled)?;
    if let Some(field) = &args.leave_one_out {
        return leave_one_out(&args, &valid, &records, files, field, &bar);
    }
    let report = eval::cross_validate(
        &valid,
        &records,
        args.folds,
        &args.group_by,
        args.labeled.seed,
    )?;
    bar.finish();
    let mut out = std::io::stdout().lock();
    if args.json {
        serde_json::to_writer_pretty(&mut out, &report)?;
        writeln!(out)?;
    } else {
        writeln!(
            out,
            "{}-fold cross-validation grouped by `{}` (fold sizes {:?})\n",
            report.folds, report.group_by, report.fold_sizes
        )?;
        writeln!(out, "| metric | mean | std | per fold |\n|---|---|---|---|")?;
        for (m, s) in &report.metrics {
            let folds: Vec<String> = s
                .folds
                .iter()
                .map(|v| v.map_or("—".into(), |v| format!("{v:.3}")))
                .collect();
            writeln!(
                out,
                "| {m} | {:.4} | {:.4} | {} |",
                s.mean,
                s.std,
                folds.join(" ")
            )?;
        }
    }
    Ok(EXIT_OK)
}

fn leave_one_out(
    args: &CvArgs,
    config: &redflag::train::ValidTrainConfig,
    records: &[LabeledRecord],
    files: Vec<String>,
    field: &str,
    bar: &super::progress::StageBar,
) -> anyhow::Result<u8> {
    let started = std::time::Instant::now();
    let (report, pooled, order) =
        eval::leave_one_out(config, records, field, args.value_folds, |v, i, n| {
            bar.set_prefix(format!("fold {}/{n} ({v})", i + 1));
            bar.println(&format!(
                "redflag: [{:.0} s] fold {}/{n}: leaving out {field} {v:?}",
                started.elapsed().as_secs_f64(),
                i + 1
            ))
        })?;
    let how = match report.value_folds {
        None => format!("one fold per {field}"),
        Some(k) => format!(
            "the {} values dealt into {k} folds, one fold left out at a time",
            report.folds.len()
        ),
    };
    bar.finish();
    let opts = EvalOptions {
        resamples: args.labeled.resamples,
        seed: args.labeled.seed,
        ..EvalOptions::default()
    };
    let mut info = BTreeMap::new();
    info.insert(
        "evaluation".to_string(),
        serde_json::Value::String(format!(
            "leave one {field} out ({how}); {} records without a {field} trained in every fold",
            report.always_trained
        )),
    );
    let pooled_report = eval::evaluate(&pooled, &opts, info, files);
    let mut md = format!(
        "# Leave one `{field}` out

Each row tests on one {field}'s records with a model trained without them ({how}; records without a {field}, {} of them, are in training every time).

| {field} | train | test | appeal AP | propaganda AP | review precision | review recall | benign review rate |
|---|---:|---:|---:|---:|---:|---:|---:|
",
        report.always_trained
    );
    let m = |f: &eval::HeldOut, k: &str| {
        f.metrics
            .get(k)
            .copied()
            .flatten()
            .map_or("—".to_string(), |v| format!("{v:.3}"))
    };
    for f in &report.folds {
        md.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} | {} | {} |
",
            f.value,
            f.train,
            f.test,
            m(f, "appeal.average_precision"),
            m(f, "propaganda.average_precision"),
            m(f, "review.precision"),
            m(f, "review.recall"),
            m(f, "benign.review_rate"),
        ));
    }
    md.push_str(
        "
## The pooled held-out predictions

",
    );
    md.push_str(&eval::render_markdown(&pooled_report, &[]));
    if let Some(dir) = &args.out {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
        let json = serde_json::json!({ "leave_one_out": report, "pooled": pooled_report });
        std::fs::write(
            dir.join("lowo.json"),
            serde_json::to_string_pretty(&json)? + "\n",
        )?;
        std::fs::write(dir.join("lowo.md"), eval::escape_html(&md))?;
        let mut w = std::io::BufWriter::new(std::fs::File::create(dir.join("predictions.jsonl"))?);
        let k = pooled.classes.len();
        for (row, &i) in order.iter().enumerate() {
            let r = &records[i];
            let scores: BTreeMap<&str, f64> = pooled
                .classes
                .iter()
                .map(String::as_str)
                .zip(pooled.probs[row * k..(row + 1) * k].iter().copied())
                .collect();
            serde_json::to_writer(
                &mut w,
                &serde_json::json!({
                    "id": r.id, "label": r.label, "writer": r.writer, "slice": r.slice,
                    "lang": pooled.languages[row], "scores": scores, "review": pooled.flagged[row],
                }),
            )?;
            writeln!(w)?;
        }
        w.flush()?;
        eprintln!(
            "redflag: wrote lowo.json, lowo.md and predictions.jsonl to {}",
            dir.display()
        );
    }
    let mut out = std::io::stdout().lock();
    if args.json {
        serde_json::to_writer_pretty(
            &mut out,
            &serde_json::json!({ "leave_one_out": report, "pooled": pooled_report }),
        )?;
        writeln!(out)?;
    } else {
        write!(out, "{md}")?;
    }
    Ok(EXIT_OK)
}

pub fn compare(args: CompareArgs) -> anyhow::Result<u8> {
    set_threads(args.labeled.threads)?;
    if args.models.len() != 2 {
        anyhow::bail!("compare needs exactly two models: --model A --model B");
    }
    let rules = args
        .fail_if_worse
        .iter()
        .map(|r| GateRule::parse(r))
        .collect::<Result<Vec<_>, _>>()?;
    let (a, info_a) = model_named(Some(&args.models[0]))?;
    let (b, info_b) = model_named(Some(&args.models[1]))?;
    if a.classes() != b.classes() {
        anyhow::bail!(
            "the models have different classes ({} vs {})",
            a.classes().join(", "),
            b.classes().join(", ")
        );
    }
    let (records, files) = read_all(&args.labeled)?;
    let bar = super::progress::StageBar::new(args.labeled.quiet);
    bar.set_prefix("model A");
    let sa = Scored::new_with_progress(&a, &records, bar.as_ref())?;
    for r in &rules {
        eval::check_metric(&sa, &r.metric)?;
    }
    bar.set_prefix("model B");
    let sb = Scored::new_with_progress(&b, &records, bar.as_ref())?;
    bar.finish();
    let mut metrics = eval::default_metrics(&sa);
    for r in &rules {
        if !metrics.contains(&r.metric) {
            metrics.push(r.metric.clone());
        }
    }
    let comparisons = eval::compare(
        &sa,
        &sb,
        &metrics,
        args.labeled.resamples,
        args.labeled.seed,
    )?;
    let violations: Vec<String> = rules
        .iter()
        .filter_map(|r| {
            comparisons
                .iter()
                .find(|c| c.metric == r.metric)
                .and_then(|c| r.violation(c))
        })
        .collect();
    let mut out = std::io::stdout().lock();
    if args.json {
        let v = serde_json::json!({
            "a": info_a, "b": info_b, "data": files, "records": records.len(),
            "metrics": comparisons, "violations": violations,
        });
        serde_json::to_writer_pretty(&mut out, &v)?;
        writeln!(out)?;
    } else {
        writeln!(
            out,
            "A: {}\nB: {}\ndata: {} ({} records)\n",
            args.models[0],
            args.models[1],
            files.join(", "),
            records.len()
        )?;
        writeln!(out, "| metric | A | B | B − A | 95% interval of B − A | P(B worse) |\n|---|---|---|---|---|---|")?;
        for c in &comparisons {
            match &c.diff {
                Some(d) => {
                    let p_worse = if c.lower_is_better {
                        1.0 - d.p_worse
                    } else {
                        d.p_worse
                    };
                    writeln!(
                        out,
                        "| {}{} | {:.4} | {:.4} | {:+.4} | [{:+.4}, {:+.4}] | {:.3} |",
                        c.metric,
                        if c.lower_is_better {
                            " (lower is better)"
                        } else {
                            ""
                        },
                        d.a,
                        d.b,
                        d.diff,
                        d.low,
                        d.high,
                        p_worse
                    )?
                }
                None => writeln!(out, "| {} | — | — | — | — | — |", c.metric)?,
            }
        }
    }
    if violations.is_empty() {
        if !rules.is_empty() {
            eprintln!("redflag: quality gate passed ({} rule(s))", rules.len());
        }
        Ok(EXIT_OK)
    } else {
        for v in &violations {
            eprintln!("redflag: quality gate failed: {v}");
        }
        Ok(EXIT_RECORD_ERRORS)
    }
}
