//! Inject/render stage: what Nomad's Connect machinery turns a job into, offline. The
//! injected tasks and ports, the Consul registrations, each task's environment, and the
//! configuration of the local-bind sidecar proxy, for one allocation of each group.

mod consul;
mod env;
mod inject;
mod proxy;

pub use consul::{
    AgentCheck, AgentConnect, AgentProxy, AgentUpstream, ExposeConfig, ExposePath, MeshGateway,
    Registration, TaggedAddress, Weights,
};
pub use inject::inject;
pub use proxy::{ExposeListener, Listener, ProxyConfig, UpstreamListener};

use crate::diagnostic::{Code, Diagnostic};
use crate::model::{Job, Task, TaskGroup, span_or, text};
use crate::span::Spanned;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap, HashSet};

/// The allocation a group is rendered for: what a Nomad client knows and a jobspec does not.
///
/// The defaults are deterministic so renders can be snapshot-tested.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AllocContext {
    /// The allocation ID. `None` derives one per group with [`AllocContext::alloc_id`].
    pub alloc_id: Option<String>,
    /// The namespace. `None` means the job's, or `default`.
    pub namespace: Option<String>,
    /// The node's address, where host ports are bound (default `127.0.0.1`).
    pub node_address: String,
    /// The datacenter of the node (default `dc1`).
    pub datacenter: String,
    /// The allocation index (`NOMAD_ALLOC_INDEX`, default 0).
    pub alloc_index: u32,
    /// Whether the allocation is a canary: canary tags and meta apply.
    pub canary: bool,
    /// Host ports for port labels, overriding the assignment.
    pub ports: BTreeMap<String, u16>,
    /// The dynamic port range (default Nomad's 20000–32000, inclusive).
    pub dynamic_range: (u16, u16),
}

impl Default for AllocContext {
    fn default() -> AllocContext {
        AllocContext {
            alloc_id: None,
            namespace: None,
            node_address: "127.0.0.1".into(),
            datacenter: "dc1".into(),
            alloc_index: 0,
            canary: false,
            ports: BTreeMap::new(),
            dynamic_range: (20000, 32000),
        }
    }
}

impl AllocContext {
    /// The allocation ID for `group`: the one given, or a UUID v5 in the URL namespace of
    /// `jobspec:<namespace>/<job>/<group>/<index>`, stable across runs.
    pub fn alloc_id(&self, job: &Job, group: &str) -> String {
        self.alloc_id.clone().unwrap_or_else(|| {
            let name = format!(
                "jobspec:{}/{}/{group}/{}",
                self.namespace(job),
                text(&job.id).unwrap_or(""),
                self.alloc_index
            );
            uuid::Uuid::new_v5(&uuid::Uuid::NAMESPACE_URL, name.as_bytes()).to_string()
        })
    }

    /// The namespace: the one given, the job's, or `default`.
    pub fn namespace<'a>(&'a self, job: &'a Job) -> &'a str {
        self.namespace
            .as_deref()
            .or(text(&job.namespace))
            .unwrap_or("default")
    }
}

/// The render of a job: one entry per group.
#[derive(Clone, Debug, Serialize)]
pub struct Rendered {
    /// The job ID.
    pub job: String,
    /// The groups, in job order.
    pub groups: Vec<RenderedGroup>,
    /// What the render found: runtime references it could not resolve (warnings), ports
    /// the allocation lacks (errors). Not serialized.
    #[serde(skip)]
    pub findings: Vec<Diagnostic>,
}

/// The render of one allocation of a group.
#[derive(Clone, Debug, Serialize)]
pub struct RenderedGroup {
    /// The group name.
    pub name: String,
    /// The allocation ID used.
    pub alloc_id: String,
    /// The group's tasks after injection, as Nomad API JSON.
    pub tasks: Vec<Task>,
    /// The group network's ports: host port (`value`) and namespace port (`to`).
    pub ports: BTreeMap<String, PortMapping>,
    /// The `PUT /v1/agent/service/register` bodies, group services first, then task services.
    pub registrations: Vec<Registration>,
    /// The sidecar services as Consul stores them after applying its defaults.
    pub effective_services: Vec<Registration>,
    /// Each task's environment, by task name.
    pub env: BTreeMap<String, BTreeMap<String, String>>,
    /// What each sidecar proxy listens on and forwards to.
    pub proxies: Vec<ProxyConfig>,
}

/// A port of the allocation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct PortMapping {
    /// The host port.
    pub value: u16,
    /// The port inside the network namespace.
    pub to: u16,
}

/// A port with its assignment, in network order.
pub(crate) struct Assigned {
    pub(crate) label: String,
    pub(crate) value: u16,
    pub(crate) to: u16,
}

/// Renders every group of an injected job for the allocation `cx` describes; see [`inject`].
///
/// What the render finds (runtime references it could not resolve, ports it could not
/// find) is in [`Rendered::findings`]. Validate the job first: an invalid job renders what
/// Nomad would not accept.
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
///         sidecar_service {
///           proxy {
///             upstreams {
///               destination_name = "db"
///               local_bind_port  = 5432
///             }
///           }
///         }
///       }
///     }
///     task "app" {
///       driver = "docker"
///       env { DB = "${NOMAD_UPSTREAM_ADDR_db}" }
///     }
///   }
/// }
/// "#)?;
/// jobspec::inject(&mut job);
/// let rendered = jobspec::render(&job, &jobspec::AllocContext::default());
/// assert!(rendered.findings.is_empty());
/// let group = &rendered.groups[0];
/// assert_eq!(group.env["app"]["DB"], "127.0.0.1:5432");
/// assert_eq!(group.registrations[0].port, Some(8080));
/// assert_eq!(group.ports["connect-proxy-api"].value, 20000);
/// # Ok::<(), jobspec::Report>(())
/// ```
pub fn render(job: &Job, cx: &AllocContext) -> Rendered {
    let mut findings = Vec::new();
    let mut budget = MAX_ENV_VARS;
    let groups = job
        .task_groups
        .iter()
        .map(|g| render_group(job, g, cx, &mut budget, &mut findings))
        .collect();
    Rendered {
        job: text(&job.id).unwrap_or("").to_owned(),
        groups,
        findings,
    }
}

