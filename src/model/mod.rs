//! Model stage: the typed Nomad job, block for block as Nomad's `api` package defines it, as
//! plain data with the source span of every value.
//!
//! Each type serializes to the JSON Nomad's HTTP API takes (Go field names, durations in
//! nanoseconds, unset fields left out) and deserializes from it.

#[macro_use]
pub(crate) mod schema;
mod connect;
mod group;
mod job;
mod network;
mod placement;
mod service;
mod task;
mod value;

pub use connect::*;
pub use group::*;
pub use job::*;
pub use network::*;
pub use placement::*;
pub use service::*;
pub use task::*;
pub use value::{Duration, Map, Number, Value};

use crate::span::{Span, Spanned};
use serde::{Deserialize, Serialize};

/// A job in the envelope of Nomad's `PUT /v1/jobs`: `{"Job": {...}}`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ApiJob {
    /// The job.
    #[serde(rename = "Job")]
    pub job: Job,
}

impl From<Job> for ApiJob {
    fn from(job: Job) -> ApiJob {
        ApiJob { job }
    }
}

/// The job as Nomad API JSON, `{"Job": {...}}`, fields in Nomad's order.
///
/// ```
/// let job = jobspec::parse(r#"job "web" { priority = 70 }"#)?;
/// let json = jobspec::model::to_api_json(&job);
/// assert!(json.starts_with(r#"{"Job":{"ID":"web","Name":"web","Priority":70"#));
/// # Ok::<(), jobspec::Report>(())
/// ```
pub fn to_api_json(job: &Job) -> String {
    #[derive(Serialize)]
    struct Envelope<'a> {
        #[serde(rename = "Job")]
        job: &'a Job,
    }
    // Serializing plain data to a String cannot fail.
    serde_json::to_string(&Envelope { job }).unwrap_or_default()
}

/// Reads Nomad API JSON: `{"Job": {...}}` or the bare job object.
///
/// # Errors
///
/// The JSON error when the text is not a job in Nomad's API form.
pub fn from_api_json(text: &str) -> Result<Job, serde_json::Error> {
    /// Whether the document is wrapped in `{"Job": ...}`.
    #[derive(Deserialize)]
    struct Probe {
        #[serde(rename = "Job")]
        job: Option<serde::de::IgnoredAny>,
    }
    let probe: Probe = serde_json::from_str(text)?;
    match probe.job {
        Some(_) => serde_json::from_str::<ApiJob>(text).map(|api| api.job),
        None => serde_json::from_str(text),
    }
}

/// The text of an optional string field.
pub(crate) fn text(v: &Option<Spanned<String>>) -> Option<&str> {
    v.as_ref().map(|s| s.inner.as_str())
}

/// Nomad's `helper.CleanEnvVar(s, '_')`: byte by byte, keep `_`, `.`, ASCII letters, and
/// digits not at index 0; every other byte becomes `_`.
pub(crate) fn clean_env_var(s: &str) -> String {
    s.bytes()
        .enumerate()
        .map(|(i, b)| match b {
            b'_' | b'.' | b'a'..=b'z' | b'A'..=b'Z' => b as char,
            b'0'..=b'9' if i > 0 => b as char,
            _ => '_',
        })
        .collect()
}

/// The span of an optional field, or `fallback` when it is unset.
pub(crate) fn span_or<T>(v: &Option<Spanned<T>>, fallback: Span) -> Span {
    v.as_ref().map_or(fallback, |s| s.span)
}

/// The service's name, or the one the API gives it (`<job>-<group>[-<task>]`).
pub(crate) fn service_name(
    job: &str,
    group: &str,
    task: Option<&str>,
    service: &Service,
) -> String {
    match (text(&service.name), task) {
        (Some(name), _) => name.to_owned(),
        (None, Some(task)) => format!("{job}-{group}-{task}"),
        (None, None) => format!("{job}-{group}"),
    }
}
