//! Arithmetic, comparison and logic operators, with cty's conversions: a numeric string is a
//! number to arithmetic (`"2" * 3` is 6).

use hcl_edit::expr::BinaryOperator;

use crate::diagnostic::{Code, Diagnostic};
use crate::lower::Lowerer;
use crate::model::{Number, Value};
use crate::span::{Span, Spanned};

pub(super) fn negate(n: Number) -> Number {
    match n {
        Number::Int(i) => i
            .checked_neg()
            .map_or_else(|| Number::Float(-(i as f64)), Number::Int),
        Number::Float(f) => Number::Float(-f),
    }
}

/// The number a value is or spells.
fn as_number(value: &Value) -> Option<Number> {
    match value {
        Value::Number(n) => Some(*n),
        Value::String(s) => s
            .trim()
            .parse::<i64>()
            .map(Number::Int)
            .ok()
            .or_else(|| s.trim().parse::<f64>().ok().map(Number::from_f64)),
        _ => None,
    }
}

fn arithmetic(op: BinaryOperator, a: Number, b: Number) -> Result<Number, &'static str> {
    use BinaryOperator::{Div, Minus, Mod, Mul, Plus};
    if let (Number::Int(x), Number::Int(y)) = (a, b) {
        let exact = match op {
            Plus => x.checked_add(y),
            Minus => x.checked_sub(y),
            Mul => x.checked_mul(y),
            Mod if y == 0 => return Err("cannot take a remainder modulo zero"),
            Mod => x.checked_rem(y),
            Div if y == 0 => return Err("cannot divide by zero"),
            Div if x % y == 0 => x.checked_div(y),
            _ => None,
        };
        if let Some(n) = exact {
            return Ok(Number::Int(n));
        }
    }
    let (x, y) = (a.as_f64(), b.as_f64());
    let f = match op {
        Plus => x + y,
        Minus => x - y,
        Mul => x * y,
        Div if y == 0.0 => return Err("cannot divide by zero"),
        Div => x / y,
        Mod if y == 0.0 => return Err("cannot take a remainder modulo zero"),
        Mod => x % y,
        _ => unreachable!("only arithmetic operators"),
    };
    Ok(Number::from_f64(f))
}

impl Lowerer<'_> {
    pub(super) fn binary(
        &mut self,
        op: BinaryOperator,
        lhs: Spanned<Value>,
        rhs: Spanned<Value>,
        span: Span,
    ) -> Option<Spanned<Value>> {
        use BinaryOperator::{
            And, Div, Eq, Greater, GreaterEq, Less, LessEq, Minus, Mod, Mul, NotEq, Or, Plus,
        };
        let value = match op {
            Eq => Value::Bool(lhs.inner == rhs.inner),
            NotEq => Value::Bool(lhs.inner != rhs.inner),
            And | Or => {
                let (Value::Bool(a), Value::Bool(b)) = (&lhs.inner, &rhs.inner) else {
                    let bad = if matches!(lhs.inner, Value::Bool(_)) {
                        rhs
                    } else {
                        lhs
                    };
                    let help = format!("`{}` works on bools", op.as_str());
                    self.type_error(bad.span, "a bool", &bad.inner, help);
                    return None;
                };
                Value::Bool(if op == And { *a && *b } else { *a || *b })
            }
            Less | LessEq | Greater | GreaterEq | Plus | Minus | Mul | Div | Mod => {
                let a = self.operand(&lhs, op)?;
                let b = self.operand(&rhs, op)?;
                match op {
                    Less => Value::Bool(a.as_f64() < b.as_f64()),
                    LessEq => Value::Bool(a.as_f64() <= b.as_f64()),
                    Greater => Value::Bool(a.as_f64() > b.as_f64()),
                    GreaterEq => Value::Bool(a.as_f64() >= b.as_f64()),
                    _ => match arithmetic(op, a, b) {
                        Ok(n) => Value::Number(n),
                        Err(message) => {
                            self.push(
                                Diagnostic::new(Code::InvalidOperation, span, message)
                                    .with_label("here")
                                    .with_help("check the right-hand operand"),
                            );
                            return None;
                        }
                    },
                }
            }
        };
        Some(Spanned::new(value, span))
    }

    fn operand(&mut self, value: &Spanned<Value>, op: BinaryOperator) -> Option<Number> {
        let n = as_number(&value.inner);
        if n.is_none() {
            let help = format!("`{}` works on numbers", op.as_str());
            self.type_error(value.span, "a number", &value.inner, help);
        }
        n
    }
}
