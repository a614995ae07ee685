//! Services and checks (`service`, `check`, `check_restart`, `weights`).

use super::{ConsulConnect, Duration, WorkloadIdentity};
use crate::span::Spanned;

schema! {
    /// A service (`service`) registered in Consul or Nomad.
    pub struct Service {
        /// The service name (API default `<job>-<group>[-<task>]`).
        name: Attr "Name" String,
        /// Tags.
        tags: Attr "Tags" Vec<Spanned<String>>,
        /// Tags while the allocation is a canary.
        canary_tags: Attr "CanaryTags" Vec<Spanned<String>>,
        /// Let Consul tag changes stand.
        enable_tag_override: Attr "EnableTagOverride" bool,
        /// A port label, or a literal port number (`port`).
        port_label = "port": Attr "PortLabel" String,
        /// `auto`, `host`, `driver`, `alloc` or `alloc_ipv6` (API default `auto`).
        address_mode: Attr "AddressMode" String,
        /// An explicit address (with `address_mode = "auto"`).
        address: Attr "Address" String,
        /// Health checks.
        checks = "check": Blocks "Checks" ServiceCheck,
        /// Restart on failing checks, for every check.
        check_restart: Blk "CheckRestart" CheckRestart,
        /// Consul Connect.
        connect: Blk "Connect" ConsulConnect,
        /// Service metadata.
        meta: MapBlk "Meta" String,
        /// Metadata while the allocation is a canary.
        canary_meta: MapBlk "CanaryMeta" String,
        /// Tagged addresses.
        tagged_addresses: MapBlk "TaggedAddresses" String,
        /// The task a group service belongs to (script checks, Connect native).
        task_name = "task": Attr "TaskName" String,
        /// `require_healthy`, `ignore_warnings` or `ignore` (API default `require_healthy`).
        on_update: Attr "OnUpdate" String,
        /// The identity used to register the service.
        identity: Blk "Identity" WorkloadIdentity,
        /// DNS SRV weights.
        weights: Blk "Weights" ServiceWeights,
        /// `consul` (the default) or `nomad`.
        provider: Attr "Provider" String,
        /// The Consul cluster (API default `default`).
        cluster: Attr "Cluster" String,
        /// The Consul service kind.
        kind: Attr "Kind" String,
    }
}

schema! {
    /// A health check (`check`).
    pub struct ServiceCheck {
        /// The check name (default `service: "<name>" check`).
        name: Attr "Name" String,
        /// `http`, `tcp`, `grpc` or `script`.
        r#type = "type": Attr "Type" String,
        /// Script command.
        command: Attr "Command" String,
        /// Script arguments.
        args: Attr "Args" Vec<Spanned<String>>,
        /// HTTP path.
        path: Attr "Path" String,
        /// `http` or `https`.
        protocol: Attr "Protocol" String,
        /// A port label, or a literal port number (`port`).
        port_label = "port": Attr "PortLabel" String,
        /// Expose the check through the Connect sidecar.
        expose: Attr "Expose" bool,
        /// `host`, `driver` or `alloc`.
        address_mode: Attr "AddressMode" String,
        /// The address checked, for `address_mode = "alloc"`.
        advertise: Attr "Advertise" String,
        /// Interval between checks.
        interval: Attr "Interval" Duration,
        /// Timeout of one check.
        timeout: Attr "Timeout" Duration,
        /// Status before the first check.
        initial_status: Attr "InitialStatus" String,
        /// Notes.
        notes: Attr "Notes" String,
        /// TLS server name for HTTPS and gRPC checks.
        tls_server_name: Attr "TLSServerName" String,
        /// Skip TLS verification.
        tls_skip_verify: Attr "TLSSkipVerify" bool,
        /// HTTP headers, each a list of values.
        header: MapBlk "Header" Vec<Spanned<String>>,
        /// HTTP method.
        method: Attr "Method" String,
        /// Restart on failing checks.
        check_restart: Blk "CheckRestart" CheckRestart,
        /// gRPC service.
        grpc_service: Attr "GRPCService" String,
        /// Use TLS for gRPC.
        grpc_use_tls: Attr "GRPCUseTLS" bool,
        /// The task that runs a script check of a group service.
        task_name = "task": Attr "TaskName" String,
        /// Successes before passing.
        success_before_passing: Attr "SuccessBeforePassing" i64,
        /// Failures before critical.
        failures_before_critical: Attr "FailuresBeforeCritical" i64,
        /// Failures before warning.
        failures_before_warning: Attr "FailuresBeforeWarning" i64,
        /// HTTP body.
        body: Attr "Body" String,
        /// `require_healthy`, `ignore_warnings` or `ignore` (inherited from the service).
        on_update: Attr "OnUpdate" String,
    }
}

schema! {
    /// Restart on failing checks (`check_restart`).
    pub struct CheckRestart {
        /// Failures before a restart.
        limit: Attr "Limit" i64,
        /// Time after a start before checks count (API default 1s).
        grace: Attr "Grace" Duration,
        /// Treat warnings as passing.
        ignore_warnings: Attr "IgnoreWarnings" bool,
    }
}

schema! {
    /// DNS SRV weights (`weights`).
    pub struct ServiceWeights {
        /// Weight while passing (API default 1).
        passing: Attr "Passing" i64,
        /// Weight while warning (API default 1).
        warning: Attr "Warning" i64,
    }
}

impl Service {
    /// The proxy of the service's Connect sidecar, if it has one.
    pub fn sidecar_proxy(&self) -> Option<&Spanned<super::ConsulProxy>> {
        self.connect
            .as_ref()?
            .sidecar_service
            .as_ref()?
            .proxy
            .as_ref()
    }
}
