//! A strict checker for the body of Consul's `PUT /v1/agent/service/register`.
//!
//! A hand-written validator for the JSON Schema subset that
//! `testdata/consul/register.schema.json` uses: `type` (a name or a list of names),
//! `properties`, `additionalProperties` (`false` or a schema), `items`, `required`, `enum`,
//! `minimum`, `maximum` and `$ref` to `#/...`. A `$ref` applies together with its sibling
//! keywords. `integer` means a JSON integer, so `8080.0` is not one (Go's `int` fields reject
//! it too). Any other keyword is reported as a schema error instead of being ignored.
//!
//! Use it from a test file with `mod consul_schema;`.

use std::cmp::Ordering;

use serde_json::{Map, Value};

/// Keywords that carry no constraint.
const ANNOTATIONS: &[&str] = &[
    "$schema",
    "$id",
    "$defs",
    "$comment",
    "title",
    "description",
];
const TYPES: &[&str] = &[
    "null", "boolean", "object", "array", "string", "integer", "number",
];
/// Limit on nested schema applications, so that a cyclic `$ref` can't overflow the stack.
const MAX_DEPTH: usize = 256;

/// The register-body schema, `testdata/consul/register.schema.json`.
#[allow(dead_code)] // Not every test file that includes this module uses every item.
pub(crate) fn schema() -> Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/testdata/consul/register.schema.json"
    );
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Every way `body` breaks `schema`, as `"<JSON pointer>: <reason>"`. Empty if it conforms.
#[allow(dead_code)]
pub(crate) fn check(schema: &Value, body: &Value) -> Vec<String> {
    let mut checker = Checker {
        root: schema,
        errors: Vec::new(),
    };
    checker.apply(schema, body, "", 0);
    checker.errors
}

struct Checker<'a> {
    root: &'a Value,
    errors: Vec<String>,
}

