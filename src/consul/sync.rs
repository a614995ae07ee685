//! Sync: compare the agent with a render, then register what is missing or changed and
//! deregister what this allocation registered earlier and no longer has.

use super::{Client, Error};
use crate::render::{Registration, RenderedGroup};
use serde::Serialize;
use serde_json::Value as Json;
use std::collections::{BTreeMap, BTreeSet};

/// One step of a plan.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum Change {
    /// Register a service the agent lacks.
    Register {
        /// The service ID.
        id: String,
    },
    /// Re-register a service whose registration differs, replacing its checks.
    Update {
        /// The service ID.
        id: String,
        /// The first difference found, such as `Tags`.
        field: String,
    },
    /// Deregister a service this allocation registered that the job no longer has.
    Deregister {
        /// The service ID.
        id: String,
    },
}

impl Change {
    /// The service ID the change is about.
    pub fn id(&self) -> &str {
        match self {
            Change::Register { id } | Change::Update { id, .. } | Change::Deregister { id } => id,
        }
    }
}

/// What `sync` will do: the changes, and the services already as they should be.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Plan {
    /// The changes, registrations first, in render order.
    pub changes: Vec<Change>,
    /// IDs of services that need nothing.
    pub unchanged: Vec<String>,
}

/// What `sync` did: the changes made, and, if it stopped on an error, the changes it did not
/// make (the next sync makes them).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct SyncReport {
    /// The plan.
    pub plan: Plan,
    /// The changes made.
    pub done: Vec<Change>,
    /// The changes not made because of an error.
    pub not_done: Vec<Change>,
}

/// The plan that makes `current` (the agent's services, `GET /v1/agent/services`, and
/// checks, `GET /v1/agent/checks`) match the render of `group`.
///
/// Only services this allocation owns are ever deregistered: those with an ID starting
/// with `_nomad-task-<alloc ID>-` and `external-source = nomad` in their meta, as Nomad
/// identifies its own. Nested sidecars (`…-sidecar-proxy`) go with their parent.
pub fn plan(
    group: &RenderedGroup,
    current: &BTreeMap<String, Json>,
    checks: &BTreeMap<String, Json>,
) -> Plan {
    let mut plan = Plan::default();
    let effective: BTreeMap<&str, &Registration> = group
        .effective_services
        .iter()
        .filter_map(|s| Some((s.id.as_deref()?, s)))
        .collect();
    let mut wanted = BTreeSet::new();
    for reg in &group.registrations {
        let Some(id) = reg.id.as_deref() else {
            continue;
        };
        wanted.insert(id.to_owned());
        let Some(have) = current.get(id) else {
            plan.changes.push(Change::Register { id: id.into() });
            continue;
        };
        let sidecar_id = format!("{id}-sidecar-proxy");
        let field = differs(reg, have)
            .or_else(|| {
                let want = effective.get(sidecar_id.as_str())?;
                match current.get(&sidecar_id) {
                    None => Some("Connect.SidecarService".into()),
                    Some(have) => differs(want, have).map(|f| format!("SidecarService.{f}")),
                }
            })
            .or_else(|| checks_differ(reg, id, checks));
        match field {
            Some(field) => plan.changes.push(Change::Update {
                id: id.into(),
                field,
            }),
            None => plan.unchanged.push(id.into()),
        }
    }
    let prefix = format!("_nomad-task-{}-", group.alloc_id);
    for (id, service) in current {
        let ours = id.starts_with(&prefix)
            && !id.ends_with("-sidecar-proxy")
            && service["Meta"]["external-source"] == "nomad";
        if ours && !wanted.contains(id) {
            plan.changes.push(Change::Deregister { id: id.clone() });
        }
    }
    plan
}

