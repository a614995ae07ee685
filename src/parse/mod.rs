//! Parse stage: HCL text to a syntax tree (hcl-edit), then to the model (the `lower` stage).
//!
//! A syntax error is one diagnostic at its position; every other finding is collected.

use std::io::Read;
use std::path::PathBuf;

use crate::diagnostic::{Code, Diagnostic, Report};
use crate::lower;
use crate::model::Job;
use crate::source::SourceFile;
use crate::span::Span;
pub use limits::Limits;

pub(crate) mod json;
mod limits;

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
    /// Bounds on the source and its evaluation.
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
    let failed = |diagnostic| Parsed {
        job: None,
        diagnostics: vec![diagnostic],
        var_files: Vec::new(),
    };
    let text = match prepare(source.text(), &options.limits) {
        Ok(text) => text,
        Err(diagnostic) => return failed(diagnostic),
    };
    let text = text.as_ref();
    if is_json(text) {
        return parse_json(text, options);
    }
    if let Some(diagnostic) = check_hcl(text, &options.limits) {
        return failed(diagnostic);
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

/// Reads a source of at most `limits.max_file_size` bytes from `reader` (a file, standard
/// input) as UTF-8 text: reading stops one byte past the limit, so an endless stream is
/// not read whole.
///
/// ```
/// use jobspec::{Limits, parse::read_source};
///
/// let source = read_source("web.nomad.hcl", &b"job \"web\" {}"[..], &Limits::default())?;
/// assert_eq!(source.unwrap().text(), "job \"web\" {}");
///
/// let report = read_source("bad.nomad.hcl", &b"job \"\xff\" {}"[..], &Limits::default())?
///     .unwrap_err();
/// let finding = &report.diagnostics()[0];
/// assert_eq!(finding.code.as_str(), "jobspec::source::encoding");
/// assert_eq!(report.source().line_col(finding.span.start).column, 6);
/// # Ok::<(), std::io::Error>(())
/// ```
///
/// # Errors
///
/// The outer error is the reader's. The inner one is the report of a source that cannot be
/// parsed: one finding, [`Code::SourceTooLarge`] when it is over the limit, or
/// [`Code::SourceEncoding`] at the first byte that is not UTF-8 (the report's text shows
/// U+FFFD in place of each invalid sequence).
pub fn read_source(
    name: &str,
    reader: impl std::io::Read,
    limits: &Limits,
) -> std::io::Result<Result<SourceFile, Report>> {
    let max = limits.max_file_size;
    let mut bytes = Vec::new();
    reader
        .take(u64::try_from(max).unwrap_or(u64::MAX).saturating_add(1))
        .read_to_end(&mut bytes)?;
    if bytes.len() > max {
        return Ok(Err(too_large_report(name, None, max)));
    }
    Ok(match String::from_utf8(bytes) {
        Ok(text) => Ok(SourceFile::new(name, text)),
        Err(e) => {
            let at = e.utf8_error().valid_up_to();
            let bad = e.as_bytes()[at];
            let text = String::from_utf8_lossy(e.as_bytes()).into_owned();
            let diagnostic = Diagnostic::new(
                Code::SourceEncoding,
                Span::new(at, at + '\u{FFFD}'.len_utf8()),
                format!("the file is not UTF-8 text: byte 0x{bad:02X} is not valid here"),
            )
            .with_label("shown as \u{FFFD}")
            .with_help("save the file as UTF-8: Nomad reads jobspecs as UTF-8 text");
            Err(Report::new(SourceFile::new(name, text), vec![diagnostic]))
        }
    })
}

/// The report of a source of `size` bytes, over `limits.max_file_size`, that was not read:
/// one [`Code::SourceTooLarge`] finding, and no text.
pub fn too_large(name: &str, size: u64, limits: &Limits) -> Report {
    too_large_report(name, Some(size), limits.max_file_size)
}

/// The report of a source over `max` bytes (`size` when known), with no text.
fn too_large_report(name: &str, size: Option<u64>, max: usize) -> Report {
    Report::new(
        SourceFile::new(name, ""),
        vec![limits::too_large(size, max)],
    )
}

/// A source text ready to parse: within the size limit, and a UTF-8 byte order mark read as
/// three spaces, so that spans stay those of the source.
///
/// # Errors
///
/// The finding for a text over `Limits::max_file_size`.
pub(crate) fn prepare<'t>(
    text: &'t str,
    limits: &Limits,
) -> Result<std::borrow::Cow<'t, str>, Diagnostic> {
    if text.len() > limits.max_file_size {
        return Err(limits::too_large(
            Some(text.len() as u64),
            limits.max_file_size,
        ));
    }
    Ok(without_bom(text))
}

