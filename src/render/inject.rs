//! Nomad's submit-time mutators: the Connect hook (sidecar, native and gateway tasks and
//! ports), the expose-check hook, and the constraints Nomad implies for Connect groups.

use super::env::interpolate;
use crate::model::{
    Constraint, ConsulExposeConfig, ConsulExposePath, ConsulProxy, Duration, Job, LogConfig, Map,
    NetworkResource, Port, Resources, Service, ServiceCheck, SidecarTask, Task, TaskGroup,
    TaskLifecycle, Value, service_name, span_or, text,
};
use crate::span::{Span, Spanned};
use std::collections::{BTreeMap, HashMap, HashSet};

/// Applies Nomad's Connect mutators to every group, as the Nomad server does when the job is
/// submitted: it adds the sidecar and gateway tasks and their ports, marks Connect Native
/// tasks, adds the listeners of exposed checks, and adds the implied constraints.
///
/// Injecting twice changes nothing. Groups without a network are left alone, as Nomad does.
///
/// ```
/// let mut job = jobspec::parse(r#"
/// job "web" {
///   group "api" {
///     network { mode = "bridge" }
///     service {
///       name = "api"
///       port = "8080"
///       connect {
///         sidecar_service {}
///       }
///     }
///     task "app" { driver = "docker" }
///   }
/// }
/// "#)?;
/// jobspec::inject(&mut job);
/// let group = &job.task_groups[0];
/// assert_eq!(group.tasks[1].name.as_deref().map(|n| n.as_str()), Some("connect-proxy-api"));
/// assert_eq!(group.networks[0].dynamic_ports[0].label.as_deref().map(|l| l.as_str()), Some("connect-proxy-api"));
/// # Ok::<(), jobspec::Report>(())
/// ```
pub fn inject(job: &mut Job) {
    let job_id = text(&job.id).unwrap_or("").to_owned();
    let region = text(&job.region).unwrap_or("global").to_owned();
    let job_meta = job.meta.clone();
    for group in &mut job.task_groups {
        if group.networks.is_empty() {
            continue;
        }
        let env = submit_env(&job_id, &region, job_meta.as_ref(), group);
        connect_hook(&job_id, group, &env);
        expose_check_hook(group);
        let span = group.span;
        implied_constraints(&mut group.inner, span);
    }
}

/// The environment Nomad interpolates Connect service names with at submit time (§3.2).
fn submit_env(
    job_id: &str,
    region: &str,
    job_meta: Option<&Spanned<Map<String>>>,
    group: &TaskGroup,
) -> BTreeMap<String, String> {
    let mut env = BTreeMap::new();
    let group_name = text(&group.name).unwrap_or("");
    env.insert("NOMAD_JOB_ID".into(), job_id.into());
    env.insert("NOMAD_JOB_NAME".into(), job_id.into());
    env.insert("NOMAD_GROUP_NAME".into(), group_name.into());
    env.insert("NOMAD_REGION".into(), region.into());
    env.insert("NOMAD_ALLOC_INDEX".into(), "0".into());
    super::env::meta_vars(&mut env, [job_meta, group.meta.as_ref()]);
    super::env::upstream_vars(&mut env, group);
    env
}

