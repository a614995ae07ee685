//! Parse stage: HCL text to a syntax tree (hcl-edit), then to the model (the `lower` stage).
//!
//! A syntax error is one diagnostic at its position; every other finding is collected.

use crate::diagnostic::{Code, Diagnostic, Report};
use crate::lower;
use crate::model::Job;
use crate::source::SourceFile;
use crate::span::Span;

/// What parsing a source produced: the job, if there was one to read, and every finding.
///
/// The job is present even when findings are errors, as long as the text was valid HCL and
/// held a `job` block: the parts in error are left unset.
#[derive(Clone, Debug)]
pub struct Parsed {
    /// The job, possibly partial.
    pub job: Option<Job>,
    /// Every finding, in source order.
    pub diagnostics: Vec<Diagnostic>,
}

impl Parsed {
    /// Whether any finding is an error.
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
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
    let text = source.text();
    match hcl_edit::parser::parse_body(text) {
        Ok(body) => {
            let (job, diagnostics) = lower::lower_file(text, body);
            Parsed { job, diagnostics }
        }
        Err(error) => Parsed {
            job: None,
            diagnostics: vec![syntax_error(text, &error)],
        },
    }
}

fn syntax_error(text: &str, error: &hcl_edit::parser::Error) -> Diagnostic {
    let start = error.location().offset().min(text.len());
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
