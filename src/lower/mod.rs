//! Lower stage: walks the hcl-edit syntax tree into the typed `model`,
//! keeping the span of every block, label, key and value, and collecting every finding.

mod convert;
mod dynamic;
pub(crate) mod eval;
mod freeform;
mod json;
pub(crate) mod kind;
mod normalize;
mod special;
pub(crate) mod types;
mod variables;

use std::collections::HashSet;
use std::path::PathBuf;

use hcl_edit::structure::{Body, Structure};

use crate::diagnostic::{Code, Diagnostic, Report};
use crate::model::Job;
use crate::parse::ParseOptions;
use crate::parse::json::Json;
use crate::span::{Span, Spanned};

use crate::parse::Limits;
pub(crate) use convert::FromValue;
use eval::Scope;
pub(crate) use json::lower_json_file;

/// An expression, from native HCL or from HCL's JSON syntax.
pub(crate) enum Expr {
    Hcl(hcl_edit::expr::Expression),
    Json(Spanned<Json>),
}

/// A body, from native HCL or from HCL's JSON syntax (an object's properties).
pub(crate) enum BodyIn {
    Hcl(Body),
    Json(Vec<(Spanned<String>, Spanned<Json>)>),
}

/// An attribute on its way into the model.
pub(crate) struct AttrIn {
    /// The key's span.
    pub(crate) key_span: Span,
    /// The whole attribute's span.
    pub(crate) span: Span,
    /// The value, not yet evaluated.
    pub(crate) value: Expr,
}

/// A block on its way into the model.
pub(crate) struct BlockIn {
    /// The block type's span.
    pub(crate) ident_span: Span,
    /// The whole block's span.
    pub(crate) span: Span,
    /// The labels with their spans.
    pub(crate) labels: Vec<Spanned<String>>,
    /// The body, not yet lowered.
    pub(crate) body: BodyIn,
}

/// A block of the model: its HCL schema and how its keys lower into its fields.
///
/// Implemented by the `schema!` macro in `model`.
pub(crate) trait Block: Default {
    /// The HCL keys (attributes and blocks) the body accepts, for "did you mean".
    const KEYS: &'static [&'static str];
    /// The name of the block's label, if it takes one.
    const LABEL: Option<&'static str>;
    /// For a key that is a nested block, how many labels it takes; `None` for attributes and
    /// unknown keys. HCL's JSON syntax needs this to tell blocks from attributes.
    fn block_labels(key: &str) -> Option<usize>;
    /// Keys that still parse but that current Nomad removed or deprecated, with advice.
    const DEPRECATED: &'static [(&'static str, &'static str)];

    /// Lowers attribute `key`; gives the attribute back when the key is unknown.
    fn attr(&mut self, cx: &mut Lowerer<'_>, key: &str, attr: AttrIn) -> Result<(), Box<AttrIn>>;
    /// Lowers nested block `key`; gives the block back when the key is unknown.
    fn block(
        &mut self,
        cx: &mut Lowerer<'_>,
        key: &str,
        block: BlockIn,
    ) -> Result<(), Box<BlockIn>>;
    /// Stores the block's label in the fields that take it.
    fn set_label(&mut self, label: &Spanned<String>);
    /// Checks what can only be checked once the whole body is read (required attributes).
    fn finish(&self, cx: &mut Lowerer<'_>, ident: Span);
}

/// The state of one lowering: the source text, what expressions can see, the evaluation
/// budget, and the findings so far.
pub(crate) struct Lowerer<'s> {
    pub(crate) text: &'s str,
    pub(crate) diagnostics: Vec<Diagnostic>,
    pub(crate) scope: Scope,
    pub(crate) limits: Limits,
    pub(crate) steps_left: u64,
    pub(crate) budget_reported: bool,
    /// Whether the block limit was reported.
    pub(crate) blocks_reported: bool,
    /// "Did you mean" suggestions, within their budget.
    pub(crate) suggester: Suggester,
    /// How many more blocks may be lowered (`dynamic` blocks expand into more).
    pub(crate) blocks_left: usize,
    /// Variables and locals whose value could not be computed: references to them fail
    /// silently, so one mistake is reported once.
    pub(crate) poisoned: HashSet<String>,
    /// Where relative paths in `file()` and friends resolve.
    pub(crate) base_dir: Option<PathBuf>,
}

