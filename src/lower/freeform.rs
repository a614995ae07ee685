//! Free-form bodies (`config`, `meta`, `env`, scaling `policy`), read as Nomad's
//! `BlocksAsAttrs` does.

use std::collections::HashSet;

use hcl_edit::expr::Expression;
use hcl_edit::structure::{Body, Structure};

use super::{BodyIn, Lowerer, span_of};
use crate::diagnostic::{Code, Diagnostic};
use crate::model::{Map, Value};
use crate::span::{Span, Spanned};

impl Lowerer<'_> {
    /// Reads a body as a map: a nested block `foo { a = 1 }` becomes `foo = [{a = 1}]`,
    /// repeated blocks one list, labels nested maps (`foo "x" { }` is `foo = [{x = [{}]}]`),
    /// and an object-literal attribute a one-element list. `dynamic` blocks expand in place.
    pub(crate) fn body_to_map(&mut self, body: BodyIn) -> Map<Value> {
        let body = match body {
            BodyIn::Hcl(body) => body,
            // HCL's JSON syntax has no blocks to rewrite: properties are values.
            BodyIn::Json(props) => {
                let mut map = Map::new();
                for (key, value) in props {
                    if let Some(value) = self.eval_json(value) {
                        self.insert_unique(&mut map, key, value);
                    }
                }
                return map;
            }
        };
        let mut map: Map<Value> = Map::new();
        // Keys that hold a list of blocks, which later blocks of the same type extend.
        let mut block_keys: HashSet<String> = HashSet::new();
        for structure in body {
            match structure {
                Structure::Attribute(attr) => {
                    let key_span = span_of(&attr.key);
                    let hcl_edit::structure::Attribute { key, value, .. } = attr;
                    let wrap = matches!(value, Expression::Object(_));
                    let Some(mut value) = self.eval_owned(super::Expr::Hcl(value)) else {
                        continue;
                    };
                    if wrap {
                        let span = value.span;
                        value = Spanned::new(Value::List(vec![value]), span);
                    }
                    let key = Spanned::new(key.into_value().into_string(), key_span);
                    self.insert_unique(&mut map, key, value);
                }
                Structure::Block(block) => {
                    let (key, items) = if block.ident.as_str() == "dynamic" {
                        match self.expand_dynamic_map(block) {
                            Some(expanded) => expanded,
                            None => continue,
                        }
                    } else {
                        let key =
                            Spanned::new(block.ident.as_str().to_owned(), span_of(&block.ident));
                        let span = span_of(&block);
                        let labels = block
                            .labels
                            .iter()
                            .map(|l| Spanned::new(l.as_str().to_owned(), span_of(l)))
                            .collect();
                        (key, vec![self.labelled_map(block.body, labels, span)])
                    };
                    if block_keys.contains(&key.inner) {
                        if let Some(Spanned {
                            inner: Value::List(list),
                            span: list_span,
                        }) = map.get_mut(&key.inner)
                        {
                            for item in items {
                                *list_span = list_span.to(item.span);
                                list.push(item);
                            }
                        }
                    } else if let Some(first) = items.first() {
                        let span = first.span;
                        block_keys.insert(key.inner.clone());
                        self.insert_unique(&mut map, key, Spanned::new(Value::List(items), span));
                    }
                }
            }
        }
        map
    }

    /// A nested block of a free-form body as a value: its body as a map, wrapped in one map
    /// level per label.
    pub(crate) fn labelled_map(
        &mut self,
        body: Body,
        labels: Vec<Spanned<String>>,
        span: Span,
    ) -> Spanned<Value> {
        if !self.take_block(span) {
            return Spanned::new(Value::Object(Map::new()), span);
        }
        let mut value = Spanned::new(Value::Object(self.body_to_map(BodyIn::Hcl(body))), span);
        for label in labels.into_iter().rev() {
            let mut wrapper = Map::new();
            wrapper.insert(label, Spanned::new(Value::List(vec![value]), span));
            value = Spanned::new(Value::Object(wrapper), span);
        }
        value
    }

    fn insert_unique(&mut self, map: &mut Map<Value>, key: Spanned<String>, value: Spanned<Value>) {
        if let Some((first, _)) = map.get_entry(&key) {
            let first = first.span;
            self.push(
                Diagnostic::new(
                    Code::DuplicateKey,
                    key.span,
                    format!("`{}` is defined twice", key.inner),
                )
                .with_label("second definition")
                .with_related(first, "first defined here")
                .with_help("remove one of the two definitions"),
            );
            return;
        }
        map.insert(key, value);
    }
}
