//! The `jobspec` command line: parse and validate Nomad jobspecs.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};
use jobspec::output::{self, Summary};
use jobspec::validate::SetOptions;
use jobspec::{Diagnostic, Limits, ParseOptions, Parsed, Report, SourceFile};

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
        /// Jobspec files, or directories searched for `*.nomad`, `*.hcl` (not `*.vars.hcl`)
        /// and `*.nomad.json`; `-` reads standard input.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = ReportFormat::Human)]
        format: ReportFormat,
        /// Treat the files as every job there is: an upstream whose destination no job
        /// registers is an error.
        #[arg(long)]
        closed_world: bool,
        /// Fail (exit 1) on warnings too.
        #[arg(long)]
        deny_warnings: bool,
        #[command(flatten)]
        inputs: Inputs,
    },
    /// Render what Nomad makes of a valid job: injected tasks and ports, Consul
    /// registrations, task environments and sidecar proxy configuration.
    Render {
        /// The jobspec; `-` reads standard input.
        file: PathBuf,
        /// Render only this group.
        #[arg(long)]
        group: Option<String>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = RenderFormat::Json)]
        format: RenderFormat,
        /// Print one part only, across the rendered groups.
        #[arg(long, value_enum)]
        only: Option<Part>,
        #[command(flatten)]
        alloc: Alloc,
        #[command(flatten)]
        inputs: Inputs,
    },
    /// Format HCL jobspecs canonically, as `nomad fmt` does, keeping comments. Prints the
    /// formatted text unless `--check` or `--write` is given.
    Fmt {
        /// HCL jobspec files, or directories searched for `*.nomad` and `*.hcl` (not
        /// `*.vars.hcl`); `-` reads standard input.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Change nothing; list the files that are not formatted and exit 1 if there are any.
        #[arg(long, conflicts_with = "write")]
        check: bool,
        /// Rewrite the files that are not formatted, and list them.
        #[arg(long)]
        write: bool,
        #[command(flatten)]
        inputs: Inputs,
    },
    /// Write a job in another form: a Nomad API JSON job (`{"Job": ...}`, as `jobspec
    /// parse` and `nomad job inspect` print it), or any jobspec, as a readable HCL jobspec.
    Convert {
        /// The job; `-` reads standard input.
        file: PathBuf,
        /// The form to write.
        #[arg(long, value_enum)]
        to: ConvertTo,
        #[command(flatten)]
        inputs: Inputs,
    },
    /// Register the rendered services of a valid job in a Consul agent.
    #[cfg(feature = "consul")]
    Register {
        #[command(flatten)]
        target: Target,
    },
    /// Deregister the rendered services of a job (sidecars go with their parents).
    #[cfg(feature = "consul")]
    Deregister {
        #[command(flatten)]
        target: Target,
    },
    /// Make the agent match the job: register what is missing or changed, deregister what
    /// this allocation registered earlier and the job no longer has, leave the rest alone.
    #[cfg(feature = "consul")]
    Sync {
        #[command(flatten)]
        target: Target,
        /// Print the plan, change nothing.
        #[arg(long)]
        dry_run: bool,
    },
}

/// A job, the allocation to render it for, and the agent.
#[cfg(feature = "consul")]
#[derive(Args)]
struct Target {
    /// The jobspec; `-` reads standard input.
    file: PathBuf,
    /// Only this group.
    #[arg(long)]
    group: Option<String>,
    #[command(flatten)]
    alloc: Alloc,
    #[command(flatten)]
    consul: ConsulArgs,
    #[command(flatten)]
    inputs: Inputs,
}

