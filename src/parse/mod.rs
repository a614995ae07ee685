//! Parse stage: HCL text to a syntax tree (hcl-edit), then to the model (the `lower` stage).
//!
//! A syntax error is one diagnostic at its position; every other finding is collected.

use std::path::PathBuf;

use crate::diagnostic::{Code, Diagnostic, Report};
use crate::lower;
pub use crate::lower::eval::Limits;
use crate::model::Job;
use crate::source::SourceFile;
use crate::span::Span;

pub(crate) mod json;

/// How to parse: input variable values, filesystem access, strictness and limits.
///
/// The default is what an embedding server wants for untrusted input: no variable values, no
/// filesystem access, strict. The CLI allows the filesystem functions and reads
/// `NOMAD_VAR_<name>` from its environment, as `nomad job run` does.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct ParseOptions {
    /// `--var name=value` assignments, in order; the last one of a name wins.
    pub vars: Vec<(String, String)>,
    /// Var files (HCL `name = value`, or JSON), in order; later files win.
    pub var_files: Vec<SourceFile>,
    /// The environment, read for `NOMAD_VAR_<name>` (lowest precedence after defaults).
    pub env: Vec<(String, String)>,
    /// The folder relative paths in `file()` and friends resolve against.
    pub base_dir: Option<PathBuf>,
    /// Whether `file()`, `fileexists()`, `fileset()` and `filebase64()` may read files.
    pub allow_fs: bool,
    /// Whether a var-file or `--var` value for an undeclared variable is an error (else a
    /// warning), as Nomad's `-hcl2-strict`.
    pub strict: bool,
    /// Bounds on evaluation.
    pub limits: Limits,
}

impl Default for ParseOptions {
    fn default() -> ParseOptions {
        ParseOptions {
            vars: Vec::new(),
            var_files: Vec::new(),
            env: Vec::new(),
            base_dir: None,
            allow_fs: false,
            strict: true,
            limits: Limits::default(),
        }
    }
}

/// What parsing a source produced: the job, if there was one to read, and every finding.
///
/// The job is present even when findings are errors, as long as the text was valid HCL and
/// held a `job` block: the parts in error are left unset.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Parsed {
    /// The job, possibly partial.
    pub job: Option<Job>,
    /// Every finding in the jobspec, in source order.
    pub diagnostics: Vec<Diagnostic>,
    /// Findings in each var file, in the order given (empty reports included).
    pub var_files: Vec<Report>,
}

impl Parsed {
    /// Whether any finding, in the jobspec or a var file, is an error.
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
            || self.var_files.iter().any(|r| r.error_count() > 0)
    }
}

/// Parses a jobspec, failing with every finding when any is an error.
///
/// ```
/// let job = jobspec::parse(r#"
/// job "web" {
///   group "api" {
///     count = 2
///   }
/// }
/// "#)?;
/// assert_eq!(job.id.as_deref().map(String::as_str), Some("web"));
/// assert_eq!(job.task_groups[0].count.as_deref(), Some(&2));
/// # Ok::<(), jobspec::Report>(())
/// ```
///
/// # Errors
///
/// A [`Report`] holding every diagnostic (warnings included) when any is an error.
pub fn parse(text: &str) -> Result<Job, Report> {
    let source = SourceFile::new("<input>", text);
    let parsed = parse_recoverable(&source);
    match parsed.job {
        Some(job) if !parsed.has_errors() => Ok(job),
        _ => Err(Report::new(source, parsed.diagnostics)),
    }
}

/// Parses a jobspec, returning the (possibly partial) job together with every finding.
///
/// ```
/// use jobspec::{SourceFile, parse_recoverable};
///
/// let source = SourceFile::new("web.nomad.hcl", r#"job "web" { priorty = 50 }"#);
/// let parsed = parse_recoverable(&source);
/// assert!(parsed.job.is_some());
/// assert_eq!(parsed.diagnostics[0].code.as_str(), "jobspec::schema::unknown_attribute");
/// assert_eq!(parsed.diagnostics[0].help.as_deref(), Some("did you mean `priority`?"));
/// ```
pub fn parse_recoverable(source: &SourceFile) -> Parsed {
    parse_with(source, &ParseOptions::default())
}

