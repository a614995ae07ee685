//! What a local-bind sidecar proxy must do for each Connect service: its public listener,
//! one listener per upstream, and the expose listeners. The proxy runs from exactly this.

use super::consul::{AgentUpstream, Registration};
use serde::Serialize;
use serde_json::Value as Json;

/// The configuration of one sidecar proxy.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ProxyConfig {
    /// The service the proxy fronts.
    pub service: String,
    /// The proxy's own service ID in Consul (`<parent ID>-sidecar-proxy`).
    pub proxy_id: String,
    /// The inbound (mTLS) listener, forwarding to the local service.
    pub public_listener: Listener,
    /// One listener per upstream.
    pub upstreams: Vec<UpstreamListener>,
    /// Plain-HTTP listeners for exposed paths.
    pub expose: Vec<ExposeListener>,
}

/// The public listener: where it binds and the local service it forwards to.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Listener {
    /// The bind address inside the network namespace.
    pub bind_address: String,
    /// The bind port inside the network namespace.
    pub bind_port: u16,
    /// The local service's address.
    pub local_service_address: String,
    /// The local service's port.
    pub local_service_port: u16,
}

/// An upstream listener and its destination.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct UpstreamListener {
    /// The destination service.
    pub destination_name: String,
    /// `service` or `prepared_query`.
    pub destination_type: String,
    /// The destination's namespace.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub destination_namespace: Option<String>,
    /// The destination's admin partition.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub destination_partition: Option<String>,
    /// The destination's cluster peer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub destination_peer: Option<String>,
    /// The destination's datacenter.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub datacenter: Option<String>,
    /// The listener's address (Consul's default `127.0.0.1`); absent for a socket.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub local_bind_address: Option<String>,
    /// The listener's port; absent for a socket.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub local_bind_port: Option<u16>,
    /// A Unix socket to listen on instead.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub local_bind_socket_path: Option<String>,
    /// The socket's mode, e.g. `"0700"`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub local_bind_socket_mode: Option<String>,
    /// The upstream's `config`: `connect_timeout_ms`, `protocol`, `limits`, ...
    pub config: serde_json::Map<String, Json>,
    /// `local`, `remote` or `none`; absent for Consul's default.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mesh_gateway: Option<String>,
}

/// A listener that serves one path of the local service without mTLS.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ExposeListener {
    /// The path.
    pub path: String,
    /// `http` or `http2`.
    pub protocol: String,
    /// The listener's port.
    pub listener_port: u16,
    /// The local service's port for the path.
    pub local_path_port: u16,
}

/// One proxy per effective sidecar service.
pub(super) fn proxies(effective: &[Registration]) -> Vec<ProxyConfig> {
    effective.iter().filter_map(proxy).collect()
}

fn proxy(side: &Registration) -> Option<ProxyConfig> {
    let p = side.proxy.as_ref()?;
    let config = p.config.as_ref();
    let get = |k: &str| config.and_then(|c| c.get(k));
    let bind_address = get("bind_address")
        .and_then(Json::as_str)
        .unwrap_or("0.0.0.0")
        .to_owned();
    let bind_port = get("bind_port")
        .and_then(Json::as_u64)
        .and_then(|p| u16::try_from(p).ok())
        .unwrap_or(0);
    Some(ProxyConfig {
        service: p.destination_service_name.clone().unwrap_or_default(),
        proxy_id: side.id.clone().unwrap_or_default(),
        public_listener: Listener {
            bind_address,
            bind_port,
            local_service_address: p.local_service_address.clone().unwrap_or_default(),
            local_service_port: p.local_service_port.unwrap_or(0),
        },
        upstreams: p.upstreams.iter().flatten().map(upstream).collect(),
        expose: p
            .expose
            .paths
            .iter()
            .map(|e| ExposeListener {
                path: e.path.clone(),
                protocol: e.protocol.clone().unwrap_or_else(|| "http".into()),
                listener_port: e.listener_port,
                local_path_port: e.local_path_port,
            })
            .collect(),
    })
}

fn upstream(u: &AgentUpstream) -> UpstreamListener {
    let socket = u.local_bind_socket_path.is_some();
    UpstreamListener {
        destination_name: u.destination_name.clone(),
        destination_type: u
            .destination_type
            .clone()
            .unwrap_or_else(|| "service".into()),
        destination_namespace: u.destination_namespace.clone(),
        destination_partition: u.destination_partition.clone(),
        destination_peer: u.destination_peer.clone(),
        datacenter: u.datacenter.clone(),
        local_bind_address: (!socket).then(|| {
            u.local_bind_address
                .clone()
                .unwrap_or_else(|| "127.0.0.1".into())
        }),
        local_bind_port: u.local_bind_port,
        local_bind_socket_path: u.local_bind_socket_path.clone(),
        local_bind_socket_mode: u.local_bind_socket_mode.clone(),
        config: u.config.clone().unwrap_or_default(),
        mesh_gateway: u.mesh_gateway.mode.clone(),
    }
}