/// The Consul agent, with the environment variables Consul's own CLI reads.
#[cfg(feature = "consul")]
#[derive(Args)]
struct ConsulArgs {
    /// Agent address: host:port, http(s)://host:port or unix:///path.
    #[arg(
        long = "consul-addr",
        env = "CONSUL_HTTP_ADDR",
        default_value = "127.0.0.1:8500"
    )]
    addr: String,
    /// ACL token (sent as X-Consul-Token, never shown).
    #[arg(long = "token", env = "CONSUL_HTTP_TOKEN", hide_env_values = true)]
    token: Option<String>,
    /// File holding the ACL token.
    #[arg(long = "token-file", env = "CONSUL_HTTP_TOKEN_FILE")]
    token_file: Option<PathBuf>,
    /// CA certificates to trust (PEM).
    #[arg(long = "ca-file", env = "CONSUL_CACERT")]
    ca_file: Option<PathBuf>,
    /// Client certificate (PEM).
    #[arg(long = "client-cert", env = "CONSUL_CLIENT_CERT")]
    client_cert: Option<PathBuf>,
    /// Client key (PEM).
    #[arg(long = "client-key", env = "CONSUL_CLIENT_KEY")]
    client_key: Option<PathBuf>,
    /// Name to verify the agent's certificate against.
    #[arg(long = "tls-server-name", env = "CONSUL_TLS_SERVER_NAME")]
    tls_server_name: Option<String>,
    /// Consul Enterprise namespace.
    #[arg(long = "consul-namespace", env = "CONSUL_NAMESPACE")]
    consul_namespace: Option<String>,
    /// Consul Enterprise admin partition.
    #[arg(long = "partition", env = "CONSUL_PARTITION")]
    partition: Option<String>,
    /// Timeout of one request, in seconds.
    #[arg(long = "consul-timeout", default_value_t = 10)]
    timeout: u64,
    /// Retries after a connection error or a 5xx.
    #[arg(long = "consul-retries", default_value_t = 4)]
    retries: u32,
}

#[cfg(feature = "consul")]
impl ConsulArgs {
    fn config(&self) -> Result<jobspec::consul::Config, String> {
        let env = |k: &str| -> Option<String> {
            match k {
                "CONSUL_HTTP_ADDR" => Some(self.addr.clone()),
                "CONSUL_HTTP_TOKEN" => self.token.clone(),
                "CONSUL_HTTP_TOKEN_FILE" => {
                    self.token_file.as_ref().map(|p| p.display().to_string())
                }
                "CONSUL_CACERT" => self.ca_file.as_ref().map(|p| p.display().to_string()),
                "CONSUL_CLIENT_CERT" => self.client_cert.as_ref().map(|p| p.display().to_string()),
                "CONSUL_CLIENT_KEY" => self.client_key.as_ref().map(|p| p.display().to_string()),
                "CONSUL_TLS_SERVER_NAME" => self.tls_server_name.clone(),
                "CONSUL_NAMESPACE" => self.consul_namespace.clone(),
                "CONSUL_PARTITION" => self.partition.clone(),
                _ => None,
            }
        };
        let mut config = jobspec::consul::Config::from_lookup(env).map_err(|e| e.to_string())?;
        config.timeout = std::time::Duration::from_secs(self.timeout.max(1));
        config.retries = self.retries;
        Ok(config)
    }
}

impl Command {
    fn inputs(&self) -> &Inputs {
        match self {
            Command::Parse { inputs, .. }
            | Command::Validate { inputs, .. }
            | Command::Render { inputs, .. }
            | Command::Convert { inputs, .. }
            | Command::Fmt { inputs, .. } => inputs,
            #[cfg(feature = "consul")]
            Command::Register { target }
            | Command::Deregister { target }
            | Command::Sync { target, .. } => &target.inputs,
        }
    }
}

/// The allocation a render is for.
#[derive(Args)]
struct Alloc {
    /// The allocation ID [default: a UUID v5 of namespace, job, group and index].
    #[arg(long)]
    alloc_id: Option<String>,
    /// The namespace [default: the job's, or `default`].
    #[arg(long)]
    namespace: Option<String>,
    /// The node's address.
    #[arg(long, default_value = "127.0.0.1")]
    node_address: std::net::IpAddr,
    /// The node's datacenter.
    #[arg(long, default_value = "dc1")]
    datacenter: String,
    /// The allocation is a canary.
    #[arg(long)]
    canary: bool,
    /// Host port of a port label (repeatable).
    #[arg(long = "port", value_name = "LABEL=N")]
    ports: Vec<String>,
    /// Dynamic port range.
    #[arg(long, value_name = "LOW-HIGH", default_value = "20000-32000")]
    dynamic_range: String,
}

