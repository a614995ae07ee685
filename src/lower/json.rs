//! HCL's JSON syntax (`{"job": {"web": {...}}}`): blocks told from attributes by the model's
//! schema, labels peeled off object keys, and strings evaluated as templates.

use super::eval::Scope;
use super::{AttrIn, Block, BlockIn, BodyIn, Expr, Lowered, Lowerer, normalize};
use crate::diagnostic::{Code, Diagnostic};
use crate::model::{Job, Map, Value};
use crate::parse::ParseOptions;
use crate::parse::json::Json;
use crate::span::{Span, Spanned};

/// Writes `content` as a quoted native-HCL template: text outside `${...}` and `%{...}` is
/// escaped, the sequences themselves are kept as written.
pub(crate) fn quote_template(content: &str) -> String {
    let mut out = String::with_capacity(content.len() + 2);
    out.push('"');
    let bytes = content.as_bytes();
    let mut i = 0;
    while i < content.len() {
        let c = content[i..].chars().next().unwrap_or_default();
        // `$${` and `%%{` are escapes: copy them and move on.
        if (c == '$' || c == '%') && content[i + 1..].starts_with(&format!("{c}{{")) {
            out.push_str(&content[i..i + 3]);
            i += 3;
            continue;
        }
        if (c == '$' || c == '%') && bytes.get(i + 1) == Some(&b'{') {
            // Copy the sequence up to its matching `}`, skipping quoted strings inside.
            let mut depth = 0;
            let mut j = i + 1;
            let mut in_string = false;
            while j < content.len() {
                match bytes[j] {
                    b'\\' if in_string => j += 1,
                    b'"' => in_string = !in_string,
                    b'{' if !in_string => depth += 1,
                    b'}' if !in_string => {
                        depth -= 1;
                        if depth == 0 {
                            break;
                        }
                    }
                    _ => {}
                }
                j += 1;
            }
            let end = (j + 1).min(content.len());
            out.push_str(&content[i..end]);
            i = end;
            continue;
        }
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
        i += c.len_utf8();
    }
    out.push('"');
    out
}

/// Gives every part of a value the span `span`.
fn respan(value: &mut Spanned<Value>, span: Span) {
    value.span = span;
    match &mut value.inner {
        Value::List(items) => items.iter_mut().for_each(|v| respan(v, span)),
        Value::Object(map) => map.iter_mut().for_each(|(_, v)| respan(v, span)),
        _ => {}
    }
}