fn connect_hook(job_id: &str, group: &mut TaskGroup, env: &BTreeMap<String, String>) {
    let group_name = text(&group.name).unwrap_or("").to_owned();
    let host_mode = group.networks[0]
        .mode
        .as_ref()
        .is_some_and(|m| m.inner == "host");
    let mut index = TaskIndex::new(group);
    let mut labels = Labels::new(&group.networks[0]);
    for service_at in 0..group.services.len() {
        let service = &mut group.services[service_at];
        let span = service.span;
        let Some(connect) = service.connect.clone() else {
            continue;
        };
        if connect.sidecar_service.is_some() || connect.gateway.is_some() {
            let name = canonical_name(job_id, &group_name, None, service);
            let name = interpolate(&name, |k| env.get(k).cloned());
            service.name = Some(Spanned::new(name, span_or(&service.name, span)));
        }
        let name = text(&service.name).unwrap_or("").to_owned();
        if let Some(sidecar) = &connect.sidecar_service {
            let kind = format!("connect-proxy:{name}");
            let driver = index.guess_driver();
            let at = index.find_or_add(group, &kind, span, || {
                new_task(
                    &format!("connect-proxy-{name}"),
                    &kind,
                    driver,
                    span,
                    true,
                    false,
                )
            });
            if let Some(overrides) = &connect.sidecar_task {
                index.merge(&mut group.tasks[at], overrides);
            }
            let label = match text(&sidecar.port) {
                Some(label) if !label.is_empty() => label.to_owned(),
                _ => format!("connect-proxy-{name}"),
            };
            labels.add(&mut group.networks[0], &label, span);
        } else if connect.native.as_ref().is_some_and(|n| n.inner) {
            let wanted = text(&service.task_name).map(str::to_owned);
            let task = match &wanted {
                Some(task) => group.tasks.iter_mut().find(|t| text(&t.name) == Some(task)),
                None if group.tasks.len() == 1 => group.tasks.first_mut(),
                None => None,
            };
            if let Some(task) = task {
                task.kind = Some(Spanned::new(format!("connect-native:{name}"), span));
                let task_name = task.name.clone();
                group.services[service_at].task_name = task_name;
            }
        } else if let Some(gateway) = &connect.gateway {
            let Some(kind) = gateway.kind() else {
                continue;
            };
            gateway_defaults(group, &mut labels, service_at, kind, &name);
            let task_kind = format!("connect-{kind}:{name}");
            let driver = index.guess_driver();
            let at = index.find_or_add(group, &task_kind, span, || {
                new_task(
                    &format!("connect-{kind}-{name}"),
                    &task_kind,
                    driver,
                    span,
                    false,
                    host_mode,
                )
            });
            if let Some(overrides) = &connect.sidecar_task {
                index.merge(&mut group.tasks[at], overrides);
            }
        }
    }
}

/// The name of a group service (`task` `None`) or task service after the structs
/// `Service.Canonicalize`: the default name, and `${JOB}`, `${TASKGROUP}`, `${TASK}` (`group`
/// for a group service) and `${BASE}` replaced.
pub(crate) fn canonical_name(
    job: &str,
    group: &str,
    task: Option<&str>,
    service: &Service,
) -> String {
    service_name(job, group, task, service)
        .replace("${JOB}", job)
        .replace("${TASKGROUP}", group)
        .replace("${TASK}", task.unwrap_or("group"))
        .replace("${BASE}", &format!("{job}-{group}"))
}

/// What the hook asks of a group's tasks, kept up to date as it adds and merges tasks, so
/// that a group of many Connect services is injected in linear time.
struct TaskIndex {
    /// The first task of each kind.
    kinds: HashMap<String, usize>,
    /// How many tasks have each name.
    names: HashMap<String, usize>,
    /// How many tasks use each driver.
    drivers: HashMap<String, usize>,
}

impl TaskIndex {
    fn new(group: &TaskGroup) -> TaskIndex {
        let mut index = TaskIndex {
            kinds: HashMap::new(),
            names: HashMap::new(),
            drivers: HashMap::new(),
        };
        for (at, task) in group.tasks.iter().enumerate() {
            index.note(task, at);
        }
        index
    }

    /// Counts a task's name and driver, and its kind if none came before.
    fn note(&mut self, task: &Task, at: usize) {
        if let Some(kind) = text(&task.kind) {
            self.kinds.entry(kind.to_owned()).or_insert(at);
        }
        self.count(task, true);
    }

    /// Counts a task's name and driver in (`add`) or out.
    fn count(&mut self, task: &Task, add: bool) {
        for (counts, key) in [
            (&mut self.names, &task.name),
            (&mut self.drivers, &task.driver),
        ] {
            if let Some(key) = text(key) {
                let n = counts.entry(key.to_owned()).or_default();
                *n = if add { *n + 1 } else { n.saturating_sub(1) };
            }
        }
    }

    fn uses(&self, key: &str) -> bool {
        self.drivers.get(key).is_some_and(|n| *n > 0)
    }

