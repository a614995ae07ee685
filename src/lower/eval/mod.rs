//! Evaluation of HCL2 expressions into [`Value`]s: literals, templates and directives,
//! operators, conditionals, `for` expressions, splats, traversals and function calls.
//!
//! Only `var.`, `local.` and names bound by `for`, template `for` and `dynamic` iterators are
//! evaluated. Any other reference is a runtime interpolation (`${NOMAD_PORT_http}`,
//! `${attr.unique.hostname}`): as in Nomad, it stays in the string verbatim.

mod functions;
mod ops;

pub(crate) use functions::names as function_names;

use hcl_edit::expr::{Expression, ForExpr, ObjectKey, TraversalOperator, UnaryOperator};
use hcl_edit::template::{Directive, Element, Strip};

use super::{Lowerer, span_of};
use crate::diagnostic::list_names;
use crate::diagnostic::{Code, Diagnostic};
use crate::model::{Map, Number, Value};
use crate::span::{Span, Spanned};

/// What names an expression can see.
#[derive(Default)]
pub(crate) struct Scope {
    /// `var`: the input variables. `None` where no reference is allowed (variable defaults,
    /// var files), as in Nomad.
    pub(crate) vars: Option<Map<Value>>,
    /// `local`: the locals evaluated so far.
    pub(crate) locals: Option<Map<Value>>,
    /// Names bound by `for`, template `for` and `dynamic` iterators; innermost last.
    pub(crate) bindings: Vec<(String, Value)>,
    /// Whether the filesystem functions may read files.
    pub(crate) allow_fs: bool,
    /// Whether the scope is the literal-only one of variable defaults and var files.
    pub(crate) literal_only: bool,
}

/// What a root name refers to.
enum Root<'a> {
    Value(&'a Value),
    /// `var` or `local`, with the known names: an unknown attribute is an error.
    Namespace(&'static str, &'a Map<Value>),
    /// Not defined at parse time: a runtime interpolation.
    Runtime,
}

impl Scope {
    fn root(&self, name: &str) -> Root<'_> {
        if let Some((_, v)) = self.bindings.iter().rev().find(|(n, _)| n == name) {
            return Root::Value(v);
        }
        match (name, &self.vars, &self.locals) {
            ("var", Some(vars), _) => Root::Namespace("var", vars),
            ("local", _, Some(locals)) => Root::Namespace("local", locals),
            _ => Root::Runtime,
        }
    }
}

/// The root variable of a traversal or variable expression.
fn root_name(expr: &Expression) -> Option<&str> {
    match expr {
        Expression::Variable(v) => Some(v.as_str()),
        Expression::Traversal(t) => root_name(&t.expr),
        _ => None,
    }
}

/// Where a reference's root value is: a name bound by `for` or `dynamic`, or a variable or
/// local (`var.x`, `local.x`).
#[derive(Clone, Copy)]
enum RootAt<'n> {
    Binding(&'n str),
    Namespace(&'static str, &'n str),
}

/// One step into a value: a map key or a list position.
enum Step {
    Key(String),
    Pos(usize),
}

/// The step `index` names into `value`, if it names an element there: what `index()` and
/// `get_attr()` would take without a finding. Anything else is left to them.
fn step_into(value: &Value, index: &Value) -> Option<Step> {
    match (value, index) {
        (Value::Object(map), Value::String(key)) => map.get(key).map(|_| Step::Key(key.clone())),
        (Value::List(items), Value::Number(n)) => n
            .as_i64()
            .and_then(|i| usize::try_from(i).ok())
            .filter(|&i| i < items.len())
            .map(Step::Pos),
        _ => None,
    }
}

/// What copying values costs, in evaluation steps: one per value, one more for each that owns
/// memory (a string, list or map, and a map's key), and one per 64 bytes of string, so a
/// step stands for at most about a hundred bytes. Counting stops past `cap`.
pub(crate) fn weight<'v>(values: impl IntoIterator<Item = &'v Value>, cap: u64) -> u64 {
    let mut stack: Vec<&Value> = values.into_iter().collect();
    let mut total = 0u64;
    while let Some(value) = stack.pop() {
        total += 1;
        match value {
            Value::String(s) => total += 1 + (s.len() / 64) as u64,
            Value::List(items) => {
                total += 1;
                stack.extend(items.iter().map(|i| &i.inner));
            }
            Value::Object(map) => {
                total += 1;
                for (k, v) in map.iter() {
                    total += 1 + (k.len() / 64) as u64;
                    stack.push(&v.inner);
                }
            }
            _ => {}
        }
        if total > cap {
            break;
        }
    }
    total
}

