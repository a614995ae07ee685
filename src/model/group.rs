//! The `group` block and what only a group holds: volumes, restart, disconnect, ephemeral disk,
//! scaling and the Consul block.

use super::{
    Affinity, Constraint, Duration, MigrateStrategy, NetworkResource, ReschedulePolicy, Secret,
    Service, Spread, Task, UpdateStrategy, Value, Vault,
};
use crate::span::Spanned;

schema! {
    /// A task group (`group "<name>"`): tasks placed together.
    pub struct TaskGroup label "group name" {
        /// The group's name.
        name: Label "Name" String,
        /// How many allocations (API default 1, or `scaling.min`).
        count: Attr "Count" i64,
        /// Placement constraints.
        constraints = "constraint": Constraints "Constraints" Constraint,
        /// Placement preferences.
        affinities = "affinity": Affinities "Affinities" Affinity,
        /// The tasks.
        tasks = "task": Blocks "Tasks" Task,
        /// Spread of allocations.
        spreads = "spread": Blocks "Spreads" Spread,
        /// Volumes, by name (`volume "<name>"`).
        volumes = "volume": Labelled "Volumes" VolumeRequest,
        /// Restart policy of every task.
        restart_policy = "restart": Blk "RestartPolicy" RestartPolicy,
        /// Behaviour when the client disconnects.
        disconnect: Blk "Disconnect" DisconnectStrategy,
        /// Reschedule policy.
        reschedule_policy = "reschedule": Blk "ReschedulePolicy" ReschedulePolicy,
        /// Ephemeral disk.
        ephemeral_disk: Blk "EphemeralDisk" EphemeralDisk,
        /// Update strategy.
        update: Blk "Update" UpdateStrategy,
        /// Migrate strategy.
        migrate: Blk "Migrate" MigrateStrategy,
        /// Group networks (`network`): ports and the network mode.
        networks = "network": Blocks "Networks" NetworkResource,
        /// Free-form metadata; `meta { }` or `meta = { }`.
        meta: MapAttr "Meta" String,
        /// Group services, the only ones that may use Consul Connect.
        services = "service": Blocks "Services" Service,
        /// Delay between deregistering services and stopping tasks.
        shutdown_delay: Attr "ShutdownDelay" Duration,
        /// Maximum run time of a batch group.
        max_run_duration: Attr "MaxRunDuration" Duration,
        /// Deprecated: use `disconnect { stop_on_client_after }`.
        stop_after_client_disconnect: Attr "StopAfterClientDisconnect" Duration,
        /// Deprecated: use `disconnect { lost_after }`.
        max_client_disconnect: Attr "MaxClientDisconnect" Duration,
        /// Horizontal scaling policy.
        scaling: GroupScaling "Scaling" ScalingPolicy,
        /// Consul namespace, cluster and partition.
        consul: Blk "Consul" Consul,
        /// Deprecated: use `disconnect { replace }`.
        prevent_reschedule_on_lost: Attr "PreventRescheduleOnLost" bool,
        /// A group-level `vault` block. The parser gives it to every task without one, so
        /// it is empty after parsing.
        vault: Blk "Vault" Vault,
        /// Group-level `secret` blocks. The parser gives them to the tasks, so this is empty
        /// after parsing.
        secrets = "secret": Blocks "Secrets" Secret,
    }
    deprecated {
        "stop_after_client_disconnect" => "since Nomad 1.8 it is `disconnect { stop_on_client_after }`",
        "max_client_disconnect" => "since Nomad 1.8 it is `disconnect { lost_after }`",
        "prevent_reschedule_on_lost" => "since Nomad 1.8 it is `disconnect { replace }`",
    }
}

schema! {
    /// A volume request (`volume "<name>"`).
    pub struct VolumeRequest label "volume name" {
        /// The name (the label).
        name: Label "Name" String,
        /// `host` or `csi`.
        r#type = "type": Attr "Type" String,
        /// The host volume or CSI volume ID.
        source: Attr "Source" String,
        /// Mount read-only.
        read_only: Attr "ReadOnly" bool,
        /// Keep the same volume across reschedules.
        sticky: Attr "Sticky" bool,
        /// CSI access mode.
        access_mode: Attr "AccessMode" String,
        /// CSI attachment mode.
        attachment_mode: Attr "AttachmentMode" String,
        /// CSI mount options.
        mount_options: Blk "MountOptions" CsiMountOptions,
        /// Append the allocation index to the source.
        per_alloc: Attr "PerAlloc" bool,
    }
}

schema! {
    /// CSI mount options (`mount_options`).
    pub struct CsiMountOptions {
        /// Filesystem type.
        fs_type: Attr "FSType" String,
        /// Mount flags.
        mount_flags: Attr "MountFlags" Vec<Spanned<String>>,
    }
}

schema! {
    /// A restart policy (`restart`).
    pub struct RestartPolicy {
        /// The interval attempts are counted in.
        interval: Attr "Interval" Duration,
        /// Restarts within the interval.
        attempts: Attr "Attempts" i64,
        /// Delay before a restart.
        delay: Attr "Delay" Duration,
        /// `delay` or `fail` once attempts run out.
        mode: Attr "Mode" String,
        /// Restart when a template re-renders.
        render_templates: Attr "RenderTemplates" bool,
    }
}

schema! {
    /// Behaviour when the client disconnects (`disconnect`).
    pub struct DisconnectStrategy {
        /// How long before the allocation is lost.
        lost_after: Attr "LostAfter" Duration,
        /// Stop the allocation on the client after this long.
        stop_on_client_after: Attr "StopOnClientAfter" Duration,
        /// Replace the allocation elsewhere.
        replace: Attr "Replace" bool,
        /// `keep_original`, `keep_replacement`, `best_score` or `longest_running`.
        reconcile: Attr "Reconcile" String,
    }
}

schema! {
    /// The ephemeral disk (`ephemeral_disk`).
    pub struct EphemeralDisk {
        /// Keep the disk across updates.
        sticky: Attr "Sticky" bool,
        /// Migrate the disk between nodes.
        migrate: Attr "Migrate" bool,
        /// Size in MB.
        size_mb = "size": Attr "SizeMB" i64,
    }
}

schema! {
    /// A scaling policy: `scaling` in a group (horizontal) or `scaling "cpu" | "mem"` in a task.
    pub struct ScalingPolicy {
        /// Minimum count.
        min: Attr "Min" i64,
        /// Maximum count; required in a group.
        max: Attr "Max" i64,
        /// The autoscaler policy, free-form.
        policy: MapBlk "Policy" Value,
        /// Whether the policy is active.
        enabled: Attr "Enabled" bool,
        /// `horizontal`, `vertical_cpu` or `vertical_mem`; set from the block by the parser.
        r#type = "type": Attr "Type" String,
        /// Set by the server: the policy ID.
        id: Api "ID" Option<Spanned<String>>,
        /// Set by the server: the namespace.
        namespace: Api "Namespace" Option<Spanned<String>>,
        /// Set by the server: what the policy scales.
        target: Api "Target" Option<Spanned<super::Map<String>>>,
        /// Set by the server.
        create_index: Api "CreateIndex" Option<Spanned<u64>>,
        /// Set by the server.
        modify_index: Api "ModifyIndex" Option<Spanned<u64>>,
    }
}

schema! {
    /// The Consul settings of a group or task (`consul`).
    pub struct Consul {
        /// Consul namespace.
        namespace: Attr "Namespace" String,
        /// Consul cluster (API default `default`).
        cluster: Attr "Cluster" String,
        /// Consul admin partition.
        partition: Attr "Partition" String,
    }
}
