//! Canonical formatting of HCL text, as `nomad fmt` (hclwrite) does it: two-space indentation
//! by bracket depth, one space between tokens where HCL style wants one, `=` and trailing
//! comments aligned across consecutive lines. Only whitespace between tokens changes: comments,
//! blank lines, strings, templates and heredocs are kept as written.

/// What a token is, as far as spacing and indentation care.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Ident,
    Number,
    /// A quoted string or template, interpolations and all: kept verbatim.
    Quoted,
    /// A heredoc, from `<<` to its closing marker: kept verbatim.
    Heredoc,
    /// `#` or `//` to the end of the line.
    LineComment,
    /// `/* ... */`.
    BlockComment,
    Open(u8),
    Close(u8),
    /// `=`.
    Assign,
    Comma,
    Dot,
    Ellipsis,
    Colon,
    /// `::`, between the parts of a namespaced function's name (`provider::ns::f()`).
    DoubleColon,
    Question,
    Minus,
    Bang,
    /// Any other operator (`+`, `==`, `&&`, `=>`, ...).
    Operator,
    /// A character HCL has no token for (hcl-edit accepted the file, so inside a comment-free
    /// construct we do not know): kept verbatim.
    Other,
}

#[derive(Clone, Copy, Debug)]
struct Token<'a> {
    kind: Kind,
    text: &'a str,
}

impl Token<'_> {
    fn bracket_change(&self) -> i32 {
        match self.kind {
            Kind::Open(_) => 1,
            Kind::Close(_) => -1,
            _ => 0,
        }
    }

    fn is_multiline(&self) -> bool {
        self.text.contains('\n')
    }
}

/// Splits `text` into lines of tokens. A token spanning lines (heredoc, block comment, template
/// with a multi-line interpolation) belongs to the line it starts on.
fn lines(text: &str) -> Vec<Vec<Token<'_>>> {
    let bytes = text.as_bytes();
    let mut out = vec![Vec::new()];
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        let start = i;
        let kind = match c {
            b'\n' => {
                out.push(Vec::new());
                i += 1;
                continue;
            }
            b' ' | b'\t' | b'\r' => {
                i += 1;
                continue;
            }
            b'#' => {
                i = line_end(bytes, i);
                Kind::LineComment
            }
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                i = line_end(bytes, i);
                Kind::LineComment
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                i = find(bytes, i + 2, b"*/").map_or(bytes.len(), |e| e + 2);
                Kind::BlockComment
            }
            b'"' => {
                i = quoted_end(bytes, i + 1);
                Kind::Quoted
            }
            b'<' if bytes.get(i + 1) == Some(&b'<') => {
                i = heredoc_end(text, i);
                Kind::Heredoc
            }
            b'0'..=b'9' => {
                i = number_end(bytes, i);
                Kind::Number
            }
            b'{' | b'[' | b'(' => {
                i += 1;
                Kind::Open(c)
            }
            b'}' | b']' | b')' => {
                i += 1;
                Kind::Close(c)
            }
            b',' => {
                i += 1;
                Kind::Comma
            }
            b'.' if bytes[i..].starts_with(b"...") => {
                i += 3;
                Kind::Ellipsis
            }
            b'.' => {
                i += 1;
                Kind::Dot
            }
            b':' if bytes.get(i + 1) == Some(&b':') => {
                i += 2;
                Kind::DoubleColon
            }
            b':' => {
                i += 1;
                Kind::Colon
            }
            b'?' => {
                i += 1;
                Kind::Question
            }
            b'-' => {
                i += 1;
                Kind::Minus
            }
            b'=' | b'!' | b'<' | b'>' | b'&' | b'|' => {
                let two = matches!(
                    &bytes[i..bytes.len().min(i + 2)],
                    b"==" | b"!=" | b"<=" | b">=" | b"&&" | b"||" | b"=>"
                );
                i += if two { 2 } else { 1 };
                match (c, two) {
                    (b'=', false) => Kind::Assign,
                    (b'!', false) => Kind::Bang,
                    _ => Kind::Operator,
                }
            }
            b'+' | b'*' | b'/' | b'%' => {
                i += 1;
                Kind::Operator
            }
            _ if c == b'_' || c.is_ascii_alphabetic() || c >= 0x80 => {
                i = ident_end(text, i);
                if i == start {
                    // A non-ASCII character that is not an identifier character (a BOM).
                    i += text[start..].chars().next().map_or(1, char::len_utf8);
                    Kind::Other
                } else {
                    Kind::Ident
                }
            }
            _ => {
                i += text[start..].chars().next().map_or(1, char::len_utf8);
                Kind::Other
            }
        };
        let token = Token {
            kind,
            text: &text[start..i],
        };
        // A token that spans lines keeps its line; the lines it covers are its own text.
        if let Some(line) = out.last_mut() {
            line.push(token);
        }
    }
    out
}

