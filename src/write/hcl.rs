//! The model as HCL: each `schema!` block writes its fields by kind into an hcl-edit body,
//! the way the parser reads them back.

use hcl_edit::Decorate;
use hcl_edit::expr::{Array, Expression, Object, ObjectKey, ObjectValue, Parenthesis};
use hcl_edit::structure::{Attribute, Block, BlockLabel, Body, Structure};
use hcl_edit::{Decorated, Ident};

use crate::lower::kind::{
    Affinities, Api, Attr, Blk, Blocks, Constraints, Derived, GroupScaling, Label, LabelAttr,
    Labelled, MapAttr, MapBlk, Moved, Req, Reserved, TaskScaling,
};
use crate::model::{Affinity, Constraint, Duration, Map, Number, ScalingPolicy, Value};
use crate::parse::is_identifier;
use crate::span::Spanned;

/// Collects one block's body.
pub(crate) struct Writer<'a> {
    body: Body,
    /// The label of the block being written: a `LabelAttr` field equal to it is not repeated.
    label: Option<&'a str>,
    /// Where in the job the body is (`job "x"`, `group "g"`, ...), for `dropped`.
    path: String,
    /// Fields that have no HCL form and were left out, by path.
    dropped: &'a mut Vec<String>,
}

/// A model block that can be written as HCL (implemented by `schema!`).
pub(crate) trait WriteBlock: crate::lower::Block {
    /// The block's label, from its `Label` or `LabelAttr` field.
    fn label(&self) -> Option<&str>;
    /// Writes the block's fields into `w`.
    fn write_body(&self, w: &mut Writer<'_>);
}

/// How a field kind writes a field of type `F`.
pub(crate) trait WriteKind<F> {
    /// The field's value when it is the block's label.
    fn label(_field: &F) -> Option<&str> {
        None
    }
    /// Writes the field as the HCL `key`; `go` is its API name.
    fn write(w: &mut Writer<'_>, key: &str, go: &str, field: &F);
}

impl Writer<'_> {
    fn attr(&mut self, key: &str, value: Expression) {
        self.body
            .push(Attribute::new(Decorated::new(Ident::new(key)), value));
    }

    /// Writes `block` as `key "label" { ... }`, its label its own.
    fn block<B: WriteBlock>(&mut self, key: &str, block: &B) {
        let label = B::LABEL.map(|_| block.label().unwrap_or_default());
        self.labelled(key, label, block);
    }

    /// Writes `block` as `key "label" { ... }` (or `key { ... }` without a label).
    fn labelled<B: WriteBlock>(&mut self, key: &str, label: Option<&str>, block: &B) {
        let mut out = self.nested(key, label, |w| block.write_body(w));
        // A schema block's fields are unordered: attributes first, then blocks, tasks last.
        let rank = |s: &Structure| match s {
            Structure::Attribute(_) => 0,
            Structure::Block(b) if b.has_ident("task") => 2,
            Structure::Block(_) => 1,
        };
        let mut structures: Vec<Structure> = std::mem::take(&mut out.body).into_iter().collect();
        structures.sort_by_key(rank);
        out.body = spaced(structures);
        if let Some(label) = label {
            // A label is a literal, so its markers are escaped; by us, for the reason
            // `verbatim` gives.
            let mut quoted = String::from("\"");
            escape_into(&mut quoted, label);
            quoted.push('"');
            let label = Ident::new_unchecked(quoted);
            out.labels.push(BlockLabel::Ident(Decorated::new(label)));
        }
        self.body.push(out);
    }

