//! Service and check rules (`Service.Validate`, `ServiceCheck.validate*`,
//! `TaskGroup.validateServices`, `validateServices(task)`), port labels included.

use std::collections::HashMap;

use super::{Checker, Group, Names, head, seen_before, suggest};
use crate::diagnostic::{Code, Diagnostic, Severity};
use crate::model::text;
use crate::model::{Duration, Service, ServiceCheck, Task, service_name, span_or};
use crate::span::{Span, Spanned};

/// Where a service is defined.
#[derive(Clone, Copy)]
enum Owner<'j> {
    Group,
    Task(&'j Spanned<Task>),
}

/// Nomad's RFC 1123 service-name rule, applied after each `${...}` becomes `ENV-VAR`.
pub(super) fn valid_service_name(name: &str) -> bool {
    let mut cleaned = String::with_capacity(name.len());
    let mut rest = name;
    while let Some(i) = rest.find("${") {
        cleaned.push_str(&rest[..i]);
        match rest[i..].find('}') {
            Some(j) => {
                cleaned.push_str("ENV-VAR");
                rest = &rest[i + j + 1..];
            }
            None => {
                rest = &rest[i..];
                break;
            }
        }
    }
    cleaned.push_str(rest);
    let bytes = cleaned.as_bytes();
    !bytes.is_empty()
        && bytes.len() <= 63
        && bytes[0].is_ascii_alphanumeric()
        && bytes[bytes.len() - 1].is_ascii_alphanumeric()
        && bytes
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || *b == b'-')
}

pub(super) fn check(cx: &mut Checker, g: &Group<'_>) {
    let group = &g.group.inner;
    let task_names: Names<'_> = group.tasks.iter().filter_map(|t| text(&t.name)).collect();
    let job = g.job_name;
    let group_ports = Ports {
        task: Names::default(),
        known: g.labels.clone(),
    };
    for service in &group.services {
        check_service(cx, g, service, Owner::Group, &task_names, &group_ports);
    }
    for task in &group.tasks {
        if !task.services.is_empty() {
            let task_ports: Names<'_> = task
                .resources
                .iter()
                .flat_map(|r| r.networks.iter().flat_map(super::ports))
                .map(|p| p.label.inner.as_str())
                .collect();
            let ports = Ports {
                known: g
                    .labels
                    .list
                    .iter()
                    .chain(&task_ports.list)
                    .copied()
                    .collect(),
                task: task_ports,
            };
            for service in &task.services {
                check_service(cx, g, service, Owner::Task(task), &task_names, &ports);
            }
        }
        // Two services of one task with the same name and port.
        let mut seen: HashMap<(String, Option<&str>), Span> = HashMap::new();
        for service in &task.services {
            let name = service_name(job, g.name, text(&task.name), service);
            let port = text(&service.port_label);
            let at = head(service.span, "service");
            if let Some(first) = seen_before(&mut seen, (name.clone(), port), at) {
                cx.push(
                    Diagnostic::new(
                        Code::DuplicateService,
                        head(service.span, "service"),
                        format!("service {name:?} is duplicate"),
                    )
                    .with_label("second definition")
                    .with_related(first, "first defined here")
                    .with_help("give the services different names or ports"),
                );
            }
        }
    }
    // Group services: unique by (name, task, port); the same name twice is suspicious too.
    let mut seen: HashMap<(String, Option<&str>, Option<&str>), Span> = HashMap::new();
    let mut seen_name: HashMap<String, Span> = HashMap::new();
    for service in &group.services {
        let name = service_name(job, g.name, None, service);
        let task = text(&service.task_name);
        let port = text(&service.port_label);
        let at = head(service.span, "service");
        let first_name = seen_before(&mut seen_name, name.clone(), at);
        if let Some(first) = seen_before(&mut seen, (name.clone(), task, port), at) {
            cx.push(
                Diagnostic::new(
                    Code::DuplicateService,
                    at,
                    format!(
                        "Services are not unique: [{}->{name}{}]",
                        task.unwrap_or("group"),
                        port.map(|p| format!(":{p}")).unwrap_or_default()
                    ),
                )
                .with_label("second definition")
                .with_related(first, "first defined here")
                .with_help("give the services different names or ports"),
            );
        } else if let Some(first) = first_name {
            let mut d = Diagnostic::new(
                Code::DuplicateService,
                at,
                format!("the group registers the service {name:?} twice, on different ports"),
            )
            .with_label("same name again")
            .with_related(first, "first registered here")
            .with_help("Consul sees one service with two instances per allocation; give them different names unless that is intended");
            d.severity = Severity::Warning;
            cx.push(d);
        }
    }
    // One provider per group.
    let providers: Vec<(&str, Span)> = group
        .services
        .iter()
        .map(|s| {
            (
                text(&s.provider).unwrap_or("consul"),
                span_or(&s.provider, head(s.span, "service")),
            )
        })
        .collect();
    if let Some((_, at)) = providers.iter().find(|(p, _)| *p != providers[0].0) {
        cx.push(
            Diagnostic::new(
                Code::MixedProviders,
                *at,
                "Multiple service providers used: task group services must use the same provider",
            )
            .with_label("a different provider")
            .with_related(providers[0].1, "the first service's provider")
            .with_help("use `provider = \"consul\"` or `\"nomad\"` for every service of the group"),
        );
    }
}

