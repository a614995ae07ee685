//! Client configuration, read as Consul's own tools read it: `CONSUL_HTTP_ADDR` and friends.

use super::Error;
use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

/// An ACL token. It is sent as `X-Consul-Token` and never shown: `Debug` and `Display`
/// print `<redacted>`.
#[derive(Clone, PartialEq, Eq)]
pub struct Token(String);

impl Token {
    /// Wraps a token.
    pub fn new(secret: impl Into<String>) -> Token {
        Token(secret.into())
    }

    pub(crate) fn secret(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

impl fmt::Display for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

/// Where the agent is and how to talk to it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
    /// `host:port`, `http://host:port`, `https://host:port` or `unix:///path/to/socket`
    /// (`CONSUL_HTTP_ADDR`, default `127.0.0.1:8500`).
    pub addr: String,
    /// The ACL token (`CONSUL_HTTP_TOKEN`, or the contents of `CONSUL_HTTP_TOKEN_FILE`).
    pub token: Option<Token>,
    /// A PEM file of CA certificates to trust (`CONSUL_CACERT`).
    pub ca_cert: Option<PathBuf>,
    /// A PEM client certificate for mTLS (`CONSUL_CLIENT_CERT`).
    pub client_cert: Option<PathBuf>,
    /// Its PEM key (`CONSUL_CLIENT_KEY`).
    pub client_key: Option<PathBuf>,
    /// The name to verify the agent's certificate against (`CONSUL_TLS_SERVER_NAME`).
    pub tls_server_name: Option<String>,
    /// The Consul Enterprise namespace (`CONSUL_NAMESPACE`).
    pub namespace: Option<String>,
    /// The Consul Enterprise admin partition (`CONSUL_PARTITION`).
    pub partition: Option<String>,
    /// Timeout of one request (blocking queries add their wait).
    pub timeout: Duration,
    /// Retries after a connection error or a 5xx, with capped exponential backoff.
    pub retries: u32,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            addr: "127.0.0.1:8500".into(),
            token: None,
            ca_cert: None,
            client_cert: None,
            client_key: None,
            tls_server_name: None,
            namespace: None,
            partition: None,
            timeout: Duration::from_secs(10),
            retries: 4,
        }
    }
}

impl Config {
    /// The configuration from the process environment, as the `consul` CLI reads it.
    pub fn from_env() -> Result<Config, Error> {
        Config::from_lookup(|k| std::env::var(k).ok())
    }

    /// The configuration from `lookup` (an environment): unset or empty variables keep
    /// the defaults. `CONSUL_HTTP_TOKEN` wins over `CONSUL_HTTP_TOKEN_FILE`.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Config, Error> {
        let get = |k: &str| lookup(k).filter(|v| !v.is_empty());
        let mut config = Config::default();
        if let Some(addr) = get("CONSUL_HTTP_ADDR") {
            config.addr = addr;
        }
        config.token = match (get("CONSUL_HTTP_TOKEN"), get("CONSUL_HTTP_TOKEN_FILE")) {
            (Some(token), _) => Some(Token::new(token)),
            (None, Some(file)) => Some(Token::new(
                std::fs::read_to_string(&file)
                    .map_err(|e| {
                        Error::Config(format!("cannot read CONSUL_HTTP_TOKEN_FILE {file}: {e}"))
                    })?
                    .trim(),
            )),
            (None, None) => None,
        };
        config.ca_cert = get("CONSUL_CACERT").map(PathBuf::from);
        config.client_cert = get("CONSUL_CLIENT_CERT").map(PathBuf::from);
        config.client_key = get("CONSUL_CLIENT_KEY").map(PathBuf::from);
        config.tls_server_name = get("CONSUL_TLS_SERVER_NAME");
        config.namespace = get("CONSUL_NAMESPACE");
        config.partition = get("CONSUL_PARTITION");
        Ok(config)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_consul_variables() {
        let env = |k: &str| {
            match k {
                "CONSUL_HTTP_ADDR" => Some("https://consul.example:8501"),
                "CONSUL_HTTP_TOKEN" => Some("s3cret"),
                "CONSUL_NAMESPACE" => Some("team"),
                "CONSUL_PARTITION" => Some(""),
                _ => None,
            }
            .map(str::to_owned)
        };
        let config = Config::from_lookup(env).unwrap();
        assert_eq!(config.addr, "https://consul.example:8501");
        assert_eq!(config.token, Some(Token::new("s3cret")));
        assert_eq!(config.namespace.as_deref(), Some("team"));
        assert_eq!(config.partition, None);
        let shown = format!("{config:?}");
        assert!(
            !shown.contains("s3cret") && shown.contains("<redacted>"),
            "{shown}"
        );
    }

    #[test]
    fn missing_token_file_is_a_config_error() {
        let env =
            |k: &str| (k == "CONSUL_HTTP_TOKEN_FILE").then(|| "/nonexistent/token".to_owned());
        let err = Config::from_lookup(env).unwrap_err();
        assert!(matches!(err, Error::Config(_)), "{err}");
    }
}
