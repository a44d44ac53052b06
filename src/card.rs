//! The model card: what a model is for, what it was trained on, how well it does on test
//! data (with intervals), whom it burdens (review rates of benign slices), what each
//! ingredient earns, how it resists obfuscation, and its known limits.

use std::fmt::Write;

use serde::{Deserialize, Serialize};

use crate::data::Recipe;
use crate::eval::{
    escape_html, render_markdown, wilson_interval, LeaveOneOutReport, Report, RobustnessReport,
};
use crate::train::TrainConfig;
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
    /// Leave-one-writer-out evaluation of the model's configuration (the headline).
    pub lowo: Option<&'a LowoRun>,
    /// Leave-one-writer-out runs of variants of the configuration (ablation rows).
    pub lowo_variants: &'a [(String, LowoRun)],
}

/// What `redflag cv --leave-one-out FIELD --out DIR` writes to `lowo.json`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LowoRun {
    /// Per held-out value.
    pub leave_one_out: LeaveOneOutReport,
    /// The evaluation report of the pooled held-out predictions.
    pub pooled: Report,
}

/// Families of slices the card reports together: a name, what it stands for, and the
/// slice-name prefixes it pools (writers name their slices freely, so a family is the
/// union of every slice that starts with one of its prefixes).
pub const SLICE_FAMILIES: [(&str, &str, &[&str]); 14] = [
    (
        "everyday religious language",
        "greetings, prayers, verses, holiday wishes, sermons, worship notices, of every faith",
        &[
            "benign-religious",
            "benign-eid",
            "benign-ramadan",
            "benign-dua",
            "benign-quran",
            "benign-hadith",
            "benign-bare-verse",
            "benign-verse",
            "benign-sermon",
            "benign-mosque-notice",
            "benign-church-notice",
            "benign-community-notice",
            "benign-condolence",
            "benign-jihad-nafs",
            "benign-inner-jihad",
            "benign-hajj",
            "benign-umrah",
            "benign-kandil",
            "benign-hijri",
            "benign-orthodox",
            "benign-jewish",
            "benign-gurdwara",
            "benign-happy-diwali",
            "benign-prayer",
            "benign-spiritual-nasheed",
            "benign-interfaith",
            "benign-tabligh",
        ],
    ),
    (
        "lawful Islamic and other faith charity",
        "zakat, sadaqah, mosque and church funds, iftar, orphans, relief",
        &[
            "benign-islamic-charity",
            "benign-zakat",
            "benign-sadaq",
            "benign-sadaka",
            "benign-infaq",
            "benign-sedekah",
            "benign-mosque",
            "benign-church",
            "benign-synagogue",
            "benign-community-charity",
            "benign-orphan",
            "benign-widow",
            "benign-camp-relief",
            "benign-refugee",
            "benign-gaza",
            "benign-earthquake",
            "benign-flood",
            "benign-drought",
            "benign-kurban",
            "benign-eid-charity",
            "benign-ramadan-charity",
            "benign-charity",
            "benign-humanitarian",
            "benign-education-waqf",
            "benign-pesantren",
        ],
    ),
    (
        "lawful crypto donations and remittances",
        "charities, open source, streamers, family abroad",
        &[
            "benign-crypto-donation",
            "benign-registered-relief-crypto",
            "benign-open-source",
            "benign-opensource",
            "benign-streamer",
            "benign-crypto-remittance",
            "benign-crypto-family",
            "benign-remittance",
            "benign-dm-family-remittance",
            "benign-hawala-family",
            "benign-mosque-crypto",
        ],
    ),
    (
        "legal-defence, bail and strike funds",
        "lawful defence funds, whatever the cause",
        &[
            "benign-legal-defence",
            "benign-bail-fund",
            "benign-strike-fund",
            "benign-inmate-family",
        ],
    ),
    (
        "state-army and veterans' fundraising",
        "lawful volunteer crowdfunding for a national army, veterans",
        &[
            "benign-state-army",
            "benign-army",
            "benign-lawful-army",
            "benign-national-army",
            "benign-military",
            "benign-veteran",
            "benign-troops",
            "benign-lawful-veterans",
        ],
    ),
    (
        "sermons and speech against extremism",
        "sermons warning youth, hostility to the groups",
        &[
            "benign-sermon-against",
            "benign-sermon-anti",
            "benign-hostile",
        ],
    ),
    (
        "gaming and sport slang",
        "\"the brothers carried, drop the loot\"",
        &[
            "benign-gaming",
            "benign-sport",
            "benign-football",
            "benign-cricket",
            "benign-alarming-word",
        ],
    ),
    (
        "personal crowdfunding",
        "medical bills, funerals, students",
        &[
            "benign-crowdfunding",
            "benign-medical",
            "benign-student",
            "benign-cancer",
            "benign-funeral",
        ],
    ),
    (
        "donation dialogues",
        "persuasion to donate to a children's charity",
        &["benign-donation-dialogue"],
    ),
    (
        "ordinary posts in other languages",
        "tweets and posts in Arabic, Urdu, Persian, Russian, Indonesian, Turkish, German",
        &[
            "benign-tweets-",
            "benign-social-fa",
            "benign-sentences-ru",
            "benign-telegram-news-ru",
        ],
    ),
    (
        "encyclopaedic text (23 varieties)",
        "SIB-200 sentences",
        &["benign-encyclopaedic"],
    ),
    (
        "news",
        "news in every language",
        &[
            "benign-news",
            "reporting-news",
            "reporting-telegram-news",
            "reporting-encyclopaedic",
        ],
    ),
    (
        "moderation notes and reporting that quotes appeals",
        "takedown logs, moderator notes, analytics write-ups",
        &[
            "reporting-moderation",
            "reporting-quotes-appeal",
            "reporting-takedown",
            "reporting-blockchain",
            "reporting-quote-frame",
            "reporting-wallet-warning",
        ],
    ),
    (
        "pro-IS accounts' tweets that are not propaganda",
        "news relays, quotes and chat from the accounts, per-post labels",
        &["benign-pro-is-accounts", "reporting-pro-is-accounts"],
    ),
];

