//! Free-form values (`config`, `meta`, `env`, scaling `policy`) and Go durations.

use std::collections::HashMap;
use std::fmt;

use serde::de::{MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::span::Spanned;

/// A number as HCL writes it: whole numbers stay integers, others are floats.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Number {
    /// A whole number.
    Int(i64),
    /// Any other number.
    Float(f64),
}

impl Number {
    /// The number as a float.
    pub fn as_f64(self) -> f64 {
        match self {
            // Precision loss above 2^53 is inherent to the conversion.
            #[allow(clippy::cast_precision_loss)]
            Number::Int(i) => i as f64,
            Number::Float(f) => f,
        }
    }

    /// The number as an integer, when it is whole and fits.
    pub fn as_i64(self) -> Option<i64> {
        match self {
            Number::Int(i) => Some(i),
            Number::Float(f) => float_to_i64(f),
        }
    }

    /// Builds a number from a float, keeping whole values as integers.
    pub fn from_f64(f: f64) -> Number {
        float_to_i64(f).map_or(Number::Float(f), Number::Int)
    }
}

fn float_to_i64(f: f64) -> Option<i64> {
    // 2^63 as a float; every whole float strictly below it in magnitude fits an i64.
    const LIMIT: f64 = 9_223_372_036_854_775_808.0;
    #[allow(clippy::cast_possible_truncation)]
    (f.fract() == 0.0 && f > -LIMIT && f < LIMIT).then_some(f as i64)
}

impl fmt::Display for Number {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Number::Int(i) => write!(f, "{i}"),
            Number::Float(x) => write!(f, "{x}"),
        }
    }
}

impl Serialize for Number {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match *self {
            Number::Int(i) => serializer.serialize_i64(i),
            Number::Float(f) => serializer.serialize_f64(f),
        }
    }
}

/// A dynamically typed value, as in a driver `config` block.
///
/// Nested values keep their spans, so a finding inside a `config` map can point at it.
#[derive(Clone, Debug, PartialEq, Default)]
pub enum Value {
    /// `null`.
    #[default]
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// A number.
    Number(Number),
    /// A string.
    String(String),
    /// A list (HCL tuple or list).
    List(Vec<Spanned<Value>>),
    /// An object (HCL object or map), in source order.
    Object(Map<Value>),
}

impl Value {
    /// The name of the value's type, for messages: "a string", "a number", ...
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "a bool",
            Value::Number(_) => "a number",
            Value::String(_) => "a string",
            Value::List(_) => "a list",
            Value::Object(_) => "an object",
        }
    }

    /// The string, if this is one.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// YAML as cty's `yamlencode` writes it: block style, keys in lexical order, strings
    /// quoted.
    pub fn to_yaml(&self) -> String {
        let mut out = String::new();
        yaml(self, 0, &mut out);
        out
    }
}

impl Serialize for Value {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Value::Null => serializer.serialize_unit(),
            Value::Bool(b) => serializer.serialize_bool(*b),
            Value::Number(n) => n.serialize(serializer),
            Value::String(s) => serializer.serialize_str(s),
            Value::List(items) => items.serialize(serializer),
            Value::Object(map) => map.serialize(serializer),
        }
    }
}

impl<'de> Deserialize<'de> for Value {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Value, D::Error> {
        struct ValueVisitor;

        impl<'de> Visitor<'de> for ValueVisitor {
            type Value = Value;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("any JSON value")
            }

            fn visit_unit<E>(self) -> Result<Value, E> {
                Ok(Value::Null)
            }

            fn visit_none<E>(self) -> Result<Value, E> {
                Ok(Value::Null)
            }

            fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
                Value::deserialize(d)
            }

            fn visit_bool<E>(self, b: bool) -> Result<Value, E> {
                Ok(Value::Bool(b))
            }

            fn visit_i64<E>(self, i: i64) -> Result<Value, E> {
                Ok(Value::Number(Number::Int(i)))
            }

