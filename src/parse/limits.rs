//! Limits on what a jobspec may hold, and the checks made before it is parsed.
//!
//! hcl-edit builds the syntax tree of a whole file at once, at up to a few hundred bytes per
//! node, so the file's size, how many blocks it holds and how long its labels and names
//! are, are checked first: by a scan of the text that tells blocks from expressions and
//! skips strings, heredocs and comments, and stops at the first limit crossed.

use crate::diagnostic::{Code, Diagnostic};
use crate::span::Span;

/// Bounds on a jobspec and on its evaluation, so that no input can hang the parser or
/// exhaust memory. Each finding a limit causes names the limit.
///
/// Nesting is bounded too, but not here: hcl-edit refuses blocks, brackets and templates
/// nested more than 64 levels deep and more than 128 chained binary operators, and JSON is
/// refused past 128 levels.
///
/// ```
/// let mut options = jobspec::ParseOptions::default();
/// options.limits.max_file_size = 1 << 20;
/// let source = jobspec::SourceFile::new("big.nomad.hcl", "#".repeat(2 << 20));
/// let parsed = jobspec::parse_with(&source, &options);
/// assert_eq!(parsed.diagnostics[0].code.as_str(), "jobspec::source::too_large");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Limits {
    /// Largest source text, in bytes (8 MiB). `parse_with` checks the text it is given and
    /// each var file; the CLI checks a file's size before reading it.
    pub max_file_size: usize,
    /// Most blocks in a file, nested ones included (50 000). Counted before parsing, and
    /// again as `dynamic` blocks expand. In a JSON file, every object counts. A group or task
    /// costs about 3 KB in the model, so the limit keeps a file of empty blocks under 200 MB.
    pub max_blocks: usize,
    /// Longest block label, block type or attribute name, in bytes (64 KiB); in a JSON file,
    /// the longest property name. String values are bounded by `max_file_size`.
    pub max_label: usize,
    /// Most syntax nodes in an HCL file (500 000), counted before parsing: one for each
    /// attribute, and in expressions one for each name, number, string, heredoc, opening
    /// bracket and `<`. hcl-edit takes 150 to 300 bytes for each, so the limit keeps the syntax tree
    /// of any file under about 150 MB; a large real jobspec has a few thousand. In a JSON
    /// file, every value counts.
    pub max_nodes: usize,
    /// Most elements in one list or map built during evaluation (100 000).
    pub max_collection: usize,
    /// Longest string built during evaluation, in bytes (8 MiB).
    pub max_string: usize,
    /// Most evaluation steps in one file (2 000 000): one per expression, loop iteration and
    /// function call, and for each value a reference copies or a function returns, one or
    /// two per element (two when it owns memory: a string, list or map) and one per 64 bytes
    /// of string.
    pub max_steps: u64,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_file_size: 8 << 20,
            max_blocks: 50_000,
            max_label: 64 << 10,
            max_nodes: 500_000,
            max_collection: 100_000,
            max_string: 8 << 20,
            max_steps: 2_000_000,
        }
    }
}

/// The finding for a source of `size` bytes (more than `max` when the size is not known:
/// a stream read up to the limit), over `max`. It points at the start of the text: nothing
/// past the limit is looked at.
pub(crate) fn too_large(size: Option<u64>, max: usize) -> Diagnostic {
    let (message, raise) = match size {
        Some(size) => (
            format!("the file is {size} bytes; the limit is {max}"),
            size.checked_next_power_of_two().unwrap_or(size),
        ),
        None => (
            format!("the file is larger than the limit of {max} bytes"),
            (max as u64).saturating_mul(2),
        ),
    };
    Diagnostic::new(Code::SourceTooLarge, Span::new(0, 0), message)
        .with_label("the file starts here")
        .with_help(format!(
            "split the jobspec, or raise the limit: `--max-file-size {raise}` on the command \
             line, `Limits::max_file_size` in the library"
        ))
}

/// The finding for a name of `len` bytes at `span`, over `max`.
pub(crate) fn label_too_long(span: Span, len: usize, max: usize) -> Diagnostic {
    Diagnostic::new(
        Code::SourceLimit,
        span,
        format!("this label or name is {len} bytes; the limit is {max}"),
    )
    .with_label("too long")
    .with_help(format!(
        "use a shorter name; the limit is `Limits::max_label` ({max} bytes)"
    ))
}