/// A number from hcl-edit's representation.
fn number(n: &hcl_edit::Number) -> Number {
    match n.as_i64() {
        Some(i) => Number::Int(i),
        None => Number::from_f64(n.as_f64().unwrap_or(f64::NAN)),
    }
}

impl Lowerer<'_> {
    /// Evaluates an attribute value, moving a plain string out instead of copying it.
    pub(crate) fn eval_owned(&mut self, expr: super::Expr) -> Option<Spanned<Value>> {
        match expr {
            super::Expr::Hcl(Expression::String(s)) => {
                let span = span_of(&s);
                Some(Spanned::new(Value::String(s.into_value()), span))
            }
            super::Expr::Hcl(other) => self.eval(&other),
            super::Expr::Json(json) => self.eval_json(json),
        }
    }

    /// Runs `f` with `names` bound (innermost last), then unbinds them.
    pub(crate) fn bound<T>(
        &mut self,
        names: impl IntoIterator<Item = (String, Value)>,
        f: impl FnOnce(&mut Self) -> T,
    ) -> T {
        let mark = self.scope.bindings.len();
        self.scope.bindings.extend(names);
        let out = f(self);
        self.scope.bindings.truncate(mark);
        out
    }

    /// Takes one evaluation step; `false` (reported once) when the budget is spent.
    pub(crate) fn step(&mut self, span: Span) -> bool {
        if self.steps_left == 0 {
            if !self.budget_reported {
                self.budget_reported = true;
                let max = self.limits.max_steps;
                self.push(
                    Diagnostic::new(
                        Code::EvalLimit,
                        span,
                        format!("evaluation stopped after {max} steps"),
                    )
                    .with_label("evaluation budget spent here")
                    .with_help("simplify the expressions; `for` loops and `range()` over large collections cost a step per element"),
                );
            }
            return false;
        }
        self.steps_left -= 1;
        true
    }

    /// Checks a built collection or string against the limits.
    pub(crate) fn check_size(&mut self, span: Span, value: &Value) -> bool {
        let (size, max, what) = match value {
            Value::List(items) => (items.len(), self.limits.max_collection, "elements"),
            Value::Object(map) => (map.len(), self.limits.max_collection, "elements"),
            Value::String(s) => (s.len(), self.limits.max_string, "bytes"),
            _ => return true,
        };
        size <= max || self.too_large(span, size, max, what)
    }

    /// Reports a value over a limit; always `false`.
    pub(crate) fn too_large(&mut self, span: Span, size: usize, max: usize, what: &str) -> bool {
        self.push(
            Diagnostic::new(
                Code::EvalLimit,
                span,
                format!("this value would have {size} {what}; the limit is {max}"),
            )
            .with_label("too large")
            .with_help("build smaller values; the limit protects CI from runaway expressions"),
        );
        false
    }

    /// Evaluates `expr`; `None` after reporting why it could not be.
    pub(crate) fn eval(&mut self, expr: &Expression) -> Option<Spanned<Value>> {
        let span = span_of(expr);
        if !self.step(span) {
            return None;
        }
        let value = match expr {
            Expression::Null(_) => Value::Null,
            Expression::Bool(b) => Value::Bool(*b.value()),
            Expression::Number(n) => Value::Number(number(n.value())),
            Expression::String(s) => Value::String(s.value().clone()),
            // Every element is evaluated, so each mistake is reported, not just the first.
            Expression::Array(items) => {
                let out: Vec<_> = items.iter().map(|item| self.eval(item)).collect();
                Value::List(out.into_iter().collect::<Option<_>>()?)
            }
            Expression::Object(object) => {
                let mut map = Map::new();
                let mut failed = false;
                for (key, value) in object.iter() {
                    let key = self.object_key(key);
                    match (key, self.eval(value.expr())) {
                        (Some(key), Some(value)) => {
                            map.insert(key, value);
                        }
                        _ => failed = true,
                    }
                }
                if failed {
                    return None;
                }
                Value::Object(map)
            }
            Expression::StringTemplate(t) => {
                // A template that is one interpolation is that value, not converted to a
                // string (HCL's rule): `"${var.ports}"` is a list.
                if let (1, Some(Element::Interpolation(interp))) = (t.len(), t.iter().next()) {
                    let runtime = root_name(&interp.expr)
                        .is_some_and(|r| matches!(self.scope.root(r), Root::Runtime));
                    if !runtime && !self.scope.literal_only && interp.strip == Strip::None {
                        let value = self.eval(&interp.expr)?;
                        return Some(Spanned::new(value.inner, span));
                    }
                }
                let mut out = String::new();
                self.template(t.iter(), &mut out)?;
                Value::String(out)
            }
            Expression::HeredocTemplate(h) => {
                let mut out = String::new();
                match self.heredoc_indent(span) {
                    // hcl-edit strips the indentation of literals outside directives only,
                    // and none at all when a line starts with one: finish the job.
                    Some(indent) if has_directive(&h.template) => {
                        let mut template = h.template.clone();
                        let done = h.indent().unwrap_or(0);
                        self.dedent(&mut template, indent.saturating_sub(done), indent);
                        self.template(template.iter(), &mut out)?;
                    }
                    _ => self.template(h.template.iter(), &mut out)?,
                }
                Value::String(out)
            }
            Expression::Parenthesis(p) => return self.eval(p.inner()),
            Expression::UnaryOp(op) => {
                let operand = self.eval(&op.expr)?;
                match (op.operator.value(), operand.inner) {
                    (UnaryOperator::Neg, Value::Number(n)) => Value::Number(ops::negate(n)),
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
            Expression::BinaryOp(op) => {
                let lhs = self.eval(&op.lhs_expr)?;
                let rhs = self.eval(&op.rhs_expr)?;
                return self.binary(*op.operator.value(), lhs, rhs, span);
            }
            Expression::Conditional(c) => {
                let cond = self.eval(&c.cond_expr)?;
                let Value::Bool(b) = cond.inner else {
                    let help = "a condition is `true` or `false`".to_owned();
                    self.type_error(cond.span, "a bool", &cond.inner, help);
                    return None;
                };
                let chosen = if b { &c.true_expr } else { &c.false_expr };
                let v = self.eval(chosen)?;
                // The result keeps the whole conditional's span.
                v.inner
            }
            Expression::ForExpr(f) => self.for_expr(f, span)?,
            Expression::FuncCall(call) => return self.call(call, span),
            Expression::Variable(_) | Expression::Traversal(_) => {
                return self.traversal(expr, span);
            }
        };
        // A string costs a step per 64 bytes, so that a loop cannot copy a long one into
        // memory faster than the budget allows.
        if let Value::String(s) = &value {
            if !self.charge(span, (s.len() / 64) as u64) {
                return None;
            }
        }
        if !self.check_size(span, &value) {
            return None;
        }
        Some(Spanned::new(value, span))
    }

    pub(crate) fn slice(&self, span: Span) -> &str {
        self.text.get(span.start..span.end).unwrap_or_default()
    }

    fn object_key(&mut self, key: &ObjectKey) -> Option<Spanned<String>> {
        match key {
            ObjectKey::Ident(ident) => {
                Some(Spanned::new(ident.as_str().to_owned(), span_of(ident)))
            }
            // A bare name as key is its name, not a reference: `{ a = 1 }` has key "a".
            ObjectKey::Expression(Expression::Variable(v)) => {
                Some(Spanned::new(v.as_str().to_owned(), span_of(v)))
            }
            ObjectKey::Expression(expr) => {
                let value = self.eval(expr)?;
                self.text(value)
            }
        }
    }

    /// Evaluates a variable or traversal: a bound name, `var.x`, `local.x`, or a runtime
    /// reference kept as `"${...}"`.
    fn traversal(&mut self, expr: &Expression, span: Span) -> Option<Spanned<Value>> {
        let (root, operators) = match expr {
            Expression::Variable(v) => (v, &[][..]),
            Expression::Traversal(t) => match &t.expr {
                Expression::Variable(v) => (v, t.operators.as_slice()),
                // A traversal of a computed value: `[1, 2][0]`, `f(x).y`.
                inner => {
                    let base = self.eval(inner)?;
                    return self.apply_operators(base, &t.operators, span);
                }
            },
            _ => unreachable!("only variables and traversals reach here"),
        };
        let name = root.as_str();
        if self.scope.literal_only {
            self.push(
                Diagnostic::new(
                    Code::InvalidReference,
                    span,
                    format!("`{}` cannot be referenced here", self.slice(span)),
                )
                .with_label("not a literal")
                .with_help("variable defaults and var files hold literal values only"),
            );
            return None;
        }
        let (at, root_span, operators) = match self.scope.root(name) {
            Root::Value(_) => (RootAt::Binding(name), span_of(root), operators),
            Root::Runtime => {
                // Nomad's UndefinedVariable hook: the source text, wrapped as `${...}`.
                return Some(Spanned::new(
                    Value::String(format!("${{{}}}", self.slice(span))),
                    span,
                ));
            }
            Root::Namespace(ns, names) => {
                let Some(first) = operators.first() else {
                    let cost = weight(names.values().map(|v| &v.inner), self.steps_left);
                    let names = Value::Object(names.clone());
                    return self.charge(span, cost).then(|| Spanned::new(names, span));
                };
                let attr = match first.value() {
                    TraversalOperator::GetAttr(attr) => attr,
                    _ => {
                        self.push(
                            Diagnostic::new(
                                Code::InvalidReference,
                                span,
                                format!("`{ns}` must be followed by a name, as in `{ns}.name`"),
                            )
                            .with_label("not a name")
                            .with_help(format!("write `{ns}.<name>`")),
                        );
                        return None;
                    }
                };
                if self.poisoned.contains(attr.as_str()) {
                    // Already reported where the variable or local is defined.
                    return None;
                }
                if names.get(attr.as_str()).is_none() {
                    let noun = if ns == "var" {
                        "input variable"
                    } else {
                        "local value"
                    };
                    let help = {
                        let known = names.keys().map(|k| k.as_str());
                        match self.suggester.closest(attr.as_str(), known.clone()) {
                            Some(close) => format!("did you mean `{ns}.{close}`?"),
                            None if names.is_empty() => format!("no {noun} is declared"),
                            None => format!("declared: {}", list_names(known, ", ")),
                        }
                    };
                    self.push(
                        Diagnostic::new(
                            Code::UnknownReference,
                            span_of(first),
                            format!("there is no {noun} named `{}`", attr.as_str()),
                        )
                        .with_label(format!("unknown {noun}"))
                        .with_help(help),
                    );
                    return None;
                }
                (RootAt::Namespace(ns, attr.as_str()), span, &operators[1..])
            }
        };
        // Follow the attribute and index operators through the value in scope, so that only
        // the part the reference names is copied (and paid for, one step per element).
        let mut path: Vec<Step> = Vec::new();
        let mut pending = None;
        for op in operators {
            let step = match op.value() {
                TraversalOperator::GetAttr(key) => {
                    let (value, _) = self.resolve(at, root_span, &path)?;
                    step_into(value, &Value::String(key.as_str().to_owned()))
                }
                TraversalOperator::LegacyIndex(n) => {
                    let (value, _) = self.resolve(at, root_span, &path)?;
                    let n = i64::try_from(*n.value()).unwrap_or(i64::MAX);
                    step_into(value, &Value::Number(Number::Int(n)))
                }
                TraversalOperator::Index(index) => {
                    let index = self.eval(index)?;
                    let (value, _) = self.resolve(at, root_span, &path)?;
                    let step = step_into(value, &index.inner);
                    if step.is_none() {
                        pending = Some(index);
                    }
                    step
                }
                TraversalOperator::AttrSplat(_) | TraversalOperator::FullSplat(_) => None,
            };
            match step {
                Some(step) => path.push(step),
                None => break,
            }
        }
        let (value, value_span) = self.resolve(at, root_span, &path)?;
        let cost = weight([value], self.steps_left);
        let value = Spanned::new(value.clone(), value_span);
        if !self.charge(span, cost) {
            return None;
        }
        self.apply_operators_after(value, &operators[path.len()..], pending, span)
    }

    /// The value at `path` under a reference's root, with its span.
    fn resolve(&self, at: RootAt<'_>, root_span: Span, path: &[Step]) -> Option<(&Value, Span)> {
        let mut value = match at {
            RootAt::Binding(name) => match self.scope.root(name) {
                Root::Value(v) => v,
                _ => return None,
            },
            RootAt::Namespace(ns, attr) => match self.scope.root(ns) {
                Root::Namespace(_, names) => &names.get(attr)?.inner,
                _ => return None,
            },
        };
        let mut span = root_span;
        for step in path {
            let next = match (step, value) {
                (Step::Key(key), Value::Object(map)) => map.get(key)?,
                (Step::Pos(i), Value::List(items)) => items.get(*i)?,
                _ => return None,
            };
            value = &next.inner;
            span = next.span;
        }
        Some((value, span))
    }

    /// Takes `cost` evaluation steps at once; `false` (reported once) when the budget does
    /// not cover them.
    pub(crate) fn charge(&mut self, span: Span, cost: u64) -> bool {
        if cost <= self.steps_left {
            self.steps_left -= cost;
            return true;
        }
        self.steps_left = 0;
        self.step(span)
    }

    /// Applies operators to `value`, the first of them an index already evaluated to
    /// `first_index` when that is given.
    fn apply_operators_after(
        &mut self,
        value: Spanned<Value>,
        operators: &[hcl_edit::Decorated<TraversalOperator>],
        first_index: Option<Spanned<Value>>,
        span: Span,
    ) -> Option<Spanned<Value>> {
        match (first_index, operators.first()) {
            (Some(index), Some(op)) => {
                let value = self.index(value, index, span_of(op))?;
                self.apply_operators(value, &operators[1..], span)
            }
            _ => self.apply_operators(value, operators, span),
        }
    }

    /// Applies `.attr`, `[index]`, `.0`, `.*` and `[*]` to `value`.
    fn apply_operators(
        &mut self,
        mut value: Spanned<Value>,
        operators: &[hcl_edit::Decorated<TraversalOperator>],
        span: Span,
    ) -> Option<Spanned<Value>> {
        for (i, op) in operators.iter().enumerate() {
            let op_span = span_of(op);
            match op.value() {
                TraversalOperator::GetAttr(name) => {
                    value = self.get_attr(value, name.as_str(), op_span)?;
                }
                TraversalOperator::Index(index) => {
                    let index = self.eval(index)?;
                    value = self.index(value, index, op_span)?;
                }
                TraversalOperator::LegacyIndex(n) => {
                    let index = Spanned::new(
                        Value::Number(Number::Int(i64::try_from(*n.value()).unwrap_or(i64::MAX))),
                        op_span,
                    );
                    value = self.index(value, index, op_span)?;
                }
                TraversalOperator::AttrSplat(_) | TraversalOperator::FullSplat(_) => {
                    let rest = &operators[i + 1..];
                    // `.*` applies only the attribute accesses right after it; `[*]` all.
                    let take = match op.value() {
                        TraversalOperator::AttrSplat(_) => rest
                            .iter()
                            .take_while(|o| matches!(o.value(), TraversalOperator::GetAttr(_)))
                            .count(),
                        _ => rest.len(),
                    };
                    let items = match value.inner {
                        Value::List(items) => items,
                        Value::Null => Vec::new(),
                        other => vec![Spanned::new(other, value.span)],
                    };
                    let mut out = Vec::with_capacity(items.len());
                    for item in items {
                        if !self.step(op_span) {
                            return None;
                        }
                        out.push(self.apply_operators(item, &rest[..take], span)?);
                    }
                    let list = Spanned::new(Value::List(out), span);
                    return self.apply_operators(list, &rest[take..], span);
                }
            }
        }
        Some(Spanned::new(value.inner, span))
    }

    fn get_attr(
        &mut self,
        value: Spanned<Value>,
        name: &str,
        span: Span,
    ) -> Option<Spanned<Value>> {
        match value.inner {
            Value::Object(map) => {
                let found = map.into_iter().find(|(k, _)| k.as_str() == name);
                match found {
                    Some((_, v)) => Some(v),
                    None => {
                        self.push(
                            Diagnostic::new(
                                Code::UnknownReference,
                                span,
                                format!("the object has no attribute named `{name}`"),
                            )
                            .with_label("no such attribute"),
                        );
                        None
                    }
                }
            }
            other => {
                let help = format!("only objects have attributes such as `.{name}`");
                self.type_error(value.span, "an object", &other, help);
                None
            }
        }
    }

    pub(crate) fn index(
        &mut self,
        value: Spanned<Value>,
        index: Spanned<Value>,
        span: Span,
    ) -> Option<Spanned<Value>> {
        match value.inner {
            Value::List(items) => {
                let i = match &index.inner {
                    Value::Number(n) => n.as_i64(),
                    Value::String(s) => s.parse().ok(),
                    _ => None,
                };
                let Some(i) = i else {
                    let help = "a list is indexed by a whole number".to_owned();
                    self.type_error(index.span, "a number", &index.inner, help);
                    return None;
                };
                let len = items.len();
                match usize::try_from(i).ok().filter(|&i| i < len) {
                    Some(i) => items.into_iter().nth(i),
                    None => {
                        self.push(
                            Diagnostic::new(
                                Code::InvalidIndex,
                                span,
                                format!("index {i} is out of range for a list of {len}"),
                            )
                            .with_label("out of range")
                            .with_help(format!("valid indexes are 0 to {}", len.saturating_sub(1))),
                        );
                        None
                    }
                }
            }
            Value::Object(map) => {
                let key = self.text(index)?;
                match map.into_iter().find(|(k, _)| k.inner == key.inner) {
                    Some((_, v)) => Some(v),
                    None => {
                        self.push(
                            Diagnostic::new(
                                Code::InvalidIndex,
                                span,
                                format!("the map has no element {:?}", key.inner),
                            )
                            .with_label("no such key")
                            .with_help("use lookup(map, key, default) for optional keys"),
                        );
                        None
                    }
                }
            }
            other => {
                let help = "only lists and maps can be indexed".to_owned();
                self.type_error(value.span, "a list or map", &other, help);
                None
            }
        }
    }

    /// The elements of a collection for iteration: `(key, value)` pairs, keys being indexes
    /// for lists.
    pub(crate) fn iterate(&mut self, collection: Spanned<Value>) -> Option<Vec<(Value, Value)>> {
        match collection.inner {
            Value::List(items) => Some(
                items
                    .into_iter()
                    .enumerate()
                    .map(|(i, v)| (Value::Number(Number::Int(i as i64)), v.inner))
                    .collect(),
            ),
            // cty iterates maps and objects in key order, whatever the source order.
            Value::Object(map) => {
                let mut entries: Vec<(Value, Value)> = map
                    .into_iter()
                    .map(|(k, v)| (Value::String(k.inner), v.inner))
                    .collect();
                entries.sort_by(|a, b| match (&a.0, &b.0) {
                    (Value::String(x), Value::String(y)) => x.cmp(y),
                    _ => std::cmp::Ordering::Equal,
                });
                Some(entries)
            }
            other => {
                let help = "iterate over a list or a map".to_owned();
                self.type_error(collection.span, "a list or map", &other, help);
                None
            }
        }
    }

    fn for_expr(&mut self, f: &ForExpr, span: Span) -> Option<Value> {
        let collection = self.eval(&f.intro.collection_expr)?;
        let elements = self.iterate(collection)?;
        let key_var = f.intro.key_var.as_ref().map(|k| k.as_str().to_owned());
        let value_var = f.intro.value_var.as_str().to_owned();
        let mut list = Vec::new();
        let mut map: Map<Value> = Map::new();
        let mut groups: Vec<String> = Vec::new();
        for (key, value) in elements {
            if !self.step(span) {
                return None;
            }
            let names = key_var.clone().map(|k| (k, key)).into_iter();
            let names = names.chain([(value_var.clone(), value)]);
            self.bound(names, |cx| {
                cx.for_element(f, &mut list, &mut map, &mut groups)
            })?;
            let size = list.len().max(map.len());
            if size > self.limits.max_collection {
                self.too_large(span, size, self.limits.max_collection, "elements");
                return None;
            }
        }
        Some(match f.key_expr {
            Some(_) => Value::Object(map),
            None => Value::List(list),
        })
    }

    /// One element of a `for` expression, with its names bound.
    fn for_element(
        &mut self,
        f: &ForExpr,
        list: &mut Vec<Spanned<Value>>,
        map: &mut Map<Value>,
        groups: &mut Vec<String>,
    ) -> Option<()> {
        if let Some(cond) = &f.cond {
            let c = self.eval(&cond.expr)?;
            match c.inner {
                Value::Bool(true) => {}
                Value::Bool(false) => return Some(()),
                other => {
                    let help = "an `if` clause is `true` or `false`".to_owned();
                    self.type_error(c.span, "a bool", &other, help);
                    return None;
                }
            }
        }
        let Some(key_expr) = &f.key_expr else {
            list.push(self.eval(&f.value_expr)?);
            return Some(());
        };
        let key = self.eval(key_expr)?;
        let key = self.text(key)?;
        let value = self.eval(&f.value_expr)?;
        if f.grouping {
            if groups.contains(&key.inner) {
                if let Some(Spanned {
                    inner: Value::List(items),
                    ..
                }) = map.get_mut(&key.inner)
                {
                    items.push(value);
                }
            } else {
                groups.push(key.inner.clone());
                let span = value.span;
                map.insert(key, Spanned::new(Value::List(vec![value]), span));
            }
        } else if let Some((first, _)) = map.get_entry(&key.inner) {
            let first = first.span;
            self.push(
                Diagnostic::new(
                    Code::DuplicateKey,
                    key.span,
                    format!(
                        "the `for` expression produces the key {:?} twice",
                        key.inner
                    ),
                )
                .with_label("duplicate key")
                .with_related(first, "first produced here")
                .with_help("make keys unique, or group values with `...` after the value"),
            );
            return None;
        } else {
            map.insert(key, value);
        }
        Some(())
    }

    /// Evaluates template elements into `out`: literals, interpolations and `%{ if }` /
    /// `%{ for }` directives, honouring `~` strip markers.
    fn template<'e>(
        &mut self,
        elements: impl Iterator<Item = &'e Element>,
        out: &mut String,
    ) -> Option<()> {
        // Whether the previous interpolation or directive asked to strip the next literal's
        // leading whitespace.
        let mut strip_next = false;
        for element in elements {
            let strip = match element {
                Element::Literal(literal) => {
                    let text = literal.value().as_str();
                    out.push_str(if strip_next { text.trim_start() } else { text });
                    strip_next = false;
                    continue;
                }
                Element::Interpolation(interp) => {
                    if interp.strip.strip_start() {
                        out.truncate(out.trim_end().len());
                    }
                    let span = span_of(interp);
                    let runtime = root_name(&interp.expr).is_some_and(|r| {
                        !self.scope.literal_only && matches!(self.scope.root(r), Root::Runtime)
                    });
                    if runtime {
                        // Kept verbatim, spaces and all: `${ attr.x }` stays `${ attr.x }`.
                        out.push_str(self.slice(span));
                    } else {
                        let value = self.eval(&interp.expr)?;
                        out.push_str(&self.text(value)?);
                    }
                    interp.strip
                }
                Element::Directive(directive) => self.directive(directive, out)?,
            };
            strip_next = strip.strip_end();
            if out.len() > self.limits.max_string {
                self.too_large(span_of(element), out.len(), self.limits.max_string, "bytes");
                return None;
            }
        }
        Some(())
    }

    /// Evaluates a `%{ if }` or `%{ for }` directive into `out`; returns the strip marker of
    /// its closing tag.
    fn directive(&mut self, directive: &Directive, out: &mut String) -> Option<Strip> {
        match directive {
            Directive::If(d) => {
                if d.if_expr.strip.strip_start() {
                    out.truncate(out.trim_end().len());
                }
                let cond = self.eval(&d.if_expr.cond_expr)?;
                let Value::Bool(b) = cond.inner else {
                    let help = "a `%{ if }` condition is `true` or `false`".to_owned();
                    self.type_error(cond.span, "a bool", &cond.inner, help);
                    return None;
                };
                let mut inner = String::new();
                if b {
                    self.template(d.if_expr.template.iter(), &mut inner)?;
                    strip_trailing(
                        &mut inner,
                        d.else_expr.as_ref().map_or(d.endif_expr.strip, |e| e.strip),
                    );
                    strip_leading(&mut inner, d.if_expr.strip);
                } else if let Some(e) = &d.else_expr {
                    self.template(e.template.iter(), &mut inner)?;
                    strip_trailing(&mut inner, d.endif_expr.strip);
                    strip_leading(&mut inner, e.strip);
                }
                out.push_str(&inner);
                Some(d.endif_expr.strip)
            }
            Directive::For(d) => {
                if d.for_expr.strip.strip_start() {
                    out.truncate(out.trim_end().len());
                }
                let collection = self.eval(&d.for_expr.collection_expr)?;
                let span = collection.span;
                let elements = self.iterate(collection)?;
                let key_var = d.for_expr.key_var.as_ref().map(|k| k.as_str().to_owned());
                let value_var = d.for_expr.value_var.as_str().to_owned();
                for (key, value) in elements {
                    if !self.step(span) {
                        return None;
                    }
                    let names = key_var.clone().map(|k| (k, key)).into_iter();
                    let names = names.chain([(value_var.clone(), value)]);
                    let mut inner = String::new();
                    self.bound(names, |cx| {
                        cx.template(d.for_expr.template.iter(), &mut inner)
                    })?;
                    strip_leading(&mut inner, d.for_expr.strip);
                    strip_trailing(&mut inner, d.endfor_expr.strip);
                    out.push_str(&inner);
                    if out.len() > self.limits.max_string {
                        self.too_large(span, out.len(), self.limits.max_string, "bytes");
                        return None;
                    }
                }
                Some(d.endfor_expr.strip)
            }
        }
    }
}

