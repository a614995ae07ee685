//! The `job` block and the job-level blocks: update, multiregion, periodic, parameterized, ui.

use super::{Affinity, Constraint, Duration, Secret, Spread, Task, TaskGroup, Vault};
use crate::span::Spanned;

schema! {
    /// A Nomad job (`api.Job`): the root of a jobspec.
    pub struct Job label "job name" {
        /// The region to run in (API default `global`).
        region: Attr "Region" String,
        /// The namespace (API default `default`).
        namespace: Attr "Namespace" String,
        /// The job ID; defaults to the block label.
        id: LabelAttr "ID" String,
        /// The display name; defaults to the block label.
        name: LabelAttr "Name" String,
        /// `service`, `batch`, `system` or `sysbatch` (API default `service`).
        r#type = "type": Attr "Type" String,
        /// Scheduling priority (API default 50).
        priority: Attr "Priority" i64,
        /// Place all allocations at once.
        all_at_once: Attr "AllAtOnce" bool,
        /// Datacenters to run in; the server treats none as `["*"]`.
        datacenters: Attr "Datacenters" Vec<Spanned<String>>,
        /// The node pool.
        node_pool: Attr "NodePool" String,
        /// Placement constraints.
        constraints = "constraint": Constraints "Constraints" Constraint,
        /// Placement preferences.
        affinities = "affinity": Affinities "Affinities" Affinity,
        /// The task groups.
        task_groups = "group": Blocks "TaskGroups" TaskGroup,
        /// Partial-deployment selections of groups.
        group_selections = "group_selection": Blocks "GroupSelections" TaskGroupSelection,
        /// The default update strategy of every group.
        update: Blk "Update" UpdateStrategy,
        /// Multi-region deployment.
        multiregion: Blk "Multiregion" Multiregion,
        /// Spread of allocations over an attribute.
        spreads = "spread": Blocks "Spreads" Spread,
        /// Makes the job periodic.
        periodic: Blk "Periodic" PeriodicConfig,
        /// Makes the job dispatchable.
        parameterized_job = "parameterized": Blk "ParameterizedJob" ParameterizedJobConfig,
        /// The default reschedule policy of every group.
        reschedule: Blk "Reschedule" ReschedulePolicy,
        /// The default migrate strategy of every group.
        migrate: Blk "Migrate" MigrateStrategy,
        /// Free-form metadata; `meta { }` or `meta = { }`.
        meta: MapAttr "Meta" String,
        /// How the web UI shows the job.
        ui: Blk "UI" JobUiConfig,
        /// Removed from Nomad 1.10 (`consul_token`); kept so old jobspecs parse.
        consul_token: Attr "ConsulToken" String,
        /// Removed from Nomad 1.10 (`vault_token`); kept so old jobspecs parse.
        vault_token: Attr "VaultToken" String,
        /// A job-level `vault` block. The parser gives it to every task without one, as
        /// Nomad does, so it is empty after parsing.
        vault: Blk "Vault" Vault,
        /// Job-level `secret` blocks. The parser appends them to every task's secrets, so
        /// this is empty after parsing.
        secrets = "secret": Blocks "Secrets" Secret,
        /// Job-level `task` blocks. The parser turns each into a group of its own, placed
        /// before the declared groups, so this is empty after parsing.
        tasks = "task": Blocks "Tasks" Task,
        /// Set by the server: whether the job is stopped.
        stop: Api "Stop" Option<Spanned<bool>>,
        /// Set by the server: the parent of a dispatched or periodic child.
        parent_id: Api "ParentID" Option<Spanned<String>>,
        /// Set by the server: whether the job was dispatched.
        dispatched: Api "Dispatched" Option<Spanned<bool>>,
        /// Set on dispatch: the idempotency token.
        dispatch_idempotency_token: Api "DispatchIdempotencyToken" Option<Spanned<String>>,
        /// Set on dispatch: the payload, base64-encoded.
        payload: Api "Payload" Option<Spanned<String>>,
        /// Set by the server: the Consul namespace.
        consul_namespace: Api "ConsulNamespace" Option<Spanned<String>>,
        /// Set by the server: the Vault namespace.
        vault_namespace: Api "VaultNamespace" Option<Spanned<String>>,
        /// Set by the server: the submitting token's ID.
        nomad_token_id: Api "NomadTokenID" Option<Spanned<String>>,
        /// Set by the server: the job status.
        status: Api "Status" Option<Spanned<String>>,
        /// Set by the server: the status description.
        status_description: Api "StatusDescription" Option<Spanned<String>>,
        /// Set by the server: whether this version is stable.
        stable: Api "Stable" Option<Spanned<bool>>,
        /// Set by the server: the job version.
        version: Api "Version" Option<Spanned<u64>>,
        /// Set by the server: the submit time (Unix nanoseconds).
        submit_time: Api "SubmitTime" Option<Spanned<i64>>,
        /// Set by the server: the Raft index of creation.
        create_index: Api "CreateIndex" Option<Spanned<u64>>,
        /// Set by the server: the Raft index of the last change.
        modify_index: Api "ModifyIndex" Option<Spanned<u64>>,
        /// Set by the server: the Raft index of the last job change.
        job_modify_index: Api "JobModifyIndex" Option<Spanned<u64>>,
        /// Set by the server: the version tag.
        version_tag: Api "VersionTag" Option<Spanned<JobVersionTag>>,
    }
    deprecated {
        "consul_token" => "Nomad 1.10 removed job tokens; use workload identities",
        "vault_token" => "Nomad 1.10 removed job tokens; use workload identities",
    }
}

