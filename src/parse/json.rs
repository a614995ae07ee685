//! JSON jobspecs: a JSON parser that keeps the span of every key and value, for HCL's JSON
//! syntax, and the test that tells Nomad's API form from it.

use super::limits::{self, Limits};
use crate::diagnostic::{Code, Diagnostic};
use crate::model::Number;
use crate::span::{Span, Spanned};

/// Deepest nesting a JSON document may have.
const MAX_DEPTH: usize = 128;

/// A JSON value with the span of every part.
#[derive(Clone, Debug)]
pub(crate) enum Json {
    Null,
    Bool(bool),
    Number(Number),
    String(String),
    Array(Vec<Spanned<Json>>),
    /// Properties in order; HCL's JSON syntax allows a name to repeat (repeated blocks).
    Object(Vec<(Spanned<String>, Spanned<Json>)>),
}

impl Json {
    pub(crate) fn type_name(&self) -> &'static str {
        match self {
            Json::Null => "null",
            Json::Bool(_) => "a bool",
            Json::Number(_) => "a number",
            Json::String(_) => "a string",
            Json::Array(_) => "an array",
            Json::Object(_) => "an object",
        }
    }
}

/// Whether a JSON document is Nomad's API form: `{"Job": {...}}`, or a bare job with Go field
/// names (`ID`, `Name`, `TaskGroups`) and none of HCL's top-level keys.
pub(crate) fn is_api_job(tree: &Spanned<Json>) -> bool {
    let Json::Object(props) = &tree.inner else {
        return false;
    };
    let has = |key: &str| props.iter().any(|(k, _)| k.inner == key);
    has("Job")
        || (!["job", "variable", "variables", "locals"]
            .iter()
            .any(|k| has(k))
            && ["ID", "Name", "TaskGroups"].iter().any(|k| has(k)))
}

/// Parses a JSON document.
///
/// # Errors
///
/// One syntax diagnostic at the first error.
pub(crate) fn parse(text: &str, limits: &Limits) -> Result<Spanned<Json>, Diagnostic> {
    let mut p = Parser {
        text,
        pos: 0,
        objects: 0,
        nodes: 0,
        limits,
    };
    let value = p.value(0)?;
    p.skip_ws();
    if p.pos < text.len() {
        return Err(p.error("unexpected text after the JSON value"));
    }
    Ok(value)
}

struct Parser<'t> {
    text: &'t str,
    pos: usize,
    /// Objects read so far: each counts toward `Limits::max_blocks`.
    objects: usize,
    /// Values read so far (`Limits::max_nodes`).
    nodes: usize,
    limits: &'t Limits,
}