impl Lowerer<'_> {
    /// Runs `f` on a lowerer over `text` (an expression written inside a JSON string), sharing
    /// this one's scope and budget; its findings point at `span`.
    pub(crate) fn with_text<T>(
        &mut self,
        text: &str,
        span: Span,
        f: impl FnOnce(&mut Lowerer<'_>) -> T,
    ) -> T {
        let mut child = Lowerer {
            text,
            diagnostics: Vec::new(),
            scope: std::mem::take(&mut self.scope),
            limits: self.limits,
            steps_left: self.steps_left,
            budget_reported: self.budget_reported,
            suggester: std::mem::take(&mut self.suggester),
            blocks_left: self.blocks_left,
            blocks_reported: self.blocks_reported,
            poisoned: std::mem::take(&mut self.poisoned),
            base_dir: self.base_dir.clone(),
        };
        let out = f(&mut child);
        self.scope = child.scope;
        self.steps_left = child.steps_left;
        self.budget_reported = child.budget_reported;
        self.suggester = child.suggester;
        self.blocks_left = child.blocks_left;
        self.blocks_reported = child.blocks_reported;
        self.poisoned = child.poisoned;
        for mut d in child.diagnostics {
            d.span = span;
            d.related.iter_mut().for_each(|l| l.span = span);
            self.push(d);
        }
        out
    }

    /// A JSON string as an HCL template, parsed; `None` after reporting a syntax error.
    pub(crate) fn json_expression(
        &mut self,
        content: &str,
        span: Span,
    ) -> Option<(String, hcl_edit::expr::Expression)> {
        let quoted = quote_template(content);
        match hcl_edit::parser::parse_expr(&quoted) {
            Ok(expr) => Some((quoted, expr)),
            Err(e) => {
                self.push(
                    Diagnostic::new(Code::Syntax, span, format!("HCL syntax error in this string: {}", e.message()))
                        .with_label("not a valid template")
                        .with_help("in a JSON jobspec, strings are HCL templates: check the `${...}` sequences"),
                );
                None
            }
        }
    }

    /// Evaluates a JSON value: strings are templates, as HCL's JSON syntax defines.
    pub(crate) fn eval_json(&mut self, json: Spanned<Json>) -> Option<Spanned<Value>> {
        let span = json.span;
        let value = match json.inner {
            Json::Null => Value::Null,
            Json::Bool(b) => Value::Bool(b),
            Json::Number(n) => Value::Number(n),
            Json::String(s) if !s.contains("${") && !s.contains("%{") => Value::String(s),
            Json::String(s) => {
                let (text, expr) = self.json_expression(&s, span)?;
                let mut value = self.with_text(&text, span, |cx| cx.eval(&expr))?;
                respan(&mut value, span);
                return Some(value);
            }
            Json::Array(items) => {
                let items: Vec<_> = items.into_iter().map(|v| self.eval_json(v)).collect();
                Value::List(items.into_iter().collect::<Option<_>>()?)
            }
            Json::Object(props) => {
                let mut map = Map::new();
                let mut failed = false;
                for (key, value) in props {
                    match self.eval_json(value) {
                        Some(v) => {
                            map.insert(key, v);
                        }
                        None => failed = true,
                    }
                }
                if failed {
                    return None;
                }
                Value::Object(map)
            }
        };
        Some(Spanned::new(value, span))
    }

    /// Evaluates an expression from either syntax.
    pub(crate) fn eval_expr(&mut self, expr: &Expr) -> Option<Spanned<Value>> {
        match expr {
            Expr::Hcl(e) => self.eval(e),
            Expr::Json(j) => self.eval_json(j.clone()),
        }
    }

    /// The blocks a JSON property describes: an object (or an array of objects) per block,
    /// nested one object level per label.
    pub(crate) fn json_blocks(
        &mut self,
        key: &Spanned<String>,
        value: Spanned<Json>,
        labels: usize,
        prefix: Vec<Spanned<String>>,
        out: &mut Vec<BlockIn>,
    ) {
        match value.inner {
            Json::Array(items) => {
                for item in items {
                    self.json_blocks(key, item, labels, prefix.clone(), out);
                }
            }
            Json::Object(props) if labels == 0 => out.push(BlockIn {
                ident_span: key.span,
                span: value.span,
                labels: prefix,
                body: BodyIn::Json(props),
            }),
            Json::Object(props) => {
                for (label, inner) in props {
                    let mut labels_so_far = prefix.clone();
                    labels_so_far.push(label);
                    self.json_blocks(key, inner, labels - 1, labels_so_far, out);
                }
            }
            other => {
                let what = if labels == 0 {
                    "an object of its attributes".to_owned()
                } else {
                    format!(
                        "an object keyed by its label{}",
                        if labels > 1 { "s" } else { "" }
                    )
                };
                self.push(
                    Diagnostic::new(
                        Code::TypeMismatch,
                        value.span,
                        format!(
                            "a `{}` block is written as {what}, not {}",
                            key.inner,
                            other.type_name()
                        ),
                    )
                    .with_label("not a block")
                    .with_help(format!("write `\"{}\": {{ ... }}`", key.inner)),
                );
            }
        }
    }

    /// Lowers the properties of a JSON body into `out`.
    pub(crate) fn lower_json_body<B: Block>(
        &mut self,
        props: Vec<(Spanned<String>, Spanned<Json>)>,
        out: &mut B,
    ) {
        for (key, value) in props {
            // HCL's JSON syntax: a "//" property is a comment.
            if key.inner == "//" {
                continue;
            }
            if key.inner == "dynamic" {
                self.push(
                    Diagnostic::new(
                        Code::UnknownBlock,
                        key.span,
                        "`dynamic` blocks are not supported in JSON jobspecs",
                    )
                    .with_label("not expanded")
                    .with_help("write the blocks out, or use native HCL syntax for `dynamic`"),
                );
                continue;
            }
            self.deprecated::<B>(&key.inner, key.span);
            match B::block_labels(&key.inner) {
                Some(labels) => {
                    let mut blocks = Vec::new();
                    self.json_blocks(&key, value, labels, Vec::new(), &mut blocks);
                    for block in blocks {
                        if let Err(block) = out.block(self, &key.inner, block) {
                            self.unknown::<B>(&key.inner, block.ident_span, true);
                        }
                    }
                }
                None => {
                    let attr = AttrIn {
                        key_span: key.span,
                        span: key.span.to(value.span),
                        value: Expr::Json(value),
                    };
                    if let Err(attr) = out.attr(self, &key.inner, attr) {
                        self.unknown::<B>(&key.inner, attr.key_span, false);
                    }
                }
            }
        }
    }
}

