//! String functions: `chomp`, `format`, `formatlist`, `indent`, `join`, `lower`, `upper`,
//! `regex_replace`, `replace`, `split`, `strlen`, `strrev`, `substr`, `title`, `trim*`.

use super::{Args, Error, Result, int, list, string};
use crate::model::Value;

pub(super) fn chomp(a: &mut Args<'_, '_>) -> Result<Value> {
    let s = a.string(0)?;
    Ok(string(s.trim_end_matches(['\n', '\r'])))
}

pub(super) fn lower(a: &mut Args<'_, '_>) -> Result<Value> {
    Ok(string(a.string(0)?.to_lowercase()))
}

pub(super) fn upper(a: &mut Args<'_, '_>) -> Result<Value> {
    Ok(string(a.string(0)?.to_uppercase()))
}

pub(super) fn title(a: &mut Args<'_, '_>) -> Result<Value> {
    let s = a.string(0)?;
    let mut out = String::with_capacity(s.len());
    let mut at_word_start = true;
    for c in s.chars() {
        if at_word_start && c.is_alphabetic() {
            out.extend(c.to_uppercase());
        } else {
            out.push(c);
        }
        at_word_start = !c.is_alphanumeric() && c != '\'';
    }
    Ok(string(out))
}

pub(super) fn trimspace(a: &mut Args<'_, '_>) -> Result<Value> {
    Ok(string(a.string(0)?.trim()))
}

pub(super) fn trim(a: &mut Args<'_, '_>) -> Result<Value> {
    let (s, cutset) = (a.string(0)?, a.string(1)?);
    Ok(string(s.trim_matches(|c| cutset.contains(c))))
}

pub(super) fn trimprefix(a: &mut Args<'_, '_>) -> Result<Value> {
    let (s, prefix) = (a.string(0)?, a.string(1)?);
    Ok(string(s.strip_prefix(prefix.as_str()).unwrap_or(&s)))
}

pub(super) fn trimsuffix(a: &mut Args<'_, '_>) -> Result<Value> {
    let (s, suffix) = (a.string(0)?, a.string(1)?);
    Ok(string(s.strip_suffix(suffix.as_str()).unwrap_or(&s)))
}

pub(super) fn strlen(a: &mut Args<'_, '_>) -> Result<Value> {
    Ok(int(a.string(0)?.chars().count() as i64))
}

pub(super) fn strrev(a: &mut Args<'_, '_>) -> Result<Value> {
    Ok(string(a.string(0)?.chars().rev().collect::<String>()))
}

pub(super) fn substr(a: &mut Args<'_, '_>) -> Result<Value> {
    let s: Vec<char> = a.string(0)?.chars().collect();
    let (offset, length) = (a.int(1)?, a.int(2)?);
    let len = s.len() as i64;
    let start = if offset < 0 { len + offset } else { offset };
    if start < 0 || start > len {
        return Err(Error::Arg(
            1,
            format!("offset {offset} is out of range for a string of {len} characters"),
        ));
    }
    let end = if length < 0 {
        len
    } else {
        (start + length).min(len)
    };
    Ok(string(
        s[start as usize..end.max(start) as usize]
            .iter()
            .collect::<String>(),
    ))
}

pub(super) fn indent(a: &mut Args<'_, '_>) -> Result<Value> {
    let spaces = usize::try_from(a.int(0)?)
        .map_err(|_| Error::Arg(0, "the indent must not be negative".into()))?;
    if spaces > a.cx.limits.max_string {
        return Err(Error::Arg(0, "the indent is too large".into()));
    }
    let s = a.string(1)?;
    let pad = " ".repeat(spaces);
    let out = s.replace('\n', &format!("\n{pad}"));
    a.sized(string(out))
}

pub(super) fn join(a: &mut Args<'_, '_>) -> Result<Value> {
    let sep = a.string(0)?;
    let mut parts = Vec::new();
    for i in 1..a.len() {
        parts.extend(a.strings(i)?);
    }
    a.sized(string(parts.join(&sep)))
}

