//! The reviewer's page: one self-contained HTML file of the records flagged for review,
//! highest harmful score first, each with its text and the reasons highlighted in it, its
//! scores, and buttons, keys and a notes box for a person to decide. The decisions export
//! as JSON Lines that `redflag train --data` reads as labelled data.
//!
//! The page needs no network and loads nothing: its CSS and script are inline, and a
//! Content-Security-Policy allows exactly those two (by hash) and nothing else. The data
//! travels as JSON inside `<script type="application/json">`, with `<`, `>`, `&`, U+2028 and
//! U+2029 written as `\u003c`-style escapes so no text can close the element; the script
//! puts every string from the data into the page as text (`textContent`), never as markup.
//! Reason spans are byte offsets into the UTF-8 text in the score results; the page gets
//! them as UTF-16 offsets too ([`utf16_spans`]), the indices of a JavaScript string.
//!
//! Decisions are kept in the browser's `localStorage` under the SHA-256 of the embedded
//! data, so they survive a reload of the same page (and a page written again from the same
//! scores), and never leak into another page's.
//!
//! ```
//! use redflag::io::review_html::{ModelSummary, ReviewPage, ReviewRecord};
//!
//! let page = ReviewPage {
//!     classes: vec!["appeal".into(), "benign".into()],
//!     review_classes: vec![("appeal".into(), 0.5)],
//!     model: ModelSummary { name: "m.rfm".into(), description: "test".into(), sha256: "ab12".into() },
//!     inputs: vec!["posts.jsonl".into()],
//!     records_read: 2,
//!     errors: 0,
//!     records: vec![ReviewRecord {
//!         id: "p1".into(),
//!         source: "posts.jsonl:1".into(),
//!         text: "<b>send btc</b>".into(),
//!         label: "appeal".into(),
//!         lang: "en".into(),
//!         scores: vec![0.9, 0.1],
//!         explains: Some("appeal".into()),
//!         threshold: Some(0.5),
//!         reasons: vec![],
//!         warnings: vec![],
//!     }],
//! };
//! let mut html = Vec::new();
//! page.write(&mut html).unwrap();
//! let html = String::from_utf8(html).unwrap();
//! assert!(html.contains(r#"\u003cb\u003esend btc\u003c/b\u003e"#));
//! assert!(!html.contains("<b>"));
//! ```

use std::io::Write;

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::model::{Reason, ReasonKind};
use crate::text::Span;

/// The page's stylesheet, inline.
const CSS: &str = include_str!("review.css");
/// The page's script, inline.
const SCRIPT: &str = include_str!("review.js");
/// The decision that means "not sure": kept on the page, left out of the export.
pub const UNSURE: &str = "unsure";

/// Which model scored the records.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ModelSummary {
    /// How the user named it (`--model` path, or `<embedded default model>`).
    pub name: String,
    /// The description stored in the model.
    pub description: String,
    /// The model's stored payload checksum (what `redflag inspect` prints as `sha256`).
    pub sha256: String,
}

/// One flagged record, as the reviewer sees it.
#[derive(Clone, Debug, PartialEq)]
pub struct ReviewRecord {
    /// The record's id (its 1-based record number when it had none).
    pub id: String,
    /// Where it is: `input:line` (for Parquet, the row number).
    pub source: String,
    /// The text as scored.
    pub text: String,
    /// The most probable class.
    pub label: String,
    /// The identified language.
    pub lang: String,
    /// Probability per class, in [`ReviewPage::classes`] order.
    pub scores: Vec<f64>,
    /// The class the reasons explain.
    pub explains: Option<String>,
    /// That class's review threshold.
    pub threshold: Option<f64>,
    /// What pushed toward `explains`, with byte spans into `text`.
    pub reasons: Vec<Reason>,
    /// Result warnings (`invalid_utf8`, `truncated`, `language_low_coverage`).
    pub warnings: Vec<String>,
}