/// The first field in which the agent's service differs from the registration.
fn differs(want: &Registration, have: &Json) -> Option<String> {
    let want_json = serde_json::to_value(want).unwrap_or_default();
    let empty = |v: &Json| {
        v.is_null()
            || v == &Json::from(0)
            || v == &Json::from("")
            || v == &Json::from(false)
            || v.as_array().is_some_and(Vec::is_empty)
            || v.as_object().is_some_and(serde_json::Map::is_empty)
    };
    let same = |a: &Json, b: &Json| a == b || (empty(a) && empty(b));
    let pairs = [
        ("Name", &want_json["Name"], &have["Service"]),
        ("Kind", &want_json["Kind"], &have["Kind"]),
        ("Tags", &want_json["Tags"], &have["Tags"]),
        ("Port", &want_json["Port"], &have["Port"]),
        ("Address", &want_json["Address"], &have["Address"]),
        ("Meta", &want_json["Meta"], &have["Meta"]),
        (
            "EnableTagOverride",
            &want_json["EnableTagOverride"],
            &have["EnableTagOverride"],
        ),
    ];
    if let Some((field, ..)) = pairs.iter().find(|(_, a, b)| !same(a, b)) {
        return Some((*field).to_owned());
    }
    // The agent adds `lan_ipv4`/`wan_ipv4` (or v6) itself; compare the addresses we set.
    let tagged = want_json["TaggedAddresses"].as_object();
    if tagged.is_some_and(|t| t.iter().any(|(k, v)| have["TaggedAddresses"][k] != *v)) {
        return Some("TaggedAddresses".into());
    }
    let (want_proxy, have_proxy) = (&want_json["Proxy"], &have["Proxy"]);
    [
        "DestinationServiceName",
        "LocalServiceAddress",
        "LocalServicePort",
        "Mode",
        "Config",
        "Upstreams",
    ]
    .iter()
    .find(|f| {
        !same(&want_proxy[**f], &have_proxy[**f]) && !upstreams_match(f, want_proxy, have_proxy)
    })
    .map(|f| format!("Proxy.{f}"))
}

/// Consul fills `DestinationType` and may add empty fields to upstreams; compare what we set.
fn upstreams_match(field: &str, want: &Json, have: &Json) -> bool {
    if field != "Upstreams" {
        return false;
    }
    let (Some(want), Some(have)) = (want[field].as_array(), have[field].as_array()) else {
        return false;
    };
    want.len() == have.len()
        && want.iter().zip(have).all(|(w, h)| {
            w.as_object().is_some_and(|w| {
                w.iter().all(|(k, v)| {
                    h[k] == *v
                        || (k == "MeshGateway"
                            && v.as_object().is_some_and(serde_json::Map::is_empty))
                })
            })
        })
}

/// Whether the agent's checks of service `id` differ from the registration's (by check ID).
fn checks_differ(reg: &Registration, id: &str, checks: &BTreeMap<String, Json>) -> Option<String> {
    let want: BTreeSet<&str> = reg
        .checks
        .iter()
        .flatten()
        .filter_map(|c| c.check_id.as_deref())
        .collect();
    let have: BTreeSet<&str> = checks
        .iter()
        .filter(|(_, c)| c["ServiceID"] == id)
        .map(|(k, _)| k.as_str())
        .collect();
    (want != have).then(|| "Checks".to_owned())
}

/// Makes the agent match the render of `group`: reads the agent, plans, then (unless
/// `dry_run`) applies the plan. Registrations replace existing checks. On an error the
/// report says what was and was not done; running `sync` again converges.
pub async fn sync(
    client: &Client,
    group: &RenderedGroup,
    dry_run: bool,
) -> Result<SyncReport, (SyncReport, Error)> {
    let no_report = |e| (SyncReport::default(), e);
    let current = client.services().await.map_err(no_report)?;
    let checks = client.checks().await.map_err(no_report)?;
    let plan = plan(group, &current, &checks);
    let mut report = SyncReport {
        plan: plan.clone(),
        ..SyncReport::default()
    };
    if dry_run {
        return Ok(report);
    }
    let bodies: BTreeMap<&str, &Registration> = group
        .registrations
        .iter()
        .filter_map(|r| Some((r.id.as_deref()?, r)))
        .collect();
    let mut changes = plan.changes.into_iter();
    while let Some(change) = changes.next() {
        let result = match &change {
            Change::Register { id } | Change::Update { id, .. } => {
                client.register(bodies[id.as_str()], true).await
            }
            Change::Deregister { id } => client.deregister(id).await,
        };
        match result {
            Ok(()) => report.done.push(change),
            Err(e) => {
                report.not_done.push(change);
                report.not_done.extend(changes);
                return Err((report, e));
            }
        }
    }
    Ok(report)
}

/// Deregisters every service of the render of `group` that the agent has (nested sidecars
/// go with their parents). Returns the IDs deregistered.
pub async fn deregister_all(client: &Client, group: &RenderedGroup) -> Result<Vec<String>, Error> {
    let current = client.services().await?;
    let mut done = Vec::new();
    for id in group.registrations.iter().filter_map(|r| r.id.as_deref()) {
        if current.contains_key(id) {
            client.deregister(id).await?;
            done.push(id.to_owned());
        }
    }
    Ok(done)
}
