//! Diagnostics: every finding of every stage, with a stable code, a severity, spans and help.
//!
//! Findings are data ([`Diagnostic`]); a [`Report`] bundles them with their source for miette.

use std::fmt;

use serde::Serialize;

use crate::source::SourceFile;
use crate::span::Span;

/// How serious a finding is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// A hint; never fails a check.
    Advice,
    /// Something suspicious or deprecated; the job still works.
    Warning,
    /// The job is invalid: Nomad would reject it, or it cannot work.
    Error,
}

impl Severity {
    /// The lowercase name used in JSON output: `error`, `warning` or `advice`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Severity::Advice => "advice",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

macro_rules! codes {
    ($( $(#[doc = $doc:literal])* $variant:ident = $code:literal, $severity:ident; )*) => {
        /// The stable code of a diagnostic, `jobspec::<area>::<name>`.
        ///
        /// Codes never change meaning; `docs/diagnostics.md` lists each with an example.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum Code {
            $( $(#[doc = $doc])* $variant, )*
        }

        impl Code {
            /// Every code, in documentation order.
            pub const ALL: &'static [Code] = &[$(Code::$variant),*];

            /// The code as written in reports, e.g. `jobspec::schema::unknown_attribute`.
            pub const fn as_str(self) -> &'static str {
                match self { $(Code::$variant => $code,)* }
            }

            /// The severity findings with this code have.
            pub const fn severity(self) -> Severity {
                match self { $(Code::$variant => Severity::$severity,)* }
            }

            /// One sentence on what the code means.
            pub fn summary(self) -> &'static str {
                match self { $(Code::$variant => concat!($($doc),*).trim_ascii(),)* }
            }
        }
    };
}

codes! {
    /// The text is not valid HCL.
    Syntax = "jobspec::syntax::invalid", Error;
    /// A JSON jobspec in Nomad's API form that does not decode as a job.
    ApiJson = "jobspec::syntax::api_json", Error;
    /// The file is larger than the size limit.
    SourceTooLarge = "jobspec::source::too_large", Error;
    /// The file crosses a limit on its structure: blocks, label length or nesting depth.
    SourceLimit = "jobspec::source::limit", Error;
    /// The file is not UTF-8 text.
    SourceEncoding = "jobspec::source::encoding", Error;
    /// The file holds no `job` block.
    MissingJob = "jobspec::schema::missing_job", Error;
    /// An attribute the block does not define.
    UnknownAttribute = "jobspec::schema::unknown_attribute", Error;
    /// A block type the enclosing block does not define.
    UnknownBlock = "jobspec::schema::unknown_block", Error;
    /// A block was written where an attribute is expected.
    ExpectedAttribute = "jobspec::schema::expected_attribute", Error;
    /// An attribute was written where a block is expected.
    ExpectedBlock = "jobspec::schema::expected_block", Error;
    /// A block that may appear once appears again.
    DuplicateBlock = "jobspec::schema::duplicate_block", Error;
    /// A key appears twice in one map (a labelled block, or `env {}` beside `env = {}`).
    DuplicateKey = "jobspec::schema::duplicate_key", Error;
    /// A block lacks its label.
    MissingLabel = "jobspec::schema::missing_label", Error;
    /// A block has more labels than it takes.
    ExtraLabel = "jobspec::schema::extra_label", Error;
    /// A required attribute is missing.
    MissingAttribute = "jobspec::schema::missing_attribute", Error;
    /// A label Nomad rejects, such as `scaling "disk"`.
    InvalidLabel = "jobspec::schema::invalid_label", Error;
    /// A value Nomad's parser rejects, such as a vertical type in a group `scaling` block.
    InvalidValue = "jobspec::schema::invalid_value", Error;
    /// An attribute Nomad's parser accepts but silently ignores.
    IgnoredAttribute = "jobspec::schema::ignored_attribute", Warning;
    /// A value has the wrong type.
    TypeMismatch = "jobspec::type::mismatch", Error;
    /// A number is not whole, or out of range for its field.
    NumberRange = "jobspec::type::number_range", Error;
    /// A duration string is not in Go's syntax.
    InvalidDuration = "jobspec::type::invalid_duration", Error;
    /// A `type` that is not a type constraint.
    InvalidType = "jobspec::variable::invalid_type", Error;
    /// A variable with no default and no value given.
    UnsetVariable = "jobspec::variable::unset", Error;
    /// A variable value that fails its type or its validation.
    InvalidVariableValue = "jobspec::variable::invalid_value", Error;
    /// Locals that refer to each other in a cycle.
    LocalCycle = "jobspec::variable::local_cycle", Error;
    /// A reference to an undeclared variable or local, or to a missing attribute.
    UnknownReference = "jobspec::eval::unknown_reference", Error;
    /// A reference where none is allowed (variable defaults, var files).
    InvalidReference = "jobspec::eval::invalid_reference", Error;
    /// An index out of range, or a missing map key.
    InvalidIndex = "jobspec::eval::invalid_index", Error;
    /// An operation with no result, such as a division by zero.
    InvalidOperation = "jobspec::eval::invalid_operation", Error;
    /// A call of a function that does not exist.
    UnknownFunction = "jobspec::eval::unknown_function", Error;
    /// A function called with the wrong number or kind of arguments.
    FunctionCall = "jobspec::eval::function", Error;
    /// Evaluation exceeded a limit (steps, collection size, string size).
    EvalLimit = "jobspec::eval::limit", Error;
    /// A job ID that is empty or holds a space.
    JobId = "jobspec::job::invalid_id", Error;
    /// A job type other than service, batch, system or sysbatch.
    JobType = "jobspec::job::invalid_type", Error;
    /// A job priority outside 1 to 100.
    JobPriority = "jobspec::job::priority", Error;
    /// A job without groups.
    NoGroups = "jobspec::job::no_groups", Error;
    /// Two groups with one name.
    DuplicateGroup = "jobspec::group::duplicate_name", Error;
    /// A negative group count.
    GroupCount = "jobspec::group::count", Error;
    /// A group without tasks.
    NoTasks = "jobspec::group::no_tasks", Error;
    /// A group whose every task is a lifecycle hook.
    NoMainTask = "jobspec::group::no_main_task", Error;
    /// Two tasks of a group with one name.
    DuplicateTask = "jobspec::task::duplicate_name", Error;
    /// A task name Nomad rejects.
    TaskName = "jobspec::task::invalid_name", Error;
    /// A task without a driver.
    MissingDriver = "jobspec::task::missing_driver", Error;
    /// More than one leader task in a group.
    TaskLeader = "jobspec::task::leader", Error;
    /// A lifecycle hook other than prestart, poststart or poststop.
    LifecycleHook = "jobspec::task::lifecycle_hook", Error;
    /// A port label that is empty or cannot name an environment variable.
    InvalidPortLabel = "jobspec::network::invalid_port_label", Error;
    /// Port labels that differ only in case.
    PortLabelCollision = "jobspec::network::port_label_collision", Error;
    /// A port label defined twice in a group.
    DuplicatePortLabel = "jobspec::network::duplicate_port_label", Error;
    /// A static port reserved twice on one host network.
    DuplicateStaticPort = "jobspec::network::duplicate_static_port", Error;
    /// A port number out of range.
    PortRange = "jobspec::network::port_range", Error;
    /// `ignore_collision` outside host mode.
    IgnoreCollision = "jobspec::network::ignore_collision", Error;
    /// A network hostname that is not a DNS name.
    InvalidHostname = "jobspec::network::invalid_hostname", Error;
    /// A CNI argument Nomad rejects.
    CniArgs = "jobspec::network::cni_args", Error;
    /// A `port` label (service, check, expose listener) that no `port` block defines.
    UnknownPortLabel = "jobspec::network::unknown_port_label", Error;
    /// A service name that is not an RFC 1123 label.
    InvalidServiceName = "jobspec::service::invalid_name", Error;
    /// An invalid `address_mode`, or `address` with a mode other than auto.
    AddressMode = "jobspec::service::address_mode", Error;
    /// An `on_update` other than require_healthy, ignore_warnings or ignore.
    OnUpdate = "jobspec::service::on_update", Error;
    /// A provider other than consul or nomad.
    Provider = "jobspec::service::provider", Error;
    /// A Consul service kind Nomad does not allow.
    ServiceKind = "jobspec::service::kind", Error;
    /// Services of a group that are not unique.
    DuplicateService = "jobspec::service::duplicate", Error;
    /// Group services with different providers.
    MixedProviders = "jobspec::service::mixed_providers", Error;
    /// A service `task` that is not its task, or no task of the group.
    ServiceTask = "jobspec::service::task", Error;
    /// An unknown check type.
    CheckType = "jobspec::check::invalid_type", Error;
    /// An HTTP check without a relative path.
    CheckPath = "jobspec::check::path", Error;
    /// A check interval or timeout missing or under 1s.
    CheckInterval = "jobspec::check::interval", Error;
    /// A check that needs a port and has none.
    CheckPort = "jobspec::check::missing_port", Error;
    /// A TCP check on a Connect sidecar service.
    CheckTcpOnConnect = "jobspec::check::tcp_on_connect", Error;
    /// `expose` on a check that cannot be exposed.
    CheckExpose = "jobspec::check::expose", Error;
    /// Check notes longer than 255 characters.
    CheckNotes = "jobspec::check::notes", Error;
    /// A check that names no task of the group, or a script check without a task.
    CheckTask = "jobspec::check::task", Error;
    /// A check setting Nomad rejects: initial status, address mode, counters, `check_restart`,
    /// and settings only Consul checks support.
    CheckSettings = "jobspec::check::settings", Error;
    /// Two checks of a service with one name.
    DuplicateCheck = "jobspec::check::duplicate_name", Warning;
    /// A `connect` block that is not exactly one of sidecar, native and gateway.
    ConnectExclusive = "jobspec::connect::exclusive", Error;
    /// A Connect group without exactly one bridge or CNI network.
    ConnectNetwork = "jobspec::connect::network", Error;
    /// Uppercase characters in a Connect service or group name.
    ConnectUppercase = "jobspec::connect::uppercase", Error;
    /// `connect` in a task-level service.
    ConnectTaskService = "jobspec::connect::task_service", Error;
    /// A Connect Native service without a port or an unambiguous task.
    ConnectNative = "jobspec::connect::native", Error;
    /// `connect` in a service with `provider = "nomad"`.
    ConnectProvider = "jobspec::connect::provider_nomad", Error;
    /// A `connect-proxy:<service>` task Nomad rejects.
    ProxyTask = "jobspec::connect::proxy_task", Error;
    /// A gateway configuration Nomad rejects: not exactly one of ingress, terminating and
    /// mesh, or invalid listeners, services, bind addresses or proxy settings.
    GatewayConfig = "jobspec::gateway::config", Error;
    /// A mesh gateway service without a port.
    GatewayPort = "jobspec::gateway::port", Error;
    /// A transparent proxy setting Nomad rejects.
    TransparentProxy = "jobspec::connect::transparent_proxy", Error;
    /// Two upstreams of a group on one listener address.
    UpstreamListener = "jobspec::upstream::duplicate_listener", Error;
    /// An upstream without a destination.
    UpstreamDestination = "jobspec::upstream::missing_destination", Error;
    /// An upstream with both a port and a socket, or neither.
    UpstreamBind = "jobspec::upstream::bind", Error;
    /// An invalid `local_bind_socket_mode`.
    UpstreamSocketMode = "jobspec::upstream::socket_mode", Error;
    /// An upstream with both `destination_peer` and `datacenter`.
    UpstreamPeerDatacenter = "jobspec::upstream::peer_datacenter", Error;
    /// An unknown `mesh_gateway` mode.
    UpstreamMeshGatewayMode = "jobspec::upstream::mesh_gateway_mode", Error;
    /// An unknown `destination_type`.
    UpstreamDestinationType = "jobspec::upstream::destination_type", Error;
    /// An upstream listener on a port the group already uses.
    UpstreamPortClash = "jobspec::upstream::port_clash", Error;
    /// Upstreams whose names give the same environment variable.
    UpstreamEnvCollision = "jobspec::upstream::env_collision", Error;
    /// An upstream whose destination no job of a closed set registers.
    UnknownDestination = "jobspec::upstream::unknown_destination", Error;
    /// A `NOMAD_UPSTREAM_*` reference to no upstream of the group.
    UnknownUpstreamReference = "jobspec::reference::unknown_upstream", Error;
    /// A `NOMAD_PORT_*`-style reference to no port of the group.
    UnknownPortReference = "jobspec::reference::unknown_port", Error;
    /// A datacenter name that is empty.
    JobDatacenter = "jobspec::job::datacenter", Error;
    /// A UI description over 1000 characters.
    JobUi = "jobspec::job::ui", Error;
    /// A block or setting the job's type does not allow (update in a batch job, affinity in a
    /// system job, periodic in a service job, ...).
    SchedulerBlock = "jobspec::job::scheduler", Error;
    /// An invalid `parameterized` block.
    Parameterized = "jobspec::job::parameterized", Error;
    /// An invalid constraint.
    Constraint = "jobspec::placement::constraint", Error;
    /// An invalid affinity.
    Affinity = "jobspec::placement::affinity", Error;
    /// An invalid spread.
    Spread = "jobspec::placement::spread", Error;
    /// An invalid update strategy, after defaults and the job's strategy are merged.
    UpdateStrategy = "jobspec::group::update", Error;
    /// An invalid restart policy, after the job type's defaults are merged.
    RestartPolicy = "jobspec::group::restart", Error;
    /// An invalid scaling policy, or a count outside its bounds.
    Scaling = "jobspec::group::scaling", Error;
    /// An invalid migrate strategy.
    Migrate = "jobspec::group::migrate", Error;
    /// An invalid disconnect strategy.
    Disconnect = "jobspec::group::disconnect", Error;
    /// An invalid reschedule policy.
    Reschedule = "jobspec::group::reschedule", Error;
    /// An invalid artifact.
    Artifact = "jobspec::task::artifact", Error;
    /// An invalid vault block.
    Vault = "jobspec::task::vault", Error;
    /// An ephemeral disk under 10 MB.
    EphemeralDisk = "jobspec::group::ephemeral_disk", Error;
    /// A negative duration where Nomad needs a positive one.
    NegativeDuration = "jobspec::time::negative", Error;
    /// Invalid task resources.
    Resources = "jobspec::task::resources", Error;
    /// Log settings that do not fit.
    Logs = "jobspec::task::logs", Error;
    /// An invalid template.
    Template = "jobspec::task::template", Error;
    /// A volume mount of a volume the group does not declare.
    VolumeMount = "jobspec::task::volume_mount", Error;
    /// A duplicate secret, or a Vault secret without a vault block.
    Secret = "jobspec::task::secret", Error;
    /// Two actions of a task with one name.
    Action = "jobspec::task::action", Error;
    /// An invalid `csi_plugin` block.
    CsiPlugin = "jobspec::task::csi_plugin", Error;
    /// A kill timeout longer than the deployment's progress deadline.
    KillTimeout = "jobspec::task::kill_timeout", Error;
    /// An attribute current Nomad removed or deprecated.
    Deprecated = "jobspec::deprecated::attribute", Warning;
    /// `sidecar_service.port` names a static port: Nomad adds a dynamic one with the same label.
    SidecarStaticPort = "jobspec::connect::sidecar_static_port", Error;
    /// Two sidecar services of a group with the same name: they would share one sidecar.
    SidecarShared = "jobspec::connect::sidecar_shared", Error;
    /// A `${...}` reference in a task's `env` that only resolves on a Nomad client, or not at all.
    RenderUnresolved = "jobspec::render::unresolved", Warning;
    /// A service or check port that the allocation does not have, so Nomad's client would
    /// refuse to register it.
    RenderPort = "jobspec::render::port", Error;
    /// A group whose task environments exceed the render's budget ([`crate::render::MAX_ENV_VARS`]).
    RenderTooLarge = "jobspec::render::too_large", Error;
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Code {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// How many names help and messages list before saying how many more there are.
const LISTED: usize = 12;

/// Names joined with `sep` for a message or help: the first [`LISTED`], then how many more,
/// so a finding's text does not grow with the size of the job.
pub(crate) fn list_names<'a>(
    names: impl IntoIterator<Item = &'a str, IntoIter: ExactSizeIterator>,
    sep: &str,
) -> String {
    let names = names.into_iter();
    let more = names.len().saturating_sub(LISTED);
    let mut out: Vec<String> = names.take(LISTED).map(str::to_owned).collect();
    if more > 0 {
        out.push(format!("and {more} more"));
    }
    out.join(sep)
}

/// A secondary place a diagnostic points at.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Label {
    /// Where.
    pub span: Span,
    /// What is there.
    pub message: String,
}

/// One finding: what is wrong, where, and how to fix it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    /// The stable code.
    pub code: Code,
    /// How serious it is (the code's default unless changed).
    pub severity: Severity,
    /// What is wrong, in one sentence.
    pub message: String,
    /// The primary place.
    pub span: Span,
    /// What the primary place shows, e.g. "expected a number".
    pub label: String,
    /// How to fix it.
    pub help: Option<String>,
    /// Other places that matter, such as the first of two duplicate blocks.
    pub related: Vec<Label>,
}

impl Diagnostic {
    /// A finding with `code`'s severity at `span`.
    pub fn new(code: Code, span: Span, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            code,
            severity: code.severity(),
            message: message.into(),
            span,
            label: String::new(),
            help: None,
            related: Vec::new(),
        }
    }