fn line_end(bytes: &[u8], from: usize) -> usize {
    let end = find(bytes, from, b"\n").unwrap_or(bytes.len());
    // A CRLF line's comment ends before the `\r`.
    if end > from && bytes[end - 1] == b'\r' {
        end - 1
    } else {
        end
    }
}

fn find(bytes: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    bytes
        .get(from..)?
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|p| p + from)
}

fn ident_end(text: &str, from: usize) -> usize {
    text[from..]
        .char_indices()
        .find(|&(_, c)| !(c.is_alphanumeric() || c == '_' || c == '-'))
        .map_or(text.len(), |(i, _)| from + i)
}

fn number_end(bytes: &[u8], mut i: usize) -> usize {
    while i < bytes.len() && bytes[i].is_ascii_digit() {
        i += 1;
    }
    if bytes.get(i) == Some(&b'.') && bytes.get(i + 1).is_some_and(u8::is_ascii_digit) {
        i += 1;
        while i < bytes.len() && bytes[i].is_ascii_digit() {
            i += 1;
        }
    }
    if matches!(bytes.get(i), Some(b'e' | b'E')) {
        let mut j = i + 1;
        if matches!(bytes.get(j), Some(b'+' | b'-')) {
            j += 1;
        }
        if bytes.get(j).is_some_and(u8::is_ascii_digit) {
            i = j;
            while i < bytes.len() && bytes[i].is_ascii_digit() {
                i += 1;
            }
        }
    }
    i
}

/// The end of a quoted template whose opening `"` is just before `i`.
fn quoted_end(bytes: &[u8], i: usize) -> usize {
    template_end(bytes, i, None)
}

/// The end of a template starting at `i`: after its closing `"` (quoted), or at the end of
/// the line that is its heredoc `marker`, without the newline. As hcl-edit reads templates,
/// neither ends inside an interpolation or inside an open `%{ if }` or `%{ for }` directive.
fn template_end(bytes: &[u8], mut i: usize, marker: Option<&[u8]>) -> usize {
    let mut directives = 0usize;
    let mut line_start = true;
    while i < bytes.len() {
        if let (Some(marker), true, 0) = (marker, line_start, directives) {
            let end = find(bytes, i, b"\n").unwrap_or(bytes.len());
            let line = &bytes[i..end];
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            if line.trim_ascii() == marker {
                return i + line.len();
            }
        }
        line_start = false;
        match bytes[i] {
            b'\n' => {
                line_start = true;
                i += 1;
            }
            b'\\' if marker.is_none() => i += 2,
            b'"' if marker.is_none() && directives == 0 => return i + 1,
            b'$' | b'%' if bytes[i..].starts_with(b"$${") || bytes[i..].starts_with(b"%%{") => {
                i += 3;
            }
            b'$' if bytes.get(i + 1) == Some(&b'{') => i = interpolation_end(bytes, i + 2),
            b'%' if bytes.get(i + 1) == Some(&b'{') => {
                let end = interpolation_end(bytes, i + 2);
                let inner = &bytes[i + 2..end.saturating_sub(1).max(i + 2)];
                let keyword = inner
                    .iter()
                    .position(|b| !(b.is_ascii_whitespace() || *b == b'~'))
                    .map_or(&[][..], |k| &inner[k..]);
                let word = |w: &[u8]| {
                    keyword.starts_with(w)
                        && keyword
                            .get(w.len())
                            .is_none_or(|b| !(b.is_ascii_alphanumeric() || *b == b'_'))
                };
                if word(b"if") || word(b"for") {
                    directives += 1;
                } else if word(b"endif") || word(b"endfor") {
                    directives = directives.saturating_sub(1);
                }
                i = end;
            }
            _ => i += 1,
        }
    }
    bytes.len()
}

