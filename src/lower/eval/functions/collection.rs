//! Collection functions: lists, maps and sets (`concat`, `flatten`, `merge`, `range`, ...).

use std::collections::HashMap;

use super::{Args, Error, Result, int, list, string};
use crate::model::{Map, Number, Value};
use crate::span::Spanned;

fn inner(items: Vec<Spanned<Value>>) -> impl Iterator<Item = Value> {
    items.into_iter().map(|v| v.inner)
}

pub(super) fn chunklist(a: &mut Args<'_, '_>) -> Result<Value> {
    let items = a.list(0)?;
    let size = a.int(1)?;
    if size < 0 {
        return Err(Error::Arg(1, "the chunk size must not be negative".into()));
    }
    if size == 0 {
        return Ok(list([Value::List(items)]));
    }
    let chunks = items
        .chunks(size as usize)
        .map(|c| Value::List(c.to_vec()))
        .collect::<Vec<_>>();
    Ok(list(chunks))
}

pub(super) fn coalesce(a: &mut Args<'_, '_>) -> Result<Value> {
    for i in 0..a.len() {
        match a.value(i) {
            Value::Null => {}
            Value::String(s) if s.is_empty() => {}
            _ => return Ok(a.take(i)),
        }
    }
    Err(Error::Call(
        "every argument is null or an empty string".into(),
    ))
}

pub(super) fn coalescelist(a: &mut Args<'_, '_>) -> Result<Value> {
    for i in 0..a.len() {
        let items = a.list(i)?;
        if !items.is_empty() {
            return Ok(Value::List(items));
        }
    }
    Err(Error::Call("every list is empty".into()))
}

pub(super) fn compact(a: &mut Args<'_, '_>) -> Result<Value> {
    let items = a.strings(0)?;
    Ok(list(
        items.into_iter().filter(|s| !s.is_empty()).map(string),
    ))
}

pub(super) fn concat(a: &mut Args<'_, '_>) -> Result<Value> {
    let mut out = Vec::new();
    for i in 0..a.len() {
        out.extend(a.list(i)?);
        if out.len() > a.cx.limits.max_collection {
            return a.sized(Value::List(out));
        }
    }
    Ok(Value::List(out))
}

pub(super) fn contains(a: &mut Args<'_, '_>) -> Result<Value> {
    let needle = a.take(1);
    let items = a.list(0)?;
    Ok(Value::Bool(items.iter().any(|v| v.inner == needle)))
}

pub(super) fn distinct(a: &mut Args<'_, '_>) -> Result<Value> {
    let mut out: Vec<Spanned<Value>> = Vec::new();
    let mut seen = Seen::default();
    for item in a.list(0)? {
        if seen.insert(&item.inner, out.len(), |i| &out[i].inner) {
            out.push(item);
        }
    }
    Ok(Value::List(out))
}

/// Values seen so far, found by a key that equal values share (`==` decides between values
/// with one key), so that set operations take linear time.
#[derive(Default)]
struct Seen {
    by_key: HashMap<String, Vec<usize>>,
}

impl Seen {
    /// Records `value`, stored at `at`, unless an equal value is stored already (`stored`
    /// gives the value stored at an index); whether it was recorded.
    fn insert<'v>(
        &mut self,
        value: &Value,
        at: usize,
        stored: impl Fn(usize) -> &'v Value,
    ) -> bool {
        let bucket = self.by_key.entry(key(value)).or_default();
        if bucket.iter().any(|&i| stored(i) == value) {
            return false;
        }
        bucket.push(at);
        true
    }

    /// Whether a value equal to `value` is stored.
    fn contains<'v>(&self, value: &Value, stored: impl Fn(usize) -> &'v Value) -> bool {
        self.by_key
            .get(&key(value))
            .is_some_and(|bucket| bucket.iter().any(|&i| stored(i) == value))
    }
}

/// A key that equal values share: their type and content, written out.
fn key(value: &Value) -> String {
    fn write(value: &Value, out: &mut String) {
        match value {
            Value::Null => out.push('n'),
            Value::Bool(b) => out.push(if *b { 't' } else { 'f' }),
            Value::Number(Number::Int(i)) => out.push_str(&format!("i{i};")),
            // 0.0 and -0.0 are equal; NaN equals nothing, so its key does not matter.
            Value::Number(Number::Float(f)) if *f == 0.0 => out.push_str("f0;"),
            Value::Number(Number::Float(f)) => out.push_str(&format!("f{};", f.to_bits())),
            Value::String(s) => {
                out.push_str(&format!("s{}:", s.len()));
                out.push_str(s);
            }
            Value::List(items) => {
                out.push('[');
                items.iter().for_each(|i| write(&i.inner, out));
                out.push(']');
            }
            Value::Object(map) => {
                out.push('{');
                for (k, v) in map.iter() {
                    out.push_str(&format!("{}:", k.len()));
                    out.push_str(k);
                    write(&v.inner, out);
                }
                out.push('}');
            }
        }
    }
    let mut out = String::new();
    write(value, &mut out);
    out
}