    /// Sets the primary label.
    #[must_use]
    pub fn with_label(mut self, label: impl Into<String>) -> Diagnostic {
        self.label = label.into();
        self
    }

    /// Sets the help text.
    #[must_use]
    pub fn with_help(mut self, help: impl Into<String>) -> Diagnostic {
        self.help = Some(help.into());
        self
    }

    /// Adds a secondary label.
    #[must_use]
    pub fn with_related(mut self, span: Span, message: impl Into<String>) -> Diagnostic {
        self.related.push(Label {
            span,
            message: message.into(),
        });
        self
    }

    /// Whether this finding fails a check.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// Every label, the primary one first.
    pub fn labels(&self) -> impl Iterator<Item = Label> + '_ {
        std::iter::once(Label {
            span: self.span,
            message: self.label.clone(),
        })
        .chain(self.related.iter().cloned())
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Diagnostic {}

impl miette::Diagnostic for Diagnostic {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(self.code))
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.severity {
            Severity::Advice => miette::Severity::Advice,
            Severity::Warning => miette::Severity::Warning,
            Severity::Error => miette::Severity::Error,
        })
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = miette::LabeledSpan> + '_>> {
        let primary = miette::LabeledSpan::new_primary_with_span(
            (!self.label.is_empty()).then(|| self.label.clone()),
            self.span,
        );
        let related = self
            .related
            .iter()
            .map(|l| miette::LabeledSpan::new_with_span(Some(l.message.clone()), l.span));
        Some(Box::new(std::iter::once(primary).chain(related)))
    }
}

