//! Self-test of the fake Consul agent (`tests/support/fake_consul.rs`), through a tiny
//! std-only HTTP client.

mod consul_schema;
#[path = "support/fake_consul.rs"]
mod fake_consul;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::thread;
use std::time::{Duration, Instant};

use fake_consul::{FakeConsul, Options};
use serde_json::{Value, json};

const MINIMAL: &str = r#"{"Name":"api","Port":9090,"Connect":{"SidecarService":{}}}"#;

struct Response {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl Response {
    fn header(&self, name: &str) -> Option<&str> {
        let found = self
            .headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name));
        found.map(|(_, v)| v.as_str())
    }
    fn index(&self) -> u64 {
        self.header("X-Consul-Index")
            .expect("X-Consul-Index")
            .parse()
            .unwrap()
    }
    fn json(&self) -> Value {
        assert_eq!(self.status, 200, "{}", self.body);
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("{e}: {}", self.body))
    }
}

fn write_request(
    stream: &mut TcpStream,
    method: &str,
    target: &str,
    headers: &[(&str, &str)],
    body: &str,
) {
    let mut request = format!(
        "{method} {target} HTTP/1.1\r\nHost: fake\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (name, value) in headers {
        request.extend([*name, ": ", *value, "\r\n"]);
    }
    request.push_str("\r\n");
    request.push_str(body);
    stream.write_all(request.as_bytes()).unwrap();
}

fn read_response(reader: &mut impl BufRead) -> Response {
    let mut line = String::new();
    reader.read_line(&mut line).unwrap();
    let status = line
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("status line {line:?}"));
    let mut headers = Vec::new();
    loop {
        line.clear();
        reader.read_line(&mut line).unwrap();
        match line.trim_end().split_once(':') {
            Some((name, value)) => headers.push((name.to_owned(), value.trim().to_owned())),
            None => break,
        }
    }
    let mut response = Response {
        status,
        headers,
        body: String::new(),
    };
    let length: usize = response.header("Content-Length").unwrap().parse().unwrap();
    let mut body = vec![0; length];
    reader.read_exact(&mut body).unwrap();
    response.body = String::from_utf8(body).unwrap();
    response
}