/// Parses a jobspec with variable values and settings, returning the (possibly partial) job
/// with every finding.
///
/// ```
/// use jobspec::{ParseOptions, SourceFile, parse_with};
///
/// let source = SourceFile::new("web.nomad.hcl", r#"
/// variable "count" {
///   type = number
/// }
/// job "web" {
///   group "api" {
///     count = var.count
///   }
/// }
/// "#);
/// let mut options = ParseOptions::default();
/// options.vars.push(("count".into(), "3".into()));
/// let parsed = parse_with(&source, &options);
/// assert_eq!(parsed.job.unwrap().task_groups[0].count.as_deref(), Some(&3));
/// ```
pub fn parse_with(source: &SourceFile, options: &ParseOptions) -> Parsed {
    let text = source.text();
    // Nomad's rule: a body whose first byte that is not a space (0x20) is `{` is JSON.
    if text.trim_start_matches(' ').starts_with('{') {
        return parse_json(text, options);
    }
    match hcl_edit::parser::parse_body(text) {
        Ok(body) => {
            let lowered = lower::lower_file(text, body, options);
            Parsed {
                job: lowered.job,
                diagnostics: lowered.diagnostics,
                var_files: lowered.var_files,
            }
        }
        Err(error) => Parsed {
            job: None,
            diagnostics: vec![syntax_error(text, &error)],
            var_files: Vec::new(),
        },
    }
}

/// A JSON jobspec: Nomad's API form (`{"Job": {...}}`, or a bare job with `ID` or
/// `TaskGroups`), as `jobspec parse` prints it; otherwise HCL's JSON syntax (`{"job": ...}`).
fn parse_json(text: &str, options: &ParseOptions) -> Parsed {
    let tree = match json::parse(text) {
        Ok(tree) => tree,
        Err(diagnostic) => {
            return Parsed {
                job: None,
                diagnostics: vec![diagnostic],
                var_files: Vec::new(),
            };
        }
    };
    if json::is_api_job(&tree) {
        return match crate::model::from_api_json(text) {
            Ok(job) => Parsed {
                job: Some(job),
                diagnostics: Vec::new(),
                var_files: Vec::new(),
            },
            Err(e) => {
                let at = offset_of(text, e.line(), e.column());
                let diagnostic = Diagnostic::new(
                    Code::ApiJson,
                    Span::new(at, at),
                    format!("not a Nomad API job: {e}"),
                )
                .with_label("here")
                .with_help(
                    "API JSON has Nomad's Go field names and types, as `jobspec parse` prints them",
                );
                Parsed {
                    job: None,
                    diagnostics: vec![diagnostic],
                    var_files: Vec::new(),
                }
            }
        };
    }
    let lowered = lower::lower_json_file(text, tree, options);
    Parsed {
        job: lowered.job,
        diagnostics: lowered.diagnostics,
        var_files: lowered.var_files,
    }
}

/// The names of the functions jobspec expressions can call: Nomad's HCL2 function library.
///
/// ```
/// assert!(jobspec::parse::functions().any(|f| f == "jsonencode"));
/// ```
pub fn functions() -> impl Iterator<Item = &'static str> {
    lower::eval::function_names()
}

/// The byte offset of a 1-based line and column (in characters), clamped to the text.
pub(crate) fn offset_of(text: &str, line: usize, column: usize) -> usize {
    let start: usize = text
        .split_inclusive('\n')
        .take(line.saturating_sub(1))
        .map(str::len)
        .sum();
    let line_text = &text[start.min(text.len())..];
    start
        + line_text
            .char_indices()
            .nth(column.saturating_sub(1))
            .map_or(line_text.len(), |(i, _)| i)
}

pub(crate) fn syntax_error(text: &str, error: &hcl_edit::parser::Error) -> Diagnostic {
    // hcl-edit may point inside a multi-byte character; step back to its start.
    let mut start = error.location().offset().min(text.len());
    while !text.is_char_boundary(start) {
        start -= 1;
    }
    let end = text[start..]
        .chars()
        .next()
        .map_or(start, |c| start + c.len_utf8());
    let message = error.message();
    let (what, expected) = match message.split_once("; ") {
        Some((what, expected)) => (what, Some(expected)),
        None => (message, None),
    };
    let diagnostic = Diagnostic::new(
        Code::Syntax,
        Span::new(start, end),
        format!("HCL syntax error: {what}"),
    )
    .with_label(expected.map_or_else(|| "here".to_owned(), str::to_owned));
    diagnostic.with_help("fix the syntax here; nothing else in the file is checked until it parses")
}