/// What lowering a file produced.
pub(crate) struct Lowered {
    pub(crate) job: Option<Job>,
    pub(crate) diagnostics: Vec<Diagnostic>,
    pub(crate) var_files: Vec<Report>,
}

fn span_of(s: &impl hcl_edit::Span) -> Span {
    s.span().map_or(Span::NONE, Span::from)
}

/// Lowers a parsed file body: variables, then locals, then the one `job` block.
pub(crate) fn lower_file(text: &str, body: Body, options: &ParseOptions) -> Lowered {
    let mut cx = Lowerer::new(text, options);
    let mut jobs = Vec::new();
    let mut variables = Vec::new();
    let mut locals = Vec::new();
    for structure in body {
        match structure {
            Structure::Block(block) => match block.ident.as_str() {
                "job" => jobs.push(block),
                "variable" | "variables" => variables.push(block),
                "locals" => locals.push(block),
                other => {
                    let other = other.to_owned();
                    cx.unknown_top_level(&other, span_of(&block.ident), true);
                }
            },
            Structure::Attribute(attr) => {
                cx.unknown_top_level(attr.key.as_str(), span_of(&attr.key), false);
            }
        }
    }
    let mut var_files = Vec::new();
    let decls = cx.declarations(variables);
    let vars = cx.resolve_variables(decls, options, &mut var_files);
    cx.scope.vars = Some(vars);
    let locals = cx.hcl_locals(locals);
    cx.resolve_locals(locals);

    let mut job: Option<Spanned<Job>> = None;
    for block in jobs {
        let block = cx.block_in(block);
        match &job {
            Some(first) => {
                let first = first.span;
                cx.duplicate_block("job", block.ident_span, first);
            }
            None => job = Some(cx.lower_block("job", block)),
        }
    }
    let job = job.map(|job| {
        let mut job = job.inner;
        normalize::job(&mut job);
        job
    });
    cx.finish(job, var_files)
}

impl<'s> Lowerer<'s> {
    /// Ends a lowering: a missing job is reported, findings are put in source order.
    fn finish(mut self, job: Option<Job>, mut var_files: Vec<Report>) -> Lowered {
        if job.is_none() {
            let end = self.text.len();
            self.push(
                Diagnostic::new(
                    Code::MissingJob,
                    Span::new(end, end),
                    "no `job` block in the file",
                )
                .with_label("the file ends here")
                .with_help("a jobspec holds exactly one `job \"<name>\" { ... }` block"),
            );
        }
        self.diagnostics.sort_by_key(|d| d.span.start);
        for report in &mut var_files {
            report.sort();
        }
        Lowered {
            job,
            diagnostics: self.diagnostics,
            var_files,
        }
    }

    pub(crate) fn new(text: &'s str, options: &ParseOptions) -> Lowerer<'s> {
        Lowerer {
            text,
            diagnostics: Vec::new(),
            scope: Scope {
                allow_fs: options.allow_fs,
                ..Scope::default()
            },
            limits: options.limits,
            steps_left: options.limits.max_steps,
            budget_reported: false,
            blocks_reported: false,
            suggester: Suggester::default(),
            blocks_left: options.limits.max_blocks,
            poisoned: HashSet::new(),
            base_dir: options.base_dir.clone(),
        }
    }
}

impl Lowerer<'_> {
    fn block_in(&self, block: hcl_edit::structure::Block) -> BlockIn {
        let span = span_of(&block);
        let ident_span = span_of(&block.ident);
        let labels = block
            .labels
            .iter()
            .map(|l| Spanned::new(l.as_str().to_owned(), span_of(l)))
            .collect();
        BlockIn {
            ident_span,
            span,
            labels,
            body: BodyIn::Hcl(block.body),
        }
    }

    /// Counts a block toward the file's limit; `false` (reported once) past it. Blocks
    /// written out are counted before parsing; past the limit here, `dynamic` blocks
    /// expanded to too many.
    pub(crate) fn take_block(&mut self, span: Span) -> bool {
        if self.blocks_left > 0 {
            self.blocks_left -= 1;
            return true;
        }
        if !self.blocks_reported {
            self.blocks_reported = true;
            let max = self.limits.max_blocks;
            self.push(
                Diagnostic::new(
                    Code::EvalLimit,
                    span,
                    format!("`dynamic` blocks expand to more than {max} blocks in the file"),
                )
                .with_label("this block is past the limit")
                .with_help(format!(
                    "expand over fewer elements; the limit is `Limits::max_blocks` ({max})"
                )),
            );
        }
        false
    }