/// One request on a fresh connection.
fn call(
    addr: SocketAddr,
    method: &str,
    target: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> Response {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    let mut all = vec![("Connection", "close")];
    all.extend_from_slice(headers);
    write_request(&mut stream, method, target, &all, body);
    let response = read_response(&mut BufReader::new(stream));
    assert_eq!(response.header("Connection"), Some("close"));
    response
}

fn get(addr: SocketAddr, target: &str) -> Response {
    call(addr, "GET", target, &[], "")
}

fn put(addr: SocketAddr, target: &str, body: &str) -> Response {
    call(addr, "PUT", target, &[], body)
}

fn register(addr: SocketAddr, body: &str) {
    let response = put(addr, "/v1/agent/service/register", body);
    assert_eq!((response.status, response.body.as_str()), (200, ""));
}

#[test]
fn register_stores_the_parent_and_the_sidecar_with_consuls_defaults() {
    let fake = FakeConsul::start(Options::default());
    register(fake.addr(), &consul_schema::example().to_string());
    register(fake.addr(), MINIMAL);
    assert_eq!(fake.writes(), 2);

    let services = get(fake.addr(), "/v1/agent/services").json();
    assert_eq!(services, fake.services());
    let ids: Vec<&String> = services.as_object().unwrap().keys().collect();
    assert_eq!(
        ids,
        ["api", "api-sidecar-proxy", "web-1", "web-1-sidecar-proxy"]
    );

    let web = &services["web-1"];
    assert_eq!(web["Service"], "web");
    assert_eq!(web.get("Kind"), None);
    assert_eq!(web["Weights"], json!({"Passing": 10, "Warning": 1}));
    assert_eq!(
        web["TaggedAddresses"]["lan"],
        json!({"Address": "10.0.0.5", "Port": 8080})
    );
    assert_eq!(
        web["TaggedAddresses"]["lan_ipv4"],
        json!({"Address": "10.0.0.5", "Port": 8080})
    );
    assert_eq!(web["Datacenter"], "dc1");
    assert_eq!(web.get("Proxy"), None);

    let sidecar = &services["web-1-sidecar-proxy"];
    assert_eq!(sidecar["Kind"], "connect-proxy");
    assert_eq!(sidecar["Service"], "web-sidecar-proxy");
    assert_eq!(
        (&sidecar["Port"], &sidecar["Address"]),
        (&json!(21000), &json!("10.0.0.5"))
    );
    assert_eq!(
        (&sidecar["Tags"], &sidecar["Meta"]),
        (&json!(["v1"]), &json!({"version": "1"}))
    );
    let proxy = &sidecar["Proxy"];
    assert_eq!(proxy["DestinationServiceName"], "web");
    assert_eq!(proxy["DestinationServiceID"], "web-1");
    assert_eq!(proxy["Mode"], "direct");
    assert_eq!(proxy["Config"]["local_connect_timeout_ms"], 1000);
    assert_eq!(
        proxy["Upstreams"][0]["Config"]["limits"]["max_connections"],
        100
    );
    assert_eq!(
        proxy["Upstreams"][1],
        json!({"DestinationType": "service", "DestinationName": "cache",
                                              "LocalBindPort": 9192, "MeshGateway": {}})
    );
    assert_eq!(proxy["MeshGateway"], json!({}));

    let api = &services["api"];
    assert_eq!(
        (&api["Port"], &api["Address"], &api["Tags"]),
        (&json!(9090), &json!(""), &json!([]))
    );
    assert_eq!(api["Weights"], json!({"Passing": 1, "Warning": 1}));
    let api_sidecar = &services["api-sidecar-proxy"];
    assert_eq!(api_sidecar["Service"], "api-sidecar-proxy");
    assert_eq!(
        api_sidecar["Port"], 21001,
        "the lowest free port of 21000..=21255"
    );
    assert_eq!(
        api_sidecar["Proxy"],
        json!({"DestinationServiceName": "api", "DestinationServiceID": "api",
               "LocalServiceAddress": "127.0.0.1", "LocalServicePort": 9090,
               "MeshGateway": {}, "Expose": {}})
    );
    assert_eq!(
        get(fake.addr(), "/v1/agent/service/api-sidecar-proxy").json(),
        *api_sidecar
    );
    assert_eq!(get(fake.addr(), "/v1/agent/service/nope").status, 404);

    let checks = get(fake.addr(), "/v1/agent/checks").json();
    let ids: Vec<&String> = checks.as_object().unwrap().keys().collect();
    assert_eq!(
        ids,
        [
            "service:api-sidecar-proxy:1",
            "service:api-sidecar-proxy:2",
            "service:web-1",
            "service:web-1-sidecar-proxy:1",
            "service:web-1-sidecar-proxy:2"
        ]
    );
    let listening = &checks["service:api-sidecar-proxy:1"];
    assert_eq!(
        (&listening["Name"], &listening["Type"]),
        (&json!("Connect Sidecar Listening"), &json!("tcp"))
    );
    assert_eq!(checks["service:web-1-sidecar-proxy:1"]["Interval"], "10s");
    let alias = &checks["service:api-sidecar-proxy:2"];
    assert_eq!(
        (&alias["Name"], &alias["Type"]),
        (&json!("Connect Sidecar Aliasing api"), &json!("alias"))
    );
    assert_eq!(checks["service:web-1"]["Status"], "passing");
    assert_eq!(checks["service:web-1"]["ServiceName"], "web");
}

#[test]
fn bad_bodies_get_400_and_store_nothing() {
    let fake = FakeConsul::start(Options::default());
    let addr = fake.addr();
    let mut unknown = consul_schema::example();
    unknown["Connect"]["SidecarService"]["Proxy"]["Upstreams"][0]["LocalBindPrt"] = json!(1);
    let response = put(addr, "/v1/agent/service/register", &unknown.to_string());
    assert_eq!(response.status, 400);
    assert!(
        response.body.starts_with("Request decode failed: "),
        "{}",
        response.body
    );
    assert!(response.body.contains("LocalBindPrt"), "{}", response.body);

    let wrong_type = r#"{"Name":"web","TaggedAddresses":{"lan":"10.0.0.5"}}"#;
    for body in [
        "{not json",
        wrong_type,
        r#"{"Name":"web","Port":"80"}"#,
        "[]",
    ] {
        let response = put(addr, "/v1/agent/service/register", body);
        assert_eq!(response.status, 400, "{body}");
        assert!(
            response.body.starts_with("Request decode failed: "),
            "{body}: {}",
            response.body
        );
    }
    for body in [
        r#"{"Port":80}"#,
        r#"{"Name":"","Port":80}"#,
        r#"{"Name":null}"#,
        "null",
    ] {
        let response = put(addr, "/v1/agent/service/register", body);
        assert_eq!(
            (response.status, response.body.as_str()),
            (400, "Missing service name"),
            "{body}"
        );
    }
    let response = put(
        addr,
        "/v1/agent/service/register",
        r#"{"Name":"web","Address":"0.0.0.0"}"#,
    );
    assert_eq!(
        (response.status, response.body.as_str()),
        (400, "Invalid service address")
    );
    assert_eq!(fake.writes(), 0);
    assert_eq!(fake.services(), json!({}));
    assert_eq!(get(addr, "/v1/nope").status, 404);
    assert_eq!(get(addr, "/v1/agent/service/register").status, 405);
}

#[test]
fn the_token_is_enforced_and_never_recorded() {
    let fake = FakeConsul::start(Options {
        token: Some("secret".into()),
    });
    let addr = fake.addr();
    let anonymous = put(addr, "/v1/agent/service/register", MINIMAL);
    assert_eq!(anonymous.status, 403);
    assert!(
        anonymous.body.starts_with("Permission denied"),
        "{}",
        anonymous.body
    );
    let wrong = call(
        addr,
        "GET",
        "/v1/agent/services",
        &[("X-Consul-Token", "guess")],
        "",
    );
    assert_eq!((wrong.status, wrong.body.as_str()), (403, "ACL not found"));
    assert_eq!(fake.writes(), 0);

    let token = [("X-Consul-Token", "secret")];
    assert_eq!(
        call(addr, "PUT", "/v1/agent/service/register", &token, MINIMAL).status,
        200
    );
    assert_eq!(
        call(addr, "GET", "/v1/agent/services?token=secret", &token, "").status,
        200
    );
    assert_eq!(fake.writes(), 1);
    assert_eq!(
        fake.requests(),
        [
            "PUT /v1/agent/service/register",
            "GET /v1/agent/services",
            "PUT /v1/agent/service/register",
            "GET /v1/agent/services?token=<redacted>",
        ]
    );
}

#[test]
fn fail_next_answers_with_the_status_then_recovers() {
    let fake = FakeConsul::start(Options::default());
    fake.fail_next(2, 500);
    assert_eq!(
        put(fake.addr(), "/v1/agent/service/register", MINIMAL).status,
        500
    );
    assert_eq!(get(fake.addr(), "/v1/agent/services").status, 500);
    assert_eq!(fake.writes(), 0);
    register(fake.addr(), MINIMAL);
    assert_eq!(fake.writes(), 1);
    assert_eq!(fake.requests().len(), 3);
}

#[test]
fn deregister_removes_the_nested_sidecar_and_the_checks() {
    let fake = FakeConsul::start(Options::default());
    let addr = fake.addr();
    register(addr, &consul_schema::example().to_string());
    register(addr, MINIMAL);
    let response = put(addr, "/v1/agent/service/deregister/web-1", "");
    assert_eq!((response.status, response.body.as_str()), (200, ""));
    let ids: Vec<String> = fake
        .services()
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect();
    assert_eq!(ids, ["api", "api-sidecar-proxy"]);
    // 21000 is free again, but a re-registered sidecar keeps its port.
    register(addr, MINIMAL);
    assert_eq!(fake.services()["api-sidecar-proxy"]["Port"], 21001);
    let checks = get(addr, "/v1/agent/checks").json();
    assert!(
        checks
            .as_object()
            .unwrap()
            .values()
            .all(|c| c["ServiceID"].as_str().unwrap().starts_with("api"))
    );

    let response = put(addr, "/v1/agent/service/deregister/web", "");
    assert_eq!(response.status, 404);
    assert_eq!(
        response.body,
        r#"Unknown service ID "web". Ensure that the service ID is passed, not the service name."#
    );
    assert_eq!(fake.writes(), 4);
}

#[test]
fn blocking_queries_return_early_after_a_write() {
    let fake = FakeConsul::start(Options::default());
    let addr = fake.addr();
    register(addr, MINIMAL);
    let first = get(addr, "/v1/health/service/web");
    let index = first.index();
    assert_eq!(first.json(), json!([]));

    // No change: the query waits out `wait`.
    let started = Instant::now();
    let unchanged = get(
        addr,
        &format!("/v1/health/service/web?index={index}&wait=200ms"),
    );
    assert!(started.elapsed() >= Duration::from_millis(200));
    assert_eq!(unchanged.index(), index);

    let started = Instant::now();
    let waiter = thread::spawn(move || {
        get(
            addr,
            &format!("/v1/health/service/web?index={index}&wait=5s"),
        )
    });
    thread::sleep(Duration::from_millis(200));
    register(addr, &consul_schema::example().to_string());
    let changed = waiter.join().unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    assert!(changed.index() > index);
    assert_eq!(changed.json()[0]["Service"]["ID"], "web-1");

    // Hash blocking, as on /v1/agent/service/<id>.
    let own = get(addr, "/v1/agent/service/web-1-sidecar-proxy");
    let hash = own.header("X-Consul-ContentHash").unwrap().to_owned();
    let started = Instant::now();
    let waiter = thread::spawn(move || {
        get(
            addr,
            &format!("/v1/agent/service/web-1-sidecar-proxy?hash={hash}&wait=5s"),
        )
    });
    thread::sleep(Duration::from_millis(200));
    register(addr, MINIMAL); // another service: same body, keeps waiting
    let mut changed = consul_schema::example();
    changed["Connect"]["SidecarService"]["Port"] = json!(21005);
    register(addr, &changed.to_string());
    let response = waiter.join().unwrap();
    assert!(started.elapsed() < Duration::from_secs(2));
    assert_eq!(response.json()["Port"], 21005);

    assert_eq!(get(addr, "/v1/agent/services?index=x").status, 400);
    assert_eq!(get(addr, "/v1/agent/services?wait=5").status, 400);
}

#[test]
fn health_connect_returns_the_sidecar_and_passing_filters() {
    let fake = FakeConsul::start(Options::default());
    let addr = fake.addr();
    register(addr, &consul_schema::example().to_string());
    let entries = get(addr, "/v1/health/connect/web?passing=1").json();
    assert_eq!(entries.as_array().unwrap().len(), 1);
    let entry = &entries[0];
    assert_eq!(entry["Node"]["Node"], "fake-node");
    assert_eq!(entry["Node"]["Address"], "127.0.0.1");
    assert_eq!(entry["Service"]["ID"], "web-1-sidecar-proxy");
    assert_eq!(entry["Service"]["Port"], 21000);
    assert_eq!(entry["Service"]["Proxy"]["DestinationServiceName"], "web");
    let check_ids: Vec<&Value> = entry["Checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| &c["CheckID"])
        .collect();
    assert_eq!(
        check_ids,
        [
            "serfHealth",
            "service:web-1-sidecar-proxy:1",
            "service:web-1-sidecar-proxy:2"
        ]
    );
    assert_eq!(
        get(addr, "/v1/health/connect/web-sidecar-proxy").json(),
        json!([])
    );
    assert_eq!(
        get(addr, "/v1/health/service/web").json()[0]["Service"]["Proxy"]["Mode"],
        ""
    );

    let catalog = get(addr, "/v1/catalog/service/web").json();
    assert_eq!(catalog[0]["ServiceID"], "web-1");
    assert_eq!(catalog[0]["ServicePort"], 8080);
    assert_eq!(catalog[0]["ServiceKind"], "");
    let catalog = get(addr, "/v1/catalog/connect/web").json();
    assert_eq!(catalog[0]["ServiceKind"], "connect-proxy");

    // A critical check: ?passing drops the entry, replace-existing-checks drops the old check.
    let mut critical = json!({"ID": "db-1", "Name": "db", "Port": 5432,
                              "Checks": [{"CheckID": "db-ttl", "Name": "ttl", "TTL": "30s", "Status": "critical"}]});
    register(addr, &critical.to_string());
    assert_eq!(
        get(addr, "/v1/health/service/db")
            .json()
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert_eq!(get(addr, "/v1/health/service/db?passing").json(), json!([]));
    critical["Checks"] = json!([{"CheckID": "db-tcp", "TCP": "127.0.0.1:5432", "Interval": "10s"}]);
    register(addr, &critical.to_string());
    assert!(fake.checks().get("db-ttl").is_some(), "merged by CheckID");
    let response = put(
        addr,
        "/v1/agent/service/register?replace-existing-checks=true",
        &critical.to_string(),
    );
    assert_eq!(response.status, 200);
    assert!(fake.checks().get("db-ttl").is_none());
    assert_eq!(
        get(addr, "/v1/health/service/db?passing").json()[0]["Checks"][1]["CheckID"],
        "db-tcp"
    );
}

#[test]
fn keep_alive_delay_and_malformed_requests() {
    let fake = FakeConsul::start(Options::default());
    let addr = fake.addr();

    // Two requests on one connection.
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    write_request(
        &mut stream,
        "PUT",
        "/v1/agent/service/register",
        &[],
        MINIMAL,
    );
    assert_eq!(read_response(&mut reader).status, 200);
    write_request(&mut stream, "GET", "/v1/agent/service/api", &[], "");
    let response = read_response(&mut reader);
    assert_eq!(response.header("Connection"), None);
    assert_eq!(response.json()["Port"], 9090);
    drop((stream, reader));

    // A delay longer than the client's timeout.
    fake.set_delay(Duration::from_millis(500));
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_millis(100)))
        .unwrap();
    write_request(&mut stream, "GET", "/v1/agent/services", &[], "");
    let mut buf = [0; 1];
    let error = stream.read(&mut buf).unwrap_err();
    assert!(matches!(
        error.kind(),
        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
    ));
    fake.set_delay(Duration::ZERO);

    // Garbage: 400 and the connection is closed.
    for garbage in [
        "HELLO\r\n\r\n",
        "GET /v1/agent/services\r\n\r\n",
        "GET / HTTP/1.1\r\nbad header\r\n\r\n",
    ] {
        let mut stream = TcpStream::connect(addr).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(20)))
            .unwrap();
        stream.write_all(garbage.as_bytes()).unwrap();
        let mut reply = String::new();
        stream.read_to_string(&mut reply).unwrap();
        assert!(reply.starts_with("HTTP/1.1 400 "), "{garbage:?}: {reply}");
    }
    assert_eq!(get(addr, "/v1/agent/services").json()["api"]["Port"], 9090);
    assert_eq!(fake.requests().len(), 4);
}