/// The end of an interpolation or directive whose `{` is just before `i`: braces nest, and
/// strings inside may hold braces of their own.
fn interpolation_end(bytes: &[u8], mut i: usize) -> usize {
    let mut depth = 1;
    while i < bytes.len() {
        match bytes[i] {
            b'"' => {
                i = quoted_end(bytes, i + 1);
                continue;
            }
            b'{' => depth += 1,
            b'}' => {
                depth -= 1;
                if depth == 0 {
                    return i + 1;
                }
            }
            _ => {}
        }
        i += 1;
    }
    bytes.len()
}

/// The end of the heredoc starting at `from` (`<<EOF` or `<<-EOF`): the end of its closing
/// marker's line, without the newline.
fn heredoc_end(text: &str, from: usize) -> usize {
    let start = from + 2 + usize::from(text[from + 2..].starts_with('-'));
    let marker = &text[start..ident_end(text, start)];
    match text[from..].find('\n') {
        Some(first) => template_end(text.as_bytes(), from + first + 1, Some(marker.as_bytes())),
        None => text.len(),
    }
}

/// Whether one space goes between `subject` and `after`, `before` being the token before
/// `subject` (hclwrite's rules).
fn space_between(before: Option<&Token<'_>>, subject: &Token<'_>, after: &Token<'_>) -> bool {
    use Kind::*;
    match (subject.kind, after.kind) {
        (Other, _) | (_, Other) => false,
        (Ident, Open(b'(')) => false,
        (Dot | DoubleColon, _) | (_, Dot | DoubleColon) => false,
        (_, Comma | Ellipsis) => false,
        (Comma, _) => true,
        // `for x in [a]`: `in` is a keyword, not a value being indexed.
        (Ident, Open(b'[')) if subject.text == "in" && before.is_some_and(|b| b.kind == Ident) => {
            true
        }
        (Ident | Number | Close(_), Open(b'[')) => false,
        (Minus | Bang, _) if is_unary(subject, before) => false,
        (Open(b'{'), Close(b'}')) => false,
        (Open(b'{'), _) | (_, Close(b'}')) => true,
        (Open(_), _) | (_, Close(_)) => false,
        _ => true,
    }
}

/// Whether a `-` or `!` is a prefix operator: nothing before it ends an expression.
fn is_unary(subject: &Token<'_>, before: Option<&Token<'_>>) -> bool {
    if subject.kind == Kind::Bang {
        return true;
    }
    match before {
        None => true,
        Some(b) => matches!(
            b.kind,
            Kind::Open(_)
                | Kind::Assign
                | Kind::Colon
                | Kind::Comma
                | Kind::Question
                | Kind::Minus
                | Kind::Bang
                | Kind::Operator
        ),
    }
}

/// One line, split into hclwrite's cells: what comes before the first `=`, the `=` and what
/// follows (when that is a whole expression), and a trailing comment.
struct Line {
    indent: usize,
    lead: String,
    /// Spaces before the `=` cell.
    assign_pad: usize,
    assign: Option<String>,
    /// Spaces before the comment cell.
    comment_pad: usize,
    comment: Option<String>,
    /// The line holds a token that spans lines: it ends alignment chains.
    multiline: bool,
}

