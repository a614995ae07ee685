//! Consul stage: an HTTP client for the Consul agent (reqwest with rustls, on tokio) that
//! registers, lists and deregisters rendered services, with blocking queries and retries,
//! and `sync`, which makes an agent match a render.

mod client;
mod config;
mod sync;

pub use client::{Blocking, Client, QueryOptions, Watch};
pub use config::{Config, Token};
pub use sync::{Change, Plan, SyncReport, deregister_all, plan, sync};

/// What can go wrong talking to Consul. Each error names the endpoint, and
/// [`Error::hint`] says what to check.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The configuration is unusable (a bad address, an unreadable certificate or token file).
    #[error("Consul configuration: {0}")]
    Config(String),
    /// No connection could be made.
    #[error("cannot reach Consul at {addr} for {endpoint}: {reason}")]
    Unreachable {
        /// The endpoint, such as `PUT /v1/agent/service/register`.
        endpoint: String,
        /// The agent address.
        addr: String,
        /// The transport's reason.
        reason: String,
    },
    /// The agent did not answer in time.
    #[error("Consul did not answer {endpoint} within {seconds}s")]
    Timeout {
        /// The endpoint.
        endpoint: String,
        /// The timeout, in seconds.
        seconds: u64,
    },
    /// 400: Consul refused the request, with its reason (for a register body, usually
    /// `Request decode failed: ...`).
    #[error("Consul refused {endpoint} (400): {reason}")]
    BadRequest {
        /// The endpoint.
        endpoint: String,
        /// Consul's reason.
        reason: String,
    },
    /// 401/403: the token is missing, unknown, or lacks a permission.
    #[error("Consul denied {endpoint} ({status}): {reason}")]
    Forbidden {
        /// The endpoint.
        endpoint: String,
        /// 401 or 403.
        status: u16,
        /// Consul's reason.
        reason: String,
    },
    /// 404: no such service (deregister) or endpoint.
    #[error("Consul has no {endpoint} (404): {reason}")]
    NotFound {
        /// The endpoint.
        endpoint: String,
        /// Consul's reason.
        reason: String,
    },
    /// 5xx after every retry.
    #[error("Consul failed on {endpoint} ({status}): {reason}")]
    Server {
        /// The endpoint.
        endpoint: String,
        /// The status.
        status: u16,
        /// Consul's reason.
        reason: String,
    },
    /// Any other status, or an answer that is not the JSON expected.
    #[error("unexpected answer from Consul to {endpoint}: {reason}")]
    Unexpected {
        /// The endpoint.
        endpoint: String,
        /// What was wrong.
        reason: String,
    },
}

impl Error {
    /// How to fix it.
    pub fn hint(&self) -> &'static str {
        match self {
            Error::Config(_) => {
                "check CONSUL_HTTP_ADDR (http://, https:// or unix://), CONSUL_CACERT, CONSUL_CLIENT_CERT/KEY and CONSUL_HTTP_TOKEN_FILE"
            }
            Error::Unreachable { .. } => {
                "is the agent running and listening there? Set CONSUL_HTTP_ADDR or --consul-addr"
            }
            Error::Timeout { .. } => {
                "the agent is slow or overloaded; retry, or raise --consul-timeout"
            }
            Error::BadRequest { .. } => {
                "the agent rejected the body; run `jobspec render --only registrations` to see it"
            }
            Error::Forbidden { .. } => {
                "set CONSUL_HTTP_TOKEN (or CONSUL_HTTP_TOKEN_FILE) to a token with service:write on these services"
            }
            Error::NotFound { .. } => "the service is not registered in this agent",
            Error::Server { .. } => "the agent failed; check its logs, then retry",
            Error::Unexpected { .. } => "is CONSUL_HTTP_ADDR a Consul agent?",
        }
    }

    /// Whether a retry may succeed: connection errors and 5xx.
    pub(crate) fn retryable(&self) -> bool {
        matches!(self, Error::Unreachable { .. } | Error::Server { .. })
    }
}