/// The finding for block `count` (one past `max`) at `span`.
pub(crate) fn too_many_blocks(span: Span, max: usize, what: &str) -> Diagnostic {
    too_many(span, max, what, "max_blocks")
}

/// The finding for syntax node `count` (one past `max`; `what` they are) at `span`.
pub(crate) fn too_many_nodes(span: Span, max: usize, what: &str) -> Diagnostic {
    too_many(span, max, what, "max_nodes")
}

/// The finding for the first of `what` past `max` (the limit `Limits::<limit>`) at `span`.
fn too_many(span: Span, max: usize, what: &str, limit: &str) -> Diagnostic {
    Diagnostic::new(
        Code::SourceLimit,
        span,
        format!("the file has more than {max} {what}"),
    )
    .with_label(format!("the first past {max}"))
    .with_help(format!(
        "split the jobspec; the limit is `Limits::{limit}` ({max})"
    ))
}

/// What the scan is inside of.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Frame {
    /// The top level or a block's body: names, labels, `=` and blocks.
    Body,
    /// An attribute's value, with `depth` brackets open; a newline outside brackets ends it.
    Value { depth: usize },
    /// `${ ... }` or `%{ ... }` in a template, with `depth` brackets open.
    Interpolation { depth: usize },
    /// A quoted string or template.
    Quoted,
    /// A heredoc, until a line holding only the marker at `marker`.
    Heredoc { marker: (usize, usize) },
}

