//! The Consul registrations Nomad's client sends for an allocation (§4), and the sidecar
//! services as Consul stores them after applying its defaults.

use super::env::{interpolate, join_host_port};
use super::inject::{canonical_name, check_hash};
use super::{AllocContext, Assigned};
use crate::diagnostic::{Code, Diagnostic};
use crate::model::{
    ConsulGateway, ConsulProxy, ConsulSidecarService, ConsulUpstream, Job, Map, Service,
    ServiceCheck, TaskGroup, span_or, text,
};
use crate::span::{Span, Spanned};
use serde::Serialize;
use serde_json::Value as Json;
use std::collections::{BTreeMap, HashMap};

/// A `PUT /v1/agent/service/register` body (Consul's `api.AgentServiceRegistration`), with
/// the fields Nomad sets. Empty fields are left out, as Consul's Go client does.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Registration {
    /// `connect-proxy` or a gateway kind; absent for a typical service.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// The service ID, unique per agent.
    #[serde(rename = "ID", skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The service name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Tags.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tags: Option<Vec<String>>,
    /// The port.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub port: Option<u16>,
    /// The address; absent means the agent's.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    /// Addresses by network name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tagged_addresses: Option<BTreeMap<String, TaggedAddress>>,
    /// Let tag changes made in Consul stand.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub enable_tag_override: bool,
    /// Metadata.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub meta: Option<BTreeMap<String, String>>,
    /// DNS SRV weights.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub weights: Option<Weights>,
    /// The Consul namespace (Consul Enterprise).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// Health checks.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub checks: Option<Vec<AgentCheck>>,
    /// The proxy configuration of a sidecar or gateway.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub proxy: Option<AgentProxy>,
    /// Connect: native, or the nested sidecar service.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub connect: Option<AgentConnect>,
}

/// A tagged address.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct TaggedAddress {
    /// The address.
    pub address: String,
    /// The port.
    pub port: u16,
}

/// DNS SRV weights.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Weights {
    /// Weight while passing.
    pub passing: i64,
    /// Weight while warning.
    pub warning: i64,
}

/// `Connect` of a registration.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct AgentConnect {
    /// Connect Native.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub native: bool,
    /// The sidecar, registered with its parent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sidecar_service: Option<Box<Registration>>,
}

/// A check definition (Consul's `api.AgentServiceCheck`).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct AgentCheck {
    /// Nomad's check ID, `_nomad-check-<hash>`; Consul's for the sidecar checks.
    #[serde(rename = "CheckID", skip_serializing_if = "Option::is_none")]
    pub check_id: Option<String>,
    /// The name.
    pub name: String,
    /// Initial status.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// Notes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
    /// Interval, a Go duration.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub interval: Option<String>,
    /// Timeout, a Go duration.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timeout: Option<String>,
    /// TTL of a script check (interval + 31s), a Go duration.
    #[serde(rename = "TTL", skip_serializing_if = "Option::is_none")]
    pub ttl: Option<String>,
    /// HTTP URL.
    #[serde(rename = "HTTP", skip_serializing_if = "Option::is_none")]
    pub http: Option<String>,
    /// HTTP method.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    /// HTTP headers.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub header: Option<BTreeMap<String, Vec<String>>>,
    /// HTTP body.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    /// TCP address.
    #[serde(rename = "TCP", skip_serializing_if = "Option::is_none")]
    pub tcp: Option<String>,
    /// gRPC address and service.
    #[serde(rename = "GRPC", skip_serializing_if = "Option::is_none")]
    pub grpc: Option<String>,
    /// gRPC over TLS.
    #[serde(rename = "GRPCUseTLS", skip_serializing_if = "std::ops::Not::not")]
    pub grpc_use_tls: bool,
    /// TLS server name.
    #[serde(rename = "TLSServerName", skip_serializing_if = "Option::is_none")]
    pub tls_server_name: Option<String>,
    /// Skip TLS verification.
    #[serde(rename = "TLSSkipVerify", skip_serializing_if = "std::ops::Not::not")]
    pub tls_skip_verify: bool,
    /// The service an alias check follows.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub alias_service: Option<String>,
    /// Passes needed before passing.
    #[serde(skip_serializing_if = "is_zero")]
    pub success_before_passing: i64,
    /// Failures before warning.
    #[serde(skip_serializing_if = "is_zero")]
    pub failures_before_warning: i64,
    /// Failures before critical.
    #[serde(skip_serializing_if = "is_zero")]
    pub failures_before_critical: i64,
}

