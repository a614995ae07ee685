//! The `task` block and what a task holds: resources, logs, artifacts, templates, vault,
//! secrets, volumes, identities, actions.

use super::{
    Affinity, Constraint, Consul, Duration, NetworkResource, ScalingPolicy, Service, Value,
};
use crate::span::Spanned;

schema! {
    /// A task (`task "<name>"`): one process run by a driver.
    pub struct Task label "task name" {
        /// The task's name.
        name: Label "Name" String,
        /// The driver: `docker`, `exec`, `java`, ...
        driver: Attr "Driver" String,
        /// The user to run as.
        user: Attr "User" String,
        /// Runs the task as a prestart, poststart or poststop hook.
        lifecycle: Blk "Lifecycle" TaskLifecycle,
        /// The driver configuration, free-form; nested blocks become lists of maps.
        config: MapBlk "Config" Value,
        /// Placement constraints.
        constraints = "constraint": Constraints "Constraints" Constraint,
        /// Placement preferences.
        affinities = "affinity": Affinities "Affinities" Affinity,
        /// Environment variables; `env { }` or `env = { }`.
        env: MapAttr "Env" String,
        /// Task services.
        services = "service": Blocks "Services" Service,
        /// Resources to reserve.
        resources: Blk "Resources" Resources,
        /// Restart policy, merged over the group's.
        restart_policy = "restart": Blk "RestartPolicy" super::RestartPolicy,
        /// Free-form metadata; `meta { }` or `meta = { }`.
        meta: MapAttr "Meta" String,
        /// Time between the kill signal and a forced kill (API default 5s).
        kill_timeout: Attr "KillTimeout" Duration,
        /// Log rotation.
        log_config = "logs": Blk "LogConfig" LogConfig,
        /// Files to fetch before the task starts.
        artifacts = "artifact": Blocks "Artifacts" TaskArtifact,
        /// Vault access.
        vault: Blk "Vault" Vault,
        /// Consul settings.
        consul: Blk "Consul" Consul,
        /// Templates to render.
        templates = "template": Blocks "Templates" Template,
        /// Where a dispatch payload is written.
        dispatch_payload: Blk "DispatchPayload" DispatchPayloadConfig,
        /// Volumes to mount.
        volume_mounts = "volume_mount": Blocks "VolumeMounts" VolumeMount,
        /// Makes the task a CSI plugin.
        csi_plugin_config = "csi_plugin": Blk "CSIPluginConfig" TaskCsiPluginConfig,
        /// When the leader exits, the group's other tasks stop.
        leader: Attr "Leader" bool,
        /// Delay between deregistering services and the kill signal.
        shutdown_delay: Attr "ShutdownDelay" Duration,
        /// The kill signal.
        kill_signal: Attr "KillSignal" String,
        /// The task kind; `connect-proxy:<service>` marks a user-provided Connect sidecar.
        kind: Attr "Kind" String,
        /// Vertical scaling policies (`scaling "cpu"`, `scaling "mem"`).
        scaling_policies = "scaling": TaskScaling "ScalingPolicies" ScalingPolicy,
        /// Secrets to fetch.
        secrets = "secret": Blocks "Secrets" Secret,
        /// The default workload identity: the parser moves the first `identity` named `""`
        /// or `default` here.
        identity: Moved "Identity" WorkloadIdentity,
        /// Workload identities.
        identities = "identity": Blocks "Identities" WorkloadIdentity,
        /// Actions an operator can run in the task.
        actions = "action": Blocks "Actions" Action,
        /// Time windows the task may run in.
        schedule: Blk "Schedule" TaskSchedule,
    }
}

schema! {
    /// A lifecycle hook (`lifecycle`).
    pub struct TaskLifecycle {
        /// `prestart`, `poststart` or `poststop`.
        hook: Req "Hook" String,
        /// Keep the hook task running beside the main tasks.
        sidecar: Attr "Sidecar" bool,
    }
}

schema! {
    /// Resources to reserve (`resources`).
    pub struct Resources {
        /// CPU in MHz (API default 100).
        cpu: Attr "CPU" i64,
        /// Whole cores.
        cores: Attr "Cores" i64,
        /// Memory in MB (API default 300).
        memory_mb = "memory": Attr "MemoryMB" i64,
        /// Memory limit in MB (oversubscription).
        memory_max_mb = "memory_max": Attr "MemoryMaxMB" i64,
        /// Disk in MB.
        disk_mb = "disk": Attr "DiskMB" i64,
        /// Deprecated task networks; use group networks.
        networks = "network": Blocks "Networks" NetworkResource,
        /// Devices such as GPUs.
        devices = "device": Blocks "Devices" RequestedDevice,
        /// NUMA placement.
        numa: Blk "NUMA" NumaResource,
        /// Memory for the secrets directory, in MB.
        secrets_mb = "secrets": Attr "SecretsMB" i64,
        /// Removed: IOPS is ignored since Nomad 0.9.
        iops: Attr "IOPS" i64,
    }
    deprecated {
        "iops" => "Nomad ignores `iops` since 0.9",
        "network" => "task-level networks are deprecated since Nomad 0.12; declare `network` in the group",
    }
}

