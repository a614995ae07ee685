//! Validate stage: the rules Nomad applies when a job is submitted (the Connect ones included,
//! which `nomad job validate` skips without a cluster), and the checks Nomad never makes.
//! Every finding points at the place in the file it concerns.

mod connect;
mod job;
mod network;
mod references;
mod services;
mod set;

pub use set::{SetOptions, validate_set};

use std::collections::{HashMap, HashSet};
use std::hash::Hash;

use crate::diagnostic::{Code, Diagnostic, list_names};
use crate::lower::Suggester;
use crate::model::{Job, NetworkResource, TaskGroup, text};
use crate::span::{Span, Spanned};

/// Checks a parsed job, returning every finding in source order.
///
/// ```
/// let job = jobspec::parse(r#"
/// job "web" {
///   group "api" {
///     network {
///       mode = "host"
///     }
///     service {
///       name = "api"
///       port = "8080"
///       connect {
///         sidecar_service {}
///       }
///     }
///     task "app" {
///       driver = "docker"
///     }
///   }
/// }
/// "#)?;
/// let findings = jobspec::validate(&job);
/// assert_eq!(findings[0].code.as_str(), "jobspec::connect::network");
/// # Ok::<(), jobspec::Report>(())
/// ```
pub fn validate(job: &Job) -> Vec<Diagnostic> {
    let mut cx = Checker::default();
    job::check(&mut cx, job);
    job::check_more(&mut cx, job);
    for group in &job.task_groups {
        let g = Group::new(job, group);
        network::check(&mut cx, &g);
        services::check(&mut cx, &g);
        connect::check(&mut cx, &g);
        references::check(&mut cx, &g);
    }
    cx.out.sort_by_key(|d| d.span.start);
    cx.out
}

/// Collects findings.
#[derive(Default)]
pub(crate) struct Checker {
    out: Vec<Diagnostic>,
    /// "Did you mean" suggestions, within their budget.
    suggester: Suggester,
}

impl Checker {
    /// The closest of `known` to `name`, as "did you mean" help, or `fallback`.
    pub(crate) fn suggest(
        &mut self,
        name: &str,
        known: &Names<'_>,
        fallback: impl FnOnce() -> String,
    ) -> String {
        match self.suggester.closest(name, known.list.iter().copied()) {
            Some(close) => format!("did you mean `{close}`?"),
            None => fallback(),
        }
    }

    pub(crate) fn push(&mut self, diagnostic: Diagnostic) {
        self.out.push(diagnostic);
    }

    /// A finding with `code` at `span`, its label and help.
    pub(crate) fn report(
        &mut self,
        code: Code,
        span: Span,
        message: impl Into<String>,
        label: impl Into<String>,
        help: impl Into<String>,
    ) {
        self.push(
            Diagnostic::new(code, span, message)
                .with_label(label)
                .with_help(help),
        );
    }
}

/// The span of a block's keyword: a block's span starts at its keyword.
pub(crate) fn head(span: Span, keyword: &str) -> Span {
    Span::new(
        span.start,
        (span.start + keyword.len()).min(span.end.max(span.start)),
    )
}

/// A port of a group network, with where it is defined.
pub(crate) struct PortDef<'j> {
    pub(crate) label: &'j Spanned<String>,
    /// The port block.
    pub(crate) span: Span,
    /// The static host port, if any.
    pub(crate) value: Option<i64>,
    /// The port inside the network namespace, if mapped.
    pub(crate) to: Option<i64>,
}

/// A group being checked, with what several rules need.
pub(crate) struct Group<'j> {
    /// The job's name, for service-name defaults.
    pub(crate) job_name: &'j str,
    pub(crate) group: &'j Spanned<TaskGroup>,
    pub(crate) name: &'j str,
    /// The ports of the group's networks.
    pub(crate) ports: Vec<PortDef<'j>>,
    /// The first port of each label, by label.
    by_label: HashMap<&'j str, usize>,
    /// The ports' labels, in order.
    pub(crate) labels: Names<'j>,
}

