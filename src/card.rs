//! The model card: what a model is for, what it was trained on, how well it does on test
//! data (with intervals), whom it burdens (review rates of benign slices), what each
//! ingredient earns, how it resists obfuscation, and its known limits.

use std::fmt::Write;

use crate::data::Recipe;
use crate::eval::{render_markdown, Report, RobustnessReport};
use crate::tune::{table, TuneReport};
use crate::Classifier;

/// Everything a card is made from; only the model is required.
pub struct CardInputs<'a> {
    /// The model.
    pub model: &'a Classifier,
    /// SHA-256 of the model file's payload.
    pub checksum: &'a str,
    /// Evaluation on test data.
    pub report: Option<&'a Report>,
    /// The recipe of the training data.
    pub recipe: Option<&'a Recipe>,
    /// Tuning and ablation results.
    pub tune: Option<&'a TuneReport>,
    /// Obfuscation robustness.
    pub robustness: Option<&'a RobustnessReport>,
}

/// Benign slices whose review rate the card always states, with what they stand for.
pub const WATCHED_SLICES: [(&str, &str); 6] = [
    (
        "benign-islamic-charity",
        "legitimate Islamic charity (zakat, sadaqah, mosques, relief)",
    ),
    (
        "benign-crypto-donation",
        "legitimate crypto donations (charities, open source, streamers)",
    ),
    ("benign-crowdfunding", "personal crowdfunding"),
    (
        "benign-donation-dialogue",
        "persuasion to donate to a children's charity",
    ),
    ("benign-religious", "religious discussion"),
    (
        "reporting-quotes-appeal",
        "reporting that quotes appeals and shows wallet addresses",
    ),
];

