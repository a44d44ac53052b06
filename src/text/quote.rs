//! Quoted and reported speech: the parts of a post that are someone else's words.
//!
//! A moderation note, a court record or a news item often quotes an appeal word for word.
//! With `quotes` on, the analyser gives every term that starts inside a quoted range its
//! own namespace (a `"` before the term: `"send`, `"#addr_btc_bech32`, `~"nd `), so a
//! report that quotes an appeal does not carry the appeal's own features; the model learns
//! what quoted appeal words mean (usually: someone is reporting on them).
//!
//! Quoted ranges, as byte ranges of the original text:
//! * text between paired quotation marks: `"…"`, `“…”`, `„…“`, `«…»`, `‹…›`, `「…」`,
//!   `『…』` (a mark without its partner quotes nothing; single quotes are left alone, as
//!   they are mostly apostrophes);
//! * the rest of a line that starts with `>` (a quoted reply);
//! * the rest of the line after a reporting cue ending in a colon: `the post read:`,
//!   `captioned:`, `the message said:`, `wrote:`, `reads:`, `quote:`, ...
//!
//! ```
//! use redflag::text::quote::quoted_ranges;
//!
//! let t = "Removed a post reading \"send BTC to the brothers\" under policy 4.";
//! let r = quoted_ranges(t);
//! assert_eq!(r.len(), 1);
//! assert_eq!(&t[r[0].clone()], "send BTC to the brothers");
//! ```

use std::ops::Range;
use std::sync::OnceLock;

use regex::Regex;

/// Pairs of opening and closing quotation marks (ASCII `"` pairs with itself).
const PAIRS: [(char, &[char]); 8] = [
    ('"', &['"']),
    ('\u{201C}', &['\u{201D}']),
    ('\u{201E}', &['\u{201C}', '\u{201D}']),
    ('\u{00AB}', &['\u{00BB}']),
    ('\u{2039}', &['\u{203A}']),
    ('\u{300C}', &['\u{300D}']),
    ('\u{300E}', &['\u{300F}']),
    ('\u{FF02}', &['\u{FF02}']),
];

/// Longest quotation taken from a pair of marks; a longer "quotation" is more likely an
/// unbalanced mark than a quote.
const MAX_QUOTE_BYTES: usize = 4000;

fn cue() -> &'static Regex {
    static CUE: OnceLock<Regex> = OnceLock::new();
    CUE.get_or_init(|| {
        Regex::new(
            r"(?i)\b(?:the\s+(?:post|message|caption|flyer|banner|text|appeal|tweet|channel)\s+(?:read|reads|said|says|stated)|captioned|wrote|writes|reads|read\s+as\s+follows|quote|verbatim|translation|translated)\s*:",
        )
        .expect("the cue pattern is valid")
    })
}

/// The quoted ranges of `text`, sorted and disjoint (see the module documentation).
pub fn quoted_ranges(text: &str) -> Vec<Range<usize>> {
    let mut out: Vec<Range<usize>> = Vec::new();
    // Paired marks.
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        let Some((_, closers)) = PAIRS.iter().find(|(o, _)| *o == c) else {
            continue;
        };
        let start = i + c.len_utf8();
        let mut limit = text.len().min(start + MAX_QUOTE_BYTES);
        while !text.is_char_boundary(limit) {
            limit -= 1;
        }
        let rest = &text[start..limit];
        if let Some(off) = rest.find(|x: char| closers.contains(&x)) {
            if off > 0 {
                out.push(start..start + off);
            }
            // Skip past the closing mark.
            let end = start + off;
            while chars.peek().is_some_and(|(j, _)| *j <= end) {
                chars.next();
            }
        }
    }
    // Quoted reply lines and reporting cues.
    let mut line_start = 0;
    for line in text.split_inclusive('\n') {
        let body = line.trim_end_matches(['\n', '\r']);
        let trimmed = body.trim_start();
        // The rest of the line from `from`, without its leading white space.
        let mut rest_from = |from: usize| {
            let q = &body[from..];
            let lead = q.len() - q.trim_start().len();
            if q.trim().chars().count() > 1 {
                out.push(line_start + from + lead..line_start + body.len());
            }
        };
        if let Some(q) = trimmed.strip_prefix('>') {
            rest_from(body.len() - q.len());
        } else if let Some(m) = cue().find(body) {
            rest_from(m.end());
        }
        line_start += line.len();
    }
    out.sort_by_key(|r| (r.start, r.end));
    let mut merged: Vec<Range<usize>> = Vec::with_capacity(out.len());
    for r in out {
        match merged.last_mut() {
            Some(last) if r.start <= last.end => last.end = last.end.max(r.end),
            _ => merged.push(r),
        }
    }
    merged
}

/// Whether byte `at` lies in one of `ranges` (sorted and disjoint).
pub fn is_quoted(ranges: &[Range<usize>], at: usize) -> bool {
    let i = ranges.partition_point(|r| r.end <= at);
    ranges.get(i).is_some_and(|r| r.start <= at)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn quoted(t: &str) -> Vec<&str> {
        quoted_ranges(t).into_iter().map(|r| &t[r]).collect()
    }

    #[test]
    fn paired_marks_of_several_languages() {
        assert_eq!(quoted("a “b c” d «e» f „g“"), ["b c", "e", "g"]);
        assert_eq!(quoted("他说「捐款」"), ["捐款"]);
        // An unpaired mark quotes nothing; apostrophes are not quotes.
        assert!(quoted("he said \"send it").is_empty());
        assert!(quoted("the brothers' wallet isn't here").is_empty());
        assert!(quoted("\"\" empty").is_empty());
    }

    #[test]
    fn reply_lines_and_cues() {
        let t = "Takedown log 17:\n> send XMR to the brothers\nRemoved.\nThe post read: fund the front now";
        assert_eq!(
            quoted(t),
            ["send XMR to the brothers", "fund the front now"]
        );
        assert_eq!(
            quoted("Captioned: the lions of the state"),
            ["the lions of the state"]
        );
        assert!(quoted("He wrote:").is_empty());
        assert!(quoted("no quotes here, brothers").is_empty());
    }

    #[test]
    fn ranges_are_sorted_disjoint_and_on_boundaries() {
        let t = "x «a \"b\" c» > not a reply\n> «é» ü\nthe post read: “ş”";
        let r = quoted_ranges(t);
        for w in r.windows(2) {
            assert!(w[0].end < w[1].start);
        }
        for x in &r {
            assert!(t.is_char_boundary(x.start) && t.is_char_boundary(x.end));
        }
        assert!(is_quoted(&r, t.find('a').unwrap()));
        assert!(!is_quoted(&r, 0));
    }
}