fn is_zero(v: &i64) -> bool {
    *v == 0
}

/// A proxy configuration (Consul's `api.AgentServiceConnectProxyConfig`).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct AgentProxy {
    /// The proxied service's name (filled by Consul for sidecars).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub destination_service_name: Option<String>,
    /// The proxied instance's ID (filled by Consul for sidecars).
    #[serde(
        rename = "DestinationServiceID",
        skip_serializing_if = "Option::is_none"
    )]
    pub destination_service_id: Option<String>,
    /// Where the proxy dials the service.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub local_service_address: Option<String>,
    /// The port the proxy dials.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub local_service_port: Option<u16>,
    /// `transparent`, or absent for Consul's default.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mode: Option<String>,
    /// Opaque configuration: `bind_address`, `bind_port`, `envoy_stats_tags`, the user's keys.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub config: Option<serde_json::Map<String, Json>>,
    /// Upstreams.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub upstreams: Option<Vec<AgentUpstream>>,
    /// Mesh gateway mode; Go's client always sends the object.
    pub mesh_gateway: MeshGateway,
    /// Exposed paths; Go's client always sends the object.
    pub expose: ExposeConfig,
}

/// An upstream (Consul's `api.Upstream`).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct AgentUpstream {
    /// `service` or `prepared_query`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub destination_type: Option<String>,
    /// The destination's partition.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub destination_partition: Option<String>,
    /// The destination's namespace.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub destination_namespace: Option<String>,
    /// The destination's peer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub destination_peer: Option<String>,
    /// The destination service.
    pub destination_name: String,
    /// The destination's datacenter.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub datacenter: Option<String>,
    /// The local listener's address.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub local_bind_address: Option<String>,
    /// The local listener's port.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub local_bind_port: Option<u16>,
    /// A Unix socket listener.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub local_bind_socket_path: Option<String>,
    /// The socket's mode.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub local_bind_socket_mode: Option<String>,
    /// Opaque per-upstream configuration.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub config: Option<serde_json::Map<String, Json>>,
    /// Mesh gateway mode; Go's client always sends the object.
    pub mesh_gateway: MeshGateway,
}

/// Mesh gateway mode.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct MeshGateway {
    /// `local`, `remote`, `none`, or absent for Consul's default.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mode: Option<String>,
}

/// Paths exposed without mTLS.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ExposeConfig {
    /// The paths.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub paths: Vec<ExposePath>,
}

/// An exposed path.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ExposePath {
    /// The host port of the listener.
    pub listener_port: u16,
    /// The HTTP path.
    pub path: String,
    /// The port the service serves the path on.
    pub local_path_port: u16,
    /// `http` or `http2`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub protocol: Option<String>,
}

/// One allocation of a group: what registrations are rendered from.
pub(super) struct Site<'a> {
    pub(super) job: &'a Job,
    pub(super) group: &'a TaskGroup,
    pub(super) cx: &'a AllocContext,
    pub(super) alloc_id: &'a str,
    pub(super) ports: &'a [Assigned],
    /// The first of `ports` with each label.
    pub(super) by_label: HashMap<&'a str, usize>,
    pub(super) env: &'a BTreeMap<String, String>,
}