pub(super) fn element(a: &mut Args<'_, '_>) -> Result<Value> {
    let index = a.int(1)?;
    let items = a.list(0)?;
    if items.is_empty() {
        return Err(Error::Arg(
            0,
            "cannot take an element of an empty list".into(),
        ));
    }
    if index < 0 {
        return Err(Error::Arg(1, "the index must not be negative".into()));
    }
    let i = (index as usize) % items.len();
    Ok(items
        .into_iter()
        .nth(i)
        .map(|v| v.inner)
        .unwrap_or_default())
}

fn flatten_into(out: &mut Vec<Spanned<Value>>, items: Vec<Spanned<Value>>) {
    for item in items {
        match item.inner {
            Value::List(inner) => flatten_into(out, inner),
            other => out.push(Spanned::new(other, item.span)),
        }
    }
}

pub(super) fn flatten(a: &mut Args<'_, '_>) -> Result<Value> {
    let mut out = Vec::new();
    flatten_into(&mut out, a.list(0)?);
    Ok(Value::List(out))
}

pub(super) fn index(a: &mut Args<'_, '_>) -> Result<Value> {
    let needle = a.take(1);
    let items = a.list(0)?;
    items
        .iter()
        .position(|v| v.inner == needle)
        .map(|i| int(i as i64))
        .ok_or_else(|| Error::Arg(1, "the value is not in the list".into()))
}

/// Keys in lexical order, as cty orders map keys.
fn sorted(map: Map<Value>) -> Vec<(String, Value)> {
    let mut entries: Vec<(String, Value)> =
        map.into_iter().map(|(k, v)| (k.inner, v.inner)).collect();
    entries.sort_by(|x, y| x.0.cmp(&y.0));
    entries
}

pub(super) fn keys(a: &mut Args<'_, '_>) -> Result<Value> {
    Ok(list(sorted(a.map(0)?).into_iter().map(|(k, _)| string(k))))
}

pub(super) fn values(a: &mut Args<'_, '_>) -> Result<Value> {
    Ok(list(sorted(a.map(0)?).into_iter().map(|(_, v)| v)))
}

pub(super) fn length(a: &mut Args<'_, '_>) -> Result<Value> {
    let n = match a.value(0) {
        Value::String(s) => s.chars().count(),
        Value::List(items) => items.len(),
        Value::Object(map) => map.len(),
        other => {
            return Err(Error::Arg(
                0,
                format!(
                    "expected a string, list or map, found {}",
                    other.type_name()
                ),
            ));
        }
    };
    Ok(int(n as i64))
}

pub(super) fn lookup(a: &mut Args<'_, '_>) -> Result<Value> {
    let key = a.string(1)?;
    let default = (a.len() > 2).then(|| a.take(2));
    let map = a.map(0)?;
    match map.into_iter().find(|(k, _)| k.inner == key) {
        Some((_, v)) => Ok(v.inner),
        None => default.ok_or_else(|| {
            Error::Arg(
                1,
                format!("the map has no key {key:?} and no default is given"),
            )
        }),
    }
}

pub(super) fn merge(a: &mut Args<'_, '_>) -> Result<Value> {
    let mut out: Map<Value> = Map::new();
    for i in 0..a.len() {
        if *a.value(i) == Value::Null {
            continue;
        }
        for (k, v) in a.map(i)? {
            out.insert(k, v);
        }
    }
    Ok(Value::Object(out))
}

pub(super) fn range(a: &mut Args<'_, '_>) -> Result<Value> {
    let (start, stop, step) = match a.len() {
        1 => (0.0, a.number(0)?.as_f64(), None),
        2 => (a.number(0)?.as_f64(), a.number(1)?.as_f64(), None),
        _ => (
            a.number(0)?.as_f64(),
            a.number(1)?.as_f64(),
            Some(a.number(2)?.as_f64()),
        ),
    };
    let step = step.unwrap_or(if start > stop { -1.0 } else { 1.0 });
    if step == 0.0 || (step > 0.0 && start > stop) || (step < 0.0 && start < stop) {
        if step == 0.0 {
            return Err(Error::Arg(a.len() - 1, "the step must not be zero".into()));
        }
        return Err(Error::Call(format!(
            "a step of {step} never goes from {start} to {stop}"
        )));
    }
    let count = ((stop - start) / step).ceil();
    let max = a.cx.limits.max_collection;
    if !count.is_finite() || count > max as f64 {
        return a.too_many(count.min(1e18) as usize);
    }
    let out = (0..count as usize).map(|i| Value::Number(Number::from_f64(start + step * i as f64)));
    Ok(list(out))
}

