//! Byte spans into the original input text.

use std::ops::Range;

use serde::{Deserialize, Serialize};

/// A half-open byte range `start..end` into the **original** input text.
///
/// Every span produced by this module lies on `char` boundaries and satisfies
/// `start <= end <= text.len()`, so `&text[span.start..span.end]` never panics.
///
/// ```
/// use redflag::text::Span;
///
/// let text = "send btc";
/// let span = Span::new(5, 8);
/// assert_eq!(span.slice(text), Some("btc"));
/// assert_eq!(span.len(), 3);
/// ```
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
)]
pub struct Span {
    /// First byte of the range.
    pub start: usize,
    /// One past the last byte of the range.
    pub end: usize,
}

impl Span {
    /// Creates a span from `start` to `end` (byte offsets).
    #[inline]
    pub const fn new(start: usize, end: usize) -> Self {
        Span { start, end }
    }

    /// Length in bytes.
    #[inline]
    pub const fn len(&self) -> usize {
        self.end.saturating_sub(self.start)
    }

    /// `true` when the span covers no byte.
    #[inline]
    pub const fn is_empty(&self) -> bool {
        self.end <= self.start
    }

    /// The smallest span covering both `self` and `other`.
    #[inline]
    pub fn cover(self, other: Span) -> Span {
        Span::new(self.start.min(other.start), self.end.max(other.end))
    }

    /// The slice of `text` this span covers, or `None` if it is out of range
    /// or not on `char` boundaries.
    #[inline]
    pub fn slice<'a>(&self, text: &'a str) -> Option<&'a str> {
        text.get(self.start..self.end)
    }
}

impl From<Range<usize>> for Span {
    #[inline]
    fn from(r: Range<usize>) -> Self {
        Span::new(r.start, r.end)
    }
}

impl From<Span> for Range<usize> {
    #[inline]
    fn from(s: Span) -> Self {
        s.start..s.end
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basics() {
        let s = Span::new(2, 5);
        assert_eq!(s.len(), 3);
        assert!(!s.is_empty());
        assert!(Span::new(4, 4).is_empty());
        assert_eq!(s.cover(Span::new(4, 9)), Span::new(2, 9));
        assert_eq!(Range::from(s), 2..5);
        assert_eq!(Span::from(1..2), Span::new(1, 2));
        assert_eq!(Span::new(0, 10).slice("abc"), None);
        assert_eq!(Span::new(0, 1).slice("é"), None);
    }

    #[test]
    fn serde_round_trip() {
        let s = Span::new(3, 7);
        let json = serde_json::to_string(&s).unwrap();
        assert_eq!(json, r#"{"start":3,"end":7}"#);
        assert_eq!(serde_json::from_str::<Span>(&json).unwrap(), s);
    }
}