impl Site<'_> {
    fn port(&self, label: &str) -> Option<&Assigned> {
        self.by_label.get(label).map(|&i| &self.ports[i])
    }

    fn i(&self, s: &str) -> String {
        interpolate(s, |k| self.env.get(k).cloned())
    }

    /// The registration bodies and the effective sidecar services.
    pub(super) fn registrations(
        &self,
        out: &mut Vec<Diagnostic>,
    ) -> (Vec<Registration>, Vec<Registration>) {
        let job_id = text(&self.job.id).unwrap_or("");
        let group = text(&self.group.name).unwrap_or("");
        let mut regs = Vec::new();
        for service in self.consul_services(&self.group.services) {
            let name = canonical_name(job_id, group, None, service);
            regs.push(self.service(service, &name, &format!("group-{group}"), out));
        }
        for task in &self.group.tasks {
            let task_name = text(&task.name).unwrap_or("");
            for service in self.consul_services(&task.services) {
                let name = canonical_name(job_id, group, Some(task_name), service);
                regs.push(self.service(service, &name, task_name, out));
            }
        }
        let effective = regs.iter().filter_map(effective_sidecar).collect();
        (regs, effective)
    }

    fn consul_services<'s>(
        &self,
        services: &'s [Spanned<Service>],
    ) -> impl Iterator<Item = &'s Spanned<Service>> {
        services
            .iter()
            .filter(|s| text(&s.provider).is_none_or(|p| p == "consul"))
    }

    fn service(
        &self,
        service: &Spanned<Service>,
        name: &str,
        workload: &str,
        out: &mut Vec<Diagnostic>,
    ) -> Registration {
        let name = self.i(name);
        let label = self.i(text(&service.port_label).unwrap_or(""));
        let id = format!("_nomad-task-{}-{workload}-{name}-{label}", self.alloc_id);
        let canary = self.cx.canary;
        let tags = match (&service.canary_tags, &service.tags) {
            (Some(t), _) if canary && !t.is_empty() => strings(t),
            (_, Some(t)) => strings(t),
            _ => Vec::new(),
        };
        let meta_src = match (&service.canary_meta, &service.meta) {
            (Some(m), _) if canary && !m.is_empty() => Some(m),
            (_, m) => m.as_ref(),
        };
        let mut meta: BTreeMap<String, String> = meta_src
            .map(|m| {
                m.iter()
                    .map(|(k, v)| (k.inner.clone(), self.i(v)))
                    .collect()
            })
            .unwrap_or_default();
        meta.insert("external-source".into(), "nomad".into());
        let mode = text(&service.address_mode).unwrap_or("auto");
        let custom = text(&service.address).map(|a| self.i(a));
        let (address, port) = match self.address(mode, &label, custom.as_deref()) {
            Some(found) => found,
            None => {
                out.push(port_error(
                    span_or(&service.port_label, service.span),
                    format!("unable to get address for service {name:?}: invalid port {label:?}: port label not found"),
                    "add a `port` block with this label to the group network, or use a port number",
                ));
                (String::new(), 0)
            }
        };
        let mut reg = Registration {
            id: Some(id.clone()),
            name: Some(name.clone()),
            kind: text(&service.kind).map(str::to_owned),
            tags: (!tags.is_empty()).then(|| tags.iter().map(|t| self.i(t)).collect()),
            port: (port > 0).then_some(port),
            address: (!address.is_empty()).then_some(address.clone()),
            enable_tag_override: service.enable_tag_override.is_some_and(|v| v.inner),
            meta: Some(meta),
            weights: service.weights.as_ref().map(|w| Weights {
                passing: w.passing.map_or(1, |v| v.inner),
                warning: w.warning.map_or(1, |v| v.inner),
            }),
            namespace: self
                .group
                .consul
                .as_ref()
                .and_then(|c| text(&c.namespace))
                .map(str::to_owned),
            tagged_addresses: service.tagged_addresses.as_ref().map(|m| {
                m.iter()
                    .map(|(k, v)| (k.inner.clone(), tagged(&self.i(v), port)))
                    .collect()
            }),
            ..Registration::default()
        };
        let checks: Vec<AgentCheck> = service
            .checks
            .iter()
            .filter_map(|c| self.check(service, c, &name, &id, &label, out))
            .collect();
        reg.checks = (!checks.is_empty()).then_some(checks);
        if let Some(connect) = &service.connect {
            if let Some(gateway) = &connect.gateway {
                self.gateway(&mut reg, gateway, &name, port);
            } else if let Some(sidecar) = &connect.sidecar_service {
                reg.connect = Some(AgentConnect {
                    native: false,
                    sidecar_service: self.sidecar(&name, &id, sidecar, out).map(Box::new),
                });
            } else if connect.native.is_some_and(|n| n.inner) {
                reg.connect = Some(AgentConnect {
                    native: true,
                    sidecar_service: None,
                });
            }
        }
        reg
    }

    /// `GetAddress` for a service: the address and port, or `None` for an unknown label.
    fn address(&self, mode: &str, label: &str, custom: Option<&str>) -> Option<(String, u16)> {
        let ip = self.cx.node_address.clone();
        let numeric = label.parse::<u16>().ok().filter(|p| *p > 0);
        if let (Some(custom), "auto") = (custom, mode) {
            let port = self.port(label).map(|p| p.value).or(numeric).unwrap_or(0);
            return Some((custom.to_owned(), port));
        }
        if label.is_empty() {
            let ip = match &self.group.networks[..] {
                [one] => text(&one.ip).unwrap_or("").to_owned(),
                _ => String::new(),
            };
            return Some((ip, 0));
        }
        match mode {
            "alloc" | "alloc_ipv6" | "driver" => match self.port(label) {
                Some(p) => Some((ip, if p.to > 0 { p.to } else { p.value })),
                None => numeric.map(|n| (ip, n)),
            },
            _ => match self.port(label) {
                Some(p) => Some((ip, p.value)),
                None => numeric.map(|n| (String::new(), n)),
            },
        }
    }

    fn check(
        &self,
        service: &Service,
        check: &Spanned<ServiceCheck>,
        service_name: &str,
        service_id: &str,
        service_label: &str,
        out: &mut Vec<Diagnostic>,
    ) -> Option<AgentCheck> {
        let c = &check.inner;
        let t = |v: &Option<Spanned<String>>| text(v).map(|s| self.i(s));
        let kind = text(&c.r#type).unwrap_or("").to_ascii_lowercase();
        let name = t(&c.name).unwrap_or_else(|| format!("service: {service_name:?} check"));
        let duration = |d: &Option<Spanned<crate::model::Duration>>| {
            d.map_or(crate::model::Duration(0), |d| d.inner)
        };
        let mut reg = AgentCheck {
            check_id: Some(format!(
                "_nomad-check-{}",
                check_hash(service_name, c, service_id)
            )),
            name: name.clone(),
            status: t(&c.initial_status).filter(|s| !s.is_empty()),
            notes: t(&c.notes).filter(|s| !s.is_empty()),
            interval: Some(duration(&c.interval).to_string()),
            timeout: Some(duration(&c.timeout).to_string()),
            success_before_passing: c.success_before_passing.map_or(0, |v| v.inner),
            failures_before_warning: c.failures_before_warning.map_or(0, |v| v.inner),
            failures_before_critical: c.failures_before_critical.map_or(0, |v| v.inner),
            ..AgentCheck::default()
        };
        if kind == "script" {
            let ttl = duration(&c.interval).0 + 31 * crate::model::Duration::SECOND.0;
            reg.ttl = Some(crate::model::Duration(ttl).to_string());
            reg.interval = None;
            return Some(reg);
        }
        if !matches!(kind.as_str(), "http" | "tcp" | "grpc") {
            return Some(reg);
        }
        let label = t(&c.port_label).unwrap_or_else(|| service_label.to_owned());
        let default_mode = if service.address.is_some() {
            "auto"
        } else {
            "host"
        };
        let mode = text(&c.address_mode).unwrap_or(default_mode);
        let custom = text(&service.address).map(|a| self.i(a));
        let found = self.address(mode, &label, custom.as_deref());
        let Some((host, port)) = found.filter(|(_, p)| *p > 0) else {
            out.push(port_error(
                span_or(&c.port_label, check.span),
                format!("failed to add check {name:?}: {kind} checks require an address"),
                "give the check or its service a port label of the group network",
            ));
            return None;
        };
        let addr = join_host_port(&host, port);
        match kind.as_str() {
            "http" => {
                let proto = t(&c.protocol).filter(|p| !p.is_empty());
                let path = t(&c.path).unwrap_or_default();
                let sep = if path.is_empty() || path.starts_with('/') {
                    ""
                } else {
                    "/"
                };
                reg.http = Some(format!(
                    "{}://{addr}{sep}{path}",
                    proto.as_deref().unwrap_or("http")
                ));
                reg.method = t(&c.method).filter(|m| !m.is_empty());
                reg.body = t(&c.body).filter(|b| !b.is_empty());
                reg.header = c.header.as_ref().map(|h| {
                    h.iter()
                        .map(|(k, v)| (k.inner.clone(), v.iter().map(|x| self.i(x)).collect()))
                        .collect()
                });
                reg.tls_skip_verify = c.tls_skip_verify.is_some_and(|v| v.inner);
                reg.tls_server_name = t(&c.tls_server_name).filter(|s| !s.is_empty());
            }
            "tcp" => reg.tcp = Some(addr),
            _ => {
                let grpc_service = t(&c.grpc_service).unwrap_or_default();
                reg.grpc = Some(format!("{addr}/{grpc_service}"));
                reg.grpc_use_tls = c.grpc_use_tls.is_some_and(|v| v.inner);
                reg.tls_skip_verify = c.tls_skip_verify.is_some_and(|v| v.inner);
                reg.tls_server_name = t(&c.tls_server_name).filter(|s| !s.is_empty());
            }
        }
        Some(reg)
    }

    /// A gateway's `Kind` and `Proxy` (§4.8), with the `-1` bind ports filled in.
    fn gateway(&self, reg: &mut Registration, gateway: &ConsulGateway, name: &str, port: u16) {
        let kind = gateway.kind().unwrap_or("mesh");
        reg.kind = Some(format!("{kind}-gateway"));
        let mut config = serde_json::Map::new();
        let Some(proxy) = &gateway.proxy else {
            reg.proxy = Some(AgentProxy::default());
            return;
        };
        if let Some(timeout) = proxy.connect_timeout {
            config.insert("connect_timeout_ms".into(), (timeout.0 / 1_000_000).into());
        }
        if !proxy.envoy_gateway_bind_addresses.is_empty() {
            let binds = proxy
                .envoy_gateway_bind_addresses
                .iter()
                .map(|(bind, a)| {
                    let filled = match (kind, bind.as_str()) {
                        ("terminating", "default") => self
                            .port(&format!("connect-terminating-{name}"))
                            .map(|p| p.value),
                        ("mesh", "wan") => Some(port),
                        ("mesh", "lan") => self
                            .port(&format!("connect-mesh-{name}-lan"))
                            .map(|p| p.value),
                        _ => None,
                    };
                    let given = a.port.map_or(0, |p| p.inner);
                    let port = if given == -1 {
                        filled.map_or(0, i64::from)
                    } else {
                        given
                    };
                    let address = text(&a.address).unwrap_or("");
                    (
                        bind.inner.clone(),
                        serde_json::json!({"Address": address, "Port": port}),
                    )
                })
                .collect();
            config.insert("envoy_gateway_bind_addresses".into(), Json::Object(binds));
        }
        if proxy.envoy_gateway_no_default_bind.is_some_and(|v| v.inner) {
            config.insert("envoy_gateway_no_default_bind".into(), true.into());
        }
        if proxy
            .envoy_gateway_bind_tagged_addresses
            .is_some_and(|v| v.inner)
        {
            config.insert("envoy_gateway_bind_tagged_addresses".into(), true.into());
        }
        if let Some(dns) = text(&proxy.envoy_dns_discovery_type) {
            config.insert("envoy_dns_discovery_type".into(), dns.into());
        }
        config.extend(json_map(&proxy.config, |s| self.i(s)));
        reg.proxy = Some(AgentProxy {
            config: Some(config),
            ..AgentProxy::default()
        });
    }

    /// The nested `Connect.SidecarService` (§4.3).
    fn sidecar(
        &self,
        name: &str,
        parent_id: &str,
        sidecar: &Spanned<ConsulSidecarService>,
        out: &mut Vec<Diagnostic>,
    ) -> Option<Registration> {
        let label = match text(&sidecar.port) {
            Some(l) if !l.is_empty() => self.i(l),
            _ => format!("connect-proxy-{name}"),
        };
        let Some(mapping) = self.port(&label) else {
            out.push(port_error(
                span_or(&sidecar.port, sidecar.span),
                format!("invalid Consul Connect configuration for service {name:?}: No port of label {label:?} defined"),
                "run the job through `inject` first, or define the port in the group network",
            ));
            return None;
        };
        let host = self.cx.node_address.clone();
        let mut checks = vec![AgentCheck {
            name: format!("Connect Sidecar Aliasing {parent_id}"),
            alias_service: Some(parent_id.to_owned()),
            ..AgentCheck::default()
        }];
        if !sidecar.disable_default_tcp_check.is_some_and(|d| d.inner) {
            checks.push(AgentCheck {
                name: "Connect Sidecar Listening".into(),
                tcp: Some(join_host_port(&host, mapping.value)),
                interval: Some("10s".into()),
                ..AgentCheck::default()
            });
        }
        let default_proxy = ConsulProxy::default();
        let proxy = sidecar.proxy.as_ref().map_or(&default_proxy, |p| &p.inner);
        Some(Registration {
            tags: sidecar
                .tags
                .as_ref()
                .map(|t| t.iter().map(|t| self.i(t)).collect()),
            port: Some(mapping.value),
            address: Some(host),
            meta: sidecar.meta.as_ref().map(|m| {
                m.iter()
                    .map(|(k, v)| (k.inner.clone(), v.inner.clone()))
                    .collect()
            }),
            proxy: Some(self.proxy(proxy, mapping.to, out)),
            checks: Some(checks),
            ..Registration::default()
        })
    }

    /// The sidecar's `Proxy` (§4.4).
    fn proxy(&self, proxy: &ConsulProxy, bind_port: u16, out: &mut Vec<Diagnostic>) -> AgentProxy {
        let mut config = json_map(&proxy.config, |s| self.i(s));
        if !config.contains_key("bind_address") {
            let mode = text(&self.group.networks[0].mode).unwrap_or("host");
            let bridge = mode == "bridge" || mode.starts_with("cni/");
            let v6 = self.cx.node_address.parse::<std::net::Ipv6Addr>().is_ok();
            let any = if bridge && v6 { "::" } else { "0.0.0.0" };
            config.insert("bind_address".into(), any.into());
        }
        config.insert("bind_port".into(), bind_port.into());
        let namespace = self.cx.namespace(self.job);
        let mut tags: Vec<Json> = [
            ("nomad.alloc_id", self.alloc_id),
            ("nomad.group", text(&self.group.name).unwrap_or("")),
            ("nomad.job", text(&self.job.id).unwrap_or("")),
            ("nomad.namespace", namespace),
        ]
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| Json::String(format!("{k}={v}")))
        .collect();
        tags.sort_by(|a, b| a.as_str().cmp(&b.as_str()));
        config.insert("envoy_stats_tags".into(), Json::Array(tags));
        let expose = proxy.expose_config.as_ref().or(proxy.expose.as_ref());
        let paths = expose
            .map(|e| if e.path.is_empty() { &e.paths } else { &e.path })
            .into_iter()
            .flatten()
            .filter_map(|p| self.expose_path(p, out))
            .collect();
        let upstreams: Vec<AgentUpstream> =
            proxy.upstreams.iter().map(|u| self.upstream(u)).collect();
        AgentProxy {
            mode: proxy
                .transparent_proxy
                .is_some()
                .then(|| "transparent".into()),
            local_service_address: text(&proxy.local_service_address)
                .filter(|a| !a.is_empty())
                .map(|a| self.i(a)),
            local_service_port: proxy
                .local_service_port
                .and_then(|p| u16::try_from(p.inner).ok())
                .filter(|p| *p > 0),
            upstreams: (!upstreams.is_empty()).then_some(upstreams),
            expose: ExposeConfig { paths },
            config: Some(config),
            ..AgentProxy::default()
        }
    }

    fn expose_path(
        &self,
        path: &Spanned<crate::model::ConsulExposePath>,
        out: &mut Vec<Diagnostic>,
    ) -> Option<ExposePath> {
        let label = self.i(text(&path.listener_port).unwrap_or(""));
        let Some(listener) = self.port(&label).filter(|p| p.value > 0) else {
            out.push(port_error(
                span_or(&path.listener_port, path.span),
                format!("No port of label {label:?} defined"),
                "define the expose listener's port label in the group network",
            ));
            return None;
        };
        Some(ExposePath {
            listener_port: listener.value,
            path: self.i(text(&path.path).unwrap_or("")),
            local_path_port: path
                .local_path_port
                .and_then(|p| u16::try_from(p.inner).ok())
                .unwrap_or(0),
            protocol: text(&path.protocol).map(|p| self.i(p)),
        })
    }

    fn upstream(&self, u: &ConsulUpstream) -> AgentUpstream {
        let t = |v: &Option<Spanned<String>>| text(v).filter(|s| !s.is_empty()).map(str::to_owned);
        let mode = u
            .mesh_gateway
            .as_ref()
            .and_then(|m| text(&m.mode))
            .filter(|m| matches!(*m, "local" | "remote" | "none"))
            .map(str::to_owned);
        let config = json_map(&u.config, |s| self.i(s));
        AgentUpstream {
            destination_type: t(&u.destination_type),
            destination_partition: t(&u.destination_partition),
            destination_namespace: t(&u.destination_namespace),
            destination_peer: t(&u.destination_peer),
            destination_name: self.i(text(&u.destination_name).unwrap_or("")),
            datacenter: t(&u.datacenter).map(|d| self.i(&d)),
            local_bind_address: t(&u.local_bind_address).map(|a| self.i(&a)),
            local_bind_port: u
                .local_bind_port
                .and_then(|p| u16::try_from(p.inner).ok())
                .filter(|p| *p > 0),
            local_bind_socket_path: t(&u.local_bind_socket_path),
            local_bind_socket_mode: t(&u.local_bind_socket_mode),
            config: (!config.is_empty()).then_some(config),
            mesh_gateway: MeshGateway { mode },
        }
    }
}

