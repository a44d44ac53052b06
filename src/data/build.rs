//! Building canonical train / validation / test files from a recipe.

use std::collections::{BTreeMap, HashMap};
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::Serialize;
use sha2::{Digest, Sha256};

use super::recipe::{Recipe, SourceSpec};
use super::{dedupe_key, split_of, Split};
use crate::error::{Error, Result};
use crate::io::{open_input, read_bounded_line, LabeledRecord};

/// Options of [`build`].
#[derive(Clone, Debug, Default)]
pub struct BuildOptions {
    /// Folder the recipe's relative paths start from (the recipe file's folder).
    pub base: PathBuf,
    /// Where public corpora live (overrides the recipe's `corpora`).
    pub corpora: Option<PathBuf>,
    /// Skip public sources that are missing instead of failing.
    pub allow_missing: bool,
    /// Keep only sources whose terms allow commercial use (`commercial = true`).
    pub commercial_only: bool,
}

/// What happened to one source.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct SourceReport {
    /// Source name.
    pub name: String,
    /// File read.
    pub path: String,
    /// Whether the file was missing (and skipped).
    pub missing: bool,
    /// Whether the source was left out because its terms do not allow commercial use
    /// (under `commercial_only`).
    pub excluded: bool,
    /// The source's licence, as the recipe states it.
    pub licence: String,
    /// Whether its terms allow commercial use (`None`: unclear).
    pub commercial: Option<bool>,
    /// Rows read.
    pub rows: u64,
    /// Records kept, per label.
    pub kept: BTreeMap<String, u64>,
    /// Rows dropped, per reason.
    pub dropped: BTreeMap<String, u64>,
}

/// The outcome of a build.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct BuildReport {
    /// Recipe name.
    pub recipe: String,
    /// Per source, in recipe order.
    pub sources: Vec<SourceReport>,
    /// Records per split and label.
    pub splits: BTreeMap<String, BTreeMap<String, u64>>,
    /// Records per slice (all splits).
    pub slices: BTreeMap<String, u64>,
    /// Records per language (as labelled in the data, else as identified by
    /// [`crate::text::lang::detect`]) and label.
    pub languages: BTreeMap<String, BTreeMap<String, u64>>,
    /// Records per writer and label (project-written data and annotated corpora).
    pub writers: BTreeMap<String, BTreeMap<String, u64>>,
    /// Public sources that were missing and skipped, with where to get them.
    pub missing: Vec<String>,
}

struct Row {
    line: u64,
    get: BTreeMap<String, String>,
}

