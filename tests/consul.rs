//! The Consul client and sync against the in-repo strict fake agent, through the library and
//! the CLI; and, when `CONSUL_HTTP_ADDR` is set, against a real agent.
#![cfg(feature = "consul")]

mod common;
mod consul_schema;
#[path = "support/fake_consul.rs"]
mod fake_consul;

use std::time::{Duration, Instant};

use common::jobspec;
use fake_consul::{FakeConsul, Options};
use jobspec::consul::{Change, Client, Config, Error, QueryOptions, Token, sync};
use jobspec::{AllocContext, Rendered};

fn rendered(path: &str) -> Rendered {
    let text = std::fs::read_to_string(format!("{}/{path}", env!("CARGO_MANIFEST_DIR"))).unwrap();
    let mut job = jobspec::parse(&text).unwrap();
    jobspec::inject(&mut job);
    jobspec::render(&job, &AllocContext::default())
}

fn config(addr: impl ToString) -> Config {
    Config {
        addr: addr.to_string(),
        timeout: Duration::from_secs(2),
        retries: 2,
        ..Config::default()
    }
}

fn block_on<T>(f: impl std::future::Future<Output = T>) -> T {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(f)
}

fn ids(fake: &FakeConsul) -> Vec<String> {
    fake.services()
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect()
}

#[test]
fn sync_registers_then_sends_nothing() {
    let fake = FakeConsul::start(Options::default());
    let client = Client::new(&config(fake.addr())).unwrap();
    let r = rendered("examples/countdash.nomad.hcl");
    block_on(async {
        for group in &r.groups {
            let report = sync(&client, group, false).await.unwrap();
            assert_eq!(report.done.len(), 1, "{report:#?}");
        }
        assert_eq!(fake.writes(), 2);
        for group in &r.groups {
            let report = sync(&client, group, false).await.unwrap();
            assert!(report.done.is_empty(), "{report:#?}");
            assert_eq!(report.plan.unchanged.len(), 1);
        }
    });
    assert_eq!(
        fake.writes(),
        2,
        "the second sync wrote: {:#?}",
        fake.requests()
    );
    let names: Vec<String> = ids(&fake);
    assert_eq!(names.len(), 4, "{names:#?}");
    assert_eq!(
        names
            .iter()
            .filter(|n| n.ends_with("-sidecar-proxy"))
            .count(),
        2
    );
    let dash = &r.groups[1].registrations[0];
    let side = &fake.services()[format!("{}-sidecar-proxy", dash.id.as_deref().unwrap())];
    assert_eq!(side["Kind"], "connect-proxy");
    assert_eq!(side["Proxy"]["LocalServicePort"], 9002);
}

#[test]
fn sync_updates_changes_and_removes_orphans_only() {
    let fake = FakeConsul::start(Options::default());
    let client = Client::new(&config(fake.addr())).unwrap();
    let r = rendered("testdata/render/multi.nomad.hcl");
    let group = &r.groups[0];
    block_on(async {
        sync(&client, group, false).await.unwrap();
        // Someone else's service, and another allocation's: never touched.
        let mut other = group.registrations[0].clone();
        other.id = Some("web-by-hand".into());
        other.connect = None;
        client.register(&other, false).await.unwrap();
        let mut foreign = other.clone();
        foreign.id = Some("_nomad-task-00000000-0000-0000-0000-00000000000f-group-x-web-80".into());
        client.register(&foreign, false).await.unwrap();
        // This allocation's service the job no longer has: an orphan.
        let mut orphan = other.clone();
        orphan.id = Some(format!(
            "_nomad-task-{}-group-checkout-old-1",
            group.alloc_id
        ));
        client.register(&orphan, false).await.unwrap();

        let mut changed = group.clone();
        changed.registrations[0].tags = Some(vec!["v2".into()]);
        let report = sync(&client, &changed, false).await.unwrap();
        let done: Vec<&Change> = report.done.iter().collect();
        assert_eq!(done.len(), 2, "{done:#?}");
        assert!(matches!(done[0], Change::Update { field, .. } if field == "Tags"));
        assert!(matches!(done[1], Change::Deregister { id } if id.ends_with("-old-1")));
    });
    let left = ids(&fake);
    assert!(left.contains(&"web-by-hand".to_owned()));
    assert!(left.iter().any(|id| id.contains("00000000000f")));
    assert!(!left.iter().any(|id| id.ends_with("-old-1")));
}