/// The sidecar of `parent` as Consul stores it (`sidecarServiceFromNodeService`).
fn effective_sidecar(parent: &Registration) -> Option<Registration> {
    let mut side = parent.connect.as_ref()?.sidecar_service.as_deref()?.clone();
    let id = format!("{}-sidecar-proxy", parent.id.as_deref().unwrap_or(""));
    side.kind = Some("connect-proxy".into());
    side.name = Some(format!(
        "{}-sidecar-proxy",
        parent.name.as_deref().unwrap_or("")
    ));
    if side.tags.as_ref().is_none_or(Vec::is_empty) {
        side.tags.clone_from(&parent.tags);
    }
    if side.meta.as_ref().is_none_or(BTreeMap::is_empty) {
        side.meta.clone_from(&parent.meta);
    }
    if side.address.is_none() {
        side.address.clone_from(&parent.address);
    }
    if let Some(proxy) = &mut side.proxy {
        proxy.destination_service_name.clone_from(&parent.name);
        proxy.destination_service_id = parent.id.clone();
        proxy
            .local_service_address
            .get_or_insert_with(|| "127.0.0.1".into());
        if proxy.local_service_port.is_none() {
            proxy.local_service_port = parent.port;
        }
        for u in proxy.upstreams.iter_mut().flatten() {
            u.destination_type.get_or_insert_with(|| "service".into());
        }
    }
    if let Some(checks) = &mut side.checks {
        let single = checks.len() == 1;
        for (i, check) in checks.iter_mut().enumerate() {
            check.check_id = Some(if single {
                format!("service:{id}")
            } else {
                format!("service:{id}:{}", i + 1)
            });
        }
    }
    side.id = Some(id);
    Some(side)
}