/// Whether a jobspec's text is JSON rather than HCL. Nomad's rule: it is when its first byte
/// that is not a space (0x20), after a byte order mark, is `{`.
///
/// ```
/// assert!(jobspec::parse::is_json("  {\"Job\": {}}"));
/// assert!(!jobspec::parse::is_json("job \"x\" {}"));
/// ```
pub fn is_json(text: &str) -> bool {
    let text = text.strip_prefix('\u{FEFF}').unwrap_or(text);
    text.trim_start_matches(' ').starts_with('{')
}

/// Whether `name` is an HCL identifier in ASCII (a letter or `_`, then letters, digits, `_`
/// and `-`), as variable names, attribute names and block types are written; keywords
/// included.
pub(crate) fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

/// The text with a UTF-8 byte order mark read as three spaces, so that spans stay those of
/// the source.
pub(crate) fn without_bom(text: &str) -> std::borrow::Cow<'_, str> {
    match text.strip_prefix('\u{FEFF}') {
        Some(rest) => format!("   {rest}").into(),
        None => text.into(),
    }
}

/// The first source limit a native HCL text crosses, if any (see [`Limits`]).
pub(crate) fn check_hcl(text: &str, limits: &Limits) -> Option<Diagnostic> {
    limits::scan(text, limits)
}

/// A JSON jobspec: Nomad's API form (`{"Job": {...}}`, or a bare job with `ID` or
/// `TaskGroups`), as `jobspec parse` prints it; otherwise HCL's JSON syntax (`{"job": ...}`).
fn parse_json(text: &str, options: &ParseOptions) -> Parsed {
    let tree = match json::parse(text, &options.limits) {
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
    let span = Span::new(start, end);
    // hcl-edit's own limits, which keep its recursion bounded: they are not mistakes in
    // the syntax, and say so.
    if what == "invalid nesting depth" {
        return Diagnostic::new(
            Code::SourceLimit,
            span,
            "blocks, brackets and templates nest more than 64 levels deep",
        )
        .with_label("the 65th level")
        .with_help(
            "flatten the structure, e.g. with `locals`; the parser's limit of 64 levels is fixed",
        );
    }
    if expected.is_some_and(|e| e.contains("chained binary operators")) {
        return Diagnostic::new(
            Code::SourceLimit,
            span,
            "an expression chains more than 128 binary operators",
        )
        .with_label("the 129th operator")
        .with_help("split the expression, e.g. with `locals`; the parser's limit of 128 is fixed");
    }
    let control = text[start..]
        .chars()
        .next()
        .filter(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r'));
    if let Some(c) = control {
        let name = if c == '\0' { " (NUL)" } else { "" };
        return Diagnostic::new(
            Code::Syntax,
            span,
            format!("HCL syntax error: a control character, U+{:04X}{name}", u32::from(c)),
        )
        .with_label("not allowed here")
        .with_help("remove it: a jobspec is text, and control characters other than tabs and line ends can only be written as escapes in strings, such as \"\\u0000\"");
    }
    let diagnostic = Diagnostic::new(Code::Syntax, span, format!("HCL syntax error: {what}"))
        .with_label(expected.map_or_else(|| "here".to_owned(), str::to_owned));
    diagnostic.with_help("fix the syntax here; nothing else in the file is checked until it parses")
}