    /// `podman` if a task uses podman and none uses docker, otherwise `docker`.
    fn guess_driver(&self) -> &'static str {
        if self.uses("podman") && !self.uses("docker") {
            "podman"
        } else {
            "docker"
        }
    }

    /// The index of the task of `kind`, adding the one `make` builds when there is none. A
    /// new task whose name is taken gets a suffix; Nomad's is random, ours is derived from
    /// the kind.
    fn find_or_add(
        &mut self,
        group: &mut TaskGroup,
        kind: &str,
        span: Span,
        make: impl FnOnce() -> Task,
    ) -> usize {
        if let Some(at) = self.kinds.get(kind) {
            return *at;
        }
        let mut task = make();
        let name = text(&task.name).unwrap_or("");
        if self.names.get(name).is_some_and(|n| *n > 0) {
            let id = uuid::Uuid::new_v5(&uuid::Uuid::NAMESPACE_OID, kind.as_bytes()).simple();
            let suffix = &id.to_string()[..6];
            task.name = Some(Spanned::new(format!("{name}-{suffix}"), span));
        }
        let at = group.tasks.len();
        self.note(&task, at);
        group.tasks.push(Spanned::new(task, span));
        at
    }

    /// Merges `sidecar_task` into a task, keeping the counts of names and drivers.
    fn merge(&mut self, task: &mut Task, overrides: &SidecarTask) {
        self.count(task, false);
        merge(task, overrides);
        self.count(task, true);
    }
}

fn s(value: &str, span: Span) -> Option<Spanned<String>> {
    Some(Spanned::new(value.to_owned(), span))
}

fn n(value: i64, span: Span) -> Option<Spanned<i64>> {
    Some(Spanned::new(value, span))
}

/// The task Nomad's `newConnectSidecarTask` (or `newConnectGatewayTask`) builds.
fn new_task(
    name: &str,
    kind: &str,
    driver: &str,
    span: Span,
    sidecar: bool,
    host_network: bool,
) -> Task {
    let string = |v: &str| Spanned::new(Value::String(v.into()), span);
    let key = |k: &str| Spanned::new(k.to_owned(), span);
    let image = if sidecar {
        "${meta.connect.sidecar_image}"
    } else {
        "${meta.connect.gateway_image}"
    };
    let args = [
        "-c",
        "${NOMAD_SECRETS_DIR}/envoy_bootstrap.json",
        "-l",
        "${meta.connect.log_level}",
        "--concurrency",
        "${meta.connect.proxy_concurrency}",
        "--disable-hot-restart",
    ];
    let mut config = Map::new();
    config.insert(key("image"), string(image));
    config.insert(
        key("args"),
        Spanned::new(Value::List(args.iter().map(|a| string(a)).collect()), span),
    );
    if host_network {
        config.insert(key("network_mode"), string("host"));
    }
    let constraint = |l: &str, op: &str, r: &str| {
        Spanned::new(
            Constraint {
                ltarget: s(l, span),
                rtarget: s(r, span),
                operand: s(op, span),
            },
            span,
        )
    };
    Task {
        name: s(name, span),
        driver: s(driver, span),
        kind: s(kind, span),
        config: Some(Spanned::new(config, span)),
        shutdown_delay: Some(Spanned::new(Duration(5 * Duration::SECOND.0), span)),
        kill_timeout: Some(Spanned::new(Duration(5 * Duration::SECOND.0), span)),
        log_config: Some(Spanned::new(
            LogConfig {
                max_files: n(2, span),
                max_file_size_mb: n(2, span),
                ..LogConfig::default()
            },
            span,
        )),
        resources: Some(Spanned::new(
            Resources {
                cpu: n(250, span),
                memory_mb: n(128, span),
                ..Resources::default()
            },
            span,
        )),
        lifecycle: sidecar.then(|| {
            Spanned::new(
                TaskLifecycle {
                    hook: s("prestart", span),
                    sidecar: Some(Spanned::new(true, span)),
                },
                span,
            )
        }),
        constraints: vec![
            constraint("${attr.consul.version}", "semver", ">= 1.8.0"),
            constraint("${attr.consul.grpc}", ">", "0"),
        ],
        ..Task::default()
    }
}