/// The review rate of the slices of a report that start with any of `prefixes`:
/// `(flagged, records)`.
pub fn family_rate(report: &Report, prefixes: &[&str]) -> (u64, u64) {
    let mut flagged = 0u64;
    let mut records = 0u64;
    for (name, g) in &report.slices {
        if prefixes.iter().any(|p| name.starts_with(p)) {
            flagged += (g.review_rate * g.records as f64).round() as u64;
            records += g.records;
        }
    }
    (flagged, records)
}

fn families_table(s: &mut String, report: &Report) {
    s.push_str("| family | what it is | records | sent to review | 95% Wilson interval |\n|---|---|---:|---:|---|\n");
    for (name, what, prefixes) in SLICE_FAMILIES {
        let (k, n) = family_rate(report, prefixes);
        match wilson_interval(k, n, 0.95) {
            Some(i) => {
                let _ = writeln!(
                    s,
                    "| {name} | {what} | {n} | {k} ({:.1}%) | [{:.1}%, {:.1}%] |",
                    100.0 * i.estimate,
                    100.0 * i.low,
                    100.0 * i.high
                );
            }
            None => {
                let _ = writeln!(s, "| {name} | {what} | 0 | — | — |");
            }
        }
    }
}

fn languages_table(s: &mut String, report: &Report) {
    s.push_str("| language | records | appeal AP | propaganda AP | benign sent to review | reporting sent to review |\n|---|---:|---:|---:|---|---|\n");
    let f = |v: Option<f64>| v.map_or("—".to_string(), |v| format!("{v:.3}"));
    let rate = |i: &Option<crate::eval::Interval>| {
        i.as_ref().map_or("—".to_string(), |i| {
            format!(
                "{:.1}% [{:.1}, {:.1}]",
                100.0 * i.estimate,
                100.0 * i.low,
                100.0 * i.high
            )
        })
    };
    let mut langs: Vec<_> = report.languages.iter().collect();
    langs.sort_by_key(|(_, l)| std::cmp::Reverse(l.group.records));
    for (lang, l) in langs {
        if l.group.records < 20 {
            continue;
        }
        let _ = writeln!(
            s,
            "| {lang} | {} | {} | {} | {} | {} |",
            l.group.records,
            f(l.average_precision.get("appeal").copied().flatten()),
            f(l.average_precision.get("propaganda").copied().flatten()),
            rate(&l.benign_review_rate),
            rate(&l.reporting_review_rate),
        );
    }
}

