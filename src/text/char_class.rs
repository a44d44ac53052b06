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

/// The classes, each defined once by the standard library's answers.
#[derive(Clone, Copy)]
enum Class {
    Alphabetic,
    Alphanumeric,
    LetterOrMark,
    AlphanumericOrMark,
}

impl Class {
    const ALL: [Class; 4] = [
        Class::Alphabetic,
        Class::Alphanumeric,
        Class::LetterOrMark,
        Class::AlphanumericOrMark,
    ];

    /// The definition (what the table holds for the BMP).
    fn of(self, c: char) -> bool {
        match self {
            Class::Alphabetic => c.is_alphabetic(),
            Class::Alphanumeric => c.is_alphanumeric(),
            Class::LetterOrMark => c.is_alphabetic() || is_combining_mark(c),
            Class::AlphanumericOrMark => c.is_alphanumeric() || is_combining_mark(c),
        }
    }

    /// The same for an ASCII character (no combining mark is ASCII).
    #[inline]
    fn of_ascii(self, c: char) -> bool {
        match self {
            Class::Alphabetic | Class::LetterOrMark => c.is_ascii_alphabetic(),
            Class::Alphanumeric | Class::AlphanumericOrMark => c.is_ascii_alphanumeric(),
        }
    }

    /// `self.of(c)`: ASCII answered directly, the BMP from the table, the rest by definition.
    #[inline]
    fn contains(self, c: char) -> bool {
        if c.is_ascii() {
            self.of_ascii(c)
        } else if (c as usize) < BMP {
            let set = &table()[self as usize];
            let c = c as usize;
            (set[c / 64] >> (c % 64)) & 1 == 1
        } else {
            self.of(c)
        }
    }
}

/// One bit per BMP character for each [`Class`], in `Class::ALL` order (one look-up per
/// question).
fn table() -> &'static [Box<[u64; WORDS]>; 4] {
    static TABLE: OnceLock<[Box<[u64; WORDS]>; 4]> = OnceLock::new();
    TABLE.get_or_init(|| {
        Class::ALL.map(|class| {
            let mut set = Box::new([0u64; WORDS]);
            // Surrogates (U+D800..U+DFFF) are not chars; their bits stay 0.
            for c in (0..BMP as u32).filter_map(char::from_u32) {
                if class.of(c) {
                    set[c as usize / 64] |= 1 << (c as usize % 64);
                }
            }
            set
        })
    })
}

/// `c.is_alphabetic()`, faster for non-ASCII characters of the BMP.
#[inline]
pub fn is_alphabetic(c: char) -> bool {
    Class::Alphabetic.contains(c)
}

/// `c.is_alphanumeric()`, faster for non-ASCII characters of the BMP.
#[inline]
pub fn is_alphanumeric(c: char) -> bool {
    Class::Alphanumeric.contains(c)
}

/// Alphabetic or a combining mark (a letter with its accents and vowel signs).
#[inline]
pub fn is_letter_or_mark(c: char) -> bool {
    Class::LetterOrMark.contains(c)
}

/// Alphanumeric or a combining mark.
#[inline]
pub fn is_alphanumeric_or_mark(c: char) -> bool {
    Class::AlphanumericOrMark.contains(c)
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
