//! Detection of "signals": URLs, e-mails, handles, phone numbers, money
//! amounts and cryptocurrency addresses, by their shape.
//!
//! The analyser runs this on the text after NFKC and invisible-character
//! stripping but *before* case and leet folding (which would damage
//! addresses). Each signal becomes one token (`#url`, `#addr_xmr`, ...)
//! instead of the words it is made of; see [`SignalKind::token`].
//!
//! ```
//! use redflag::text::signals::{find_signals, SignalConfig, SignalKind};
//!
//! let text = "Send XMR to 44ZZy1WQUYuUasSpw56qHFvdgNHfQz2ieSXcDs31xQCrZFPSZgSwJMrpx7BGosjZCavXSTRwZJqzu9SvYUoWNEvz8NsWuBa or see https://t.example.org/join";
//! let signals = find_signals(text, &SignalConfig::default());
//! assert_eq!(signals[0].kind, SignalKind::Monero);
//! assert_eq!(&text[signals[0].span.start..signals[0].span.end], &text[12..107]);
//! assert_eq!(signals[1].kind, SignalKind::Url);
//! assert_eq!(signals[1].domain.as_deref(), Some("example.org"));
//! ```
//!
//! # Address heuristics
//!
//! Addresses are recognised by prefix, length and alphabet only (no checksum
//! is verified, so fakes of the right shape are detected too):
//!
//! | kind | shape |
//! |---|---|
//! | BTC legacy | `1` + 25–33 base58 |
//! | BTC P2SH | `3` + 33 base58 |
//! | BTC bech32 | `bc1` + 25–87 bech32 |
//! | Ethereum | `0x` + 40 hex |
//! | Monero | `4`/`8` + 94 base58 (105 for integrated addresses) |
//! | TRON | `T` + 33 base58 |
//! | Litecoin | `L`/`M` + 33 base58, or `ltc1` + 25–86 bech32 |
//! | Zcash | `t1`/`t3` + 33 base58, or `zs1` + 75 bech32 |
//!
//! To keep ordinary words out, every candidate must be delimited by
//! non-word characters on both sides, and:
//! * base58 bodies (after the prefix) must contain an upper-case letter, a
//!   lower-case letter and a digit, and no run of more than 12 lower-case
//!   letters. A random base58 body fails this with probability ≈ 1.5 % for
//!   the shortest (25-character) legacy addresses and far less for the rest;
//!   CamelCase words and long lower-case words never pass;
//! * bech32 bodies must be all lower-case or all upper-case and contain a
//!   digit and a letter;
//! * Ethereum needs the `0x` prefix, so 40-hex git SHAs are not addresses.
//!
//! **Split addresses**: chunks of at least two alphanumeric characters
//! separated by one and the same single separator (space, `-` or `.`) whose
//! concatenation has exactly one of the shapes above are reported as one
//! address spanning all chunks (`bc1q 7k3m 9xq2 …`, `0x12ab-34cd-…`). When
//! several chunk sequences match (variable-length shapes, or a following word
//! made of address characters), the one with the standard length for its
//! kind (42/62 for `bc1`, 33–34 for legacy), then with evenly sized chunks,
//! then the longest wins.
//!
//! # Other signals
//!
//! * URLs: `http(s)://…`, `www.…`, bare domains with a common TLD
//!   (`example.org/path`, `t.me/x`) and defanged forms (`hxxp://`,
//!   `example[.]org`, `example(.)org`, `example[dot]org`, `example dot org`).
//!   Trailing sentence punctuation is not part of the URL. The domain is
//!   [`registrable_domain`]: lower-cased, `www.` and sub-domains removed
//!   (keeping three labels under `co.uk`-style second-level domains).
//! * E-mails `local@domain.tld` (also `[at]`/`(at)` and `[.]` defanging).
//! * Handles `@name` (1–30 of `A-Za-z0-9_`, not preceded by a word character).
//! * Phones: 8–15 digits with an optional leading `+`, grouped by single
//!   spaces, dashes, dots or parentheses. A bare digit string needs 10+
//!   digits; dates and year pairs (`12.05.2019`, `2015-2016`) are rejected.
//! * Money: a currency symbol before or after a number (`$50`, `€20`, `£5`,
//!   `$1,000.00`, `50$`), a number with a currency code or word (`50 USD`,
//!   `0.5 BTC`, `100 usdt`, `20 dollars`) and `5k`-style amounts.
//!
//! Overlaps are resolved by keeping the leftmost signal, the longest one on
//! ties, then by kind priority (addresses before URLs before e-mails …).

use std::sync::LazyLock;

use regex::Regex;
use serde::{Deserialize, Serialize};

use crate::text::Span;

/// Signal detection settings.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SignalConfig {
    /// Detect signals at all. When off, URLs, addresses etc. are tokenised
    /// as ordinary words.
    pub enabled: bool,
    /// Emit a `#domain:example.org` side term for every URL.
    pub keep_domain: bool,
}

impl Default for SignalConfig {
    fn default() -> Self {
        SignalConfig {
            enabled: true,
            keep_domain: true,
        }
    }
}

/// The kind of a detected signal.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SignalKind {
    /// A web address.
    Url,
    /// An e-mail address.
    Email,
    /// A social-media `@handle`.
    Handle,
    /// A phone number.
    Phone,
    /// A money amount.
    Money,
    /// Bitcoin legacy (P2PKH) address, `1…`.
    BtcLegacy,
    /// Bitcoin P2SH address, `3…`.
    BtcP2sh,
    /// Bitcoin bech32 address, `bc1…`.
    BtcBech32,
    /// Ethereum (or EVM chain) address, `0x…`.
    Ethereum,
    /// Monero address, `4…`/`8…`.
    Monero,
    /// TRON address, `T…`.
    Tron,
    /// Litecoin address, `L…`/`M…`/`ltc1…`.
    Litecoin,
    /// Zcash address, `t1…`/`t3…`/`zs1…`.
    Zcash,
}

