//! Property tests of the HCL writer over generated valid jobs (groups, networks and ports,
//! services with Connect sidecars and upstreams, checks, tasks, `env`/`meta`/`config` with
//! awkward strings):
//!
//! - model → HCL (`write::to_hcl`) → parse gives the same model;
//! - model → Nomad API JSON → parse gives the same model;
//! - `fmt` is idempotent, and keeps the parsed model of a re-indented, commented jobspec;
//! - validation finds no error in a generated job, and its render keeps its invariants.

use std::collections::BTreeSet;

use jobspec::model::{
    ConsulConnect, ConsulProxy, ConsulSidecarService, ConsulUpstream, Duration, Map,
    NetworkResource, Number, Port, Service, ServiceCheck, Task, TaskGroup, Value,
};
use jobspec::{AllocContext, Job, SourceFile, Span, Spanned};
use proptest::prelude::*;

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(96)
}

fn s<T>(value: T) -> Spanned<T> {
    Spanned::new(value, Span::NONE)
}

fn some<T>(value: T) -> Option<Spanned<T>> {
    Some(s(value))
}

/// Strings that are hard to write back: quotes, backslashes, template markers (escaped and
/// not), runtime interpolations, newlines (heredocs), control characters, any Unicode.
fn awkward() -> impl Strategy<Value = String> {
    prop_oneof![
        "\\PC{0,16}",
        "[ -~]{0,24}",
        "(\\PC|[\\n\\t\\r\"\\\\$%{}~\\x00\\x1b])*",
        Just("${NOMAD_ALLOC_ID}".to_owned()),
        Just("http://${attr.unique.hostname}:8080/x".to_owned()),
        Just("${ attr.unique.network.ip-address }".to_owned()),
        Just("${var.not_a_variable} and $${escaped} and %{ if x }".to_owned()),
        Just("$${NOMAD_ALLOC_INDEX} $$${NOMAD_ALLOC_ID}".to_owned()),
        Just("line one\n  line two\nEOF\n".to_owned()),
        Just("a\r\nb\n".to_owned()),
        Just(String::new()),
    ]
}

/// Map keys: identifiers mostly, HCL's keywords (names in a body, but not bare object
/// keys), and some with dots (written as an object attribute).
fn key(dotted: bool) -> BoxedStrategy<String> {
    let name = prop_oneof![
        8 => "[a-zA-Z_][a-zA-Z0-9_-]{0,8}",
        1 => prop::sample::select(vec!["if", "for", "in", "null", "true", "false", "dynamic"]).prop_map(str::to_owned),
    ];
    if dotted {
        prop_oneof![name, "[a-z]{1,4}\\.[a-z]{1,4}"].boxed()
    } else {
        name.boxed()
    }
}

fn string_map(dotted: bool) -> impl Strategy<Value = Option<Spanned<Map<String>>>> {
    prop::option::of(prop::collection::btree_map(key(dotted), awkward(), 0..4))
        .prop_map(|m| m.map(|m| s(m.into_iter().map(|(k, v)| (s(k), s(v))).collect())))
}

/// A free-form value as a driver `config` holds: scalars, lists, lists of objects (blocks)
/// and objects.
fn value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|i| Value::Number(Number::Int(i))),
        (-1.0e9..1.0e9f64)
            .prop_filter("fractional", |f| f.fract() != 0.0)
            .prop_map(|f| Value::Number(Number::Float(f))),
        awkward().prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4)
                .prop_map(|v| Value::List(v.into_iter().map(s).collect())),
            prop::collection::btree_map(key(true), inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().map(|(k, v)| (s(k), s(v))).collect())),
        ]
    })
}

fn config() -> impl Strategy<Value = Option<Spanned<Map<Value>>>> {
    prop::option::of(prop::collection::btree_map(key(false), value(), 0..4))
        .prop_map(|m| m.map(|m| s(m.into_iter().map(|(k, v)| (s(k), s(v))).collect())))
}

fn duration() -> impl Strategy<Value = Duration> {
    (1i64..7200, 0i64..1000).prop_map(|(secs, ms)| Duration(secs * 1_000_000_000 + ms * 1_000_000))
}

fn task(i: usize) -> impl Strategy<Value = Task> {
    (config(), string_map(true), string_map(true)).prop_map(move |(config, env, meta)| {
        let mut task = Task::default();
        task.name = some(format!("t{i}"));
        task.driver = some("docker".to_owned());
        task.config = config;
        task.env = env;
        task.meta = meta;
        task
    })
}