impl Lowerer<'_> {
    /// The indentation an indented heredoc (`<<-EOT`) at `span` strips: the least leading
    /// whitespace of its non-blank lines. `None` for a plain heredoc.
    fn heredoc_indent(&self, span: Span) -> Option<usize> {
        let raw = self.slice(span);
        if !raw.starts_with("<<-") {
            return None;
        }
        let body = raw.split_once('\n')?.1;
        let body = body.rsplit_once('\n').map_or("", |(b, _)| b);
        body.lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| l.len() - l.trim_start_matches([' ', '\t']).len())
            .min()
    }

    /// Strips `top` columns from every line of the template's own literals and `nested` from
    /// those inside its directives.
    fn dedent(&self, template: &mut hcl_edit::template::Template, top: usize, nested: usize) {
        for element in template.iter_mut() {
            match element {
                Element::Literal(literal) => {
                    let at_line_start = span_of(&*literal)
                        .start
                        .checked_sub(1)
                        .is_some_and(|i| self.text.as_bytes().get(i) == Some(&b'\n'));
                    let stripped = dedent_literal(literal.value(), top, at_line_start);
                    *literal.value_mut() = stripped;
                }
                Element::Directive(directive) => match directive.as_mut() {
                    Directive::If(d) => {
                        self.dedent(&mut d.if_expr.template, nested, nested);
                        if let Some(e) = &mut d.else_expr {
                            self.dedent(&mut e.template, nested, nested);
                        }
                    }
                    Directive::For(d) => self.dedent(&mut d.for_expr.template, nested, nested),
                },
                Element::Interpolation(_) => {}
            }
        }
    }
}

fn has_directive(template: &hcl_edit::template::Template) -> bool {
    template.iter().any(|e| matches!(e, Element::Directive(_)))
}

/// Strips up to `n` leading spaces or tabs from each line of `s`; from its first line only
/// when it starts a line.
fn dedent_literal(s: &str, n: usize, at_line_start: bool) -> String {
    let mut out = String::with_capacity(s.len());
    for (i, line) in s.split_inclusive('\n').enumerate() {
        if i > 0 || at_line_start {
            let k = line
                .bytes()
                .take(n)
                .take_while(|b| matches!(b, b' ' | b'\t'))
                .count();
            out.push_str(&line[k..]);
        } else {
            out.push_str(line);
        }
    }
    out
}

/// `%{ if ~}` strips the whitespace that starts the directive's body.
fn strip_leading(s: &mut String, open: Strip) {
    if open.strip_end() {
        let trimmed = s.trim_start().len();
        s.drain(..s.len() - trimmed);
    }
}

/// `%{~ endif }` strips the whitespace that ends the body before it.
fn strip_trailing(s: &mut String, close: Strip) {
    if close.strip_start() {
        s.truncate(s.trim_end().len());
    }
}