impl SignalKind {
    /// Every kind, in declaration order.
    pub const ALL: [SignalKind; 13] = [
        SignalKind::Url,
        SignalKind::Email,
        SignalKind::Handle,
        SignalKind::Phone,
        SignalKind::Money,
        SignalKind::BtcLegacy,
        SignalKind::BtcP2sh,
        SignalKind::BtcBech32,
        SignalKind::Ethereum,
        SignalKind::Monero,
        SignalKind::Tron,
        SignalKind::Litecoin,
        SignalKind::Zcash,
    ];

    /// The token that stands for this signal in the term stream.
    pub const fn token(self) -> &'static str {
        match self {
            SignalKind::Url => "#url",
            SignalKind::Email => "#email",
            SignalKind::Handle => "#handle",
            SignalKind::Phone => "#phone",
            SignalKind::Money => "#money",
            SignalKind::BtcLegacy => "#addr_btc_legacy",
            SignalKind::BtcP2sh => "#addr_btc_p2sh",
            SignalKind::BtcBech32 => "#addr_btc_bech32",
            SignalKind::Ethereum => "#addr_eth",
            SignalKind::Monero => "#addr_xmr",
            SignalKind::Tron => "#addr_trx",
            SignalKind::Litecoin => "#addr_ltc",
            SignalKind::Zcash => "#addr_zec",
        }
    }

    /// `true` for cryptocurrency addresses (which also get the `#addr` side term).
    pub const fn is_address(self) -> bool {
        !matches!(
            self,
            SignalKind::Url
                | SignalKind::Email
                | SignalKind::Handle
                | SignalKind::Phone
                | SignalKind::Money
        )
    }

    /// Priority when two candidates start at the same byte and have the same
    /// length (lower wins).
    const fn priority(self) -> u8 {
        match self {
            SignalKind::Url => 20,
            SignalKind::Email => 21,
            SignalKind::Handle => 22,
            SignalKind::Money => 23,
            SignalKind::Phone => 24,
            _ => 10,
        }
    }
}

/// The side term every address also emits.
pub const ADDRESS_SIDE_TERM: &str = "#addr";
/// Prefix of the domain side term of URLs.
pub const DOMAIN_SIDE_PREFIX: &str = "#domain:";

/// A detected signal.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Signal {
    /// What was found.
    pub kind: SignalKind,
    /// Where, as byte offsets into the text passed to [`find_signals`].
    pub span: Span,
    /// For URLs (when `keep_domain` is on): the registrable domain.
    pub domain: Option<String>,
}

/// A signal without its domain (internal, allocation-free).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct RawSignal {
    pub(crate) kind: SignalKind,
    pub(crate) start: usize,
    pub(crate) end: usize,
}

/// Finds all signals in `text`: non-overlapping, sorted by position.
///
/// Offsets are byte offsets into `text` itself; no normalisation is applied
/// (the analyser runs this on NFKC-normalised text and maps spans back).
pub fn find_signals(text: &str, config: &SignalConfig) -> Vec<Signal> {
    let mut raw = Vec::new();
    find_raw(text, config, &mut raw);
    raw.iter()
        .map(|r| {
            let domain = if r.kind == SignalKind::Url && config.keep_domain {
                let mut d = String::new();
                registrable_domain(&text[r.start..r.end], &mut d).then_some(d)
            } else {
                None
            };
            Signal {
                kind: r.kind,
                span: Span::new(r.start, r.end),
                domain,
            }
        })
        .collect()
}

/// Fills `out` with the signals of `text` (cleared first).
pub(crate) fn find_raw(text: &str, config: &SignalConfig, out: &mut Vec<RawSignal>) {
    out.clear();
    if !config.enabled || text.is_empty() {
        return;
    }
    let h = Hints::scan(text.as_bytes());
    if h.digits {
        find_addresses(text, out);
    }
    if h.url {
        find_urls(text, out);
    }
    if h.email {
        find_emails(text, out);
    }
    if h.handle {
        find_handles(text, out);
    }
    if h.phone {
        find_phones(text, out);
    }
    if h.money {
        find_money(text, out);
    }
    resolve_overlaps(out);
}

/// Cheap necessary conditions for each detector, from one pass over the bytes.
#[derive(Default, Debug)]
struct Hints {
    digits: bool,
    url: bool,
    email: bool,
    handle: bool,
    phone: bool,
    money: bool,
}

impl Hints {
    fn scan(b: &[u8]) -> Hints {
        let mut h = Hints::default();
        let n = b.len();
        let at = |i: usize| b.get(i).copied().unwrap_or(0);
        // Digits in the current run of phone-ish characters.
        let mut phone_digits = 0usize;
        for i in 0..n {
            let c = b[i];
            match c {
                b'0'..=b'9' => {
                    h.digits = true;
                    phone_digits += 1;
                    if phone_digits >= 8 {
                        h.phone = true;
                    }
                    let next = at(i + 1);
                    let next2 = at(i + 2);
                    if next.is_ascii_alphabetic()
                        || matches!(next, b'$' | 0xC2 | 0xE2)
                        || (next == b' '
                            && (next2.is_ascii_alphabetic() || matches!(next2, b'$' | 0xC2 | 0xE2)))
                    {
                        h.money = true;
                    }
                    continue;
                }
                b' ' | b'-' | b'.' | b'(' | b')' | b'+' => {}
                _ => phone_digits = 0,
            }
            match c {
                b'.' => {
                    if at(i + 1).is_ascii_alphabetic() {
                        h.url = true;
                    }
                }
                b'[' | b'(' | b'{' => {
                    let x = at(i + 1);
                    if x == b'.' || x == b'd' || x == b'D' || x == b':' {
                        h.url = true;
                    }
                    if (x | 0x20) == b'a' && (at(i + 2) | 0x20) == b't' {
                        h.email = true;
                    }
                    if x == b'@' {
                        h.email = true;
                    }
                }
                b':' => {
                    if matches!(at(i + 1), b'/' | b'[') {
                        h.url = true;
                    }
                }
                b' ' => {
                    if (at(i + 1) | 0x20) == b'd'
                        && (at(i + 2) | 0x20) == b'o'
                        && (at(i + 3) | 0x20) == b't'
                        && at(i + 4) == b' '
                    {
                        h.url = true;
                    }
                }
                b'@' => {
                    h.handle = true;
                    if i > 0
                        && (b[i - 1].is_ascii_alphanumeric()
                            || matches!(b[i - 1], b'.' | b'_' | b'%' | b'+' | b'-'))
                    {
                        h.email = true;
                    }
                }
                b'$' => h.money = true,
                // Lead bytes of £ ¥ (C2) and € ₹ ₽ (E2).
                0xC2 | 0xE2 => h.money = true,
                _ => {}
            }
        }
        h
    }
}