/// `SidecarTask.MergeIntoTask`, without the HTTP API's defaults (hashicorp/nomad#11497): a
/// partial `sidecar_task` changes only what it sets.
fn merge(task: &mut Task, o: &SidecarTask) {
    if let Some(name) = o.name.as_ref().filter(|n| !n.is_empty()) {
        task.name = Some(name.clone());
    }
    let new_driver = o
        .driver
        .as_ref()
        .filter(|d| !d.is_empty() && Some(&d.inner) != task.driver.as_ref().map(|t| &t.inner));
    if let Some(driver) = new_driver {
        task.driver = Some(driver.clone());
        task.config = o.config.clone();
    } else if let Some(config) = &o.config {
        let target = task
            .config
            .get_or_insert_with(|| Spanned::new(Map::new(), config.span));
        for (k, v) in config.iter() {
            target.inner.insert(k.clone(), v.clone());
        }
    }
    if let Some(user) = o.user.as_ref().filter(|u| !u.is_empty()) {
        task.user = Some(user.clone());
    }
    merge_map(&mut task.env, &o.env);
    merge_map(&mut task.meta, &o.meta);
    if let Some(r) = &o.resources {
        let target = task.resources.get_or_insert_with(|| r.clone());
        let t = &mut target.inner;
        let nonzero = |v: &Option<Spanned<i64>>| (*v).filter(|v| v.inner != 0);
        for (dst, src) in [
            (&mut t.cpu, &r.cpu),
            (&mut t.cores, &r.cores),
            (&mut t.memory_mb, &r.memory_mb),
            (&mut t.memory_max_mb, &r.memory_max_mb),
            (&mut t.disk_mb, &r.disk_mb),
            (&mut t.secrets_mb, &r.secrets_mb),
        ] {
            if let Some(v) = nonzero(src) {
                *dst = Some(v);
            }
        }
        if !r.networks.is_empty() {
            t.networks = r.networks.clone();
        }
        if !r.devices.is_empty() {
            t.devices = r.devices.clone();
        }
    }
    if let Some(v) = &o.kill_timeout {
        task.kill_timeout = Some(*v);
    }
    if let Some(v) = &o.shutdown_delay {
        task.shutdown_delay = Some(*v);
    }
    if let Some(logs) = &o.log_config {
        match &mut task.log_config {
            None => task.log_config = Some(logs.clone()),
            Some(t) => {
                for (dst, src) in [
                    (&mut t.inner.max_files, &logs.max_files),
                    (&mut t.inner.max_file_size_mb, &logs.max_file_size_mb),
                ] {
                    if let Some(v) = src.filter(|v| v.inner > 0) {
                        *dst = Some(v);
                    }
                }
            }
        }
    }
    if let Some(signal) = o.kill_signal.as_ref().filter(|s| !s.is_empty()) {
        task.kill_signal = Some(signal.clone());
    }
    if !o.volume_mounts.is_empty() {
        task.volume_mounts = o.volume_mounts.clone();
    }
    if !o.identities.is_empty() {
        task.identities = o.identities.clone();
    }
}

fn merge_map(dst: &mut Option<Spanned<Map<String>>>, src: &Option<Spanned<Map<String>>>) {
    if let Some(src) = src {
        let target = dst.get_or_insert_with(|| Spanned::new(Map::new(), src.span));
        for (k, v) in src.iter() {
            target.inner.insert(k.clone(), v.clone());
        }
    }
}

/// The labels of a network's dynamic ports.
struct Labels(HashSet<String>);

impl Labels {
    fn new(network: &NetworkResource) -> Labels {
        let labels = network.dynamic_ports.iter();
        Labels(
            labels
                .filter_map(|p| text(&p.label).map(str::to_owned))
                .collect(),
        )
    }

    /// Adds a dynamic port `{label, to = -1}` unless the network's dynamic ports have one.
    fn add(&mut self, network: &mut Spanned<NetworkResource>, label: &str, span: Span) {
        if !self.0.insert(label.to_owned()) {
            return;
        }
        network.inner.dynamic_ports.push(Spanned::new(
            Port {
                label: s(label, span),
                to: n(-1, span),
                host_network: s("default", span),
                ..Port::default()
            },
            span,
        ));
    }
}