/// Everything the page shows.
#[derive(Clone, Debug, PartialEq)]
pub struct ReviewPage {
    /// The model's classes, in its order.
    pub classes: Vec<String>,
    /// The review classes and their thresholds (as used in this run).
    pub review_classes: Vec<(String, f64)>,
    /// Which model scored the records.
    pub model: ModelSummary,
    /// The inputs, as the user named them.
    pub inputs: Vec<String>,
    /// Records read, error records included.
    pub records_read: u64,
    /// Error records (never on the page).
    pub errors: u64,
    /// The flagged records, in input order (the page orders them).
    pub records: Vec<ReviewRecord>,
}

impl ReviewPage {
    /// The record's harmful score: the highest probability of a review class (0 when the
    /// model has none).
    pub fn harmful_score(&self, record: &ReviewRecord) -> f64 {
        self.review_classes
            .iter()
            .filter_map(|(c, _)| self.classes.iter().position(|k| k == c))
            .filter_map(|i| record.scores.get(i).copied())
            .fold(0.0, f64::max)
    }

    /// The records in page order: highest harmful score first, ties in input order.
    pub fn ordered(&self) -> Vec<&ReviewRecord> {
        let mut out: Vec<(f64, &ReviewRecord)> = self
            .records
            .iter()
            .map(|r| (self.harmful_score(r), r))
            .collect();
        // Stable: equal scores keep input order.
        out.sort_by(|a, b| b.0.total_cmp(&a.0));
        out.into_iter().map(|(_, r)| r).collect()
    }

    /// The JSON the page embeds (before escaping for the `<script>` element).
    fn data_json(&self) -> String {
        let mut decisions: Vec<&str> = self.classes.iter().map(String::as_str).collect();
        decisions.push(UNSURE);
        let records: Vec<RecordData> = self
            .ordered()
            .into_iter()
            .map(|r| RecordData {
                id: &r.id,
                source: &r.source,
                text: &r.text,
                label: &r.label,
                lang: &r.lang,
                scores: &r.scores,
                harmful: self.harmful_score(r),
                explains: r.explains.as_deref(),
                threshold: r.threshold,
                reasons: r
                    .reasons
                    .iter()
                    .map(|reason| {
                        let spans: Vec<Span> = reason
                            .spans
                            .iter()
                            .copied()
                            .filter(|s| valid_span(&r.text, *s))
                            .collect();
                        ReasonData {
                            feature: reason.feature.trim(),
                            kind: reason.kind,
                            weight: (reason.weight * 1e4).round() / 1e4,
                            js_spans: utf16_spans(&r.text, &spans)
                                .into_iter()
                                .map(|s| [s.start, s.end])
                                .collect(),
                            spans: spans.iter().map(|s| [s.start, s.end]).collect(),
                        }
                    })
                    .collect(),
                warnings: &r.warnings,
            })
            .collect();
        let data = PageData {
            version: 1,
            classes: &self.classes,
            review_classes: self
                .review_classes
                .iter()
                .map(|(class, threshold)| ThresholdData {
                    class,
                    threshold: *threshold,
                })
                .collect(),
            decisions,
            unsure: UNSURE,
            model: ModelData {
                name: &self.model.name,
                description: &self.model.description,
                sha256: &self.model.sha256,
            },
            inputs: &self.inputs,
            records_read: self.records_read,
            errors: self.errors,
            flagged: self.records.len(),
            records,
        };
        serde_json::to_string(&data).expect("review data serialises")
    }