/// A Connect service numbered `i` of its group, on the port `port`.
fn service(i: usize, port: String) -> impl Strategy<Value = Service> {
    (
        "[a-z][a-z0-9]{0,8}",
        prop::collection::btree_map("[a-z][a-z0-9-]{0,8}", 1i64..65536, 0..4),
        prop::option::of((awkward(), duration(), duration())),
        prop::collection::vec("[a-z0-9.:=-]{1,12}", 0..3),
    )
        .prop_map(move |(name, upstreams, check, tags)| {
            let mut proxy = ConsulProxy::default();
            // Distinct bind ports: the generated upstreams must be valid.
            let mut used = BTreeSet::new();
            for (dest, port) in upstreams {
                if !used.insert(port) {
                    continue;
                }
                let mut up = ConsulUpstream::default();
                up.destination_name = some(dest);
                up.local_bind_port = some(port);
                proxy.upstreams.push(s(up));
            }
            let mut sidecar = ConsulSidecarService::default();
            sidecar.proxy = some(proxy);
            let mut connect = ConsulConnect::default();
            connect.sidecar_service = some(sidecar);
            let mut service = Service::default();
            service.name = some(format!("{name}-{i}"));
            service.port_label = some(port.clone());
            service.tags = (!tags.is_empty()).then(|| s(tags.into_iter().map(s).collect()));
            service.connect = some(connect);
            if let Some((notes, interval, timeout)) = check {
                let mut check = ServiceCheck::default();
                check.r#type = some("http".to_owned());
                check.path = some("/health".to_owned());
                check.expose = some(true);
                check.interval = some(interval);
                check.timeout = some(timeout);
                check.notes = some(notes);
                service.checks.push(s(check));
            }
            service
        })
}

fn group(i: usize) -> impl Strategy<Value = TaskGroup> {
    (
        0i64..10,
        prop::collection::btree_map(
            "[a-z][a-z0-9_]{0,6}",
            prop::option::of(1025i64..40000),
            0..4,
        ),
        prop::collection::vec(task(0), 1..3),
        1usize..3,
        string_map(true),
    )
        .prop_flat_map(move |(count, ports, tasks, n_services, meta)| {
            let services = (0..n_services)
                .map(|j| service(j, format!("{}", 9000 + j)))
                .collect::<Vec<_>>();
            (Just((count, ports, tasks, meta)), services)
        })
        .prop_map(move |((count, ports, tasks, meta), services)| {
            let mut network = NetworkResource::default();
            network.mode = some("bridge".to_owned());
            let mut statics = BTreeSet::new();
            for (label, value) in ports {
                let mut port = Port::default();
                port.label = some(label);
                port.to = some(8080);
                match value {
                    Some(v) if statics.insert(v) => {
                        port.value = some(v);
                        network.reserved_ports.push(s(port));
                    }
                    _ => network.dynamic_ports.push(s(port)),
                }
            }
            let mut group = TaskGroup::default();
            group.name = some(format!("g{i}"));
            group.count = some(count);
            group.networks.push(s(network));
            group.services = services.into_iter().map(s).collect();
            group.tasks = tasks
                .into_iter()
                .enumerate()
                .map(|(j, mut t)| {
                    t.name = some(format!("t{j}"));
                    s(t)
                })
                .collect();
            group.meta = meta;
            group
        })
}

fn job() -> impl Strategy<Value = Job> {
    (
        "[a-z][a-z0-9-]{0,10}",
        prop::collection::vec("[a-z][a-z0-9]{0,5}", 1..3),
        prop::sample::select(vec!["service", "batch"]),
        string_map(true),
        1usize..3,
    )
        .prop_flat_map(|(id, dcs, kind, meta, n)| {
            let groups = (0..n).map(group).collect::<Vec<_>>();
            (Just((id, dcs, kind, meta)), groups)
        })
        .prop_map(|((id, dcs, kind, meta), groups)| {
            let mut job = Job::default();
            job.id = some(id.clone());
            job.name = some(id);
            job.r#type = some(kind.to_owned());
            job.datacenters = some(dcs.into_iter().map(s).collect());
            job.meta = meta;
            job.task_groups = groups.into_iter().map(s).collect();
            job
        })
}

/// Where two jobs first differ, as API JSON, for a readable failure.
fn difference(a: &Job, b: &Job) -> String {
    let (a, b) = (
        jobspec::model::to_api_json(a),
        jobspec::model::to_api_json(b),
    );
    let at = a.bytes().zip(b.bytes()).take_while(|(x, y)| x == y).count();
    let from = a[..at].char_indices().rev().nth(60).map_or(0, |(i, _)| i);
    let context = |s: &str| s[from..].chars().take(160).collect::<String>();
    format!("\n  got:  {}\n  want: {}", context(&a), context(&b))
}

fn parse(text: &str) -> Result<Job, String> {
    jobspec::parse(text).map_err(|report| format!("{report:?}\n{text}"))
}