pub(super) fn split(a: &mut Args<'_, '_>) -> Result<Value> {
    let (sep, s) = (a.string(0)?, a.string(1)?);
    let parts: Vec<Value> = if sep.is_empty() {
        s.chars().map(|c| string(c.to_string())).collect()
    } else {
        s.split(sep.as_str()).map(string).collect()
    };
    a.sized(list(parts))
}

pub(super) fn replace(a: &mut Args<'_, '_>) -> Result<Value> {
    let (s, from, to) = (a.string(0)?, a.string(1)?, a.string(2)?);
    if from.is_empty() {
        return Err(Error::Arg(
            1,
            "the substring to replace must not be empty".into(),
        ));
    }
    // The result's length is known before it is built, so a huge one is refused unbuilt.
    let count = s.matches(from.as_str()).count();
    let size = (s.len() - count * from.len()).saturating_add(count.saturating_mul(to.len()));
    if size > a.cx.limits.max_string {
        return a.too_long(size);
    }
    a.sized(string(s.replace(&from, &to)))
}

pub(super) fn regex_replace(a: &mut Args<'_, '_>) -> Result<Value> {
    let (s, pattern, to) = (a.string(0)?, a.string(1)?, a.string(2)?);
    let re = regex::RegexBuilder::new(&pattern)
        .size_limit(1 << 20)
        .build()
        .map_err(|e| Error::Arg(1, format!("invalid regular expression: {e}")))?;
    // `replace_all`, with each replacement measured before it is appended and paid for in
    // evaluation steps, so the result can neither outgrow the limit nor take long to build.
    let pieces = replacement(&to, &re);
    let max = a.cx.limits.max_string;
    let mut out = String::new();
    let mut last = 0;
    for caps in re.captures_iter(&s) {
        let Some(m) = caps.get(0) else { continue };
        if !a.cx.charge(a.span, pieces.len() as u64 + 1) {
            return Err(Error::Call(String::new()));
        }
        let group = |i: usize| caps.get(i).map_or("", |g| g.as_str());
        let add: usize = pieces
            .iter()
            .map(|p| match p {
                Piece::Text(t) => t.len(),
                Piece::Group(i) => group(*i).len(),
            })
            .sum();
        let size = out.len() + (m.start() - last) + add;
        if size > max {
            return a.too_long(size);
        }
        out.push_str(&s[last..m.start()]);
        for p in &pieces {
            out.push_str(match p {
                Piece::Text(t) => t,
                Piece::Group(i) => group(*i),
            });
        }
        last = m.end();
    }
    out.push_str(&s[last..]);
    a.sized(string(out))
}

/// A part of a `regex_replace` replacement.
#[derive(Debug, PartialEq)]
enum Piece<'t> {
    Text(&'t str),
    /// A capture group, by index.
    Group(usize),
}

/// A replacement read as the `regex` crate reads it (`regex_automata::util::interpolate`):
/// `$name` (the longest run of letters, digits and `_`; all digits is a group's index),
/// `${name}`, and `$$` for a `$`; a reference to no group of `re` is dropped.
fn replacement<'t>(mut rest: &'t str, re: &regex::Regex) -> Vec<Piece<'t>> {
    let mut out = Vec::new();
    while let Some(i) = rest.find('$') {
        if i > 0 {
            out.push(Piece::Text(&rest[..i]));
        }
        rest = &rest[i..];
        if rest.as_bytes().get(1) == Some(&b'$') {
            out.push(Piece::Text("$"));
            rest = &rest[2..];
            continue;
        }
        let Some((name, end)) = group_ref(rest) else {
            out.push(Piece::Text("$"));
            rest = &rest[1..];
            continue;
        };
        let index = match name.parse::<usize>() {
            Ok(i) => Some(i),
            Err(_) => re.capture_names().position(|n| n == Some(name)),
        };
        if let Some(i) = index.filter(|&i| i < re.captures_len()) {
            out.push(Piece::Group(i));
        }
        rest = &rest[end..];
    }
    if !rest.is_empty() {
        out.push(Piece::Text(rest));
    }
    out
}