/// Renders the card as Markdown.
pub fn render_card(c: &CardInputs) -> String {
    let m = c.model;
    let meta = m.meta();
    let cfg = m.config();
    let mut s = String::new();
    let _ = writeln!(
        s,
        "# Model card: redflag model `{}`\n",
        &c.checksum[..c.checksum.len().min(12)]
    );
    let _ = writeln!(
        s,
        "{}\n",
        if meta.description.is_empty() {
            "(no description)"
        } else {
            &meta.description
        }
    );
    s.push_str("## Intended use\n\n");
    s.push_str("redflag ranks and explains posts for **human review only**. It flags posts that may solicit money or material support for terrorist or violent-extremist groups (`appeal`) and extremist propaganda (`propaganda`), and separates them from text *about* extremism (`reporting`) and everything else (`benign`). A flag is a reason for a trained person to look, never a finding: redflag must not be used to remove content, suspend accounts, report people or take any other action automatically.\n\n");
    s.push_str("Intended users: trust-and-safety teams triaging large batches, researchers measuring detection quality, and CI pipelines retraining on newly labelled data behind a quality gate. Out of scope: hate-speech or toxicity detection, non-English text, judging individuals, and any use without human review.\n\n");

    s.push_str("## Model\n\n| | |\n|---|---|\n");
    let _ = writeln!(s, "| checksum (SHA-256 of payload) | `{}` |", c.checksum);
    let _ = writeln!(s, "| trained by | redflag {} |", meta.crate_version);
    let _ = writeln!(s, "| classes | {} |", m.classes().join(", "));
    let _ = writeln!(s, "| features | {} (word {}–{}-grams{}; stemming: {}; signal tokens: {}; obfuscation folding: {}) |",
        meta.n_features,
        cfg.analyzer.word_ngrams.min,
        cfg.analyzer.word_ngrams.max,
        cfg.analyzer.char_ngrams.map_or(String::new(), |r| format!(", character {}–{}-grams inside words", r.min, r.max)),
        if cfg.analyzer.stem { format!("{:?}", cfg.analyzer.language) } else { "off".into() },
        if cfg.analyzer.signals.enabled { "on" } else { "off" },
        if cfg.analyzer.normalize.fold_leet { "on" } else { "off" });
    let _ = writeln!(
        s,
        "| solver | multinomial logistic regression, L2 alpha {}; {} |",
        cfg.logistic_alpha(),
        meta.solver
    );
    let _ = writeln!(
        s,
        "| calibration | temperature {:.3} ({}) |",
        m.calibration().temperature,
        if meta.validation.calibration_applied {
            "fitted on validation data"
        } else {
            "none"
        }
    );
    let rows: Vec<String> = meta
        .rows_per_class
        .iter()
        .map(|(k, v)| format!("{k} {v}"))
        .collect();
    let _ = writeln!(s, "| training rows | {} ({}) |", meta.rows, rows.join(", "));
    for f in &meta.data {
        let _ = writeln!(
            s,
            "| data file | `{}`: {} records, sha256 `{}` |",
            f.name, f.records, f.sha256
        );
    }
    s.push_str("\n### Review thresholds\n\nChosen on validation data (");
    let _ = write!(
        s,
        "{}, {} records",
        meta.validation.source, meta.validation.records
    );
    s.push_str(").\n\n| class | threshold | target | met | validation precision | validation recall | validation AP |\n|---|---|---|---|---|---|---|\n");
    let f = |v: Option<f64>| v.map_or("—".to_string(), |v| format!("{v:.3}"));
    for t in &meta.validation.thresholds {
        let _ = writeln!(
            s,
            "| {} | {:.4} | {} | {} | {} | {} | {} |",
            t.class,
            t.threshold,
            t.target.map_or("—".into(), |t| format!("{t:?}")),
            if t.target_met { "yes" } else { "no" },
            f(t.precision),
            f(t.recall),
            f(t.average_precision)
        );
    }

    s.push_str("\n## Training data\n\nSee `datasets/README.md` (the dataset card) for labelling rules, counts and biases. ");
    if let Some(r) = c.recipe {
        let _ = writeln!(
            s,
            "Recipe `{}`:\n\n| source | upstream | licence |\n|---|---|---|",
            r.name
        );
        for src in &r.sources {
            let up = if src.upstream.is_empty() {
                "written for redflag (datasets/handwritten)"
            } else {
                &src.upstream
            };
            let lic = if src.licence.is_empty() {
                "redflag's own"
            } else {
                &src.licence
            };
            let _ = writeln!(s, "| {} | {} | {} |", src.name, up, lic);
        }
        s.push('\n');
    } else {
        s.push_str("\n\n");
    }

    if let Some(r) = c.report {
        s.push_str("## Benign slices: review burden\n\nThe share of each lawful kind of text that this model sends to review (test data; 95% bootstrap interval).\n\n| slice | what it is | records | review rate |\n|---|---|---:|---|\n");
        for (slice, what) in WATCHED_SLICES {
            match r.slices.get(slice) {
                Some(g) => {
                    let ci = g
                        .review_rate_ci
                        .as_ref()
                        .map_or(String::new(), |i| format!(" [{:.3}, {:.3}]", i.low, i.high));
                    let _ = writeln!(
                        s,
                        "| {slice} | {what} | {} | {:.3}{ci} |",
                        g.records, g.review_rate
                    );
                }
                None => {
                    let _ = writeln!(s, "| {slice} | {what} | 0 | not in the test data |");
                }
            }
        }
        s.push_str("\n## Test metrics\n\n");
        let body = render_markdown(r, &[]);
        for line in body.lines().skip_while(|l| !l.starts_with("Data:")) {
            let line = line
                .strip_prefix("## ")
                .map_or(line.to_string(), |h| format!("### {h}"));
            s.push_str(&line);
            s.push('\n');
        }
    }

    if let Some(t) = c.tune {
        if !t.ablation.is_empty() {
            let _ = writeln!(s, "\n## Ablation\n\nWhat each ingredient earns: {}-fold cross-validation on the training data only (grouped by `{}`, {} records), removing (−) or adding (+) one ingredient of the chosen configuration at a time. Harmful AP is the mean average precision of the review classes; differences in brackets.\n\n{}", t.folds, t.group_by, t.records, table(&t.ablation, Some(&t.trials[t.best])));
        }
        if t.trials.len() > 1 {
            let _ = writeln!(
                s,
                "\n### Configurations tried\n\n{}",
                table(&t.trials, None)
            );
        }
    }

    if let Some(rb) = c.robustness {
        let _ = writeln!(s, "\n## Obfuscation robustness\n\n{} hand-written pairs of a clean text and an obfuscated variant saying the same (`datasets/robustness/pairs.jsonl`). Gap = |harmful score of the variant − harmful score of the clean text|, harmful score = the highest review-class probability.\n\n| obfuscation | pairs | mean gap | worst gap (pair) | same review decision |\n|---|---:|---|---|---|", rb.overall.pairs);
        for (k, g) in rb
            .by_kind
            .iter()
            .chain(std::iter::once((&"**all**".to_string(), &rb.overall)))
        {
            let _ = writeln!(
                s,
                "| {k} | {} | {:.4} | {:.4} ({}) | {:.3} |",
                g.pairs, g.mean_gap, g.worst_gap, g.worst_id, g.same_decision
            );
        }
    }

    s.push_str("\n## Known limits\n\n");
    s.push_str("- **The appeal class was written by the project**, not observed in the wild: ~660 short, generic, hand-written examples. Real appeals will take forms the examples do not, so appeal recall on the project's own test split is optimistic.\n");
    s.push_str("- **English-centric.** Stemming and most training text are English; other languages are out of scope.\n");
    s.push_str("- **Propaganda is mostly one 2015–16 corpus** of pro-IS tweets labelled by account, not by tweet (about a third of a labelled sample is propaganda per tweet). The model has learnt that period's vocabulary, including battlefield news in the group's voice; far-right propaganda rests on 85 hand-written examples.\n");
    s.push_str("- **Bag of n-grams.** The model sees words and word pairs, not meaning: negation, irony, quotation and context outside the post are invisible to it, which is why reporting that quotes an appeal can still be flagged.\n");
    s.push_str("- **Scores are calibrated on the validation split's mix of classes.** On a stream with far fewer harmful posts, precision at the stored thresholds will be lower than on the test split; choose thresholds from `redflag evaluate` on your own labelled sample.\n");
    s.push_str("- **Hate speech** in the training data is labelled benign: redflag does not detect it and must not be used for it.\n");
    s
}
