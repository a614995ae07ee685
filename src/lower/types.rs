//! HCL2 type constraints (`string`, `list(number)`, `object({...})`, ...): parsing them from a
//! `variable` block's `type`, and converting values to them as cty does.

use std::fmt;

use hcl_edit::expr::{Expression, ObjectKey};

use super::{Lowerer, span_of};
use crate::diagnostic::{Code, Diagnostic};
use crate::model::{Map, Number, Value};
use crate::span::Spanned;

/// A type constraint.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Type {
    Any,
    String,
    Number,
    Bool,
    List(Box<Type>),
    Set(Box<Type>),
    Map(Box<Type>),
    Tuple(Vec<Type>),
    /// Attributes with their types; `Some(default)` marks an `optional(...)` one.
    Object(Vec<(String, Type, Option<Option<Value>>)>),
}

impl fmt::Display for Type {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Type::Any => f.write_str("any"),
            Type::String => f.write_str("string"),
            Type::Number => f.write_str("number"),
            Type::Bool => f.write_str("bool"),
            Type::List(t) => write!(f, "list({t})"),
            Type::Set(t) => write!(f, "set({t})"),
            Type::Map(t) => write!(f, "map({t})"),
            Type::Tuple(ts) => {
                f.write_str("tuple([")?;
                for (i, t) in ts.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{t}")?;
                }
                f.write_str("])")
            }
            Type::Object(attrs) => {
                f.write_str("object({")?;
                for (i, (name, t, optional)) in attrs.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    match optional {
                        Some(_) => write!(f, "{name} = optional({t})")?,
                        None => write!(f, "{name} = {t}")?,
                    }
                }
                f.write_str("})")
            }
        }
    }
}