impl Alloc {
    fn context(&self) -> Result<jobspec::AllocContext, String> {
        let mut ports = std::collections::BTreeMap::new();
        for port in &self.ports {
            let parsed = port
                .split_once('=')
                .and_then(|(label, n)| Some((label, n.parse::<u16>().ok().filter(|n| *n > 0)?)));
            let (label, n) = parsed
                .ok_or_else(|| format!("--port {port:?}: expected LABEL=N with N in 1-65535"))?;
            ports.insert(label.to_owned(), n);
        }
        let range = self
            .dynamic_range
            .split_once('-')
            .and_then(|(l, h)| Some((l.parse::<u16>().ok()?, h.parse::<u16>().ok()?)))
            .filter(|(l, h)| 0 < *l && l <= h)
            .ok_or_else(|| {
                format!(
                    "--dynamic-range {:?}: expected LOW-HIGH, 1 <= LOW <= HIGH <= 65535",
                    self.dynamic_range
                )
            })?;
        Ok(jobspec::AllocContext {
            alloc_id: self.alloc_id.clone(),
            namespace: self.namespace.clone(),
            node_address: self.node_address.to_string(),
            datacenter: self.datacenter.clone(),
            canary: self.canary,
            ports,
            dynamic_range: range,
            ..jobspec::AllocContext::default()
        })
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
    /// Largest jobspec or var file to read, in bytes; a larger one is reported, not read.
    #[arg(long, value_name = "BYTES", default_value_t = Limits::default().max_file_size)]
    max_file_size: usize,
}

impl Inputs {
    /// Parse options for a jobspec read from `path`: variable values, the environment's
    /// `NOMAD_VAR_`s, and file functions relative to the jobspec's folder.
    fn options(&self) -> Result<ParseOptions, String> {
        let mut options = ParseOptions::default();
        options.limits.max_file_size = self.max_file_size;
        for var in &self.vars {
            let (name, value) = var
                .split_once('=')
                .ok_or_else(|| format!("--var {var:?}: expected NAME=VALUE"))?;
            options.vars.push((name.to_owned(), value.to_owned()));
        }
        for path in &self.var_files {
            let source = read_source(path, &options.limits).map_err(|e| match e {
                Unreadable::Failure(message) => message,
                Unreadable::Report(report) => report.to_string(),
            })?;
            options.var_files.push(source);
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
enum ConvertTo {
    /// An HCL jobspec, formatted as `jobspec fmt` does.
    Hcl,
    /// Nomad API JSON (`{"Job": {...}}`), as `jobspec parse` prints it.
    Json,
}

#[derive(Clone, Copy, ValueEnum)]
enum ReportFormat {
    /// miette's graphical report with source snippets (colour on a terminal).
    Human,
    /// One JSON document with every diagnostic and a summary.
    Json,
    /// GitHub Actions workflow annotations (`::error file=...::...`).
    Github,
    /// SARIF 2.1.0, for code scanning.
    Sarif,
}

#[derive(Clone, Copy, ValueEnum)]
enum RenderFormat {
    /// Pretty-printed JSON.
    Json,
    /// YAML, keys sorted.
    Yaml,
    /// A summary for people.
    Human,
}

#[derive(Clone, Copy, ValueEnum)]
enum Part {
    /// The group's tasks after injection (a list).
    Tasks,
    /// Host and namespace ports, by group then label.
    Ports,
    /// The Consul register bodies (a list).
    Registrations,
    /// The sidecar services as Consul stores them (a list).
    EffectiveServices,
    /// Task environments, by group then task.
    Env,
    /// Sidecar proxy configurations (a list).
    Proxies,
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
            Command::Validate {
                files,
                format,
                closed_world,
                deny_warnings,
                ..
            } => validate(&files, format, &options, closed_world, deny_warnings),
            Command::Render {
                file,
                group,
                format,
                only,
                alloc,
                ..
            } => match alloc.context() {
                Ok(cx) => render(&file, group.as_deref(), format, only, &cx, &options),
                Err(e) => {
                    fail(&e);
                    Status::Failure
                }
            },
            Command::Fmt {
                files,
                check,
                write,
                ..
            } => fmt(&files, check, write, &options.limits),
            Command::Convert { file, to, .. } => convert(&file, to, &options),
            #[cfg(feature = "consul")]
            Command::Register { target } => consul(&target, &options, Action::Register),
            #[cfg(feature = "consul")]
            Command::Deregister { target } => consul(&target, &options, Action::Deregister),
            #[cfg(feature = "consul")]
            Command::Sync { target, dry_run } => {
                consul(&target, &options, Action::Sync { dry_run })
            }
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

/// Why a file was not read as a jobspec.
enum Unreadable {
    /// It cannot be read at all (missing, a directory, a FIFO): a failure, exit 2.
    Failure(String),
    /// It was, but it is no jobspec text (too large, not UTF-8): its finding, exit 1.
    Report(Report),
}

impl Unreadable {
    /// Prints why the file was not read; the exit status that stands for it.
    fn print(self) -> Status {
        match self {
            Unreadable::Failure(e) => {
                fail(&e);
                Status::Failure
            }
            Unreadable::Report(report) => {
                print_report(&report);
                Status::Invalid
            }
        }
    }
}

/// Reads a jobspec or var file, or standard input for `-`, within `limits.max_file_size`.
///
/// Only regular files are read: a FIFO with no writer, or a device, would block or never
/// end. A file's size is checked before it is opened.
fn read_source(path: &Path, limits: &Limits) -> Result<SourceFile, Unreadable> {
    let read = |name: &str, reader: &mut dyn std::io::Read| match jobspec::parse::read_source(
        name, reader, limits,
    ) {
        Ok(Ok(source)) => Ok(source),
        Ok(Err(report)) => Err(Unreadable::Report(report)),
        Err(e) => Err(Unreadable::Failure(format!("cannot read {name}: {e}"))),
    };
    if path.as_os_str() == "-" {
        return read("<stdin>", &mut std::io::stdin().lock());
    }
    let name = path.display().to_string();
    let failure = |message: String| Unreadable::Failure(message);
    let meta = std::fs::metadata(path).map_err(|e| failure(format!("cannot read {name}: {e}")))?;
    if meta.is_dir() {
        return Err(failure(format!(
            "{name} is a directory; give a jobspec file (`jobspec validate` also takes directories)"
        )));
    }
    if !meta.is_file() {
        return Err(failure(format!(
            "{name} is not a regular file ({}); give a file, or `-` for standard input",
            file_kind(&meta)
        )));
    }
    if meta.len() > limits.max_file_size as u64 {
        return Err(Unreadable::Report(jobspec::parse::too_large(
            &name,
            meta.len(),
            limits,
        )));
    }
    let mut file =
        std::fs::File::open(path).map_err(|e| failure(format!("cannot read {name}: {e}")))?;
    read(&name, &mut file)
}

/// What kind of file other than a regular file or a directory `meta` describes.
fn file_kind(meta: &std::fs::Metadata) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        let kind = meta.file_type();
        if kind.is_fifo() {
            return "a FIFO";
        } else if kind.is_socket() {
            return "a socket";
        } else if kind.is_char_device() {
            return "a character device";
        } else if kind.is_block_device() {
            return "a block device";
        }
    }
    let _ = meta;
    "a special file"
}

fn parse(files: &[PathBuf], format: ParseFormat, options: &ParseOptions) -> Status {
    let mut status = Status::Clean;
    for path in files {
        let source = match read_source(path, &options.limits) {
            Ok(source) => source,
            Err(e) => {
                status = status.max(e.print());
                continue;
            }
        };
        let parsed = jobspec::parse_with(&source, &options_for(options, path));
        let has_errors = parsed.has_errors();
        print_reports(&source, &parsed);
        match parsed.job {
            Some(job) if !has_errors => match format {
                ParseFormat::NomadJson => emit(&api_json(job)),
            },
            _ => status = status.max(Status::Invalid),
        }
    }
    status
}

/// Formats each file: prints it, checks it (`--check`) or rewrites it (`--write`).
fn fmt(paths: &[PathBuf], check: bool, write: bool, limits: &Limits) -> Status {
    let Ok(files) = expand(paths).inspect_err(|e| fail(e)) else {
        return Status::Failure;
    };
    let mut status = Status::Clean;
    for path in files
        .iter()
        .filter(|p| paths.contains(p) || !has_json_extension(p))
    {
        let source = match read_source(path, limits) {
            Ok(source) => source,
            Err(e) => {
                status = status.max(e.print());
                continue;
            }
        };
        if jobspec::parse::is_json(source.text()) {
            fail(&format!(
                "{} is a JSON jobspec; fmt formats HCL (`jobspec convert --to hcl` writes it as HCL)",
                source.name()
            ));
            status = Status::Failure;
            continue;
        }
        let formatted = match jobspec::write::format(&source) {
            Ok(text) => text,
            Err(diagnostic) => {
                print_report(&Report::new(source.clone(), vec![diagnostic]));
                status = status.max(Status::Invalid);
                continue;
            }
        };
        let changed = formatted != source.text();
        if check || write {
            if !changed {
                continue;
            }
            emit(&format!("{}\n", source.name()));
            if check {
                status = status.max(Status::Invalid);
            } else if path.as_os_str() == "-" {
                emit(&formatted);
            } else if let Err(e) = std::fs::write(path, &formatted) {
                fail(&format!("cannot write {}: {e}", path.display()));
                status = Status::Failure;
            }
        } else {
            emit(&formatted);
        }
    }
    status
}

/// A job as pretty-printed Nomad API JSON, with a final newline.
fn api_json(job: jobspec::Job) -> String {
    let api = jobspec::model::ApiJob::from(job);
    let mut text = serde_json::to_string_pretty(&api).unwrap_or_default();
    text.push('\n');
    text
}

fn has_json_extension(path: &Path) -> bool {
    path.extension().is_some_and(|e| e == "json")
}

/// Writes one job in another form; fields HCL cannot express are named on standard error.
fn convert(path: &Path, to: ConvertTo, options: &ParseOptions) -> Status {
    let source = match read_source(path, &options.limits) {
        Ok(source) => source,
        Err(e) => return e.print(),
    };
    let parsed = jobspec::parse_with(&source, &options_for(options, path));
    let has_errors = parsed.has_errors();
    print_reports(&source, &parsed);
    let Some(job) = parsed.job.filter(|_| !has_errors) else {
        return Status::Invalid;
    };
    match to {
        ConvertTo::Hcl => {
            let hcl = jobspec::write::to_hcl(&job);
            for field in &hcl.dropped {
                fail(&format!("warning: {field} has no HCL form and is left out"));
            }
            emit(&hcl.text);
        }
        ConvertTo::Json => emit(&api_json(job)),
    }
    Status::Clean
}

/// Expands directories into the jobspec files below them, sorted. A directory without one
/// is an error: the path or the naming is likely wrong.
fn expand(paths: &[PathBuf]) -> Result<Vec<PathBuf>, String> {
    let mut out = Vec::new();
    for path in paths {
        if path.is_dir() {
            let mut found = Vec::new();
            let mut seen = std::collections::HashSet::new();
            walk(path, &mut found, &mut seen)
                .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
            if found.is_empty() {
                return Err(format!(
                    "no jobspec files (*.nomad, *.hcl but not *.vars.hcl, *.nomad.json) under {}",
                    path.display()
                ));
            }
            found.sort();
            out.extend(found);
        } else {
            out.push(path.clone());
        }
    }
    Ok(out)
}

/// Whether a file found in a directory is a jobspec: `*.nomad`, `*.hcl` (but not var files,
/// `*.vars.hcl`) or `*.nomad.json`. Files named on the command line are checked whatever
/// their name.
fn is_jobspec(path: &Path) -> bool {
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    name.ends_with(".nomad")
        || (name.ends_with(".hcl") && !name.ends_with(".vars.hcl"))
        || name.ends_with(".nomad.json")
}

/// Collects the jobspec files under `dir`, following symbolic links; `seen` holds the
/// directories walked, so that a link loop cannot make the walk endless.
fn walk(
    dir: &Path,
    out: &mut Vec<PathBuf>,
    seen: &mut std::collections::HashSet<PathBuf>,
) -> std::io::Result<()> {
    if !seen.insert(std::fs::canonicalize(dir)?) {
        return Ok(());
    }
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            walk(&path, out, seen)?;
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

/// What checking one file gave: its source, the parse, and the findings of validation.
struct Checked {
    source: SourceFile,
    parsed: Parsed,
    findings: Vec<Diagnostic>,
}

/// Reads, parses and validates one file. Semantic rules run once the file parses cleanly, so
/// a syntax or schema error is not followed by findings it caused.
fn check_file(path: &Path, options: &ParseOptions) -> Result<Checked, Unreadable> {
    let source = read_source(path, &options.limits)?;
    let parsed = jobspec::parse_with(&source, &options_for(options, path));
    let findings = match &parsed.job {
        Some(job) if !parsed.has_errors() => jobspec::validate(job),
        _ => Vec::new(),
    };
    Ok(Checked {
        source,
        parsed,
        findings,
    })
}

/// Applies `f` to every item on all cores, keeping the order.
fn parallel_map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let workers = std::thread::available_parallelism()
        .map_or(1, std::num::NonZeroUsize::get)
        .min(items.len().max(1));
    let next = std::sync::atomic::AtomicUsize::new(0);
    let mut results: Vec<(usize, R)> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                scope.spawn(|| {
                    let mut done = Vec::new();
                    loop {
                        let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        let Some(item) = items.get(i) else { break };
                        done.push((i, f(item)));
                    }
                    done
                })
            })
            .collect();
        handles
            .into_iter()
            // A panic in a worker is a bug: re-raise it rather than drop that file's result.
            .flat_map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
            .collect()
    });
    results.sort_by_key(|(i, _)| *i);
    results.into_iter().map(|(_, r)| r).collect()
}