schema! {
    /// A device request (`device "<name>"`).
    pub struct RequestedDevice label "device name" {
        /// Device name: `<vendor>/<type>/<name>`, or a prefix.
        name: Label "Name" String,
        /// How many (API default 1).
        count: Attr "Count" u64,
        /// Constraints on the device.
        constraints = "constraint": Constraints "Constraints" Constraint,
        /// Preferences among devices.
        affinities = "affinity": Affinities "Affinities" Affinity,
        /// Preferences among device options.
        device_preferences: Blk "DevicePreferences" DevicePreferences,
        /// Sharing of devices.
        share_devices: Blk "ShareDevices" ShareDevices,
        /// Options tried in order.
        first_available: Blocks "FirstAvailable" DeviceOption,
    }
}

schema! {
    /// Device preferences (`device_preferences`).
    pub struct DevicePreferences {
        /// Whether preferences apply.
        enabled: Req "Enabled" bool,
        /// The shared device ID.
        shared_device_id: Attr "SharedDeviceId" String,
        /// Options tried in order.
        first_available: Blocks "FirstAvailable" DeviceOption,
    }
}

schema! {
    /// Device sharing (`share_devices`).
    pub struct ShareDevices {
        /// Whether devices are shared.
        enabled: Req "Enabled" bool,
        /// The shared device ID.
        shared_device_id: Attr "SharedDeviceId" String,
    }
}

schema! {
    /// A device option (`first_available`).
    pub struct DeviceOption {
        /// How many (API default 1).
        count: Attr "Count" u64,
        /// Constraints on the option.
        constraints = "constraint": Constraints "Constraints" Constraint,
    }
}

schema! {
    /// NUMA placement (`numa`).
    pub struct NumaResource {
        /// `none`, `prefer` or `require`.
        affinity: Attr "Affinity" String,
        /// Devices that must share the NUMA node.
        devices: Attr "Devices" Vec<Spanned<String>>,
    }
}

schema! {
    /// Log rotation (`logs`).
    pub struct LogConfig {
        /// Files to keep (API default 10).
        max_files: Attr "MaxFiles" i64,
        /// Size of each file in MB (API default 10).
        max_file_size_mb = "max_file_size": Attr "MaxFileSizeMB" i64,
        /// Deprecated: use `disabled`.
        enabled: Attr "Enabled" bool,
        /// Disable log collection.
        disabled: Attr "Disabled" bool,
    }
    deprecated {
        "enabled" => "since Nomad 1.6 it is `disabled`, with the opposite meaning",
    }
}

schema! {
    /// An artifact to fetch (`artifact`).
    pub struct TaskArtifact {
        /// The go-getter source URL.
        getter_source = "source": Attr "GetterSource" String,
        /// go-getter options.
        getter_options = "options": MapBlk "GetterOptions" String,
        /// HTTP headers.
        getter_headers = "headers": MapBlk "GetterHeaders" String,
        /// `any`, `file` or `dir`.
        getter_mode = "mode": Attr "GetterMode" String,
        /// Skip TLS verification.
        getter_insecure = "insecure": Attr "GetterInsecure" bool,
        /// Destination relative to the task directory.
        relative_dest = "destination": Attr "RelativeDest" String,
        /// Give the files to the task's user.
        chown: Attr "Chown" bool,
    }
}

schema! {
    /// Vault access (`vault`).
    pub struct Vault {
        /// Vault policies.
        policies: Attr "Policies" Vec<Spanned<String>>,
        /// The Vault role.
        role: Attr "Role" String,
        /// The Vault namespace.
        namespace: Attr "Namespace" String,
        /// The Vault cluster.
        cluster: Attr "Cluster" String,
        /// Expose the token as `VAULT_TOKEN` (parser default true).
        env: Attr "Env" bool,
        /// Do not write the token to a file (parser default false).
        disable_file: Attr "DisableFile" bool,
        /// `noop`, `restart` or `signal` on token change (parser default `restart`).
        change_mode: Attr "ChangeMode" String,
        /// The signal for `signal` mode.
        change_signal: Attr "ChangeSignal" String,
        /// Keep running when the token expires.
        allow_token_expiration: Attr "AllowTokenExpiration" bool,
    }
}

schema! {
    /// A template to render (`template`).
    pub struct Template {
        /// A template file to read.
        source_path = "source": Attr "SourcePath" String,
        /// Where to write the result.
        dest_path = "destination": Attr "DestPath" String,
        /// The template text.
        embedded_tmpl = "data": Attr "EmbeddedTmpl" String,
        /// `noop`, `restart`, `signal` or `script` (parser default `restart`).
        change_mode: Attr "ChangeMode" String,
        /// The script for `script` mode.
        change_script: Blk "ChangeScript" ChangeScript,
        /// The signal for `signal` mode.
        change_signal: Attr "ChangeSignal" String,
        /// Render once only.
        once: Attr "Once" bool,
        /// Random delay before the change action (parser default 5s).
        splay: Attr "Splay" Duration,
        /// File permissions (parser default `0644`).
        perms: Attr "Perms" String,
        /// Owner user ID.
        uid: Attr "Uid" i64,
        /// Owner group ID.
        gid: Attr "Gid" i64,
        /// Left delimiter.
        left_delim = "left_delimiter": Attr "LeftDelim" String,
        /// Right delimiter.
        right_delim = "right_delimiter": Attr "RightDelim" String,
        /// Read the result as environment variables.
        envvars = "env": Attr "Envvars" bool,
        /// Deprecated Vault grace period.
        vault_grace: Attr "VaultGrace" Duration,
        /// Quiescence timers.
        wait: Blk "Wait" WaitConfig,
        /// Fail on a missing key (parser default false).
        err_missing_key = "error_on_missing_key": Attr "ErrMissingKey" bool,
    }
    deprecated {
        "vault_grace" => "Nomad ignores `vault_grace` since 0.11",
    }
}