fn check_service(
    cx: &mut Checker,
    g: &Group<'_>,
    service: &Spanned<Service>,
    owner: Owner<'_>,
    tasks: &Names<'_>,
    ports: &Ports<'_>,
) {
    let at = head(service.span, "service");
    let task_name = match owner {
        Owner::Group => None,
        Owner::Task(t) => text(&t.name),
    };
    let name = service_name(g.job_name, g.name, task_name, service);
    if !valid_service_name(&name) {
        cx.report(
            Code::InvalidServiceName,
            span_or(&service.name, at),
            format!("Service name must be valid per RFC 1123 and can contain only alphanumeric characters or dashes and must be no longer than 63 characters: {name:?}"),
            if service.name.is_some() { "invalid name" } else { "the default name, from the job and group names, is invalid" },
            "use 1 to 63 letters, digits and dashes, starting and ending with a letter or digit",
        );
    }
    let mode = text(&service.address_mode);
    if let Some(mode_value) = mode {
        let allowed: &[&str] = match owner {
            Owner::Group => &["auto", "host", "alloc", "alloc_ipv6"],
            Owner::Task(_) => &["auto", "host", "driver"],
        };
        if !["auto", "host", "driver", "alloc", "alloc_ipv6"].contains(&mode_value) {
            cx.report(
                Code::AddressMode,
                span_or(&service.address_mode, at),
                format!("Service address_mode must be \"auto\", \"host\", or \"driver\"; not {mode_value:?}"),
                "unknown address mode",
                suggest(mode_value, allowed, || format!("use one of {}", allowed.join(", "))),
            );
        } else if !allowed.contains(&mode_value) {
            let message = match owner {
                Owner::Group => format!(
                    "service {name:?} cannot use address_mode=\"driver\", only services defined in a \"task\" block can use this mode"
                ),
                Owner::Task(_) => format!(
                    "service {name:?} cannot use address_mode={mode_value:?}, only services defined in a \"group\" block can use this mode"
                ),
            };
            cx.report(
                Code::AddressMode,
                span_or(&service.address_mode, at),
                message,
                "not allowed here",
                format!("use one of {}", allowed.join(", ")),
            );
        }
    }
    if service.address.is_some() && mode.is_some_and(|m| m != "auto") {
        cx.report(
            Code::AddressMode,
            span_or(&service.address, at),
            "Service address_mode must be \"auto\" if address is set",
            "an explicit address",
            "remove `address_mode`, or remove `address`",
        );
    }
    if let Some(on_update) = &service.on_update {
        check_on_update(cx, on_update, "Service");
    }
    let provider = text(&service.provider).unwrap_or("consul");
    if !["consul", "nomad"].contains(&provider) {
        cx.report(
            Code::Provider,
            span_or(&service.provider, at),
            format!("Service provider must be \"consul\", or \"nomad\"; not {provider:?}"),
            "unknown provider",
            suggest(provider, &["consul", "nomad"], || {
                "use \"consul\" or \"nomad\"".to_owned()
            }),
        );
    }
    if provider == "nomad" {
        if let Some(connect) = &service.connect {
            cx.report(
                Code::ConnectProvider,
                head(connect.span, "connect"),
                "Service with provider nomad cannot include Connect blocks",
                "Connect needs Consul",
                "remove `connect`, or use `provider = \"consul\"`",
            );
        }
    }
    if let Some(kind) = &service.kind {
        const KINDS: &[&str] = &[
            "",
            "api-gateway",
            "ingress-gateway",
            "mesh-gateway",
            "terminating-gateway",
        ];
        if !KINDS.contains(&kind.as_str()) {
            cx.report(
                Code::ServiceKind,
                kind.span,
                format!("Service {name} kind must be one of consul service kind or empty"),
                "unknown kind",
                suggest(kind, KINDS, || {
                    format!("use one of {}", KINDS[1..].join(", "))
                }),
            );
        }
    }
    if let Owner::Task(task) = owner {
        if let Some(connect) = &service.connect {
            cx.report(
                Code::ConnectTaskService,
                head(connect.span, "connect"),
                format!("service {name:?} cannot have \"connect\" block, only services defined in a \"group\" block can"),
                "in a task service",
                "move the service, with its `connect` block, to the group",
            );
        }
        if let (Some(t), Some(own)) = (&service.task_name, text(&task.name)) {
            if t.as_str() != own {
                cx.report(
                    Code::ServiceTask,
                    t.span,
                    format!("Service {name} is invalid: may only specify task the service belongs to, got {:?}", t.inner),
                    "another task",
                    format!("remove `task`, or set it to {own:?}"),
                );
            }
        }
    } else if let Some(t) = &service.task_name {
        if !t.contains("${") && !tasks.contains(t) {
            let help = cx.suggest(t, tasks, || {
                format!("the group's tasks: {}", tasks.listed(", "))
            });
            cx.report(
                Code::ServiceTask,
                t.span,
                format!("Service {name} refers to non-existent task {}", t.inner),
                "no such task in the group",
                help,
            );
        }
    }
    // The service's port label.
    if let Some(port) = &service.port_label {
        check_port_label(cx, g, port, ports, &format!("service {name:?}"));
    }
    let sidecar = service
        .connect
        .as_ref()
        .is_some_and(|c| c.sidecar_service.is_some());
    let mut check_names: HashMap<String, Span> = HashMap::new();
    for check in &service.checks {
        check_check(cx, g, service, check, &name, owner, tasks, sidecar, ports);
        let check_name =
            text(&check.name).map_or_else(|| format!("service: {name:?} check"), str::to_owned);
        let at = span_or(&check.name, head(check.span, "check"));
        if let Some(first) = seen_before(&mut check_names, check_name.clone(), at) {
            let mut d = Diagnostic::new(Code::DuplicateCheck, at, format!("the service {name:?} has two checks named {check_name:?}"))
                .with_label("second check of this name")
                .with_related(first, "first check")
                .with_help("give each check a `name` that says what it checks: Consul and the UI show both under one name");
            d.severity = Severity::Warning;
            cx.push(d);
        }
    }
}