schema! {
    /// A group selection (`group_selection "<name>"`): a named subset of groups.
    pub struct TaskGroupSelection label "selection name" {
        /// The selection's name.
        name: Label "Name" String,
        /// How many (API default 1).
        count: Attr "Count" i64,
        /// The groups selected.
        groups: Req "Groups" Vec<Spanned<String>>,
    }
}

schema! {
    /// An update strategy (`update`), at job or group level.
    pub struct UpdateStrategy {
        /// Delay between migrations (job level, legacy).
        stagger: Attr "Stagger" Duration,
        /// How many allocations update at once.
        max_parallel: Attr "MaxParallel" i64,
        /// `checks`, `task_states` or `manual`.
        health_check: Attr "HealthCheck" String,
        /// How long an allocation must be healthy.
        min_healthy_time: Attr "MinHealthyTime" Duration,
        /// Deadline for an allocation to become healthy.
        healthy_deadline: Attr "HealthyDeadline" Duration,
        /// Deadline for the deployment to make progress.
        progress_deadline: Attr "ProgressDeadline" Duration,
        /// Number of canaries.
        canary: Attr "Canary" i64,
        /// Revert to the last stable version on failure.
        auto_revert: Attr "AutoRevert" bool,
        /// Promote canaries once healthy.
        auto_promote: Attr "AutoPromote" bool,
    }
}

schema! {
    /// Multi-region deployment (`multiregion`).
    pub struct Multiregion {
        /// The rollout strategy.
        strategy: Blk "Strategy" MultiregionStrategy,
        /// The regions.
        regions = "region": Blocks "Regions" MultiregionRegion,
    }
}

schema! {
    /// Multi-region rollout strategy (`strategy`).
    pub struct MultiregionStrategy {
        /// How many regions deploy at once.
        max_parallel: Attr "MaxParallel" i64,
        /// `fail_all`, `fail_local` or empty.
        on_failure: Attr "OnFailure" String,
    }
}

schema! {
    /// One region of a multi-region job (`region "<name>"`).
    pub struct MultiregionRegion label "region name" {
        /// The region's name.
        name: Label "Name" String,
        /// Count override for the region.
        count: Attr "Count" i64,
        /// Datacenters in the region.
        datacenters: Attr "Datacenters" Vec<Spanned<String>>,
        /// Node pool in the region.
        node_pool: Attr "NodePool" String,
        /// Metadata for the region.
        meta: MapBlk "Meta" String,
    }
}

schema! {
    /// Periodic launching (`periodic`).
    pub struct PeriodicConfig {
        /// Whether the schedule is active.
        enabled: Attr "Enabled" bool,
        /// A cron expression.
        spec = "cron": Attr "Spec" String,
        /// Several cron expressions.
        specs = "crons": Attr "Specs" Vec<Spanned<String>>,
        /// `cron`; set by the parser when `cron` or `crons` is given.
        spec_type: Derived "SpecType" String,
        /// Skip a launch while the previous one runs.
        prohibit_overlap: Attr "ProhibitOverlap" bool,
        /// Time zone of the cron expressions.
        time_zone: Attr "TimeZone" String,
    }
}

schema! {
    /// Dispatch parameters (`parameterized`).
    pub struct ParameterizedJobConfig {
        /// `optional`, `required` or `forbidden`.
        payload: Attr "Payload" String,
        /// Metadata keys a dispatch must give.
        meta_required: Attr "MetaRequired" Vec<Spanned<String>>,
        /// Metadata keys a dispatch may give.
        meta_optional: Attr "MetaOptional" Vec<Spanned<String>>,
    }
}

schema! {
    /// How the web UI shows the job (`ui`).
    pub struct JobUiConfig {
        /// Markdown description.
        description: Attr "Description" String,
        /// Links shown with the job.
        links = "link": Blocks "Links" JobUiLink,
    }
}

schema! {
    /// A link in the UI (`link`).
    pub struct JobUiLink {
        /// Link text.
        label: Attr "Label" String,
        /// Link target.
        url: Attr "URL" String,
    }
}

schema! {
    /// A version tag, set through the API only.
    pub struct JobVersionTag {
        /// Tag name.
        name: Api "Name" Option<Spanned<String>>,
        /// Tag description.
        description: Api "Description" Option<Spanned<String>>,
        /// When it was tagged (Unix nanoseconds).
        tagged_time: Api "TaggedTime" Option<Spanned<i64>>,
    }
}

schema! {
    /// A reschedule policy (`reschedule`).
    pub struct ReschedulePolicy {
        /// Attempts within the interval.
        attempts: Attr "Attempts" i64,
        /// The interval.
        interval: Attr "Interval" Duration,
        /// Delay before rescheduling.
        delay: Attr "Delay" Duration,
        /// `constant`, `exponential` or `fibonacci`.
        delay_function: Attr "DelayFunction" String,
        /// Upper bound of the delay.
        max_delay: Attr "MaxDelay" Duration,
        /// Reschedule without limit.
        unlimited: Attr "Unlimited" bool,
    }
}

schema! {
    /// A migrate strategy (`migrate`).
    pub struct MigrateStrategy {
        /// How many allocations migrate at once.
        max_parallel: Attr "MaxParallel" i64,
        /// `checks` or `task_states`.
        health_check: Attr "HealthCheck" String,
        /// How long an allocation must be healthy.
        min_healthy_time: Attr "MinHealthyTime" Duration,
        /// Deadline for an allocation to become healthy.
        healthy_deadline: Attr "HealthyDeadline" Duration,
    }
}
