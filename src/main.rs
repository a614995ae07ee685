//! The `jobspec` command line: parse and validate Nomad jobspecs.

use std::io::{IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};
use jobspec::{Diagnostic, ParseOptions, Parsed, Report, Severity, SourceFile};
use serde::Serialize;

/// Parse, validate and render Nomad job specifications with Consul Connect sidecars.
#[derive(Parser)]
#[command(version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Parse jobspecs and print each job as Nomad API JSON.
    Parse {
        /// Jobspec files; `-` reads standard input.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = ParseFormat::NomadJson)]
        format: ParseFormat,
        #[command(flatten)]
        inputs: Inputs,
    },
    /// Check jobspecs and report every finding.
    Validate {
        /// Jobspec files, or directories searched for `*.nomad`, `*.nomad.hcl` and
        /// `*.nomad.json`; `-` reads standard input.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = ReportFormat::Human)]
        format: ReportFormat,
        #[command(flatten)]
        inputs: Inputs,
    },
}

impl Command {
    fn inputs(&self) -> &Inputs {
        match self {
            Command::Parse { inputs, .. } | Command::Validate { inputs, .. } => inputs,
        }
    }
}

/// Input variable values, as `nomad job run` takes them.
#[derive(Args)]
struct Inputs {
    /// Sets an input variable (repeatable); overrides var files and NOMAD_VAR_<name>.
    #[arg(long = "var", value_name = "NAME=VALUE")]
    vars: Vec<String>,
    /// Reads input variable values from an HCL or JSON file (repeatable; later files win).
    #[arg(long = "var-file", value_name = "FILE")]
    var_files: Vec<PathBuf>,
}

impl Inputs {
    /// Parse options for a jobspec read from `path`: variable values, the environment's
    /// `NOMAD_VAR_`s, and file functions relative to the jobspec's folder.
    fn options(&self) -> Result<ParseOptions, String> {
        let mut options = ParseOptions::default();
        for var in &self.vars {
            let (name, value) = var
                .split_once('=')
                .ok_or_else(|| format!("--var {var:?}: expected NAME=VALUE"))?;
            options.vars.push((name.to_owned(), value.to_owned()));
        }
        for path in &self.var_files {
            options.var_files.push(read_source(path)?);
        }
        options.env = std::env::vars()
            .filter(|(k, _)| k.starts_with("NOMAD_VAR_"))
            .collect();
        options.allow_fs = true;
        Ok(options)
    }
}

fn options_for(options: &ParseOptions, path: &Path) -> ParseOptions {
    let mut options = options.clone();
    options.base_dir = if path.as_os_str() == "-" {
        std::env::current_dir().ok()
    } else {
        Some(
            path.parent()
                .map_or_else(|| PathBuf::from("."), Path::to_path_buf),
        )
    };
    options
}

#[derive(Clone, Copy, ValueEnum)]
enum ParseFormat {
    /// `{"Job": {...}}`, the body of Nomad's `PUT /v1/jobs`.
    NomadJson,
}

#[derive(Clone, Copy, ValueEnum)]
enum ReportFormat {
    /// miette's graphical report with source snippets.
    Human,
    /// One JSON document with every diagnostic and a summary.
    Json,
}

/// How a run ended: 0 clean, 1 the input has errors, 2 usage or I/O failure.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Status {
    Clean = 0,
    Invalid = 1,
    Failure = 2,
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    let status = match cli.command.inputs().options() {
        Err(e) => {
            fail(&e);
            Status::Failure
        }
        Ok(options) => match cli.command {
            Command::Parse { files, format, .. } => parse(&files, format, &options),
            Command::Validate { files, format, .. } => validate(&files, format, &options),
        },
    };
    ExitCode::from(status as u8)
}

/// Writes to stdout; a closed pipe (`| head`) is not an error.
fn emit(text: &str) {
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
}

fn fail(message: &str) {
    let _ = writeln!(std::io::stderr().lock(), "jobspec: {message}");
}

fn read_source(path: &Path) -> Result<SourceFile, String> {
    if path.as_os_str() == "-" {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .map_err(|e| format!("cannot read standard input: {e}"))?;
        return Ok(SourceFile::new("<stdin>", text));
    }
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let text = String::from_utf8(bytes)
        .map_err(|e| format!("{} is not UTF-8 text: {e}", path.display()))?;
    Ok(SourceFile::new(path.display().to_string(), text))
}

