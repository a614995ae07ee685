//! Output: a set of reports rendered for people (miette), for tools (JSON), for GitHub
//! workflow annotations, and for code scanning (SARIF 2.1.0); and a render for people.

use serde::Serialize;

use crate::diagnostic::{Code, Diagnostic, Report, Severity};
use crate::render::Rendered;
use crate::source::SourceFile;

/// The findings of a run over several files.
#[derive(Clone, Debug, Default)]
pub struct Summary {
    /// Files checked.
    pub files: usize,
    /// Findings of severity error.
    pub errors: usize,
    /// Findings of severity warning.
    pub warnings: usize,
}

impl Summary {
    /// Counts the findings of `reports` over `files` files.
    pub fn of(reports: &[Report], files: usize) -> Summary {
        let count = |severity| {
            reports
                .iter()
                .flat_map(Report::diagnostics)
                .filter(|d| d.severity == severity)
                .count()
        };
        Summary {
            files,
            errors: count(Severity::Error),
            warnings: count(Severity::Warning),
        }
    }
}

/// How many findings of one file the human format shows; the others are counted.
pub const HUMAN_SHOWN: usize = 100;

/// miette's graphical reports of the first [`HUMAN_SHOWN`] findings of each file (with a line
/// saying how many more there are, and `see_all`: how to see them), then a one-line summary
/// that counts every finding.
#[cfg(feature = "fancy")]
pub fn human(reports: &[Report], summary: &Summary, color: bool) -> String {
    let mut out = String::new();
    for report in reports {
        out.push_str(&human_report(report, color, "use --format json to see all"));
    }
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    out.push_str(&format!(
        "{} checked: {}, {}\n",
        plural(summary.files, "file"),
        plural(summary.errors, "error"),
        plural(summary.warnings, "warning")
    ));
    out
}

/// One file's report for people: miette's graphical report of its first [`HUMAN_SHOWN`]
/// findings, then, if there are more, a line saying how many and `see_all`.
#[cfg(feature = "fancy")]
pub fn human_report(report: &Report, color: bool, see_all: &str) -> String {
    let mut out = report.render_first(color, HUMAN_SHOWN);
    out.push('\n');
    let more = report.diagnostics().len().saturating_sub(HUMAN_SHOWN);
    if more > 0 {
        let noun = if more == 1 { "finding" } else { "findings" };
        out.push_str(&format!(
            "… and {more} more {noun} in {} ({see_all})\n\n",
            report.source().name()
        ));
    }
    out
}

#[derive(Serialize)]
struct JsonReport<'a> {
    diagnostics: Vec<JsonDiagnostic<'a>>,
    summary: JsonSummary,
}

#[derive(Serialize)]
struct JsonSummary {
    files: usize,
    errors: usize,
    warnings: usize,
}

#[derive(Serialize)]
struct JsonDiagnostic<'a> {
    file: &'a str,
    severity: &'static str,
    code: &'static str,
    message: &'a str,
    line: usize,
    column: usize,
    end_line: usize,
    end_column: usize,
    offset: usize,
    length: usize,
    help: Option<&'a str>,
    labels: Vec<JsonLabel>,
}

#[derive(Serialize)]
struct JsonLabel {
    line: usize,
    column: usize,
    offset: usize,
    length: usize,
    message: String,
}

fn json_diagnostic<'a>(source: &'a SourceFile, d: &'a Diagnostic) -> JsonDiagnostic<'a> {
    let start = source.line_col(d.span.start);
    let end = source.line_col(d.span.end);
    JsonDiagnostic {
        file: source.name(),
        severity: d.severity.as_str(),
        code: d.code.as_str(),
        message: &d.message,
        line: start.line,
        column: start.column,
        end_line: end.line,
        end_column: end.column,
        offset: d.span.start,
        length: d.span.len(),
        help: d.help.as_deref(),
        labels: d
            .labels()
            .map(|l| {
                let at = source.line_col(l.span.start);
                JsonLabel {
                    line: at.line,
                    column: at.column,
                    offset: l.span.start,
                    length: l.span.len(),
                    message: l.message,
                }
            })
            .collect(),
    }
}

/// One JSON document: `{"diagnostics": [...], "summary": {"files", "errors", "warnings"}}`,
/// lines and columns 1-based, columns in characters.
pub fn json(reports: &[Report], summary: &Summary) -> String {
    let report = JsonReport {
        diagnostics: reports
            .iter()
            .flat_map(|r| {
                r.diagnostics()
                    .iter()
                    .map(move |d| json_diagnostic(r.source(), d))
            })
            .collect(),
        summary: JsonSummary {
            files: summary.files,
            errors: summary.errors,
            warnings: summary.warnings,
        },
    };
    let mut text = serde_json::to_string(&report).unwrap_or_default();
    text.push('\n');
    text
}

/// Escapes a workflow-command message (`%`, CR, LF) and, for properties, `:` and `,`.
fn escape_github(text: &str, property: bool) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '%' => out.push_str("%25"),
            '\r' => out.push_str("%0D"),
            '\n' => out.push_str("%0A"),
            ':' if property => out.push_str("%3A"),
            ',' if property => out.push_str("%2C"),
            c => out.push(c),
        }
    }
    out
}