            fn visit_u64<E>(self, u: u64) -> Result<Value, E> {
                #[allow(clippy::cast_precision_loss)]
                Ok(Value::Number(
                    i64::try_from(u).map_or(Number::Float(u as f64), Number::Int),
                ))
            }

            fn visit_f64<E>(self, f: f64) -> Result<Value, E> {
                Ok(Value::Number(Number::Float(f)))
            }

            fn visit_str<E>(self, s: &str) -> Result<Value, E> {
                Ok(Value::String(s.to_owned()))
            }

            fn visit_string<E>(self, s: String) -> Result<Value, E> {
                Ok(Value::String(s))
            }

            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
                let mut items = Vec::new();
                while let Some(item) = seq.next_element()? {
                    items.push(item);
                }
                Ok(Value::List(items))
            }

            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Value, A::Error> {
                MapVisitor(std::marker::PhantomData)
                    .visit_map(map)
                    .map(Value::Object)
            }
        }

        deserializer.deserialize_any(ValueVisitor)
    }
}

/// An ordered map from string keys to values, keeping the span of every key and value.
///
/// Go maps are unordered; this keeps source order so output is stable and readable. Lookups
/// and inserts take constant time: past a few entries, a hash index finds a key's position.
#[derive(Clone)]
pub struct Map<V> {
    entries: Vec<(Spanned<String>, Spanned<V>)>,
    /// The position of each key in `entries`; empty while the map is small enough for a
    /// linear search to be the faster one.
    index: HashMap<String, usize>,
}

/// The number of entries from which a map keeps a hash index.
const INDEX_FROM: usize = 16;

impl<V> Default for Map<V> {
    fn default() -> Self {
        Map {
            entries: Vec::new(),
            index: HashMap::new(),
        }
    }
}

impl<V: PartialEq> PartialEq for Map<V> {
    fn eq(&self, other: &Map<V>) -> bool {
        self.entries == other.entries
    }
}

impl<V: fmt::Debug> fmt::Debug for Map<V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Map")
            .field("entries", &self.entries)
            .finish()
    }
}

impl<V> Map<V> {
    /// An empty map.
    pub fn new() -> Map<V> {
        Map::default()
    }

    /// The number of entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the map has no entry.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The position of `key` in `entries`.
    fn position(&self, key: &str) -> Option<usize> {
        if self.entries.len() < INDEX_FROM {
            self.entries.iter().position(|(k, _)| k.inner == key)
        } else {
            self.index.get(key).copied()
        }
    }

    /// The entry for `key`.
    pub fn get_entry(&self, key: &str) -> Option<(&Spanned<String>, &Spanned<V>)> {
        self.position(key).map(|i| {
            let (k, v) = &self.entries[i];
            (k, v)
        })
    }

    /// The value for `key`.
    pub fn get(&self, key: &str) -> Option<&Spanned<V>> {
        self.get_entry(key).map(|(_, v)| v)
    }

    /// The value for `key`, mutable.
    pub fn get_mut(&mut self, key: &str) -> Option<&mut Spanned<V>> {
        self.position(key).map(|i| &mut self.entries[i].1)
    }

    /// Sets `key` to `value`, replacing (in place) any earlier value, which is returned.
    pub fn insert(&mut self, key: Spanned<String>, value: Spanned<V>) -> Option<Spanned<V>> {
        if let Some(i) = self.position(&key.inner) {
            return Some(std::mem::replace(&mut self.entries[i].1, value));
        }
        let len = self.entries.len();
        if len + 1 == INDEX_FROM {
            self.index = self
                .entries
                .iter()
                .enumerate()
                .map(|(i, (k, _))| (k.inner.clone(), i))
                .chain([(key.inner.clone(), len)])
                .collect();
        } else if len + 1 > INDEX_FROM {
            self.index.insert(key.inner.clone(), len);
        }
        self.entries.push((key, value));
        None
    }