/// Gateway defaults (§3.7): the proxy's connect timeout and bridge bind addresses, and the
/// ports of terminating and mesh gateways.
fn gateway_defaults(
    group: &mut TaskGroup,
    labels: &mut Labels,
    index: usize,
    kind: &str,
    name: &str,
) {
    let mode = text(&group.networks[0].mode).unwrap_or("host").to_owned();
    let service = &mut group.services[index];
    let span = service.span;
    if kind == "terminating" && text(&service.port_label).is_none_or(str::is_empty) {
        let label = format!("connect-terminating-{name}");
        service.port_label = s(&label, span);
        labels.add(&mut group.networks[0], &label, span);
    }
    if kind == "mesh" {
        labels.add(
            &mut group.networks[0],
            &format!("connect-mesh-{name}-lan"),
            span,
        );
    }
    let service = &mut group.services[index];
    let Some(gateway) = service
        .connect
        .as_mut()
        .and_then(|c| c.inner.gateway.as_mut())
    else {
        return;
    };
    let listeners: Vec<(String, i64)> = gateway
        .ingress
        .iter()
        .flat_map(|i| i.listeners.iter())
        .flat_map(|l| {
            let port = l.port.map_or(0, |p| p.inner);
            l.services
                .iter()
                .map(move |s| (text(&s.name).unwrap_or("").to_owned(), port))
        })
        .collect();
    let proxy = gateway
        .inner
        .proxy
        .get_or_insert_with(|| Spanned::new(Default::default(), span));
    let proxy = &mut proxy.inner;
    proxy
        .connect_timeout
        .get_or_insert(Spanned::new(Duration(5 * Duration::SECOND.0), span));
    let bridge = mode == "bridge" || mode.starts_with("cni/");
    let user_set = proxy.envoy_gateway_no_default_bind.is_some()
        || proxy.envoy_gateway_bind_tagged_addresses.is_some()
        || !proxy.envoy_gateway_bind_addresses.is_empty();
    if !bridge || user_set {
        return;
    }
    proxy.envoy_gateway_no_default_bind = Some(Spanned::new(true, span));
    proxy.envoy_gateway_bind_tagged_addresses = Some(Spanned::new(false, span));
    let binds: Vec<(String, i64)> = match kind {
        "ingress" => listeners,
        "terminating" => vec![("default".into(), -1)],
        _ => vec![("wan".into(), -1), ("lan".into(), -1)],
    };
    for (bind, port) in binds {
        proxy.envoy_gateway_bind_addresses.insert(
            Spanned::new(bind.clone(), span),
            Spanned::new(
                crate::model::ConsulGatewayBindAddress {
                    name: s(&bind, span),
                    address: s("0.0.0.0", span),
                    port: n(port, span),
                },
                span,
            ),
        );
    }
}

/// The expose-check mutator (§3.6): a listener port and an expose path for every exposable
/// check with `expose = true` of a sidecar service.
fn expose_check_hook(group: &mut TaskGroup) {
    let mut statics: HashMap<String, i64> = HashMap::new();
    for port in group
        .networks
        .iter()
        .flat_map(|n| n.reserved_ports.iter().chain(&n.dynamic_ports))
    {
        if let Some(value) = port.value.filter(|v| v.inner > 0) {
            let label = text(&port.label).unwrap_or("").to_owned();
            statics.entry(label).or_insert(value.inner);
        }
    }
    let mut labels = Labels::new(&group.networks[0]);
    for index in 0..group.services.len() {
        let service = &group.services[index];
        let has_sidecar = service
            .connect
            .as_ref()
            .is_some_and(|c| c.sidecar_service.is_some());
        if !has_sidecar {
            continue;
        }
        let name = text(&service.name).unwrap_or("").to_owned();
        let port = text(&service.port_label).unwrap_or("").to_owned();
        let local = statics
            .get(&port)
            .copied()
            .or_else(|| port.parse::<i64>().ok());
        for check_index in 0..service.checks.len() {
            let service = &mut group.services[index];
            let check = &service.checks[check_index];
            if !exposable(check) {
                continue;
            }
            let Some(local) = local else { continue };
            let span = check.span;
            let listener = match text(&check.port_label) {
                Some(label) => label.to_owned(),
                None => {
                    let hash = check_hash(&name, &check.inner, &format!("{name}_{check_index}"));
                    let label = format!("svc_{name}_ck_{}", &hash[..6]);
                    service.checks[check_index].port_label = s(&label, span);
                    labels.add(&mut group.networks[0], &label, span);
                    label
                }
            };
            let service = &mut group.services[index];
            let check = &service.checks[check_index].inner;
            let path = ConsulExposePath {
                path: check.path.clone(),
                protocol: check.protocol.clone(),
                local_path_port: n(local, span),
                listener_port: s(&listener, span),
            };
            let sidecar = service
                .connect
                .as_mut()
                .and_then(|c| c.inner.sidecar_service.as_mut())
                .expect("checked above");
            let proxy = sidecar
                .inner
                .proxy
                .get_or_insert_with(|| Spanned::new(ConsulProxy::default(), span));
            let expose = proxy
                .inner
                .expose
                .get_or_insert_with(|| Spanned::new(ConsulExposeConfig::default(), span));
            if !expose.paths.iter().any(|p| p.inner == path) {
                expose.inner.paths.push(Spanned::new(path, span));
            }
        }
    }
}