#[test]
fn deregister_removes_parents_and_sidecars() {
    let fake = FakeConsul::start(Options::default());
    let addr = fake.addr().to_string();
    let args = [
        "examples/countdash.nomad.hcl",
        "--consul-addr",
        addr.as_str(),
    ];
    let out = jobspec(&[&["register"], &args[..]].concat());
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(ids(&fake).len(), 4);
    let out = jobspec(&[&["deregister"], &args[..]].concat());
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(ids(&fake).is_empty(), "{:#?}", fake.services());
}

#[test]
fn cli_sync_dry_run_and_idempotence() {
    let fake = FakeConsul::start(Options::default());
    let addr = fake.addr().to_string();
    let args = [
        "sync",
        "examples/countdash.nomad.hcl",
        "--consul-addr",
        addr.as_str(),
    ];
    let out = jobspec(&[&args[..], &["--dry-run"]].concat());
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).contains("would _nomad-task-"));
    assert_eq!(fake.writes(), 0);
    assert_eq!(jobspec(&args).status.code(), Some(0));
    assert_eq!(fake.writes(), 2);
    let out = jobspec(&args);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("api: 0 changes, 1 unchanged"), "{stdout}");
    assert_eq!(fake.writes(), 2);
}

#[test]
fn token_is_sent_and_rejection_is_typed() {
    let fake = FakeConsul::start(Options {
        token: Some("s3cret".into()),
    });
    let r = rendered("examples/countdash.nomad.hcl");
    let body = &r.groups[0].registrations[0];
    let anonymous = Client::new(&config(fake.addr())).unwrap();
    let err = block_on(anonymous.register(body, true)).unwrap_err();
    assert!(matches!(err, Error::Forbidden { status: 403, .. }), "{err}");
    let mut with_token = config(fake.addr());
    with_token.token = Some(Token::new("s3cret"));
    let client = Client::new(&with_token).unwrap();
    block_on(client.register(body, true)).unwrap();
    assert!(!format!("{with_token:?} {client:?} {err}").contains("s3cret"));
    // The CLI takes it from the environment and never prints it.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_jobspec"))
        .args(["sync", "examples/countdash.nomad.hcl", "--consul-addr"])
        .arg(fake.addr().to_string())
        .env("CONSUL_HTTP_TOKEN", "wrong-token")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("403") && stderr.contains("hint:"),
        "{stderr}"
    );
    assert!(!stderr.contains("wrong-token"));
}

#[test]
fn agent_down_is_unreachable() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let client = Client::new(&config(port)).unwrap();
    let start = Instant::now();
    let err = block_on(client.services()).unwrap_err();
    assert!(matches!(err, Error::Unreachable { .. }), "{err}");
    assert!(err.to_string().contains("GET /v1/agent/services"), "{err}");
    assert!(
        start.elapsed() < Duration::from_secs(5),
        "retries must be capped"
    );
}

#[test]
fn server_errors_are_retried() {
    let fake = FakeConsul::start(Options::default());
    fake.fail_next(2, 500);
    let client = Client::new(&config(fake.addr())).unwrap();
    let r = rendered("examples/countdash.nomad.hcl");
    block_on(client.register(&r.groups[0].registrations[0], true)).unwrap();
    assert_eq!(ids(&fake).len(), 2);
    fake.fail_next(5, 503);
    let err = block_on(client.services()).unwrap_err();
    assert!(matches!(err, Error::Server { status: 503, .. }), "{err}");
}

#[test]
fn a_slow_agent_times_out() {
    let fake = FakeConsul::start(Options::default());
    fake.set_delay(Duration::from_millis(1500));
    let mut slow = config(fake.addr());
    slow.timeout = Duration::from_millis(300);
    let client = Client::new(&slow).unwrap();
    let err = block_on(client.services()).unwrap_err();
    assert!(matches!(err, Error::Timeout { .. }), "{err}");
}

#[test]
fn bad_bodies_get_consuls_reason() {
    let fake = FakeConsul::start(Options::default());
    let client = Client::new(&config(fake.addr())).unwrap();
    let r = rendered("examples/countdash.nomad.hcl");
    let mut body = r.groups[0].registrations[0].clone();
    body.name = None;
    let err = block_on(client.register(&body, true)).unwrap_err();
    assert!(
        matches!(&err, Error::BadRequest { reason, .. } if reason.contains("Missing service name") || reason.contains("Request decode failed")),
        "{err}"
    );
}

