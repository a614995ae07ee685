//! Encoding functions: base64, JSON, YAML, CSV and URL encoding.

use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::{Marker, TScalarStyle};

use super::{Args, Error, Result, list, string};
use crate::model::{Map, Number, Value};
use crate::span::Spanned;

const BASE64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Standard base64 with padding, as Go's `base64.StdEncoding`.
pub(crate) fn base64_encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(BASE64[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn base64_decode(text: &str) -> Option<Vec<u8>> {
    let text = text.as_bytes();
    if text.len() % 4 != 0 {
        return None;
    }
    let mut out = Vec::with_capacity(text.len() / 4 * 3);
    for chunk in text.chunks(4) {
        let mut n = 0u32;
        let mut pad = 0;
        for (i, &c) in chunk.iter().enumerate() {
            let v = match c {
                b'=' if i >= 2 => {
                    pad += 1;
                    0
                }
                _ if pad > 0 => return None,
                _ => BASE64.iter().position(|&b| b == c)? as u32,
            };
            n = (n << 6) | v;
        }
        let bytes = [(n >> 16) as u8, (n >> 8) as u8, n as u8];
        out.extend_from_slice(&bytes[..3 - pad]);
    }
    Some(out)
}

pub(super) fn base64encode(a: &mut Args<'_, '_>) -> Result<Value> {
    let s = a.string(0)?;
    a.sized(string(base64_encode(s.as_bytes())))
}

pub(super) fn base64decode(a: &mut Args<'_, '_>) -> Result<Value> {
    let s = a.string(0)?;
    let bytes = base64_decode(&s).ok_or_else(|| Error::Arg(0, "not valid base64".into()))?;
    String::from_utf8(bytes)
        .map(string)
        .map_err(|_| Error::Arg(0, "the decoded bytes are not UTF-8 text".into()))
}

/// JSON as cty writes it: object keys in lexical order, no spaces.
fn json(value: &Value, out: &mut String) {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<_> = map.iter().collect();
            entries.sort_by(|a, b| a.0.inner.cmp(&b.0.inner));
            out.push('{');
            for (i, (k, v)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&serde_json::to_string(&k.inner).unwrap_or_default());
                out.push(':');
                json(&v.inner, out);
            }
            out.push('}');
        }
        Value::List(items) => {
            out.push('[');
            for (i, v) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                json(&v.inner, out);
            }
            out.push(']');
        }
        scalar => out.push_str(&serde_json::to_string(scalar).unwrap_or_default()),
    }
}

pub(super) fn jsonencode(a: &mut Args<'_, '_>) -> Result<Value> {
    let mut out = String::new();
    json(a.value(0), &mut out);
    a.sized(string(out))
}

pub(super) fn jsondecode(a: &mut Args<'_, '_>) -> Result<Value> {
    let s = a.string(0)?;
    serde_json::from_str::<Value>(&s).map_err(|e| Error::Arg(0, format!("invalid JSON: {e}")))
}

pub(super) fn urlencode(a: &mut Args<'_, '_>) -> Result<Value> {
    // Go's url.QueryEscape: unreserved bytes stay, a space is `+`, the rest `%XX`.
    let s = a.string(0)?;
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    Ok(string(out))
}

pub(super) fn csvdecode(a: &mut Args<'_, '_>) -> Result<Value> {
    let text = a.string(0)?;
    let rows = parse_csv(&text).map_err(|e| Error::Arg(0, e))?;
    let mut rows = rows.into_iter();
    let Some(header) = rows.next() else {
        return Err(Error::Arg(0, "missing the header row".into()));
    };
    let mut out = Vec::new();
    for (n, row) in rows.enumerate() {
        if row.len() != header.len() {
            return Err(Error::Arg(
                0,
                format!(
                    "row {} has {} fields, the header has {}",
                    n + 2,
                    row.len(),
                    header.len()
                ),
            ));
        }
        let map: Map<Value> = header
            .iter()
            .zip(row)
            .map(|(k, v)| (Spanned::bare(k.clone()), Spanned::bare(string(v))))
            .collect();
        out.push(Value::Object(map));
        if out.len() > a.cx.limits.max_collection {
            return a.sized(list(out));
        }
    }
    Ok(list(out))
}

/// RFC 4180 CSV: quoted fields, doubled quotes, CRLF or LF line ends.
fn parse_csv(text: &str) -> Result<Vec<Vec<String>>, String> {
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut field = String::new();
    let mut chars = text.chars().peekable();
    let mut quoted = false;
    let mut at_field_start = true;
    while let Some(c) = chars.next() {
        if quoted {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    field.push('"');
                }
                '"' => quoted = false,
                _ => field.push(c),
            }
            continue;
        }
        match c {
            '"' if at_field_start => {
                quoted = true;
                at_field_start = false;
            }
            ',' => {
                row.push(std::mem::take(&mut field));
                at_field_start = true;
            }
            '\r' if chars.peek() == Some(&'\n') => {}
            '\n' => {
                row.push(std::mem::take(&mut field));
                rows.push(std::mem::take(&mut row));
                at_field_start = true;
            }
            '"' => return Err("a quote inside an unquoted field".into()),
            _ => {
                field.push(c);
                at_field_start = false;
            }
        }
    }
    if quoted {
        return Err("an unterminated quoted field".into());
    }
    if !field.is_empty() || !row.is_empty() {
        row.push(field);
        rows.push(row);
    }
    Ok(rows)
}

