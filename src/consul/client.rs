//! The HTTP client: the agent, catalog and health endpoints, blocking queries, retries.

use super::{Config, Error};
use crate::render::Registration;
use serde_json::Value as Json;
use std::collections::BTreeMap;
use std::time::Duration;

/// A Consul agent client.
#[derive(Clone, Debug)]
pub struct Client {
    http: reqwest::Client,
    base: String,
    addr: String,
    config: Config,
}

/// Options of a (possibly blocking) read.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct QueryOptions {
    /// Block until the index passes this one (0: answer at once).
    pub index: u64,
    /// The longest to block (Consul's default is 5 minutes).
    pub wait: Option<Duration>,
}

/// A read's value and the `X-Consul-Index` to block on next.
#[derive(Clone, Debug, PartialEq)]
pub struct Blocking<T> {
    /// The value.
    pub value: T,
    /// The index of the answer.
    pub index: u64,
}

/// The index rules of a blocking-query loop (Consul's "Implementation details"): the next
/// index is the answer's, reset to 0 when it goes backwards, never below 1 once started;
/// and loops are rate-limited so a flapping index cannot spin.
#[derive(Clone, Debug)]
pub struct Watch {
    index: u64,
    min_interval: Duration,
    last: Option<std::time::Instant>,
}

impl Watch {
    /// A watch that waits at least `min_interval` between two queries.
    pub fn new(min_interval: Duration) -> Watch {
        Watch {
            index: 0,
            min_interval,
            last: None,
        }
    }

    /// The index to send with the next query.
    pub fn index(&self) -> u64 {
        self.index
    }

    /// Takes the index of an answer.
    pub fn update(&mut self, answer: u64) {
        self.index = if answer < self.index {
            0
        } else {
            answer.max(1)
        };
    }

    /// Waits as long as the rate limit asks before the next query.
    pub async fn pace(&mut self) {
        if let Some(last) = self.last {
            let since = last.elapsed();
            if since < self.min_interval {
                tokio::time::sleep(self.min_interval - since).await;
            }
        }
        self.last = Some(std::time::Instant::now());
    }
}

impl Client {
    /// A client for `config`; fails on an unusable address or TLS file.
    pub fn new(config: &Config) -> Result<Client, Error> {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let mut builder = reqwest::Client::builder()
            .timeout(config.timeout)
            .user_agent(concat!("jobspec/", env!("CARGO_PKG_VERSION")))
            .no_proxy();
        let addr = config.addr.trim_end_matches('/');
        let base = if let Some(path) = addr.strip_prefix("unix://") {
            builder = builder.unix_socket(path);
            "http://consul".to_owned()
        } else if addr.starts_with("http://") || addr.starts_with("https://") {
            addr.to_owned()
        } else {
            format!("http://{addr}")
        };
        let read = |p: &std::path::Path| {
            std::fs::read(p).map_err(|e| Error::Config(format!("cannot read {}: {e}", p.display())))
        };
        if let Some(ca) = &config.ca_cert {
            let certs = reqwest::Certificate::from_pem_bundle(&read(ca)?)
                .map_err(|e| Error::Config(format!("{}: {e}", ca.display())))?;
            builder = builder.tls_certs_only(certs);
        }
        if let (Some(cert), Some(key)) = (&config.client_cert, &config.client_key) {
            let mut pem = read(cert)?;
            pem.extend(read(key)?);
            let identity = reqwest::Identity::from_pem(&pem)
                .map_err(|e| Error::Config(format!("client certificate: {e}")))?;
            builder = builder.identity(identity);
        }
        let mut base = base;
        if let Some(name) = &config.tls_server_name {
            // Verify the certificate against `name`: address the agent by that name and
            // resolve it to the configured host.
            let (host, port) = host_port(&base)?;
            let resolved = std::net::ToSocketAddrs::to_socket_addrs(&(host.as_str(), port))
                .map_err(|e| Error::Config(format!("cannot resolve {host}: {e}")))?
                .next()
                .ok_or_else(|| Error::Config(format!("cannot resolve {host}")))?;
            builder = builder.resolve(name, resolved);
            base = base.replacen(&host, name, 1);
        }
        let http = builder
            .build()
            .map_err(|e| Error::Config(format!("HTTP client: {e}")))?;
        Ok(Client {
            http,
            base,
            addr: config.addr.clone(),
            config: config.clone(),
        })
    }

