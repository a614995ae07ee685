//! Model stage: the typed Nomad job, as Nomad's `api` package defines it, as plain data.
//!
//! Serializes to the JSON Nomad's HTTP API takes (Go field names, durations in nanoseconds).

#[macro_use]
pub(crate) mod schema;
mod value;

pub use value::{Duration, Map, Number, Value};

schema! {
    /// A job.
    pub struct Job label "name" {
        /// ID.
        id: LabelAttr "ID" String,
        /// Name.
        name: LabelAttr "Name" String,
        /// Datacenters.
        datacenters: Attr "Datacenters" Vec<crate::span::Spanned<String>>,
        /// Groups.
        task_groups = "group": Blocks "TaskGroups" TaskGroup,
        /// Meta.
        meta: MapAttr "Meta" String,
        /// Update.
        update: Blk "Update" Update,
    }
    deprecated { "consul_token" => "removed" }
}

schema! {
    /// A group.
    pub struct TaskGroup label "name" {
        /// Name.
        name: Label "Name" String,
        /// Count.
        count: Attr "Count" i64,
        /// Config.
        config: MapBlk "Config" Value,
    }
}

schema! {
    /// Update.
    pub struct Update {
        /// Stagger.
        stagger: Attr "Stagger" Duration,
        /// Hook.
        hook: Req "Hook" String,
    }
}

/// The job as the body of Nomad's `PUT /v1/jobs`: `{"Job": {...}}`.
pub fn to_api_json(job: &Job) -> serde_json::Value {
    serde_json::json!({ "Job": job })
}
