//! Input variables and locals (Nomad's `jobspec2/types.variables.go`, `types.config.go`):
//! declarations, values from `NOMAD_VAR_`, var files and `--var` in Nomad's precedence, type
//! constraints, validation blocks, and locals evaluated in dependency order.

use std::collections::{HashMap, HashSet};

use hcl_edit::expr::{Expression, TraversalOperator};
use hcl_edit::structure::{Block, Structure};
use hcl_edit::visit::{Visit, visit_expr};

use super::eval::Scope;
use super::types::Type;
use super::{BlockIn, BodyIn, Expr, Lowerer, span_of};
use crate::diagnostic::{Code, Diagnostic, Report};
use crate::model::{Map, Value};
use crate::parse::ParseOptions;
use crate::parse::json::Json;
use crate::source::SourceFile;
use crate::span::{Span, Spanned};

/// How many locals of a cycle its report names.
const CYCLE_SHOWN: usize = 16;

const VARIABLE_KEYS: &[&str] = &["type", "default", "description", "sensitive", "validation"];

/// A `variable` declaration.
pub(crate) struct Declaration {
    name: Spanned<String>,
    /// Whether the `type` or `default` was in error (already reported).
    broken: bool,
    /// The `variable` keyword, where findings about the variable point.
    ident: Span,
    ty: Option<Type>,
    default: Option<Spanned<Value>>,
    sensitive: bool,
    validations: Vec<Validation>,
}

struct Validation {
    condition: Expr,
    error_message: Expr,
    span: Span,
}

impl Declaration {
    /// A declaration from `variables { name = default }`: a default, no type.
    pub(crate) fn shorthand(name: Spanned<String>, default: Option<Spanned<Value>>) -> Declaration {
        Declaration {
            broken: default.is_none(),
            ident: name.span,
            name,
            ty: None,
            default,
            sensitive: false,
            validations: Vec::new(),
        }
    }
}

/// Where a variable's value came from, for messages.
enum Origin {
    Default,
    Env(String),
    /// A var file (index into the reports) and the value's span in it.
    VarFile(usize, Span),
    Cli,
}

impl Origin {
    fn describe(&self, name: &str) -> String {
        match self {
            Origin::Default => "its default".to_owned(),
            Origin::Env(var) => format!("the environment variable {var}"),
            Origin::VarFile(..) => "the var file".to_owned(),
            Origin::Cli => format!("`--var {name}=...`"),
        }
    }
}