fn parse(files: &[PathBuf], format: ParseFormat, options: &ParseOptions) -> Status {
    let mut status = Status::Clean;
    for path in files {
        let source = match read_source(path) {
            Ok(source) => source,
            Err(e) => {
                fail(&e);
                status = Status::Failure;
                continue;
            }
        };
        let parsed = jobspec::parse_with(&source, &options_for(options, path));
        let has_errors = parsed.has_errors();
        let color = std::io::stderr().is_terminal();
        for report in reports(&source, &parsed) {
            let _ = std::io::stderr()
                .lock()
                .write_all(report.render(color).as_bytes());
        }
        match parsed.job {
            Some(job) if !has_errors => match format {
                ParseFormat::NomadJson => {
                    let api = jobspec::model::ApiJob::from(job);
                    let mut text = serde_json::to_string_pretty(&api).unwrap_or_default();
                    text.push('\n');
                    emit(&text);
                }
            },
            _ => status = status.max(Status::Invalid),
        }
    }
    status
}

/// Expands directories into the jobspec files below them, sorted.
fn expand(paths: &[PathBuf]) -> Result<Vec<PathBuf>, String> {
    let mut out = Vec::new();
    for path in paths {
        if path.is_dir() {
            let mut found = Vec::new();
            walk(path, &mut found).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
            found.sort();
            out.extend(found);
        } else {
            out.push(path.clone());
        }
    }
    Ok(out)
}

/// Whether a file found in a directory is a jobspec: `*.nomad`, `*.nomad.hcl` or
/// `*.nomad.json`. Files named on the command line are checked whatever their name.
fn is_jobspec(path: &Path) -> bool {
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    name.ends_with(".nomad") || name.ends_with(".nomad.hcl") || name.ends_with(".nomad.json")
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            walk(&path, out)?;
        } else if is_jobspec(&path) {
            out.push(path);
        }
    }
    Ok(())
}

/// The non-empty reports of a parse: the jobspec's, then each var file's.
fn reports(source: &SourceFile, parsed: &Parsed) -> Vec<Report> {
    std::iter::once(Report::new(source.clone(), parsed.diagnostics.clone()))
        .chain(parsed.var_files.iter().cloned())
        .filter(|r| !r.diagnostics().is_empty())
        .collect()
}

fn validate(paths: &[PathBuf], format: ReportFormat, options: &ParseOptions) -> Status {
    let files = match expand(paths) {
        Ok(files) => files,
        Err(e) => {
            fail(&e);
            return Status::Failure;
        }
    };
    let mut status = Status::Clean;
    let mut results = Vec::new();
    for path in &files {
        match read_source(path) {
            Ok(source) => {
                let parsed = jobspec::parse_with(&source, &options_for(options, path));
                results.push((source, parsed));
            }
            Err(e) => {
                fail(&e);
                status = Status::Failure;
            }
        }
    }
    let files = results.len();
    let all: Vec<Report> = results.iter().flat_map(|(s, p)| reports(s, p)).collect();
    let count = |severity| {
        all.iter()
            .flat_map(Report::diagnostics)
            .filter(|d| d.severity == severity)
            .count()
    };
    let (errors, warnings) = (count(Severity::Error), count(Severity::Warning));
    match format {
        ReportFormat::Human => emit(&human_report(&all, files, errors, warnings)),
        ReportFormat::Json => emit(&json_report(&all, files, errors, warnings)),
    }
    if errors > 0 {
        status = status.max(Status::Invalid);
    }
    status
}

fn human_report(reports: &[Report], files: usize, errors: usize, warnings: usize) -> String {
    let color = std::io::stdout().is_terminal();
    let mut out = String::new();
    for report in reports {
        out.push_str(&report.render(color));
    }
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    out.push_str(&format!(
        "{} checked: {}, {}\n",
        plural(files, "file"),
        plural(errors, "error"),
        plural(warnings, "warning")
    ));
    out
}

#[derive(Serialize)]
struct JsonReport<'a> {
    diagnostics: Vec<JsonDiagnostic<'a>>,
    summary: Summary,
}

#[derive(Serialize)]
struct Summary {
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

fn json_report(reports: &[Report], files: usize, errors: usize, warnings: usize) -> String {
    let report = JsonReport {
        diagnostics: reports
            .iter()
            .flat_map(|r| {
                r.diagnostics()
                    .iter()
                    .map(move |d| json_diagnostic(r.source(), d))
            })
            .collect(),
        summary: Summary {
            files,
            errors,
            warnings,
        },
    };
    let mut text = serde_json::to_string(&report).unwrap_or_default();
    text.push('\n');
    text
}