    /// Writes the page.
    pub fn write<W: Write>(&self, mut w: W) -> std::io::Result<()> {
        let json = self.data_json();
        let hash = hex(&Sha256::digest(json.as_bytes()));
        let csp = format!(
            "default-src 'none'; style-src 'sha256-{}'; script-src 'sha256-{}'; \
             img-src data:; base-uri 'none'; form-action 'none'",
            base64(&Sha256::digest(CSS.as_bytes())),
            base64(&Sha256::digest(SCRIPT.as_bytes())),
        );
        let flagged = self.records.len();
        let title = format!(
            "redflag review: {flagged} flagged of {} records",
            self.records_read
        );
        let model = if self.model.description.trim().is_empty() {
            self.model.name.clone()
        } else {
            format!("{} ({})", self.model.name, self.model.description.trim())
        };
        let thresholds: Vec<String> = self
            .review_classes
            .iter()
            .map(|(c, t)| format!("{c} ≥ {t:.3}"))
            .collect();
        let keys: Vec<String> = self
            .classes
            .iter()
            .map(String::as_str)
            .chain([UNSURE])
            .take(9)
            .enumerate()
            .map(|(i, d)| format!("<kbd>{}</kbd>&nbsp;{}", i + 1, escape_html(d)))
            .collect();
        write!(
            w,
            r#"<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{csp}">
<meta name="referrer" content="no-referrer">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>{CSS}</style>
</head>
<body>
<header id="top">
<h1>{title}</h1>
<p class="summary">For human review only: redflag ranks and explains, a person decides.
<span id="counts">{read} records read, {errors} error records, {flagged} flagged for review</span>;
model <span id="model">{model}</span>, sha256 <code id="model-sha256">{sha}</code>;
review thresholds {thresholds}.</p>
<p class="legend">Highlights: <mark class="hl pos legend-pos">pushes toward the class</mark>
<mark class="hl neg legend-neg">pushes away from it</mark>; the stronger the weight, the
stronger the colour. Keys: <kbd>j</kbd>/<kbd>↓</kbd> next, <kbd>k</kbd>/<kbd>↑</kbd> previous,
{keys} (a decision moves to the next record), <kbd>0</kbd> clear, <kbd>n</kbd> notes,
<kbd>Esc</kbd> leave the notes.</p>
</header>
<div id="bar">
<div class="toolbar">
<span id="progress" aria-live="polite">0 / {flagged} decided</span>
<button type="button" id="export-button">Export decisions</button>
<span id="export-status"></span>
<span id="storage-status"></span>
</div>
<details id="export-details"><summary>Exported JSON Lines</summary>
<p>One line per decided record, for <code>redflag train --data</code>; records marked
<em>{unsure}</em> are left out (they stay on this page).</p>
<textarea id="export" readonly rows="6" wrap="off" spellcheck="false"></textarea>
</details>
</div>
<noscript><p class="noscript">This page needs JavaScript to show the records.</p></noscript>
<main id="records"></main>
<script type="application/json" id="redflag-data" data-sha256="{hash}">{data}</script>
<script>{SCRIPT}</script>
</body>
</html>
"#,
            title = escape_html(&title),
            read = self.records_read,
            errors = self.errors,
            model = escape_html(&model),
            sha = escape_html(&self.model.sha256),
            thresholds = escape_html(&thresholds.join(", ")),
            keys = keys.join(", "),
            unsure = UNSURE,
            data = escape_script_json(&json),
        )
    }
}

#[derive(Serialize)]
struct PageData<'a> {
    version: u32,
    classes: &'a [String],
    review_classes: Vec<ThresholdData<'a>>,
    /// The decisions a reviewer can take: the model's classes, then `unsure`.
    decisions: Vec<&'a str>,
    unsure: &'a str,
    model: ModelData<'a>,
    inputs: &'a [String],
    records_read: u64,
    errors: u64,
    flagged: usize,
    records: Vec<RecordData<'a>>,
}

#[derive(Serialize)]
struct ThresholdData<'a> {
    class: &'a str,
    threshold: f64,
}

#[derive(Serialize)]
struct ModelData<'a> {
    name: &'a str,
    description: &'a str,
    sha256: &'a str,
}

#[derive(Serialize)]
struct RecordData<'a> {
    id: &'a str,
    source: &'a str,
    text: &'a str,
    label: &'a str,
    lang: &'a str,
    scores: &'a [f64],
    harmful: f64,
    explains: Option<&'a str>,
    threshold: Option<f64>,
    reasons: Vec<ReasonData<'a>>,
    warnings: &'a [String],
}

#[derive(Serialize)]
struct ReasonData<'a> {
    feature: &'a str,
    kind: ReasonKind,
    weight: f64,
    /// Byte spans into the UTF-8 text, as in the score results.
    spans: Vec<[usize; 2]>,
    /// The same spans as UTF-16 offsets: JavaScript string indices.
    js_spans: Vec<[usize; 2]>,
}