/// Every diagnostic of one source, with the source, as one error.
///
/// This is the error of [`parse`](crate::parse()). It implements [`miette::Diagnostic`], with each
/// finding as a related diagnostic, so `miette` renders all of them with source snippets.
#[derive(Clone, Debug)]
pub struct Report {
    source: SourceFile,
    diagnostics: Vec<Diagnostic>,
}

impl Report {
    /// A report of `diagnostics` found in `source`.
    pub fn new(source: SourceFile, diagnostics: Vec<Diagnostic>) -> Report {
        Report {
            source,
            diagnostics,
        }
    }

    /// The source the findings point into.
    pub fn source(&self) -> &SourceFile {
        &self.source
    }

    pub(crate) fn push(&mut self, diagnostic: Diagnostic) {
        self.diagnostics.push(diagnostic);
    }

    /// Puts the findings in source order.
    pub(crate) fn sort(&mut self) {
        self.diagnostics.sort_by_key(|d| d.span.start);
    }

    /// The findings, in source order.
    pub fn diagnostics(&self) -> &[Diagnostic] {
        &self.diagnostics
    }

    /// The number of findings of severity error.
    pub fn error_count(&self) -> usize {
        self.diagnostics.iter().filter(|d| d.is_error()).count()
    }

    /// Renders every finding as miette's graphical report, without colour when `color` is false.
    #[cfg(feature = "fancy")]
    pub fn render(&self, color: bool) -> String {
        self.render_first(color, usize::MAX)
    }