/// The group name or index of a `$` reference at the start of `rep`, and where it ends.
fn group_ref(rep: &str) -> Option<(&str, usize)> {
    let bytes = rep.as_bytes();
    if bytes.len() <= 1 || bytes[0] != b'$' {
        return None;
    }
    if bytes[1] == b'{' {
        let close = rep[2..].find('}')? + 2;
        return Some((&rep[2..close], close + 1));
    }
    let end = 1 + bytes[1..]
        .iter()
        .take_while(|b| b.is_ascii_alphanumeric() || **b == b'_')
        .count();
    (end > 1).then(|| (&rep[1..end], end))
}

/// Go's `fmt` verbs as cty's `format` supports them: `%s %q %d %f %e %g %t %v %#v %x %X %o
/// %b %%`, with flags, width and precision.
pub(super) fn format(a: &mut Args<'_, '_>) -> Result<Value> {
    let spec = a.string(0)?;
    let args: Vec<Value> = (1..a.len()).map(|i| a.value(i).clone()).collect();
    match sprintf(&spec, &args, a.cx.limits.max_string) {
        Ok(out) => a.sized(string(out)),
        Err(Sprintf::Invalid(message)) => Err(Error::Call(message)),
        Err(Sprintf::TooLong(size)) => a.too_long(size),
    }
}

/// `format` applied element-wise: list arguments are iterated together, others repeat.
pub(super) fn formatlist(a: &mut Args<'_, '_>) -> Result<Value> {
    let spec = a.string(0)?;
    let args: Vec<Value> = (1..a.len()).map(|i| a.value(i).clone()).collect();
    let mut n: Option<usize> = None;
    for (i, arg) in args.iter().enumerate() {
        if let Value::List(items) = arg {
            match n {
                Some(m) if m != items.len() => {
                    return Err(Error::Arg(
                        i + 1,
                        format!(
                            "all lists must have the same length ({m}), not {}",
                            items.len()
                        ),
                    ));
                }
                _ => n = Some(items.len()),
            }
        }
    }
    let n = n.unwrap_or(1);
    let mut out = Vec::with_capacity(n);
    // The strings together stay within the string limit.
    let mut left = a.cx.limits.max_string;
    for row in 0..n {
        let row_args: Vec<Value> = args
            .iter()
            .map(|arg| match arg {
                Value::List(items) => items[row].inner.clone(),
                other => other.clone(),
            })
            .collect();
        match sprintf(&spec, &row_args, left) {
            Ok(s) => {
                left -= s.len();
                out.push(string(s));
            }
            Err(Sprintf::Invalid(message)) => return Err(Error::Call(message)),
            Err(Sprintf::TooLong(size)) => {
                let max = a.cx.limits.max_string;
                return a.too_long(size + max - left);
            }
        }
    }
    a.sized(list(out))
}

fn go_quote(s: &str) -> String {
    // Go's %q is a Go string literal; JSON escaping matches it for printable text.
    serde_json::to_string(s).unwrap_or_default()
}

fn display(v: &Value) -> Result<String, String> {
    Ok(match v {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Null => "null".to_owned(),
        other => serde_json::to_string(other).map_err(|e| e.to_string())?,
    })
}

/// Why `sprintf` failed.
#[derive(Debug)]
enum Sprintf {
    /// A format or argument cty rejects, with its message.
    Invalid(String),
    /// The result would be longer than allowed: at least this many bytes.
    TooLong(usize),
}

impl From<String> for Sprintf {
    fn from(message: String) -> Sprintf {
        Sprintf::Invalid(message)
    }
}

impl From<&str> for Sprintf {
    fn from(message: &str) -> Sprintf {
        Sprintf::Invalid(message.to_owned())
    }
}