/// Whether `span` is a non-empty range of `text` on character boundaries.
fn valid_span(text: &str, span: Span) -> bool {
    span.start < span.end
        && span.end <= text.len()
        && text.is_char_boundary(span.start)
        && text.is_char_boundary(span.end)
}

/// Converts byte spans into `text` to UTF-16 code-unit spans: the indices JavaScript's
/// `String.prototype.slice` takes for the same characters (a character outside the Basic
/// Multilingual Plane, such as an emoji, is two UTF-16 units and four UTF-8 bytes). Spans
/// that are not on character boundaries of `text` are dropped.
///
/// ```
/// use redflag::io::review_html::utf16_spans;
/// use redflag::text::Span;
///
/// let text = "🦁 زكاة btc";
/// let btc = text.find("btc").unwrap();
/// let spans = utf16_spans(text, &[Span::new(btc, btc + 3)]);
/// assert_eq!(spans, vec![Span::new(8, 11)]); // 🦁 is 2 units, the space 1, زكاة 4, the space 1
/// ```
pub fn utf16_spans(text: &str, spans: &[Span]) -> Vec<Span> {
    let mut offsets: Vec<usize> = spans
        .iter()
        .filter(|s| valid_span(text, **s))
        .flat_map(|s| [s.start, s.end])
        .collect();
    offsets.sort_unstable();
    offsets.dedup();
    // One walk over the text: byte offset -> UTF-16 offset for every offset asked for.
    let mut map: Vec<(usize, usize)> = Vec::with_capacity(offsets.len());
    let mut units = 0;
    let mut next = offsets.iter().peekable();
    for (byte, c) in text.char_indices().chain([(text.len(), '\0')]) {
        while let Some(&&o) = next.peek() {
            if o > byte {
                break;
            }
            if o == byte {
                map.push((o, units));
            }
            next.next();
        }
        units += c.len_utf16();
    }
    let find = |o: usize| {
        map.binary_search_by_key(&o, |&(b, _)| b)
            .ok()
            .map(|i| map[i].1)
    };
    spans
        .iter()
        .filter(|s| valid_span(text, **s))
        .filter_map(|s| Some(Span::new(find(s.start)?, find(s.end)?)))
        .collect()
}