    /// Renders the first `max` findings as miette's graphical report, without colour when
    /// `color` is false.
    ///
    /// Each snippet is read from the lines around it, found through a line index, so the time
    /// taken grows with the number of findings shown, not with that times the file's size.
    #[cfg(feature = "fancy")]
    pub fn render_first(&self, color: bool, max: usize) -> String {
        let theme = if color {
            miette::GraphicalTheme::unicode()
        } else {
            miette::GraphicalTheme::unicode_nocolor()
        };
        let handler = miette::GraphicalReportHandler::new_themed(theme).with_width(100);
        let source = Snippets::new(&self.source);
        let mut out = String::new();
        for (i, diagnostic) in self.diagnostics.iter().take(max).enumerate() {
            if i > 0 {
                out.push('\n');
            }
            let with_source = WithSource {
                diagnostic,
                source: &source,
            };
            // Writing to a String cannot fail.
            let _ = handler.render_report(&mut out, &with_source);
        }
        out
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let errors = self.error_count();
        let noun = if errors == 1 { "error" } else { "errors" };
        write!(f, "{}: {errors} {noun}", self.source.name())?;
        if let Some(first) = self.diagnostics.iter().find(|d| d.is_error()) {
            let at = self.source.line_col(first.span.start);
            write!(f, "; first at {}:{}: {}", at.line, at.column, first.message)?;
        }
        Ok(())
    }
}

