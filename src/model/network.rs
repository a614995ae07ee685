//! Networks and ports (`network`, `port "<label>"`, `dns`, `cni`).

use crate::span::Spanned;

schema! {
    /// A network (`network`), in a group or (deprecated) in task resources.
    pub struct NetworkResource {
        /// `host` (the default when empty), `bridge`, `none` or `cni/<name>`.
        mode: Attr "Mode" String,
        /// Host device.
        device: Attr "Device" String,
        /// CIDR.
        cidr: Attr "CIDR" String,
        /// IP address.
        ip: Attr "IP" String,
        /// DNS configuration of the network namespace.
        dns: Blk "DNS" DnsConfig,
        /// Static ports. The parser moves every `port` with `static > 0` here.
        reserved_ports: Reserved "ReservedPorts" Port,
        /// Dynamic ports (`port "<label>" { }` without `static`).
        dynamic_ports = "port": Blocks "DynamicPorts" Port,
        /// Hostname of the network namespace.
        hostname: Attr "Hostname" String,
        /// Deprecated bandwidth in Mbits.
        mbits: Attr "MBits" i64,
        /// CNI arguments.
        cni: Blk "CNI" CniConfig,
    }
    deprecated {
        "mbits" => "Nomad ignores `mbits` since 1.0",
    }
}

schema! {
    /// A port (`port "<label>"`).
    pub struct Port label "port label" {
        /// The label, used by services, checks and `NOMAD_PORT_<label>`.
        label: Label "Label" String,
        /// The static host port (`static`); 0 means dynamic.
        value = "static": Attr "Value" i64,
        /// The port inside the network namespace (`to`); -1 means the host port.
        to: Attr "To" i64,
        /// The host network to allocate on.
        host_network: Attr "HostNetwork" String,
        /// Allow the static port to collide (host mode only).
        ignore_collision: Attr "IgnoreCollision" bool,
    }
}

schema! {
    /// DNS configuration (`dns`).
    pub struct DnsConfig {
        /// Name servers.
        servers: Attr "Servers" Vec<Spanned<String>>,
        /// Search domains.
        searches: Attr "Searches" Vec<Spanned<String>>,
        /// Resolver options.
        options: Attr "Options" Vec<Spanned<String>>,
    }
}

schema! {
    /// CNI arguments (`cni`).
    pub struct CniConfig {
        /// Arguments passed to the CNI plugins.
        args: Attr "Args" super::Map<String>,
    }
}