    /// `PUT /v1/agent/service/register`, with `replace-existing-checks` when asked.
    pub async fn register(
        &self,
        body: &Registration,
        replace_existing_checks: bool,
    ) -> Result<(), Error> {
        let mut query = Vec::new();
        if replace_existing_checks {
            query.push(("replace-existing-checks", "true".to_owned()));
        }
        let body = serde_json::to_vec(body).map_err(|e| Error::Config(e.to_string()))?;
        self.send(
            reqwest::Method::PUT,
            "/v1/agent/service/register",
            query,
            Some(body),
            Duration::ZERO,
        )
        .await
        .map(drop)
    }

    /// `PUT /v1/agent/service/deregister/<id>`; a nested sidecar goes with its parent.
    pub async fn deregister(&self, id: &str) -> Result<(), Error> {
        let path = format!("/v1/agent/service/deregister/{}", escape(id));
        self.send(
            reqwest::Method::PUT,
            &path,
            Vec::new(),
            None,
            Duration::ZERO,
        )
        .await
        .map(drop)
    }

    /// `GET /v1/agent/services`: the agent's services by ID.
    pub async fn services(&self) -> Result<BTreeMap<String, Json>, Error> {
        self.get("/v1/agent/services", Vec::new(), QueryOptions::default())
            .await
            .map(|b| b.value)
    }

    /// `GET /v1/agent/checks`: the agent's checks by ID.
    pub async fn checks(&self) -> Result<BTreeMap<String, Json>, Error> {
        self.get("/v1/agent/checks", Vec::new(), QueryOptions::default())
            .await
            .map(|b| b.value)
    }

    /// `GET /v1/catalog/service/<name>`, blocking when `q.index` is set.
    pub async fn catalog_service(
        &self,
        name: &str,
        q: QueryOptions,
    ) -> Result<Blocking<Vec<Json>>, Error> {
        let path = format!("/v1/catalog/service/{}", escape(name));
        self.get(&path, Vec::new(), q).await
    }

    /// `GET /v1/health/service/<name>` (or `/v1/health/connect/<name>` with `connect`: the
    /// Connect-capable instances), only passing ones with `passing`.
    pub async fn health_service(
        &self,
        name: &str,
        connect: bool,
        passing: bool,
        q: QueryOptions,
    ) -> Result<Blocking<Vec<Json>>, Error> {
        let kind = if connect { "connect" } else { "service" };
        let path = format!("/v1/health/{kind}/{}", escape(name));
        let mut query = Vec::new();
        if passing {
            query.push(("passing", "1".to_owned()));
        }
        self.get(&path, query, q).await
    }