    /// Lowers block `key` into a new `B`, checking its labels.
    pub(crate) fn lower_block<B: Block>(&mut self, key: &str, block: BlockIn) -> Spanned<B> {
        let mut out = B::default();
        if !self.take_block(block.ident_span) {
            return Spanned::new(out, block.span);
        }
        match (B::LABEL, block.labels.first()) {
            (Some(_), Some(label)) => out.set_label(label),
            (Some(label), None) => self.push(
                Diagnostic::new(
                    Code::MissingLabel,
                    block.ident_span,
                    format!("the `{key}` block needs a label: its {label}"),
                )
                .with_label(format!("missing the {label}"))
                .with_help(format!("write `{key} \"<{label}>\" {{ ... }}`")),
            ),
            (None, _) => {}
        }
        let takes = usize::from(B::LABEL.is_some());
        if let Some(extra) = block.labels.get(takes) {
            let last = block.labels.last().map_or(extra.span, |l| l.span);
            let message = if takes == 0 {
                format!("the `{key}` block takes no label")
            } else {
                format!("the `{key}` block takes one label")
            };
            self.push(
                Diagnostic::new(Code::ExtraLabel, extra.span.to(last), message)
                    .with_label("unexpected label")
                    .with_help(format!("remove the extra label from `{key}`")),
            );
        }
        self.lower_body(block.body, &mut out);
        out.finish(self, block.ident_span);
        Spanned::new(out, block.span)
    }

    /// Lowers every attribute and block of `body` into `out`.
    pub(crate) fn lower_body<B: Block>(&mut self, body: BodyIn, out: &mut B) {
        let body = match body {
            BodyIn::Hcl(body) => body,
            BodyIn::Json(props) => return self.lower_json_body(props, out),
        };
        for structure in body {
            match structure {
                Structure::Attribute(attr) => {
                    let key_span = span_of(&attr.key);
                    let span = span_of(&attr);
                    let hcl_edit::structure::Attribute { key, value, .. } = attr;
                    self.deprecated::<B>(key.as_str(), key_span);
                    let attr = AttrIn {
                        key_span,
                        span,
                        value: Expr::Hcl(value),
                    };
                    if let Err(attr) = out.attr(self, key.as_str(), attr) {
                        self.unknown::<B>(key.as_str(), attr.key_span, false);
                    }
                }
                Structure::Block(block) if block.ident.as_str() == "dynamic" => {
                    self.expand_dynamic(block, out);
                }
                Structure::Block(block) => {
                    let key = block.ident.as_str().to_owned();
                    let block = self.block_in(block);
                    self.deprecated::<B>(&key, block.ident_span);
                    if let Err(block) = out.block(self, &key, block) {
                        self.unknown::<B>(&key, block.ident_span, true);
                    }
                }
            }
        }
    }

    pub(crate) fn push(&mut self, diagnostic: Diagnostic) {
        self.diagnostics.push(diagnostic);
    }

    pub(crate) fn deprecated<B: Block>(&mut self, key: &str, span: Span) {
        if let Some((_, advice)) = B::DEPRECATED.iter().find(|(k, _)| *k == key) {
            self.push(
                Diagnostic::new(
                    Code::Deprecated,
                    span,
                    format!("`{key}` is deprecated: {advice}"),
                )
                .with_label("deprecated")
                .with_help(format!(
                    "remove `{key}`; current Nomad versions reject or ignore it"
                )),
            );
        }
    }

    pub(crate) fn unknown<B: Block>(&mut self, key: &str, span: Span, is_block: bool) {
        self.unknown_key(key, span, is_block, B::KEYS);
    }