/// Re-indents every line outside heredocs at random and puts a comment line before some:
/// what `fmt` must undo without changing the job.
fn scramble(text: &str, seed: &[u8]) -> String {
    let mut out = String::new();
    let mut heredoc: Option<String> = None;
    for (i, line) in text.lines().enumerate() {
        let b = seed.get(i % seed.len().max(1)).copied().unwrap_or(0);
        if let Some(marker) = &heredoc {
            if line.trim() == marker {
                heredoc = None;
            }
            out.push_str(line);
            out.push('\n');
            continue;
        }
        if let Some(at) = line.find("<<") {
            heredoc = Some(line[at + 2..].trim_start_matches('-').trim().to_owned());
        }
        if b % 5 == 0 {
            out.push_str("# a comment\n");
        }
        let indent = ["", " ", "\t", "      "][usize::from(b % 4)];
        out.push_str(indent);
        out.push_str(&line.trim_start().replacen(
            " = ",
            ["=", " =  ", " = "][usize::from(b % 3)],
            1,
        ));
        out.push('\n');
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases()))]

    #[test]
    fn hcl_round_trips(job in job()) {
        let hcl = jobspec::write::to_hcl(&job);
        prop_assert!(hcl.dropped.is_empty(), "{:?}", hcl.dropped);
        let back = parse(&hcl.text).map_err(TestCaseError::fail)?;
        prop_assert!(back == job, "{}{}", hcl.text, difference(&back, &job));
        // What the writer writes is formatted.
        let formatted = jobspec::write::format(&SourceFile::new("w", hcl.text.as_str()));
        prop_assert_eq!(formatted.as_ref(), Ok(&hcl.text));
    }

    /// Labels are literals: their template markers are escaped, nothing is interpolated.
    #[test]
    fn awkward_labels_round_trip(mut job in job(), label in awkward(), group in awkward()) {
        job.id = some(label.clone());
        job.name = some(label);
        job.task_groups[0].name = some(group);
        let hcl = jobspec::write::to_hcl(&job);
        prop_assert!(hcl.dropped.is_empty(), "{:?}", hcl.dropped);
        let back = parse(&hcl.text).map_err(TestCaseError::fail)?;
        prop_assert!(back == job, "{}{}", hcl.text, difference(&back, &job));
    }

    #[test]
    fn api_json_round_trips(job in job()) {
        let json = jobspec::model::to_api_json(&job);
        let back = parse(&json).map_err(TestCaseError::fail)?;
        prop_assert!(back == job, "{}", difference(&back, &job));
    }

    #[test]
    fn fmt_is_idempotent_and_keeps_the_job(job in job(), seed in prop::collection::vec(any::<u8>(), 1..32)) {
        let text = scramble(&jobspec::write::to_hcl(&job).text, &seed);
        let once = jobspec::write::format(&SourceFile::new("s", text.as_str()))
            .map_err(|d| TestCaseError::fail(format!("{d:?}\n{text}")))?;
        let twice = jobspec::write::format(&SourceFile::new("s", once.as_str()))
            .map_err(|d| TestCaseError::fail(format!("{d:?}\n{once}")))?;
        prop_assert_eq!(&once, &twice);
        let back = parse(&once).map_err(TestCaseError::fail)?;
        prop_assert!(back == job, "{}{}", once, difference(&back, &job));
        prop_assert_eq!(once.matches("# a comment").count(), text.matches("# a comment").count());
    }

    #[test]
    fn generated_jobs_are_valid_and_render(job in job()) {
        let findings = jobspec::validate(&job);
        prop_assert!(findings.iter().all(|d| !d.is_error()), "{:#?}", findings);
        let mut job = job;
        jobspec::inject(&mut job);
        let rendered = jobspec::render(&job, &AllocContext::default());
        prop_assert!(rendered.findings.iter().all(|d| !d.is_error()), "{:#?}", rendered.findings);
        let mut ids = BTreeSet::new();
        for group in &rendered.groups {
            for reg in &group.registrations {
                prop_assert!(ids.insert(reg.id.clone()), "duplicate service ID {:?}", reg.id);
            }
            for env in group.env.values() {
                for key in env.keys() {
                    prop_assert!(!key.is_empty() && !key.contains(['=', '\0']), "bad name {:?}", key);
                }
            }
        }
    }
}

/// `fmt --check` holds for every valid jobspec kept in the repository, and formatting it
/// keeps its job.
#[test]
fn repository_jobspecs_are_formatted() {
    let dirs = ["testdata/valid", "testdata/render", "examples"];
    let mut checked = 0;
    for dir in dirs {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_none_or(|e| e != "hcl") {
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            let source = SourceFile::new(path.display().to_string(), text.as_str());
            let formatted = jobspec::write::format(&source).unwrap();
            assert_eq!(formatted, text, "{} is not formatted", path.display());
            checked += 1;
        }
    }
    assert!(checked >= 15, "only {checked} files");
}