impl Lowerer<'_> {
    /// Runs `f` with `scope` in place of the current scope.
    pub(crate) fn with_scope<T>(&mut self, scope: Scope, f: impl FnOnce(&mut Self) -> T) -> T {
        let saved = std::mem::replace(&mut self.scope, scope);
        let out = f(self);
        self.scope = saved;
        out
    }

    /// Evaluates `expr` with no references and no function calls, as Nomad evaluates
    /// variable defaults and var files.
    fn eval_literal(&mut self, expr: &Expression) -> Option<Spanned<Value>> {
        let scope = Scope {
            literal_only: true,
            ..Scope::default()
        };
        self.with_scope(scope, |cx| cx.eval(expr))
    }

    fn declaration(&mut self, block: Block) -> Option<Declaration> {
        let ident = span_of(&block.ident);
        let Some(label) = block.labels.first() else {
            self.push(
                Diagnostic::new(Code::MissingLabel, ident, "a `variable` block needs a name")
                    .with_label("missing the name")
                    .with_help("write `variable \"<name>\" { ... }`"),
            );
            return None;
        };
        let name = Spanned::new(label.as_str().to_owned(), span_of(label));
        if !crate::parse::is_identifier(&name) {
            self.push(
                Diagnostic::new(Code::InvalidLabel, name.span, format!("{:?} is not a valid variable name", name.inner))
                    .with_label("invalid name")
                    .with_help("a name starts with a letter or underscore and holds only letters, digits, underscores and dashes"),
            );
            return None;
        }
        let mut decl = Declaration {
            name,
            broken: false,
            ident,
            ty: None,
            default: None,
            sensitive: false,
            validations: Vec::new(),
        };
        for structure in block.body {
            match structure {
                Structure::Attribute(attr) => match attr.key.as_str() {
                    "type" => {
                        decl.ty = Type::from_expr(self, &attr.value);
                        decl.broken |= decl.ty.is_none();
                    }
                    "default" => {
                        decl.default = self.eval_literal(&attr.value);
                        decl.broken |= decl.default.is_none();
                    }
                    "description" => {
                        self.eval_literal(&attr.value);
                    }
                    "sensitive" => {
                        decl.sensitive = matches!(
                            self.eval_literal(&attr.value).map(|v| v.inner),
                            Some(Value::Bool(true))
                        );
                    }
                    other => self.unknown_key(other, span_of(&attr.key), false, VARIABLE_KEYS),
                },
                Structure::Block(b) if b.ident.as_str() == "validation" => {
                    let span = span_of(&b.ident);
                    let mut condition = None;
                    let mut error_message = None;
                    for s in b.body {
                        match s {
                            Structure::Attribute(a) if a.key.as_str() == "condition" => {
                                condition = Some(a.value)
                            }
                            Structure::Attribute(a) if a.key.as_str() == "error_message" => {
                                error_message = Some(a.value)
                            }
                            Structure::Attribute(a) => {
                                self.unknown_key(
                                    a.key.as_str(),
                                    span_of(&a.key),
                                    false,
                                    &["condition", "error_message"],
                                );
                            }
                            Structure::Block(inner) => {
                                self.unknown_key(
                                    inner.ident.as_str(),
                                    span_of(&inner.ident),
                                    true,
                                    &["condition", "error_message"],
                                );
                            }
                        }
                    }
                    match (condition, error_message) {
                        (Some(condition), Some(error_message)) => {
                            decl.validations.push(Validation {
                                condition: Expr::Hcl(condition),
                                error_message: Expr::Hcl(error_message),
                                span,
                            })
                        }
                        (condition, _) => {
                            let missing = if condition.is_none() {
                                "condition"
                            } else {
                                "error_message"
                            };
                            self.push(
                                Diagnostic::new(
                                    Code::MissingAttribute,
                                    span,
                                    format!("the required attribute `{missing}` is missing"),
                                )
                                .with_label(format!("this block needs `{missing}`"))
                                .with_help(
                                    "a `validation` block has a `condition` and an `error_message`",
                                ),
                            );
                        }
                    }
                }
                Structure::Block(b) => {
                    self.unknown_key(b.ident.as_str(), span_of(&b.ident), true, VARIABLE_KEYS)
                }
            }
        }
        Some(decl)
    }

    /// Declarations from `variables { name = default }` blocks.
    fn shorthand_declarations(&mut self, block: Block, out: &mut Vec<Declaration>) {
        for structure in block.body {
            match structure {
                Structure::Attribute(attr) => {
                    let name = Spanned::new(attr.key.as_str().to_owned(), span_of(&attr.key));
                    let default = self.eval_literal(&attr.value);
                    out.push(Declaration::shorthand(name, default));
                }
                Structure::Block(b) => {
                    self.push(
                        Diagnostic::new(Code::ExpectedAttribute, span_of(&b.ident), "a `variables` block holds `name = default` attributes only")
                            .with_label("a block")
                            .with_help("declare variables with types or validation in `variable \"<name>\" { ... }` blocks"),
                    );
                }
            }
        }
    }

    /// The declarations of `variable` and `variables` blocks.
    pub(crate) fn declarations(&mut self, blocks: Vec<Block>) -> Vec<Declaration> {
        let mut decls: Vec<Declaration> = Vec::new();
        for block in blocks {
            if block.ident.as_str() == "variables" {
                self.shorthand_declarations(block, &mut decls);
            } else if let Some(decl) = self.declaration(block) {
                decls.push(decl);
            }
        }
        decls
    }

    /// A declaration in HCL's JSON syntax: `"variable": {"name": {"type": "list(string)", ...}}`.
    pub(crate) fn json_declaration(&mut self, block: BlockIn) -> Option<Declaration> {
        let name = block.labels.into_iter().next()?;
        let BodyIn::Json(props) = block.body else {
            return None;
        };
        let mut decl = Declaration::shorthand(name, None);
        decl.ident = block.ident_span;
        decl.broken = false;
        for (key, value) in props {
            match key.inner.as_str() {
                "type" => {
                    let span = value.span;
                    let Json::String(text) = &value.inner else {
                        let help = "write the type as a string, e.g. \"list(string)\"".to_owned();
                        self.type_error(span, "a string", &Value::Null, help);
                        decl.broken = true;
                        continue;
                    };
                    decl.ty = self.with_text(text, span, |cx| {
                        let expr = hcl_edit::parser::parse_expr(text)
                            .unwrap_or_else(|_| Expression::null());
                        Type::from_expr(cx, &expr)
                    });
                    decl.broken |= decl.ty.is_none();
                }
                "default" => {
                    let scope = Scope {
                        literal_only: true,
                        ..Scope::default()
                    };
                    decl.default = self.with_scope(scope, |cx| cx.eval_json(value));
                    decl.broken |= decl.default.is_none();
                }
                "description" | "//" => {}
                "sensitive" => decl.sensitive = matches!(value.inner, Json::Bool(true)),
                "validation" => {
                    let mut blocks = Vec::new();
                    self.json_blocks(&key, value, 0, Vec::new(), &mut blocks);
                    for b in blocks {
                        let BodyIn::Json(props) = b.body else {
                            continue;
                        };
                        let mut condition = None;
                        let mut error_message = None;
                        for (k, v) in props {
                            match k.inner.as_str() {
                                "condition" => condition = Some(Expr::Json(v)),
                                "error_message" => error_message = Some(Expr::Json(v)),
                                _ => self.unknown_key(
                                    &k.inner,
                                    k.span,
                                    false,
                                    &["condition", "error_message"],
                                ),
                            }
                        }
                        if let (Some(condition), Some(error_message)) = (condition, error_message) {
                            decl.validations.push(Validation {
                                condition,
                                error_message,
                                span: b.span,
                            });
                        }
                    }
                }
                other => self.unknown_key(other, key.span, false, VARIABLE_KEYS),
            }
        }
        Some(decl)
    }

    /// Resolves the variables' values in Nomad's precedence (default < `NOMAD_VAR_` < var
    /// files < `--var`), converts and validates them.
    pub(crate) fn resolve_variables(
        &mut self,
        decls: Vec<Declaration>,
        options: &ParseOptions,
        var_files: &mut Vec<Report>,
    ) -> Map<Value> {
        // Duplicates: the first declaration stands.
        let mut unique: Vec<Declaration> = Vec::with_capacity(decls.len());
        let mut index: HashMap<String, usize> = HashMap::with_capacity(decls.len());
        for decl in decls {
            if let Some(&first) = index.get(&decl.name.inner) {
                let first = unique[first].name.span;
                self.push(
                    Diagnostic::new(
                        Code::DuplicateKey,
                        decl.name.span,
                        format!("the variable `{}` is declared twice", decl.name.inner),
                    )
                    .with_label("second declaration")
                    .with_related(first, "first declared here")
                    .with_help("remove one of the declarations"),
                );
            } else {
                index.insert(decl.name.inner.clone(), unique.len());
                unique.push(decl);
            }
        }
        let decls = unique;
        let names: Vec<&str> = decls.iter().map(|d| d.name.as_str()).collect();
        let declared = Declared {
            names: &names,
            set: names.iter().copied().collect(),
        };

        // Assignments, lowest precedence first; later ones win.
        let mut assigned: Vec<(String, Spanned<Value>, Origin)> = Vec::new();
        for (key, raw) in &options.env {
            let Some(name) = key.strip_prefix("NOMAD_VAR_") else {
                continue;
            };
            // Undeclared names are ignored, as in Nomad.
            let Some(decl) = index.get(name).map(|&i| &decls[i]) else {
                continue;
            };
            if let Some(v) = self.raw_value(raw, decl, &Origin::Env(key.clone())) {
                assigned.push((name.to_owned(), v, Origin::Env(key.clone())));
            }
        }
        for file in &options.var_files {
            let index = var_files.len();
            let (values, diagnostics) = read_var_file(file, &declared, options);
            for (name, value) in values {
                let origin = Origin::VarFile(index, value.span);
                assigned.push((name, value, origin));
            }
            var_files.push(Report::new(file.clone(), diagnostics));
        }
        for (name, raw) in &options.vars {
            let origin = Origin::Cli;
            let Some(decl) = index.get(name).map(|&i| &decls[i]) else {
                if options.strict {
                    let help = match self.suggester.closest(name, names.iter().copied()) {
                        Some(close) => format!("did you mean `{close}`?"),
                        None => "declare it with `variable \"<name>\" { ... }`".to_owned(),
                    };
                    self.push(
                        Diagnostic::new(
                            Code::UnknownReference,
                            Span::NONE,
                            format!(
                                "`--var {name}=...` sets a variable the jobspec does not declare"
                            ),
                        )
                        .with_label("undeclared variable")
                        .with_help(help),
                    );
                }
                continue;
            };
            if let Some(v) = self.raw_value(raw, decl, &origin) {
                assigned.push((name.clone(), v, origin));
            }
        }

        // The last assignment of each variable wins.
        let mut last: HashMap<&str, usize> = HashMap::with_capacity(assigned.len());
        for (i, (name, _, _)) in assigned.iter().enumerate() {
            last.insert(name, i);
        }
        let last: Vec<Option<usize>> = decls
            .iter()
            .map(|d| last.get(d.name.as_str()).copied())
            .collect();
        let mut values = Map::new();
        for (decl, last) in decls.iter().zip(last) {
            if decl.broken {
                self.poisoned.insert(decl.name.inner.clone());
                continue;
            }
            let last = last.map(|i| &mut assigned[i]);
            let (value, origin) = match (last, &decl.default) {
                (Some((_, v, origin)), _) => (
                    std::mem::take(v),
                    std::mem::replace(origin, Origin::Default),
                ),
                (None, Some(default)) => (default.clone(), Origin::Default),
                (None, None) => {
                    self.push(
                        Diagnostic::new(Code::UnsetVariable, decl.name.span, format!("the variable `{}` has no value", decl.name.inner))
                            .with_label("no default, and no value given")
                            .with_help(format!(
                                "set it with `--var {0}=...`, a var file, or NOMAD_VAR_{0}; or give it a `default`",
                                decl.name.inner
                            )),
                    );
                    self.poisoned.insert(decl.name.inner.clone());
                    continue;
                }
            };
            match self.typed(decl, value, &origin, var_files) {
                Some(value) if self.validate_variable(decl, &value) => {
                    values.insert(decl.name.clone(), value);
                }
                _ => {
                    self.poisoned.insert(decl.name.inner.clone());
                }
            }
        }
        values
    }

    /// A value from the environment or `--var`: raw text for string, number and untyped
    /// variables, an HCL expression otherwise (`-var 'dcs=["a","b"]'`).
    fn raw_value(
        &mut self,
        raw: &str,
        decl: &Declaration,
        origin: &Origin,
    ) -> Option<Spanned<Value>> {
        if Type::takes_raw_text(decl.ty.as_ref()) {
            return Some(Spanned::new(Value::String(raw.to_owned()), decl.name.span));
        }
        match eval_text(raw, self.limits) {
            Ok(v) => Some(Spanned::new(v, decl.name.span)),
            Err(e) => {
                self.push(
                    Diagnostic::new(
                        Code::InvalidVariableValue,
                        decl.name.span,
                        format!(
                            "the value of `{}` from {} is not a valid expression: {e}",
                            decl.name.inner,
                            origin.describe(&decl.name)
                        ),
                    )
                    .with_label("this variable")
                    .with_help(format!(
                        "a {} value is written in HCL syntax, e.g. `[\"a\", \"b\"]`",
                        decl.ty
                            .as_ref()
                            .map_or("typed".to_owned(), ToString::to_string)
                    )),
                );
                None
            }
        }
    }

    /// Converts a value to the variable's type, reporting where the value came from.
    fn typed(
        &mut self,
        decl: &Declaration,
        value: Spanned<Value>,
        origin: &Origin,
        var_files: &mut [Report],
    ) -> Option<Spanned<Value>> {
        let Some(ty) = &decl.ty else {
            return Some(value);
        };
        let span = value.span;
        match ty.convert(value.inner) {
            Ok(v) => Some(Spanned::new(v, span)),
            Err(e) => {
                let e = if decl.sensitive {
                    format!("it is not a valid {ty} (the value is sensitive and not shown)")
                } else {
                    e
                };
                let message = format!(
                    "invalid value for `{}` from {}: {e}",
                    decl.name.inner,
                    origin.describe(&decl.name)
                );
                match origin {
                    Origin::VarFile(index, at) => {
                        let diagnostic = Diagnostic::new(Code::InvalidVariableValue, *at, message)
                            .with_label(format!("not a {ty}"))
                            .with_help(format!(
                                "the variable is declared `type = {ty}` in the jobspec"
                            ));
                        var_files[*index].push(diagnostic);
                    }
                    _ => {
                        let at = if matches!(origin, Origin::Default) {
                            span
                        } else {
                            decl.name.span
                        };
                        self.push(
                            Diagnostic::new(Code::InvalidVariableValue, at, message)
                                .with_label(format!("expected {ty}"))
                                .with_related(decl.ident, "declared here")
                                .with_help(format!(
                                    "give `{}` a value of type {ty}",
                                    decl.name.inner
                                )),
                        );
                    }
                }
                None
            }
        }
    }

    /// Runs the variable's `validation` blocks; `false` when one fails.
    fn validate_variable(&mut self, decl: &Declaration, value: &Spanned<Value>) -> bool {
        let mut ok = true;
        for v in &decl.validations {
            let refs = self.references(&v.condition, "var");
            if !refs.contains(&decl.name.inner) || refs.iter().any(|r| *r != decl.name.inner) {
                self.push(
                    Diagnostic::new(Code::InvalidReference, v.span, format!("a validation condition must refer to `var.{}`, and to no other variable", decl.name.inner))
                        .with_label("invalid condition")
                        .with_help(format!("check the variable's own value, e.g. `length(var.{}) > 0`", decl.name.inner)),
                );
                ok = false;
                continue;
            }
            let mut vars = Map::new();
            vars.insert(decl.name.clone(), value.clone());
            let scope = Scope {
                vars: Some(vars),
                ..Scope::default()
            };
            let (cond, message) = self.with_scope(scope, |cx| {
                (cx.eval_expr(&v.condition), cx.eval_expr(&v.error_message))
            });
            let message = match message.map(|m| m.inner) {
                Some(Value::String(m)) if !m.trim().is_empty() => m,
                _ => {
                    self.push(
                        Diagnostic::new(
                            Code::InvalidValue,
                            v.span,
                            "a validation's error_message must be a non-empty string",
                        )
                        .with_label("invalid message")
                        .with_help("say what a valid value looks like"),
                    );
                    ok = false;
                    continue;
                }
            };
            match cond.map(|c| c.inner) {
                Some(Value::Bool(true)) => {}
                Some(Value::Bool(false)) => {
                    self.push(
                        Diagnostic::new(
                            Code::InvalidVariableValue,
                            decl.name.span,
                            format!("invalid value for `{}`: {message}", decl.name.inner),
                        )
                        .with_label("fails its validation")
                        .with_related(v.span, "the rule")
                        .with_help(format!(
                            "give `{}` a value that meets the condition",
                            decl.name.inner
                        )),
                    );
                    ok = false;
                }
                Some(other) => {
                    let help = "a validation condition is `true` or `false`".to_owned();
                    self.type_error(v.span, "a bool", &other, help);
                    ok = false;
                }
                None => ok = false,
            }
        }
        ok
    }

    /// The definitions of `locals` blocks.
    pub(crate) fn hcl_locals(&mut self, blocks: Vec<Block>) -> Vec<(Spanned<String>, Expr)> {
        let mut defs = Vec::new();
        for block in blocks {
            for structure in block.body {
                match structure {
                    Structure::Attribute(attr) => {
                        let name = Spanned::new(attr.key.as_str().to_owned(), span_of(&attr.key));
                        defs.push((name, Expr::Hcl(attr.value)));
                    }
                    Structure::Block(b) => {
                        self.push(
                            Diagnostic::new(
                                Code::ExpectedAttribute,
                                span_of(&b.ident),
                                "a `locals` block holds `name = expression` attributes only",
                            )
                            .with_label("a block")
                            .with_help("write `name = { ... }` for an object value"),
                        );
                    }
                }
            }
        }
        defs
    }

    /// Evaluates locals in dependency order; a cycle is reported once, naming it.
    ///
    /// Linear in the number of locals and references: names are found through a hash map,
    /// the depth-first search keeps its own stack (a chain of 100 000 locals does not
    /// overflow the thread's), and cycles are found and marked without rescanning the stack.
    pub(crate) fn resolve_locals(&mut self, all: Vec<(Spanned<String>, Expr)>) {
        let mut defs: Vec<(Spanned<String>, Expr)> = Vec::with_capacity(all.len());
        let mut index: HashMap<String, usize> = HashMap::with_capacity(all.len());
        for (name, expr) in all {
            if let Some(&first) = index.get(&name.inner) {
                let first = defs[first].0.span;
                self.push(
                    Diagnostic::new(
                        Code::DuplicateKey,
                        name.span,
                        format!("the local `{}` is defined twice", name.inner),
                    )
                    .with_label("second definition")
                    .with_related(first, "first defined here")
                    .with_help("give each local a different name"),
                );
                continue;
            }
            index.insert(name.inner.clone(), defs.len());
            defs.push((name, expr));
        }
        let deps: Vec<Vec<usize>> = defs
            .iter()
            .map(|(_, expr)| {
                self.references(expr, "local")
                    .iter()
                    .filter_map(|r| index.get(r).copied())
                    .collect()
            })
            .collect();
        let (order, in_cycle) = self.dependency_order(&defs, &deps);
        self.scope.locals = Some(Map::new());
        for i in order {
            if in_cycle[i] || deps[i].iter().any(|&d| in_cycle[d]) {
                self.poisoned.insert(defs[i].0.inner.clone());
                continue;
            }
            let (name, expr) = &defs[i];
            match self.eval_expr(expr) {
                Some(value) => {
                    if let Some(locals) = &mut self.scope.locals {
                        locals.insert(name.clone(), value);
                    }
                }
                None => {
                    self.poisoned.insert(name.inner.clone());
                }
            }
        }
    }

    /// The locals in an order where each comes after those it refers to, and which of them
    /// are part of a cycle. Each cycle none of whose locals is in a cycle reported before is
    /// reported.
    fn dependency_order(
        &mut self,
        defs: &[(Spanned<String>, Expr)],
        deps: &[Vec<usize>],
    ) -> (Vec<usize>, Vec<bool>) {
        // Depth-first, iterative; 0 = unvisited, 1 = on the stack, 2 = done.
        let mut state = vec![0u8; defs.len()];
        let mut order = Vec::with_capacity(defs.len());
        let mut in_cycle = vec![false; defs.len()];
        // Where each local on the stack is in it.
        let mut depth = vec![0usize; defs.len()];
        // Per stack position p, with positions counted from 1 and 0 meaning none:
        // `marked_below[p - 1]`, the highest position below p whose local was in a cycle when
        // p was pushed (nothing below p is marked later unless p is too); `link[p - 1]`, p
        // itself while p's local is not in a cycle, else a lower position to look at next.
        let mut marked_below: Vec<usize> = Vec::new();
        let mut link: Vec<usize> = Vec::new();
        for start in 0..defs.len() {
            let mut stack = vec![(start, 0usize)];
            while let Some(&(node, next)) = stack.last() {
                let top = stack.len() - 1;
                if next == 0 {
                    if state[node] != 0 {
                        stack.pop();
                        continue;
                    }
                    state[node] = 1;
                    let at = top;
                    depth[node] = at;
                    marked_below.truncate(at);
                    link.truncate(at);
                    let below = match at.checked_sub(1) {
                        Some(b) if in_cycle[stack[b].0] => at,
                        Some(b) => marked_below[b],
                        None => 0,
                    };
                    marked_below.push(below);
                    link.push(at + 1);
                }
                if let Some(&dep) = deps[node].get(next) {
                    stack[top].1 += 1;
                    match state[dep] {
                        0 => stack.push((dep, 0)),
                        1 => {
                            // A cycle: the stack from `dep` up.
                            let at = depth[dep];
                            let highest = if in_cycle[node] {
                                top + 1
                            } else {
                                marked_below[top]
                            };
                            if highest <= at {
                                let cycle: Vec<usize> =
                                    stack[at..].iter().map(|&(n, _)| n).collect();
                                self.cycle(defs, &cycle);
                            }
                            let mut p = find_unmarked(&mut link, top + 1);
                            while p > at {
                                in_cycle[stack[p - 1].0] = true;
                                link[p - 1] = p - 1;
                                p = find_unmarked(&mut link, p - 1);
                            }
                        }
                        _ => {}
                    }
                } else {
                    state[node] = 2;
                    order.push(node);
                    stack.pop();
                }
            }
        }
        (order, in_cycle)
    }

    /// Reports a cycle; a long one is named by its first [`CYCLE_SHOWN`] locals.
    fn cycle(&mut self, defs: &[(Spanned<String>, Expr)], cycle: &[usize]) {
        let shown = &cycle[..cycle.len().min(CYCLE_SHOWN)];
        let mut names: Vec<String> = shown
            .iter()
            .map(|&i| format!("local.{}", defs[i].0.inner))
            .collect();
        let first_name = names[0].clone();
        if cycle.len() > shown.len() {
            names.push(format!("... {} more", cycle.len() - shown.len()));
        }
        let first = &defs[cycle[0]].0;
        let mut diagnostic = Diagnostic::new(
            Code::LocalCycle,
            first.span,
            format!(
                "these locals refer to each other in a cycle: {} -> {first_name}",
                names.join(" -> "),
            ),
        )
        .with_label("part of the cycle")
        .with_help("break the cycle: one of these locals must not depend on the others");
        for &i in &shown[1..] {
            diagnostic = diagnostic.with_related(defs[i].0.span, "also in the cycle");
        }
        self.push(diagnostic);
    }
}