    /// The entries in order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = (&Spanned<String>, &Spanned<V>)> {
        self.entries.iter().map(|(k, v)| (k, v))
    }

    /// The entries in order, values mutable.
    pub fn iter_mut(&mut self) -> impl Iterator<Item = (&Spanned<String>, &mut Spanned<V>)> {
        self.entries.iter_mut().map(|(k, v)| (&*k, v))
    }

    /// The keys in order.
    pub fn keys(&self) -> impl ExactSizeIterator<Item = &Spanned<String>> + Clone {
        self.entries.iter().map(|(k, _)| k)
    }

    /// The values in order.
    pub fn values(&self) -> impl Iterator<Item = &Spanned<V>> {
        self.entries.iter().map(|(_, v)| v)
    }
}

impl<V> IntoIterator for Map<V> {
    type Item = (Spanned<String>, Spanned<V>);
    type IntoIter = std::vec::IntoIter<Self::Item>;

    fn into_iter(self) -> Self::IntoIter {
        self.entries.into_iter()
    }
}

impl<V> FromIterator<(Spanned<String>, Spanned<V>)> for Map<V> {
    fn from_iter<I: IntoIterator<Item = (Spanned<String>, Spanned<V>)>>(iter: I) -> Self {
        let mut map = Map::new();
        for (k, v) in iter {
            map.insert(k, v);
        }
        map
    }
}

impl<V: Serialize> Serialize for Map<V> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.entries.iter().map(|(k, v)| (&k.inner, &v.inner)))
    }
}

struct MapVisitor<V>(std::marker::PhantomData<V>);

impl<'de, V: Deserialize<'de>> Visitor<'de> for MapVisitor<V> {
    type Value = Map<V>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a map")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Map<V>, A::Error> {
        let mut map = Map::new();
        while let Some((k, v)) = access.next_entry::<String, V>()? {
            map.insert(Spanned::bare(k), Spanned::bare(v));
        }
        Ok(map)
    }
}

impl<'de, V: Deserialize<'de>> Deserialize<'de> for Map<V> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Map<V>, D::Error> {
        deserializer.deserialize_map(MapVisitor(std::marker::PhantomData))
    }
}

/// A Go `time.Duration`: a signed count of nanoseconds.
///
/// HCL writes durations as Go duration strings (`"10s"`, `"1h30m"`) or as a number of
/// nanoseconds; JSON carries the nanoseconds.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Duration(pub i64);

impl Duration {
    /// One second.
    pub const SECOND: Duration = Duration(1_000_000_000);

    /// `n` whole seconds.
    pub const fn from_secs(n: i64) -> Duration {
        Duration(n * Duration::SECOND.0)
    }

    /// Parses Go's duration syntax: `"300ms"`, `"1.5h"`, `"2h45m"`, `"-1s"`, `"0"`.
    ///
    /// # Errors
    ///
    /// Returns Go's error text, such as ``missing unit in duration "10"``.
    pub fn parse(text: &str) -> Result<Duration, String> {
        parse_go_duration(text).map(Duration)
    }
}

impl fmt::Display for Duration {
    /// Formats as Go does: `1h30m0s`, `1.5s`, `300ms`, `0s`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ns = self.0;
        if ns == 0 {
            return f.write_str("0s");
        }
        if ns < 0 {
            f.write_str("-")?;
        }
        let ns = ns.unsigned_abs();
        if ns < 1_000_000_000 {
            let (unit, scale) = match ns {
                0..1_000 => ("ns", 1),
                1_000..1_000_000 => ("µs", 1_000),
                _ => ("ms", 1_000_000),
            };
            write_fraction(f, ns, scale)?;
            return f.write_str(unit);
        }
        let hours = ns / 3_600_000_000_000;
        let minutes = ns / 60_000_000_000 % 60;
        let rest = ns % 60_000_000_000;
        if hours > 0 {
            write!(f, "{hours}h")?;
        }
        if hours > 0 || minutes > 0 {
            write!(f, "{minutes}m")?;
        }
        write_fraction(f, rest, 1_000_000_000)?;
        f.write_str("s")
    }
}

