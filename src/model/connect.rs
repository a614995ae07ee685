//! Consul Connect: `connect`, `sidecar_service`, `sidecar_task`, `proxy`, `upstreams`,
//! `expose`, `transparent_proxy`, `mesh_gateway` and the gateways.

use super::{Duration, LogConfig, Resources, Value, VolumeMount, WorkloadIdentity};
use crate::span::Spanned;

schema! {
    /// Consul Connect for a group service (`connect`): exactly one of a sidecar, native, or a gateway.
    pub struct ConsulConnect {
        /// The service speaks Connect itself (Connect Native).
        native: Attr "Native" bool,
        /// Makes the service a gateway.
        gateway: Blk "Gateway" ConsulGateway,
        /// Makes Nomad inject a sidecar proxy; may be empty.
        sidecar_service: Blk "SidecarService" ConsulSidecarService,
        /// Overrides for the injected sidecar (or gateway) task.
        sidecar_task: Blk "SidecarTask" SidecarTask,
    }
}

schema! {
    /// The sidecar service (`sidecar_service`).
    pub struct ConsulSidecarService {
        /// Tags; Consul copies the parent's when empty.
        tags: Attr "Tags" Vec<Spanned<String>>,
        /// The port *label* of the sidecar (default `connect-proxy-<service>`).
        port: Attr "Port" String,
        /// The proxy.
        proxy: Blk "Proxy" ConsulProxy,
        /// Drop the `Connect Sidecar Listening` TCP check.
        disable_default_tcp_check: Attr "DisableDefaultTCPCheck" bool,
        /// Metadata; Consul copies the parent's when empty.
        meta: MapBlk "Meta" String,
    }
}

schema! {
    /// Overrides for the injected sidecar task (`sidecar_task`).
    pub struct SidecarTask {
        /// Renames the task.
        name: Attr "Name" String,
        /// The driver; a different one replaces `config` instead of merging it.
        driver: Attr "Driver" String,
        /// The user.
        user: Attr "User" String,
        /// Driver configuration, free-form.
        config: MapBlk "Config" Value,
        /// Environment variables.
        env: MapBlk "Env" String,
        /// Resources (API default cpu 100, memory 300).
        resources: Blk "Resources" Resources,
        /// Metadata.
        meta: MapBlk "Meta" String,
        /// Kill timeout (API default 5s).
        kill_timeout: Attr "KillTimeout" Duration,
        /// Log rotation (API default 10 files of 10 MB).
        log_config = "logs": Blk "LogConfig" LogConfig,
        /// Shutdown delay (API default 0).
        shutdown_delay: Attr "ShutdownDelay" Duration,
        /// Kill signal.
        kill_signal: Attr "KillSignal" String,
        /// Volumes to mount.
        volume_mounts = "volume_mount": Blocks "VolumeMounts" VolumeMount,
        /// Workload identities.
        identities = "identity": Blocks "Identities" WorkloadIdentity,
    }
}

schema! {
    /// The sidecar proxy (`proxy`).
    pub struct ConsulProxy {
        /// Address the proxy forwards to (Consul default `127.0.0.1`).
        local_service_address: Attr "LocalServiceAddress" String,
        /// Port the proxy forwards to (Consul default: the parent service's port).
        local_service_port: Attr "LocalServicePort" i64,
        /// Paths exposed without mTLS.
        expose: Blk "Expose" ConsulExposeConfig,
        /// Deprecated API alias of `Expose`, preferred when both are set.
        expose_config: Api "ExposeConfig" Option<Spanned<ConsulExposeConfig>>,
        /// Upstream services (the block name is plural: `upstreams`).
        upstreams: Blocks "Upstreams" ConsulUpstream,
        /// Transparent proxy.
        transparent_proxy: Blk "TransparentProxy" ConsulTransparentProxy,
        /// Opaque proxy configuration, free-form.
        config: MapBlk "Config" Value,
    }
}

