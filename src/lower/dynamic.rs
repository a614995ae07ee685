//! `dynamic "<type>" { for_each, iterator, labels, content { } }` blocks, expanded as HCL's
//! dynblock does: one `<type>` block per element, with the iterator bound while its content is
//! lowered.

use hcl_edit::expr::Expression;
use hcl_edit::structure::{Body, Structure};

use super::{Block, BlockIn, BodyIn, Lowerer, span_of};
use crate::diagnostic::{Code, Diagnostic};
use crate::model::{Map, Value};
use crate::span::{Span, Spanned};

const DYNAMIC_KEYS: &[&str] = &["for_each", "iterator", "labels", "content"];

/// A `dynamic` block, read but not yet expanded.
struct Dynamic {
    /// The block type to generate, and where it is named.
    kind: Spanned<String>,
    span: Span,
    iterator: String,
    elements: Vec<(Value, Value)>,
    labels: Option<Expression>,
    content: Body,
    /// What copying the content for one element costs, in evaluation steps.
    content_cost: u64,
}

impl Lowerer<'_> {
    fn read_dynamic(&mut self, block: hcl_edit::structure::Block) -> Option<Dynamic> {
        let ident = span_of(&block.ident);
        let span = span_of(&block);
        let Some(label) = block.labels.first() else {
            self.push(
                Diagnostic::new(
                    Code::MissingLabel,
                    ident,
                    "a `dynamic` block needs the type of block to generate",
                )
                .with_label("missing the block type")
                .with_help("write `dynamic \"upstreams\" { for_each = ..., content { ... } }`"),
            );
            return None;
        };
        let kind = Spanned::new(label.as_str().to_owned(), span_of(label));
        let mut for_each = None;
        let mut iterator = None;
        let mut labels = None;
        let mut content: Option<Spanned<Body>> = None;
        for structure in block.body {
            match structure {
                Structure::Attribute(attr) => match attr.key.as_str() {
                    "for_each" => for_each = Some(attr.value),
                    "labels" => labels = Some(attr.value),
                    "iterator" => match &attr.value {
                        Expression::Variable(v) => iterator = Some(v.as_str().to_owned()),
                        other => {
                            self.push(
                                Diagnostic::new(
                                    Code::InvalidValue,
                                    span_of(other),
                                    "`iterator` is a bare name",
                                )
                                .with_label("not a name")
                                .with_help("write `iterator = port`, without quotes"),
                            );
                            return None;
                        }
                    },
                    other => self.unknown_key(other, span_of(&attr.key), false, DYNAMIC_KEYS),
                },
                Structure::Block(b) if b.ident.as_str() == "content" => {
                    let b_span = span_of(&b.ident);
                    if let Some(first) = &content {
                        let first = first.span;
                        self.duplicate_block("content", b_span, first);
                    } else {
                        content = Some(Spanned::new(b.body, b_span));
                    }
                }
                Structure::Block(b) => {
                    self.unknown_key(b.ident.as_str(), span_of(&b.ident), true, DYNAMIC_KEYS)
                }
            }
        }
        let missing = |cx: &mut Self, what: &str| {
            cx.push(
                Diagnostic::new(
                    Code::MissingAttribute,
                    ident,
                    format!("the `dynamic` block needs `{what}`"),
                )
                .with_label(format!("missing `{what}`"))
                .with_help(
                    "write `dynamic \"<type>\" { for_each = <collection>, content { ... } }`",
                ),
            );
        };
        let Some(for_each) = for_each else {
            missing(self, "for_each");
            return None;
        };
        let Some(content) = content else {
            missing(self, "content");
            return None;
        };
        let collection = self.eval(&for_each)?;
        let elements = self.iterate(collection)?;
        Some(Dynamic {
            iterator: iterator.unwrap_or_else(|| kind.inner.clone()),
            kind,
            span,
            elements,
            labels,
            content_cost: (content.span.len() / 64) as u64,
            content: content.inner,
        })
    }

    /// Calls `each` for every element of a `dynamic` block, with the iterator bound and the
    /// element's labels evaluated.
    fn for_each_dynamic(
        &mut self,
        block: hcl_edit::structure::Block,
        mut each: impl FnMut(&mut Self, &Spanned<String>, Span, Vec<Spanned<String>>, Body),
    ) {
        let Some(d) = self.read_dynamic(block) else {
            return;
        };
        for (key, value) in d.elements {
            // Each element copies the content, and its blocks count toward the file's.
            if !self.step(d.span) || !self.charge(d.span, d.content_cost) || self.blocks_reported {
                return;
            }
            let mut it = Map::new();
            it.insert(Spanned::bare("key".to_owned()), Spanned::bare(key));
            it.insert(Spanned::bare("value".to_owned()), Spanned::bare(value));
            let iterator = [(d.iterator.clone(), Value::Object(it))];
            self.bound(iterator, |cx| {
                let labels = match &d.labels {
                    Some(expr) => cx.eval(expr).and_then(|v| cx.label_list(v)),
                    None => Some(Vec::new()),
                };
                if let Some(labels) = labels {
                    each(cx, &d.kind, d.span, labels, d.content.clone());
                }
            });
        }
    }

    fn label_list(&mut self, value: Spanned<Value>) -> Option<Vec<Spanned<String>>> {
        match value.inner {
            Value::List(items) => items.into_iter().map(|v| self.text(v)).collect(),
            other => {
                let help = "`labels` is a list of strings, one per label".to_owned();
                self.type_error(value.span, "a list of strings", &other, help);
                None
            }
        }
    }

    /// Expands a `dynamic` block inside a schema block.
    pub(crate) fn expand_dynamic<B: Block>(
        &mut self,
        block: hcl_edit::structure::Block,
        out: &mut B,
    ) {
        self.for_each_dynamic(block, |cx, kind, span, labels, body| {
            let block = BlockIn {
                ident_span: kind.span,
                span,
                labels,
                body: BodyIn::Hcl(body),
            };
            if let Err(block) = out.block(cx, &kind.inner, block) {
                cx.unknown::<B>(&kind.inner, block.ident_span, true);
            }
        });
    }

    /// Expands a `dynamic` block inside a free-form body: one list element per element.
    pub(crate) fn expand_dynamic_map(
        &mut self,
        block: hcl_edit::structure::Block,
    ) -> Option<(Spanned<String>, Vec<Spanned<Value>>)> {
        let mut kind = None;
        let mut items = Vec::new();
        self.for_each_dynamic(block, |cx, k, span, labels, body| {
            kind.get_or_insert_with(|| k.clone());
            items.push(cx.labelled_map(body, labels, span));
        });
        kind.map(|k| (k, items))
    }
}