    /// Adds an unlabelled block `key { ... }` whose body `fill` writes.
    fn plain_block(&mut self, key: &str, fill: impl FnOnce(&mut Writer<'_>)) {
        let block = self.nested(key, None, fill);
        self.body.push(block);
    }

    /// A block `key { ... }` whose body `fill` writes.
    fn nested(
        &mut self,
        key: &str,
        label: Option<&str>,
        fill: impl FnOnce(&mut Writer<'_>),
    ) -> Block {
        let path = match label {
            Some(label) => format!("{}{key} {label:?} > ", self.path),
            None => format!("{}{key} > ", self.path),
        };
        let mut w = Writer {
            body: Body::new(),
            label,
            path,
            dropped: self.dropped,
        };
        fill(&mut w);
        let mut block = Block::new(Ident::new(key));
        block.body = spaced(w.body);
        block
    }
}

/// A body with a blank line before each block that follows something.
fn spaced(structures: impl IntoIterator<Item = Structure>) -> Body {
    let mut body = Body::new();
    for mut structure in structures {
        if let Structure::Block(block) = &mut structure {
            if !body.is_empty() {
                block.decor_mut().set_prefix("\n");
            }
        }
        body.push(structure);
    }
    // An empty block is written `name {}`.
    body.set_prefer_oneline(body.is_empty());
    body
}

/// Writes `job` as an HCL body; returns it with the API fields left out.
pub(crate) fn job_body<B: WriteBlock>(job: &B) -> (Body, Vec<String>) {
    let mut dropped = Vec::new();
    let mut root = Writer {
        body: Body::new(),
        label: None,
        path: String::new(),
        dropped: &mut dropped,
    };
    root.block("job", job);
    (root.body, dropped)
}

// ---- Values -------------------------------------------------------------------------------

/// A value that can be written as an HCL expression.
pub(crate) trait ToExpr {
    fn to_expr(&self) -> Expression;
    /// The expression as an attribute's whole value, where a multi-line string may be a
    /// heredoc (its closing marker needs a line of its own).
    fn to_attr_expr(&self) -> Expression {
        self.to_expr()
    }
}

impl ToExpr for String {
    fn to_expr(&self) -> Expression {
        string(self)
    }
    fn to_attr_expr(&self) -> Expression {
        heredoc(self).unwrap_or_else(|| string(self))
    }
}

impl ToExpr for bool {
    fn to_expr(&self) -> Expression {
        Expression::from(*self)
    }
}

macro_rules! int_to_expr {
    ($($t:ty),*) => {$(
        impl ToExpr for $t {
            fn to_expr(&self) -> Expression {
                Expression::from(hcl_edit::Number::from(i64::from(*self)))
            }
        }
    )*};
}
int_to_expr!(i8, u8, u16, u32, i64);

impl ToExpr for u64 {
    fn to_expr(&self) -> Expression {
        Expression::from(hcl_edit::Number::from(*self))
    }
}

impl ToExpr for Duration {
    /// Go's form without its zero units: `2m`, `120h`, `1h30m`, `1.5s`.
    fn to_expr(&self) -> Expression {
        let text = self.to_string();
        let mut short = text.as_str();
        for zero in ["0s", "0m"] {
            if short.len() > zero.len() + 1 && short.ends_with(zero) {
                let trimmed = &short[..short.len() - zero.len()];
                if trimmed.ends_with(['h', 'm']) {
                    short = trimmed;
                }
            }
        }
        string(short)
    }
}

impl<T: ToExpr> ToExpr for Vec<Spanned<T>> {
    fn to_expr(&self) -> Expression {
        layout_array(self.iter().map(|v| v.inner.to_expr()).collect())
    }
}

impl<V: ToExpr> ToExpr for Map<V> {
    fn to_expr(&self) -> Expression {
        let mut object = Object::new();
        for (key, value) in self.iter() {
            object.insert(object_key(key), ObjectValue::new(value.inner.to_expr()));
        }
        layout_object(object)
    }
}

impl ToExpr for Value {
    fn to_expr(&self) -> Expression {
        match self {
            Value::Null => Expression::null(),
            Value::Bool(b) => b.to_expr(),
            Value::Number(Number::Int(i)) => i.to_expr(),
            Value::Number(Number::Float(f)) => {
                hcl_edit::Number::from_f64(*f).map_or_else(Expression::null, Expression::from)
            }
            Value::String(s) => string(s),
            Value::List(items) => layout_array(items.iter().map(|v| v.inner.to_expr()).collect()),
            Value::Object(map) => map.to_expr(),
        }
    }
    fn to_attr_expr(&self) -> Expression {
        match self {
            Value::String(s) => s.to_attr_expr(),
            _ => self.to_expr(),
        }
    }
}

/// Whether `key` can be written bare as an object key or a traversal's root: an identifier
/// that is not a keyword (`null`, `for`, ... would be read as expressions; a body's names may
/// be keywords, and use `is_identifier`).
fn is_ident(key: &str) -> bool {
    is_identifier(key) && !matches!(key, "null" | "true" | "false" | "for" | "in" | "if")
}

fn object_key(key: &str) -> ObjectKey {
    if is_ident(key) {
        ObjectKey::Ident(Decorated::new(Ident::new(key)))
    } else {
        ObjectKey::Expression(Expression::String(Decorated::new(key.to_owned())))
    }
}

/// Past this width, a list or object is written one element per line.
const ONE_LINE: usize = 60;

fn layout_array(items: Vec<Expression>) -> Expression {
    let mut array = Array::from(items);
    if Expression::from(array.clone()).to_string().len() > ONE_LINE {
        for item in array.iter_mut() {
            item.decor_mut().set_prefix("\n");
        }
        array.set_trailing_comma(true);
        array.set_trailing("\n");
    }
    Expression::from(array)
}

fn layout_object(mut object: Object) -> Expression {
    use hcl_edit::expr::ObjectValueTerminator;
    let multiline = Expression::from(object.clone()).to_string().len() > ONE_LINE;
    let last = object.len().saturating_sub(1);
    for (i, (mut key, value)) in object.iter_mut().enumerate() {
        if multiline {
            value.set_terminator(ObjectValueTerminator::Newline);
            if i == 0 {
                key.decor_mut().set_prefix("\n");
            }
        } else if i < last {
            value.set_terminator(ObjectValueTerminator::Comma);
        } else {
            value.set_terminator(ObjectValueTerminator::None);
        }
    }
    Expression::from(object)
}

/// A string: quoted with HCL's escapes, except that Nomad's runtime interpolations
/// (`${NOMAD_PORT_http}`, `${attr.kernel.name}`) stay readable, as the parser keeps them
/// verbatim.
fn string(s: &str) -> Expression {
    if !s.contains("${") && !s.contains("%{") {
        return Expression::String(Decorated::new(s.to_owned()));
    }
    let mut text = String::from("\"");
    let mut literal_start = 0;
    let mut at = 0;
    while let Some(found) = s[at..].find("${") {
        let open = at + found;
        let Some(close) = s[open..].find('}').map(|c| open + c) else {
            break;
        };
        if is_runtime(&s[open + 2..close]) && !s[..open].ends_with('$') {
            escape_into(&mut text, &s[literal_start..open]);
            text.push_str(&s[open..=close]);
            literal_start = close + 1;
        }
        at = close + 1;
    }
    escape_into(&mut text, &s[literal_start..]);
    text.push('"');
    verbatim(text)
}

/// An expression written exactly as `text`. hcl-edit re-escapes a template's literals when it
/// writes them, and its escaping of template markers misses a `$${` that follows other text
/// (hcl-primitives 0.1.13): strings holding markers are escaped here and passed through as is.
fn verbatim(text: String) -> Expression {
    Expression::Variable(Decorated::new(Ident::new_unchecked(text)))
}

/// Whether an interpolation's text is a reference the parser keeps for Nomad to fill in at
/// run time: a traversal whose root is not `var` or `local`.
fn is_runtime(inner: &str) -> bool {
    let inner = inner.trim_matches(' ');
    let root_end = inner.find(['.', '[']).unwrap_or(inner.len());
    let root = &inner[..root_end];
    if !is_ident(root) || root == "var" || root == "local" {
        return false;
    }
    let mut rest = &inner[root_end..];
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix('.') {
            let end = after.find(['.', '[']).unwrap_or(after.len());
            if !is_ident(&after[..end]) && !after[..end].bytes().all(|b| b.is_ascii_digit()) {
                return false;
            }
            rest = &after[end..];
        } else if let Some(after) = rest.strip_prefix('[') {
            let Some(end) = after.find(']') else {
                return false;
            };
            if after[..end].is_empty() || !after[..end].bytes().all(|b| b.is_ascii_digit()) {
                return false;
            }
            rest = &after[end + 1..];
        } else {
            return false;
        }
    }
    true
}

/// HCL's quoted-string escapes, and `$${`/`%%{` for template markers.
fn escape_into(out: &mut String, literal: &str) {
    for c in escape_markers(literal).chars() {
        match c {
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c <= '\u{1f}' || c == '\u{7f}' => {
                out.push_str(&format!("\\u{:04x}", c as u32));
            }
            c => out.push(c),
        }
    }
}

/// Template markers written literally: `${` as `$${`, `%{` as `%%{`.
fn escape_markers(literal: &str) -> String {
    literal.replace("${", "$${").replace("%{", "%%{")
}

/// A heredoc for a multi-line string that ends in a newline and holds no other control
/// character, with a marker that no line of it equals.
fn heredoc(s: &str) -> Option<Expression> {
    let body = s.strip_suffix('\n')?;
    if !body.contains('\n') || s.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
        return None;
    }
    let marker = ["EOF", "EOT", "EOH", "END"]
        .into_iter()
        .find(|m| !s.lines().any(|l| l.trim() == *m))?;
    Some(verbatim(format!(
        "<<{marker}\n{}{marker}",
        escape_markers(s)
    )))
}

// ---- Kinds --------------------------------------------------------------------------------

fn attr_of<T: ToExpr>(w: &mut Writer<'_>, key: &str, field: &Option<Spanned<T>>) {
    if let Some(value) = field {
        w.attr(key, value.inner.to_attr_expr());
    }
}

impl WriteKind<Option<Spanned<String>>> for Label {
    fn label(field: &Option<Spanned<String>>) -> Option<&str> {
        field.as_deref().map(String::as_str)
    }
    fn write(_: &mut Writer<'_>, _: &str, _: &str, _: &Option<Spanned<String>>) {}
}

impl WriteKind<Option<Spanned<String>>> for LabelAttr {
    fn label(field: &Option<Spanned<String>>) -> Option<&str> {
        field.as_deref().map(String::as_str)
    }
    fn write(w: &mut Writer<'_>, key: &str, _: &str, field: &Option<Spanned<String>>) {
        if field.as_deref().map(String::as_str) != w.label {
            attr_of(w, key, field);
        }
    }
}

impl<T: ToExpr> WriteKind<Option<Spanned<T>>> for Attr {
    fn write(w: &mut Writer<'_>, key: &str, _: &str, field: &Option<Spanned<T>>) {
        attr_of(w, key, field);
    }
}

impl<T: ToExpr> WriteKind<Option<Spanned<T>>> for Req {
    fn write(w: &mut Writer<'_>, key: &str, _: &str, field: &Option<Spanned<T>>) {
        attr_of(w, key, field);
    }
}

impl<B: WriteBlock> WriteKind<Option<Spanned<B>>> for Blk {
    fn write(w: &mut Writer<'_>, key: &str, _: &str, field: &Option<Spanned<B>>) {
        if let Some(block) = field {
            w.block(key, &block.inner);
        }
    }
}

impl<B: WriteBlock> WriteKind<Vec<Spanned<B>>> for Blocks {
    fn write(w: &mut Writer<'_>, key: &str, _: &str, field: &Vec<Spanned<B>>) {
        for block in field {
            w.block(key, &block.inner);
        }
    }
}

/// Static ports: the parser moves each `port` with `static > 0` here, so they are written
/// back as `port` blocks.
impl<B: WriteBlock> WriteKind<Vec<Spanned<B>>> for Reserved {
    fn write(w: &mut Writer<'_>, _: &str, go: &str, field: &Vec<Spanned<B>>) {
        Blocks::write(w, "port", go, field);
    }
}

/// The default identity, which the parser takes from the `identity` blocks.
impl<B: WriteBlock> WriteKind<Option<Spanned<B>>> for Moved {
    fn write(w: &mut Writer<'_>, key: &str, go: &str, field: &Option<Spanned<B>>) {
        Blk::write(w, key, go, field);
    }
}

impl<B: WriteBlock> WriteKind<Map<B>> for Labelled {
    fn write(w: &mut Writer<'_>, key: &str, _: &str, field: &Map<B>) {
        for (label, block) in field.iter() {
            w.labelled(key, Some(label), &block.inner);
        }
    }
}

impl<V: MapValue> WriteKind<Option<Spanned<Map<V>>>> for MapBlk {
    fn write(w: &mut Writer<'_>, key: &str, _: &str, field: &Option<Spanned<Map<V>>>) {
        if let Some(map) = field {
            map_block(w, key, &map.inner);
        }
    }
}

impl<V: MapValue> WriteKind<Option<Spanned<Map<V>>>> for MapAttr {
    fn write(w: &mut Writer<'_>, key: &str, _: &str, field: &Option<Spanned<Map<V>>>) {
        let Some(map) = field else { return };
        if map.keys().all(|k| is_identifier(k)) {
            map_block(w, key, &map.inner);
        } else {
            w.attr(key, map.inner.to_expr());
        }
    }
}

impl<F: crate::model::schema::Unset> WriteKind<F> for Api {
    fn write(w: &mut Writer<'_>, _: &str, go: &str, field: &F) {
        if !field.is_unset() {
            let path = format!("{}{go}", w.path);
            w.dropped.push(path);
        }
    }
}

impl<F> WriteKind<F> for Derived {
    fn write(_: &mut Writer<'_>, _: &str, _: &str, _: &F) {}
}

/// A value of a free-form map: strings (`meta`, `env`) or any value (`config`).
pub(crate) trait MapValue: ToExpr {
    /// Writes the entry `key = value` of a map block.
    fn write_entry(w: &mut Writer<'_>, key: &str, value: &Self) {
        w.attr(key, value.to_attr_expr());
    }
}

impl MapValue for String {}
impl MapValue for Vec<Spanned<String>> {}

impl MapValue for Value {
    /// Nomad reads a free-form body's nested blocks as lists of objects and an object literal
    /// as a one-element list: a list of objects is written as blocks (but for the key
    /// `dynamic`, whose blocks would be expanded), and a bare object in parentheses, which
    /// keeps it an object.
    fn write_entry(w: &mut Writer<'_>, key: &str, value: &Value) {
        match value {
            Value::List(items)
                if !items.is_empty()
                    && key != "dynamic"
                    && items.iter().all(
                        |i| matches!(&i.inner, Value::Object(o) if o.keys().all(|k| is_identifier(k))),
                    ) =>
            {
                for item in items {
                    if let Value::Object(map) = &item.inner {
                        w.plain_block(key, |w| {
                            for (k, v) in map.iter() {
                                Value::write_entry(w, k, &v.inner);
                            }
                        });
                    }
                }
            }
            Value::Object(_) => w.attr(key, Expression::from(Parenthesis::new(value.to_expr()))),
            _ => w.attr(key, value.to_attr_expr()),
        }
    }
}

fn map_block<V: MapValue>(w: &mut Writer<'_>, key: &str, map: &Map<V>) {
    let mut unwritable = Vec::new();
    w.plain_block(key, |w| {
        for (k, v) in map.iter() {
            if is_identifier(k) {
                V::write_entry(w, k, &v.inner);
            } else {
                unwritable.push(format!("{}{k:?}", w.path));
            }
        }
    });
    w.dropped.extend(unwritable);
}

impl WriteKind<Vec<Spanned<Constraint>>> for Constraints {
    fn write(w: &mut Writer<'_>, key: &str, _: &str, field: &Vec<Spanned<Constraint>>) {
        for c in field {
            w.plain_block(key, |w| {
                attr_of(w, "attribute", &c.ltarget);
                match c.operand.as_deref().map(String::as_str) {
                    Some("distinct_hosts") if c.rtarget.as_deref().is_some_and(|v| v == "true") => {
                        w.attr("distinct_hosts", true.to_expr());
                        return;
                    }
                    Some("=") => {}
                    _ => attr_of(w, "operator", &c.operand),
                }
                attr_of(w, "value", &c.rtarget);
            });
        }
    }
}

impl WriteKind<Vec<Spanned<Affinity>>> for Affinities {
    fn write(w: &mut Writer<'_>, key: &str, _: &str, field: &Vec<Spanned<Affinity>>) {
        for a in field {
            w.plain_block(key, |w| {
                attr_of(w, "attribute", &a.ltarget);
                if a.operand.as_deref().is_none_or(|o| o != "=") {
                    attr_of(w, "operator", &a.operand);
                }
                attr_of(w, "value", &a.rtarget);
                attr_of(w, "weight", &a.weight);
            });
        }
    }
}

impl WriteKind<Option<Spanned<ScalingPolicy>>> for GroupScaling {
    fn write(w: &mut Writer<'_>, key: &str, go: &str, field: &Option<Spanned<ScalingPolicy>>) {
        Blk::write(w, key, go, field);
    }
}

impl WriteKind<Vec<Spanned<ScalingPolicy>>> for TaskScaling {
    fn write(w: &mut Writer<'_>, key: &str, _: &str, field: &Vec<Spanned<ScalingPolicy>>) {
        for policy in field {
            let resource = match policy.r#type.as_deref().map(String::as_str) {
                Some("vertical_mem") => "mem",
                _ => "cpu",
            };
            w.labelled(key, Some(resource), &policy.inner);
        }
    }
}