fn resolve_overlaps(out: &mut Vec<RawSignal>) {
    if out.len() < 2 {
        return;
    }
    out.sort_unstable_by(|a, b| {
        a.start
            .cmp(&b.start)
            .then(b.end.cmp(&a.end))
            .then(a.kind.priority().cmp(&b.kind.priority()))
    });
    let mut last_end = 0usize;
    let mut first = true;
    out.retain(|s| {
        if first || s.start >= last_end {
            first = false;
            last_end = s.end;
            true
        } else {
            false
        }
    });
}

/// Is the character ending at byte `i` (exclusive) a word character?
#[inline]
fn word_char_before(text: &str, i: usize) -> bool {
    text[..i]
        .chars()
        .next_back()
        .is_some_and(|c| c.is_alphanumeric() || c == '_')
}

/// Is the character starting at byte `i` a word character?
#[inline]
fn word_char_at(text: &str, i: usize) -> bool {
    text.get(i..)
        .and_then(|s| s.chars().next())
        .is_some_and(|c| c.is_alphanumeric() || c == '_')
}

// ---------------------------------------------------------------------------
// Crypto addresses
// ---------------------------------------------------------------------------

const BASE58: &[u8] = b"123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
const BECH32: &[u8] = b"qpzry9x8gf2tvdw0s3jn54khce6mua7l";

static IS_BASE58: [bool; 256] = table(BASE58, false);
static IS_BECH32: [bool; 256] = table(BECH32, true);

const fn table(alphabet: &[u8], both_cases: bool) -> [bool; 256] {
    let mut t = [false; 256];
    let mut i = 0;
    while i < alphabet.len() {
        let c = alphabet[i];
        t[c as usize] = true;
        if both_cases {
            t[c.to_ascii_uppercase() as usize] = true;
        }
        i += 1;
    }
    t
}

/// Longest address (integrated Monero).
const MAX_ADDR: usize = 106;

/// Does `s` look like a base58 body of a real address? See module docs.
fn base58_body_ok(s: &[u8]) -> bool {
    let (mut upper, mut lower, mut digit) = (false, false, false);
    let mut lower_run = 0usize;
    for &b in s {
        if !IS_BASE58[b as usize] {
            return false;
        }
        if b.is_ascii_lowercase() {
            lower = true;
            lower_run += 1;
            if lower_run > 12 {
                return false;
            }
        } else {
            lower_run = 0;
            if b.is_ascii_uppercase() {
                upper = true;
            } else {
                digit = true;
            }
        }
    }
    upper && lower && digit
}

fn bech32_body_ok(s: &[u8]) -> bool {
    let (mut upper, mut lower, mut digit) = (false, false, false);
    for &b in s {
        if !IS_BECH32[b as usize] {
            return false;
        }
        if b.is_ascii_lowercase() {
            lower = true;
        } else if b.is_ascii_uppercase() {
            upper = true;
        } else {
            digit = true;
        }
    }
    digit && (upper != lower)
}

/// Classifies a complete candidate (already delimited) by shape.
pub fn classify_address(s: &[u8]) -> Option<SignalKind> {
    let n = s.len();
    if !(26..=MAX_ADDR).contains(&n) {
        return None;
    }
    let ci_prefix = |p: &[u8]| s[..p.len()].eq_ignore_ascii_case(p);
    match s[0] {
        b'0' => (n == 42 && s[1] == b'x' && s[2..].iter().all(u8::is_ascii_hexdigit))
            .then_some(SignalKind::Ethereum),
        b'1' => {
            ((26..=34).contains(&n) && base58_body_ok(&s[1..])).then_some(SignalKind::BtcLegacy)
        }
        b'3' => (n == 34 && base58_body_ok(&s[1..])).then_some(SignalKind::BtcP2sh),
        b'4' | b'8' => {
            ((n == 95 || n == 106) && base58_body_ok(&s[1..])).then_some(SignalKind::Monero)
        }
        b'T' => (n == 34 && base58_body_ok(&s[1..])).then_some(SignalKind::Tron),
        b'M' => (n == 34 && base58_body_ok(&s[1..])).then_some(SignalKind::Litecoin),
        b'b' | b'B' => (ci_prefix(b"bc1") && (28..=90).contains(&n) && bech32_body_ok(&s[3..]))
            .then_some(SignalKind::BtcBech32),
        b'l' | b'L' => {
            if ci_prefix(b"ltc1") {
                ((29..=90).contains(&n) && bech32_body_ok(&s[4..])).then_some(SignalKind::Litecoin)
            } else {
                (s[0] == b'L' && n == 34 && base58_body_ok(&s[1..])).then_some(SignalKind::Litecoin)
            }
        }
        b't' => (n == 35 && (s[1] == b'1' || s[1] == b'3') && base58_body_ok(&s[2..]))
            .then_some(SignalKind::Zcash),
        b'z' | b'Z' => {
            (n == 78 && ci_prefix(b"zs1") && bech32_body_ok(&s[3..])).then_some(SignalKind::Zcash)
        }
        _ => None,
    }
}

#[inline]
fn may_start_address(b: u8) -> bool {
    matches!(
        b,
        b'0' | b'1'
            | b'3'
            | b'4'
            | b'8'
            | b'T'
            | b'M'
            | b'L'
            | b'l'
            | b'b'
            | b'B'
            | b't'
            | b'z'
            | b'Z'
    )
}

