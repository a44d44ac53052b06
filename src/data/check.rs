//! `data check`: schema errors, duplicates (also across files, i.e. across splits) and counts.

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;

use super::dedupe_key;
use crate::config::KNOWN_CLASSES;
use crate::error::{Position, Result};
use crate::io::{open_records, Fields, InputFormat, RatioLimit, ReadItem, ReaderOptions};

/// One problem found.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Finding {
    /// `file:line`.
    pub at: String,
    /// What is wrong.
    pub problem: String,
}

/// Length statistics.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct LengthStats {
    /// Shortest.
    pub min: usize,
    /// Median.
    pub median: usize,
    /// Mean.
    pub mean: f64,
    /// 95th percentile.
    pub p95: usize,
    /// Longest.
    pub max: usize,
}

impl LengthStats {
    fn of(mut v: Vec<usize>) -> Self {
        if v.is_empty() {
            return LengthStats::default();
        }
        v.sort_unstable();
        let n = v.len();
        LengthStats {
            min: v[0],
            median: v[n / 2],
            mean: v.iter().sum::<usize>() as f64 / n as f64,
            p95: v[((n as f64 * 0.95) as usize).min(n - 1)],
            max: v[n - 1],
        }
    }
}

/// The outcome of [`check`].
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct CheckReport {
    /// Records read, per file.
    pub files: BTreeMap<String, u64>,
    /// Records per label.
    pub labels: BTreeMap<String, u64>,
    /// Records per slice.
    pub slices: BTreeMap<String, u64>,
    /// Records per source.
    pub sources: BTreeMap<String, u64>,
    /// Text length in characters.
    pub chars: LengthStats,
    /// Text length in words.
    pub words: LengthStats,
    /// Errors (schema problems, duplicate ids, duplicate texts).
    pub errors: Vec<Finding>,
    /// Exact duplicate texts.
    pub exact_duplicates: u64,
    /// Near-duplicate texts (same [`dedupe_key`], not identical) in different groups.
    pub near_duplicates: u64,
    /// Near-duplicates that share their group: declared variants (e.g. an obfuscated copy of
    /// a clean example), which splits keep together. Not errors.
    pub grouped_variants: u64,
    /// Duplicates (exact or near) whose copies are in different files.
    pub cross_file_duplicates: u64,
}

impl CheckReport {
    /// True when no error was found.
    pub fn ok(&self) -> bool {
        self.errors.is_empty()
    }
}

fn at(p: &Position) -> String {
    format!("{}:{}", p.source.as_deref().unwrap_or("<input>"), p.line)
}

/// Checks canonical dataset files (JSON Lines or CSV by extension). `allowed_labels`
/// empty means the four redflag classes.
pub fn check(
    files: &[String],
    allowed_labels: &[String],
    fields: &Fields,
    format: Option<InputFormat>,
) -> Result<CheckReport> {
    let allowed: Vec<String> = if allowed_labels.is_empty() {
        KNOWN_CLASSES.iter().map(|s| s.to_string()).collect()
    } else {
        allowed_labels.to_vec()
    };
    let mut report = CheckReport::default();
    let mut ids: HashMap<String, String> = HashMap::new();
    let mut exact: HashMap<String, (String, String)> = HashMap::new();
    let mut near: HashMap<String, (String, String, Option<String>)> = HashMap::new();
    let (mut chars, mut words) = (Vec::new(), Vec::new());
    for file in files {
        let format = format
            .or_else(|| InputFormat::from_path(file))
            .unwrap_or(InputFormat::JsonLines);
        let reader = open_records(
            file,
            format,
            fields.clone(),
            ReaderOptions::default(),
            RatioLimit::default(),
        )?;
        let mut n = 0;
        for item in reader {
            n += 1;
            let r = match item? {
                ReadItem::Bad(e) => {
                    report.errors.push(Finding {
                        at: at(&e.position),
                        problem: e.message,
                    });
                    continue;
                }
                ReadItem::Record(r) => r,
            };
            let here = at(&r.position);
            let mut err = |problem: String| {
                report.errors.push(Finding {
                    at: here.clone(),
                    problem,
                })
            };
            if r.lossy_utf8 {
                err("text is not valid UTF-8".into());
            }
            if r.text.trim().is_empty() {
                err(format!("empty `{}`", fields.text));
            }
            match &r.id {
                None => err(format!("no `{}`", fields.id)),
                Some(id) => {
                    let id = match id {
                        serde_json::Value::String(s) => s.clone(),
                        v => v.to_string(),
                    };
                    if let Some(first) = ids.insert(id.clone(), here.clone()) {
                        err(format!("id {id:?} was already used at {first}"));
                    }
                }
            }
            match r.label.as_deref() {
                None => err(format!("no `{}`", fields.label)),
                Some(l) if !allowed.iter().any(|a| a == l) => {
                    err(format!("label {l:?} is not one of {}", allowed.join(", ")))
                }
                Some(l) => *report.labels.entry(l.to_string()).or_default() += 1,
            }
            // `source` is optional (the README's canonical format); records without one are
            // counted under "(none)".
            *report
                .sources
                .entry(r.source.clone().unwrap_or_else(|| "(none)".into()))
                .or_default() += 1;
            if let Some(s) = &r.slice {
                *report.slices.entry(s.clone()).or_default() += 1;
            }
            if r.text.trim().is_empty() {
                continue;
            }
            if let Some((first, first_file)) = exact.get(&r.text) {
                report.exact_duplicates += 1;
                if first_file != file {
                    report.cross_file_duplicates += 1;
                }
                err(format!("exact duplicate of the text at {first}"));
            } else {
                let key = dedupe_key(&r.text);
                match near.get(&key).filter(|_| !key.is_empty()) {
                    Some((_, _, group)) if group.is_some() && *group == r.group => {
                        report.grouped_variants += 1;
                    }
                    Some((first, first_file, _)) => {
                        report.near_duplicates += 1;
                        if first_file != file {
                            report.cross_file_duplicates += 1;
                        }
                        err(format!(
                            "near-duplicate of the text at {first} (same words once case, punctuation, links, handles and digits are ignored)"
                        ));
                    }
                    None => {
                        near.insert(key, (here.clone(), file.clone(), r.group.clone()));
                    }
                }
                exact.insert(r.text.clone(), (here.clone(), file.clone()));
            }
            chars.push(r.text.chars().count());
            words.push(r.text.split_whitespace().count());
        }
        report.files.insert(file.clone(), n);
    }
    report.chars = LengthStats::of(chars);
    report.words = LengthStats::of(words);
    Ok(report)
}