/// The first source limit a native HCL `text` crosses: too many blocks or syntax nodes, or
/// a label or name too long. The scan reads each byte once and keeps its own stack.
///
/// It is exact for valid HCL; on invalid HCL it may be off, and hcl-edit reports the
/// syntax error when it is not.
pub(crate) fn scan(text: &str, limits: &Limits) -> Option<Diagnostic> {
    let bytes = text.as_bytes();
    let at = |i: usize| bytes.get(i).copied().unwrap_or(0);
    let mut stack = vec![Frame::Body];
    let mut blocks = 0usize;
    let mut nodes = 0usize;
    // Counts `n` nodes starting at byte `i`; the finding once past the limit.
    let mut count = |n: usize, i: usize| {
        nodes += n;
        (nodes > limits.max_nodes).then(|| {
            let span = Span::new(i, i + text[i..].chars().next().map_or(0, char::len_utf8));
            too_many_nodes(span, limits.max_nodes, "syntax nodes")
        })
    };
    // The first name or label of the structure being read in a body: a block's type.
    let mut first: Option<Span> = None;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        let top = *stack.last().unwrap_or(&Frame::Body);
        match top {
            Frame::Body => match b {
                b'\n' => {
                    first = None;
                    i += 1;
                }
                b'#' => i = line_end(bytes, i),
                b'/' if at(i + 1) == b'/' => i = line_end(bytes, i),
                b'/' if at(i + 1) == b'*' => i = comment_end(bytes, i),
                b'{' => {
                    blocks += 1;
                    if blocks > limits.max_blocks {
                        let span = first.unwrap_or(Span::new(i, i + 1));
                        return Some(too_many_blocks(span, limits.max_blocks, "blocks"));
                    }
                    first = None;
                    stack.push(Frame::Body);
                    i += 1;
                }
                b'}' => {
                    first = None;
                    if stack.len() > 1 {
                        stack.pop();
                    }
                    i += 1;
                }
                b'=' => {
                    if let Some(finding) = count(1, i) {
                        return Some(finding);
                    }
                    first = None;
                    stack.push(Frame::Value { depth: 0 });
                    i += 1;
                }
                b'"' => {
                    // A label: up to the closing quote on this line.
                    let mut j = i + 1;
                    while j < bytes.len() && bytes[j] != b'"' && bytes[j] != b'\n' {
                        j += if bytes[j] == b'\\' { 2 } else { 1 };
                    }
                    let end = (j + 1).min(bytes.len());
                    let len = end.saturating_sub(i + 2);
                    if len > limits.max_label {
                        return Some(label_too_long(Span::new(i, end), len, limits.max_label));
                    }
                    first.get_or_insert(Span::new(i, end));
                    i = end;
                }
                _ if is_name_byte(b) => {
                    let end = i + bytes[i..].iter().take_while(|c| is_name_byte(**c)).count();
                    if end - i > limits.max_label {
                        let span = Span::new(i, end);
                        return Some(label_too_long(span, end - i, limits.max_label));
                    }
                    first.get_or_insert(Span::new(i, end));
                    i = end;
                }
                _ => i += 1,
            },
            Frame::Value { depth } | Frame::Interpolation { depth } => {
                let interpolation = matches!(top, Frame::Interpolation { .. });
                let set = |stack: &mut Vec<Frame>, depth: usize| {
                    if let Some(frame) = stack.last_mut() {
                        *frame = if interpolation {
                            Frame::Interpolation { depth }
                        } else {
                            Frame::Value { depth }
                        };
                    }
                };
                let node = matches!(b, b'"' | b'(' | b'[' | b'{' | b'<') || is_name_byte(b);
                if let Some(finding) = count(usize::from(node), i) {
                    return Some(finding);
                }
                match b {
                    b'\n' if depth == 0 && !interpolation => {
                        stack.pop();
                    }
                    b'#' => i = line_end(bytes, i),
                    b'/' if at(i + 1) == b'/' => i = line_end(bytes, i),
                    b'/' if at(i + 1) == b'*' => i = comment_end(bytes, i),
                    _ if is_name_byte(b) => {
                        i += bytes[i..].iter().take_while(|c| is_name_byte(**c)).count();
                    }
                    b'"' => {
                        stack.push(Frame::Quoted);
                        i += 1;
                    }
                    b'<' if at(i + 1) == b'<' => match heredoc(bytes, i) {
                        Some((marker, body)) => {
                            stack.push(Frame::Heredoc { marker });
                            i = body;
                        }
                        None => i += 2,
                    },
                    b'(' | b'[' | b'{' => {
                        set(&mut stack, depth + 1);
                        i += 1;
                    }
                    b')' | b']' => {
                        set(&mut stack, depth.saturating_sub(1));
                        i += 1;
                    }
                    b'}' if depth > 0 => {
                        set(&mut stack, depth - 1);
                        i += 1;
                    }
                    b'}' => {
                        // The end of an interpolation; or of a one-line block, after its
                        // last attribute (`a { b = 1 }`): the body takes the `}`.
                        stack.pop();
                        if interpolation {
                            i += 1;
                        }
                    }
                    _ => i += 1,
                }
            }
            Frame::Quoted | Frame::Heredoc { .. } => {
                if let Frame::Heredoc { marker } = top {
                    if i == 0 || bytes[i - 1] == b'\n' {
                        let end = line_end(bytes, i);
                        let line = text[i..end].trim_start_matches([' ', '\t']);
                        if line.trim_end_matches('\r') == &text[marker.0..marker.1] {
                            stack.pop();
                            i = end;
                            continue;
                        }
                    }
                }
                match b {
                    b'\\' if top == Frame::Quoted => i += 2,
                    b'"' if top == Frame::Quoted => {
                        stack.pop();
                        i += 1;
                    }
                    // An unterminated string: HCL ends it at the line's end (an error).
                    b'\n' if top == Frame::Quoted => {
                        stack.pop();
                    }
                    // `$${` and `%%{` are literal.
                    b'$' | b'%' if at(i + 1) == b && at(i + 2) == b'{' => i += 3,
                    b'$' | b'%' if at(i + 1) == b'{' => {
                        stack.push(Frame::Interpolation { depth: 0 });
                        i += 2;
                    }
                    _ => i += 1,
                }
            }
        }
    }
    None
}

/// Whether `b` may be part of a name: HCL's identifiers are letters, digits, `_` and `-`
/// (non-ASCII letters included).
fn is_name_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'-' || b >= 0x80
}

/// Where the line holding byte `i` ends: its newline, or the end of the text.
fn line_end(bytes: &[u8], i: usize) -> usize {
    bytes[i..]
        .iter()
        .position(|&b| b == b'\n')
        .map_or(bytes.len(), |n| i + n)
}

/// Where a `/* ... */` comment starting at `i` ends.
fn comment_end(bytes: &[u8], i: usize) -> usize {
    bytes[i + 2..]
        .windows(2)
        .position(|w| w == b"*/")
        .map_or(bytes.len(), |n| i + 2 + n + 2)
}

