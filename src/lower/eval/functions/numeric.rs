//! Numeric functions: `abs`, `ceil`, `floor`, `log`, `max`, `min`, `parseint`, `pow`, `signum`.

use super::{Args, Error, Result, int};
use crate::model::{Number, Value};

fn num(n: f64) -> Value {
    Value::Number(Number::from_f64(n))
}

pub(super) fn abs(a: &mut Args<'_, '_>) -> Result<Value> {
    Ok(match a.number(0)? {
        Number::Int(i) => i.checked_abs().map_or_else(|| num((i as f64).abs()), int),
        Number::Float(f) => num(f.abs()),
    })
}

pub(super) fn ceil(a: &mut Args<'_, '_>) -> Result<Value> {
    Ok(num(a.number(0)?.as_f64().ceil()))
}

pub(super) fn floor(a: &mut Args<'_, '_>) -> Result<Value> {
    Ok(num(a.number(0)?.as_f64().floor()))
}

pub(super) fn log(a: &mut Args<'_, '_>) -> Result<Value> {
    let (n, base) = (a.number(0)?.as_f64(), a.number(1)?.as_f64());
    Ok(num(n.ln() / base.ln()))
}

pub(super) fn pow(a: &mut Args<'_, '_>) -> Result<Value> {
    Ok(num(a.number(0)?.as_f64().powf(a.number(1)?.as_f64())))
}

pub(super) fn signum(a: &mut Args<'_, '_>) -> Result<Value> {
    let n = a.number(0)?.as_f64();
    Ok(int(if n > 0.0 {
        1
    } else if n < 0.0 {
        -1
    } else {
        0
    }))
}

fn extreme(a: &mut Args<'_, '_>, pick_greater: bool) -> Result<Value> {
    let mut best = a.number(0)?;
    for i in 1..a.len() {
        let n = a.number(i)?;
        if (n.as_f64() > best.as_f64()) == pick_greater && n.as_f64() != best.as_f64() {
            best = n;
        }
    }
    Ok(Value::Number(best))
}

pub(super) fn max(a: &mut Args<'_, '_>) -> Result<Value> {
    extreme(a, true)
}

pub(super) fn min(a: &mut Args<'_, '_>) -> Result<Value> {
    extreme(a, false)
}

pub(super) fn parseint(a: &mut Args<'_, '_>) -> Result<Value> {
    let text = a.string(0)?;
    let base = a.int(1)?;
    let base = u32::try_from(base)
        .ok()
        .filter(|b| (2..=62).contains(b))
        .ok_or_else(|| Error::Arg(1, format!("the base must be between 2 and 62, not {base}")))?;
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text.strip_prefix('+').unwrap_or(&text)),
    };
    if digits.is_empty() {
        return Err(Error::Arg(
            0,
            format!("cannot parse {text:?} as a base {base} integer"),
        ));
    }
    let mut value: i64 = 0;
    for c in digits.chars() {
        // Digits 0-9, then a-z, then A-Z, as Go's big.Int SetString for bases above 36.
        let d = match c {
            '0'..='9' => c as u32 - '0' as u32,
            'a'..='z' => c as u32 - 'a' as u32 + 10,
            'A'..='Z' if base <= 36 => c as u32 - 'A' as u32 + 10,
            'A'..='Z' => c as u32 - 'A' as u32 + 36,
            _ => u32::MAX,
        };
        if d >= base {
            return Err(Error::Arg(
                0,
                format!("cannot parse {text:?} as a base {base} integer"),
            ));
        }
        value = value
            .checked_mul(i64::from(base))
            .and_then(|v| v.checked_add(i64::from(d)))
            .ok_or_else(|| Error::Arg(0, format!("{text:?} is too large")))?;
    }
    Ok(int(if negative { -value } else { value }))
}