/// A check Nomad can expose: `expose = true`, type http or grpc, and a path starting `/`.
fn exposable(check: &ServiceCheck) -> bool {
    check.expose.is_some_and(|e| e.inner)
        && text(&check.r#type)
            .is_some_and(|t| t.eq_ignore_ascii_case("http") || t.eq_ignore_ascii_case("grpc"))
        && text(&check.path).is_some_and(|p| p.starts_with('/'))
}

/// Nomad's `ServiceCheck.Hash(id)` (SHA-1 hex) over the check as the server canonicalizes it:
/// the default name `service: "<name>" check` and `on_update = "require_healthy"`.
pub(crate) fn check_hash(service: &str, check: &ServiceCheck, id: &str) -> String {
    use sha1::{Digest, Sha1};
    let t = |v: &Option<Spanned<String>>| text(v).unwrap_or("").to_owned();
    let d = |v: &Option<Spanned<Duration>>| v.map_or(Duration(0), |d| d.inner).to_string();
    let b = |v: &Option<Spanned<bool>>| v.is_some_and(|v| v.inner);
    let i = |v: &Option<Spanned<i64>>| v.map_or(0, |v| v.inner);
    let name =
        text(&check.name).map_or_else(|| format!("service: {service:?} check"), str::to_owned);
    let on_update = text(&check.on_update)
        .unwrap_or("require_healthy")
        .to_owned();
    let args: String = check
        .args
        .iter()
        .flat_map(|a| a.iter())
        .map(|a| a.inner.as_str())
        .collect();
    let mut parts = vec![
        id.to_owned(),
        name,
        t(&check.r#type),
        t(&check.command),
        args,
        t(&check.path),
        t(&check.protocol),
        t(&check.port_label),
        d(&check.interval),
        d(&check.timeout),
        t(&check.method),
        t(&check.body),
        on_update,
        t(&check.notes),
    ];
    if b(&check.tls_skip_verify) {
        parts.push("true".into());
    }
    parts.push(t(&check.tls_server_name));
    if let Some(header) = check.header.as_ref().filter(|h| !h.is_empty()) {
        let mut lines: Vec<String> = header
            .iter()
            .map(|(k, v)| {
                format!(
                    "{}{}",
                    k.inner,
                    v.iter().map(|x| x.inner.as_str()).collect::<String>()
                )
            })
            .collect();
        lines.sort();
        parts.push(lines.concat());
    }
    parts.push(t(&check.address_mode));
    parts.push(t(&check.grpc_service));
    if b(&check.grpc_use_tls) {
        parts.push("true".into());
    }
    for (label, v) in [
        ("success", i(&check.success_before_passing)),
        ("failures", i(&check.failures_before_critical)),
        ("failures-before-warning", i(&check.failures_before_warning)),
    ] {
        if v != 0 {
            parts.push(format!("{label}:{v}"));
        }
    }
    let mut h = Sha1::new();
    for part in parts {
        h.update(part.as_bytes());
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// The constraints Nomad's `jobImpliedConstraints` adds to Connect groups (§3.8), each
/// only when the group has none on that attribute.
fn implied_constraints(group: &mut TaskGroup, span: Span) {
    let consul = group
        .services
        .iter()
        .any(|s| text(&s.provider).is_none_or(|p| p == "consul"));
    let mode = text(&group.networks[0].mode).unwrap_or("").to_owned();
    let tproxy = group.services.iter().any(|s| {
        s.sidecar_proxy()
            .is_some_and(|p| p.transparent_proxy.is_some())
    });
    let mut wanted: Vec<(String, &str)> = Vec::new();
    if consul && !group.services.is_empty() {
        wanted.push(("${attr.consul.version}".into(), ">= 1.8.0"));
    }
    if mode == "bridge" {
        for plugin in ["bridge", "firewall", "host-local", "loopback", "portmap"] {
            wanted.push((
                format!("${{attr.plugins.cni.version.{plugin}}}"),
                ">= 0.4.0",
            ));
        }
    }
    if tproxy {
        wanted.push(("${attr.plugins.cni.version.consul-cni}".into(), ">= 1.4.2"));
        wanted.push(("${attr.nomad.version}".into(), ">= 1.8.0-dev"));
    }
    for (ltarget, rtarget) in wanted {
        if group
            .constraints
            .iter()
            .any(|c| text(&c.ltarget) == Some(&ltarget))
        {
            continue;
        }
        group.constraints.push(Spanned::new(
            Constraint {
                ltarget: s(&ltarget, span),
                rtarget: s(rtarget, span),
                operand: s("semver", span),
            },
            span,
        ));
    }
}
