//! Conversion of evaluated values into typed fields, as HCL2's cty conversions do in Nomad:
//! `"100"` where a number is expected converts, `"true"` to a bool, a number to a string.

use super::Lowerer;
use crate::diagnostic::{Code, Diagnostic};
use crate::model::{Duration, Map, Number, Value};
use crate::span::{Span, Spanned};

/// A field type an evaluated [`Value`] converts into.
pub(crate) trait FromValue: Sized {
    /// What the field expects, for messages: "a number", "a list of strings".
    fn expected() -> String;

    /// Converts `value`, reporting a finding on failure. `null` converts to `None` silently:
    /// in HCL, an attribute set to `null` is unset.
    fn convert(cx: &mut Lowerer<'_>, value: Spanned<Value>) -> Option<Spanned<Self>>;

    /// Converts an element of a list. Lists do not coerce numbers or bools to strings: a
    /// mixed list such as `["ok", 840]` is a mistake far more often than not.
    fn convert_element(cx: &mut Lowerer<'_>, value: Spanned<Value>) -> Option<Spanned<Self>> {
        Self::convert(cx, value)
    }
}

impl Lowerer<'_> {
    /// Reports that the value at `span` is `found` where `expected` is needed.
    pub(crate) fn type_error(&mut self, span: Span, expected: &str, found: &Value, help: String) {
        self.push(
            Diagnostic::new(
                Code::TypeMismatch,
                span,
                format!("expected {expected}, found {}", found.type_name()),
            )
            .with_label(format!("this is {}", found.type_name()))
            .with_help(help),
        );
    }

    fn mismatch<T: FromValue>(&mut self, span: Span, found: &Value) {
        let expected = T::expected();
        let help = match found {
            Value::String(_) | Value::Number(_) | Value::Bool(_)
                if expected.starts_with("a list") =>
            {
                "wrap the value in a list: `[ ... ]`".to_owned()
            }
            _ => format!("write {expected} here"),
        };
        self.type_error(span, &expected, found, help);
    }

    /// The value as text, for an object key or a template interpolation: strings, numbers and
    /// bools convert; anything else (null included) is reported.
    pub(crate) fn text(&mut self, value: Spanned<Value>) -> Option<Spanned<String>> {
        let span = value.span;
        match value.inner {
            Value::String(s) => Some(Spanned::new(s, span)),
            Value::Number(n) => Some(Spanned::new(n.to_string(), span)),
            Value::Bool(b) => Some(Spanned::new(b.to_string(), span)),
            other => {
                let help =
                    "only strings, numbers and bools convert to text; use jsonencode() for others";
                self.type_error(span, "a string", &other, help.to_owned());
                None
            }
        }
    }

    fn out_of_range(&mut self, span: Span, n: Number, what: &str) {
        self.push(
            Diagnostic::new(Code::NumberRange, span, format!("{n} is not {what}"))
                .with_label("out of range")
                .with_help(format!("write {what}")),
        );
    }
}

impl FromValue for Value {
    fn expected() -> String {
        "any value".to_owned()
    }

    fn convert(_: &mut Lowerer<'_>, value: Spanned<Value>) -> Option<Spanned<Value>> {
        Some(value)
    }
}

impl FromValue for String {
    fn expected() -> String {
        "a string".to_owned()
    }

    fn convert(cx: &mut Lowerer<'_>, value: Spanned<Value>) -> Option<Spanned<String>> {
        let span = value.span;
        let s = match value.inner {
            Value::String(s) => s,
            Value::Number(n) => n.to_string(),
            Value::Bool(b) => b.to_string(),
            Value::Null => return None,
            other => {
                cx.mismatch::<String>(span, &other);
                return None;
            }
        };
        Some(Spanned::new(s, span))
    }

    fn convert_element(cx: &mut Lowerer<'_>, value: Spanned<Value>) -> Option<Spanned<String>> {
        match value.inner {
            Value::String(s) => Some(Spanned::new(s, value.span)),
            Value::Null => None,
            other => {
                cx.mismatch::<String>(value.span, &other);
                None
            }
        }
    }
}

impl FromValue for bool {
    fn expected() -> String {
        "a bool".to_owned()
    }

    fn convert(cx: &mut Lowerer<'_>, value: Spanned<Value>) -> Option<Spanned<bool>> {
        let b = match &value.inner {
            Value::Bool(b) => *b,
            Value::String(s) if s == "true" => true,
            Value::String(s) if s == "false" => false,
            Value::Null => return None,
            other => {
                cx.mismatch::<bool>(value.span, other);
                return None;
            }
        };
        Some(Spanned::new(b, value.span))
    }
}