fn write_fraction(f: &mut fmt::Formatter<'_>, value: u64, scale: u64) -> fmt::Result {
    write!(f, "{}", value / scale)?;
    let frac = value % scale;
    if frac > 0 {
        let width = scale.ilog10() as usize;
        let digits = format!("{frac:0width$}");
        write!(f, ".{}", digits.trim_end_matches('0'))?;
    }
    Ok(())
}

fn parse_go_duration(text: &str) -> Result<i64, String> {
    let err = |what: &str| format!("time: {what} duration {text:?}");
    let (negative, mut rest) = match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    if rest == "0" {
        return Ok(0);
    }
    if rest.is_empty() {
        return Err(err("invalid"));
    }
    let mut total: u128 = 0;
    while !rest.is_empty() {
        let int_len = rest.bytes().take_while(u8::is_ascii_digit).count();
        let (int_part, after) = rest.split_at(int_len);
        let (frac_part, after) = match after.strip_prefix('.') {
            Some(a) => {
                let n = a.bytes().take_while(u8::is_ascii_digit).count();
                a.split_at(n)
            }
            None => ("", after),
        };
        if int_part.is_empty() && frac_part.is_empty() {
            return Err(err("invalid"));
        }
        let unit_len = after
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(after.len());
        let (unit, after) = after.split_at(unit_len);
        let scale: u128 = match unit {
            "ns" => 1,
            "us" | "µs" | "μs" => 1_000,
            "ms" => 1_000_000,
            "s" => 1_000_000_000,
            "m" => 60_000_000_000,
            "h" => 3_600_000_000_000,
            "" => return Err(err("missing unit in")),
            other => return Err(format!("time: unknown unit {other:?} in duration {text:?}")),
        };
        let whole: u128 = if int_part.is_empty() {
            0
        } else {
            int_part.parse().map_err(|_| err("invalid"))?
        };
        let mut part = whole.checked_mul(scale).ok_or_else(|| err("invalid"))?;
        let mut frac_scale = scale;
        for digit in frac_part.bytes().take(18) {
            frac_scale /= 10;
            part += u128::from(digit - b'0') * frac_scale;
        }
        total = total.checked_add(part).ok_or_else(|| err("invalid"))?;
        if total > i64::MAX as u128 + u128::from(negative) {
            return Err(err("invalid"));
        }
        rest = after;
    }
    let total = total as i128;
    i64::try_from(if negative { -total } else { total }).map_err(|_| err("invalid"))
}

fn yaml(value: &Value, indent: usize, out: &mut String) {
    let pad = " ".repeat(indent);
    match value {
        Value::Object(map) if !map.is_empty() => {
            let mut entries: Vec<_> = map.iter().collect();
            entries.sort_by(|a, b| a.0.inner.cmp(&b.0.inner));
            for (i, (k, v)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push_str(&pad);
                }
                out.push_str(&serde_json::to_string(&k.inner).unwrap_or_default());
                out.push(':');
                yaml_nested(&v.inner, indent, out);
            }
        }
        Value::List(items) if !items.is_empty() => {
            for (i, v) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(&pad);
                }
                out.push_str("- ");
                yaml(&v.inner, indent + 2, out);
            }
        }
        Value::Object(_) => out.push_str("{}\n"),
        Value::List(_) => out.push_str("[]\n"),
        scalar => {
            out.push_str(&serde_json::to_string(scalar).unwrap_or_default());
            out.push('\n');
        }
    }
}

