//! `redflag card`: a model card in Markdown.

use anyhow::Context;
use redflag::card::{render_card, CardInputs};
use redflag::data::Recipe;
use redflag::eval::{self, EvalOptions, Scored};
use redflag::io::Fields;

use super::args::CardArgs;
use super::{read_labeled, EXIT_OK};

pub fn run(args: CardArgs) -> anyhow::Result<u8> {
    let (name, bytes) = super::model_bytes(args.model.as_deref())?;
    let redflag::bundle::OpenedModel {
        model,
        sha256: checksum,
        ..
    } = redflag::bundle::open_model(&bytes).with_context(|| format!("cannot use model {name}"))?;
    let report = if args.data.is_empty() {
        None
    } else {
        let mut records = Vec::new();
        for f in &args.data {
            records.extend(read_labeled(f, &Fields::default(), None)?.0);
        }
        let bar = super::progress::StageBar::new(args.quiet);
        let scored = Scored::new_with_progress(&model, &records, bar.as_ref())?;
        bar.finish();
        let opts = EvalOptions {
            resamples: args.resamples,
            ..EvalOptions::default()
        };
        Some(eval::evaluate(
            &scored,
            &opts,
            Default::default(),
            args.data.clone(),
        ))
    };
    let recipe = args.recipe.as_deref().map(Recipe::load).transpose()?;
    let tune = match &args.tune {
        Some(p) => Some(
            serde_json::from_str(
                &std::fs::read_to_string(p)
                    .with_context(|| format!("cannot read {}", p.display()))?,
            )
            .with_context(|| format!("{} is not a tune.json", p.display()))?,
        ),
        None => None,
    };
    if let (Some(t), Some(p)) = (&tune, &args.tune) {
        let differ = redflag::card::tune_mismatch(t, model.config());
        if !differ.is_empty() {
            eprintln!(
                "redflag: warning: {} chose a configuration whose {} differ from the model's: the card says so, and its tuning tables describe another model",
                p.display(),
                differ.join(", ")
            );
        }
    }
    let read_lowo = |p: &std::path::Path| -> anyhow::Result<redflag::card::LowoRun> {
        serde_json::from_str(
            &std::fs::read_to_string(p).with_context(|| format!("cannot read {}", p.display()))?,
        )
        .with_context(|| {
            format!(
                "{} is not a lowo.json of `redflag cv --leave-one-out`",
                p.display()
            )
        })
    };
    let lowo = args.lowo.as_deref().map(read_lowo).transpose()?;
    let variants = args
        .lowo_variant
        .iter()
        .map(|v| {
            let (name, path) = v
                .split_once('=')
                .with_context(|| format!("--lowo-variant {v:?}: expected NAME=FILE"))?;
            Ok((name.to_string(), read_lowo(std::path::Path::new(path))?))
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    let robustness = match &args.robustness {
        Some(p) => Some(eval::robustness(&model, &eval::read_pairs(p)?)),
        None => None,
    };
    let card = render_card(&CardInputs {
        model: &model,
        checksum: &checksum,
        report: report.as_ref(),
        recipe: recipe.as_ref(),
        tune: tune.as_ref(),
        robustness: robustness.as_ref(),
        lowo: lowo.as_ref(),
        lowo_variants: &variants,
    });
    match &args.out {
        Some(p) => {
            std::fs::write(p, card).with_context(|| format!("cannot write {}", p.display()))?
        }
        None => print!("{card}"),
    }
    Ok(EXIT_OK)
}
