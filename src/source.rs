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
    /// Byte offset at which each line starts, computed on first use.
    lines: Arc<std::sync::OnceLock<Vec<usize>>>,
}

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
            lines: Arc::default(),
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

    fn line_starts(&self) -> &[usize] {
        self.lines.get_or_init(|| {
            std::iter::once(0)
                .chain(self.text.match_indices('\n').map(|(i, _)| i + 1))
                .collect()
        })
    }

    /// The line and column of byte `offset` (clamped to the text, and to a char boundary).
    pub fn line_col(&self, offset: usize) -> LineCol {
        let mut offset = offset.min(self.text.len());
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        let starts = self.line_starts();
        let line = starts.partition_point(|&s| s <= offset) - 1;
        let column = self.text[starts[line]..offset].chars().count() + 1;
        LineCol {
            line: line + 1,
            column,
        }
    }

    pub(crate) fn text_source(&self) -> &dyn miette::SourceCode {
        &self.text
    }

    #[cfg(feature = "fancy")]
    pub(crate) fn named_source(&self) -> miette::NamedSource<Arc<str>> {
        miette::NamedSource::new(&*self.name, Arc::clone(&self.text)).with_language("HCL")
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
}