impl std::error::Error for Report {}

impl miette::Diagnostic for Report {
    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        Some(self.source.text_source())
    }

    fn related<'a>(&'a self) -> Option<Box<dyn Iterator<Item = &'a dyn miette::Diagnostic> + 'a>> {
        Some(Box::new(
            self.diagnostics
                .iter()
                .map(|d| d as &dyn miette::Diagnostic),
        ))
    }
}

/// One diagnostic with its source, so a miette handler can render it on its own.
#[cfg(feature = "fancy")]
struct WithSource<'a> {
    diagnostic: &'a Diagnostic,
    source: &'a Snippets<'a>,
}

/// Longest snippet miette is given, in bytes; a longer one (a very long line, a label over a
/// large block) is cut to the part around the label's start.
#[cfg(feature = "fancy")]
const MAX_SNIPPET: usize = 16 * 1024;

/// A source for miette that reads each snippet from the lines around it instead of scanning
/// the text from its start, as miette's `str` source does.
///
/// Its snippets are the ones miette's would be: the window of lines handed to miette starts
/// at a line start, and line numbers are shifted by the lines before it.
#[cfg(feature = "fancy")]
struct Snippets<'a> {
    name: &'a str,
    text: &'a str,
    /// Where each line starts, as miette counts lines: `\n`, `\r\n` and a lone `\r` end one.
    starts: Vec<usize>,
}