#[test]
fn blocking_query_wakes_on_change() {
    let fake = FakeConsul::start(Options::default());
    let client = Client::new(&config(fake.addr())).unwrap();
    let r = rendered("examples/countdash.nomad.hcl");
    let body = r.groups[0].registrations[0].clone();
    block_on(async {
        let first = client
            .health_service("count-api", true, false, QueryOptions::default())
            .await
            .unwrap();
        assert!(first.value.is_empty());
        let writer = client.clone();
        let started = Instant::now();
        let (answer, ()) = tokio::join!(
            client.health_service(
                "count-api",
                true,
                false,
                QueryOptions {
                    index: first.index.max(1),
                    wait: Some(Duration::from_secs(5)),
                },
            ),
            async {
                tokio::time::sleep(Duration::from_millis(200)).await;
                writer.register(&body, true).await.unwrap();
            }
        );
        let answer = answer.unwrap();
        assert!(
            started.elapsed() < Duration::from_secs(4),
            "woken by the change"
        );
        assert!(answer.index > first.index);
        assert_eq!(answer.value.len(), 1, "{:#?}", answer.value);
        assert_eq!(answer.value[0]["Service"]["Kind"], "connect-proxy");
    });
}

/// Against a real agent at `CONSUL_HTTP_ADDR`: a sync round trip of countdash under a
/// random allocation ID, cleaned up afterwards. Skipped (with the reason) without it.
#[test]
fn real_agent_round_trip() {
    let Ok(addr) = std::env::var("CONSUL_HTTP_ADDR") else {
        eprintln!("skipped: set CONSUL_HTTP_ADDR to run against a real Consul agent");
        return;
    };
    let config = Config::from_env().unwrap();
    let client = Client::new(&config).unwrap();
    let text = std::fs::read_to_string(format!(
        "{}/examples/countdash.nomad.hcl",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    let mut job = jobspec::parse(&text).unwrap();
    jobspec::inject(&mut job);
    let cx = AllocContext {
        alloc_id: Some(uuid_like()),
        ..AllocContext::default()
    };
    let r = jobspec::render(&job, &cx);
    block_on(async {
        for group in &r.groups {
            sync(&client, group, false).await.unwrap();
            let again = sync(&client, group, false).await.unwrap();
            assert!(again.done.is_empty(), "{addr}: {again:#?}");
            jobspec::consul::deregister_all(&client, group)
                .await
                .unwrap();
        }
    });
}

fn uuid_like() -> String {
    let n = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!(
        "{:08x}-0000-4000-8000-{:012x}",
        (n >> 32) as u32,
        n & 0xffff_ffff_ffff
    )
}

#[test]
fn a_partial_failure_is_reported_and_the_next_sync_converges() {
    let fake = FakeConsul::start(Options::default());
    let client = Client::new(&config(fake.addr())).unwrap();
    let r = rendered("testdata/render/multi.nomad.hcl");
    let good = &r.groups[0];
    let mut broken = good.clone();
    broken.registrations[1].name = None; // Consul answers 400 "Missing service name"
    block_on(async {
        let (report, err) = sync(&client, &broken, false).await.unwrap_err();
        assert!(matches!(err, Error::BadRequest { .. }), "{err}");
        assert_eq!(report.done.len(), 1, "{report:#?}");
        assert_eq!(report.not_done.len(), 2, "{report:#?}");
        assert_eq!(
            report.not_done[0].id(),
            good.registrations[1].id.as_deref().unwrap()
        );
        let report = sync(&client, good, false).await.unwrap();
        assert_eq!(report.done.len(), 2, "{report:#?}");
        assert!(sync(&client, good, false).await.unwrap().done.is_empty());
    });
}

#[cfg(unix)]
#[test]
fn unix_socket_addresses_work() {
    use std::os::unix::net::UnixListener;
    let fake = FakeConsul::start(Options::default());
    let dir = std::env::temp_dir().join(format!("jobspec-consul-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let socket = dir.join("consul.sock");
    let _ = std::fs::remove_file(&socket);
    let listener = UnixListener::bind(&socket).unwrap();
    let target = fake.addr();
    // A byte-for-byte relay from the socket to the fake's TCP port.
    std::thread::spawn(move || {
        for conn in listener.incoming().flatten() {
            let tcp = std::net::TcpStream::connect(target).unwrap();
            let (mut a, mut b) = (conn.try_clone().unwrap(), tcp.try_clone().unwrap());
            std::thread::spawn(move || std::io::copy(&mut a, &mut b));
            let (mut c, mut d) = (tcp, conn);
            std::thread::spawn(move || std::io::copy(&mut c, &mut d));
        }
    });
    let client = Client::new(&config(format!("unix://{}", socket.display()))).unwrap();
    let r = rendered("examples/countdash.nomad.hcl");
    block_on(client.register(&r.groups[0].registrations[0], true)).unwrap();
    assert_eq!(block_on(client.services()).unwrap().len(), 2);
    let _ = std::fs::remove_dir_all(&dir);
}