    /// Reports an unknown attribute or block `key`, suggesting the closest of `known`.
    pub(crate) fn unknown_key(&mut self, key: &str, span: Span, is_block: bool, known: &[&str]) {
        let (code, what) = if is_block {
            (Code::UnknownBlock, "block type")
        } else {
            (Code::UnknownAttribute, "attribute")
        };
        let mut diagnostic = Diagnostic::new(code, span, format!("unknown {what} `{key}`"))
            .with_label(format!("not a known {what} here"));
        diagnostic = match self.suggester.closest(key, known.iter().copied()) {
            Some(close) => diagnostic.with_help(format!("did you mean `{close}`?")),
            None => diagnostic.with_help(format!("known keys here: {}", list_keys(known))),
        };
        self.push(diagnostic);
    }

    fn unknown_top_level(&mut self, key: &str, span: Span, is_block: bool) {
        const TOP: &[&str] = &["job", "variable", "variables", "locals"];
        let code = if is_block {
            Code::UnknownBlock
        } else {
            Code::UnknownAttribute
        };
        let help = match self.suggester.closest(key, TOP.iter().copied()) {
            Some(close) => format!("did you mean `{close}`?"),
            None => "the top level of a jobspec holds `variable`, `variables`, `locals` and one `job` block".to_owned(),
        };
        let diagnostic =
            Diagnostic::new(code, span, format!("unexpected `{key}` at the top level"))
                .with_label("not allowed here")
                .with_help(help);
        self.push(diagnostic);
    }

    /// Reports a second `key` block at `span`; `first` is the first one's span, which starts
    /// at its key, so the related label underlines just the key.
    pub(crate) fn duplicate_block(&mut self, key: &str, span: Span, first: Span) {
        let first = Span::new(first.start, (first.start + key.len()).min(first.end));
        self.push(
            Diagnostic::new(
                Code::DuplicateBlock,
                span,
                format!("only one `{key}` block is allowed here"),
            )
            .with_label("second definition")
            .with_related(first, "first defined here")
            .with_help(format!("merge the two `{key}` blocks into one")),
        );
    }
}

/// The known key closest to `key`, if one is close enough to be a likely typo.
pub(crate) fn did_you_mean<'k>(key: &str, known: &[&'k str]) -> Option<&'k str> {
    Suggester::default().closest(key, known.iter().copied())
}

/// Longest name "did you mean" looks at: a longer one is not a typo of a short one, and a
/// comparison costs the product of the two lengths.
const SUGGEST_MAX_LEN: usize = 64;

/// "Did you mean" within a budget, so that a file with many unknown names among many known
/// ones cannot take long: each candidate compared costs the product of the two names'
/// lengths (plus a fixed cost), and once the budget is spent there are no more suggestions.
pub(crate) struct Suggester {
    left: u64,
}

impl Default for Suggester {
    fn default() -> Suggester {
        Suggester { left: 20_000_000 }
    }
}

impl Suggester {
    /// The candidate closest to `key`, if one is close enough to be a likely typo.
    pub(crate) fn closest<'k>(
        &mut self,
        key: &str,
        known: impl IntoIterator<Item = &'k str>,
    ) -> Option<&'k str> {
        if key.len() > SUGGEST_MAX_LEN {
            return None;
        }
        let mut best: Option<(f64, &str)> = None;
        for k in known {
            let cost = 64 + (key.len() * k.len().min(SUGGEST_MAX_LEN)) as u64;
            if self.left < cost {
                self.left = 0;
                return None;
            }
            self.left -= cost;
            if k.len() > SUGGEST_MAX_LEN {
                continue;
            }
            let score = strsim::jaro_winkler(key, k);
            // Of equally close candidates, the last.
            if score >= 0.8 && best.is_none_or(|(b, _)| score >= b) {
                best = Some((score, k));
            }
        }
        best.map(|(_, k)| k)
    }
}

fn list_keys(keys: &[&str]) -> String {
    if keys.is_empty() {
        return "none".to_owned();
    }
    let mut out: Vec<String> = keys.iter().take(12).map(|k| format!("`{k}`")).collect();
    if keys.len() > 12 {
        out.push(format!("and {} more", keys.len() - 12));
    }
    out.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_close_keys_only() {
        let keys = ["interval", "timeout", "name"];
        assert_eq!(did_you_mean("nterval", &keys), Some("interval"));
        assert_eq!(did_you_mean("timout", &keys), Some("timeout"));
        assert_eq!(did_you_mean("zzz", &keys), None);
    }
}
