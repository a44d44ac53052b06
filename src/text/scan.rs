//! One cheap pass over the bytes of a text that tells the later stages
//! whether they have any work to do.
//!
//! Most posts are short, mostly-ASCII text without obfuscation or signals;
//! for them the analyser can skip NFKC, the leet and spaced-letter passes
//! and most of the signal detectors. Every flag here is a *necessary*
//! condition (false means "certainly nothing to do"), never a sufficient one,
//! so skipping work never changes a result.
//!
//! The pass is branch-free: all the short byte patterns that matter (a leet
//! digit before a letter, `.x`, `x@`, three spaced single letters, ` dot `,
//! …) are matched at once by a shift-and (bitap) automaton whose state is
//! one `u64`, plus a counter for digit runs (phone numbers).

/// A set of bytes, as a predicate usable in `const` tables.
#[derive(Clone, Copy)]
enum Set {
    Byte(u8),
    AnyOf(&'static [u8]),
    Letter,
    Digit,
    Alnum,
    NotAlnum,
    Sep,
    High,
    Ctrl,
    LetterDollarHigh,
    EmailLocalEnd,
}

const fn contains(list: &[u8], b: u8) -> bool {
    let mut i = 0;
    while i < list.len() {
        if list[i] == b {
            return true;
        }
        i += 1;
    }
    false
}

const fn matches_set(set: Set, b: u8) -> bool {
    match set {
        Set::Byte(x) => b == x,
        Set::AnyOf(list) => contains(list, b),
        Set::Letter => b.is_ascii_alphabetic(),
        Set::Digit => b.is_ascii_digit(),
        Set::Alnum => b.is_ascii_alphanumeric(),
        Set::NotAlnum => !b.is_ascii_alphanumeric(),
        Set::Sep => contains(b" .-_", b),
        Set::High => b >= 0x80,
        Set::Ctrl => (b < 0x20 && !contains(b"\t\n\r\x0B\x0C", b)) || b == 0x7F,
        Set::LetterDollarHigh => b.is_ascii_alphabetic() || b == b'$' || b >= 0x80,
        Set::EmailLocalEnd => b.is_ascii_alphanumeric() || contains(b"._-%+)[({", b),
    }
}

// The patterns, in bit order. Each is a sequence of byte sets.
const HIGH: &[Set] = &[Set::High];
const CTRL: &[Set] = &[Set::Ctrl];
const AT: &[Set] = &[Set::Byte(b'@')];
const DOLLAR: &[Set] = &[Set::Byte(b'$')];
/// A leet digit or `$` right before a letter.
const LEET_A: &[Set] = &[Set::AnyOf(b"013457890$"), Set::Letter];
/// `@ ! |` between two letters.
const LEET_SYM: &[Set] = &[Set::Letter, Set::AnyOf(b"@!|"), Set::Letter];
const URL_DOT: &[Set] = &[Set::Byte(b'.'), Set::Letter];
const URL_OPEN: &[Set] = &[Set::AnyOf(b"[({"), Set::AnyOf(b".dD:")];
const URL_COLON: &[Set] = &[Set::Byte(b':'), Set::AnyOf(b"/[")];
const URL_WWW: &[Set] = &[Set::AnyOf(b"wW"), Set::AnyOf(b"wW"), Set::AnyOf(b"wW")];
const URL_SPELLED: &[Set] = &[
    Set::Byte(b' '),
    Set::AnyOf(b"dD"),
    Set::AnyOf(b"oO"),
    Set::AnyOf(b"tT"),
    Set::Byte(b' '),
];
const EMAIL_AT: &[Set] = &[Set::EmailLocalEnd, Set::Byte(b'@')];
const EMAIL_SPELLED: &[Set] = &[Set::AnyOf(b"[({"), Set::AnyOf(b"aA"), Set::AnyOf(b"tT")];
const MONEY_A: &[Set] = &[Set::Digit, Set::LetterDollarHigh];
const MONEY_B: &[Set] = &[Set::Digit, Set::Byte(b' '), Set::LetterDollarHigh];
const MIXED_A: &[Set] = &[Set::Digit, Set::Letter];
const MIXED_B: &[Set] = &[Set::Letter, Set::Digit];
/// Three single letters/digits with separators: ¬A A S A S A ¬A.
const SPACED: &[Set] = &[
    Set::NotAlnum,
    Set::Alnum,
    Set::Sep,
    Set::Alnum,
    Set::Sep,
    Set::Alnum,
    Set::NotAlnum,
];

const PATTERNS: [&[Set]; 18] = [
    HIGH,
    CTRL,
    AT,
    DOLLAR,
    LEET_A,
    LEET_SYM,
    URL_DOT,
    URL_OPEN,
    URL_COLON,
    URL_SPELLED,
    EMAIL_AT,
    EMAIL_SPELLED,
    MONEY_A,
    MONEY_B,
    MIXED_A,
    MIXED_B,
    SPACED,
    URL_WWW,
];

/// First bit of pattern `k`.
const fn first_bit(k: usize) -> u32 {
    let mut bit = 0;
    let mut i = 0;
    while i < k {
        bit += PATTERNS[i].len() as u32;
        i += 1;
    }
    bit
}

/// Last bit of pattern `k` (set in the state when the pattern just matched).
const fn last_bit(k: usize) -> u64 {
    1 << (first_bit(k) + PATTERNS[k].len() as u32 - 1)
}

const PATTERN_BITS: u32 = first_bit(PATTERNS.len());
const STARTS: u64 = {
    let mut m = 0u64;
    let mut k = 0;
    while k < PATTERNS.len() {
        m |= 1 << first_bit(k);
        k += 1;
    }
    m
};
// Flags for the digit-run counter, above the pattern bits.
const DIGIT_BIT: u32 = 62;
const PHONE_BIT: u32 = 63;

const B_HIGH: u64 = last_bit(0);
const B_CTRL: u64 = last_bit(1);
const B_AT: u64 = last_bit(2);
const B_DOLLAR: u64 = last_bit(3);
const B_LEET: u64 = last_bit(4) | last_bit(5);
const B_URL: u64 = last_bit(6) | last_bit(7) | last_bit(8) | last_bit(9) | last_bit(17);
const B_EMAIL: u64 = last_bit(10) | last_bit(11);
const B_MONEY: u64 = last_bit(12) | last_bit(13) | B_DOLLAR | B_HIGH;
const B_MIXED: u64 = last_bit(14) | last_bit(15);
/// A letter right before a digit (`t0`: two-letter leet words end in their digit).
const B_LETTER_DIGIT: u64 = last_bit(15);
const B_SPACED: u64 = last_bit(16);
/// The spaced pattern's last alphanumeric (a match if the text ends there).
const B_SPACED_LAST_A: u64 = last_bit(16) >> 1;
/// The spaced pattern's first position (the virtual byte before the text).
const B_SPACED_START: u64 = 1 << first_bit(16);

const _: () = assert!(PATTERN_BITS + 1 < DIGIT_BIT);

static TABLE: [u64; 256] = build_table();

const fn build_table() -> [u64; 256] {
    let mut t = [0u64; 256];
    let mut b = 0usize;
    while b < 256 {
        let c = b as u8;
        let mut m = 0u64;
        let mut k = 0;
        while k < PATTERNS.len() {
            let mut pos = 0;
            while pos < PATTERNS[k].len() {
                if matches_set(PATTERNS[k][pos], c) {
                    m |= 1 << (first_bit(k) + pos as u32);
                }
                pos += 1;
            }
            k += 1;
        }
        if c.is_ascii_digit() {
            m |= (1 << DIGIT_BIT) | (1 << PHONE_BIT);
        }
        if contains(b" -.()+", c) {
            m |= 1 << PHONE_BIT;
        }
        t[b] = m;
        b += 1;
    }
    t
}

/// What a text may contain, from [`Profile::scan`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Profile {
    /// Some byte is non-ASCII.
    pub(crate) non_ascii: bool,
    /// Some ASCII control character other than whitespace.
    pub(crate) ctrl: bool,
    /// A leet digit or `$` right before an ASCII letter, a letter right before
    /// a digit, or one of `@ ! |` between two letters (or non-ASCII text):
    /// every leet fold needs one.
    pub(crate) leet: bool,
    /// Three single letters or digits in a row, each pair separated by one
    /// separator (or non-ASCII text).
    pub(crate) spaced: bool,
    /// A possible crypto address: a letter next to a digit (every address
    /// shape needs both in one chunk).
    pub(crate) address: bool,
    /// A possible URL: `.x`, `[.`/`(d`, `:/`, `:[`, `www` or ` dot `.
    pub(crate) url: bool,
    /// A possible e-mail: `x@`, `[at`, `(at`, `[@`.
    pub(crate) email: bool,
    /// Some `@`.
    pub(crate) handle: bool,
    /// 8+ digits in a run of digits and phone separators.
    pub(crate) phone: bool,
    /// `$`, non-ASCII (other currency symbols), or a digit followed by a
    /// letter or `$`, directly or after one space.
    pub(crate) money: bool,
}

