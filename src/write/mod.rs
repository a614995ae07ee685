//! Write stage: HCL out. [`format()`] gives a jobspec's text its canonical layout, keeping
//! comments (`jobspec fmt`); [`to_hcl`] writes a model job as a readable jobspec that parses
//! back to the same job (`jobspec convert --to hcl`).

mod format;
pub(crate) mod hcl;

use crate::diagnostic::Diagnostic;
use crate::model::Job;
use crate::source::SourceFile;

/// Formats an HCL jobspec as `nomad fmt` does: two-space indentation, one space around `=`
/// and operators, `=` and trailing comments aligned across consecutive lines. Comments, blank
/// lines, strings and heredocs are kept; only the spacing between tokens changes, so the
/// formatted file parses to the same job.
///
/// ```
/// use jobspec::SourceFile;
///
/// let source = SourceFile::new("web.nomad.hcl", "job \"web\" {\ntype=\"batch\" # why\npriority = 70\n}\n");
/// let formatted = jobspec::write::format(&source)?;
/// assert_eq!(formatted, "job \"web\" {\n  type     = \"batch\" # why\n  priority = 70\n}\n");
/// # Ok::<(), jobspec::Diagnostic>(())
/// ```
///
/// # Errors
///
/// The syntax error when the text is not valid HCL (a JSON jobspec is not HCL either), or
/// the finding for a source limit it crosses (blocks, syntax nodes, label length, at their
/// defaults in [`crate::Limits`]), checked before hcl-edit builds its tree as the parser does.
pub fn format(source: &SourceFile) -> Result<String, Diagnostic> {
    let text = crate::parse::without_bom(source.text());
    if let Some(limit) = crate::parse::check_hcl(&text, &crate::Limits::default()) {
        return Err(limit);
    }
    hcl_edit::parser::parse_body(&text).map_err(|e| crate::parse::syntax_error(&text, &e))?;
    // The spaces standing for a byte order mark are indentation to the formatter: the mark is
    // put back in front.
    let bom = if source.text().starts_with('\u{FEFF}') {
        "\u{FEFF}"
    } else {
        ""
    };
    Ok(format!("{bom}{}", format::format_text(&text)))
}

/// A job written as HCL.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Hcl {
    /// The jobspec, formatted as [`format()`] does.
    pub text: String,
    /// Fields that HCL cannot express and were left out (API-only fields such as `Status`,
    /// map keys that are not identifiers in a block-only map), as paths like
    /// `job "web" > group "api" > Status`.
    pub dropped: Vec<String>,
}

/// Writes `job` as an HCL jobspec: the inverse of parsing, for a job read from Nomad's API
/// JSON. Parsing the text gives back the same job, up to [`Hcl::dropped`].
///
/// ```
/// let job = jobspec::model::from_api_json(r#"{"Job": {"ID": "web", "Name": "web", "TaskGroups": [
///     {"Name": "api", "Count": 2, "Tasks": [{"Name": "app", "Driver": "docker",
///      "Config": {"image": "nginx"}, "Env": {"PORT": "${NOMAD_PORT_http}"}}]}]}}"#)?;
/// let hcl = jobspec::write::to_hcl(&job);
/// assert_eq!(hcl.text, r#"job "web" {
///   group "api" {
///     count = 2
///
///     task "app" {
///       driver = "docker"
///
///       config {
///         image = "nginx"
///       }
///
///       env {
///         PORT = "${NOMAD_PORT_http}"
///       }
///     }
///   }
/// }
/// "#);
/// assert_eq!(jobspec::parse(&hcl.text).unwrap(), job);
/// # Ok::<(), serde_json::Error>(())
/// ```
pub fn to_hcl(job: &Job) -> Hcl {
    let (body, dropped) = hcl::job_body(job);
    Hcl {
        text: format::format_text(&body.to_string()),
        dropped,
    }
}