fn validate(
    paths: &[PathBuf],
    format: ReportFormat,
    options: &ParseOptions,
    closed_world: bool,
    deny_warnings: bool,
) -> Status {
    let Ok(files) = expand(paths).inspect_err(|e| fail(e)) else {
        return Status::Failure;
    };
    let mut status = Status::Clean;
    let mut checked = Vec::new();
    // Files that were read but are no jobspec text: their reports, by position in `checked`.
    let mut rejected: Vec<(usize, Report)> = Vec::new();
    for result in parallel_map(&files, |path| check_file(path, options)) {
        match result {
            Ok(c) => checked.push(c),
            Err(Unreadable::Report(report)) => rejected.push((checked.len(), report)),
            Err(Unreadable::Failure(e)) => {
                fail(&e);
                status = Status::Failure;
            }
        }
    }
    if closed_world {
        let jobs: Vec<(usize, &jobspec::Job)> = checked
            .iter()
            .enumerate()
            .filter_map(|(i, c)| Some((i, c.parsed.job.as_ref()?)))
            .collect();
        let set: Vec<&jobspec::Job> = jobs.iter().map(|(_, j)| *j).collect();
        let findings = jobspec::validate::validate_set(&set, SetOptions::closed_world(true));
        let indexes: Vec<usize> = jobs.iter().map(|(i, _)| *i).collect();
        for (i, mut f) in indexes.into_iter().zip(findings) {
            checked[i].findings.append(&mut f);
        }
    }
    let mut rejected = rejected.into_iter().peekable();
    let mut all: Vec<Report> = Vec::new();
    for (i, mut c) in checked.into_iter().enumerate() {
        while let Some((_, report)) = rejected.next_if(|(at, _)| *at == i) {
            all.push(report);
        }
        c.parsed.diagnostics.append(&mut c.findings);
        c.parsed.diagnostics.sort_by_key(|d| d.span.start);
        all.extend(reports(&c.source, &c.parsed));
    }
    all.extend(rejected.map(|(_, report)| report));
    let summary = Summary::of(&all, files.len());
    match format {
        ReportFormat::Human => emit(&output::human(
            &all,
            &summary,
            std::io::stdout().is_terminal(),
        )),
        ReportFormat::Json => emit(&output::json(&all, &summary)),
        ReportFormat::Github => emit(&output::github(&all)),
        ReportFormat::Sarif => emit(&output::sarif(&all)),
    }
    if summary.errors > 0 || (deny_warnings && summary.warnings > 0) {
        status = status.max(Status::Invalid);
    }
    status
}