/// Builds the dataset: returns the records of each split (in recipe order) and a report.
pub fn build(
    recipe: &Recipe,
    options: &BuildOptions,
) -> Result<(BTreeMap<Split, Vec<LabeledRecord>>, BuildReport)> {
    recipe.check()?;
    let mut report = BuildReport {
        recipe: recipe.name.clone(),
        ..Default::default()
    };
    // Report every missing source at once.
    let mut missing = Vec::new();
    let excluded = |s: &SourceSpec| options.commercial_only && s.commercial != Some(true);
    for s in recipe.sources.iter().filter(|s| !excluded(s)) {
        let path = recipe.resolve(s, &options.base, options.corpora.as_deref());
        if !path.exists() {
            missing.push((s, path));
        }
    }
    let describe = |s: &SourceSpec, p: &Path| {
        format!(
            "{} ({}): get it from {}",
            s.name,
            p.display(),
            if s.upstream.is_empty() {
                "the project repository"
            } else {
                &s.upstream
            }
        )
    };
    if let Some((s, p)) = missing.iter().find(|(s, _)| !s.public) {
        return Err(Error::data(format!(
            "project source missing: {}",
            describe(s, p)
        )));
    }
    if !missing.is_empty() && !options.allow_missing {
        let list: Vec<String> = missing.iter().map(|(s, p)| describe(s, p)).collect();
        let corpora = options
            .corpora
            .clone()
            .unwrap_or_else(|| options.base.join(&recipe.corpora));
        return Err(Error::data(format!(
            "{} public source(s) missing (pass --allow-missing to build without them, or --corpora DIR):\n  {}\n\
             fetch the pinned, checksummed corpora with: datasets/fetch-corpora --dest {}",
            list.len(),
            list.join("\n  "),
            corpora.display()
        )));
    }
    report.missing = missing.iter().map(|(s, p)| describe(s, p)).collect();

    let mut seen_keys: HashMap<String, String> = HashMap::new();
    let mut exact = std::collections::HashSet::new();
    let mut out: BTreeMap<Split, Vec<LabeledRecord>> =
        Split::ALL.iter().map(|s| (*s, Vec::new())).collect();
    for s in &recipe.sources {
        let path = recipe.resolve(s, &options.base, options.corpora.as_deref());
        let mut sr = SourceReport {
            name: s.name.clone(),
            path: path.display().to_string(),
            licence: s.licence.clone(),
            commercial: s.commercial,
            ..Default::default()
        };
        if excluded(s) {
            sr.excluded = true;
            report.sources.push(sr);
            continue;
        }
        if !path.exists() {
            sr.missing = true;
            report.sources.push(sr);
            continue;
        }
        let rows = read_rows(&path, &s.format, &s.columns)?;
        let annotations = match &s.annotations {
            Some(a) => Some(read_annotations(&options.base.join(a))?),
            None => None,
        };
        let rules = compile_rules(s)?;
        let strips = compile_strips(s)?;
        let mut kept: Vec<LabeledRecord> = Vec::new();
        for row in rows {
            sr.rows += 1;
            let shaped = shape(
                s,
                &rules,
                &strips,
                annotations.as_ref(),
                &row,
                &mut seen_keys,
                &mut exact,
            );
            match shaped {
                Ok(r) => kept.push(r),
                Err(reason) => *sr.dropped.entry(reason).or_default() += 1,
            }
        }
        if let Some(max) = s.filters.max_records {
            if kept.len() > max {
                let mut order: Vec<(Vec<u8>, usize)> = kept
                    .iter()
                    .enumerate()
                    .map(|(i, r)| {
                        let mut h = Sha256::new();
                        h.update(recipe.seed.to_le_bytes());
                        h.update(r.id.as_bytes());
                        (h.finalize().to_vec(), i)
                    })
                    .collect();
                order.sort();
                let mut keep: Vec<usize> = order[..max].iter().map(|(_, i)| *i).collect();
                keep.sort_unstable();
                *sr.dropped.entry("over max_records".into()).or_default() +=
                    (kept.len() - max) as u64;
                let mut it = keep.into_iter().peekable();
                kept = kept
                    .into_iter()
                    .enumerate()
                    .filter(|(i, _)| it.next_if_eq(i).is_some())
                    .map(|(_, r)| r)
                    .collect();
            }
        }
        for r in kept {
            *sr.kept.entry(r.label.clone()).or_default() += 1;
            if let Some(sl) = &r.slice {
                *report.slices.entry(sl.clone()).or_default() += 1;
            }
            let language = r
                .language
                .clone()
                .unwrap_or_else(|| crate::text::lang::detect(&r.text).code.to_string());
            *report
                .languages
                .entry(language)
                .or_default()
                .entry(r.label.clone())
                .or_default() += 1;
            if let Some(w) = &r.writer {
                *report
                    .writers
                    .entry(w.clone())
                    .or_default()
                    .entry(r.label.clone())
                    .or_default() += 1;
            }
            let split = split_of(
                r.group.as_deref().unwrap_or(&r.id),
                recipe.seed,
                &recipe.splits,
            );
            *report
                .splits
                .entry(split.name().to_string())
                .or_default()
                .entry(r.label.clone())
                .or_default() += 1;
            out.get_mut(&split).expect("all splits").push(r);
        }
        report.sources.push(sr);
    }
    Ok((out, report))
}