schema! {
    /// The script of a template's `script` change mode (`change_script`).
    pub struct ChangeScript {
        /// The command.
        command: Req "Command" String,
        /// Its arguments (parser default empty).
        args: Attr "Args" Vec<Spanned<String>>,
        /// Timeout (parser default 5s).
        timeout: Attr "Timeout" Duration,
        /// Fail the task when the script fails (parser default false).
        fail_on_error: Attr "FailOnError" bool,
        /// Also run after the first render.
        run_on_first_render: Attr "RunOnFirstRender" bool,
    }
}

schema! {
    /// Template quiescence timers (`wait`).
    pub struct WaitConfig {
        /// Minimum wait.
        min: Req "Min" Duration,
        /// Maximum wait.
        max: Req "Max" Duration,
    }
}

schema! {
    /// Where a dispatch payload is written (`dispatch_payload`).
    pub struct DispatchPayloadConfig {
        /// File name in the task's local directory.
        file: Attr "File" String,
    }
}

schema! {
    /// A volume mount (`volume_mount`).
    pub struct VolumeMount {
        /// The group volume's name.
        volume: Attr "Volume" String,
        /// Mount point in the task.
        destination: Attr "Destination" String,
        /// Mount read-only.
        read_only: Attr "ReadOnly" bool,
        /// `private`, `host-to-task` or `bidirectional`.
        propagation_mode: Attr "PropagationMode" String,
        /// SELinux label.
        selinux_label: Attr "SELinuxLabel" String,
    }
}

schema! {
    /// A CSI plugin task (`csi_plugin`).
    pub struct TaskCsiPluginConfig {
        /// The plugin ID.
        id: Attr "ID" String,
        /// `node`, `controller` or `monolith`.
        r#type = "type": Attr "Type" String,
        /// Where the plugin's socket lives in the task.
        mount_dir: Attr "MountDir" String,
        /// Base directory for staging and publishing.
        stage_publish_base_dir: Attr "StagePublishBaseDir" String,
        /// How long the plugin may take to become healthy.
        health_timeout: Attr "HealthTimeout" Duration,
    }
}

schema! {
    /// A secret to fetch (`secret "<name>"`).
    pub struct Secret label "secret name" {
        /// The secret's name.
        name: Label "Name" String,
        /// The secret provider.
        provider: Attr "Provider" String,
        /// The secret's path.
        path: Attr "Path" String,
        /// Provider configuration, free-form.
        config: MapBlk "Config" Value,
        /// Environment variables from the secret.
        env: MapBlk "Env" String,
    }
}

schema! {
    /// A workload identity (`identity`).
    pub struct WorkloadIdentity {
        /// The identity's name; `""` or `default` is the task's default identity.
        name: Attr "Name" String,
        /// Audiences.
        audience = "aud": Attr "Audience" Vec<Spanned<String>>,
        /// `noop`, `restart` or `signal` on renewal.
        change_mode: Attr "ChangeMode" String,
        /// The signal for `signal` mode.
        change_signal: Attr "ChangeSignal" String,
        /// Expose the token as an environment variable.
        env: Attr "Env" bool,
        /// Write the token to a file.
        file: Attr "File" bool,
        /// Where to write the token.
        filepath: Attr "Filepath" String,
        /// The service the identity is for.
        service_name: Attr "ServiceName" String,
        /// Lifetime of the token.
        ttl: Attr "TTL" Duration,
        /// Extra claims.
        extra_claims: Attr "ExtraClaims" Vec<Spanned<String>>,
    }
}

schema! {
    /// An action an operator can run in the task (`action "<name>"`).
    pub struct Action label "action name" {
        /// The action's name.
        name: Label "Name" String,
        /// The command.
        command: Req "Command" String,
        /// Its arguments.
        args: Attr "Args" Vec<Spanned<String>>,
    }
}

schema! {
    /// Time windows a task may run in (`schedule`).
    pub struct TaskSchedule {
        /// The cron window.
        cron: Blk "Cron" TaskScheduleCron,
    }
}

schema! {
    /// A cron time window (`cron`).
    pub struct TaskScheduleCron {
        /// Start of the window, a cron expression.
        start: Attr "Start" String,
        /// End of the window.
        end: Attr "End" String,
        /// Time zone.
        timezone: Attr "Timezone" String,
    }
}