/// GitHub Actions workflow annotations, one line a finding:
/// `::error file=…,line=…,col=…,endLine=…,endColumn=…,title=…::…`.
pub fn github(reports: &[Report]) -> String {
    let mut out = String::new();
    for report in reports {
        let source = report.source();
        for d in report.diagnostics() {
            let level = match d.severity {
                Severity::Error => "error",
                Severity::Warning => "warning",
                Severity::Advice => "notice",
            };
            let start = source.line_col(d.span.start);
            let end = source.line_col(d.span.end);
            let mut message = d.message.clone();
            if let Some(help) = &d.help {
                message.push_str("\nhelp: ");
                message.push_str(help);
            }
            out.push_str(&format!(
                "::{level} file={},line={},col={},endLine={},endColumn={},title={}::{}\n",
                escape_github(source.name(), true),
                start.line,
                start.column,
                end.line,
                end.column,
                escape_github(d.code.as_str(), true),
                escape_github(&message, false),
            ));
        }
    }
    out
}

/// A SARIF 2.1.0 log for code scanning: every code as a rule, every finding as a result.
pub fn sarif(reports: &[Report]) -> String {
    use serde_json::json;
    let region = |source: &SourceFile, span: crate::span::Span| {
        let start = source.line_col(span.start);
        let end = source.line_col(span.end);
        json!({
            "startLine": start.line,
            "startColumn": start.column,
            "endLine": end.line,
            "endColumn": end.column,
        })
    };
    let rules: Vec<_> = Code::ALL
        .iter()
        .map(|c| {
            json!({
                "id": c.as_str(),
                "shortDescription": { "text": c.summary() },
                "defaultConfiguration": { "level": sarif_level(c.severity()) },
            })
        })
        .collect();
    let mut results = Vec::new();
    for report in reports {
        let source = report.source();
        let uri = source.name().trim_start_matches("./");
        for d in report.diagnostics() {
            let mut text = d.message.clone();
            if let Some(help) = &d.help {
                text.push_str("\nhelp: ");
                text.push_str(help);
            }
            let related: Vec<_> = d
                .related
                .iter()
                .enumerate()
                .map(|(i, l)| {
                    json!({
                        "id": i + 1,
                        "message": { "text": l.message },
                        "physicalLocation": {
                            "artifactLocation": { "uri": uri },
                            "region": region(source, l.span),
                        },
                    })
                })
                .collect();
            results.push(json!({
                "ruleId": d.code.as_str(),
                "ruleIndex": Code::ALL.iter().position(|c| *c == d.code),
                "level": sarif_level(d.severity),
                "message": { "text": text },
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": { "uri": uri },
                        "region": region(source, d.span),
                    },
                }],
                "relatedLocations": related,
            }));
        }
    }
    let log = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": "jobspec",
                    "version": env!("CARGO_PKG_VERSION"),
                    "rules": rules,
                }
            },
            "results": results,
        }],
    });
    let mut text = serde_json::to_string_pretty(&log).unwrap_or_default();
    text.push('\n');
    text
}

fn sarif_level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Advice => "note",
    }
}

/// A render summarized for people: per group, the tasks, ports, registrations with their
/// checks, each proxy's listeners, and the `NOMAD_UPSTREAM_*` and user variables.
pub fn render_human(rendered: &Rendered) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    for g in &rendered.groups {
        let _ = writeln!(out, "group {:?} (alloc {})", g.name, g.alloc_id);
        let tasks: Vec<String> = g
            .tasks
            .iter()
            .map(|t| t.name.as_ref().map_or(String::new(), |n| n.inner.clone()))
            .collect();
        let _ = writeln!(out, "  tasks: {}", tasks.join(", "));
        for (label, p) in &g.ports {
            let _ = writeln!(out, "  port {label}: host {} -> {}", p.value, p.to);
        }
        for r in &g.registrations {
            let at = match (&r.address, r.port) {
                (Some(a), Some(p)) => format!("{a}:{p}"),
                (None, Some(p)) => format!("<agent>:{p}"),
                (Some(a), None) => a.clone(),
                (None, None) => "<agent>".into(),
            };
            let name = r.name.as_deref().unwrap_or("");
            let _ = writeln!(out, "  service {name} at {at}");
            let _ = writeln!(out, "    id {}", r.id.as_deref().unwrap_or(""));
            for c in r.checks.iter().flatten() {
                let _ = writeln!(out, "    check {:?}", c.name);
            }
        }
        for p in &g.proxies {
            let l = &p.public_listener;
            let _ = writeln!(
                out,
                "  proxy {}: {}:{} -> {}:{}",
                p.proxy_id,
                l.bind_address,
                l.bind_port,
                l.local_service_address,
                l.local_service_port
            );
            for u in &p.upstreams {
                let from = match (
                    &u.local_bind_socket_path,
                    &u.local_bind_address,
                    u.local_bind_port,
                ) {
                    (Some(path), ..) => path.clone(),
                    (None, Some(a), Some(port)) => format!("{a}:{port}"),
                    _ => "?".into(),
                };
                let _ = writeln!(out, "    upstream {from} -> {}", u.destination_name);
            }
            for e in &p.expose {
                let _ = writeln!(
                    out,
                    "    expose {} on {} -> {}",
                    e.path, e.listener_port, e.local_path_port
                );
            }
        }
        for (task, env) in &g.env {
            let own = g
                .tasks
                .iter()
                .find(|t| t.name.as_ref().is_some_and(|n| &n.inner == task));
            let user = own.and_then(|t| t.env.as_ref());
            let shown: Vec<_> = env
                .iter()
                .filter(|(k, _)| {
                    k.starts_with("NOMAD_UPSTREAM_") || user.is_some_and(|u| u.get(k).is_some())
                })
                .collect();
            if !shown.is_empty() {
                let _ = writeln!(out, "  env of {task}:");
                for (k, v) in shown {
                    let _ = writeln!(out, "    {k}={v}");
                }
            }
        }
    }
    out
}