/// The number a value holds or, as cty converts, spells.
fn number(value: &Value) -> Option<Number> {
    match value {
        Value::Number(n) => Some(*n),
        Value::String(s) => {
            let s = s.trim();
            s.parse::<i64>().map(Number::Int).ok().or_else(|| {
                s.parse::<f64>()
                    .ok()
                    .filter(|f| f.is_finite())
                    .map(Number::from_f64)
            })
        }
        _ => None,
    }
}

impl FromValue for f64 {
    fn expected() -> String {
        "a number".to_owned()
    }

    fn convert(cx: &mut Lowerer<'_>, value: Spanned<Value>) -> Option<Spanned<f64>> {
        if value.inner == Value::Null {
            return None;
        }
        match number(&value.inner) {
            Some(n) => Some(Spanned::new(n.as_f64(), value.span)),
            None => {
                cx.mismatch::<f64>(value.span, &value.inner);
                None
            }
        }
    }
}

macro_rules! integer {
    ($($t:ty),*) => {$(
        impl FromValue for $t {
            fn expected() -> String {
                "a number".to_owned()
            }

            fn convert(cx: &mut Lowerer<'_>, value: Spanned<Value>) -> Option<Spanned<$t>> {
                if value.inner == Value::Null {
                    return None;
                }
                let Some(n) = number(&value.inner) else {
                    cx.mismatch::<$t>(value.span, &value.inner);
                    return None;
                };
                match n.as_i64().and_then(|i| <$t>::try_from(i).ok()) {
                    Some(i) => Some(Spanned::new(i, value.span)),
                    None => {
                        let what = if <$t>::BITS >= 64 {
                            if <$t>::MIN == 0 {
                                "a whole number, not negative".to_owned()
                            } else {
                                "a whole number".to_owned()
                            }
                        } else {
                            format!("a whole number between {} and {}", <$t>::MIN, <$t>::MAX)
                        };
                        cx.out_of_range(value.span, n, &what);
                        None
                    }
                }
            }
        }
    )*};
}

integer!(i64, i32, u64, u32, u16, u8, i8);

impl FromValue for Duration {
    fn expected() -> String {
        "a duration such as \"10s\"".to_owned()
    }

    fn convert(cx: &mut Lowerer<'_>, value: Spanned<Value>) -> Option<Spanned<Duration>> {
        let span = value.span;
        match &value.inner {
            Value::String(s) => match Duration::parse(s) {
                Ok(d) => Some(Spanned::new(d, span)),
                Err(e) => {
                    cx.push(
                        Diagnostic::new(Code::InvalidDuration, span, format!("invalid duration: {e}"))
                            .with_label("not a Go duration")
                            .with_help(
                                "write a number with a unit: ns, us, ms, s, m or h, e.g. \"30s\" or \"1h30m\"",
                            ),
                    );
                    None
                }
            },
            // A number is a count of nanoseconds, as in Nomad.
            Value::Number(n) => match n.as_i64() {
                Some(ns) => Some(Spanned::new(Duration(ns), span)),
                None => {
                    cx.out_of_range(span, *n, "a whole number of nanoseconds");
                    None
                }
            },
            Value::Null => None,
            other => {
                cx.mismatch::<Duration>(span, other);
                None
            }
        }
    }
}

impl<T: FromValue> FromValue for Vec<Spanned<T>> {
    fn expected() -> String {
        let inner = T::expected();
        let noun = inner
            .strip_prefix("a ")
            .or_else(|| inner.strip_prefix("an "))
            .unwrap_or(&inner);
        format!("a list of {noun}s")
    }

    fn convert(cx: &mut Lowerer<'_>, value: Spanned<Value>) -> Option<Spanned<Self>> {
        match value.inner {
            Value::List(items) => {
                let before = cx.diagnostics.len();
                let out: Vec<_> = items
                    .into_iter()
                    .filter_map(|v| T::convert_element(cx, v))
                    .collect();
                (cx.diagnostics.len() == before).then(|| Spanned::new(out, value.span))
            }
            Value::Null => None,
            other => {
                cx.mismatch::<Self>(value.span, &other);
                None
            }
        }
    }
}

impl<V: FromValue> FromValue for Map<V> {
    fn expected() -> String {
        "a map".to_owned()
    }

    fn convert(cx: &mut Lowerer<'_>, value: Spanned<Value>) -> Option<Spanned<Self>> {
        match value.inner {
            Value::Object(map) => {
                let before = cx.diagnostics.len();
                let out: Map<V> = map
                    .into_iter()
                    .filter_map(|(k, v)| V::convert(cx, v).map(|v| (k, v)))
                    .collect();
                (cx.diagnostics.len() == before).then(|| Spanned::new(out, value.span))
            }
            Value::Null => None,
            other => {
                cx.mismatch::<Self>(value.span, &other);
                None
            }
        }
    }
}
