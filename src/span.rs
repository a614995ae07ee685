//! Byte spans into a source file, and [`Spanned`] values that carry one.
//!
//! Every value the parser produces keeps the span it came from, so later stages can point at it.

use std::fmt;
use std::ops::{Deref, DerefMut, Range};

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A half-open byte range `start..end` in a source file.
///
/// A span that did not come from a parse (a value built in code, or read from API JSON) is
/// [`Span::NONE`] (`0..0`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Span {
    /// Offset of the first byte.
    pub start: usize,
    /// Offset one past the last byte.
    pub end: usize,
}

impl Span {
    /// The empty span of values that have no source.
    pub const NONE: Span = Span { start: 0, end: 0 };

    /// A span from `start` to `end`.
    pub const fn new(start: usize, end: usize) -> Span {
        Span { start, end }
    }

    /// The number of bytes the span covers.
    pub const fn len(self) -> usize {
        self.end - self.start
    }

    /// Whether the span covers no byte.
    pub const fn is_empty(self) -> bool {
        self.start == self.end
    }

    /// The smallest span that covers both `self` and `other`.
    pub fn to(self, other: Span) -> Span {
        Span::new(self.start.min(other.start), self.end.max(other.end))
    }
}

impl From<Range<usize>> for Span {
    fn from(range: Range<usize>) -> Span {
        Span::new(range.start, range.end)
    }
}

impl From<Span> for Range<usize> {
    fn from(span: Span) -> Range<usize> {
        span.start..span.end
    }
}

impl From<Span> for miette::SourceSpan {
    fn from(span: Span) -> miette::SourceSpan {
        (span.start, span.len()).into()
    }
}

/// A value together with the span of source it was read from.
///
/// Equality, ordering and hashing look at the value only, so two jobs parsed from differently
/// formatted files compare equal. Serialization is transparent: a `Spanned<T>` serializes as
/// its `T`, and deserializes with [`Span::NONE`].
#[derive(Clone, Copy, Default)]
pub struct Spanned<T> {
    /// The value. (Named `inner` so it never hides a field of `T` reached through `Deref`.)
    pub inner: T,
    /// Where the value was written.
    pub span: Span,
}

impl<T> Spanned<T> {
    /// Wraps `value` with `span`.
    pub const fn new(inner: T, span: Span) -> Spanned<T> {
        Spanned { inner, span }
    }

    /// Wraps `value` with no span, for values built in code.
    pub fn bare(value: T) -> Spanned<T> {
        Spanned::new(value, Span::NONE)
    }

    /// Unwraps the value.
    pub fn into_inner(self) -> T {
        self.inner
    }

    /// Applies `f` to the value, keeping the span.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Spanned<U> {
        Spanned::new(f(self.inner), self.span)
    }

    /// A spanned reference to the value.
    pub const fn as_ref(&self) -> Spanned<&T> {
        Spanned::new(&self.inner, self.span)
    }
}

impl<T> Deref for Spanned<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.inner
    }
}

impl<T> DerefMut for Spanned<T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.inner
    }
}

impl<T: PartialEq> PartialEq for Spanned<T> {
    fn eq(&self, other: &Self) -> bool {
        self.inner == other.inner
    }
}

impl<T: Eq> Eq for Spanned<T> {}

impl<T: PartialOrd> PartialOrd for Spanned<T> {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        self.inner.partial_cmp(&other.inner)
    }
}

impl<T: Ord> Ord for Spanned<T> {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.inner.cmp(&other.inner)
    }
}

impl<T: std::hash::Hash> std::hash::Hash for Spanned<T> {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.inner.hash(state);
    }
}

impl<T: fmt::Debug> fmt::Debug for Spanned<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.inner.fmt(f)?;
        if !self.span.is_empty() {
            write!(f, " @{}..{}", self.span.start, self.span.end)?;
        }
        Ok(())
    }
}

impl<T: fmt::Display> fmt::Display for Spanned<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.inner.fmt(f)
    }
}

impl<T> From<T> for Spanned<T> {
    fn from(value: T) -> Spanned<T> {
        Spanned::bare(value)
    }
}

impl<T: Serialize> Serialize for Spanned<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.inner.serialize(serializer)
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Spanned<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        T::deserialize(deserializer).map(Spanned::bare)
    }
}

impl Spanned<String> {
    /// The value as a string slice.
    pub fn as_str(&self) -> &str {
        &self.inner
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equality_ignores_the_span() {
        assert_eq!(
            Spanned::new(3, Span::new(1, 2)),
            Spanned::new(3, Span::new(7, 9))
        );
        assert_ne!(Spanned::new(3, Span::NONE), Spanned::new(4, Span::NONE));
    }

    #[test]
    fn serializes_transparently() {
        let v = Spanned::new("x".to_string(), Span::new(4, 7));
        assert_eq!(serde_json::to_string(&v).unwrap(), "\"x\"");
        let back: Spanned<String> = serde_json::from_str("\"x\"").unwrap();
        assert_eq!(back.span, Span::NONE);
        assert_eq!(back, v);
    }

    #[test]
    fn joins_spans() {
        assert_eq!(Span::new(4, 6).to(Span::new(1, 5)), Span::new(1, 6));
    }
}