    async fn get<T: serde::de::DeserializeOwned>(
        &self,
        path: &str,
        mut query: Vec<(&'static str, String)>,
        q: QueryOptions,
    ) -> Result<Blocking<T>, Error> {
        if q.index > 0 {
            query.push(("index", q.index.to_string()));
        }
        if let Some(wait) = q.wait {
            query.push(("wait", format!("{}ms", wait.as_millis())));
        }
        let blocking = if q.index > 0 {
            q.wait.unwrap_or(Duration::from_secs(300))
        } else {
            Duration::ZERO
        };
        let (index, body) = self
            .send(reqwest::Method::GET, path, query, None, blocking)
            .await?;
        let value = serde_json::from_slice(&body).map_err(|e| Error::Unexpected {
            endpoint: format!("GET {path}"),
            reason: format!("not the JSON expected: {e}"),
        })?;
        Ok(Blocking { value, index })
    }

    /// One request with retries; returns the `X-Consul-Index` (0 if absent) and the body.
    /// `blocking` is how long the agent may hold the answer, added to the timeout.
    async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        mut query: Vec<(&'static str, String)>,
        body: Option<Vec<u8>>,
        blocking: Duration,
    ) -> Result<(u64, Vec<u8>), Error> {
        if let Some(ns) = &self.config.namespace {
            query.push(("ns", ns.clone()));
        }
        if let Some(partition) = &self.config.partition {
            query.push(("partition", partition.clone()));
        }
        let endpoint = format!("{method} {path}");
        let mut attempt = 0;
        loop {
            let mut request = self
                .http
                .request(method.clone(), format!("{}{path}", self.base))
                .query(&query)
                .timeout(self.config.timeout + blocking);
            if let Some(token) = &self.config.token {
                request = request.header("X-Consul-Token", token.secret());
            }
            if let Some(body) = &body {
                request = request
                    .header("Content-Type", "application/json")
                    .body(body.clone());
            }
            let result = self.answer(request, &endpoint).await;
            match result {
                Err(e) if e.retryable() && attempt < self.config.retries => {
                    tokio::time::sleep(backoff(attempt)).await;
                    attempt += 1;
                }
                other => return other,
            }
        }
    }

    async fn answer(
        &self,
        request: reqwest::RequestBuilder,
        endpoint: &str,
    ) -> Result<(u64, Vec<u8>), Error> {
        let endpoint = endpoint.to_owned();
        let response = request
            .send()
            .await
            .map_err(|e| self.transport(&endpoint, &e))?;
        let status = response.status().as_u16();
        let index = response
            .headers()
            .get("X-Consul-Index")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        let body = response
            .bytes()
            .await
            .map_err(|e| self.transport(&endpoint, &e))?
            .to_vec();
        let reason = String::from_utf8_lossy(&body).trim().to_owned();
        match status {
            200..=299 => Ok((index, body)),
            400 => Err(Error::BadRequest { endpoint, reason }),
            401 | 403 => Err(Error::Forbidden {
                endpoint,
                status,
                reason,
            }),
            404 => Err(Error::NotFound { endpoint, reason }),
            500..=599 => Err(Error::Server {
                endpoint,
                status,
                reason,
            }),
            _ => Err(Error::Unexpected {
                endpoint,
                reason: format!("status {status}: {reason}"),
            }),
        }
    }

    fn transport(&self, endpoint: &str, e: &reqwest::Error) -> Error {
        if e.is_timeout() {
            return Error::Timeout {
                endpoint: endpoint.to_owned(),
                seconds: self.config.timeout.as_secs(),
            };
        }
        let mut reason = e.to_string();
        let mut source = std::error::Error::source(e);
        while let Some(inner) = source {
            reason = format!("{reason}: {inner}");
            source = inner.source();
        }
        Error::Unreachable {
            endpoint: endpoint.to_owned(),
            addr: self.addr.clone(),
            reason,
        }
    }
}

/// Capped exponential backoff with full jitter: up to 100 ms × 2^attempt, at most 2 s.
fn backoff(attempt: u32) -> Duration {
    let cap = (100u64 << attempt.min(5)).min(2000);
    let jitter = (uuid::Uuid::new_v4().as_u128() % u128::from(cap / 2 + 1)) as u64;
    Duration::from_millis(cap / 2 + jitter)
}

/// Percent-encodes a path segment.
fn escape(segment: &str) -> String {
    segment
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The host and port of an `http(s)://host:port` base.
fn host_port(base: &str) -> Result<(String, u16), Error> {
    let rest = base.split_once("://").map_or(base, |(_, r)| r);
    let https = base.starts_with("https://");
    let (host, port) = match rest.rsplit_once(':') {
        Some((h, p)) if !h.ends_with(']') || h.starts_with('[') => (
            h.to_owned(),
            p.parse()
                .map_err(|_| Error::Config(format!("bad port in {base}")))?,
        ),
        _ => (rest.to_owned(), if https { 443 } else { 80 }),
    };
    Ok((host.trim_matches(['[', ']']).to_owned(), port))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn watch_index_rules() {
        let mut w = Watch::new(Duration::ZERO);
        assert_eq!(w.index(), 0);
        w.update(0);
        assert_eq!(w.index(), 1, "never below 1 once started");
        w.update(42);
        assert_eq!(w.index(), 42);
        w.update(7);
        assert_eq!(w.index(), 0, "reset when the index goes backwards");
    }

    #[test]
    fn backoff_is_capped() {
        for attempt in 0..20 {
            let b = backoff(attempt);
            assert!(b <= Duration::from_secs(2), "{attempt}: {b:?}");
            assert!(b >= Duration::from_millis(50), "{attempt}: {b:?}");
        }
    }

    #[test]
    fn paths_are_escaped() {
        assert_eq!(escape("web api/1"), "web%20api%2F1");
        assert_eq!(
            host_port("https://consul:8501").unwrap(),
            ("consul".into(), 8501)
        );
        assert_eq!(
            host_port("http://[::1]:8500").unwrap(),
            ("::1".into(), 8500)
        );
    }
}