/// At most this many environment variables, summed over the tasks of all groups, are
/// rendered. Every task sees every port of its group (seven variables each) and every
/// upstream, so the environments grow with tasks × ports: a group of a thousand Connect
/// services would take gigabytes. A group over the budget is rendered without environments
/// and with a `jobspec::render::too_large` error.
pub const MAX_ENV_VARS: usize = 1_000_000;

fn render_group(
    job: &Job,
    group: &Spanned<TaskGroup>,
    cx: &AllocContext,
    budget: &mut usize,
    warnings: &mut Vec<Diagnostic>,
) -> RenderedGroup {
    let name = text(&group.name).unwrap_or("").to_owned();
    let alloc_id = cx.alloc_id(job, &name);
    let ports = assign_ports(group, cx);
    let alloc_env = env::alloc_env(cx, job, group, &alloc_id, &ports);
    let mut unresolved = Vec::new();
    let needed = group.tasks.len().saturating_mul(alloc_env.len());
    let env = if needed > *budget {
        warnings.push(
            Diagnostic::new(
                Code::RenderTooLarge,
                span_or(&group.name, group.span),
                format!(
                    "the environments of group {name:?} would hold {needed} variables ({} tasks × {} each); the render's limit is {MAX_ENV_VARS}",
                    group.tasks.len(),
                    alloc_env.len()
                ),
            )
            .with_label("too many tasks × ports to render")
            .with_help("split the group: every task sees every port and upstream of its group; registrations and proxies are still rendered"),
        );
        BTreeMap::new()
    } else {
        *budget -= needed;
        (0..group.tasks.len())
            .map(|i| {
                let task = text(&group.tasks[i].name).unwrap_or("").to_owned();
                (task, env::task_env(&alloc_env, group, i, &mut unresolved))
            })
            .collect()
    };
    for u in unresolved {
        warnings.push(
            Diagnostic::new(
                Code::RenderUnresolved,
                u.span,
                format!(
                    "`${{{}}}` in env `{}` of task `{}` is not known until the task runs",
                    u.reference, u.key, u.task
                ),
            )
            .with_label("kept literally")
            .with_help(
                "node attributes and metadata resolve on the client; any other name is a typo",
            ),
        );
    }
    let site = consul::Site {
        job,
        group,
        cx,
        alloc_id: &alloc_id,
        ports: &ports,
        by_label: ports
            .iter()
            .enumerate()
            .fold(HashMap::new(), |mut m, (i, p)| {
                m.entry(p.label.as_str()).or_insert(i);
                m
            }),
        env: &alloc_env,
    };
    let (registrations, effective_services) = site.registrations(warnings);
    let proxies = proxy::proxies(&effective_services);
    RenderedGroup {
        name,
        alloc_id,
        tasks: group.tasks.iter().map(|t| t.inner.clone()).collect(),
        ports: ports
            .iter()
            .map(|p| {
                let mapping = PortMapping {
                    value: p.value,
                    to: p.to,
                };
                (p.label.clone(), mapping)
            })
            .collect(),
        registrations,
        effective_services,
        env,
        proxies,
    }
}

/// Host ports for the group network's ports: static ones as written, the others from
/// `cx.ports` or else the dynamic range in order of appearance, skipping static ports and
/// upstream listener ports (an injected sidecar binds its host port inside the namespace,
/// where the upstream listeners are).
/// `to = -1` (and a dynamic port without `to`) maps to the host port.
fn assign_ports(group: &TaskGroup, cx: &AllocContext) -> Vec<Assigned> {
    let Some(network) = group.networks.first() else {
        return Vec::new();
    };
    let used: HashSet<u16> = network
        .reserved_ports
        .iter()
        .filter_map(|p| p.value.and_then(|v| u16::try_from(v.inner).ok()))
        .chain(cx.ports.values().copied())
        .chain(upstream_ports(group))
        .collect();
    let (low, high) = cx.dynamic_range;
    let mut next = low;
    let mut out = Vec::new();
    for port in network.reserved_ports.iter().chain(&network.dynamic_ports) {
        let label = text(&port.label).unwrap_or("").to_owned();
        let fixed = port
            .value
            .and_then(|v| u16::try_from(v.inner).ok())
            .filter(|v| *v > 0);
        let value = match fixed.or_else(|| cx.ports.get(&label).copied()) {
            Some(v) => v,
            None => {
                while used.contains(&next) && next < high {
                    next += 1;
                }
                let v = next;
                next = next.saturating_add(1).min(high);
                v
            }
        };
        let to = match port.to.map_or(0, |t| t.inner) {
            t if t > 0 => u16::try_from(t).unwrap_or(value),
            -1 => value,
            _ => 0,
        };
        out.push(Assigned { label, value, to });
    }
    out
}

fn upstream_ports(group: &TaskGroup) -> impl Iterator<Item = u16> + '_ {
    group
        .services
        .iter()
        .filter_map(|s| s.sidecar_proxy())
        .flat_map(|p| p.upstreams.iter())
        .filter_map(|u| u.local_bind_port.and_then(|p| u16::try_from(p.inner).ok()))
}