/// Formats `args` as Go's `fmt.Sprintf(spec, ...)`, in at most `max` bytes: a width or
/// precision that would take more is refused before anything is built.
fn sprintf(spec: &str, args: &[Value], max: usize) -> Result<String, Sprintf> {
    let mut out = String::new();
    let mut chars = spec.chars().peekable();
    let mut next_arg = 0;
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        let mut flags = String::new();
        while let Some(&f) = chars.peek() {
            if "+-# 0".contains(f) {
                flags.push(f);
                chars.next();
            } else {
                break;
            }
        }
        let mut width = String::new();
        while let Some(&d) = chars.peek().filter(|d| d.is_ascii_digit()) {
            width.push(d);
            chars.next();
        }
        let mut precision: Option<usize> = None;
        if chars.peek() == Some(&'.') {
            chars.next();
            let mut p = String::new();
            while let Some(&d) = chars.peek().filter(|d| d.is_ascii_digit()) {
                p.push(d);
                chars.next();
            }
            precision = Some(if p.is_empty() {
                0
            } else {
                p.parse().unwrap_or(usize::MAX)
            });
        }
        let width: usize = if width.is_empty() {
            0
        } else {
            width.parse().unwrap_or(usize::MAX)
        };
        let widest = width.max(precision.unwrap_or(0));
        if widest > max.saturating_sub(out.len()) {
            return Err(Sprintf::TooLong(out.len().saturating_add(widest)));
        }
        let verb = chars
            .next()
            .ok_or("the format ends in the middle of a verb")?;
        if verb == '%' {
            out.push('%');
            continue;
        }
        let arg = args
            .get(next_arg)
            .ok_or_else(|| format!("not enough arguments for the verb %{verb}"))?;
        next_arg += 1;
        let number = || match arg {
            Value::Number(n) => Ok(n.as_f64()),
            Value::String(s) => s
                .parse::<f64>()
                .map_err(|_| format!("%{verb} needs a number, not {s:?}")),
            other => Err(format!("%{verb} needs a number, not {}", other.type_name())),
        };
        let whole = || -> Result<i64, String> {
            let f = number()?;
            if f.fract() == 0.0 {
                Ok(f as i64)
            } else {
                Err(format!("%{verb} needs a whole number, not {f}"))
            }
        };
        let text = match verb {
            's' => {
                let s = display(arg)?;
                match precision {
                    Some(p) => s.chars().take(p).collect(),
                    None => s,
                }
            }
            'v' if flags.contains('#') => serde_json::to_string(arg).map_err(|e| e.to_string())?,
            'v' => display(arg)?,
            'q' => go_quote(&display(arg)?),
            't' => match arg {
                Value::Bool(b) => b.to_string(),
                other => {
                    return Err(format!("%t needs a bool, not {}", other.type_name()).into());
                }
            },
            'd' => {
                let n = whole()?;
                if flags.contains('+') && n >= 0 {
                    format!("+{n}")
                } else {
                    n.to_string()
                }
            }
            'x' => format!("{:x}", whole()?),
            'X' => format!("{:X}", whole()?),
            'o' => format!("{:o}", whole()?),
            'b' => format!("{:b}", whole()?),
            'f' | 'F' => format!("{:.*}", precision.unwrap_or(6), number()?),
            'e' => format_exp(number()?, precision.unwrap_or(6), 'e'),
            'E' => format_exp(number()?, precision.unwrap_or(6), 'E'),
            'g' | 'G' => match precision {
                Some(p) => format!("{:.*}", p, number()?),
                None => crate::model::Number::from_f64(number()?).to_string(),
            },
            other => return Err(format!("unsupported format verb %{other}").into()),
        };
        let len = text.chars().count();
        if len >= width {
            out.push_str(&text);
        } else if flags.contains('-') {
            out.push_str(&text);
            out.extend(std::iter::repeat_n(' ', width - len));
        } else if flags.contains('0') && "dfFeExXob".contains(verb) {
            let (sign, digits) = match text.strip_prefix(['-', '+']) {
                Some(rest) => (&text[..1], rest),
                None => ("", text.as_str()),
            };
            out.push_str(sign);
            out.extend(std::iter::repeat_n('0', width - len));
            out.push_str(digits);
        } else {
            out.extend(std::iter::repeat_n(' ', width - len));
            out.push_str(&text);
        }
    }
    if out.len() > max {
        return Err(Sprintf::TooLong(out.len()));
    }
    if next_arg < args.len() {
        return Err(Sprintf::Invalid(format!(
            "{} arguments are not used by the format",
            args.len() - next_arg
        )));
    }
    Ok(out)
}