pub(super) fn check_on_update(cx: &mut Checker, on_update: &Spanned<String>, what: &str) {
    const ON_UPDATE: &[&str] = &["require_healthy", "ignore_warnings", "ignore"];
    if !ON_UPDATE.contains(&on_update.as_str()) {
        cx.report(
            Code::OnUpdate,
            on_update.span,
            format!("{what} on_update must be \"require_healthy\", \"ignore_warnings\", or \"ignore\"; not {:?}", on_update.inner),
            "unknown value",
            suggest(on_update, ON_UPDATE, || "use require_healthy, ignore_warnings or ignore".to_owned()),
        );
    }
}

/// The port labels a service or check may use.
struct Ports<'a> {
    /// The labels of its task's own (deprecated) networks.
    task: Names<'a>,
    /// Those and the group's.
    known: Names<'a>,
}

/// A service or check `port`: a literal number, or a label of the group's (or the task's)
/// networks.
fn check_port_label(
    cx: &mut Checker,
    g: &Group<'_>,
    port: &Spanned<String>,
    ports: &Ports<'_>,
    what: &str,
) {
    if port.parse::<u16>().is_ok()
        || port.contains("${")
        || g.port(port).is_some()
        || ports.task.contains(port)
    {
        return;
    }
    let known = &ports.known;
    let help = cx.suggest(port, known, || {
        if known.is_empty() {
            "the group defines no port: add `port \"<label>\" {}` to its `network`, or use a literal port number".to_owned()
        } else {
            format!("the defined ports: {}", known.listed(", "))
        }
    });
    cx.push(
        Diagnostic::new(
            Code::UnknownPortLabel,
            port.span,
            format!(
                "port label {:?} referenced by {what} does not exist",
                port.inner
            ),
        )
        .with_label("no port block has this label")
        .with_help(help),
    );
}