/// The highest stack position at or below `p` (counted from 1; 0 is none) whose local is not
/// in a cycle, following and compressing `link`.
fn find_unmarked(link: &mut [usize], mut p: usize) -> usize {
    let mut root = p;
    while root > 0 && link[root - 1] != root {
        root = link[root - 1];
    }
    while p > 0 && link[p - 1] != p {
        let next = link[p - 1];
        link[p - 1] = root;
        p = next;
    }
    root
}

/// The names an HCL expression reads from namespace `ns` (`var` or `local`).
fn hcl_references(expr: &Expression, ns: &str, found: &mut Vec<String>) {
    struct Refs<'n, 'f> {
        ns: &'n str,
        found: &'f mut Vec<String>,
    }
    impl Visit for Refs<'_, '_> {
        fn visit_expr(&mut self, expr: &Expression) {
            if let Expression::Traversal(t) = expr {
                if let (Expression::Variable(root), Some(first)) = (&t.expr, t.operators.first()) {
                    if root.as_str() == self.ns {
                        if let TraversalOperator::GetAttr(name) = first.value() {
                            self.found.push(name.as_str().to_owned());
                        }
                    }
                }
            }
            visit_expr(self, expr);
        }
    }
    Refs { ns, found }.visit_expr(expr);
}

/// The names a JSON value's template strings read from namespace `ns`.
fn json_references(json: &Json, ns: &str, found: &mut Vec<String>) {
    match json {
        Json::String(s) if s.contains("${") || s.contains("%{") => {
            if let Ok(expr) = hcl_edit::parser::parse_expr(&super::json::quote_template(s)) {
                hcl_references(&expr, ns, found);
            }
        }
        Json::Array(items) => items
            .iter()
            .for_each(|i| json_references(&i.inner, ns, found)),
        Json::Object(props) => props
            .iter()
            .for_each(|(_, v)| json_references(&v.inner, ns, found)),
        _ => {}
    }
}