schema! {
    /// An upstream (`upstreams`): a local listener the proxy forwards to a service.
    pub struct ConsulUpstream {
        /// The destination service.
        destination_name: Attr "DestinationName" String,
        /// The destination's namespace.
        destination_namespace: Attr "DestinationNamespace" String,
        /// The destination's cluster peer.
        destination_peer: Attr "DestinationPeer" String,
        /// The destination's admin partition.
        destination_partition: Attr "DestinationPartition" String,
        /// `service` or `prepared_query`.
        destination_type: Attr "DestinationType" String,
        /// The local listener's port.
        local_bind_port: Attr "LocalBindPort" i64,
        /// The destination's datacenter.
        datacenter: Attr "Datacenter" String,
        /// The local listener's address.
        local_bind_address: Attr "LocalBindAddress" String,
        /// A Unix socket instead of a port.
        local_bind_socket_path: Attr "LocalBindSocketPath" String,
        /// The socket's mode, e.g. `"0700"`.
        local_bind_socket_mode: Attr "LocalBindSocketMode" String,
        /// Mesh gateway use.
        mesh_gateway: Blk "MeshGateway" ConsulMeshGateway,
        /// Opaque upstream configuration, free-form.
        config: MapBlk "Config" Value,
    }
}

schema! {
    /// Mesh gateway use (`mesh_gateway`).
    pub struct ConsulMeshGateway {
        /// `local`, `remote` or `none`.
        mode: Attr "Mode" String,
    }
}

schema! {
    /// Paths exposed without mTLS (`expose`).
    pub struct ConsulExposeConfig {
        /// The paths (`path` blocks).
        paths = "path": Blocks "Paths" ConsulExposePath,
        /// Deprecated API alias of `Paths`, preferred when both are set.
        path: Api "Path" Vec<Spanned<ConsulExposePath>>,
    }
}

schema! {
    /// An exposed path (`path`).
    pub struct ConsulExposePath {
        /// The HTTP path, e.g. `/health`.
        path: Attr "Path" String,
        /// `http` or `grpc`.
        protocol: Attr "Protocol" String,
        /// The port the service listens on in the namespace.
        local_path_port: Attr "LocalPathPort" i64,
        /// The port *label* the path is exposed on.
        listener_port: Attr "ListenerPort" String,
    }
}

schema! {
    /// Transparent proxy (`transparent_proxy`).
    pub struct ConsulTransparentProxy {
        /// The proxy's user ID (node default `101`).
        uid: Attr "UID" String,
        /// The outbound listener port (node default 15001).
        outbound_port: Attr "OutboundPort" u16,
        /// Inbound ports not redirected: labels or numbers.
        exclude_inbound_ports: Attr "ExcludeInboundPorts" Vec<Spanned<String>>,
        /// Outbound ports not redirected.
        exclude_outbound_ports: Attr "ExcludeOutboundPorts" Vec<Spanned<u16>>,
        /// Outbound CIDRs not redirected.
        exclude_outbound_cidrs: Attr "ExcludeOutboundCIDRs" Vec<Spanned<String>>,
        /// User IDs whose traffic is not redirected.
        exclude_uids: Attr "ExcludeUIDs" Vec<Spanned<String>>,
        /// Do not redirect DNS to Consul.
        no_dns: Attr "NoDNS" bool,
    }
}

schema! {
    /// A Connect gateway (`gateway`): exactly one of ingress, terminating or mesh.
    pub struct ConsulGateway {
        /// The gateway's Envoy proxy.
        proxy: Blk "Proxy" ConsulGatewayProxy,
        /// Ingress gateway.
        ingress: Blk "Ingress" ConsulIngressConfigEntry,
        /// Terminating gateway.
        terminating: Blk "Terminating" ConsulTerminatingConfigEntry,
        /// Mesh gateway.
        mesh: Blk "Mesh" ConsulMeshConfigEntry,
    }
}

impl ConsulGateway {
    /// The gateway's kind, `ingress`, `terminating` or `mesh`, by its configuration entry;
    /// `None` when it has none.
    pub fn kind(&self) -> Option<&'static str> {
        if self.ingress.is_some() {
            Some("ingress")
        } else if self.terminating.is_some() {
            Some("terminating")
        } else if self.mesh.is_some() {
            Some("mesh")
        } else {
            None
        }
    }
}

schema! {
    /// A gateway's Envoy proxy (`proxy` in `gateway`).
    pub struct ConsulGatewayProxy {
        /// Upstream connect timeout (API default 5s).
        connect_timeout: Attr "ConnectTimeout" Duration,
        /// Bind the tagged addresses.
        envoy_gateway_bind_tagged_addresses: Attr "EnvoyGatewayBindTaggedAddresses" bool,
        /// Extra bind addresses, by name.
        envoy_gateway_bind_addresses: Labelled "EnvoyGatewayBindAddresses" ConsulGatewayBindAddress,
        /// Do not bind the default address.
        envoy_gateway_no_default_bind: Attr "EnvoyGatewayNoDefaultBind" bool,
        /// Envoy's DNS discovery type.
        envoy_dns_discovery_type: Attr "EnvoyDNSDiscoveryType" String,
        /// Opaque Envoy configuration, free-form.
        config: MapBlk "Config" Value,
    }
}