/// Writes `train.jsonl`, `validation.jsonl`, `test.jsonl` and `report.json` into `dir`.
pub fn write_build(
    dir: &Path,
    splits: &BTreeMap<Split, Vec<LabeledRecord>>,
    report: &BuildReport,
) -> Result<()> {
    std::fs::create_dir_all(dir).map_err(|e| Error::io(Some(dir.to_path_buf()), e))?;
    for (split, records) in splits {
        let path = dir.join(format!("{}.jsonl", split.name()));
        let file = std::fs::File::create(&path).map_err(|e| Error::io(Some(path.clone()), e))?;
        let mut w = std::io::BufWriter::new(file);
        for r in records {
            serde_json::to_writer(&mut w, r)
                .map_err(|e| Error::io(Some(path.clone()), e.into()))?;
            w.write_all(b"\n")
                .map_err(|e| Error::io(Some(path.clone()), e))?;
        }
        w.flush().map_err(|e| Error::io(Some(path.clone()), e))?;
    }
    let path = dir.join("report.json");
    let json = serde_json::to_string_pretty(report).expect("report serialises");
    std::fs::write(&path, json + "\n").map_err(|e| Error::io(Some(path), e))
}

/// Decodes the HTML entities tweet corpora carry: the five named XML ones, `&nbsp;` and
/// numeric references. Anything else is left as it is.
pub fn unescape_html(text: &str) -> String {
    if !text.contains('&') {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        let end = rest.as_bytes()[..rest.len().min(12)]
            .iter()
            .position(|&b| b == b';');
        let decoded = end.and_then(|e| {
            let name = &rest[1..e];
            let c = match name {
                "amp" => Some('&'),
                "lt" => Some('<'),
                "gt" => Some('>'),
                "quot" => Some('"'),
                "apos" => Some('\''),
                "nbsp" => Some(' '),
                _ => {
                    let num = name.strip_prefix('#')?;
                    let code = match num.strip_prefix(['x', 'X']) {
                        Some(hex) => u32::from_str_radix(hex, 16).ok()?,
                        None => num.parse().ok()?,
                    };
                    char::from_u32(code)
                }
            }?;
            Some((c, e + 1))
        });
        match decoded {
            Some((c, len)) => {
                out.push(c);
                rest = &rest[len..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

struct CompiledRule<'a> {
    spec: &'a super::recipe::LabelRule,
    regex: Option<regex::Regex>,
}

fn compile_strips(s: &SourceSpec) -> Result<Vec<regex::Regex>> {
    s.filters
        .strip
        .iter()
        .map(|re| {
            regex::Regex::new(re).map_err(|e| Error::config(format!("source {:?}: {e}", s.name)))
        })
        .collect()
}

fn compile_rules(s: &SourceSpec) -> Result<Vec<CompiledRule<'_>>> {
    s.rules
        .iter()
        .map(|r| {
            let regex = r
                .text_matches
                .as_ref()
                .map(|re| regex::RegexBuilder::new(re).case_insensitive(true).build())
                .transpose()
                .map_err(|e| Error::config(format!("source {:?}: {e}", s.name)))?;
            Ok(CompiledRule { spec: r, regex })
        })
        .collect()
}

/// Turns one raw row into a canonical record, or says why it is dropped.
fn shape(
    s: &SourceSpec,
    rules: &[CompiledRule],
    strips: &[regex::Regex],
    annotations: Option<&HashMap<String, String>>,
    row: &Row,
    seen: &mut HashMap<String, String>,
    exact: &mut std::collections::HashSet<String>,
) -> std::result::Result<LabeledRecord, String> {
    let field = |c: &str| row.get.get(c).map(String::as_str).filter(|v| !v.is_empty());
    let parts: Vec<&str> = s
        .text
        .iter()
        .filter_map(|c| field(c))
        .map(str::trim)
        .collect();
    let mut text = parts.join("\n");
    if s.filters.unescape_html {
        text = unescape_html(&text);
    }
    for re in strips {
        if re.is_match(&text) {
            text = re.replace_all(&text, "").trim().to_string();
        }
    }
    if text.trim().is_empty() {
        return Err("no text".into());
    }
    let f = &s.filters;
    if let Some(col) = &f.lang_column {
        if !f.languages.is_empty()
            && !field(col).is_some_and(|l| f.languages.iter().any(|x| x == l))
        {
            return Err("language filter".into());
        }
    }
    if f.drop_retweets && (text.starts_with("RT @") || text.starts_with("RT :")) {
        return Err("retweet".into());
    }
    let mut slice = s
        .slice_column
        .as_deref()
        .and_then(field)
        .map(str::to_string)
        .or_else(|| s.slice.clone());
    let mut label = None;
    for r in rules {
        let col_ok = match (&r.spec.column, r.spec.equals.is_empty()) {
            (Some(c), false) => field(c).is_some_and(|v| r.spec.equals.iter().any(|e| e == v)),
            _ => true,
        };
        let text_ok = r.regex.as_ref().is_none_or(|re| re.is_match(&text));
        if col_ok && text_ok {
            label = Some(r.spec.label.clone());
            if r.spec.slice.is_some() {
                slice = r.spec.slice.clone();
            }
            break;
        }
    }
    let raw_id =
        s.id.as_deref()
            .and_then(field)
            .map(str::to_string)
            .unwrap_or_else(|| row.line.to_string());
    if let Some(a) = annotations {
        match a.get(&raw_id) {
            Some(l) => label = Some(l.clone()),
            None => return Err("not annotated".into()),
        }
    }
    if let (Some(l), Some(sl)) = (&label, &slice) {
        if sl.contains("{label}") {
            slice = Some(sl.replace("{label}", l));
        }
    }
    let label = match label {
        Some(l) => l,
        None => match (&s.label, &s.label_column) {
            (Some(l), _) => l.clone(),
            (None, Some(c)) => {
                let raw = field(c).unwrap_or("");
                if s.label_map.is_empty() {
                    if raw.is_empty() {
                        return Err("no label".into());
                    }
                    raw.to_string()
                } else {
                    match s.label_map.get(raw) {
                        Some(l) => l.clone(),
                        None => return Err(format!("unmapped label {raw:?}")),
                    }
                }
            }
            (None, None) => return Err("no label".into()),
        },
    };
    if label == "drop" {
        return Err("dropped by label rule".into());
    }
    // Cut first, so that near-duplicates are judged on the text that is kept.
    if let Some(max) = f.max_chars {
        if let Some((cut, _)) = text.char_indices().nth(max) {
            text.truncate(cut);
        }
    }
    if text.chars().count() < f.min_chars {
        return Err("shorter than min_chars".into());
    }
    let key = dedupe_key(&text);
    if key.split(' ').filter(|w| !w.is_empty()).count() < f.min_words {
        return Err("fewer than min_words words".into());
    }
    let id = if s.keep_ids {
        raw_id.clone()
    } else {
        format!("{}:{}", s.name, raw_id)
    };
    let group = s
        .group
        .as_deref()
        .and_then(field)
        .map(|g| format!("{}:{}", s.name, g))
        .unwrap_or_else(|| id.clone());
    if f.dedupe {
        if key.is_empty() {
            return Err("no words (only links, handles, numbers)".into());
        }
        // A near-duplicate is dropped unless the source declares same-group variants.
        match seen.get(&key) {
            Some(g) if f.keep_group_variants && *g == group => {}
            Some(_) => return Err("near-duplicate".into()),
            None => {
                seen.insert(key.clone(), group.clone());
            }
        }
        if f.keep_group_variants && !exact.insert(text.clone()) {
            return Err("exact duplicate".into());
        }
    }
    let source = s
        .source_column
        .as_deref()
        .and_then(field)
        .unwrap_or(&s.name)
        .to_string();
    let writer = s
        .writer_column
        .as_deref()
        .and_then(field)
        .map(str::to_string)
        .or_else(|| s.writer.clone());
    let language = s
        .language_column
        .as_deref()
        .and_then(field)
        .or(s.language.as_deref())
        .map(super::language_code);
    Ok(LabeledRecord {
        id,
        text,
        label,
        source: Some(source),
        slice,
        group: Some(group),
        writer,
        language,
    })
}

/// Reads an annotation file: `id<TAB>label` lines, `#` comments and a header line
/// starting with `id` (or `tweetid`) skipped. An id given twice is an error.
fn read_annotations(path: &Path) -> Result<HashMap<String, String>> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(Some(path.to_path_buf()), e))?;
    let mut out = HashMap::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim_end();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let mut parts = line.split('\t');
        let (Some(id), Some(label)) = (parts.next(), parts.next()) else {
            return Err(Error::record(
                crate::Position::new(Some(path.display().to_string()), i as u64 + 1, i as u64 + 1),
                "expected `id<TAB>label`",
            ));
        };
        if i == 0 && (id == "id" || id == "tweetid") {
            continue;
        }
        if out.insert(id.to_string(), label.to_string()).is_some() {
            return Err(Error::record(
                crate::Position::new(Some(path.display().to_string()), i as u64 + 1, i as u64 + 1),
                format!("id {id:?} is annotated twice"),
            ));
        }
    }
    Ok(out)
}

