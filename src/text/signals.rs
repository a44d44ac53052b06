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
//! | TON | `EQ`/`UQ` + 46 base64url (`A–Z a–z 0–9 - _`), the user-friendly form |
//! | Solana | 32–44 base58, no prefix (tried last: any base58 run of that length that is no other kind) |
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
//! concatenation has exactly one of the shapes above, and of which at least
//! one has a letter right next to a digit, are reported as one address
//! spanning all chunks (`bc1q 7k3m 9xq2 …`, `0x12ab-34cd-…`). When
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
//! * Handles `@name` (1–30 of `A-Za-z0-9_`, not preceded by a word character
//!   or `@`, not followed by a word character).
//! * Phones: 8–15 digits with an optional leading `+`, grouped by single
//!   spaces, dashes, dots or parentheses. A bare digit string needs 10+
//!   digits; dates and year pairs (`12.05.2019`, `2015-2016`) are rejected.
//! * Money: a currency symbol before or after a number (`$50`, `€20`, `£5`,
//!   `$1,000.00`, `50$`), a number with a currency code or word (`50 USD`,
//!   `0.5 BTC`, `100 usdt`, `20 dollars`) and `5k`-style amounts.
//!
//! Overlaps are resolved by keeping the leftmost signal, the longest one on
//! ties, then by kind priority (addresses before URLs before e-mails …).
//!
//! # Speed
//!
//! One branch-free pass over the bytes first tells which detectors can match
//! at all (most posts have no URL, address or amount), so typical text costs
//! little more than that pass. Addresses, scheme URLs, handles and money are
//! found by small hand-written scanners; `www.`/bare-domain URLs, e-mails and
//! phones by `regex` patterns compiled once.

use std::sync::LazyLock;

use regex::Regex;
use serde::{Deserialize, Serialize};

use crate::text::char_class;
use crate::text::scan::Profile;
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
    /// Solana address: 32–44 base58 characters, no prefix.
    Solana,
    /// TON address, user-friendly form `EQ…`/`UQ…` (48 base64url characters).
    Ton,
}

