//! Source stage: a named source text and the mapping from byte offsets to lines and columns.

use std::fmt;
use std::sync::Arc;

use crate::span::Span;

/// A jobspec's text and the name it is reported under (usually its path).
///
/// Cloning is cheap: the text is shared.
#[derive(Clone)]
pub struct SourceFile {
    name: Arc<str>,
    text: Arc<str>,
    /// Where lines start and how many characters precede points of the text, computed on
    /// first use.
    index: Arc<std::sync::OnceLock<Index>>,
}

/// Offsets into a text, so that a line and column is found in time independent of the
/// text's size (a minified JSON file is one long line).
struct Index {
    /// Byte offset at which each line starts.
    lines: Vec<usize>,
    /// Every [`CHECKPOINT`] bytes or so, at a character boundary: the byte offset and the
    /// number of characters before it. Empty when the text is ASCII.
    checkpoints: Vec<(usize, usize)>,
}

/// Bytes between two character-count checkpoints.
const CHECKPOINT: usize = 1024;

/// A 1-based line and column; columns count characters, not bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LineCol {
    /// 1-based line number.
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
}

impl SourceFile {
    /// A source named `name` (shown in diagnostics) holding `text`.
    pub fn new(name: impl Into<Arc<str>>, text: impl Into<Arc<str>>) -> SourceFile {
        SourceFile {
            name: name.into(),
            text: text.into(),
            index: Arc::default(),
        }
    }

    /// The name diagnostics show for this source.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The source text.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The text under `span`, or `""` when the span is out of range.
    pub fn slice(&self, span: Span) -> &str {
        self.text.get(span.start..span.end).unwrap_or("")
    }

    fn index(&self) -> &Index {
        self.index.get_or_init(|| {
            let lines = std::iter::once(0)
                .chain(self.text.match_indices('\n').map(|(i, _)| i + 1))
                .collect();
            let mut checkpoints = Vec::new();
            if !self.text.is_ascii() {
                let (mut at, mut chars) = (0, 0);
                while at < self.text.len() {
                    checkpoints.push((at, chars));
                    let mut next = (at + CHECKPOINT).min(self.text.len());
                    while !self.text.is_char_boundary(next) {
                        next += 1;
                    }
                    chars += self.text[at..next].chars().count();
                    at = next;
                }
            }
            Index { lines, checkpoints }
        })
    }

    /// The number of characters before byte `offset`, a character boundary.
    fn chars_before(&self, offset: usize) -> usize {
        let checkpoints = &self.index().checkpoints;
        if checkpoints.is_empty() {
            return offset;
        }
        let (at, chars) = checkpoints[checkpoints.partition_point(|&(b, _)| b <= offset) - 1];
        chars + self.text[at..offset].chars().count()
    }

    /// The line and column of byte `offset` (clamped to the text, and to a char boundary).
    pub fn line_col(&self, offset: usize) -> LineCol {
        let mut offset = offset.min(self.text.len());
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        let starts = &self.index().lines;
        let line = starts.partition_point(|&s| s <= offset) - 1;
        let column = self.chars_before(offset) - self.chars_before(starts[line]) + 1;
        LineCol {
            line: line + 1,
            column,
        }
    }

    pub(crate) fn text_source(&self) -> &dyn miette::SourceCode {
        &self.text
    }
}

impl fmt::Debug for SourceFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SourceFile")
            .field("name", &self.name)
            .field("len", &self.text.len())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_count_characters() {
        let src = SourceFile::new("t", "ab\nçé = 1\n");
        assert_eq!(src.line_col(0), LineCol { line: 1, column: 1 });
        assert_eq!(src.line_col(3), LineCol { line: 2, column: 1 });
        // `=` sits after two two-byte characters and a space.
        assert_eq!(src.line_col(8), LineCol { line: 2, column: 4 });
        // Offsets inside a character move back to its start; past the end clamp.
        assert_eq!(src.line_col(4), LineCol { line: 2, column: 1 });
        assert_eq!(src.line_col(999), LineCol { line: 3, column: 1 });
    }

    #[test]
    fn columns_in_long_lines() {
        let text = format!("{}é{}\nab", "a".repeat(5000), "ü".repeat(3000));
        let src = SourceFile::new("t", text.clone());
        for offset in [0, 4999, 5000, 5002, 5004, 9000, 11002, 11003, 11004, 11005] {
            let offset = offset.min(text.len());
            let expected = text[..offset].rsplit('\n').next().unwrap().chars().count() + 1;
            let at = src.line_col(offset);
            assert_eq!(at.column, expected, "{offset}");
        }
        assert_eq!(src.line_col(11004), LineCol { line: 2, column: 2 });
    }
}