fn headline_row(name: &str, r: &Report) -> String {
    let f = |v: Option<f64>| v.map_or("—".to_string(), |v| format!("{v:.3}"));
    let ap = |c: &str| r.classes.get(c).and_then(|c| c.average_precision);
    let rap = |c: &str| {
        r.classes
            .get(c)
            .and_then(|c| c.recall_at_precision.get("0.90").copied().flatten())
            .map(|o| o.recall)
    };
    let (k, n) = family_rate(r, SLICE_FAMILIES[0].2);
    format!(
        "| {name} | {} | {} | {} | {} | {} | {} | {} |",
        f(ap("appeal")),
        f(ap("propaganda")),
        f(rap("appeal")),
        f(rap("propaganda")),
        f(r.review.precision),
        f(r.review.recall),
        if n == 0 {
            "—".to_string()
        } else {
            format!("{:.1}% of {n}", 100.0 * k as f64 / n as f64)
        }
    )
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

/// The parts of the tuning report's chosen configuration (`analyser`, `features`,
/// `solver`) that differ from `trained`; empty when the report describes this configuration.
pub fn tune_mismatch(tune: &TuneReport, trained: &TrainConfig) -> Vec<&'static str> {
    let Some(chosen) = tune.trials.get(tune.best) else {
        return Vec::new();
    };
    let mut differ = Vec::new();
    if chosen.config.analyzer != trained.analyzer {
        differ.push("analyser");
    }
    if chosen.config.features != trained.features {
        differ.push("features");
    }
    if chosen.config.logistic != trained.logistic {
        differ.push("solver");
    }
    differ
}

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
    s.push_str("Intended users: trust-and-safety teams triaging large batches, researchers measuring detection quality, and CI pipelines retraining on newly labelled data behind a quality gate. Out of scope: hate-speech or toxicity detection, judging individuals or communities, and any use without human review. A result whose language the model saw too little of carries `language_low_coverage`: route it to a reviewer who reads the language.\n\n");

    if let Some(l) = c.lowo {
        let _ = writeln!(s, "## Generalisation to an unseen writer (headline)\n\nThe project's hand-written data comes from {} independent writers, each of whom wrote from the codebook and a brief of their own. Each row below tests this model's configuration on one writer's records, which the model has never seen, trained on everything except {} (the public corpora, {} records, are in training every time): the honest measure of how it does on text nobody here wrote. Figures from `redflag cv --leave-one-out writer{}`.\n", l.leave_one_out.folds.len(), match l.leave_one_out.value_folds { None => "that writer".to_string(), Some(k) => format!("that writer and the others of its fold (the writers dealt into {k} folds in name order, round-robin)") }, l.leave_one_out.always_trained, l.leave_one_out.value_folds.map_or(String::new(), |k| format!(" --value-folds {k}")));
        s.push_str("| held-out writer | test records | appeal AP | propaganda AP | review precision | review recall | benign sent to review |\n|---|---:|---:|---:|---:|---:|---:|\n");
        let f = |v: Option<f64>| v.map_or("—".to_string(), |v| format!("{v:.3}"));
        for fold in &l.leave_one_out.folds {
            let m = |k: &str| fold.metrics.get(k).copied().flatten();
            let _ = writeln!(
                s,
                "| {} | {} | {} | {} | {} | {} | {} |",
                fold.value,
                fold.test,
                f(m("appeal.average_precision")),
                f(m("propaganda.average_precision")),
                f(m("review.precision")),
                f(m("review.recall")),
                f(m("benign.review_rate"))
            );
        }
        s.push_str("\n**All held-out writers pooled:**\n\n| run | appeal AP | propaganda AP | appeal recall at precision 0.90 | propaganda recall at precision 0.90 | review precision | review recall | everyday religious language sent to review |\n|---|---:|---:|---:|---:|---:|---:|---:|\n");
        let _ = writeln!(s, "{}", headline_row("this configuration", &l.pooled));
        fn writers(r: &LowoRun) -> Vec<&str> {
            let mut w: Vec<&str> = r
                .leave_one_out
                .folds
                .iter()
                .map(|f| f.value.as_str())
                .collect();
            w.sort_unstable();
            w
        }
        for (name, v) in c.lowo_variants {
            // A variant run on another set of writers (an ablation kept from before writers
            // joined) is not comparable row for row: say so in the row rather than hide it.
            let name = if writers(v) == writers(l) {
                name.clone()
            } else {
                format!(
                    "{name} (a run on {} writers, not these {}: not comparable row for row)",
                    v.leave_one_out.folds.len(),
                    l.leave_one_out.folds.len()
                )
            };
            let _ = writeln!(s, "{}", headline_row(&name, &v.pooled));
        }
        s.push_str(
            "\nReview rates of lawful look-alikes written by the held-out writers (pooled):\n\n",
        );
        families_table(&mut s, &l.pooled);
        s.push_str("\nPer identified language (pooled held-out writers):\n\n");
        languages_table(&mut s, &l.pooled);
        s.push('\n');
    }

    s.push_str("## Model\n\n| | |\n|---|---|\n");
    let _ = writeln!(s, "| checksum (SHA-256 of payload) | `{}` |", c.checksum);
    let _ = writeln!(s, "| trained by | redflag {} |", meta.crate_version);
    let _ = writeln!(s, "| classes | {} |", m.classes().join(", "));
    let _ = writeln!(s, "| features | {} (word {}–{}-grams{}; stemming: {}; signal tokens: {}; obfuscation folding: {}) |",
        meta.n_features,
        cfg.analyzer.word_ngrams.min,
        cfg.analyzer.word_ngrams.max,
        cfg.analyzer.char_ngrams.map_or(String::new(), |r| format!(", character {}–{}-grams inside words", r.min, r.max)),
        match (cfg.analyzer.stem, cfg.analyzer.detect_language) {
            (false, _) => "off".to_string(),
            (true, true) => format!("per identified language, {:?} when undetermined", cfg.analyzer.language),
            (true, false) => format!("{:?}", cfg.analyzer.language),
        },
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
    if !meta.rows_per_language.is_empty() {
        s.push_str("\n### Training rows per identified language\n\nLanguages are identified per record (`src/text/lang.rs`). A result in a language with fewer than 300 training rows, or fewer than 20 of a review class, carries the warning `language_low_coverage`.\n\n| language | rows | appeal | propaganda | reporting | benign | coverage |\n|---|---:|---:|---:|---:|---:|---|\n");
        let mut langs: Vec<_> = meta.rows_per_language.iter().collect();
        langs.sort_by_key(|(_, v)| std::cmp::Reverse(v.values().sum::<u64>()));
        for (lang, rows) in langs {
            let n: u64 = rows.values().sum();
            if n < 20 {
                continue;
            }
            let g = |c: &str| rows.get(c).copied().unwrap_or(0);
            let _ = writeln!(
                s,
                "| {lang} | {n} | {} | {} | {} | {} | {} |",
                g("appeal"),
                g("propaganda"),
                g("reporting"),
                g("benign"),
                if m.low_coverage(lang) { "low" } else { "ok" }
            );
        }
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
        let non_commercial: Vec<&str> = r
            .sources
            .iter()
            .filter(|s| s.commercial != Some(true))
            .map(|s| s.name.as_str())
            .collect();
        if non_commercial.is_empty() {
            s.push_str("**Terms:** every source allows commercial use.\n\n");
        } else {
            let _ = writeln!(s, "**Terms:** {} source(s) are non-commercial, research-only or of unclear terms ({}), so this model is for **non-commercial research use**. `redflag data build --commercial-only` leaves them out for a model built from commercially usable sources only.\n", non_commercial.len(), non_commercial.join(", "));
        }
        let _ = writeln!(
            s,
            "Recipe `{}`:\n\n| source | upstream | licence | commercial use |\n|---|---|---|---|",
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
            let terms = match src.commercial {
                Some(true) => "yes",
                Some(false) => "no",
                None => "unclear",
            };
            let _ = writeln!(s, "| {} | {} | {} | {terms} |", src.name, up, lic);
        }
        s.push('\n');
    } else {
        s.push_str("\n\n");
    }

    if let Some(r) = c.report {
        s.push_str("## In-distribution test split\n\nThe figures below are on the recipe's test split, whose writers, accounts and templates also appear in training: they flatter the model. The headline above is the honest measure.\n\n### Review burden by family of lawful text (test split)\n\n");
        families_table(&mut s, r);
        s.push_str("\n### Per identified language (test split)\n\n");
        languages_table(&mut s, r);
        s.push_str("\n### Watched slices (test split; 95% Wilson interval)\n\n| slice | what it is | records | review rate |\n|---|---|---:|---|\n");
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
        s.push_str("\n### Test metrics\n\n");
        let body = render_markdown(r, &[]);
        for line in body.lines().skip_while(|l| !l.starts_with("Data:")) {
            let line = line
                .strip_prefix("## ")
                .map_or(line.to_string(), |h| format!("#### {h}"));
            s.push_str(&line);
            s.push('\n');
        }
    }

    if let Some(t) = c.tune {
        let differ = tune_mismatch(t, cfg);
        if !differ.is_empty() {
            let _ = writeln!(s, "\n**Warning:** the tuning report given to this card chose a configuration whose {} differ from this model's: the tables below describe another model.", differ.join(", "));
        }
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
    let writers = c.lowo.map_or_else(
        || "several writers".to_string(),
        |l| format!("{} writers", l.leave_one_out.folds.len()),
    );
    let _ = writeln!(s, "- **The appeal class was written by the project**, not observed in the wild: by {writers}, all of them language models given a brief. Real appeals will take forms none of them imagined; the headline measures how far one writer's habits carry to another's.");
    s.push_str("- **Few writers per language other than English.** Leaving one out leaves the others in training, so the non-English rows of the headline measure a new writer of a language the model has seen written. Every writer is a language model; real posts in these languages, and dialects and scripts the writers used little, will be harder. Review recall is lower outside English at the same thresholds: route `language_low_coverage` results, and languages your team cares most about, to a reviewer who reads them.\n");
    s.push_str("- **Propaganda from the wild is one 2015–16 corpus**, now labelled per post (493 of 4,188 annotated pro-IS tweets). Far-right propaganda is hand-written only.\n");
    let quotes = match (cfg.analyzer.quotes, c.lowo_variants.is_empty()) {
        (true, _) => "This model gives quoted speech its own namespace (`analyzer.quotes`), which helps a report that quotes an appeal only as far as the quotation marks go",
        (false, true) => "Quoted speech can be given its own namespace (`analyzer.quotes`); this model does not use it, and no leave-one-writer-out ablation of it was given to this card",
        (false, false) => "Quoted speech can be given its own namespace (`analyzer.quotes`); this model does not use it (see the ablation rows of the headline)",
    };
    let _ = writeln!(s, "- **Bag of n-grams.** The model sees words, word pairs and character n-grams, not meaning: negation, irony and context outside the post are invisible to it. {quotes}.");
    s.push_str("- **Short texts.** A text of fewer than `review.min_evidence_words` words with no address, link, handle, e-mail or phone number never reaches review (its scores are still reported).\n");
    s.push_str("- **Thresholds were chosen on a mix with far more harmful posts than a real stream** (the writers' held-out records and the validation split). On a stream with fewer harmful posts, precision at the stored thresholds will be lower; choose thresholds from `redflag evaluate` on your own labelled sample, or override them per deployment.\n");
    s.push_str("- **Hate speech** in the training data is labelled benign: redflag does not detect it and must not be used for it.\n");
    escape_html(&s)
}