/// Parses, validates, injects and renders one file, printing its diagnostics; the exit
/// status when it does not render cleanly.
fn load(
    path: &Path,
    group: Option<&str>,
    cx: &jobspec::AllocContext,
    options: &ParseOptions,
) -> Result<jobspec::Rendered, Status> {
    let Checked {
        source,
        mut parsed,
        mut findings,
    } = check_file(path, options).map_err(Unreadable::print)?;
    let valid = !parsed.has_errors() && !findings.iter().any(Diagnostic::is_error);
    let rendered = match parsed.job.take() {
        Some(mut job) if valid => {
            if let Some(name) = group {
                job.task_groups
                    .retain(|g| g.name.as_ref().is_some_and(|n| n.inner == name));
                if job.task_groups.is_empty() {
                    fail(&format!("{}: no group named {name:?}", source.name()));
                    return Err(Status::Failure);
                }
            }
            jobspec::inject(&mut job);
            let mut rendered = jobspec::render(&job, cx);
            findings.append(&mut rendered.findings);
            Some(rendered)
        }
        _ => None,
    };
    parsed.diagnostics.append(&mut findings);
    parsed.diagnostics.sort_by_key(|d| d.span.start);
    print_reports(&source, &parsed);
    // A render error (a port the allocation lacks) fails like a validation error.
    match rendered {
        Some(r) if !parsed.diagnostics.iter().any(Diagnostic::is_error) => Ok(r),
        _ => Err(Status::Invalid),
    }
}

