//! A fake Consul agent for the integration tests: std plus `serde_json`, on `127.0.0.1:0`.
//!
//! It checks register bodies with the strict schema checker, so the test crate declares both
//! modules at its root:
//!
//! ```ignore
//! mod consul_schema;
//! #[path = "support/fake_consul.rs"]
//! mod fake_consul;
//!
//! let fake = fake_consul::FakeConsul::start(fake_consul::Options::default());
//! ```
//!
//! Behaviour follows the project's Consul API notes, §1 and §2:
//! * `PUT /v1/agent/service/register[?replace-existing-checks]`: a body that isn't JSON or
//!   breaks `testdata/consul/register.schema.json` gets 400 `Request decode failed: <first
//!   error>`; a missing or empty `Name` gets 400 `Missing service name`. A nested
//!   `Connect.SidecarService` is stored as its own service with Consul's defaults (§1d),
//!   including a port from 21000..=21255 and the two default checks.
//! * `PUT /v1/agent/service/deregister/<id>` (also removes the nested sidecar),
//!   `GET /v1/agent/services`, `/v1/agent/service/<id>`, `/v1/agent/checks`,
//!   `/v1/catalog/{service,connect}/<name>`, `/v1/health/{service,connect}/<name>[?passing]`.
//! * Every GET is a blocking query on one global index that each write increments:
//!   `?index=N` waits while the index is still `<= N`, `?hash=H` waits while the body's
//!   `X-Consul-ContentHash` is still `H`; `?wait=` is a Go duration (default 5m, at most 10m).
//! * With [`Options::token`], a `/v1/` request without that `X-Consul-Token` header gets 403:
//!   `Permission denied: anonymous token lacks permission …` when the header is missing or
//!   empty, `ACL not found` when it is wrong (as a real agent answers). Neither tokens nor
//!   headers are ever recorded; a `token=` query parameter is logged as `token=<redacted>`.
//! * Check status is the check's `Status`, or `passing`. Not implemented: check status
//!   updates, alias-check propagation, `?filter`, `?tag`, `?dc`, namespaces, `Locality`.
//! * A request is recorded in [`FakeConsul::requests`] when it arrives; it is then handled
//!   (and, for a write, applied) after the [`FakeConsul::set_delay`] delay.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{IpAddr, Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use serde_json::{Map, Value, json};

const NODE: &str = "fake-node";
const DC: &str = "dc1";
const SIDECAR: &str = "-sidecar-proxy";
const DEFAULT_WAIT: Duration = Duration::from_secs(300);
const MAX_WAIT: Duration = Duration::from_secs(600);
const MAX_HEAD: u64 = 64 * 1024;
const MAX_BODY: usize = 16 << 20;

/// How to start a [`FakeConsul`].
#[derive(Clone, Debug, Default)]
pub(crate) struct Options {
    /// If set, every `/v1/` request must carry `X-Consul-Token: <token>`.
    pub(crate) token: Option<String>,
}

/// A running fake agent. Dropping it stops it.
pub(crate) struct FakeConsul {
    addr: SocketAddr,
    shared: Arc<Shared>,
    acceptor: Option<JoinHandle<()>>,
}

struct Shared {
    state: Mutex<State>,
    changed: Condvar,
    token: Option<String>,
    schema: Value,
    stopping: AtomicBool,
    conns: Mutex<HashMap<u64, TcpStream>>,
}

#[derive(Default)]
struct State {
    index: u64,
    services: BTreeMap<String, Service>,
    checks: BTreeMap<String, Value>,
    fail: (usize, u16),
    delay: Duration,
    writes: usize,
    requests: Vec<String>,
}

struct Service {
    json: Value, // as `GET /v1/agent/service/<id>` returns it
    create: u64,
    modify: u64,
    nested: bool, // registered through a parent's `Connect.SidecarService`
}

#[allow(dead_code)] // Not every test file uses every method.
impl FakeConsul {
    /// Starts an agent on `127.0.0.1:0`.
    pub(crate) fn start(options: Options) -> FakeConsul {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("local address");
        let shared = Arc::new(Shared {
            state: Mutex::new(State {
                index: 1,
                ..State::default()
            }),
            changed: Condvar::new(),
            token: options.token,
            schema: crate::consul_schema::schema(),
            stopping: AtomicBool::new(false),
            conns: Mutex::default(),
        });
        let for_acceptor = Arc::clone(&shared);
        let acceptor = thread::spawn(move || accept(&listener, &for_acceptor));
        FakeConsul {
            addr,
            shared,
            acceptor: Some(acceptor),
        }
    }