fn find_addresses(text: &str, out: &mut Vec<RawSignal>) {
    let bytes = text.as_bytes();
    let n = bytes.len();
    let mut i = 0;
    while i < n {
        if !bytes[i].is_ascii_alphanumeric() {
            i += 1;
            continue;
        }
        let start = i;
        while i < n && bytes[i].is_ascii_alphanumeric() {
            i += 1;
        }
        let end = i;
        if !may_start_address(bytes[start])
            || word_char_before(text, start)
            || word_char_at(text, end)
        {
            continue;
        }
        if let Some(kind) = classify_address(&bytes[start..end]) {
            out.push(RawSignal { kind, start, end });
            continue;
        }
        if let Some((kind, split_end)) = split_address(text, start, end) {
            out.push(RawSignal {
                kind,
                start,
                end: split_end,
            });
            i = split_end;
        }
    }
}

/// Tries to read chunks `start..first_end`, `sep`, chunk, `sep`, … whose
/// concatenation is an address. Returns the kind and the end of the last chunk.
fn split_address(text: &str, start: usize, first_end: usize) -> Option<(SignalKind, usize)> {
    let bytes = text.as_bytes();
    let n = bytes.len();
    if first_end - start < 2 || first_end >= n {
        return None;
    }
    let sep = bytes[first_end];
    if !matches!(sep, b' ' | b'-' | b'.') {
        return None;
    }
    let mut buf = [0u8; MAX_ADDR];
    let mut len = first_end - start;
    if len > MAX_ADDR {
        return None;
    }
    buf[..len].copy_from_slice(&bytes[start..first_end]);
    // (concatenated length, end offset) after each chunk.
    let mut ends: [(usize, usize); 64] = [(0, 0); 64];
    let mut chunks = 0usize;
    let mut pos = first_end;
    while chunks < ends.len() && pos < n && bytes[pos] == sep {
        let cs = pos + 1;
        let mut ce = cs;
        while ce < n && bytes[ce].is_ascii_alphanumeric() {
            ce += 1;
        }
        if ce - cs < 2 || word_char_at(text, ce) || len + (ce - cs) > MAX_ADDR {
            break;
        }
        buf[len..len + (ce - cs)].copy_from_slice(&bytes[cs..ce]);
        len += ce - cs;
        ends[chunks] = (len, ce);
        chunks += 1;
        pos = ce;
    }
    // Several prefixes may match (bech32 and short legacy addresses have
    // variable length, and a following word can look like one more chunk):
    // prefer standard lengths, then evenly sized chunks, then the longest.
    let first_len = first_end - start;
    let mut best: Option<(u8, SignalKind, usize)> = None;
    for k in (0..chunks).rev() {
        let (l, e) = ends[k];
        let Some(kind) = classify_address(&buf[..l]) else {
            continue;
        };
        let chunk_len = |j: usize| {
            if j == 0 {
                ends[0].0 - first_len
            } else {
                ends[j].0 - ends[j - 1].0
            }
        };
        // Chunks after the first: all middle ones equal, the last no longer.
        let uniform = if k == 0 {
            chunk_len(0) <= first_len
        } else {
            let mid = chunk_len(0);
            (1..k).all(|j| chunk_len(j) == mid) && chunk_len(k) <= mid.max(first_len)
        };
        let score = 2 * u8::from(standard_length(kind, &buf[..l])) + u8::from(uniform);
        if best.is_none_or(|(s, _, _)| score > s) {
            best = Some((score, kind, e));
        }
    }
    best.map(|(_, kind, e)| (kind, e))
}

/// Is this the usual length for its kind (for kinds of variable length)?
fn standard_length(kind: SignalKind, s: &[u8]) -> bool {
    let n = s.len();
    match kind {
        SignalKind::BtcLegacy => n >= 33,
        SignalKind::BtcBech32 => n == 42 || n == 62,
        SignalKind::Litecoin
            if s[0].eq_ignore_ascii_case(&b'l') && s[1].eq_ignore_ascii_case(&b't') =>
        {
            n == 43 || n == 63
        }
        _ => true,
    }
}

// ---------------------------------------------------------------------------
// URLs, e-mails, handles
// ---------------------------------------------------------------------------

/// Separators between host labels: a dot or a defanged dot.
const DOT: &str = r"(?:\.|\[\.\]|\(\.\)|\{\.\}|\[dot\]|\(dot\)|\x20dot\x20)";
const LABEL: &str = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?";
const TLDS: &str = "com|org|net|edu|gov|mil|int|info|biz|xyz|top|site|online|app|dev|io|co|me|to|ly|gl|gg|ai|cc|tv|ws|pw|su|ru|uk|de|fr|nl|eu|ca|au|ch|ir|iq|sy|ps|af|pk|tk|ml|ga|cf|gq|onion|link|live|news|club|shop|store|blog|world|life|today|space|website|click|pro|mobi|name|tech";
const URL_TAIL: &str = r#"[^\s<>"'`]*"#;

static URL_RE: LazyLock<Regex> = LazyLock::new(|| {
    let pattern = format!(
        r"(?-u:\b)(?:(?i:h(?:tt|xx|\[tt\]|\[xx\])ps?|ftp)(?::\/\/|\[:\]\/\/|\[:\/\/\]|:\[\/\/\])[^\s<>\x22'`]+|(?i:www){DOT}{URL_TAIL}[A-Za-z0-9/]{URL_TAIL}|(?:{LABEL}{DOT})+(?i:{TLDS})(?-u:\b)(?:[/?#]{URL_TAIL})?)"
    );
    Regex::new(&pattern).expect("valid URL regex")
});

static EMAIL_RE: LazyLock<Regex> = LazyLock::new(|| {
    let pattern = format!(
        r"(?-u:\b)[A-Za-z0-9._%+\-]+(?:@|\[at\]|\(at\)|\[@\])(?:{LABEL}{DOT})+[A-Za-z]{{2,24}}(?-u:\b)"
    );
    Regex::new(&pattern).expect("valid e-mail regex")
});

static HANDLE_RE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"@[A-Za-z0-9_]{1,30}").expect("valid handle regex"));