/// A heredoc opening at `i` (`<<MARKER` or `<<-MARKER`, then a newline): the marker's
/// range and where the heredoc's first line starts.
fn heredoc(bytes: &[u8], i: usize) -> Option<((usize, usize), usize)> {
    let mut j = i + 2;
    if bytes.get(j) == Some(&b'-') {
        j += 1;
    }
    let start = j;
    while bytes.get(j).is_some_and(|b| is_name_byte(*b)) {
        j += 1;
    }
    let end = j;
    if end == start {
        return None;
    }
    if bytes.get(j) == Some(&b'\r') {
        j += 1;
    }
    (bytes.get(j) == Some(&b'\n')).then_some(((start, end), j + 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The smallest value of a limit (`set` sets it) that the text passes.
    fn smallest(text: &str, set: fn(&mut Limits, usize)) -> usize {
        (0..100)
            .find(|&max| {
                let mut limits = Limits::default();
                set(&mut limits, max);
                scan(text, &limits).is_none()
            })
            .unwrap()
    }

    fn blocks(text: &str) -> usize {
        smallest(text, |limits, max| limits.max_blocks = max)
    }

    fn nodes(text: &str) -> usize {
        smallest(text, |limits, max| limits.max_nodes = max)
    }

    #[test]
    fn counts_blocks_not_objects_strings_or_comments() {
        assert_eq!(blocks("job \"x\" {\n  group \"g\" {}\n}\n"), 2);
        assert_eq!(blocks("a { b = { c = {} } }\n"), 1);
        assert_eq!(blocks("a {\n  b = {\n    c = 1\n  }\n  d {}\n}\n"), 2);
        assert_eq!(
            blocks("a = \"{ x { } }\"\n# b {}\n// c {}\n/* d {\n} */\n"),
            0
        );
        assert_eq!(blocks("a = \"${ {x = \"}\"}.x }\" \nb {}\n"), 1);
        assert_eq!(blocks("a = <<EOF\nb {\n c {}\n  EOF\nd {}\n"), 1);
        assert_eq!(
            blocks("a = <<-EOT\n  x { ${ \"y\" } }\n  EOT\nb { c {} }\n"),
            2
        );
        assert_eq!(blocks("a = [\n  1,\n  { b = 2 },\n]\nc {}\n"), 1);
        assert_eq!(blocks("a = \"$${x} %%{y} {\"\nb {}\n"), 1);
        assert_eq!(blocks("a { b = 1 }\nc { d { e = 2 } }\n"), 3);
        assert_eq!(blocks("a \"l1\" \"l2\" {\r\n  b = 1\r\n}\r\n"), 1);
    }

    #[test]
    fn counts_attributes_and_the_parts_of_expressions() {
        assert_eq!(
            nodes(
                "a {}
"
            ),
            0
        );
        assert_eq!(
            nodes(
                "a = 1
"
            ),
            2
        );
        assert_eq!(
            nodes(
                "a = [1, 2, x.y]
"
            ),
            6
        );
        assert_eq!(
            nodes(
                "a = f(\"s\", {k = v})
"
            ),
            7
        );
        // A string and a heredoc count once, their interpolations apart.
        assert_eq!(nodes("a = \"b c d ${e}\"\n"), 3);
        assert_eq!(nodes("a = <<EOF\nb c d\nEOF\n"), 2);
        // Comments count nothing.
        assert_eq!(nodes("# a = 1\nb = 1 // c d e\n/* f = 1 */\n"), 2);
        let limits = Limits {
            max_nodes: 3,
            ..Limits::default()
        };
        let text = "a = [1, 2, 3]\n";
        let finding = scan(text, &limits).unwrap();
        assert_eq!(&text[finding.span.start..finding.span.end], "2");
        assert_eq!(finding.message, "the file has more than 3 syntax nodes");
    }

    #[test]
    fn finds_long_names_and_labels() {
        let limits = Limits {
            max_label: 8,
            ..Limits::default()
        };
        let long = scan("job \"123456789\" {}\n", &limits).unwrap();
        assert_eq!((long.span.start, long.span.end), (4, 15));
        assert_eq!(
            long.message,
            "this label or name is 9 bytes; the limit is 8"
        );
        assert!(scan("abcdefghi = 1\n", &limits).is_some());
        // Values and names inside expressions are not labels.
        assert!(scan("a = \"a long string value\"\nb = c.a_long_name\n", &limits).is_none());
    }

    #[test]
    fn never_panics_on_truncated_input() {
        let text = "a \"b\" {\n  c = \"${d[\"e\"]}\" /* f */ <<EOF\nx\nEOF\n  g = \"\\";
        for end in 0..=text.len() {
            let _ = scan(&text[..end], &Limits::default());
        }
    }
}