#[cfg(feature = "fancy")]
impl<'a> Snippets<'a> {
    fn new(source: &'a SourceFile) -> Snippets<'a> {
        let bytes = source.text().as_bytes();
        let mut starts = vec![0];
        let mut i = 0;
        while i < bytes.len() {
            match bytes[i] {
                b'\r' if bytes.get(i + 1) == Some(&b'\n') => {
                    i += 1;
                    starts.push(i + 1);
                }
                b'\n' | b'\r' => starts.push(i + 1),
                _ => {}
            }
            i += 1;
        }
        Snippets {
            name: source.name(),
            text: source.text(),
            starts,
        }
    }

    /// The line holding byte `offset`, counted from 0.
    fn line(&self, offset: usize) -> usize {
        self.starts.partition_point(|&s| s <= offset) - 1
    }

    /// Where line `line` starts, or the end of the text past the last line.
    fn start(&self, line: usize) -> usize {
        self.starts.get(line).copied().unwrap_or(self.text.len())
    }

    fn contents<'b>(
        &'b self,
        data: &'b str,
        at: usize,
        line: usize,
        column: usize,
        line_count: usize,
    ) -> Box<dyn miette::SpanContents<'b> + 'b> {
        Box::new(
            miette::MietteSpanContents::new_named(
                self.name.to_owned(),
                data.as_bytes(),
                (at, data.len()).into(),
                line,
                column,
                line_count,
            )
            .with_language("HCL"),
        )
    }
}