impl<'j> Group<'j> {
    fn new(job: &'j Job, group: &'j Spanned<TaskGroup>) -> Group<'j> {
        let ports: Vec<PortDef<'j>> = group.networks.iter().flat_map(ports).collect();
        let mut by_label = HashMap::with_capacity(ports.len());
        for (i, p) in ports.iter().enumerate() {
            by_label.entry(p.label.inner.as_str()).or_insert(i);
        }
        Group {
            job_name: text(&job.name).or(text(&job.id)).unwrap_or(""),
            group,
            name: text(&group.name).unwrap_or(""),
            labels: ports.iter().map(|p| p.label.inner.as_str()).collect(),
            ports,
            by_label,
        }
    }

    /// The (first) port with `label`, if a group network defines it.
    pub(crate) fn port(&self, label: &str) -> Option<&PortDef<'j>> {
        self.by_label.get(label).map(|&i| &self.ports[i])
    }

    /// The span of the `group` keyword.
    pub(crate) fn head(&self) -> Span {
        head(self.group.span, "group")
    }
}

/// The ports of one network, static and dynamic.
pub(crate) fn ports(network: &Spanned<NetworkResource>) -> impl Iterator<Item = PortDef<'_>> {
    network
        .reserved_ports
        .iter()
        .chain(&network.dynamic_ports)
        .filter_map(|p| {
            Some(PortDef {
                label: p.label.as_ref()?,
                span: p.span,
                value: p.value.as_deref().copied().filter(|v| *v > 0),
                to: p.to.as_deref().copied().filter(|t| *t > 0),
            })
        })
}

/// Whether `name` cannot be part of an environment variable's name, as Nomad exports it
/// unchanged (`NOMAD_ALLOC_PORT_<label>`, `NOMAD_UPSTREAM_ADDR_<name>`): it holds `=`, NUL or
/// another control character.
pub(crate) fn unusable_in_env_name(name: &str) -> bool {
    name.chars().any(|c| c == '=' || c.is_control())
}

/// Names in their order, with a set for lookups in constant time.
#[derive(Clone, Default)]
pub(crate) struct Names<'a> {
    /// The names in order, repeats included.
    pub(crate) list: Vec<&'a str>,
    set: HashSet<&'a str>,
}

impl<'a> Names<'a> {
    /// Whether `name` is one of the names.
    pub(crate) fn contains(&self, name: &str) -> bool {
        self.set.contains(name)
    }

    /// Whether there are no names.
    pub(crate) fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// The names for help text, joined with `sep`: the first few, then how many more.
    pub(crate) fn listed(&self, sep: &str) -> String {
        list_names(self.list.iter().copied(), sep)
    }
}

impl<'a> FromIterator<&'a str> for Names<'a> {
    fn from_iter<I: IntoIterator<Item = &'a str>>(iter: I) -> Names<'a> {
        let list: Vec<&'a str> = iter.into_iter().collect();
        let set = list.iter().copied().collect();
        Names { list, set }
    }
}

/// What was recorded for `key` when it was first seen, if it was; else records `data` for it.
///
/// "Defined twice" checks use this to stay linear in the number of items.
pub(crate) fn seen_before<K: Eq + Hash, T: Copy>(
    first: &mut HashMap<K, T>,
    key: K,
    data: T,
) -> Option<T> {
    match first.entry(key) {
        std::collections::hash_map::Entry::Occupied(e) => Some(*e.get()),
        std::collections::hash_map::Entry::Vacant(e) => {
            e.insert(data);
            None
        }
    }
}

/// The closest of a fixed vocabulary `known` (job types, hooks, modes) to `name`, as "did you
/// mean" help, or `fallback`. Names the job defines go through [`Checker::suggest`], whose
/// budget bounds the work however many there are.
pub(crate) fn suggest(name: &str, known: &[&str], fallback: impl FnOnce() -> String) -> String {
    match crate::lower::did_you_mean(name, known) {
        Some(close) => format!("did you mean `{close}`?"),
        None => fallback(),
    }
}