impl Lowerer<'_> {
    /// The names an expression reads from namespace `ns`.
    fn references(&self, expr: &Expr, ns: &str) -> Vec<String> {
        let mut found = Vec::new();
        match expr {
            Expr::Hcl(e) => hcl_references(e, ns, &mut found),
            Expr::Json(j) => json_references(&j.inner, ns, &mut found),
        }
        found
    }
}

/// Evaluates a standalone expression (a `--var` or `NOMAD_VAR_` value) with no references.
fn eval_text(text: &str, limits: crate::parse::Limits) -> Result<Value, String> {
    let expr = hcl_edit::parser::parse_expr(text).map_err(|e| e.message().to_owned())?;
    let mut cx = Lowerer::new(
        text,
        &ParseOptions {
            limits,
            ..ParseOptions::default()
        },
    );
    match cx.eval_literal(&expr) {
        Some(v) => Ok(v.inner),
        None => Err(cx
            .diagnostics
            .first()
            .map(|d| d.message.clone())
            .unwrap_or_default()),
    }
}

/// The declared variables' names, in order and as a set.
struct Declared<'n> {
    names: &'n [&'n str],
    set: HashSet<&'n str>,
}

/// Reads a var file: HCL `name = value` attributes, or a JSON object when the first
/// non-space byte is `{` (Nomad's rule). Values are literals.
fn read_var_file(
    file: &SourceFile,
    names: &Declared<'_>,
    options: &ParseOptions,
) -> (Vec<(String, Spanned<Value>)>, Vec<Diagnostic>) {
    let mut out = Vec::new();
    let text = match crate::parse::prepare(file.text(), &options.limits) {
        Ok(text) => text,
        Err(diagnostic) => return (out, vec![diagnostic]),
    };
    let text = text.as_ref();
    let mut cx = Lowerer::new(text, options);
    if crate::parse::is_json(text) {
        match serde_json::from_str::<Value>(text) {
            Ok(Value::Object(map)) => {
                for (k, v) in map {
                    if cx.check_declared(&k.inner, Span::new(0, 0), names, options) {
                        let v = Spanned::new(v.inner, Span::new(0, text.len().min(1)));
                        out.push((k.inner, v));
                    }
                }
            }
            Ok(_) => cx.push(
                Diagnostic::new(
                    Code::Syntax,
                    Span::new(0, text.len().min(1)),
                    "a JSON var file is an object of variable values",
                )
                .with_label("not an object")
                .with_help("write `{\"name\": value, ...}`"),
            ),
            Err(e) => {
                let offset = crate::parse::offset_of(text, e.line(), e.column());
                cx.push(
                    Diagnostic::new(
                        Code::Syntax,
                        Span::new(offset, offset),
                        format!("invalid JSON: {e}"),
                    )
                    .with_label("here")
                    .with_help("fix the JSON syntax"),
                );
            }
        }
        return (out, cx.diagnostics);
    }
    if let Some(diagnostic) = crate::parse::check_hcl(text, &options.limits) {
        return (out, vec![diagnostic]);
    }
    let body = match hcl_edit::parser::parse_body(text) {
        Ok(body) => body,
        Err(e) => return (out, vec![crate::parse::syntax_error(text, &e)]),
    };
    for structure in body {
        match structure {
            Structure::Attribute(attr) => {
                let key_span = span_of(&attr.key);
                if !cx.check_declared(attr.key.as_str(), key_span, names, options) {
                    continue;
                }
                if let Some(v) = cx.eval_literal(&attr.value) {
                    out.push((attr.key.as_str().to_owned(), v));
                }
            }
            Structure::Block(b) => {
                let message = if b.ident.as_str() == "variable" {
                    "a var file cannot declare variables".to_owned()
                } else {
                    format!(
                        "a var file holds `name = value` attributes, not `{}` blocks",
                        b.ident.as_str()
                    )
                };
                cx.push(
                    Diagnostic::new(Code::UnknownBlock, span_of(&b.ident), message)
                        .with_label("not allowed in a var file")
                        .with_help("declare variables in the jobspec; set their values here"),
                );
            }
        }
    }
    (out, cx.diagnostics)
}