/// Lowers a jobspec in HCL's JSON syntax: `variable`, `variables`, `locals` and one `job`.
pub(crate) fn lower_json_file(text: &str, tree: Spanned<Json>, options: &ParseOptions) -> Lowered {
    let mut cx = Lowerer::new(text, options);
    let mut jobs = Vec::new();
    let mut variables = Vec::new();
    let mut shorthand = Vec::new();
    let mut locals = Vec::new();
    match tree.inner {
        Json::Object(props) => {
            for (key, value) in props {
                match key.inner.as_str() {
                    "//" => {}
                    "job" => cx.json_blocks(&key, value, 1, Vec::new(), &mut jobs),
                    "variable" => cx.json_blocks(&key, value, 1, Vec::new(), &mut variables),
                    "variables" | "locals" => {
                        let mut blocks = Vec::new();
                        cx.json_blocks(&key, value, 0, Vec::new(), &mut blocks);
                        for block in blocks {
                            let BodyIn::Json(props) = block.body else {
                                continue;
                            };
                            if key.inner == "locals" {
                                locals.extend(props.into_iter().map(|(k, v)| (k, Expr::Json(v))));
                            } else {
                                shorthand.extend(props);
                            }
                        }
                    }
                    _ => cx.unknown_top_level(
                        &key.inner,
                        key.span,
                        value.inner.type_name() == "an object",
                    ),
                }
            }
        }
        other => cx.push(
            Diagnostic::new(
                Code::TypeMismatch,
                tree.span,
                format!("a JSON jobspec is an object, not {}", other.type_name()),
            )
            .with_label("not an object")
            .with_help("write `{\"job\": {\"<name>\": { ... }}}`"),
        ),
    }
    let mut decls = Vec::new();
    for block in variables {
        if let Some(decl) = cx.json_declaration(block) {
            decls.push(decl);
        }
    }
    for (name, value) in shorthand {
        let scope = Scope {
            literal_only: true,
            ..Scope::default()
        };
        let default = cx.with_scope(scope, |cx| cx.eval_json(value));
        decls.push(super::variables::Declaration::shorthand(name, default));
    }
    let mut var_files = Vec::new();
    let vars = cx.resolve_variables(decls, options, &mut var_files);
    cx.scope.vars = Some(vars);
    cx.resolve_locals(locals);
    let mut job: Option<Spanned<Job>> = None;
    for block in jobs {
        match &job {
            Some(first) => {
                let first = first.span;
                cx.duplicate_block("job", block.ident_span, first);
            }
            None => job = Some(cx.lower_block("job", block)),
        }
    }
    cx.finish(
        job.map(|j| {
            let mut job = j.inner;
            normalize::job(&mut job);
            job
        }),
        var_files,
    )
}