impl Type {
    /// Parses a type expression; `None` after reporting why it is not one.
    pub(crate) fn from_expr(cx: &mut Lowerer<'_>, expr: &Expression) -> Option<Type> {
        let span = span_of(expr);
        fn bad<T>(cx: &mut Lowerer<'_>, span: crate::span::Span) -> Option<T> {
            cx.push(
                Diagnostic::new(Code::InvalidType, span, "not a type constraint")
                    .with_label("expected a type")
                    .with_help("write string, number, bool, any, list(T), set(T), map(T), tuple([T, ...]) or object({name = T, ...})"),
            );
            None
        }
        match expr {
            Expression::Variable(v) => match v.as_str() {
                "any" => Some(Type::Any),
                "string" => Some(Type::String),
                "number" => Some(Type::Number),
                "bool" => Some(Type::Bool),
                _ => bad(cx, span),
            },
            Expression::FuncCall(call) => {
                let args: Vec<&Expression> = call.args.iter().collect();
                let one = |cx: &mut Lowerer<'_>| match args.as_slice() {
                    [arg] => Type::from_expr(cx, arg).map(Box::new),
                    _ => bad(cx, span),
                };
                match call.name.name.as_str() {
                    "list" => one(cx).map(Type::List),
                    "set" => one(cx).map(Type::Set),
                    "map" => one(cx).map(Type::Map),
                    "tuple" => match args.as_slice() {
                        [Expression::Array(items)] => items
                            .iter()
                            .map(|t| Type::from_expr(cx, t))
                            .collect::<Option<Vec<_>>>()
                            .map(Type::Tuple),
                        _ => bad(cx, span),
                    },
                    "object" => match args.as_slice() {
                        [Expression::Object(attrs)] => {
                            let mut out = Vec::new();
                            for (key, value) in attrs.iter() {
                                let name = match key {
                                    ObjectKey::Ident(i) => i.as_str().to_owned(),
                                    ObjectKey::Expression(Expression::Variable(v)) => {
                                        v.as_str().to_owned()
                                    }
                                    ObjectKey::Expression(Expression::String(s)) => {
                                        s.value().clone()
                                    }
                                    ObjectKey::Expression(_) => return bad(cx, span),
                                };
                                let (ty, optional) = match value.expr() {
                                    Expression::FuncCall(c)
                                        if c.name.name.as_str() == "optional" =>
                                    {
                                        let oargs: Vec<&Expression> = c.args.iter().collect();
                                        let ty = Type::from_expr(cx, oargs.first()?)?;
                                        let default = match oargs.get(1) {
                                            Some(d) => Some(cx.eval(d)?.inner),
                                            None => None,
                                        };
                                        (ty, Some(default))
                                    }
                                    other => (Type::from_expr(cx, other)?, None),
                                };
                                out.push((name, ty, optional));
                            }
                            Some(Type::Object(out))
                        }
                        _ => bad(cx, span),
                    },
                    _ => bad(cx, span),
                }
            }
            _ => bad(cx, span),
        }
    }

    /// Converts `value` to this type as cty does, or says why it does not convert.
    pub(crate) fn convert(&self, value: Value) -> Result<Value, String> {
        if value == Value::Null {
            return Ok(Value::Null);
        }
        let mismatch = |v: &Value| Err(format!("expected {self}, found {}", v.type_name()));
        match self {
            Type::Any => Ok(value),
            Type::String => match value {
                Value::String(_) => Ok(value),
                Value::Number(n) => Ok(Value::String(n.to_string())),
                Value::Bool(b) => Ok(Value::String(b.to_string())),
                other => mismatch(&other),
            },
            Type::Number => match &value {
                Value::Number(_) => Ok(value),
                Value::String(s) => s
                    .trim()
                    .parse::<f64>()
                    .ok()
                    .filter(|f| f.is_finite())
                    .map(|f| Value::Number(Number::from_f64(f)))
                    .ok_or_else(|| format!("expected a number, found the string {s:?}")),
                other => mismatch(other),
            },
            Type::Bool => match &value {
                Value::Bool(_) => Ok(value),
                Value::String(s) if s == "true" => Ok(Value::Bool(true)),
                Value::String(s) if s == "false" => Ok(Value::Bool(false)),
                other => mismatch(other),
            },
            Type::List(t) | Type::Set(t) => match value {
                Value::List(items) => {
                    let mut out: Vec<Spanned<Value>> = Vec::with_capacity(items.len());
                    for (i, item) in items.into_iter().enumerate() {
                        let span = item.span;
                        let v = t
                            .convert(item.inner)
                            .map_err(|e| format!("element {i}: {e}"))?;
                        if matches!(self, Type::Set(_)) && out.iter().any(|o| o.inner == v) {
                            continue;
                        }
                        out.push(Spanned::new(v, span));
                    }
                    Ok(Value::List(out))
                }
                other => mismatch(&other),
            },
            Type::Tuple(types) => match value {
                Value::List(items) if items.len() == types.len() => items
                    .into_iter()
                    .zip(types)
                    .enumerate()
                    .map(|(i, (item, t))| {
                        let span = item.span;
                        t.convert(item.inner)
                            .map(|v| Spanned::new(v, span))
                            .map_err(|e| format!("element {i}: {e}"))
                    })
                    .collect::<Result<Vec<_>, _>>()
                    .map(Value::List),
                other => mismatch(&other),
            },
            Type::Map(t) => match value {
                Value::Object(map) => {
                    let mut out = Map::new();
                    for (k, v) in map {
                        let span = v.span;
                        let v = t
                            .convert(v.inner)
                            .map_err(|e| format!("key {:?}: {e}", k.inner))?;
                        out.insert(k, Spanned::new(v, span));
                    }
                    Ok(Value::Object(out))
                }
                other => mismatch(&other),
            },
            Type::Object(attrs) => match value {
                Value::Object(mut map) => {
                    let mut out = Map::new();
                    for (name, t, optional) in attrs {
                        let value = map.get_mut(name).map(std::mem::take);
                        let v = match (value, optional) {
                            (Some(v), _) if v.inner != Value::Null => {
                                let span = v.span;
                                Spanned::new(
                                    t.convert(v.inner)
                                        .map_err(|e| format!("attribute {name:?}: {e}"))?,
                                    span,
                                )
                            }
                            (_, Some(default)) => {
                                Spanned::bare(default.clone().unwrap_or(Value::Null))
                            }
                            (Some(v), None) => v,
                            (None, None) => return Err(format!("attribute {name:?} is required")),
                        };
                        out.insert(Spanned::bare(name.clone()), v);
                    }
                    Ok(Value::Object(out))
                }
                other => mismatch(&other),
            },
        }
    }

    /// Whether values from `NOMAD_VAR_` and `-var` are taken as raw strings (string, number,
    /// or no type) rather than parsed as HCL expressions.
    pub(crate) fn takes_raw_text(ty: Option<&Type>) -> bool {
        matches!(ty, None | Some(Type::String | Type::Number | Type::Any))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(items: Vec<Value>) -> Value {
        Value::List(items.into_iter().map(Spanned::bare).collect())
    }

    #[test]
    fn converts_as_cty() {
        let n = |i| Value::Number(Number::Int(i));
        let s = |t: &str| Value::String(t.into());
        assert_eq!(Type::Number.convert(s("42")), Ok(n(42)));
        assert_eq!(Type::String.convert(n(7)), Ok(s("7")));
        assert!(Type::Number.convert(s("x")).is_err());
        let t = Type::List(Box::new(Type::Number));
        assert_eq!(
            t.convert(list(vec![s("1"), n(2)])),
            Ok(list(vec![n(1), n(2)]))
        );
        assert_eq!(
            t.convert(list(vec![n(1), Value::Bool(true)])).unwrap_err(),
            "element 1: expected number, found a bool"
        );
        let set = Type::Set(Box::new(Type::String));
        assert_eq!(
            set.convert(list(vec![s("a"), s("a")])),
            Ok(list(vec![s("a")]))
        );
        assert_eq!(t.to_string(), "list(number)");
    }
}