/// `%e` as Go writes it: a two-digit exponent at least (`1.500000e+00`).
fn format_exp(f: f64, precision: usize, e: char) -> String {
    let s = format!("{f:.precision$e}");
    let (mantissa, exp) = s.split_once('e').unwrap_or((&s, "0"));
    let (sign, digits) = match exp.strip_prefix('-') {
        Some(d) => ('-', d),
        None => ('+', exp),
    };
    format!("{mantissa}{e}{sign}{digits:0>2}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Number;

    const MAX: usize = usize::MAX;

    #[test]
    fn sprintf_follows_go() {
        let n = |i| Value::Number(Number::Int(i));
        let s = |t: &str| Value::String(t.into());
        assert_eq!(sprintf("%s-%d", &[s("a"), n(7)], MAX).unwrap(), "a-7");
        assert_eq!(
            sprintf("%05d|%-4s|%4s", &[n(42), s("ab"), s("cd")], MAX).unwrap(),
            "00042|ab  |  cd"
        );
        assert_eq!(
            sprintf(
                "%.2f %x %q %%",
                &[Value::Number(Number::Float(1.23456)), n(255), s("hi")],
                MAX
            )
            .unwrap(),
            "1.23 ff \"hi\" %"
        );
        assert_eq!(
            sprintf("%e", &[Value::Number(Number::Float(1.5))], MAX).unwrap(),
            "1.500000e+00"
        );
        assert!(sprintf("%d", &[], MAX).is_err());
        assert!(sprintf("%s", &[s("a"), s("b")], MAX).is_err());
        assert_eq!(
            sprintf("%.f", &[Value::Number(Number::Float(2.5))], MAX).unwrap(),
            "2"
        );
    }

    #[test]
    fn replacements_expand_as_the_regex_crate_does() {
        let re = regex::Regex::new(r"(?P<word>[a-z]+)-(\d+)?").unwrap();
        let haystack = "ab-12 cd- ef-3";
        for to in [
            "", "x", "$1", "${1}x", "$1x", "$2$1", "$$", "$$1", "$", "a$", "${word}", "$word",
            "$word_", "${nope}", "$9", "${9}", "${1", "$-", "$0$0", "é$2é", "${+1}", "$ {1}",
        ] {
            let pieces = replacement(to, &re);
            let ours: String = re
                .captures_iter(haystack)
                .map(|caps| {
                    pieces
                        .iter()
                        .map(|p| match p {
                            Piece::Text(t) => *t,
                            Piece::Group(i) => caps.get(*i).map_or("", |g| g.as_str()),
                        })
                        .collect::<String>()
                })
                .collect::<Vec<_>>()
                .join("|");
            let theirs: String = re
                .captures_iter(haystack)
                .map(|caps| {
                    let mut out = String::new();
                    caps.expand(to, &mut out);
                    out
                })
                .collect::<Vec<_>>()
                .join("|");
            assert_eq!(ours, theirs, "{to:?}");
        }
    }

    #[test]
    fn sprintf_refuses_widths_past_the_limit() {
        let n = Value::Number(Number::Int(1));
        assert!(matches!(
            sprintf("%999999999d", std::slice::from_ref(&n), 1000),
            Err(Sprintf::TooLong(999_999_999))
        ));
        assert!(matches!(
            sprintf("%.99999999999999999999f", std::slice::from_ref(&n), 1000),
            Err(Sprintf::TooLong(_))
        ));
        assert!(matches!(
            sprintf("%600d%600d", &[n.clone(), n.clone()], 1000),
            Err(Sprintf::TooLong(1200))
        ));
        assert_eq!(sprintf("%5d", &[n], 1000).unwrap(), "    1");
    }
}