fn find_urls(text: &str, out: &mut Vec<RawSignal>) {
    for m in URL_RE.find_iter(text) {
        let start = m.start();
        let s = m.as_str();
        // Trim trailing punctuation, keeping balanced brackets.
        let bytes = s.as_bytes();
        let mut k = bytes.len();
        while k > 0 {
            let b = bytes[k - 1];
            let trim = match b {
                b'.' | b',' | b';' | b':' | b'!' | b'?' | b'\'' | b'"' | b'*' => true,
                b')' => count(&bytes[..k], b'(') < count(&bytes[..k], b')'),
                b']' => count(&bytes[..k], b'[') < count(&bytes[..k], b']'),
                b'}' => count(&bytes[..k], b'{') < count(&bytes[..k], b'}'),
                _ => false,
            };
            if !trim {
                break;
            }
            k -= 1;
        }
        let end = start + k;
        let url = &text[start..end];
        if url.len() < 4 || !url_plausible(url) {
            continue;
        }
        out.push(RawSignal {
            kind: SignalKind::Url,
            start,
            end,
        });
    }
}

fn count(bytes: &[u8], b: u8) -> usize {
    bytes.iter().filter(|&&x| x == b).count()
}

/// Rejects "the dot com"-style matches of the spelled-out defang.
fn url_plausible(url: &str) -> bool {
    let lower_dot = url
        .as_bytes()
        .windows(5)
        .position(|w| w.eq_ignore_ascii_case(b" dot "));
    if let Some(p) = lower_dot {
        let label = &url[..p];
        let label = label.rsplit(['.', ' ', '/']).next().unwrap_or(label);
        const STOP: [&str; 12] = [
            "a", "an", "the", "this", "that", "is", "of", "to", "in", "and", "or", "my",
        ];
        if label.len() < 2 || STOP.iter().any(|w| w.eq_ignore_ascii_case(label)) {
            return false;
        }
    }
    true
}

fn find_emails(text: &str, out: &mut Vec<RawSignal>) {
    for m in EMAIL_RE.find_iter(text) {
        out.push(RawSignal {
            kind: SignalKind::Email,
            start: m.start(),
            end: m.end(),
        });
    }
}

fn find_handles(text: &str, out: &mut Vec<RawSignal>) {
    for m in HANDLE_RE.find_iter(text) {
        let (start, end) = (m.start(), m.end());
        if word_char_before(text, start) || text[..start].ends_with('@') || word_char_at(text, end)
        {
            continue;
        }
        out.push(RawSignal {
            kind: SignalKind::Handle,
            start,
            end,
        });
    }
}

/// Writes the registrable domain of `url` (as matched by the URL detector)
/// into `out` (cleared first): host lower-cased, defanging undone, `www.`,
/// user info, port and sub-domains removed. Returns `false` if no host was
/// found.
///
/// ```
/// use redflag::text::signals::registrable_domain;
///
/// let mut d = String::new();
/// assert!(registrable_domain("https://www.Donate.Example.ORG/give?x=1", &mut d));
/// assert_eq!(d, "example.org");
/// registrable_domain("hxxp://example[.]co[.]uk/x", &mut d);
/// assert_eq!(d, "example.co.uk");
/// registrable_domain("t dot example dot net", &mut d);
/// assert_eq!(d, "example.net");
/// ```
pub fn registrable_domain(url: &str, out: &mut String) -> bool {
    out.clear();
    let mut rest = url;
    for sep in ["://", "[://]", "[:]//", ":[//]"] {
        if let Some(p) = rest.find(sep) {
            rest = &rest[p + sep.len()..];
            break;
        }
    }
    // Host ends at the first path/query/fragment/port character (a defanged
    // `[.]` contains no such character, but `[:]` would, so port is last).
    let host_end = rest.find(['/', '?', '#', '\\']).unwrap_or(rest.len());
    let mut host = &rest[..host_end];
    if let Some(p) = host.rfind('@') {
        host = &host[p + 1..];
    }
    // Undo defanging while lower-casing.
    let hb = host.as_bytes();
    let mut k = 0;
    while k < hb.len() {
        let rest = &hb[k..];
        let mut matched = false;
        for pat in [&b"[.]"[..], b"(.)", b"{.}", b"[dot]", b"(dot)", b" dot "] {
            if rest.len() >= pat.len() && rest[..pat.len()].eq_ignore_ascii_case(pat) {
                out.push('.');
                k += pat.len();
                matched = true;
                break;
            }
        }
        if matched {
            continue;
        }
        let b = hb[k];
        if b == b':' {
            break; // port
        }
        if b.is_ascii_alphanumeric() || b == b'-' || b == b'.' {
            out.push(b.to_ascii_lowercase() as char);
        } else if b >= 0x80 {
            // Non-ASCII host (IDN): keep the character.
            if let Some(c) = host[k..].chars().next() {
                out.extend(c.to_lowercase());
                k += c.len_utf8();
                continue;
            }
        }
        k += 1;
    }
    let trimmed = out.trim_matches('.');
    if trimmed.len() != out.len() {
        *out = trimmed.to_string();
    }
    if out.starts_with("www.") && out.len() > 4 {
        out.drain(..4);
    }
    if out.is_empty() {
        return false;
    }
    // IPv4 literal: keep whole.
    if out.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
        return true;
    }
    let labels = out.split('.').filter(|l| !l.is_empty()).count();
    if labels <= 2 {
        return true;
    }
    let mut it = out.rsplit('.');
    let tld = it.next().unwrap_or("");
    let sld = it.next().unwrap_or("");
    let keep = if tld.len() == 2
        && matches!(
            sld,
            "co" | "com"
                | "net"
                | "org"
                | "gov"
                | "edu"
                | "ac"
                | "or"
                | "ne"
                | "go"
                | "gob"
                | "mil"
        ) {
        3
    } else {
        2
    };
    // Byte offset where the last `keep` labels start.
    let mut dots = 0;
    let mut cut = 0;
    for (i, b) in out.bytes().enumerate().rev() {
        if b == b'.' {
            dots += 1;
            if dots == keep {
                cut = i + 1;
                break;
            }
        }
    }
    if cut > 0 {
        out.drain(..cut);
    }
    true
}

// ---------------------------------------------------------------------------
// Phones and money
// ---------------------------------------------------------------------------