fn render(
    path: &Path,
    group: Option<&str>,
    format: RenderFormat,
    only: Option<Part>,
    cx: &jobspec::AllocContext,
    options: &ParseOptions,
) -> Status {
    let rendered = match load(path, group, cx, options) {
        Ok(rendered) => rendered,
        Err(status) => return status,
    };
    let value = serde_json::to_value(&rendered).unwrap_or_default();
    let value = match only {
        None => value,
        Some(part) => select(&value, part),
    };
    emit(&match format {
        RenderFormat::Json => {
            let mut text = serde_json::to_string_pretty(&value).unwrap_or_default();
            text.push('\n');
            text
        }
        RenderFormat::Yaml => serde_json::from_value::<jobspec::model::Value>(value)
            .map(|v| v.to_yaml())
            .unwrap_or_default(),
        RenderFormat::Human => output::render_human(&rendered),
    });
    Status::Clean
}

#[cfg(feature = "consul")]
#[derive(Clone, Copy)]
enum Action {
    Register,
    Deregister,
    Sync { dry_run: bool },
}

/// `register`, `deregister` and `sync`: one line per change on stdout, errors on stderr.
#[cfg(feature = "consul")]
fn consul(target: &Target, options: &ParseOptions, action: Action) -> Status {
    use jobspec::consul::{Change, Client, deregister_all, sync};
    let cx = match target.alloc.context() {
        Ok(cx) => cx,
        Err(e) => {
            fail(&e);
            return Status::Failure;
        }
    };
    let rendered = match load(&target.file, target.group.as_deref(), &cx, options) {
        Ok(rendered) => rendered,
        Err(status) => return status,
    };
    let client = match target
        .consul
        .config()
        .and_then(|c| Client::new(&c).map_err(|e| e.to_string()))
    {
        Ok(client) => client,
        Err(e) => {
            fail(&e);
            return Status::Failure;
        }
    };
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            fail(&format!("cannot start the async runtime: {e}"));
            return Status::Failure;
        }
    };
    let failed = |e: jobspec::consul::Error| {
        fail(&format!("{e}\n  hint: {}", e.hint()));
        Status::Failure
    };
    let line = |verb: &str, c: &Change| match c {
        Change::Update { id, field } => format!("{verb} {id} ({field} changed)\n"),
        _ => format!("{verb} {}\n", c.id()),
    };
    let mut status = Status::Clean;
    for group in &rendered.groups {
        match action {
            Action::Register => {
                for reg in &group.registrations {
                    match runtime.block_on(client.register(reg, true)) {
                        Ok(()) => {
                            emit(&format!("registered {}\n", reg.id.as_deref().unwrap_or("")))
                        }
                        Err(e) => return failed(e),
                    }
                }
            }
            Action::Deregister => match runtime.block_on(deregister_all(&client, group)) {
                Ok(ids) => ids
                    .iter()
                    .for_each(|id| emit(&format!("deregistered {id}\n"))),
                Err(e) => return failed(e),
            },
            Action::Sync { dry_run } => match runtime.block_on(sync(&client, group, dry_run)) {
                Ok(report) if dry_run => {
                    report
                        .plan
                        .changes
                        .iter()
                        .for_each(|c| emit(&line("would", c)));
                    emit(&format!(
                        "{}: {} changes, {} unchanged\n",
                        group.name,
                        report.plan.changes.len(),
                        report.plan.unchanged.len()
                    ));
                }
                Ok(report) => {
                    report.done.iter().for_each(|c| emit(&line("done", c)));
                    emit(&format!(
                        "{}: {} changes, {} unchanged\n",
                        group.name,
                        report.done.len(),
                        report.plan.unchanged.len()
                    ));
                }
                Err((report, e)) => {
                    report.done.iter().for_each(|c| emit(&line("done", c)));
                    report
                        .not_done
                        .iter()
                        .for_each(|c| emit(&line("not done", c)));
                    status = failed(e);
                    break;
                }
            },
        }
    }
    status
}