#[allow(clippy::too_many_arguments)]
fn check_check(
    cx: &mut Checker,
    g: &Group<'_>,
    service: &Spanned<Service>,
    check: &Spanned<ServiceCheck>,
    service_name: &str,
    owner: Owner<'_>,
    tasks: &Names<'_>,
    sidecar: bool,
    ports: &Ports<'_>,
) {
    let at = head(check.span, "check");
    let name =
        text(&check.name).map_or_else(|| format!("service: {service_name:?} check"), str::to_owned);
    let kind = text(&check.r#type).unwrap_or("");
    let invalid = |cx: &mut Checker, code, span, message: String, label: &str, help: &str| {
        cx.report(
            code,
            span,
            format!("Check {name} invalid: {message}"),
            label,
            help,
        );
    };
    let provider = text(&service.provider).unwrap_or("consul");
    let types: &[&str] = if provider == "nomad" {
        &["http", "tcp"]
    } else {
        &["grpc", "tcp", "http", "script"]
    };
    if !types.contains(&kind) {
        invalid(
            cx,
            Code::CheckType,
            span_or(&check.r#type, at),
            format!(
                "invalid check type ({kind:?}), must be one of {}",
                types.join(", ")
            ),
            "unknown check type",
            &suggest(kind, types, || {
                format!("set `type` to one of {}", types.join(", "))
            }),
        );
        return;
    }
    if kind == "http" {
        match &check.path {
            None => invalid(
                cx,
                Code::CheckPath,
                at,
                "http type must have http path".into(),
                "no `path`",
                "add `path = \"/health\"`",
            ),
            Some(path) if path.contains("://") => invalid(
                cx,
                Code::CheckPath,
                path.span,
                "http type must have relative http path".into(),
                "an absolute URL",
                "write the path only, e.g. \"/health\"; the address comes from the service",
            ),
            Some(_) => {}
        }
    }
    for (field, value, what) in [
        (&check.interval, "interval", "Interval"),
        (&check.timeout, "timeout", "Timeout"),
    ] {
        match field {
            None => invalid(
                cx,
                Code::CheckInterval,
                at,
                format!("missing required value {value}. {what} cannot be less than 1s"),
                &format!("no `{value}`"),
                &format!("add `{value} = \"10s\"`"),
            ),
            Some(d) if d.inner < Duration::SECOND => invalid(
                cx,
                Code::CheckInterval,
                d.span,
                format!("{value} ({}) cannot be lower than 1s", d.inner),
                "too short",
                &format!("make `{value}` at least \"1s\""),
            ),
            Some(_) => {}
        }
    }
    if check.expose.as_deref() == Some(&true) {
        let expose_at = span_or(&check.expose, at);
        if !["http", "grpc"].contains(&kind) {
            invalid(
                cx,
                Code::CheckExpose,
                expose_at,
                "expose may only be set on HTTP or gRPC checks".into(),
                "not an HTTP or gRPC check",
                "remove `expose`",
            );
        } else if let Owner::Task(task) = owner {
            cx.report(
                Code::CheckExpose,
                expose_at,
                format!("exposed service check {}[{}]->{service_name}->{name} is not a task-group service", g.name, text(&task.name).unwrap_or("")),
                "in a task service",
                "expose checks of group services with a Connect sidecar",
            );
        } else if !sidecar {
            cx.report(
                Code::CheckExpose,
                expose_at,
                format!("exposed service check {}->{service_name}->{name} requires use of sidecar_proxy", g.name),
                "no sidecar to expose through",
                "add `connect { sidecar_service {} }` to the service, or remove `expose`",
            );
        }
    }
    if let Some(notes) = &check.notes {
        if notes.len() > 255 {
            invalid(
                cx,
                Code::CheckNotes,
                notes.span,
                "notes must not be longer than 255 characters".into(),
                "too long",
                "shorten the notes",
            );
        }
    }
    if ["http", "tcp", "grpc"].contains(&kind)
        && check.port_label.is_none()
        && service.port_label.is_none()
        && check.address_mode.as_deref().map(String::as_str) != Some("driver")
    {
        invalid(
            cx,
            Code::CheckPort,
            at,
            format!(
                "check requires a port but neither check nor service {service_name:?} have a port"
            ),
            "no port to check",
            "set `port` on the check or on the service",
        );
    }
    if kind == "tcp" && sidecar && provider == "consul" {
        invalid(
            cx,
            Code::CheckTcpOnConnect,
            span_or(&check.r#type, at),
            "tcp checks are not valid for Connect enabled services".into(),
            "a TCP check",
            "use an `http` or `grpc` check with `expose = true`; the sidecar already has a TCP check",
        );
    }
    if let Some(on_update) = &check.on_update {
        check_on_update(cx, on_update, "Check");
    }
    check_settings(cx, check, kind, provider, &|cx, span, message, help| {
        cx.report(
            Code::CheckSettings,
            span,
            format!("Check {name} invalid: {message}"),
            "invalid check setting",
            help,
        );
    });
    if let Some(port) = &check.port_label {
        check_port_label(cx, g, port, ports, &format!("check {name:?}"));
    }
    if let Owner::Group = owner {
        // A wrong service `task` is reported on the service; here only the check's own.
        match text(&check.task_name) {
            Some(t) if !t.contains("${") && !tasks.contains(t) => {
                let help = cx.suggest(t, tasks, || {
                    format!("the group's tasks: {}", tasks.listed(", "))
                });
                invalid(
                    cx,
                    Code::CheckTask,
                    span_or(&check.task_name, at),
                    format!("refers to non-existent task {t}"),
                    "no such task in the group",
                    &help,
                );
            }
            None if kind == "script" && service.task_name.is_none() => cx.report(
                Code::CheckTask,
                at,
                format!(
                    "Service [{}]->{service_name} or Check {name} must specify task parameter",
                    g.name
                ),
                "a script check needs a task to run in",
                "set `task` on the check or the service",
            ),
            _ => {}
        }
    }
}

/// Reports a finding about a check setting: span, message, help.
type Report<'a> = &'a dyn Fn(&mut Checker, Span, String, &str);

/// The check settings `ServiceCheck.validateCommon`, `validateConsul` and `validateNomad`
/// check, beyond type, path, interval and expose.
fn check_settings(
    cx: &mut Checker,
    check: &Spanned<ServiceCheck>,
    kind: &str,
    provider: &str,
    bad: Report<'_>,
) {
    let at = head(check.span, "check");
    if kind == "script" && check.command.as_ref().is_none_or(|c| c.is_empty()) {
        bad(
            cx,
            at,
            "script type must have a valid script path".into(),
            "set `command`",
        );
    }
    if let Some(status) = &check.initial_status {
        if !["passing", "warning", "critical", ""].contains(&status.as_str()) {
            bad(
                cx,
                status.span,
                format!(
                    "invalid initial check state ({}), must be one of \"passing\", \"warning\", \"critical\" or empty",
                    status.inner
                ),
                "use passing, warning or critical",
            );
        }
    }
    if let Some(mode) = &check.address_mode {
        if mode.as_str() == "auto" {
            bad(
                cx,
                mode.span,
                "invalid address_mode \"auto\" - auto only valid for services".into(),
                "use host, driver or alloc on a check",
            );
        } else if !["host", "driver", "alloc", "alloc_ipv6", ""].contains(&mode.as_str()) {
            bad(
                cx,
                mode.span,
                format!("invalid address_mode {:?}", mode.inner),
                "use host, driver or alloc",
            );
        }
    }
    if let (Some(restart), Some(on_update)) = (&check.check_restart, &check.on_update) {
        if on_update.as_str() == "ignore" {
            bad(
                cx,
                on_update.span,
                "on_update value \"ignore\" is not compatible with check_restart".into(),
                "remove `check_restart`, or use another `on_update`",
            );
        } else if on_update.as_str() == "ignore_warnings"
            && restart.ignore_warnings.as_deref() != Some(&true)
        {
            bad(cx, on_update.span, "on_update value \"ignore_warnings\" not supported with check_restart ignore_warnings value \"false\"".into(), "set `ignore_warnings = true` in `check_restart`");
        }
    }
    if let Some(restart) = &check.check_restart {
        if let Some(limit) = restart.limit.as_ref().filter(|l| l.inner < 0) {
            bad(
                cx,
                limit.span,
                format!(
                    "limit must be greater than or equal to 0 but found {}",
                    limit.inner
                ),
                "use 0 or more",
            );
        }
        if let Some(grace) = restart.grace.as_ref().filter(|g| g.inner.0 < 0) {
            bad(
                cx,
                grace.span,
                format!(
                    "grace period must be greater than or equal to 0 but found {}",
                    grace.inner.0
                ),
                "use a positive duration",
            );
        }
    }
    let counters = [
        ("success_before_passing", &check.success_before_passing),
        ("failures_before_critical", &check.failures_before_critical),
        ("failures_before_warning", &check.failures_before_warning),
    ];
    for (field, value) in counters {
        let Some(v) = value else { continue };
        if provider == "nomad" && v.inner != 0 {
            bad(
                cx,
                v.span,
                format!("{field} may only be set for Consul service checks"),
                "remove it, or use the consul provider",
            );
        } else if v.inner < 0 {
            bad(
                cx,
                v.span,
                format!("{field} must be non-negative"),
                "use 0 or more",
            );
        } else if v.inner > 0 && !["tcp", "http", "grpc"].contains(&kind) {
            bad(
                cx,
                v.span,
                format!("{field} not supported for check of type {kind:?}"),
                "use it with tcp, http or grpc checks",
            );
        }
    }
    if provider == "nomad" {
        let consul_only = [
            (
                "tls_server_name",
                check.tls_server_name.as_ref().map(|v| v.span),
            ),
            (
                "address_mode = driver",
                check
                    .address_mode
                    .as_ref()
                    .filter(|m| m.as_str() == "driver")
                    .map(|v| v.span),
            ),
            (
                "ignore_warnings on check_restart",
                check
                    .check_restart
                    .as_ref()
                    .and_then(|r| r.ignore_warnings.as_ref())
                    .filter(|i| i.inner)
                    .map(|v| v.span),
            ),
        ];
        for (what, span) in consul_only {
            if let Some(span) = span {
                bad(
                    cx,
                    span,
                    format!("{what} may only be set for Consul service checks"),
                    "remove it, or use the consul provider",
                );
            }
        }
        if let Some(on_update) = check
            .on_update
            .as_ref()
            .filter(|o| o.as_str() == "ignore_warnings")
        {
            bad(
                cx,
                on_update.span,
                "on_update may only be set to ignore_warnings for Consul service checks".into(),
                "use require_healthy or ignore",
            );
        }
        if let Some(method) = &check.method {
            const METHODS: &[&str] = &[
                "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "CONNECT", "OPTIONS", "TRACE",
            ];
            if kind == "http" && !METHODS.contains(&method.to_ascii_uppercase().as_str()) {
                bad(
                    cx,
                    method.span,
                    format!(
                        "method type {:?} not supported in Nomad http check",
                        method.inner
                    ),
                    "use a standard HTTP method",
                );
            }
        }
    }
}