impl Lowerer<'_> {
    /// Whether a var-file key names a declared variable; an undeclared one is an error when
    /// `strict`, a warning otherwise (Nomad's `-hcl2-strict`).
    fn check_declared(
        &mut self,
        key: &str,
        span: Span,
        names: &Declared<'_>,
        options: &ParseOptions,
    ) -> bool {
        if names.set.contains(key) {
            return true;
        }
        let help = match self.suggester.closest(key, names.names.iter().copied()) {
            Some(close) => format!("did you mean `{close}`?"),
            None => "declare the variable in the jobspec, or remove this line".to_owned(),
        };
        let mut diagnostic = Diagnostic::new(
            Code::UnknownReference,
            span,
            format!("the jobspec declares no variable `{key}`"),
        )
        .with_label("undeclared variable")
        .with_help(help);
        if !options.strict {
            diagnostic.severity = crate::diagnostic::Severity::Warning;
        }
        self.push(diagnostic);
        false
    }
}

#[cfg(test)]
mod tests {
    use crate::{SourceFile, parse_recoverable};

    /// The cycle messages for `locals`, in source order.
    fn cycles(locals: &str) -> Vec<String> {
        let text = format!("locals {{\n{locals}\n}}\njob \"x\" {{}}\n");
        parse_recoverable(&SourceFile::new("t", text))
            .diagnostics
            .into_iter()
            .filter(|d| d.code.as_str() == "jobspec::variable::local_cycle")
            .map(|d| d.message)
            .collect()
    }