static PHONE_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\+?\(?[0-9]+(?:\)?[\x20.\-]?\(?[0-9]+)*\)?").expect("valid phone regex")
});

fn find_phones(text: &str, out: &mut Vec<RawSignal>) {
    let bytes = text.as_bytes();
    let mut pos = 0;
    while let Some(m) = PHONE_RE.find_at(text, pos) {
        let (start, mut end) = (m.start(), m.end());
        pos = end.max(start + 1);
        // Strip an unmatched trailing ')'.
        if bytes[end - 1] == b')'
            && count(&bytes[start..end], b'(') < count(&bytes[start..end], b')')
        {
            end -= 1;
        }
        let s = &bytes[start..end];
        if word_char_before(text, start)
            || text[..start].ends_with(['.', ',', '$', '€', '£', '+', '-', '/'])
            || word_char_at(text, end)
            || text[end..].starts_with(['/', '%'])
            || (text[end..].starts_with([',', '.'])
                && bytes.get(end + 1).is_some_and(u8::is_ascii_digit))
        {
            continue;
        }
        if phone_ok(s) {
            out.push(RawSignal {
                kind: SignalKind::Phone,
                start,
                end,
            });
        }
    }
}

fn phone_ok(s: &[u8]) -> bool {
    let plus = s.first() == Some(&b'+');
    let mut groups = [0usize; 16];
    let mut ngroups = 0usize;
    let mut digits = 0usize;
    let mut only_dots = true;
    let mut in_group = false;
    for &b in s {
        if b.is_ascii_digit() {
            digits += 1;
            if !in_group {
                if ngroups == groups.len() {
                    return false;
                }
                ngroups += 1;
                in_group = true;
            }
            groups[ngroups - 1] += 1;
        } else {
            in_group = false;
            if b != b'.' && ngroups > 0 {
                only_dots = false;
            }
        }
    }
    if !(8..=15).contains(&digits) {
        return false;
    }
    let g = &groups[..ngroups];
    if ngroups == 1 {
        return plus || digits >= 10;
    }
    if g.iter().filter(|&&l| l == 1).count() > 1 {
        return false;
    }
    // Year pairs and dates.
    if ngroups == 2 && g[0] == 4 && g[1] == 4 {
        return false;
    }
    if ngroups == 3
        && ((g[0] <= 2 && g[1] <= 2 && g[2] == 4) || (g[0] == 4 && g[1] <= 2 && g[2] <= 2))
    {
        return false;
    }
    if only_dots && ngroups < 3 && !plus {
        return false;
    }
    true
}

static MONEY_RE: LazyLock<Regex> = LazyLock::new(|| {
    const NUM: &str = r"[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]+)?|[0-9]+(?:\.[0-9]+)?";
    const MULT: &str = r"(?:\x20?(?i:k|m|bn|million|billion|thousand)(?-u:\b))?";
    const CODES: &str = "usd|usdt|usdc|eur|euros?|gbp|pounds?|dollars?|bucks|btc|bitcoins?|eth|ether|xmr|monero|ltc|litecoin|trx|tron|zec|bnb|doge|sats?|satoshis?|inr|rupees?|riyals?|sar|aed|dinars?|lira";
    let pattern = format!(
        r"(?:US|CA|AU)?[$€£¥₹₽]\x20?(?:{NUM}){MULT}|(?-u:\b)(?:{NUM})(?:\x20?(?i:k|m|bn|million|billion|thousand))?\x20?(?:(?i:{CODES})(?-u:\b)|[$€£])|(?-u:\b)(?:{NUM})(?i:k)(?-u:\b)"
    );
    Regex::new(&pattern).expect("valid money regex")
});