pub(super) fn reverse(a: &mut Args<'_, '_>) -> Result<Value> {
    match a.take(0) {
        // Nomad binds `reverse` to cty's string reversal; a list reverses too, as users expect.
        Value::String(s) => Ok(string(s.chars().rev().collect::<String>())),
        Value::List(mut items) => {
            items.reverse();
            Ok(Value::List(items))
        }
        other => Err(Error::Arg(
            0,
            format!("expected a string or a list, found {}", other.type_name()),
        )),
    }
}

/// The distinct values of `values`, in order.
fn unique(values: impl IntoIterator<Item = Value>, out: &mut Vec<Value>, seen: &mut Seen) {
    for v in values {
        if seen.insert(&v, out.len(), |i| &out[i]) {
            out.push(v);
        }
    }
}

pub(super) fn setunion(a: &mut Args<'_, '_>) -> Result<Value> {
    let mut out = Vec::new();
    let mut seen = Seen::default();
    for i in 0..a.len() {
        unique(inner(a.list(i)?), &mut out, &mut seen);
    }
    Ok(list(out))
}

pub(super) fn setintersection(a: &mut Args<'_, '_>) -> Result<Value> {
    let mut out = Vec::new();
    unique(inner(a.list(0)?), &mut out, &mut Seen::default());
    for i in 1..a.len() {
        let mut other = Vec::new();
        let mut seen = Seen::default();
        unique(inner(a.list(i)?), &mut other, &mut seen);
        out.retain(|v| seen.contains(v, |j| &other[j]));
    }
    Ok(list(out))
}

pub(super) fn setproduct(a: &mut Args<'_, '_>) -> Result<Value> {
    let sets: Vec<Vec<Value>> = (0..a.len())
        .map(|i| a.list(i).map(|l| inner(l).collect()))
        .collect::<Result<_>>()?;
    let size = sets
        .iter()
        .try_fold(1usize, |n, s| n.checked_mul(s.len()))
        .unwrap_or(usize::MAX);
    if size > a.cx.limits.max_collection {
        return a.too_many(size);
    }
    // Each element is copied into every row it is part of: pay for the copies first.
    let copies: u64 = sets
        .iter()
        .map(|s| {
            let rows = (size / s.len().max(1)) as u64;
            super::super::weight(s, u64::MAX).saturating_mul(rows)
        })
        .fold(0, u64::saturating_add);
    if !a.cx.charge(a.span, copies) {
        return Err(Error::Call(String::new()));
    }
    let mut rows: Vec<Vec<Value>> = vec![Vec::new()];
    for set in sets {
        rows = rows
            .into_iter()
            .flat_map(|row| {
                set.iter().map(move |v| {
                    let mut next = row.clone();
                    next.push(v.clone());
                    next
                })
            })
            .collect();
    }
    Ok(list(rows.into_iter().map(list)))
}

pub(super) fn slice(a: &mut Args<'_, '_>) -> Result<Value> {
    let (start, end) = (a.int(1)?, a.int(2)?);
    let items = a.list(0)?;
    let len = items.len() as i64;
    if start < 0 || end > len || start > end {
        return Err(Error::Call(format!(
            "cannot slice [{start}:{end}] from a list of {len}"
        )));
    }
    Ok(Value::List(items[start as usize..end as usize].to_vec()))
}

pub(super) fn sort(a: &mut Args<'_, '_>) -> Result<Value> {
    let mut items = a.strings(0)?;
    items.sort();
    Ok(list(items.into_iter().map(string)))
}

pub(super) fn zipmap(a: &mut Args<'_, '_>) -> Result<Value> {
    let keys = a.strings(0)?;
    let vals = a.list(1)?;
    if keys.len() != vals.len() {
        return Err(Error::Call(format!(
            "{} keys but {} values",
            keys.len(),
            vals.len()
        )));
    }
    Ok(Value::Object(
        keys.into_iter().map(Spanned::bare).zip(vals).collect(),
    ))
}