impl Profile {
    /// A profile that claims everything: disables every shortcut.
    #[cfg(test)]
    pub(crate) const ALL: Profile = Profile {
        non_ascii: true,
        ctrl: true,
        leet: true,
        spaced: true,
        address: true,
        url: true,
        email: true,
        handle: true,
        phone: true,
        money: true,
    };

    /// Scans `text` once.
    pub(crate) fn scan(text: &str) -> Profile {
        // The virtual byte before the text is non-alphanumeric.
        let mut d = B_SPACED_START;
        let mut hits = 0u64;
        let mut phone_digits = 0u32;
        let mut phone_hits = 0u32;
        for &b in text.as_bytes() {
            let e = TABLE[b as usize];
            // Bits above the patterns never get set: no table entry has
            // bits between PATTERN_BITS and DIGIT_BIT, and the digit/phone
            // flags only ever shift out of the top.
            d = ((d << 1) | STARTS) & e;
            hits |= d;
            let keep = 0u32.wrapping_sub((e >> PHONE_BIT) as u32);
            phone_digits = (phone_digits + ((e >> DIGIT_BIT) & 1) as u32) & keep;
            phone_hits |= phone_digits;
        }
        // The virtual byte after the text is non-alphanumeric.
        let spaced = hits & B_SPACED != 0 || d & B_SPACED_LAST_A != 0;
        let non_ascii = hits & B_HIGH != 0;
        Profile {
            non_ascii,
            ctrl: hits & B_CTRL != 0,
            leet: hits & (B_LEET | B_LETTER_DIGIT) != 0 || non_ascii,
            spaced: spaced || non_ascii,
            address: hits & B_MIXED != 0,
            url: hits & B_URL != 0,
            email: hits & B_EMAIL != 0,
            handle: hits & B_AT != 0,
            phone: phone_hits & !7 != 0,
            money: hits & B_MONEY != 0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::signals::{find_raw_profiled, SignalConfig};
    use crate::text::{Analyzer, AnalyzerConfig};

    /// Deterministic pseudo-random strings over characters that matter to
    /// the shortcuts.
    fn random_texts(n: usize) -> Vec<String> {
        let alphabet: Vec<char> = "ab tdoxcTLMsu01234589 $@!|.-_:/[](){},'+%wWkKUSD\n"
            .chars()
            .collect();
        let mut state = 0x1234_5678_9ABC_DEF1u64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        // Fragments that make signals and obfuscations likely.
        let fragments = [
            "bc1q",
            "0x",
            "http://",
            "hxxp[://]",
            "[.]",
            " dot ",
            "www.",
            "1234",
            "5678 ",
            "$",
            "5 usd",
            "@x",
            "a@b.co",
            " d o n ",
            "d0n",
            "T",
            "L",
            "ltc1",
            "zs1",
            "t1",
            "AbCd",
            "qpzr",
            "+1 (",
            ") ",
            "k ",
            ".org/",
            "[at]",
            "m0ner0",
            "$end",
            "b!t",
            "4 ",
        ];
        (0..n)
            .map(|_| {
                let len = (next() % 40) as usize;
                let mut t = String::new();
                for _ in 0..len {
                    let r = next();
                    if r % 3 == 0 {
                        t.push_str(fragments[(r / 3 % fragments.len() as u64) as usize]);
                    } else {
                        t.push(alphabet[(r % alphabet.len() as u64) as usize]);
                    }
                }
                t
            })
            .collect()
    }

    #[test]
    fn signal_shortcuts_never_change_results() {
        let cfg = SignalConfig::default();
        let (mut fast, mut slow) = (Vec::new(), Vec::new());
        let mut extra = vec![
            "send 0x80e05cEAF4873a318264b36C0A4ed777b858EA77 now".to_string(),
            "bc1q gl5r vrsx p0w7 x70h c43q ctzg rlsl ja2z zmlg 5q".to_string(),
            "$5, 5k, 5 usd, hxxp://a[.]b, x[at]y.com, +1 555 123 4567".to_string(),
        ];
        extra.extend(random_texts(20_000));
        for t in &extra {
            find_raw_profiled(t, &cfg, &Profile::scan(t), &mut fast);
            find_raw_profiled(t, &cfg, &Profile::ALL, &mut slow);
            assert_eq!(fast, slow, "{t:?}");
        }
    }

    #[test]
    fn folding_shortcuts_never_change_results() {
        // A trailing non-ASCII word makes the whole text take the general
        // (character) path; the ASCII words must come out the same.
        let a = Analyzer::new(AnalyzerConfig {
            signals: SignalConfig {
                enabled: false,
                keep_domain: false,
            },
            stem: false,
            ..AnalyzerConfig::default()
        })
        .unwrap();
        for t in random_texts(20_000) {
            let fast: Vec<String> = a.tokens(&t).into_iter().map(|t| t.text).collect();
            let mut slow: Vec<String> = a
                .tokens(&format!("{t}\nß"))
                .into_iter()
                .map(|t| t.text)
                .collect();
            assert_eq!(slow.pop().as_deref(), Some("ss"), "{t:?}");
            assert_eq!(fast, slow, "{t:?}");
        }
    }

    #[test]
    fn plain_text_has_nothing() {
        let p = Profile::scan("just a normal sentence, nothing to see here!");
        assert_eq!(p, Profile::default());
    }

    #[test]
    fn flags() {
        assert!(Profile::scan("d0nate").leet);
        assert!(Profile::scan("$end").leet);
        assert!(!Profile::scan("2015 was 50 years").leet);
        assert!(!Profile::scan("wow! 2nd!! 19").leet);
        assert!(Profile::scan("send t0 them").leet);
        assert!(Profile::scan("he|lo").leet);
        assert!(Profile::scan("b!tcoin").leet);
        assert!(!Profile::scan("RT @user: wow!!! |x").leet);
        assert!(Profile::scan("a b c").spaced);
        assert!(!Profile::scan("just a normal day i am").spaced);
        assert!(Profile::scan("day i a m").spaced);
        assert!(!Profile::scan("ab c d").spaced);
        assert!(Profile::scan("d o n").spaced);
        assert!(Profile::scan("x d.o.n.").spaced);
        assert!(Profile::scan("d-o-n").spaced);
        assert!(Profile::scan("d_o_n").spaced);
        assert!(Profile::scan("café").non_ascii);
        assert!(Profile::scan("a\u{7}").ctrl);
        assert!(!Profile::scan("a\tb\r\n").ctrl);
        assert!(Profile::scan("bc1q x").address);
        assert!(!Profile::scan(&"a".repeat(26)).address);
        assert!(Profile::scan("0x").address);
        assert!(!Profile::scan("2015 and 10").address);
        assert!(Profile::scan("see example.org").url);
        assert!(Profile::scan("example[.]org").url);
        assert!(Profile::scan("hxxp://x").url);
        assert!(Profile::scan("example dot org").url);
        assert!(Profile::scan("example DOT org").url);
        assert!(!Profile::scan("end. Next").url);
        assert!(Profile::scan("a@b").email);
        assert!(Profile::scan("a[at]b").email);
        assert!(Profile::scan("a(AT)b").email);
        assert!(Profile::scan("a[@]b").email);
        assert!(!Profile::scan("hi @user").email);
        assert!(Profile::scan("hi @user").handle);
        assert!(Profile::scan("+1 (555) 123-4567").phone);
        assert!(!Profile::scan("1,2,3,4,5,6,7,8,9").phone);
        assert!(Profile::scan("$5").money);
        assert!(Profile::scan("5k").money);
        assert!(Profile::scan("5 usd").money);
        assert!(Profile::scan("5€").money);
        assert!(!Profile::scan("in 2015, we").money);
    }
}