impl Checker<'_> {
    fn fail(&mut self, at: &str, reason: impl std::fmt::Display) {
        self.errors.push(format!("{at}: {reason}"));
    }

    fn apply(&mut self, schema: &Value, value: &Value, at: &str, depth: usize) {
        if depth > MAX_DEPTH {
            return self.fail(at, "schema error: nested too deeply (a cyclic $ref?)");
        }
        let schema = match schema {
            Value::Bool(true) => return,
            Value::Bool(false) => return self.fail(at, "not allowed"),
            Value::Object(schema) => schema,
            _ => return self.fail(at, "schema error: a schema must be an object or a boolean"),
        };
        // `type` first: once it fails, the other keywords would only add noise.
        if let Some(types) = schema.get("type") {
            let names: Vec<&str> = match types {
                Value::Array(names) => names.iter().map(|n| n.as_str().unwrap_or("?")).collect(),
                other => vec![other.as_str().unwrap_or("?")],
            };
            if let Some(bad) = names.iter().find(|n| !TYPES.contains(n)) {
                return self.fail(at, format!("schema error: unknown type {bad:?}"));
            }
            if !names.iter().any(|name| has_type(value, name)) {
                return self.fail(
                    at,
                    format!("expected {}, got {}", names.join(" or "), describe(value)),
                );
            }
        }
        for (keyword, arg) in schema {
            match keyword.as_str() {
                "type" | "properties" | "additionalProperties" | "required" => {}
                "$ref" => {
                    let root = self.root;
                    match arg
                        .as_str()
                        .and_then(|r| r.strip_prefix('#'))
                        .and_then(|p| root.pointer(p))
                    {
                        Some(target) => self.apply(target, value, at, depth + 1),
                        None => self.fail(at, format!("schema error: unresolvable $ref {arg}")),
                    }
                }
                "enum" => match arg.as_array() {
                    Some(options) if options.contains(value) => {}
                    Some(_) => self.fail(at, format!("{value} is not one of {arg}")),
                    None => self.fail(at, "schema error: enum must be an array"),
                },
                "minimum" | "maximum" => match (value.as_number(), arg.as_number()) {
                    (None, _) => {}
                    (Some(_), None) => {
                        self.fail(at, format!("schema error: {keyword} must be a number"))
                    }
                    (Some(n), Some(bound)) => match (compare(n, bound), keyword.as_str()) {
                        (Some(Ordering::Less), "minimum") => {
                            self.fail(at, format!("{n} is less than the minimum {bound}"))
                        }
                        (Some(Ordering::Greater), "maximum") => {
                            self.fail(at, format!("{n} is greater than the maximum {bound}"))
                        }
                        _ => {}
                    },
                },
                "items" => {
                    for (i, item) in value.as_array().into_iter().flatten().enumerate() {
                        self.apply(arg, item, &format!("{at}/{i}"), depth + 1);
                    }
                }
                k if ANNOTATIONS.contains(&k) => {}
                k => self.fail(at, format!("schema error: unsupported keyword {k:?}")),
            }
        }
        if let Value::Object(object) = value {
            self.object(schema, object, at, depth);
        }
    }

    /// `properties`, `additionalProperties` and `required`, which only apply to objects.
    fn object(
        &mut self,
        schema: &Map<String, Value>,
        object: &Map<String, Value>,
        at: &str,
        depth: usize,
    ) {
        let properties = match schema.get("properties") {
            None => None,
            Some(Value::Object(properties)) => Some(properties),
            Some(_) => return self.fail(at, "schema error: properties must be an object"),
        };
        match schema.get("required") {
            None => {}
            Some(Value::Array(names)) => {
                for name in names {
                    match name.as_str() {
                        Some(name) if object.contains_key(name) => {}
                        Some(name) => {
                            self.fail(&format!("{at}/{}", escape(name)), "missing required field")
                        }
                        None => self.fail(at, "schema error: required must list strings"),
                    }
                }
            }
            Some(_) => self.fail(at, "schema error: required must be an array"),
        }
        for (key, value) in object {
            let here = format!("{at}/{}", escape(key));
            match properties
                .and_then(|p| p.get(key))
                .or_else(|| schema.get("additionalProperties"))
            {
                Some(Value::Bool(false)) => self.fail(&here, "unknown field"),
                Some(sub) => self.apply(sub, value, &here, depth + 1),
                None => {}
            }
        }
    }
}

fn has_type(value: &Value, name: &str) -> bool {
    match name {
        "null" => value.is_null(),
        "boolean" => value.is_boolean(),
        "object" => value.is_object(),
        "array" => value.is_array(),
        "string" => value.is_string(),
        "number" => value.is_number(),
        "integer" => value.is_i64() || value.is_u64(),
        _ => false,
    }
}

/// The JSON type of `value`, with the value itself when it is a scalar.
fn describe(value: &Value) -> String {
    match value {
        Value::Null => "null".to_owned(),
        Value::Bool(b) => format!("boolean {b}"),
        Value::Number(n) if n.is_i64() || n.is_u64() => format!("integer {n}"),
        Value::Number(n) => format!("number {n}"),
        Value::String(s) => format!("string {s:?}"),
        Value::Array(_) => "array".to_owned(),
        Value::Object(_) => "object".to_owned(),
    }
}

/// Exact for integers, by `f64` otherwise.
fn compare(a: &serde_json::Number, b: &serde_json::Number) -> Option<Ordering> {
    let int = |n: &serde_json::Number| n.as_i64().map(i128::from).or(n.as_u64().map(i128::from));
    match (int(a), int(b)) {
        (Some(a), Some(b)) => Some(a.cmp(&b)),
        _ => a.as_f64()?.partial_cmp(&b.as_f64()?),
    }
}

/// A key as a JSON pointer segment (RFC 6901).
fn escape(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

/// The nested-form register body of the Consul API notes (§1a), a service with a sidecar,
/// from `testdata/consul/register-example.json`.
#[allow(dead_code)]
pub(crate) fn example() -> Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/testdata/consul/register-example.json"
    );
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}