fn strings(list: &Spanned<Vec<Spanned<String>>>) -> Vec<String> {
    list.iter().map(|s| s.inner.clone()).collect()
}

/// A tagged address: `ip` or `ip:port`; without a port, the service's.
fn tagged(value: &str, port: u16) -> TaggedAddress {
    let split = value
        .rsplit_once(':')
        .filter(|(host, _)| !host.contains(':') || host.starts_with('['))
        .and_then(|(host, p)| Some((host.trim_matches(['[', ']']), p.parse().ok()?)));
    match split {
        Some((host, p)) => TaggedAddress {
            address: host.to_owned(),
            port: p,
        },
        None => TaggedAddress {
            address: value.to_owned(),
            port,
        },
    }
}

/// A free-form map as JSON, its top-level strings interpolated.
fn json_map(
    map: &Option<Spanned<Map<crate::model::Value>>>,
    i: impl Fn(&str) -> String,
) -> serde_json::Map<String, Json> {
    let Some(map) = map else {
        return serde_json::Map::new();
    };
    map.iter()
        .map(|(k, v)| {
            let value = match &v.inner {
                crate::model::Value::String(s) => Json::String(i(s)),
                other => serde_json::to_value(other).unwrap_or(Json::Null),
            };
            (k.inner.clone(), value)
        })
        .collect()
}

fn port_error(span: Span, message: String, help: &str) -> Diagnostic {
    Diagnostic::new(Code::RenderPort, span, message)
        .with_label("no such port in this allocation")
        .with_help(help)
}