fn yaml_nested(value: &Value, indent: usize, out: &mut String) {
    match value {
        Value::Object(map) if !map.is_empty() => {
            out.push('\n');
            out.push_str(&" ".repeat(indent + 2));
            yaml(value, indent + 2, out);
        }
        Value::List(items) if !items.is_empty() => {
            out.push('\n');
            out.push_str(&" ".repeat(indent));
            yaml(value, indent, out);
        }
        _ => {
            out.push(' ');
            yaml(value, indent, out);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn large_maps_keep_order_and_find_keys() {
        let mut map = Map::new();
        for i in 0..100 {
            assert!(
                map.insert(Spanned::bare(format!("k{i}")), Spanned::bare(i))
                    .is_none()
            );
        }
        // Replacing keeps the position; the index finds keys before and after it was built.
        assert_eq!(
            map.insert(Spanned::bare("k3".into()), Spanned::bare(-3))
                .map(|v| v.inner),
            Some(3)
        );
        assert_eq!(
            map.insert(Spanned::bare("k99".into()), Spanned::bare(-99))
                .map(|v| v.inner),
            Some(99)
        );
        assert_eq!(map.len(), 100);
        assert_eq!(map.get("k3").map(|v| v.inner), Some(-3));
        assert_eq!(map.get("k50").map(|v| v.inner), Some(50));
        assert!(map.get("k100").is_none());
        if let Some(v) = map.get_mut("k0") {
            v.inner = 7;
        }
        let keys: Vec<&str> = map.keys().map(|k| k.inner.as_str()).collect();
        assert_eq!(keys[..4], ["k0", "k1", "k2", "k3"]);
        assert_eq!(map.values().next().map(|v| v.inner), Some(7));
        let small: Map<i32> = [(Spanned::bare("a".into()), Spanned::bare(1))]
            .into_iter()
            .collect();
        assert_eq!(small.get("a").map(|v| v.inner), Some(1));
        assert_eq!(map.clone(), map);
    }

    #[test]
    fn parses_go_durations() {
        let cases = [
            ("10s", 10_000_000_000),
            ("1h30m", 5_400_000_000_000),
            ("1.5h", 5_400_000_000_000),
            ("300ms", 300_000_000),
            ("2us", 2_000),
            ("2µs", 2_000),
            ("-1m", -60_000_000_000),
            ("0", 0),
            ("1h2m3.5s", 3_723_500_000_000),
            (".5s", 500_000_000),
        ];
        for (text, ns) in cases {
            assert_eq!(Duration::parse(text), Ok(Duration(ns)), "{text}");
        }
    }

    #[test]
    fn rejects_what_go_rejects() {
        assert_eq!(
            Duration::parse("10").unwrap_err(),
            "time: missing unit in duration \"10\""
        );
        assert_eq!(
            Duration::parse("1d").unwrap_err(),
            "time: unknown unit \"d\" in duration \"1d\""
        );
        for bad in ["", "s", "-", ".s", "1..5s", "99999999999h"] {
            assert!(Duration::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn formats_like_go() {
        let cases = [
            (0, "0s"),
            (1_500_000_000, "1.5s"),
            (300_000_000, "300ms"),
            (5_400_000_000_000, "1h30m0s"),
            (60_000_000_000, "1m0s"),
            (-2_000, "-2µs"),
        ];
        for (ns, text) in cases {
            assert_eq!(Duration(ns).to_string(), text);
            assert_eq!(Duration::parse(text), Ok(Duration(ns)));
        }
    }

    #[test]
    fn map_keeps_order_and_replaces_in_place() {
        let mut m = Map::new();
        m.insert("b".to_string().into(), 1.into());
        m.insert("a".to_string().into(), 2.into());
        assert_eq!(
            m.insert("b".to_string().into(), 3.into()).map(|v| v.inner),
            Some(1)
        );
        let keys: Vec<_> = m.keys().map(|k| k.as_str()).collect();
        assert_eq!(keys, ["b", "a"]);
        assert_eq!(serde_json::to_string(&m).unwrap(), r#"{"b":3,"a":2}"#);
    }

    #[test]
    fn value_round_trips_through_json() {
        let text = r#"{"a":[1,2.5,"x",true,null,{"b":-3}]}"#;
        let v: Value = serde_json::from_str(text).unwrap();
        assert_eq!(serde_json::to_string(&v).unwrap(), text);
    }
}