/// Escapes text for HTML content and quoted attribute values.
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Makes serialised JSON safe inside a `<script>` element: `<`, `>` and `&` become
/// `\u003c`, `\u003e` and `\u0026` (so neither `</script>` nor `<!--` can appear), and
/// U+2028 and U+2029 become `\u2028` and `\u2029`. These characters only occur inside JSON
/// strings, where the escapes mean the same characters, so `JSON.parse` returns the same
/// value.
pub fn escape_script_json(json: &str) -> String {
    let mut out = String::with_capacity(json.len());
    for c in json.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
    out
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Standard base64 with padding (for the Content-Security-Policy hashes).
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reason(feature: &str, weight: f64, spans: &[(usize, usize)]) -> Reason {
        Reason {
            feature: feature.into(),
            kind: ReasonKind::Word,
            weight,
            spans: spans.iter().map(|&(s, e)| Span::new(s, e)).collect(),
        }
    }

    fn record(id: &str, text: &str, scores: [f64; 3]) -> ReviewRecord {
        ReviewRecord {
            id: id.into(),
            source: format!("in.jsonl:{id}"),
            text: text.into(),
            label: "benign".into(),
            lang: "en".into(),
            scores: scores.to_vec(),
            explains: Some("appeal".into()),
            threshold: Some(0.5),
            reasons: vec![],
            warnings: vec![],
        }
    }

    fn page(records: Vec<ReviewRecord>) -> ReviewPage {
        ReviewPage {
            classes: vec!["appeal".into(), "propaganda".into(), "benign".into()],
            review_classes: vec![("appeal".into(), 0.5), ("propaganda".into(), 0.7)],
            model: ModelSummary {
                name: "m.rfm".into(),
                description: "a model".into(),
                sha256: "00ff".into(),
            },
            inputs: vec!["in.jsonl".into()],
            records_read: 10,
            errors: 1,
            records,
        }
    }

    fn html(page: &ReviewPage) -> String {
        let mut out = Vec::new();
        page.write(&mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    /// The embedded JSON, as the page's script reads it.
    fn embedded(html: &str) -> serde_json::Value {
        let start = html.find("id=\"redflag-data\"").unwrap();
        let start = start + html[start..].find('>').unwrap() + 1;
        let end = start + html[start..].find("</script>").unwrap();
        serde_json::from_str(&html[start..end]).unwrap()
    }

    #[test]
    fn utf16_spans_count_emoji_as_two_units_and_arabic_as_one() {
        let text = "a😀b زكاة <x>";
        let b = text.find('b').unwrap();
        let zakat = text.find('ز').unwrap();
        let x = text.find("<x>").unwrap();
        let spans = [
            Span::new(0, 1),
            Span::new(1, 5), // the emoji: 4 bytes
            Span::new(b, b + 1),
            Span::new(zakat, zakat + "زكاة".len()),
            Span::new(x, text.len()),
        ];
        let js = utf16_spans(text, &spans);
        let units: Vec<u16> = text.encode_utf16().collect();
        for (s, j) in spans.iter().zip(&js) {
            assert_eq!(
                String::from_utf16(&units[j.start..j.end]).unwrap(),
                &text[s.start..s.end],
                "{s:?} -> {j:?}"
            );
        }
        assert_eq!(js[1], Span::new(1, 3));
        assert_eq!(js[2], Span::new(3, 4));
        assert_eq!(js[3], Span::new(5, 9));
    }

    #[test]
    fn utf16_spans_drop_spans_off_character_boundaries_or_out_of_range() {
        let text = "😀ab";
        let js = utf16_spans(
            text,
            &[
                Span::new(1, 4),
                Span::new(4, 9),
                Span::new(3, 2),
                Span::new(4, 6),
            ],
        );
        assert_eq!(js, vec![Span::new(2, 4)]);
    }

    #[test]
    fn records_are_ordered_by_the_highest_review_class_score_ties_in_input_order() {
        let p = page(vec![
            record("low", "x", [0.6, 0.1, 0.3]),
            record("prop", "x", [0.05, 0.9, 0.05]),
            // The benign score is the highest of all but is not a review class.
            record("benign-high", "x", [0.01, 0.0, 0.99]),
            record("tie-a", "x", [0.8, 0.1, 0.1]),
            record("tie-b", "x", [0.1, 0.8, 0.1]),
        ]);
        let order: Vec<&str> = p.ordered().iter().map(|r| r.id.as_str()).collect();
        assert_eq!(order, ["prop", "tie-a", "tie-b", "low", "benign-high"]);
        let data = embedded(&html(&p));
        let ids: Vec<&str> = data["records"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["id"].as_str().unwrap())
            .collect();
        assert_eq!(ids, order, "the page keeps that order");
        assert_eq!(data["records"][0]["harmful"], 0.9);
        assert_eq!(data["flagged"], 5);
        assert_eq!(data["records_read"], 10);
        assert_eq!(
            data["decisions"],
            serde_json::json!(["appeal", "propaganda", "benign", "unsure"])
        );
    }

    #[test]
    fn script_end_tags_and_markup_in_the_data_cannot_leave_the_json() {
        let hostile =
            "</script><script>window.pwned=1</script><svg onload=alert(1)> <!-- & \u{2028}\u{2029}";
        let mut r = record("</script><svg onload=alert(1)>", hostile, [0.9, 0.0, 0.1]);
        r.source = "<img src=x onerror=alert(1)>.jsonl:3".into();
        r.label = "<b>appeal</b>".into();
        r.reasons = vec![reason("<svg onload=alert(1)>", 1.5, &[(20, 30)])];
        let mut p = page(vec![r]);
        p.model.description = "</title><script>alert(1)</script>".into();
        p.model.name = "\"><svg onload=alert(1)>".into();
        p.inputs = vec!["<img src=x onerror=alert(1)>.jsonl".into()];
        let out = html(&p);
        // Exactly the page's own elements: two <script> elements, one <svg>-free body.
        assert_eq!(out.matches("<script").count(), 2, "{out}");
        assert_eq!(out.matches("</script>").count(), 2);
        assert!(!out.contains("<svg"));
        assert!(!out.contains("<img"));
        assert!(!out.contains("<!--"));
        assert!(!out.contains('\u{2028}') && !out.contains('\u{2029}'));
        assert!(
            out.contains("&lt;/title&gt;&lt;script&gt;"),
            "description escaped"
        );
        assert!(
            out.contains("&quot;&gt;&lt;svg onload"),
            "model name escaped"
        );
        // The JSON still carries the exact strings.
        let data = embedded(&out);
        let rec = &data["records"][0];
        assert_eq!(rec["text"], hostile);
        assert_eq!(rec["id"], "</script><svg onload=alert(1)>");
        assert_eq!(rec["source"], "<img src=x onerror=alert(1)>.jsonl:3");
        assert_eq!(rec["reasons"][0]["feature"], "<svg onload=alert(1)>");
        assert_eq!(data["model"]["description"], p.model.description);
    }

    #[test]
    fn the_page_embeds_byte_and_js_spans_and_a_content_hash() {
        let text = "🦁 send زكاة to 42GQ";
        let send = text.find("send").unwrap();
        let zakat = text.find('ز').unwrap();
        let mut r = record("1", text, [0.9, 0.05, 0.05]);
        r.reasons = vec![
            reason("send", 0.8, &[(send, send + 4)]),
            reason("زكاة", -0.4, &[(zakat, zakat + "زكاة".len()), (1, 2)]),
        ];
        let p = page(vec![r]);
        let out = html(&p);
        let data = embedded(&out);
        let reasons = &data["records"][0]["reasons"];
        assert_eq!(reasons[0]["spans"], serde_json::json!([[5, 9]]));
        assert_eq!(reasons[0]["js_spans"], serde_json::json!([[3, 7]]));
        // The span inside the emoji is dropped, not shifted.
        assert_eq!(reasons[1]["spans"], serde_json::json!([[10, 18]]));
        assert_eq!(reasons[1]["js_spans"], serde_json::json!([[8, 12]]));
        assert_eq!(reasons[1]["weight"], -0.4);
        // Same data, same hash (decisions survive a rewrite); other data, another hash.
        let hash = |h: &str| {
            let at = h.find("data-sha256=\"").unwrap() + 13;
            h[at..at + 64].to_string()
        };
        assert_eq!(hash(&out), hash(&html(&p)));
        let mut other = p.clone();
        other.records[0].id = "2".into();
        assert_ne!(hash(&out), hash(&html(&other)));
    }

    #[test]
    fn the_page_loads_nothing_and_allows_only_its_own_script_and_style() {
        let out = html(&page(vec![record(
            "1",
            "https://example.org/x",
            [0.9, 0.0, 0.1],
        )]));
        let data = out.find("<script type=\"application/json\"").unwrap();
        let markup = &out[..data];
        for external in ["src=", "href=", "@import", "url(", "http:", "https:", "//"] {
            assert!(!markup.contains(external), "markup: {external}");
            assert!(!CSS.contains(external), "style: {external}");
        }
        for network in [
            "fetch(",
            "XMLHttpRequest",
            "WebSocket",
            "import(",
            "http:",
            "https:",
        ] {
            assert!(!SCRIPT.contains(network), "script: {network}");
        }
        let script_hash = base64(&Sha256::digest(SCRIPT.as_bytes()));
        let style_hash = base64(&Sha256::digest(CSS.as_bytes()));
        assert!(out.contains(&format!("script-src 'sha256-{script_hash}'")));
        assert!(out.contains(&format!("style-src 'sha256-{style_hash}'")));
        assert!(out.contains("default-src 'none'"));
        assert!(out.contains(&format!("<script>{SCRIPT}</script>")));
        assert!(out.contains(&format!("<style>{CSS}</style>")));
    }

    #[test]
    fn base64_matches_the_standard_alphabet_and_padding() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(b"foob"), "Zm9vYg==");
        assert_eq!(base64(&[0xfb, 0xff]), "+/8=");
    }

    #[test]
    fn html_escaping_covers_quotes_and_ampersands() {
        assert_eq!(
            escape_html(r#"<a href="x">'&'</a>"#),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
    }
}