impl Parser<'_> {
    fn error(&self, message: &str) -> Diagnostic {
        let end = self.text[self.pos..]
            .chars()
            .next()
            .map_or(self.pos, |c| self.pos + c.len_utf8());
        Diagnostic::new(
            Code::Syntax,
            Span::new(self.pos, end),
            format!("JSON syntax error: {message}"),
        )
        .with_label("here")
        .with_help("fix the JSON syntax; nothing else in the file is checked until it parses")
    }

    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.pos).copied()
    }

    fn skip_ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.pos += 1;
        }
    }

    fn expect(&mut self, byte: u8, what: &str) -> Result<(), Diagnostic> {
        self.skip_ws();
        if self.peek() == Some(byte) {
            self.pos += 1;
            Ok(())
        } else {
            Err(self.error(&format!("expected {what}")))
        }
    }

    fn value(&mut self, depth: usize) -> Result<Spanned<Json>, Diagnostic> {
        self.skip_ws();
        if depth > MAX_DEPTH {
            let at = Span::new(self.pos, (self.pos + 1).min(self.text.len()));
            return Err(Diagnostic::new(
                Code::SourceLimit,
                at,
                format!("objects and arrays nest more than {MAX_DEPTH} levels deep"),
            )
            .with_label(format!("level {}", MAX_DEPTH + 1))
            .with_help(format!(
                "flatten the document; the limit of {MAX_DEPTH} levels is fixed"
            )));
        }
        self.nodes += 1;
        if self.nodes > self.limits.max_nodes {
            let at = Span::new(self.pos, (self.pos + 1).min(self.text.len()));
            return Err(limits::too_many_nodes(at, self.limits.max_nodes, "values"));
        }
        let start = self.pos;
        let value = match self.peek() {
            Some(b'{') => {
                self.objects += 1;
                if self.objects > self.limits.max_blocks {
                    let at = Span::new(self.pos, self.pos + 1);
                    let max = self.limits.max_blocks;
                    return Err(limits::too_many_blocks(at, max, "objects (blocks)"));
                }
                self.pos += 1;
                let mut props = Vec::new();
                self.skip_ws();
                if self.peek() == Some(b'}') {
                    self.pos += 1;
                } else {
                    loop {
                        self.skip_ws();
                        if self.peek() != Some(b'"') {
                            return Err(self.error("expected a property name in double quotes"));
                        }
                        let key = self.string()?;
                        if key.len() > self.limits.max_label {
                            let max = self.limits.max_label;
                            return Err(limits::label_too_long(key.span, key.len(), max));
                        }
                        self.expect(b':', "`:`")?;
                        let value = self.value(depth + 1)?;
                        props.push((key, value));
                        self.skip_ws();
                        match self.peek() {
                            Some(b',') => self.pos += 1,
                            Some(b'}') => {
                                self.pos += 1;
                                break;
                            }
                            _ => return Err(self.error("expected `,` or `}`")),
                        }
                    }
                }
                Json::Object(props)
            }
            Some(b'[') => {
                self.pos += 1;
                let mut items = Vec::new();
                self.skip_ws();
                if self.peek() == Some(b']') {
                    self.pos += 1;
                } else {
                    loop {
                        items.push(self.value(depth + 1)?);
                        self.skip_ws();
                        match self.peek() {
                            Some(b',') => self.pos += 1,
                            Some(b']') => {
                                self.pos += 1;
                                break;
                            }
                            _ => return Err(self.error("expected `,` or `]`")),
                        }
                    }
                }
                Json::Array(items)
            }
            Some(b'"') => return self.string().map(|s| s.map(Json::String)),
            Some(b't') if self.text[self.pos..].starts_with("true") => {
                self.pos += 4;
                Json::Bool(true)
            }
            Some(b'f') if self.text[self.pos..].starts_with("false") => {
                self.pos += 5;
                Json::Bool(false)
            }
            Some(b'n') if self.text[self.pos..].starts_with("null") => {
                self.pos += 4;
                Json::Null
            }
            Some(b'-' | b'0'..=b'9') => {
                let len = self.text[self.pos..]
                    .find(|c: char| !(c.is_ascii_digit() || "+-.eE".contains(c)))
                    .unwrap_or(self.text.len() - self.pos);
                let raw = &self.text[self.pos..self.pos + len];
                let number = raw
                    .parse::<i64>()
                    .map(Number::Int)
                    .ok()
                    .or_else(|| {
                        raw.parse::<f64>()
                            .ok()
                            .filter(|f| f.is_finite())
                            .map(Number::from_f64)
                    })
                    .ok_or_else(|| self.error(&format!("{raw:?} is not a number")))?;
                self.pos += len;
                Json::Number(number)
            }
            _ => return Err(self.error("expected a value")),
        };
        Ok(Spanned::new(value, Span::new(start, self.pos)))
    }

    /// A string literal, decoded; the span covers the quotes.
    fn string(&mut self) -> Result<Spanned<String>, Diagnostic> {
        let start = self.pos;
        self.pos += 1;
        let mut out = String::new();
        loop {
            let rest = &self.text[self.pos..];
            let Some(i) = rest.find(['"', '\\']) else {
                return Err(self.error("unterminated string"));
            };
            let chunk = &rest[..i];
            if chunk.bytes().any(|b| b < 0x20) {
                self.pos += chunk.bytes().position(|b| b < 0x20).unwrap_or(0);
                return Err(self.error("a control character must be escaped in a string"));
            }
            out.push_str(chunk);
            self.pos += i;
            if self.peek() == Some(b'"') {
                self.pos += 1;
                return Ok(Spanned::new(out, Span::new(start, self.pos)));
            }
            self.pos += 1;
            let c = match self.peek() {
                Some(b'"') => '"',
                Some(b'\\') => '\\',
                Some(b'/') => '/',
                Some(b'b') => '\u{8}',
                Some(b'f') => '\u{c}',
                Some(b'n') => '\n',
                Some(b'r') => '\r',
                Some(b't') => '\t',
                Some(b'u') => {
                    let hi = self.hex4()?;
                    let code = if (0xD800..0xDC00).contains(&hi)
                        && self.text[self.pos + 1..].starts_with("\\u")
                    {
                        self.pos += 2;
                        let lo = self.hex4()?;
                        0x10000 + ((hi - 0xD800) << 10) + (lo.wrapping_sub(0xDC00) & 0x3FF)
                    } else {
                        hi
                    };
                    char::from_u32(code).unwrap_or('\u{FFFD}')
                }
                _ => return Err(self.error("invalid escape")),
            };
            out.push(c);
            self.pos += 1;
        }
    }

    /// The four hex digits after `\u`; leaves `pos` on the last one.
    fn hex4(&mut self) -> Result<u32, Diagnostic> {
        let digits = self.text.get(self.pos + 1..self.pos + 5).unwrap_or("");
        let code = u32::from_str_radix(digits, 16)
            .map_err(|_| self.error("`\\u` needs four hex digits"))?;
        self.pos += 4;
        Ok(code)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_with_spans() {
        let text = r#"{"a": [1, -2.5, "x\u00e9\ud83d\ude00", true, null], "b": {}}"#;
        let tree = parse(text, &Limits::default()).unwrap();
        let Json::Object(props) = &tree.inner else {
            panic!()
        };
        assert_eq!(props[0].0.inner, "a");
        assert_eq!(&text[props[0].0.span.start..props[0].0.span.end], "\"a\"");
        let Json::Array(items) = &props[0].1.inner else {
            panic!()
        };
        assert!(matches!(items[2].inner, Json::String(ref s) if s == "xé😀"));
        assert_eq!(&text[items[1].span.start..items[1].span.end], "-2.5");
    }

    #[test]
    fn rejects_bad_json() {
        for bad in ["{", "{\"a\" 1}", "[1,]", "\"\\x\"", "{} x", "nul"] {
            assert!(parse(bad, &Limits::default()).is_err(), "{bad}");
        }
    }

    #[test]
    fn stops_at_the_limits() {
        let limits = Limits {
            max_blocks: 2,
            max_label: 3,
            ..Limits::default()
        };
        let code = |text: &str| parse(text, &limits).unwrap_err().code.as_str();
        let deep = "[".repeat(200) + &"]".repeat(200);
        assert_eq!(code(&deep), "jobspec::source::limit");
        assert_eq!(code(r#"[{}, {}, {}]"#), "jobspec::source::limit");
        assert_eq!(code(r#"{"abcd": 1}"#), "jobspec::source::limit");
        assert!(parse(r#"[{"abc": {}}]"#, &limits).is_ok());
    }
}