#[cfg(feature = "fancy")]
impl miette::SourceCode for Snippets<'_> {
    fn read_span<'b>(
        &'b self,
        span: &miette::SourceSpan,
        before: usize,
        after: usize,
    ) -> Result<Box<dyn miette::SpanContents<'b> + 'b>, miette::MietteError> {
        let start = span.offset();
        let end = start + span.len();
        if end > self.text.len() {
            // Out of range: miette's own reading decides.
            let contents = self.text.read_span(span, before, after)?;
            let data = std::str::from_utf8(contents.data()).unwrap_or("");
            let at = contents.span().offset();
            let (line, column, count) = (contents.line(), contents.column(), contents.line_count());
            return Ok(self.contents(data, at, line, column, count));
        }
        let first = self.line(start).saturating_sub(before);
        let last = self.line(end.saturating_sub(1).max(start)) + after + 2;
        let (lo, hi) = (self.start(first), self.start(last + 1));
        if hi - lo <= MAX_SNIPPET {
            let window = &self.text[lo..hi];
            let local = miette::SourceSpan::from((start - lo, span.len()));
            let contents = window.read_span(&local, before, after)?;
            let data = std::str::from_utf8(contents.data()).unwrap_or("");
            let at = lo + contents.span().offset();
            let line = first + contents.line();
            let count = first + contents.line_count();
            return Ok(self.contents(data, at, line, contents.column(), count));
        }
        // Too long to show whole: the part of the label's line from a little before it.
        let line = self.line(start);
        let mut a = start.saturating_sub(256).max(self.start(line));
        while !self.text.is_char_boundary(a) {
            a -= 1;
        }
        let mut b = (a + MAX_SNIPPET).min(self.text.len());
        while !self.text.is_char_boundary(b) {
            b -= 1;
        }
        let column = if before == 0 {
            start - self.start(line)
        } else {
            0
        };
        let count = self.line(b);
        Ok(self.contents(&self.text[a..b], a, line, column, count))
    }
}

#[cfg(feature = "fancy")]
impl fmt::Debug for WithSource<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.diagnostic.fmt(f)
    }
}

#[cfg(feature = "fancy")]
impl fmt::Display for WithSource<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.diagnostic.fmt(f)
    }
}

#[cfg(feature = "fancy")]
impl std::error::Error for WithSource<'_> {}