    #[test]
    fn each_cycle_is_reported_once() {
        let prefix = "these locals refer to each other in a cycle: ";
        assert_eq!(
            cycles("a = local.b\nb = local.c\nc = local.a"),
            [format!("{prefix}local.a -> local.b -> local.c -> local.a")]
        );
        assert_eq!(
            cycles("a = local.a"),
            [format!("{prefix}local.a -> local.a")]
        );
        // Two cycles through `r`'s descendants, found one after the other; the back edges to
        // `r` close cycles that hold locals already reported.
        assert_eq!(
            cycles(
                "r = [local.x, local.y]\nx = local.x2\nx2 = [local.x, local.r]\ny = local.y2\ny2 = [local.y, local.r]"
            ),
            [
                format!("{prefix}local.x -> local.x2 -> local.x"),
                format!("{prefix}local.y -> local.y2 -> local.y"),
            ]
        );
        // A cycle through locals that depend on another cycle's.
        assert_eq!(
            cycles("a = local.b\nb = [local.a, local.c]\nc = local.d\nd = local.c\ne = local.a"),
            [
                format!("{prefix}local.a -> local.b -> local.a"),
                format!("{prefix}local.c -> local.d -> local.c"),
            ]
        );
    }

    #[test]
    fn a_long_cycle_is_named_by_its_first_locals() {
        let locals: String = (0..100)
            .map(|i| format!("l{i} = local.l{}\n", (i + 1) % 100))
            .collect();
        let found = cycles(&locals);
        assert_eq!(found.len(), 1);
        assert!(
            found[0].ends_with("local.l14 -> local.l15 -> ... 84 more -> local.l0"),
            "{}",
            found[0]
        );
    }

    #[test]
    fn a_deep_chain_of_locals_evaluates() {
        let n = 20_000;
        let mut locals: String = (0..n)
            .map(|i| format!("l{i} = local.l{}\n", i + 1))
            .collect();
        locals.push_str(&format!("l{n} = \"end\"\n"));
        let text =
            format!("locals {{\n{locals}}}\njob \"x\" {{\n  meta {{\n    v = local.l0\n  }}\n}}\n");
        let parsed = parse_recoverable(&SourceFile::new("t", text));
        assert!(!parsed.has_errors(), "{:?}", parsed.diagnostics);
        let meta = parsed.job.unwrap().meta.unwrap();
        assert_eq!(meta.get("v").map(|v| v.inner.as_str()), Some("end"));
    }
}