fn read_rows(path: &Path, format: &str, columns: &[String]) -> Result<Vec<Row>> {
    let name = path.display().to_string();
    let mut reader = open_input(&name)?;
    let mut rows = Vec::new();
    if format == "csv" || format == "tsv" {
        let mut builder = csv::ReaderBuilder::new();
        builder.flexible(true).has_headers(columns.is_empty());
        if format == "tsv" {
            builder.delimiter(b'\t').quoting(false);
        }
        let mut csv = builder.from_reader(reader);
        let headers: Vec<String> = if columns.is_empty() {
            csv.byte_headers()
                .map_err(|e| Error::config(format!("{name}: {e}")))?
                .iter()
                .map(|h| {
                    String::from_utf8_lossy(h)
                        .trim_start_matches('\u{feff}')
                        .to_string()
                })
                .collect()
        } else {
            columns.to_vec()
        };
        let last = headers.len().saturating_sub(1);
        let mut rec = csv::ByteRecord::new();
        loop {
            match csv.read_byte_record(&mut rec) {
                Ok(false) => break,
                Ok(true) => {
                    let line = rec.position().map_or(0, |p| p.line());
                    let mut get: BTreeMap<String, String> = headers
                        .iter()
                        .zip(rec.iter())
                        .map(|(h, v)| (h.clone(), String::from_utf8_lossy(v).into_owned()))
                        .collect();
                    // TSV without quoting: a text holding tabs spills into more fields; the
                    // last column is the last field and the spill belongs to the one before.
                    if format == "tsv" && rec.len() > headers.len() && last > 0 {
                        let fields: Vec<String> = rec
                            .iter()
                            .map(|v| String::from_utf8_lossy(v).into_owned())
                            .collect();
                        get.insert(headers[last].clone(), fields[fields.len() - 1].clone());
                        get.insert(
                            headers[last - 1].clone(),
                            fields[last - 1..fields.len() - 1].join("\t"),
                        );
                    }
                    rows.push(Row { line, get });
                }
                Err(e) => return Err(Error::config(format!("{name}: {e}"))),
            }
        }
    } else {
        let mut buf = Vec::new();
        let mut line = 0u64;
        while read_bounded_line(&mut reader, &mut buf, 64 << 20)
            .map_err(|e| Error::io(Some(path.to_path_buf()), e))?
            .is_some()
        {
            line += 1;
            if buf.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            let value: serde_json::Map<String, serde_json::Value> = serde_json::from_slice(&buf)
                .map_err(|e| {
                    Error::record(
                        crate::Position::new(Some(name.clone()), line, line),
                        format!("malformed JSON: {e}"),
                    )
                })?;
            let get = value
                .into_iter()
                .filter_map(|(k, v)| match v {
                    serde_json::Value::Null => None,
                    serde_json::Value::String(s) => Some((k, s)),
                    other => Some((k, other.to_string())),
                })
                .collect();
            rows.push(Row { line, get });
        }
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unescape_html_decodes_entities_and_leaves_the_rest() {
        assert_eq!(
            unescape_html("a &amp; b &lt;3 &#8220;q&#8221; &#x41;"),
            "a & b <3 \u{201c}q\u{201d} A"
        );
        assert_eq!(
            unescape_html("AT&T &unknown; & &#xZZ;"),
            "AT&T &unknown; & &#xZZ;"
        );
        assert_eq!(unescape_html("plain"), "plain");
    }

    #[test]
    fn regression_unescape_html_multibyte_char_within_twelve_bytes_of_an_ampersand() {
        assert_eq!(unescape_html("&amp;A with\u{2026} x"), "&A with\u{2026} x");
        assert_eq!(
            unescape_html("&\u{2026}\u{2026}\u{2026}\u{2026};"),
            "&\u{2026}\u{2026}\u{2026}\u{2026};"
        );
    }
}