/// One part of every rendered group: lists are concatenated, maps keyed by group.
fn select(rendered: &serde_json::Value, part: Part) -> serde_json::Value {
    let key = match part {
        Part::Tasks => "tasks",
        Part::Ports => "ports",
        Part::Registrations => "registrations",
        Part::EffectiveServices => "effective_services",
        Part::Env => "env",
        Part::Proxies => "proxies",
    };
    let groups = rendered["groups"].as_array().cloned().unwrap_or_default();
    if matches!(part, Part::Ports | Part::Env) {
        let by_group = groups
            .iter()
            .map(|g| (g["name"].as_str().unwrap_or("").to_owned(), g[key].clone()))
            .collect();
        serde_json::Value::Object(by_group)
    } else {
        let all = groups
            .iter()
            .flat_map(|g| g[key].as_array().cloned().unwrap_or_default())
            .collect();
        serde_json::Value::Array(all)
    }
}

fn print_reports(source: &SourceFile, parsed: &Parsed) {
    for report in reports(source, parsed) {
        print_report(&report);
    }
}

/// Prints a report on stderr, its first findings if there are many.
fn print_report(report: &Report) {
    let color = std::io::stderr().is_terminal();
    let see_all = "`jobspec validate --format json` shows all";
    let mut text = output::human_report(report, color, see_all);
    // miette's report ends with a newline; the blank line only separates files.
    text.pop();
    let _ = std::io::stderr().lock().write_all(text.as_bytes());
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_command_line_is_well_formed() {
        use clap::CommandFactory;
        super::Cli::command().debug_assert();
    }
}