schema! {
    /// A gateway bind address (`envoy_gateway_bind_addresses "<name>"`).
    pub struct ConsulGatewayBindAddress label "address name" {
        /// The name (the label).
        name: Label "Name" String,
        /// The address.
        address: Attr "Address" String,
        /// The port.
        port: Attr "Port" i64,
    }
}

schema! {
    /// An ingress gateway (`ingress`).
    pub struct ConsulIngressConfigEntry {
        /// TLS for every listener.
        tls: Blk "TLS" ConsulGatewayTlsConfig,
        /// The listeners.
        listeners = "listener": Blocks "Listeners" ConsulIngressListener,
    }
}

schema! {
    /// Gateway TLS (`tls`).
    pub struct ConsulGatewayTlsConfig {
        /// Whether TLS is on.
        enabled: Attr "Enabled" bool,
        /// Minimum TLS version.
        tls_min_version: Attr "TLSMinVersion" String,
        /// Maximum TLS version.
        tls_max_version: Attr "TLSMaxVersion" String,
        /// Cipher suites.
        cipher_suites: Attr "CipherSuites" Vec<Spanned<String>>,
        /// Certificates from SDS.
        sds: Blk "SDS" ConsulGatewayTlsSdsConfig,
    }
}

schema! {
    /// Certificates from SDS (`sds`).
    pub struct ConsulGatewayTlsSdsConfig {
        /// The SDS cluster.
        cluster_name: Attr "ClusterName" String,
        /// The certificate resource.
        cert_resource: Attr "CertResource" String,
    }
}

schema! {
    /// An ingress listener (`listener`).
    pub struct ConsulIngressListener {
        /// The port.
        port: Attr "Port" i64,
        /// `tcp` (API default), `http`, `http2` or `grpc`.
        protocol: Attr "Protocol" String,
        /// Services behind the listener.
        services = "service": Blocks "Services" ConsulIngressService,
    }
}

schema! {
    /// A service behind an ingress listener (`service`).
    pub struct ConsulIngressService {
        /// The service name.
        name: Attr "Name" String,
        /// Hosts routed to it.
        hosts: Attr "Hosts" Vec<Spanned<String>>,
        /// TLS for the service.
        tls: Blk "TLS" ConsulGatewayTlsConfig,
        /// Request header changes.
        request_headers: Blk "RequestHeaders" ConsulHttpHeaderModifiers,
        /// Response header changes.
        response_headers: Blk "ResponseHeaders" ConsulHttpHeaderModifiers,
        /// Connection limit.
        max_connections: Attr "MaxConnections" u32,
        /// Pending request limit.
        max_pending_requests: Attr "MaxPendingRequests" u32,
        /// Concurrent request limit.
        max_concurrent_requests: Attr "MaxConcurrentRequests" u32,
    }
}

schema! {
    /// HTTP header changes (`request_headers`, `response_headers`).
    pub struct ConsulHttpHeaderModifiers {
        /// Headers to add.
        add: MapBlk "Add" String,
        /// Headers to set.
        set: MapBlk "Set" String,
        /// Headers to remove.
        remove: Attr "Remove" Vec<Spanned<String>>,
    }
}

schema! {
    /// A terminating gateway (`terminating`).
    pub struct ConsulTerminatingConfigEntry {
        /// The linked services.
        services = "service": Blocks "Services" ConsulLinkedService,
    }
}

schema! {
    /// A service linked to a terminating gateway (`service`).
    pub struct ConsulLinkedService {
        /// The service name.
        name: Attr "Name" String,
        /// CA file.
        ca_file: Attr "CAFile" String,
        /// Certificate file.
        cert_file: Attr "CertFile" String,
        /// Key file.
        key_file: Attr "KeyFile" String,
        /// SNI.
        sni: Attr "SNI" String,
    }
}

schema! {
    /// A mesh gateway (`mesh`); it has no settings.
    pub struct ConsulMeshConfigEntry {}
}