fn find_money(text: &str, out: &mut Vec<RawSignal>) {
    for m in MONEY_RE.find_iter(text) {
        let (start, end) = (m.start(), m.end());
        if word_char_before(text, start)
            && !text[start..].starts_with(['$', '€', '£', '¥', '₹', '₽'])
        {
            continue;
        }
        out.push(RawSignal {
            kind: SignalKind::Money,
            start,
            end,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Fake addresses of the right shape (python3 /work/scratch/fake_addr.py KIND).
    pub(crate) const BTC: &str = "1QtR6sAW5m1MX4bUPvZECTsjvwLKKi3E4";
    pub(crate) const BTC_SHORT: &str = "1qoNL9vaCK2CSLbED1Ug8CJ4Q3P9Q4";
    pub(crate) const P2SH: &str = "3zkWBuWy9on3uAW9N4jS1QPkVt3CEtX3bJ";
    pub(crate) const BECH32: &str = "bc1qgl5rvrsxp0w7x70hc43qctzgrlslja2zzmlg5q";
    pub(crate) const ETH: &str = "0x80e05cEAF4873a318264b36C0A4ed777b858EA77";
    pub(crate) const XMR: &str = "44ZZy1WQUYuUasSpw56qHFvdgNHfQz2ieSXcDs31xQCrZFPSZgSwJMrpx7BGosjZCavXSTRwZJqzu9SvYUoWNEvz8NsWuBa";
    pub(crate) const TRX: &str = "TE1qFLgnmnjm7AE3ao2TnyxBfTGk1UFSkz";
    pub(crate) const LTC: &str = "M1udjY4Kx3SGiSHeMLBzAXJsCbVhxNnkzA";
    pub(crate) const LTC_BECH32: &str = "ltc1q63823vtap7kuan04g3fksla6u3gkwmpvy2k456";
    pub(crate) const ZEC: &str = "t1nUEvJRMq1S6xw5dGJ4X8WbHqWo3AmokxR";

    fn kinds(text: &str) -> Vec<(SignalKind, &str)> {
        find_signals(text, &SignalConfig::default())
            .into_iter()
            .map(|s| (s.kind, &text[s.span.start..s.span.end]))
            .collect()
    }

    #[test]
    fn every_address_kind() {
        let cases = [
            (BTC, SignalKind::BtcLegacy),
            (BTC_SHORT, SignalKind::BtcLegacy),
            (P2SH, SignalKind::BtcP2sh),
            (BECH32, SignalKind::BtcBech32),
            (ETH, SignalKind::Ethereum),
            (XMR, SignalKind::Monero),
            (TRX, SignalKind::Tron),
            (LTC, SignalKind::Litecoin),
            (LTC_BECH32, SignalKind::Litecoin),
            (ZEC, SignalKind::Zcash),
        ];
        for (addr, kind) in cases {
            let text = format!("send to {addr}. thanks");
            assert_eq!(kinds(&text), vec![(kind, addr)], "{addr}");
            let text = format!("({addr})");
            assert_eq!(kinds(&text), vec![(kind, addr)], "{addr}");
            assert_eq!(kinds(addr), vec![(kind, addr)], "{addr}");
            assert!(kind.is_address());
        }
    }

    #[test]
    fn fake_generator_samples() {
        // More output of fake_addr.py, one per shape.
        for (addr, kind) in [
            ("1rqLZvpmwxpR93CjYK3RcV6PURf3rHYQbu", SignalKind::BtcLegacy),
            ("1semXWuby5qVmrChWB2TSiJFkqnDfvmBc", SignalKind::BtcLegacy),
            ("bc1qv5gawggjw3fvquyezj57hzymktkc59yf9wrvl83650k3zej5swpnsyyxkq", SignalKind::BtcBech32),
            ("43TLY7nEBcU9BprfsVXwBhVnFGKK31LCSBVWFT2nNcZCVU5tdCWwqhYJiKK6zN3uNmrL2FLiWBCeoCawcAs437uEeT1FL5s", SignalKind::Monero),
            ("49bRTT91jxy7PEkQySd3uTw3Rw9oFaTkV1Bf5tphqJpKYPthA9QBSys9Bdnege6tjhDkZqoxRTtiTjKwNGQwAwmyvyhVuSa", SignalKind::Monero),
            ("MY7zSQERNJF9SUPrTHfmpBaSGxDTKzSccP", SignalKind::Litecoin),
            ("Mt8TY9mcZcrWQ1zCqwyGjAD55JhDWqSrDY", SignalKind::Litecoin),
        ] {
            assert_eq!(classify_address(addr.as_bytes()), Some(kind), "{addr}");
        }
    }

    #[test]
    fn address_boundaries_required() {
        assert!(kinds(&format!("x{BTC}")).is_empty());
        assert!(kinds(&format!("{P2SH}x")).is_empty());
        assert!(kinds(&format!("é{ETH}")).is_empty());
        assert!(kinds(&format!("{ETH}_")).is_empty());
        assert!(kinds(&format!("{ETH}ab")).is_empty());
    }

    #[test]
    fn address_negatives() {
        // A git SHA (40 hex) is not an Ethereum address.
        assert!(kinds("fixed in 80e05ceaf4873a318264b36c0a4ed777b858ea77 yesterday").is_empty());
        // Long ordinary words, all-lowercase 34-char word, CamelCase.
        for w in [
            "Tthisisaverylongwordwithlowercasez",
            "tthisisaverylongwordwithlowercase1",
            "Mississippimississippimississippiz",
            "TheQuickBrownFoxJumpsOverTheLazyDg",
            "Lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod",
            "bc1qwertyuiopasdfghjklzxcvbnmqwertyuiop",
            "antidisestablishmentarianism",
            "1234567890123456789012345678901234",
        ] {
            assert_eq!(classify_address(w.as_bytes()), None, "{w}");
            let found = find_signals(w, &SignalConfig::default());
            assert!(found.iter().all(|s| !s.kind.is_address()), "{w}");
        }
        // Mixed-case bech32 is invalid.
        assert_eq!(
            classify_address(b"bc1qGl5rvrsxp0w7x70hc43qctzgrlslja2zzmlg5q"),
            None
        );
        // Wrong lengths.
        assert_eq!(classify_address(&P2SH.as_bytes()[..33]), None);
        assert_eq!(classify_address(&ETH.as_bytes()[..41]), None);
    }

    #[test]
    fn split_addresses() {
        let text = "addr: bc1q gl5r vrsx p0w7 x70h c43q ctzg rlsl ja2z zmlg 5q thanks";
        let got = kinds(text);
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].0, SignalKind::BtcBech32);
        assert_eq!(
            got[0].1,
            "bc1q gl5r vrsx p0w7 x70h c43q ctzg rlsl ja2z zmlg 5q"
        );

        let text = "eth 0x80e0-5cEA-F487-3a31-8264-b36C-0A4e-d777-b858-EA77.";
        let got = kinds(text);
        assert_eq!(got, vec![(SignalKind::Ethereum, &text[4..text.len() - 1])]);

        let split_xmr: String = XMR
            .as_bytes()
            .chunks(10)
            .map(|c| std::str::from_utf8(c).unwrap())
            .collect::<Vec<_>>()
            .join(" ");
        let text = format!("xmr: {split_xmr} ok");
        let got = kinds(&text);
        assert_eq!(got, vec![(SignalKind::Monero, split_xmr.as_str())]);

        // Mixed separators are not joined; ordinary sentences are not addresses.
        assert!(kinds("0x80e0 5cEA-F487-3a31-8264-b36C-0A4e-d777-b858-EA77")
            .iter()
            .all(|s| !s.0.is_address()));
        assert!(
            kinds("The best way to help them is to give a lot of money now")
                .iter()
                .all(|s| !s.0.is_address())
        );
    }

    #[test]
    fn urls_and_domains() {
        let text =
            "join https://t.example.org/join?x=1, or www.example.com. Also donate.example.net/xyz!";
        let found = find_signals(text, &SignalConfig::default());
        let urls: Vec<_> = found
            .iter()
            .map(|s| (&text[s.span.start..s.span.end], s.domain.as_deref()))
            .collect();
        assert_eq!(
            urls,
            vec![
                ("https://t.example.org/join?x=1", Some("example.org")),
                ("www.example.com", Some("example.com")),
                ("donate.example.net/xyz", Some("example.net")),
            ]
        );
        assert_eq!(
            kinds("see t.me/example_channel now"),
            vec![(SignalKind::Url, "t.me/example_channel")]
        );
        assert_eq!(
            kinds("(https://example.org/a_(b))"),
            vec![(SignalKind::Url, "https://example.org/a_(b)")]
        );
    }

    #[test]
    fn defanged_urls() {
        for (text, url, domain) in [
            (
                "go to example[.]org/give now",
                "example[.]org/give",
                "example.org",
            ),
            (
                "hxxps://example.org/x",
                "hxxps://example.org/x",
                "example.org",
            ),
            (
                "hxxp://donate[.]example[.]net",
                "hxxp://donate[.]example[.]net",
                "example.net",
            ),
            (
                "visit example dot org today",
                "example dot org",
                "example.org",
            ),
            ("visit example(.)com", "example(.)com", "example.com"),
            ("visit example[dot]com", "example[dot]com", "example.com"),
        ] {
            let found = find_signals(text, &SignalConfig::default());
            assert_eq!(found.len(), 1, "{text}");
            assert_eq!(found[0].kind, SignalKind::Url);
            assert_eq!(&text[found[0].span.start..found[0].span.end], url);
            assert_eq!(found[0].domain.as_deref(), Some(domain));
        }
        // Not URLs.
        for text in [
            "e.g. this",
            "i.e. that",
            "the dot com era",
            "U.S.A. is",
            "it costs 2.5ml",
            "ok.so what",
        ] {
            assert!(kinds(text).iter().all(|s| s.0 != SignalKind::Url), "{text}");
        }
    }

    #[test]
    fn domain_extraction() {
        let mut d = String::new();
        for (url, want) in [
            ("https://www.example.org", "example.org"),
            ("HTTP://User@Sub.Example.Co.UK:8080/x", "example.co.uk"),
            ("example.com", "example.com"),
            ("a.b.c.example.net/p", "example.net"),
            ("http://192.168.0.1/x", "192.168.0.1"),
        ] {
            assert!(registrable_domain(url, &mut d));
            assert_eq!(d, want, "{url}");
        }
        assert!(!registrable_domain("https://", &mut d));
        let cfg = SignalConfig {
            keep_domain: false,
            ..SignalConfig::default()
        };
        assert_eq!(find_signals("example.org", &cfg)[0].domain, None);
    }

    #[test]
    fn emails_and_handles() {
        assert_eq!(
            kinds("mail brother.news@example.org or @example_channel."),
            vec![
                (SignalKind::Email, "brother.news@example.org"),
                (SignalKind::Handle, "@example_channel"),
            ]
        );
        assert_eq!(
            kinds("mail x[at]example[.]org"),
            vec![(SignalKind::Email, "x[at]example[.]org")]
        );
        // Leetspeak '@' inside a word is not a handle.
        assert!(kinds("d@nate").is_empty());
        assert!(kinds("@@x").is_empty() || kinds("@@x").iter().all(|s| s.1 != "@x"));
    }

    #[test]
    fn phones() {
        for p in [
            "+1 (555) 123-4567",
            "+44 20 7946 0958",
            "0049-30-1234567",
            "5551234567",
            "555.123.4567",
            "(555) 123 4567",
        ] {
            let text = format!("call {p} now");
            assert_eq!(kinds(&text), vec![(SignalKind::Phone, p)], "{p}");
        }
        for text in [
            "in 2015-2016 it",
            "on 12.05.2019 we",
            "pi is 3.14159265",
            "id 12345678",
            "1 2 3 4 5 6 7 8 9",
        ] {
            assert!(
                kinds(text).iter().all(|s| s.0 != SignalKind::Phone),
                "{text}"
            );
        }
    }

    #[test]
    fn money() {
        for m in [
            "$50",
            "50 USD",
            "€20",
            "£5",
            "0.5 BTC",
            "100 usdt",
            "5k",
            "$1,000.00",
            "20 dollars",
            "50$",
            "$2.5k",
            "US$ 40",
        ] {
            let text = format!("give {m} today");
            assert_eq!(kinds(&text), vec![(SignalKind::Money, m)], "{m}");
        }
        for text in [
            "in 2015 we",
            "covid19",
            "1st place",
            "$end it",
            "5 kids",
            "10km",
        ] {
            assert!(
                kinds(text).iter().all(|s| s.0 != SignalKind::Money),
                "{text}"
            );
        }
    }

    #[test]
    fn non_overlapping_sorted() {
        let text = format!("$50 to {BTC} or https://example.org/{ETH} or +1 555 123 4567 @x");
        let found = find_signals(&text, &SignalConfig::default());
        for w in found.windows(2) {
            assert!(w[0].span.end <= w[1].span.start);
        }
        assert_eq!(found.len(), 5);
    }

    #[test]
    fn disabled() {
        let cfg = SignalConfig {
            enabled: false,
            ..SignalConfig::default()
        };
        assert!(find_signals(&format!("{BTC} $5 example.org"), &cfg).is_empty());
    }

    #[test]
    fn no_panic_on_odd_input() {
        let cfg = SignalConfig::default();
        for t in [
            "",
            "@",
            "$",
            "0x",
            "(((",
            "[.]",
            " dot ",
            "€",
            "1",
            "+",
            "++++1111111111",
            "a[at]b",
            "é@é.com",
            "http://",
            "hxxp://[.]",
        ] {
            let _ = find_signals(t, &cfg);
        }
        let long = "1".repeat(10_000);
        let _ = find_signals(&long, &cfg);
        let long = "ab ".repeat(5_000);
        let _ = find_signals(&long, &cfg);
        let long = "a.".repeat(5_000);
        let _ = find_signals(&long, &cfg);
    }

    #[test]
    fn kind_serde() {
        assert_eq!(
            serde_json::to_string(&SignalKind::BtcBech32).unwrap(),
            r#""btc_bech32""#
        );
        for k in SignalKind::ALL {
            let j = serde_json::to_string(&k).unwrap();
            assert_eq!(serde_json::from_str::<SignalKind>(&j).unwrap(), k);
            assert!(k.token().starts_with('#'));
        }
        let c: SignalConfig = serde_json::from_str("{}").unwrap();
        assert_eq!(c, SignalConfig::default());
    }
}