impl SignalKind {
    /// Every kind, in declaration order.
    pub const ALL: [SignalKind; 15] = [
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
        SignalKind::Solana,
        SignalKind::Ton,
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
            SignalKind::Solana => "#addr_sol",
            SignalKind::Ton => "#addr_ton",
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
    find_raw_profiled(text, config, &Profile::scan(text), out);
}

/// [`find_raw`] with a precomputed [`Profile`] of `text`.
pub(crate) fn find_raw_profiled(
    text: &str,
    config: &SignalConfig,
    h: &Profile,
    out: &mut Vec<RawSignal>,
) {
    out.clear();
    if !config.enabled || text.is_empty() {
        return;
    }
    if h.address {
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
        .is_some_and(|c| char_class::is_alphanumeric(c) || c == '_')
}

/// Is the character starting at byte `i` a word character?
#[inline]
fn word_char_at(text: &str, i: usize) -> bool {
    text.get(i..)
        .and_then(|s| s.chars().next())
        .is_some_and(|c| char_class::is_alphanumeric(c) || c == '_')
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
    .or_else(|| ton(s).then_some(SignalKind::Ton))
    .or_else(|| {
        ((32..=44).contains(&n) && s.iter().all(|&b| IS_BASE58[b as usize]) && base58_body_ok(s))
            .then_some(SignalKind::Solana)
    })
}

/// A TON address in user-friendly form: `EQ` or `UQ` and 46 base64url characters, with an
/// upper-case letter, a lower-case letter and a digit in the body.
fn ton(s: &[u8]) -> bool {
    s.len() == 48
        && (s.starts_with(b"EQ") || s.starts_with(b"UQ"))
        && s[2..]
            .iter()
            .all(|&b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        && s[2..].iter().any(u8::is_ascii_uppercase)
        && s[2..].iter().any(u8::is_ascii_lowercase)
        && s[2..].iter().any(u8::is_ascii_digit)
}

/// Bytes an address can start with.
/// Every base58 character can start a Solana address; `0` and `l` start `0x` and `ltc1`.
static ADDR_START: [bool; 256] =
    byte_set(b"0123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz");
static ASCII_ALNUM: [bool; 256] = {
    let mut t = [false; 256];
    let mut i = 0;
    while i < 256 {
        t[i] = (i as u8).is_ascii_alphanumeric();
        i += 1;
    }
    t
};

const fn byte_set(bytes: &[u8]) -> [bool; 256] {
    let mut t = [false; 256];
    let mut i = 0;
    while i < bytes.len() {
        t[bytes[i] as usize] = true;
        i += 1;
    }
    t
}

/// The first `s >= from` where an ASCII alphanumeric run starts with a byte
/// an address can start with.
#[inline]
fn next_address_start(b: &[u8], from: usize) -> Option<usize> {
    if from == 0 {
        if b.first().is_some_and(|&c| ADDR_START[c as usize]) {
            return Some(0);
        }
        return next_address_start(b, 1);
    }
    if from >= b.len() {
        return None;
    }
    b[from - 1..]
        .windows(2)
        .position(|w| !ASCII_ALNUM[w[0] as usize] & ADDR_START[w[1] as usize])
        .map(|o| from + o)
}

fn find_addresses(text: &str, out: &mut Vec<RawSignal>) {
    let bytes = text.as_bytes();
    let n = bytes.len();
    let mut from = 0;
    while let Some(start) = next_address_start(bytes, from) {
        from = start + 1;
        if !prefix_possible(&bytes[start..]) {
            continue;
        }
        let mut end = start + 1;
        // TON addresses may hold `-` and `_`.
        let ton_like = matches!(bytes.get(start..start + 2), Some(b"EQ" | b"UQ"));
        while end < n
            && (ASCII_ALNUM[bytes[end] as usize] || ton_like && matches!(bytes[end], b'-' | b'_'))
        {
            end += 1;
        }
        let len = end - start;
        let single = (26..=MAX_ADDR).contains(&len);
        let split = !single && len >= 2 && end + 1 < n && matches!(bytes[end], b' ' | b'-' | b'.');
        if !(single || split) || word_char_before(text, start) || word_char_at(text, end) {
            continue;
        }
        if single {
            if let Some(kind) = classify_address(&bytes[start..end]) {
                out.push(RawSignal { kind, start, end });
                from = end;
            }
            continue;
        }
        if let Some((kind, split_end)) = split_address(text, start, end) {
            out.push(RawSignal {
                kind,
                start,
                end: split_end,
            });
            from = split_end;
        }
    }
}

/// Cheap check of the first bytes against the address prefixes
/// (`bc1`, `ltc1`, `t1`/`t3`, `zs1`, `0x`; others need the full shape).
#[inline]
fn prefix_possible(s: &[u8]) -> bool {
    let at = |i: usize| s.get(i).copied().unwrap_or(0);
    match s[0] {
        b'b' | b'B' => at(1) | 0x20 == b'c' && at(2) == b'1',
        b'l' => at(1) | 0x20 == b't' && at(2) | 0x20 == b'c' && at(3) == b'1',
        b't' => matches!(at(1), b'1' | b'3'),
        b'z' | b'Z' => at(1) | 0x20 == b's' && at(2) == b'1',
        b'0' => at(1) == b'x',
        _ => true,
    }
}

/// Could an address of `len` bytes start with `s` (its first bytes)?
#[inline]
fn length_possible(s: &[u8], len: usize) -> bool {
    match s[0] {
        b'0' => len == 42,
        b'1' => (26..=34).contains(&len),
        b'3' | b'T' | b'M' => len == 34,
        b'4' | b'8' => len == 95 || len == 106,
        b't' => len == 35,
        b'b' | b'B' => (28..=90).contains(&len),
        b'z' | b'Z' => len == 78,
        b'l' | b'L' => (29..=90).contains(&len) || (s[0] == b'L' && len == 34),
        _ => false,
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
    let max_len = max_split_len(&bytes[start..first_end])?;
    let first_len = first_end - start;
    if first_len > max_len {
        return None;
    }
    // Every accepted shape has a letter next to a digit somewhere in one
    // chunk (the analyser's byte scan relies on this to skip the search).
    let mixed = |c: &[u8]| {
        c.windows(2).any(|w| {
            (w[0].is_ascii_digit() && w[1].is_ascii_alphabetic())
                || (w[0].is_ascii_alphabetic() && w[1].is_ascii_digit())
        })
    };
    let mut buf = [0u8; MAX_ADDR];
    buf[..first_len].copy_from_slice(&bytes[start..first_end]);
    let mut len = first_len;
    // Start offsets of the chunks in `buf` (at most MAX_ADDR / 2 chunks fit).
    let mut chunk_starts = [0u8; MAX_ADDR / 2 + 1];
    let mut n_chunks = 1usize;
    // Several prefixes may match (bech32 and short legacy addresses have
    // variable length, and a following word can look like one more chunk):
    // prefer standard lengths, then evenly sized chunks (all chunks after
    // the first equal, the last one no longer), then the longest.
    let mut best: Option<(u8, SignalKind, usize)> = None;
    let mut mid = 0usize; // length of the first appended chunk
    let mut middles_equal = true; // appended chunks before the current one all have length `mid`
    let mut pos = first_end;
    while pos < n && bytes[pos] == sep && n_chunks < chunk_starts.len() {
        let cs = pos + 1;
        let mut ce = cs;
        while ce < n && bytes[ce].is_ascii_alphanumeric() {
            ce += 1;
        }
        let cl = ce - cs;
        if cl < 2 || word_char_at(text, ce) || len + cl > max_len {
            break;
        }
        chunk_starts[n_chunks] = len as u8;
        n_chunks += 1;
        buf[len..len + cl].copy_from_slice(&bytes[cs..ce]);
        len += cl;
        if n_chunks == 2 {
            mid = cl;
        }
        if length_possible(&buf, len) {
            let any_mixed = (0..n_chunks).any(|k| {
                let a = usize::from(chunk_starts[k]);
                let b = if k + 1 < n_chunks {
                    usize::from(chunk_starts[k + 1])
                } else {
                    len
                };
                mixed(&buf[a..b])
            });
            if let Some(kind) = any_mixed.then(|| classify_address(&buf[..len])).flatten() {
                let uniform = middles_equal && cl <= mid.max(first_len);
                let score = 2 * u8::from(standard_length(kind, &buf[..len])) + u8::from(uniform);
                if best.is_none_or(|(s, _, _)| score >= s) {
                    best = Some((score, kind, ce));
                }
            }
        }
        if n_chunks > 2 && cl != mid {
            middles_equal = false;
        }
        pos = ce;
    }
    best.map(|(_, kind, e)| (kind, e))
}

/// The longest address a first chunk can start, or `None` if it starts none.
fn max_split_len(first: &[u8]) -> Option<usize> {
    let ci = |p: &[u8]| first.len() >= p.len() && first[..p.len()].eq_ignore_ascii_case(p);
    Some(match first[0] {
        b'0' if ci(b"0x") => 42,
        b'1' | b'3' | b'T' | b'M' => 34,
        b'4' | b'8' => MAX_ADDR,
        b'l' | b'L' if ci(b"ltc1") => 90,
        b'L' => 34,
        b't' if ci(b"t1") || ci(b"t3") => 35,
        b'b' | b'B' if ci(b"bc1") => 90,
        b'z' | b'Z' if ci(b"zs1") => 78,
        _ => return None,
    })
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

/// URLs starting with a (possibly defanged) `www.`.
static WWW_URL_RE: LazyLock<Regex> = LazyLock::new(|| {
    let pattern = format!(r"(?-u:\b)(?i:www){DOT}{URL_TAIL}[A-Za-z0-9/]{URL_TAIL}");
    Regex::new(&pattern).expect("valid URL regex")
});

/// Bare (possibly defanged) domains with a common TLD, with an optional path.
static BARE_URL_RE: LazyLock<Regex> = LazyLock::new(|| {
    let pattern = format!(r"(?-u:\b)(?:{LABEL}{DOT})+(?i:{TLDS})(?-u:\b)(?:[/?#]{URL_TAIL})?");
    Regex::new(&pattern).expect("valid URL regex")
});

static EMAIL_RE: LazyLock<Regex> = LazyLock::new(|| {
    let pattern = format!(
        r"(?-u:\b)[A-Za-z0-9._%+\-]+(?:@|\[at\]|\(at\)|\[@\])(?:{LABEL}{DOT})+[A-Za-z]{{2,24}}(?-u:\b)"
    );
    Regex::new(&pattern).expect("valid e-mail regex")
});

fn find_urls(text: &str, out: &mut Vec<RawSignal>) {
    let first = out.len();
    find_scheme_urls(text, out);
    if contains_ci(text.as_bytes(), b"www") {
        let found = out.len();
        for m in WWW_URL_RE.find_iter(text) {
            let inside = out[first..found]
                .iter()
                .any(|u| m.start() < u.end && u.start < m.end());
            if !inside {
                push_url(text, m.start(), m.as_str(), out);
            }
        }
    }
    let found = out.len();
    // Bare domains: only if a dot-like hint remains outside the URLs above.
    if !bare_domain_hint(text, &out[first..found]) {
        return;
    }
    for m in BARE_URL_RE.find_iter(text) {
        let inside = out[first..found]
            .iter()
            .any(|u| m.start() < u.end && u.start < m.end());
        if !inside {
            push_url(text, m.start(), m.as_str(), out);
        }
    }
}

/// Does `hay` contain `needle` (lower-case ASCII letters), ignoring case?
fn contains_ci(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len())
        .any(|w| w.iter().zip(needle).all(|(&a, &b)| a | 0x20 == b))
}

/// Accepted URL schemes, lower-case, as written (defanged forms included).
const SCHEMES: [&[u8]; 11] = [
    b"http", b"https", b"hxxp", b"hxxps", b"h[tt]p", b"h[tt]ps", b"h[xx]p", b"h[xx]ps", b"ftp",
    b"hxxp[s]", b"http[s]",
];

/// `scheme://rest`, also with the defanged separators `[://]`, `[:]//` and
/// `:[//]`. The URL runs to the next whitespace, `<`, `>`, quote or backtick.
fn find_scheme_urls(text: &str, out: &mut Vec<RawSignal>) {
    let b = text.as_bytes();
    let n = b.len();
    let mut from = 0;
    while let Some(off) = b[from..].iter().position(|&c| c == b':') {
        let colon = from + off;
        from = colon + 1;
        let rest = &b[colon..];
        let bracket_before = colon > 0 && b[colon - 1] == b'[';
        let (sep_start, sep_end) =
            if bracket_before && (rest.starts_with(b"://]") || rest.starts_with(b":]//")) {
                (colon - 1, colon + 4)
            } else if rest.starts_with(b"://") {
                (colon, colon + 3)
            } else if rest.starts_with(b":[//]") {
                (colon, colon + 5)
            } else {
                continue;
            };
        let mut start = sep_start;
        while start > 0
            && sep_start - start < 8
            && (b[start - 1].is_ascii_alphabetic() || matches!(b[start - 1], b'[' | b']'))
        {
            start -= 1;
        }
        // The scheme is a suffix of the letters before the separator that
        // starts at a word boundary.
        let Some(s) = (start..sep_start).find(|&s| {
            SCHEMES
                .iter()
                .any(|sch| sch.eq_ignore_ascii_case(&b[s..sep_start]))
                && !word_char_before(text, s)
        }) else {
            continue;
        };
        let mut e = sep_end;
        while e < n {
            let c = b[e];
            if c < 0x80 {
                if c.is_ascii_whitespace()
                    || matches!(c, b'<' | b'>' | b'"' | b'\'' | b'`')
                    || c < 0x20
                {
                    break;
                }
                e += 1;
            } else {
                match text[e..].chars().next() {
                    Some(ch) if !ch.is_whitespace() => e += ch.len_utf8(),
                    _ => break,
                }
            }
        }
        if e == sep_end {
            continue;
        }
        push_url(text, s, &text[s..e], out);
        from = e;
    }
}

/// `.x`, `[.`, `(.`, `{.`, `[d`, `(d`, `{d` or ` dot ` outside `urls`.
fn bare_domain_hint(text: &str, urls: &[RawSignal]) -> bool {
    let b = text.as_bytes();
    let outside = |i: usize| !urls.iter().any(|u| u.start <= i && i < u.end);
    let mut from = 0;
    while let Some(off) = b[from..]
        .iter()
        .position(|&c| matches!(c, b'.' | b'[' | b'(' | b'{' | b' '))
    {
        let i = from + off;
        from = i + 1;
        let next = b.get(i + 1).copied().unwrap_or(0);
        let hit = match b[i] {
            b'.' => next.is_ascii_alphabetic(),
            b' ' => {
                next | 0x20 == b'd'
                    && b.len() - i >= 5
                    && b[i + 2..i + 5].eq_ignore_ascii_case(b"ot ")
            }
            _ => matches!(next, b'.' | b'd' | b'D'),
        };
        if hit && outside(i) {
            return true;
        }
    }
    false
}

/// Trims trailing punctuation from a URL match and records it.
fn push_url(text: &str, start: usize, s: &str, out: &mut Vec<RawSignal>) {
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
        return;
    }
    out.push(RawSignal {
        kind: SignalKind::Url,
        start,
        end,
    });
}

fn count(bytes: &[u8], b: u8) -> usize {
    bytes.iter().filter(|&&x| x == b).count()
}

/// Rejects "the dot com"-style matches of the spelled-out defang.
fn url_plausible(url: &str) -> bool {
    let lower_dot = url
        .as_bytes()
        .windows(5)
        .position(|w| w[0] == b' ' && w[4] == b' ' && w[1..4].eq_ignore_ascii_case(b"dot"));
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

#[inline]
fn is_handle_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// `@` + 1–30 of `A-Za-z0-9_`, not preceded by a word character or `@`,
/// not followed by a word character.
fn find_handles(text: &str, out: &mut Vec<RawSignal>) {
    let b = text.as_bytes();
    let mut from = 0;
    while let Some(off) = b[from..].iter().position(|&c| c == b'@') {
        let at = from + off;
        from = at + 1;
        let mut e = at + 1;
        while e < b.len() && e - at <= 30 && is_handle_byte(b[e]) {
            e += 1;
        }
        if e == at + 1
            || word_char_before(text, at)
            || (at > 0 && b[at - 1] == b'@')
            || word_char_at(text, e)
        {
            continue;
        }
        out.push(RawSignal {
            kind: SignalKind::Handle,
            start: at,
            end: e,
        });
        from = e;
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

/// Currency codes and words after a number (lower case).
const CURRENCY_WORDS: [&str; 39] = [
    "usd", "usdt", "usdc", "eur", "euro", "euros", "gbp", "pound", "pounds", "dollar", "dollars",
    "bucks", "btc", "bitcoin", "bitcoins", "eth", "ether", "xmr", "monero", "ltc", "litecoin",
    "trx", "tron", "zec", "bnb", "doge", "sat", "sats", "satoshi", "satoshis", "inr", "rupee",
    "rupees", "riyal", "riyals", "sar", "aed", "dinar", "lira",
];
/// Multipliers after a number (lower case).
const MULTIPLIERS: [&str; 6] = ["k", "m", "bn", "million", "billion", "thousand"];

#[inline]
fn is_ascii_word(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// `\d{1,3}(,\d{3})+(\.\d+)?` or `\d+(\.\d+)?` at `i`; returns the end.
fn parse_number(b: &[u8], i: usize) -> Option<usize> {
    let digits = |mut j: usize| {
        while j < b.len() && b[j].is_ascii_digit() {
            j += 1;
        }
        j
    };
    let e = digits(i);
    if e == i {
        return None;
    }
    let fraction = |j: usize| {
        if b.get(j) == Some(&b'.') && b.get(j + 1).is_some_and(u8::is_ascii_digit) {
            digits(j + 1)
        } else {
            j
        }
    };
    // Thousands separators: 1-3 digits then groups of exactly three.
    if e - i <= 3 {
        let mut j = e;
        let mut groups = 0;
        while b.get(j) == Some(&b',')
            && b.len() >= j + 4
            && b[j + 1..j + 4].iter().all(u8::is_ascii_digit)
        {
            j += 4;
            groups += 1;
        }
        // A group must not run on into more digits ("1,0000").
        while groups > 0 && b.get(j).is_some_and(u8::is_ascii_digit) {
            j -= 4;
            groups -= 1;
        }
        if groups > 0 {
            return Some(fraction(j));
        }
    }
    Some(fraction(e))
}

/// An ASCII word at `i` (letters only) that is in `list` and ends at a word
/// boundary; returns its end.
fn parse_word(b: &[u8], i: usize, list: &[&str]) -> Option<usize> {
    let mut e = i;
    while e < b.len() && b[e].is_ascii_alphabetic() && e - i < 10 {
        e += 1;
    }
    if e == i || b.get(e).is_some_and(|&c| is_ascii_word(c)) {
        return None;
    }
    let w = &b[i..e];
    list.iter()
        .any(|x| x.as_bytes().eq_ignore_ascii_case(w))
        .then_some(e)
}

/// An optional single space at `i`.
#[inline]
fn opt_space(b: &[u8], i: usize) -> usize {
    if b.get(i) == Some(&b' ') {
        i + 1
    } else {
        i
    }
}

/// A currency symbol at `i`; returns its end.
fn parse_symbol(text: &str, i: usize) -> Option<usize> {
    match text.get(i..)?.chars().next()? {
        c @ ('$' | '€' | '£' | '¥' | '₹' | '₽') => Some(i + c.len_utf8()),
        _ => None,
    }
}

/// The amount starting with a number at `i`: `50 USD`, `5 million dollars`,
/// `20$`, `5k`.
fn parse_number_amount(text: &str, i: usize) -> Option<usize> {
    let b = text.as_bytes();
    let num = parse_number(b, i)?;
    // Optional multiplier (then a code or symbol is still required).
    let after_mult = parse_word(b, opt_space(b, num), &MULTIPLIERS).unwrap_or(num);
    let j = opt_space(b, after_mult);
    if let Some(e) = parse_word(b, j, &CURRENCY_WORDS) {
        return Some(e);
    }
    if let Some(e) = parse_symbol(text, j).filter(|_| matches!(b[j], b'$' | 0xE2 | 0xC2)) {
        // Postfix symbols: $ € £ only.
        if text[j..e].starts_with(['$', '€', '£']) {
            return Some(e);
        }
    }
    // "5k" (no space).
    if matches!(b.get(num), Some(b'k' | b'K')) && !b.get(num + 1).is_some_and(|&c| is_ascii_word(c))
    {
        return Some(num + 1);
    }
    None
}

/// The amount starting with a currency symbol at `i`: `$50`, `€ 20`, `$2.5k`.
fn parse_symbol_amount(text: &str, i: usize) -> Option<usize> {
    let b = text.as_bytes();
    let sym = parse_symbol(text, i)?;
    let num = parse_number(b, opt_space(b, sym))?;
    Some(parse_word(b, opt_space(b, num), &MULTIPLIERS).unwrap_or(num))
}

/// Bytes a money amount can start with: digits, `$`, and the lead bytes of
/// `£ ¥` (C2) and `€ ₹ ₽` (E2).
static MONEY_START: [bool; 256] = byte_set(b"0123456789$\xC2\xE2");

fn find_money(text: &str, out: &mut Vec<RawSignal>) {
    let b = text.as_bytes();
    let mut i = 0;
    while let Some(off) = b[i..].iter().position(|&c| MONEY_START[c as usize]) {
        i += off;
        let c = b[i];
        let found = if !c.is_ascii_digit() {
            parse_symbol_amount(text, i).map(|e| {
                // Include a US/CA/AU prefix.
                let p = i.saturating_sub(2);
                let start = if i >= 2
                    && matches!(&b[p..i], b"US" | b"CA" | b"AU")
                    && !word_char_before(text, p)
                {
                    p
                } else {
                    i
                };
                (start, e)
            })
        } else if (i == 0 || !(b[i - 1].is_ascii_digit() || matches!(b[i - 1], b'.' | b',')))
            && !word_char_before(text, i)
        {
            parse_number_amount(text, i).map(|e| (i, e))
        } else {
            None
        };
        match found {
            // The amount must not run into a word ("$50abc"), unless it ends
            // with a symbol ("50$").
            Some((start, end))
                if !word_char_at(text, end)
                    || text[start..end]
                        .chars()
                        .next_back()
                        .is_some_and(|c| !char_class::is_alphanumeric(c)) =>
            {
                out.push(RawSignal {
                    kind: SignalKind::Money,
                    start,
                    end,
                });
                i = end;
            }
            _ => {
                // Skip this byte and the rest of its number.
                i += 1;
                while i < b.len() && b[i].is_ascii_digit() {
                    i += 1;
                }
            }
        }
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
    pub(crate) const SOL: &str = "7xKXtg2CW87d97TXJSDpbD5jBkheTqA83TZRuJosgAsU";
    pub(crate) const TON: &str = "EQD4FPq-PRDieyQKkizFTRtSDyucUIqrj0v_zXJmqaDp6_0t";
    pub(crate) const TON_UQ: &str = "UQBvW8Z5huBkMJYdnfAEM5JqTNkuWX3diqYENkWsIL0XggGG";

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
            (SOL, SignalKind::Solana),
            (TON, SignalKind::Ton),
            (TON_UQ, SignalKind::Ton),
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
        // Glued to a letter, a Bitcoin address is no longer one (the run may still have
        // Solana's shape, which has no prefix).
        let btc = |t: &str| {
            kinds(t)
                .iter()
                .any(|(k, _)| matches!(k, SignalKind::BtcLegacy | SignalKind::BtcP2sh))
        };
        assert!(!btc(&format!("x{BTC}")));
        assert!(!btc(&format!("{P2SH}x")));
        assert!(kinds(&format!("xx{BTC}{BTC}")).is_empty());
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
            // Solana needs mixed case and a digit, base58 only (no 0 O I l).
            "abcdefghijkmnopqrstuvwxyzabcdefghijk",
            "ABCDEFGHJKLMNPQRSTUVWXYZ123456789ABC",
            "7xKXtg2CW87d97TXJSDpbD5jBkheTqA83TZRuJ0sgAsU",
            // TON needs the EQ/UQ prefix and 48 characters.
            "EQD4FPq-PRDieyQKkizFTRtSDyucUIqrj0v_zXJmqaDp6_0",
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
        // Wrong lengths. (A 33-character base58 run is still Solana-shaped.)
        assert_ne!(
            classify_address(&P2SH.as_bytes()[..33]),
            Some(SignalKind::BtcP2sh)
        );
        assert_eq!(classify_address(&TRX.as_bytes()[..30]), None);
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
                "h[tt]ps[://]example.org/x",
                "h[tt]ps[://]example.org/x",
                "example.org",
            ),
            (
                "HXXP:[//]example.org",
                "HXXP:[//]example.org",
                "example.org",
            ),
            (
                "(see http://t.example.org/a)",
                "http://t.example.org/a",
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
            "xhttp://",
            "http:// x",
            "note: //",
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
            "5 million dollars",
            "1,000,000 usd",
            "¥300",
            "₹ 500",
            "10K",
            "3.5 xmr",
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
            "$50abc",
            "5 k",
            "1,0000 usd x",
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
