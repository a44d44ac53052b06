//! Character classes the analyser asks about for every character: alphabetic, alphanumeric,
//! and either with combining marks (a letter or digit with its accents and vowel signs).
//!
//! `char::is_alphabetic` answers non-ASCII characters by a binary search of Unicode's range
//! tables, and the profile of scoring multilingual text put that search at about 7% of the
//! time. Here the Basic Multilingual Plane (every character of the languages redflag models)
//! is answered from bitsets built once per process from the standard library's own answers,
//! on the first non-ASCII character asked about, so the answers are the standard library's
//! by construction; ASCII never touches the table, and characters above the BMP go to the
//! standard library.

use std::sync::OnceLock;

use unicode_normalization::char::is_combining_mark;

const BMP: usize = 0x1_0000;
const WORDS: usize = BMP / 64;

/// One bit per BMP character, for each class (one look-up per question).
struct Table {
    alphabetic: Box<[u64; WORDS]>,
    alphanumeric: Box<[u64; WORDS]>,
    letter_or_mark: Box<[u64; WORDS]>,
    alphanumeric_or_mark: Box<[u64; WORDS]>,
}

fn table() -> &'static Table {
    static TABLE: OnceLock<Table> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut t = Table {
            alphabetic: Box::new([0; WORDS]),
            alphanumeric: Box::new([0; WORDS]),
            letter_or_mark: Box::new([0; WORDS]),
            alphanumeric_or_mark: Box::new([0; WORDS]),
        };
        // Surrogates (U+D800..U+DFFF) are not chars; their bits stay 0.
        for c in (0..BMP as u32).filter_map(char::from_u32) {
            let (w, bit) = (c as usize / 64, 1u64 << (c as usize % 64));
            if c.is_alphabetic() {
                t.alphabetic[w] |= bit;
            }
            if c.is_alphanumeric() {
                t.alphanumeric[w] |= bit;
            }
            if c.is_alphabetic() || is_combining_mark(c) {
                t.letter_or_mark[w] |= bit;
            }
            if c.is_alphanumeric() || is_combining_mark(c) {
                t.alphanumeric_or_mark[w] |= bit;
            }
        }
        t
    })
}

#[inline]
fn bit(set: &[u64; WORDS], c: char) -> bool {
    let c = c as usize;
    (set[c / 64] >> (c % 64)) & 1 == 1
}

/// `c.is_alphabetic()`, faster for non-ASCII characters of the BMP.
#[inline]
pub fn is_alphabetic(c: char) -> bool {
    if c.is_ascii() {
        c.is_ascii_alphabetic()
    } else if (c as usize) < BMP {
        bit(&table().alphabetic, c)
    } else {
        c.is_alphabetic()
    }
}

/// `c.is_alphanumeric()`, faster for non-ASCII characters of the BMP.
#[inline]
pub fn is_alphanumeric(c: char) -> bool {
    if c.is_ascii() {
        c.is_ascii_alphanumeric()
    } else if (c as usize) < BMP {
        bit(&table().alphanumeric, c)
    } else {
        c.is_alphanumeric()
    }
}

/// Alphabetic or a combining mark (a letter with its accents and vowel signs).
#[inline]
pub fn is_letter_or_mark(c: char) -> bool {
    if c.is_ascii() {
        c.is_ascii_alphabetic()
    } else if (c as usize) < BMP {
        bit(&table().letter_or_mark, c)
    } else {
        c.is_alphabetic() || is_combining_mark(c)
    }
}

/// Alphanumeric or a combining mark.
#[inline]
pub fn is_alphanumeric_or_mark(c: char) -> bool {
    if c.is_ascii() {
        c.is_ascii_alphanumeric()
    } else if (c as usize) < BMP {
        bit(&table().alphanumeric_or_mark, c)
    } else {
        c.is_alphanumeric() || is_combining_mark(c)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every character, the BMP's and beyond, gets the standard library's answer.
    #[test]
    fn the_table_agrees_with_the_standard_library_on_every_char() {
        for c in (0..=char::MAX as u32).filter_map(char::from_u32) {
            assert_eq!(is_alphabetic(c), c.is_alphabetic(), "{c:?}");
            assert_eq!(is_alphanumeric(c), c.is_alphanumeric(), "{c:?}");
            let mark = is_combining_mark(c);
            assert_eq!(is_letter_or_mark(c), c.is_alphabetic() || mark, "{c:?}");
            assert_eq!(
                is_alphanumeric_or_mark(c),
                c.is_alphanumeric() || mark,
                "{c:?}"
            );
        }
    }

    #[test]
    fn scripts_of_the_domain() {
        for c in [
            'a', 'Z', 'ж', 'Ё', 'ب', 'ی', 'ک', 'ڭ', 'অ', 'ğ', 'ş', 'ў', 'ҷ',
        ] {
            assert!(
                is_alphabetic(c) && is_alphanumeric(c) && is_letter_or_mark(c),
                "{c:?}"
            );
        }
        for c in ['٣', '۴', '৩', '7'] {
            assert!(!is_alphabetic(c) && is_alphanumeric(c), "{c:?}");
        }
        // A combining mark (fatha, a Bengali vowel sign, an acute accent).
        for c in ['\u{64E}', '\u{9BE}', '\u{301}'] {
            assert!(is_letter_or_mark(c) && is_alphanumeric_or_mark(c), "{c:?}");
        }
        for c in [' ', '!', '،', '؟', '🏴', '\u{200D}'] {
            assert!(
                !is_alphanumeric_or_mark(c) && !is_letter_or_mark(c),
                "{c:?}"
            );
        }
    }
}