pub(super) fn yamlencode(a: &mut Args<'_, '_>) -> Result<Value> {
    let out = a.value(0).to_yaml();
    a.sized(string(out))
}

/// Builds a [`Value`] from YAML parser events, without resolving aliases (which would let a
/// small document expand exponentially).
struct YamlBuilder {
    stack: Vec<(Value, Option<String>)>,
    done: Option<Value>,
    error: Option<String>,
    nodes: usize,
    max_nodes: usize,
}

fn yaml_scalar(text: String, style: TScalarStyle) -> Value {
    if style != TScalarStyle::Plain {
        return Value::String(text);
    }
    match text.as_str() {
        "~" | "null" | "Null" | "NULL" | "" => Value::Null,
        "true" | "True" | "TRUE" => Value::Bool(true),
        "false" | "False" | "FALSE" => Value::Bool(false),
        t => {
            if let Ok(i) = t.parse::<i64>() {
                Value::Number(Number::Int(i))
            } else if let Some(f) = t
                .parse::<f64>()
                .ok()
                .filter(|f| f.is_finite() && t.chars().any(|c| c.is_ascii_digit()))
            {
                Value::Number(Number::from_f64(f))
            } else {
                Value::String(text)
            }
        }
    }
}

impl YamlBuilder {
    fn add(&mut self, value: Value) {
        self.nodes += 1;
        if self.nodes > self.max_nodes {
            self.error.get_or_insert_with(|| {
                format!("the document has more than {} nodes", self.max_nodes)
            });
            return;
        }
        match self.stack.last_mut() {
            None => {
                if self.done.is_none() {
                    self.done = Some(value);
                }
            }
            Some((Value::List(items), _)) => items.push(Spanned::bare(value)),
            Some((Value::Object(map), pending)) => match pending.take() {
                None => match value {
                    Value::String(k) => *pending = Some(k),
                    Value::Number(n) => *pending = Some(n.to_string()),
                    Value::Bool(b) => *pending = Some(b.to_string()),
                    _ => {
                        self.error
                            .get_or_insert_with(|| "a mapping key must be a scalar".into());
                    }
                },
                Some(k) => {
                    map.insert(Spanned::bare(k), Spanned::bare(value));
                }
            },
            Some(_) => {}
        }
    }
}

impl MarkedEventReceiver for YamlBuilder {
    fn on_event(&mut self, event: Event, _: Marker) {
        match event {
            Event::Scalar(text, style, _, _) => self.add(yaml_scalar(text, style)),
            Event::SequenceStart(..) => self.stack.push((Value::List(Vec::new()), None)),
            Event::MappingStart(..) => self.stack.push((Value::Object(Map::new()), None)),
            Event::SequenceEnd | Event::MappingEnd => {
                if let Some((value, _)) = self.stack.pop() {
                    self.add(value);
                }
            }
            Event::Alias(_) => {
                self.error
                    .get_or_insert_with(|| "YAML aliases (`*name`) are not supported".into());
            }
            _ => {}
        }
    }
}

pub(super) fn yamldecode(a: &mut Args<'_, '_>) -> Result<Value> {
    let text = a.string(0)?;
    let mut builder = YamlBuilder {
        stack: Vec::new(),
        done: None,
        error: None,
        nodes: 0,
        max_nodes: a.cx.limits.max_collection,
    };
    Parser::new_from_str(&text)
        .load(&mut builder, false)
        .map_err(|e| Error::Arg(0, format!("invalid YAML: {e}")))?;
    if let Some(e) = builder.error {
        return Err(Error::Arg(0, e));
    }
    Ok(builder.done.unwrap_or(Value::Null))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_round_trips() {
        for s in ["", "f", "fo", "foo", "foob", "fooba", "foobar", "é ✓"] {
            let e = base64_encode(s.as_bytes());
            assert_eq!(base64_decode(&e).unwrap(), s.as_bytes(), "{s}");
        }
        assert_eq!(base64_encode(b"foobar"), "Zm9vYmFy");
        assert_eq!(base64_encode(b"fo"), "Zm8=");
        assert!(base64_decode("Zm9v!").is_none());
        assert!(base64_decode("Zm=v").is_none());
    }

    #[test]
    fn csv_handles_quotes() {
        let rows = parse_csv("a,b\n\"x,1\",\"say \"\"hi\"\"\"\r\n").unwrap();
        assert_eq!(rows, vec![vec!["a", "b"], vec!["x,1", "say \"hi\""]]);
    }
}