    /// Where it listens.
    pub(crate) fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The next `count` requests (any path) are answered with `status` and nothing else.
    pub(crate) fn fail_next(&self, count: usize, status: u16) {
        lock(&self.shared.state).fail = (count, status);
    }

    /// Every later response is sent `delay` after its request arrived (plus any blocking).
    pub(crate) fn set_delay(&self, delay: Duration) {
        lock(&self.shared.state).delay = delay;
    }

    /// The stored services by ID, as `GET /v1/agent/services` returns them.
    pub(crate) fn services(&self) -> Value {
        services_json(&lock(&self.shared.state))
    }

    /// The stored checks by check ID, as `GET /v1/agent/checks` returns them.
    pub(crate) fn checks(&self) -> Value {
        Value::Object(
            lock(&self.shared.state)
                .checks
                .clone()
                .into_iter()
                .collect(),
        )
    }

    /// How many register and deregister calls have succeeded.
    pub(crate) fn writes(&self) -> usize {
        lock(&self.shared.state).writes
    }

    /// `"METHOD /path?query"` of every request so far, in order of arrival.
    pub(crate) fn requests(&self) -> Vec<String> {
        lock(&self.shared.state).requests.clone()
    }
}

impl Drop for FakeConsul {
    fn drop(&mut self) {
        self.shared.stopping.store(true, Ordering::SeqCst);
        drop(TcpStream::connect(self.addr)); // wakes the acceptor
        if let Some(acceptor) = self.acceptor.take() {
            let _ = acceptor.join();
        }
        for (_, conn) in lock(&self.shared.conns).drain() {
            let _ = conn.shutdown(Shutdown::Both);
        }
        let _state = lock(&self.shared.state); // no waiter is between its check and its wait
        self.shared.changed.notify_all();
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

fn accept(listener: &TcpListener, shared: &Arc<Shared>) {
    for (id, stream) in (0u64..).zip(listener.incoming()) {
        if shared.stopping.load(Ordering::SeqCst) {
            return;
        }
        let Ok(stream) = stream else {
            thread::sleep(Duration::from_millis(10));
            continue;
        };
        if let Ok(clone) = stream.try_clone() {
            lock(&shared.conns).insert(id, clone);
        }
        let shared = Arc::clone(shared);
        thread::spawn(move || {
            serve(stream, &shared);
            lock(&shared.conns).remove(&id);
        });
    }
}

// ---- HTTP/1.1 -------------------------------------------------------------------------

struct Request {
    method: String,
    path: String,
    query: Vec<(String, String)>,
    logged: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Request {
    fn query(&self, key: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

struct Reply {
    status: u16,
    json: bool,
    body: String,
    headers: Vec<(&'static str, String)>,
}

fn text(status: u16, body: impl Into<String>) -> Reply {
    Reply {
        status,
        json: false,
        body: body.into(),
        headers: Vec::new(),
    }
}

/// Answers requests on one connection until the client closes it or sends garbage.
fn serve(stream: TcpStream, shared: &Shared) {
    let Ok(mut out) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(stream);
    loop {
        let (request, close) = match read_request(&mut reader, &mut out) {
            Ok(Some(request)) => request,
            Ok(None) => return,
            Err((status, reason)) => {
                let _ = respond(&mut out, &text(status, reason), true);
                return;
            }
        };
        let reply = handle(shared, &request);
        if respond(&mut out, &reply, close).is_err() || close {
            return;
        }
    }
}

fn read_line(reader: &mut impl BufRead) -> Result<Option<String>, (u16, &'static str)> {
    let mut line = Vec::new();
    match reader.read_until(b'\n', &mut line) {
        Ok(0) | Err(_) => Ok(None),
        Ok(_) if !line.ends_with(b"\n") => Err((400, "Bad Request: line too long or cut off")),
        Ok(_) => Ok(Some(String::from_utf8_lossy(&line).trim_end().to_owned())),
    }
}

/// One request and whether to close afterwards; `Ok(None)` at EOF or on an I/O error.
type Parsed = Result<Option<(Request, bool)>, (u16, &'static str)>;

fn read_request(reader: &mut BufReader<TcpStream>, out: &mut TcpStream) -> Parsed {
    let bad = Err((400, "Bad Request"));
    let mut head = reader.by_ref().take(MAX_HEAD);
    let line = loop {
        match read_line(&mut head)? {
            None => return Ok(None),
            Some(line) if line.is_empty() => {}
            Some(line) => break line,
        }
    };
    let parts: Vec<&str> = line.split(' ').collect();
    let [method, target, version] = parts[..] else {
        return bad;
    };
    if !method.bytes().all(|b| b.is_ascii_uppercase())
        || !target.starts_with('/')
        || !matches!(version, "HTTP/1.0" | "HTTP/1.1")
    {
        return bad;
    }
    let mut headers = Vec::new();
    loop {
        let Some(line) = read_line(&mut head)? else {
            return Ok(None);
        };
        if line.is_empty() {
            break;
        }
        let Some((name, value)) = line.split_once(':') else {
            return bad;
        };
        headers.push((name.trim().to_ascii_lowercase(), value.trim().to_owned()));
    }
    let mut request = Request {
        method: method.to_owned(),
        path: String::new(),
        query: Vec::new(),
        logged: String::new(),
        headers,
        body: Vec::new(),
    };
    let connection = request
        .header("connection")
        .unwrap_or("")
        .to_ascii_lowercase();
    let close = connection.contains("close")
        || (version == "HTTP/1.0" && !connection.contains("keep-alive"));
    if request
        .header("expect")
        .is_some_and(|e| e.eq_ignore_ascii_case("100-continue"))
    {
        let _ = out.write_all(b"HTTP/1.1 100 Continue\r\n\r\n");
    }
    let chunked = request
        .header("transfer-encoding")
        .is_some_and(|t| t.contains("chunked"));
    let body = if chunked {
        read_chunked(reader)?
    } else {
        let length = match request.header("content-length").map(str::parse::<usize>) {
            None => 0,
            Some(Ok(n)) if n <= MAX_BODY => n,
            Some(Ok(_)) => return Err((413, "Request Entity Too Large")),
            Some(Err(_)) => return Err((400, "Bad Request: invalid Content-Length")),
        };
        let mut body = vec![0; length];
        match reader.read_exact(&mut body) {
            Ok(()) => Some(body),
            Err(_) => None,
        }
    };
    let Some(body) = body else { return Ok(None) };
    request.body = body;
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    request.path = decode(path, false);
    let mut logged = format!("{method} {path}");
    for (i, pair) in query.split('&').filter(|p| !p.is_empty()).enumerate() {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        let (key, value) = (decode(key, true), decode(value, true));
        logged.push(if i == 0 { '?' } else { '&' });
        logged.push_str(if key == "token" {
            "token=<redacted>"
        } else {
            pair
        });
        request.query.push((key, value));
    }
    request.logged = logged;
    Ok(Some((request, close)))
}

/// A `Transfer-Encoding: chunked` body; `Ok(None)` if the connection ends early.
fn read_chunked(reader: &mut BufReader<TcpStream>) -> Result<Option<Vec<u8>>, (u16, &'static str)> {
    let mut body = Vec::new();
    loop {
        let Some(line) = read_line(&mut reader.by_ref().take(MAX_HEAD))? else {
            return Ok(None);
        };
        let size = line.split(';').next().unwrap_or("").trim();
        let size = usize::from_str_radix(size, 16).map_err(|_| (400, "Bad Request: bad chunk"))?;
        if size == 0 {
            while read_line(&mut reader.by_ref().take(MAX_HEAD))?.is_some_and(|l| !l.is_empty()) {}
            return Ok(Some(body));
        }
        if body.len() + size > MAX_BODY {
            return Err((413, "Request Entity Too Large"));
        }
        let start = body.len();
        body.resize(start + size + 2, 0); // the chunk and its CRLF
        if reader.read_exact(&mut body[start..]).is_err() {
            return Ok(None);
        }
        body.truncate(start + size);
    }
}

/// Percent-decoding; `+` is a space in query strings.
fn decode(text: &str, plus: bool) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .filter(|h| h.iter().all(u8::is_ascii_hexdigit));
        match (bytes[i], hex) {
            (b'%', Some(h)) => {
                out.push(
                    u8::from_str_radix(std::str::from_utf8(h).unwrap_or("0"), 16).unwrap_or(0),
                );
                i += 3;
                continue;
            }
            (b'+', _) if plus => out.push(b' '),
            (b, _) => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn respond(out: &mut TcpStream, reply: &Reply, close: bool) -> std::io::Result<()> {
    let reason = match reply.status {
        200 => "OK",
        400 => "Bad Request",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        413 => "Payload Too Large",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        _ => "Status",
    };
    let kind = if reply.json {
        "application/json"
    } else {
        "text/plain; charset=utf-8"
    };
    let mut head = format!(
        "HTTP/1.1 {} {reason}\r\nContent-Type: {kind}\r\n",
        reply.status
    );
    let _ = write!(head, "Content-Length: {}\r\n", reply.body.len());
    for (name, value) in &reply.headers {
        let _ = write!(head, "{name}: {value}\r\n");
    }
    head.push_str(if close {
        "Connection: close\r\n\r\n"
    } else {
        "\r\n"
    });
    out.write_all(head.as_bytes())?;
    out.write_all(reply.body.as_bytes())?;
    out.flush()
}

// ---- Routing --------------------------------------------------------------------------

enum Query<'a> {
    Services,
    Service(&'a str),
    Checks,
    Catalog(&'a str, bool),
    Health(&'a str, bool, bool),
}

fn handle(shared: &Shared, req: &Request) -> Reply {
    let (fail, delay) = {
        let mut state = lock(&shared.state);
        state.requests.push(req.logged.clone());
        let fail = (state.fail.0 > 0).then(|| {
            state.fail.0 -= 1;
            state.fail.1
        });
        (fail, state.delay)
    };
    thread::sleep(delay);
    if let Some(status) = fail {
        return text(status, "fake-consul: injected failure");
    }
    if let (Some(want), true) = (&shared.token, req.path.starts_with("/v1/")) {
        match req.header("x-consul-token") {
            None | Some("") => {
                return text(
                    403,
                    "Permission denied: anonymous token lacks permission. The anonymous token is \
                     used implicitly when a request does not specify a token.",
                );
            }
            Some(token) if token != want => return text(403, "ACL not found"),
            Some(_) => {}
        }
    }
    let path = req.path.as_str();
    let only = |method: &str| req.method != method;
    if path == "/v1/agent/service/register" {
        return if only("PUT") {
            text(405, "method not allowed")
        } else {
            register(shared, req)
        };
    }
    if let Some(id) = path.strip_prefix("/v1/agent/service/deregister/") {
        return if only("PUT") {
            text(405, "method not allowed")
        } else {
            deregister(shared, id)
        };
    }
    let passing = req
        .query("passing")
        .is_some_and(|v| !matches!(v, "0" | "f" | "false"));
    let query = if path == "/v1/agent/services" {
        Query::Services
    } else if path == "/v1/agent/checks" {
        Query::Checks
    } else if let Some(id) = path.strip_prefix("/v1/agent/service/") {
        Query::Service(id)
    } else if let Some(name) = path.strip_prefix("/v1/catalog/service/") {
        Query::Catalog(name, false)
    } else if let Some(name) = path.strip_prefix("/v1/catalog/connect/") {
        Query::Catalog(name, true)
    } else if let Some(name) = path.strip_prefix("/v1/health/service/") {
        Query::Health(name, false, passing)
    } else if let Some(name) = path.strip_prefix("/v1/health/connect/") {
        Query::Health(name, true, passing)
    } else {
        return text(404, "404 page not found\n");
    };
    if only("GET") {
        return text(405, "method not allowed");
    }
    blocking_read(shared, req, &query)
}

fn blocking_read(shared: &Shared, req: &Request, query: &Query<'_>) -> Reply {
    let index = match req.query("index").map(str::parse::<u64>) {
        None => None,
        Some(Ok(index)) => Some(index),
        Some(Err(_)) => return text(400, "Invalid index"),
    };
    let wait = match req.query("wait").map(parse_duration) {
        None => DEFAULT_WAIT,
        Some(Some(wait)) if wait.is_zero() => DEFAULT_WAIT,
        Some(Some(wait)) => wait.min(MAX_WAIT),
        Some(None) => return text(400, "Invalid wait time"),
    };
    let hash = req.query("hash");
    let deadline = Instant::now() + wait;
    let mut state = lock(&shared.state);
    loop {
        let result = produce(&state, query);
        let body = result.as_ref().map_or(String::new(), Value::to_string);
        let mut hasher = DefaultHasher::new();
        body.hash(&mut hasher);
        let digest = format!("{:016x}", hasher.finish());
        let unchanged = index.is_some_and(|n| state.index <= n) || hash == Some(digest.as_str());
        let now = Instant::now();
        if !unchanged || now >= deadline || shared.stopping.load(Ordering::SeqCst) {
            let mut reply = match result {
                Ok(_) => Reply {
                    status: 200,
                    json: true,
                    body,
                    headers: Vec::new(),
                },
                Err(message) => text(404, message),
            };
            reply.headers = vec![
                ("X-Consul-Index", state.index.to_string()),
                ("X-Consul-ContentHash", digest),
                ("X-Consul-KnownLeader", "true".to_owned()),
                ("X-Consul-LastContact", "0".to_owned()),
            ];
            return reply;
        }
        state = shared
            .changed
            .wait_timeout(state, deadline - now)
            .unwrap_or_else(PoisonError::into_inner)
            .0;
    }
}

/// A Go duration such as `5s`, `1m30s` or `100ms`.
fn parse_duration(text: &str) -> Option<Duration> {
    match text {
        "" => return None,
        "0" => return Some(Duration::ZERO),
        _ => {}
    }
    let (mut rest, mut seconds) = (text, 0.0);
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !c.is_ascii_digit() && c != '.')
            .unwrap_or(rest.len());
        let value: f64 = rest[..digits].parse().ok()?;
        rest = &rest[digits..];
        let unit = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        seconds += value
            * match &rest[..unit] {
                "ns" => 1e-9,
                "us" | "µs" => 1e-6,
                "ms" => 1e-3,
                "s" => 1.0,
                "m" => 60.0,
                "h" => 3600.0,
                _ => return None,
            };
        rest = &rest[unit..];
    }
    Duration::try_from_secs_f64(seconds).ok()
}

// ---- The agent ------------------------------------------------------------------------

fn register(shared: &Shared, req: &Request) -> Reply {
    let body: Value = match serde_json::from_slice(&req.body) {
        Ok(body) => body,
        Err(e) => return text(400, format!("Request decode failed: {e}")),
    };
    // Consul decodes first and checks the name afterwards.
    let mut probe = if body.is_null() {
        json!({})
    } else {
        body.clone()
    };
    if let Some(object) = probe.as_object_mut() {
        if object.get("Name").is_none_or(Value::is_null) {
            object.insert("Name".into(), json!(""));
        }
    }
    if let Some(error) = crate::consul_schema::check(&shared.schema, &probe)
        .into_iter()
        .next()
    {
        return text(400, format!("Request decode failed: {error}"));
    }
    if str_of(&probe, "Name").is_empty() {
        return text(400, "Missing service name");
    }
    if matches!(str_of(&body, "Address"), "0.0.0.0" | "::") {
        return text(400, "Invalid service address");
    }
    if str_of(&body, "Kind") == "connect-proxy"
        && str_of(&body["Proxy"], "DestinationServiceName").is_empty()
    {
        return text(
            400,
            "Validation failed: 1 error occurred:\n\t* Proxy.DestinationServiceName must be \
             non-empty for Connect proxy services\n\n",
        );
    }
    let replace = req
        .query("replace-existing-checks")
        .is_some_and(|v| matches!(v, "" | "true"));
    let mut state = lock(&shared.state);
    state.index += 1;
    let index = state.index;
    let sidecar = body
        .pointer("/Connect/SidecarService")
        .filter(|s| s.is_object());
    let sidecar = sidecar.map(|def| sidecar_definition(&state, &body, def));
    store(&mut state, &body, replace, index, false);
    if let Some(def) = sidecar {
        store(&mut state, &def, replace, index, true);
    }
    state.writes += 1;
    shared.changed.notify_all();
    text(200, "")
}

fn deregister(shared: &Shared, id: &str) -> Reply {
    let mut state = lock(&shared.state);
    if !state.services.contains_key(id) {
        return text(
            404,
            format!(
                "Unknown service ID {id:?}. Ensure that the service ID is passed, not the service name."
            ),
        );
    }
    state.index += 1;
    let sidecar = format!("{id}{SIDECAR}");
    let ids = [id.to_owned(), sidecar.clone()];
    let nested = state.services.get(&sidecar).is_some_and(|s| s.nested);
    for id in &ids[..if nested { 2 } else { 1 }] {
        state.services.remove(id);
        state
            .checks
            .retain(|_, check| check["ServiceID"] != id.as_str());
    }
    state.writes += 1;
    shared.changed.notify_all();
    text(200, "")
}

fn str_of<'a>(value: &'a Value, key: &str) -> &'a str {
    value.get(key).and_then(Value::as_str).unwrap_or("")
}

fn is_empty(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::Bool(b) => !b,
        Value::Number(n) => n.as_f64() == Some(0.0),
        Value::String(s) => s.is_empty(),
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.is_empty(),
    }
}

fn or_default(object: &mut Map<String, Value>, key: &str, value: Value) {
    if object.get(key).is_none_or(is_empty) {
        object.insert(key.to_owned(), value);
    }
}

/// The object's non-empty members (Go's `omitempty`).
fn pruned(value: Option<&Value>) -> Map<String, Value> {
    let object = value.and_then(Value::as_object).into_iter().flatten();
    object
        .filter(|(_, v)| !is_empty(v))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

/// `Connect.SidecarService` with the defaults taken from its parent (§1d).
fn sidecar_definition(state: &State, parent: &Value, def: &Value) -> Value {
    let parent_id = match str_of(parent, "ID") {
        "" => str_of(parent, "Name"),
        id => id,
    };
    let id = format!("{parent_id}{SIDECAR}");
    let mut sidecar = def.as_object().cloned().unwrap_or_default();
    sidecar.insert("ID".into(), json!(id));
    or_default(
        &mut sidecar,
        "Name",
        json!(format!("{}{SIDECAR}", str_of(parent, "Name"))),
    );
    or_default(&mut sidecar, "Kind", json!("connect-proxy"));
    for key in ["Address", "Tags", "Meta"] {
        or_default(
            &mut sidecar,
            key,
            parent.get(key).cloned().unwrap_or(Value::Null),
        );
    }
    if sidecar.get("Port").is_none_or(is_empty) {
        let taken = |port: u64| {
            state
                .services
                .values()
                .any(|s| s.json["Port"] == port && s.json["ID"] != id.as_str())
        };
        // Lowest free port, but a re-registered sidecar keeps the one it has.
        let own = state
            .services
            .get(&id)
            .and_then(|s| s.json["Port"].as_u64());
        let own = own.filter(|port| (21000..=21255).contains(port));
        let port = own.or_else(|| (21000..=21255).find(|&port| !taken(port)));
        let port = port.unwrap_or(0);
        sidecar.insert("Port".into(), json!(port));
    }
    let mut proxy = pruned(sidecar.get("Proxy"));
    or_default(
        &mut proxy,
        "DestinationServiceName",
        json!(str_of(parent, "Name")),
    );
    or_default(&mut proxy, "DestinationServiceID", json!(parent_id));
    let port = |v: &Value| v.as_u64().unwrap_or(0);
    if !proxy.contains_key("LocalServiceSocketPath")
        && (!proxy.contains_key("LocalServiceAddress")
            || proxy.get("LocalServicePort").is_none_or(|p| port(p) < 1))
    {
        if str_of(parent, "SocketPath").is_empty() {
            or_default(&mut proxy, "LocalServiceAddress", json!("127.0.0.1"));
            or_default(&mut proxy, "LocalServicePort", json!(port(&parent["Port"])));
        } else {
            proxy.insert(
                "LocalServiceSocketPath".into(),
                parent["SocketPath"].clone(),
            );
        }
    }
    let no_checks =
        sidecar.get("Check").is_none_or(is_empty) && sidecar.get("Checks").is_none_or(is_empty);
    if no_checks {
        let address = match sidecar.get("Address").and_then(Value::as_str).unwrap_or("") {
            "" => proxy
                .get("LocalServiceAddress")
                .and_then(Value::as_str)
                .unwrap_or(""),
            address => address,
        };
        let address = if address.contains(':') {
            format!("[{address}]")
        } else {
            address.to_owned()
        };
        let tcp = format!("{address}:{}", port(&sidecar["Port"]));
        let checks = json!([
            {"Name": "Connect Sidecar Listening", "TCP": tcp, "Interval": "10s"},
            {"Name": format!("Connect Sidecar Aliasing {parent_id}"), "AliasService": parent_id},
        ]);
        sidecar.insert("Checks".into(), checks);
    }
    sidecar.insert("Proxy".into(), Value::Object(proxy));
    Value::Object(sidecar)
}

/// Stores a service definition and its checks.
fn store(state: &mut State, def: &Value, replace: bool, index: u64, nested: bool) {
    let service = service_json(def);
    let id = str_of(&service, "ID").to_owned();
    let mut defs: Vec<&Value> = def
        .get("Check")
        .filter(|c| !pruned(Some(c)).is_empty())
        .into_iter()
        .collect();
    defs.extend(
        def.get("Checks")
            .and_then(Value::as_array)
            .into_iter()
            .flatten(),
    );
    let ids: Vec<String> = (1..)
        .zip(&defs)
        .map(|(i, check)| match str_of(check, "CheckID") {
            "" if defs.len() > 1 => format!("service:{id}:{i}"),
            "" => format!("service:{id}"),
            check_id => check_id.to_owned(),
        })
        .collect();
    if replace {
        state
            .checks
            .retain(|check_id, check| check["ServiceID"] != id.as_str() || ids.contains(check_id));
    }
    for (check_id, check) in ids.iter().zip(defs) {
        state.checks.insert(
            check_id.clone(),
            check_json(check, check_id, &service, index),
        );
    }
    for check in state
        .checks
        .values_mut()
        .filter(|c| c["ServiceID"] == id.as_str())
    {
        check["ServiceTags"] = service["Tags"].clone();
    }
    let create = state.services.get(&id).map_or(index, |s| s.create);
    state.services.insert(
        id,
        Service {
            json: service,
            create,
            modify: index,
            nested,
        },
    );
}

fn check_json(def: &Value, check_id: &str, service: &Value, index: u64) -> Value {
    let name = match str_of(def, "Name") {
        "" => format!("Service '{}' check", str_of(service, "Service")),
        name => name.to_owned(),
    };
    let kinds = [
        ("ScriptArgs", "script"),
        ("Args", "script"),
        ("DockerContainerID", "docker"),
        ("GRPC", "grpc"),
        ("HTTP", "http"),
        ("TCP", "tcp"),
        ("UDP", "udp"),
        ("H2PING", "h2ping"),
        ("OSService", "os_service"),
        ("TTL", "ttl"),
        ("AliasService", "alias"),
        ("AliasNode", "alias"),
    ];
    let kind = kinds
        .iter()
        .find(|(key, _)| def.get(*key).is_some_and(|v| !is_empty(v)));
    let duration = |key: &str| match &def[key] {
        Value::String(s) => s.clone(),
        Value::Number(n) => n
            .as_u64()
            .map_or(String::new(), |n| format!("{:?}", Duration::from_nanos(n))),
        _ => String::new(),
    };
    json!({
        "Node": NODE, "CheckID": check_id, "Name": name,
        "Status": match str_of(def, "Status") { "" => "passing", status => status },
        "Notes": str_of(def, "Notes"), "Output": "",
        "ServiceID": service["ID"], "ServiceName": service["Service"], "ServiceTags": service["Tags"],
        "Type": kind.map_or("", |(_, kind)| kind),
        "Interval": duration("Interval"), "Timeout": duration("Timeout"),
        "ExposedPort": 0, "CreateIndex": index, "ModifyIndex": index,
    })
}

/// A definition as `GET /v1/agent/service/<id>` returns it (`api.AgentService`).
fn service_json(def: &Value) -> Value {
    let name = str_of(def, "Name");
    let kind = str_of(def, "Kind");
    let address = str_of(def, "Address");
    let port = def["Port"].as_u64().unwrap_or(0);
    let mut out = Map::new();
    if !kind.is_empty() {
        out.insert("Kind".into(), json!(kind));
    }
    out.insert(
        "ID".into(),
        json!(match str_of(def, "ID") {
            "" => name,
            id => id,
        }),
    );
    out.insert("Service".into(), json!(name));
    out.insert(
        "Tags".into(),
        def.get("Tags")
            .filter(|t| t.is_array())
            .cloned()
            .unwrap_or(json!([])),
    );
    out.insert(
        "Meta".into(),
        def.get("Meta")
            .filter(|m| m.is_object())
            .cloned()
            .unwrap_or(json!({})),
    );
    out.insert("Port".into(), json!(port));
    out.insert("Address".into(), json!(address));
    if !str_of(def, "SocketPath").is_empty() {
        out.insert("SocketPath".into(), def["SocketPath"].clone());
    }
    let mut tagged = pruned(def.get("TaggedAddresses"));
    if let Ok(ip) = address.parse::<IpAddr>() {
        let family = if ip.is_ipv4() { "ipv4" } else { "ipv6" };
        for net in ["lan", "wan"] {
            tagged
                .entry(format!("{net}_{family}"))
                .or_insert(json!({"Address": address, "Port": port}));
        }
    }
    if !tagged.is_empty() {
        out.insert("TaggedAddresses".into(), Value::Object(tagged));
    }
    let weights = match def.get("Weights").filter(|w| w.is_object()) {
        Some(w) => json!({"Passing": w["Passing"].as_u64().filter(|&p| p > 0).unwrap_or(1),
                          "Warning": w["Warning"].as_u64().unwrap_or(0)}),
        None => json!({"Passing": 1, "Warning": 1}),
    };
    out.insert("Weights".into(), weights);
    out.insert(
        "EnableTagOverride".into(),
        json!(def["EnableTagOverride"].as_bool().unwrap_or(false)),
    );
    if kind == "connect-proxy" || kind.ends_with("-gateway") {
        out.insert("Proxy".into(), proxy_json(def.get("Proxy")));
    }
    if def.pointer("/Connect/Native") == Some(&json!(true)) {
        out.insert("Connect".into(), json!({"Native": true}));
    }
    out.insert("Datacenter".into(), json!(DC));
    Value::Object(out)
}

fn proxy_json(proxy: Option<&Value>) -> Value {
    let mut out = pruned(proxy);
    let upstreams = out
        .get("Upstreams")
        .and_then(Value::as_array)
        .into_iter()
        .flatten();
    let upstreams: Vec<Value> = upstreams
        .map(|upstream| {
            let mut upstream = pruned(Some(upstream));
            or_default(&mut upstream, "DestinationType", json!("service"));
            let mesh = pruned(upstream.get("MeshGateway"));
            upstream.insert("MeshGateway".into(), Value::Object(mesh));
            Value::Object(upstream)
        })
        .collect();
    if !upstreams.is_empty() {
        out.insert("Upstreams".into(), Value::Array(upstreams));
    }
    for key in ["MeshGateway", "Expose", "TransparentProxy"] {
        let value = pruned(out.get(key));
        out.insert(key.into(), Value::Object(value));
    }
    if out["TransparentProxy"]
        .as_object()
        .is_some_and(Map::is_empty)
    {
        out.remove("TransparentProxy");
    }
    Value::Object(out)
}

fn services_json(state: &State) -> Value {
    Value::Object(
        state
            .services
            .iter()
            .map(|(id, s)| (id.clone(), s.json.clone()))
            .collect(),
    )
}

fn produce(state: &State, query: &Query<'_>) -> Result<Value, String> {
    let matching = |name: &str, connect: bool| -> Vec<&Service> {
        let wanted = |s: &&Service| {
            let j = &s.json;
            if connect {
                (j["Kind"] == "connect-proxy" && j["Proxy"]["DestinationServiceName"] == name)
                    || (j["Connect"]["Native"] == true && j["Service"] == name)
            } else {
                j["Service"] == name
            }
        };
        state.services.values().filter(wanted).collect()
    };
    let node = json!({"ID": "5b8d6f3e-2c1a-4e7b-9f00-000000000001", "Node": NODE, "Address": "127.0.0.1",
                      "Datacenter": DC, "TaggedAddresses": {"lan": "127.0.0.1", "wan": "127.0.0.1"}, "Meta": {}});
    let default_proxy = json!({"Mode": "", "MeshGateway": {}, "Expose": {}});
    Ok(match *query {
        Query::Services => services_json(state),
        Query::Service(id) => match state.services.get(id) {
            Some(service) => service.json.clone(),
            None => return Err(format!("unknown service ID: {id}")),
        },
        Query::Checks => Value::Object(state.checks.clone().into_iter().collect()),
        Query::Catalog(name, connect) => matching(name, connect)
            .into_iter()
            .map(|s| {
                let j = &s.json;
                json!({
                    "ID": node["ID"], "Node": NODE, "Address": "127.0.0.1", "Datacenter": DC,
                    "TaggedAddresses": node["TaggedAddresses"], "NodeMeta": {},
                    "ServiceKind": str_of(j, "Kind"), "ServiceID": j["ID"], "ServiceName": j["Service"],
                    "ServiceTags": j["Tags"], "ServiceAddress": j["Address"],
                    "ServiceTaggedAddresses": j.get("TaggedAddresses").unwrap_or(&json!({})),
                    "ServiceWeights": j["Weights"], "ServiceMeta": j["Meta"], "ServicePort": j["Port"],
                    "ServiceEnableTagOverride": j["EnableTagOverride"],
                    "ServiceProxy": j.get("Proxy").unwrap_or(&default_proxy),
                    "ServiceConnect": j.get("Connect").unwrap_or(&json!({})),
                    "CreateIndex": s.create, "ModifyIndex": s.modify,
                })
            })
            .collect(),
        Query::Health(name, connect, passing) => {
            let serf = json!({"Node": NODE, "CheckID": "serfHealth", "Name": "Serf Health Status",
                              "Status": "passing", "Notes": "", "Output": "Agent alive and reachable",
                              "ServiceID": "", "ServiceName": "", "ServiceTags": [], "Type": ""});
            let mut entries = Vec::new();
            for s in matching(name, connect) {
                let mut checks = vec![serf.clone()];
                checks.extend(state.checks.values().filter(|c| c["ServiceID"] == s.json["ID"]).cloned());
                if passing && checks.iter().any(|c| c["Status"] != "passing") {
                    continue;
                }
                let mut service = s.json.clone();
                if let Some(o) = service.as_object_mut() {
                    o.remove("Datacenter");
                    o.entry("Proxy").or_insert(default_proxy.clone());
                    o.entry("Connect").or_insert(json!({}));
                    o.insert("PeerName".into(), json!(""));
                    o.insert("CreateIndex".into(), json!(s.create));
                    o.insert("ModifyIndex".into(), json!(s.modify));
                }
                entries.push(json!({"Node": node, "Service": service, "Checks": checks}));
            }
            Value::Array(entries)
        }
    })
}
