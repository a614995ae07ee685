//! Evaluation of HCL expressions into [`Value`]s.
//!
//! References to anything but `var` and `local` are runtime interpolations (`${NOMAD_PORT_http}`,
//! `${attr.unique.hostname}`): as in Nomad, they stay in the string verbatim.

use hcl_edit::expr::{Expression, ObjectKey, UnaryOperator};
use hcl_edit::structure::{Body, Structure};
use hcl_edit::template::{Element, Template};

use super::{Lowerer, span_of};
use crate::diagnostic::{Code, Diagnostic};
use crate::model::{Map, Number, Value};
use crate::span::{Span, Spanned};

/// The variables a jobspec evaluates at parse time; every other root is a runtime reference.
const PARSE_TIME_ROOTS: &[&str] = &["var", "local"];

/// The root variable of a traversal or variable expression.
fn root_name(expr: &Expression) -> Option<&str> {
    match expr {
        Expression::Variable(v) => Some(v.as_str()),
        Expression::Traversal(t) => root_name(&t.expr),
        _ => None,
    }
}

impl Lowerer<'_> {
    /// Evaluates `expr`; `None` after reporting why it could not be.
    pub(crate) fn eval(&mut self, expr: Expression) -> Option<Spanned<Value>> {
        let span = span_of(&expr);
        let value = match expr {
            Expression::Null(_) => Value::Null,
            Expression::Bool(b) => Value::Bool(b.into_value()),
            Expression::Number(n) => {
                let n = n.into_value();
                let n = match n.as_i64() {
                    Some(i) => Number::Int(i),
                    None => Number::from_f64(n.as_f64().unwrap_or(f64::NAN)),
                };
                Value::Number(n)
            }
            Expression::String(s) => Value::String(s.into_value()),
            Expression::Array(items) => {
                let mut out = Vec::with_capacity(items.len());
                for item in items {
                    out.push(self.eval(item)?);
                }
                Value::List(out)
            }
            Expression::Object(object) => {
                let mut map = Map::new();
                for (key, value) in object {
                    let key = self.object_key(key)?;
                    let value = self.eval(value.into_expr())?;
                    map.insert(key, value);
                }
                Value::Object(map)
            }
            Expression::StringTemplate(t) => {
                let template: Template = t.into_iter().collect();
                Value::String(self.template(template)?)
            }
            Expression::HeredocTemplate(h) => Value::String(self.template(h.template)?),
            Expression::Parenthesis(p) => return self.eval(p.into_inner()),
            Expression::UnaryOp(op) => {
                let operand = self.eval(op.expr)?;
                match (op.operator.value(), operand.inner) {
                    (UnaryOperator::Neg, Value::Number(Number::Int(i))) => Value::Number(
                        i.checked_neg()
                            .map_or_else(|| Number::Float(-(i as f64)), Number::Int),
                    ),
                    (UnaryOperator::Neg, Value::Number(Number::Float(f))) => {
                        Value::Number(Number::Float(-f))
                    }
                    (UnaryOperator::Not, Value::Bool(b)) => Value::Bool(!b),
                    (op, other) => {
                        let want = match op {
                            UnaryOperator::Neg => "a number",
                            UnaryOperator::Not => "a bool",
                        };
                        let help = format!("the operator needs {want}");
                        self.type_error(operand.span, want, &other, help);
                        return None;
                    }
                }
            }
            expr @ (Expression::Variable(_) | Expression::Traversal(_)) => {
                if root_name(&expr).is_some_and(|r| PARSE_TIME_ROOTS.contains(&r)) {
                    return self.unsupported(span, "input variables and locals");
                }
                // A runtime reference outside a template becomes `"${...}"`, as in Nomad.
                Value::String(format!("${{{}}}", self.slice(span)))
            }
            Expression::Conditional(_) => return self.unsupported(span, "conditional expressions"),
            Expression::FuncCall(_) => return self.unsupported(span, "function calls"),
            Expression::BinaryOp(_) => return self.unsupported(span, "operators"),
            Expression::ForExpr(_) => return self.unsupported(span, "`for` expressions"),
        };
        Some(Spanned::new(value, span))
    }

    fn slice(&self, span: Span) -> &str {
        self.text.get(span.start..span.end).unwrap_or_default()
    }

    fn unsupported<T>(&mut self, span: Span, what: &str) -> Option<T> {
        self.push(
            Diagnostic::new(
                Code::UnsupportedExpression,
                span,
                format!("{what} are not supported yet"),
            )
            .with_label("cannot evaluate this")
            .with_help("write the value literally"),
        );
        None
    }

    fn object_key(&mut self, key: ObjectKey) -> Option<Spanned<String>> {
        match key {
            ObjectKey::Ident(ident) => {
                let span = span_of(&ident);
                Some(Spanned::new(ident.into_value().into_string(), span))
            }
            ObjectKey::Expression(expr) => {
                let value = self.eval(expr)?;
                self.text(value)
            }
        }
    }

    /// Evaluates a template: literals, and interpolations of literals or runtime references.
    fn template(&mut self, template: Template) -> Option<String> {
        let mut out = String::new();
        for element in template {
            match element {
                Element::Literal(literal) => out.push_str(&literal.into_value()),
                Element::Interpolation(interp) => {
                    let span = span_of(&interp);
                    if root_name(&interp.expr).is_some_and(|r| !PARSE_TIME_ROOTS.contains(&r)) {
                        // Kept verbatim, spaces and all: `${ attr.x }` stays `${ attr.x }`.
                        out.push_str(self.slice(span));
                        continue;
                    }
                    let value = self.eval(interp.expr)?;
                    out.push_str(&self.text(value)?);
                }
                Element::Directive(directive) => {
                    return self.unsupported(span_of(&directive), "template directives");
                }
            }
        }
        Some(out)
    }

    /// Reads a body as a map, as Nomad decodes `config`, `meta` and other free-form blocks:
    /// a nested block `foo { a = 1 }` becomes `foo = [{a = 1}]`, repeated blocks one list,
    /// labels nested maps, and an object-literal attribute a one-element list.
    pub(crate) fn body_to_map(&mut self, body: Body) -> Map<Value> {
        let mut map: Map<Value> = Map::new();
        // Keys that hold a list of blocks, which later blocks of the same type extend.
        let mut block_keys: Vec<String> = Vec::new();
        for structure in body {
            match structure {
                Structure::Attribute(attr) => {
                    let key_span = span_of(&attr.key);
                    let hcl_edit::structure::Attribute { key, value, .. } = attr;
                    let wrap = matches!(value, Expression::Object(_));
                    let Some(mut value) = self.eval(value) else {
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
                    let ident_span = span_of(&block.ident);
                    let span = span_of(&block);
                    let key = block.ident.as_str().to_owned();
                    let labels: Vec<Spanned<String>> = block
                        .labels
                        .iter()
                        .map(|l| Spanned::new(l.as_str().to_owned(), span_of(l)))
                        .collect();
                    let mut value = Spanned::new(Value::Object(self.body_to_map(block.body)), span);
                    for label in labels.into_iter().rev() {
                        let mut wrapper = Map::new();
                        wrapper.insert(label, Spanned::new(Value::List(vec![value]), span));
                        value = Spanned::new(Value::Object(wrapper), span);
                    }
                    if block_keys.contains(&key) {
                        if let Some(Spanned {
                            inner: Value::List(items),
                            span: list_span,
                        }) = map.get_mut(&key)
                        {
                            items.push(value);
                            *list_span = list_span.to(span);
                        }
                    } else {
                        block_keys.push(key.clone());
                        let key = Spanned::new(key, ident_span);
                        self.insert_unique(
                            &mut map,
                            key,
                            Spanned::new(Value::List(vec![value]), span),
                        );
                    }
                }
            }
        }
        map
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