#[cfg(feature = "fancy")]
impl miette::Diagnostic for WithSource<'_> {
    fn code<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        miette::Diagnostic::code(self.diagnostic)
    }

    fn severity(&self) -> Option<miette::Severity> {
        miette::Diagnostic::severity(self.diagnostic)
    }

    fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        miette::Diagnostic::help(self.diagnostic)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = miette::LabeledSpan> + '_>> {
        miette::Diagnostic::labels(self.diagnostic)
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        Some(self.source)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_namespaced_and_unique() {
        let mut seen = std::collections::HashSet::new();
        for code in Code::ALL {
            let s = code.as_str();
            assert!(
                s.starts_with("jobspec::") && s.split("::").count() == 3,
                "{s}"
            );
            assert!(seen.insert(s), "duplicate code {s}");
        }
    }

    /// Renders `diagnostic` against the whole text, as miette's own `str` source does.
    #[cfg(feature = "fancy")]
    fn render_whole(source: &SourceFile, diagnostic: &Diagnostic) -> String {
        struct Whole<'a>(&'a Diagnostic, miette::NamedSource<String>);
        impl fmt::Debug for Whole<'_> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }
        impl fmt::Display for Whole<'_> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }
        impl std::error::Error for Whole<'_> {}
        impl miette::Diagnostic for Whole<'_> {
            fn labels(&self) -> Option<Box<dyn Iterator<Item = miette::LabeledSpan> + '_>> {
                miette::Diagnostic::labels(self.0)
            }
            fn code<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
                miette::Diagnostic::code(self.0)
            }
            fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
                miette::Diagnostic::help(self.0)
            }
            fn source_code(&self) -> Option<&dyn miette::SourceCode> {
                Some(&self.1)
            }
        }
        let handler =
            miette::GraphicalReportHandler::new_themed(miette::GraphicalTheme::unicode_nocolor())
                .with_width(100);
        let named =
            miette::NamedSource::new(source.name(), source.text().to_owned()).with_language("HCL");
        let mut out = String::new();
        let _ = handler.render_report(&mut out, &Whole(diagnostic, named));
        out
    }

    #[test]
    #[cfg(feature = "fancy")]
    fn snippets_render_as_the_whole_text_does() {
        // Lines ended by \n, \r\n and a lone \r; multi-byte characters; an empty line.
        let text = "job \"x\" {\r\n  a = 1\n\n  b = \"é\u{1F600}\"\r  c = [\n    1,\n    2,\n  ]\n}\n# end";
        let source = SourceFile::new("t.hcl", text);
        let bounds: Vec<usize> = (0..=text.len())
            .filter(|&i| text.is_char_boundary(i))
            .collect();
        let mut seed: u64 = 7;
        let mut next = |n: usize| {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (seed >> 33) as usize % n
        };
        for _ in 0..400 {
            let a = bounds[next(bounds.len())];
            let b = bounds[next(bounds.len())];
            let c = bounds[next(bounds.len())];
            let (start, end) = (a.min(b), a.max(b));
            let mut d =
                Diagnostic::new(Code::Syntax, Span::new(start, end), "m").with_label("here");
            if next(2) == 0 {
                d = d.with_related(Span::new(c, c), "also");
            }
            let report = Report::new(source.clone(), vec![d.clone()]);
            assert_eq!(
                report.render(false),
                render_whole(&source, &d),
                "{start}..{end}, {c}"
            );
        }
    }

    #[test]
    #[cfg(feature = "fancy")]
    fn a_huge_snippet_is_cut() {
        let long = "x".repeat(1 << 20);
        let text = format!(
            "a = \"{long}\"\nb = {{\n{}}}\n",
            "  c = 1\n".repeat(100_000)
        );
        let source = SourceFile::new("t.hcl", text.clone());
        let block = text.find("b = {").unwrap();
        let findings = vec![
            Diagnostic::new(Code::Syntax, Span::new(4, 4 + long.len() + 2), "long line"),
            Diagnostic::new(
                Code::Syntax,
                Span::new(text.len() - 10, text.len() - 9),
                "at the end",
            ),
            Diagnostic::new(
                Code::Syntax,
                Span::new(block, text.len() - 1),
                "a large block",
            ),
        ];
        let rendered = Report::new(source, findings).render(false);
        assert!(rendered.len() < 3 * 2 * MAX_SNIPPET, "{}", rendered.len());
        assert!(rendered.contains("[t.hcl:1:5]"), "{rendered}");
        assert!(rendered.contains("[t.hcl:2:1]"), "{rendered}");
    }
}