fn join(tokens: &[Token<'_>], before: Option<&Token<'_>>) -> String {
    let mut out = String::new();
    for (i, token) in tokens.iter().enumerate() {
        if i > 0 {
            let prev = if i > 1 { Some(&tokens[i - 2]) } else { before };
            if space_between(prev, &tokens[i - 1], token) {
                out.push(' ');
            }
        }
        out.push_str(token.text);
    }
    out
}

fn cells(tokens: &[Token<'_>], indent: usize) -> Line {
    let (mut body, comment) = match tokens.split_last() {
        Some((last, rest)) if last.kind == Kind::LineComment && !rest.is_empty() => {
            (rest, Some(last.text.trim_end().to_owned()))
        }
        _ => (tokens, None),
    };
    let multiline = tokens.iter().any(Token::is_multiline);
    let mut assign = None;
    if let Some(at) = body.iter().skip(1).position(|t| t.kind == Kind::Assign) {
        let at = at + 1;
        let rest = &body[at..];
        if rest.iter().map(Token::bracket_change).sum::<i32>() == 0 {
            assign = Some(join(rest, Some(&body[at - 1])));
            body = &body[..at];
        }
    }
    let lead = if body.len() == 1 && body[0].kind == Kind::LineComment {
        body[0].text.trim_end().to_owned()
    } else {
        join(body, None)
    };
    Line {
        indent,
        lead,
        assign_pad: 1,
        assign,
        comment_pad: 1,
        comment,
        multiline,
    }
}

/// Formats HCL text. The text must be valid HCL (the caller checks); an unbalanced input is
/// formatted as well as its brackets allow.
pub(super) fn format_text(text: &str) -> String {
    let newline = if text.contains("\r\n") { "\r\n" } else { "\n" };
    let mut stack: Vec<i32> = Vec::new();
    let mut formatted: Vec<Option<Line>> = Vec::new();
    for tokens in lines(text) {
        if tokens.is_empty() {
            formatted.push(None);
            continue;
        }
        // Leading closers dedent the line itself; the rest of its brackets the lines after.
        let leading = tokens
            .iter()
            .take_while(|t| matches!(t.kind, Kind::Close(_)))
            .count();
        close(&mut stack, leading as i32);
        let indent = stack.len();
        let net: i32 = tokens[leading..].iter().map(Token::bracket_change).sum();
        if net > 0 {
            stack.push(net);
        } else {
            close(&mut stack, -net);
        }
        formatted.push(Some(cells(&tokens, indent)));
    }
    align(&mut formatted);
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    // No blank lines at the end, and exactly one newline.
    while formatted.last().is_some_and(Option::is_none) {
        formatted.pop();
    }
    for line in &formatted {
        if let Some(line) = line {
            push_line(&mut out, line);
        }
        out.push_str(newline);
    }
    out
}

fn close(stack: &mut Vec<i32>, mut n: i32) {
    while n > 0 {
        let Some(top) = stack.last_mut() else { return };
        let take = n.min(*top);
        *top -= take;
        n -= take;
        if *top == 0 {
            stack.pop();
        }
    }
}

fn push_line(out: &mut String, line: &Line) {
    for _ in 0..line.indent {
        out.push_str("  ");
    }
    out.push_str(&line.lead);
    if let Some(assign) = &line.assign {
        out.extend(std::iter::repeat_n(' ', line.assign_pad));
        out.push_str(assign);
    }
    if let Some(comment) = &line.comment {
        out.extend(std::iter::repeat_n(' ', line.comment_pad));
        out.push_str(comment);
    }
}

/// Pads the `=` of consecutive assignment lines, then the trailing comments of consecutive
/// commented lines, to one column each (hclwrite's cells).
fn align(lines: &mut [Option<Line>]) {
    let width = |l: &Line| 2 * l.indent + l.lead.chars().count();
    chains(
        lines,
        |l| l.assign.is_some(),
        |chain| {
            let max = chain.iter().map(|l| width(l)).max().unwrap_or(0);
            for line in chain {
                line.assign_pad = max - width(line) + 1;
            }
        },
    );
    chains(
        lines,
        |l| l.comment.is_some() && !l.multiline,
        |chain| {
            let width = |l: &Line| {
                width(l)
                    + l.assign
                        .as_ref()
                        .map_or(0, |a| l.assign_pad + a.chars().count())
            };
            let max = chain.iter().map(|l| width(l)).max().unwrap_or(0);
            for line in chain {
                line.comment_pad = max - width(line) + 1;
            }
        },
    );
}

/// Calls `apply` on each run of consecutive lines that are `member`s. A line holding a
/// multi-line token ends its run.
fn chains(
    lines: &mut [Option<Line>],
    member: impl Fn(&Line) -> bool,
    mut apply: impl FnMut(&mut [&mut Line]),
) {
    let mut chain: Vec<&mut Line> = Vec::new();
    for line in lines.iter_mut() {
        match line {
            Some(l) if member(l) => {
                let ends = l.multiline;
                chain.push(l);
                if ends {
                    apply(&mut chain);
                    chain.clear();
                }
            }
            _ => {
                apply(&mut chain);
                chain.clear();
            }
        }
    }
    apply(&mut chain);
}

#[cfg(test)]
mod tests {
    use super::format_text;

    #[track_caller]
    fn check(input: &str, expected: &str) {
        assert_eq!(format_text(input), expected);
        assert_eq!(format_text(expected), expected, "not idempotent");
    }

    #[test]
    fn indents_and_aligns() {
        check(
            "job \"x\" {\ndatacenters=[\"dc1\"]\n    type = \"service\" # the default\n\n  group \"g\" {\ncount=1\n  }\n}\n",
            "job \"x\" {\n  datacenters = [\"dc1\"]\n  type        = \"service\" # the default\n\n  group \"g\" {\n    count = 1\n  }\n}\n",
        );
    }

    #[test]
    fn spaces_operators_but_not_calls_or_indexes() {
        check(
            "a = foo(1,2)[0]\nb = -1\nc = x-1 - y\nd = !true\ne = [for k,v in m: k=>v if v>0]\nf = var.x ? 1 : -2\ng = a[*].b\n",
            "a = foo(1, 2)[0]\nb = -1\nc = x-1 - y\nd = !true\ne = [for k, v in m : k => v if v > 0]\nf = var.x ? 1 : -2\ng = a[*].b\n",
        );
    }

    #[test]
    fn keeps_strings_heredocs_and_comments() {
        check(
            "# top\nx {\n  a = \"${ attr.x }  \" // why\n  /* block\n     comment */\n  b = <<-EOF\n    keep   this\n  EOF\n  long_name = 1\n}\n\n\n",
            "# top\nx {\n  a = \"${ attr.x }  \" // why\n  /* block\n     comment */\n  b = <<-EOF\n    keep   this\n  EOF\n  long_name = 1\n}\n",
        );
    }

    #[test]
    fn multiline_values_break_alignment() {
        check(
            "a = {\nx = 1\nlong = 2\n}\nbb = [\n1,\n2,\n]\nc = foo({\nk = 1\n})\n",
            "a = {\n  x    = 1\n  long = 2\n}\nbb = [\n  1,\n  2,\n]\nc = foo({\n  k = 1\n})\n",
        );
    }

    #[test]
    fn a_quote_inside_an_open_directive_stays_in_the_string() {
        // hcl-edit reads `"` inside `%{ if }` ... `%{ endif }` as text, not as the string's end.
        check(
            "a = \"%{ if true }x\ny\" \n b = \"q\" %{ endif }\"\nc=1\n",
            "a = \"%{ if true }x\ny\" \n b = \"q\" %{ endif }\"\nc = 1\n",
        );
    }

    #[test]
    fn a_heredoc_does_not_end_inside_an_interpolation_or_directive() {
        check(
            "a = <<EOT\n%{ for x in y }\nEOT\n%{ endfor }${ [\n1,\n2\n][0] }\nEOT\nc=1\n",
            "a = <<EOT\n%{ for x in y }\nEOT\n%{ endfor }${ [\n1,\n2\n][0] }\nEOT\nc = 1\n",
        );
    }

    #[test]
    fn namespaced_function_names_stay_whole() {
        check(
            "a = provider :: ns::f(1)\nb = x ? y : z\n",
            "a = provider::ns::f(1)\nb = x ? y : z\n",
        );
    }

    #[test]
    fn a_directive_keyword_may_follow_a_newline() {
        check(
            "a = <<EOT\n%{for s in x}%{\nendfor}\nEOT\nb=1\n",
            "a = <<EOT\n%{for s in x}%{\nendfor}\nEOT\nb = 1\n",
        );
    }

    #[test]
    fn keeps_crlf() {
        check("a {\r\nb=1 # c\r\n}\r\n", "a {\r\n  b = 1 # c\r\n}\r\n");
    }

    #[test]
    fn single_line_blocks_and_empty_braces() {
        check(
            "a {}\nb { c = 1 }\nd = {}\ne = {k=\"v\"}\n",
            "a {}\nb { c = 1 }\nd = {}\ne = { k = \"v\" }\n",
        );
    }
}
