//! The recipe of docs/render.md: snapshot-test the Consul registrations of your own jobs
//! with insta, so a review shows exactly what a jobspec change does to Consul.
//!
//! ```sh
//! cargo run --example snapshot_registrations -- examples/countdash.nomad.hcl
//! ```
//!
//! In your own crate, put the body of `check` in a `#[test]` and call it with your jobspecs;
//! `cargo insta review` then shows each change of a registration as a diff.

use std::process::ExitCode;

use jobspec::{AllocContext, SourceFile};

/// Validates, injects and renders one jobspec, and snapshots each group's registrations.
fn check(path: &str) -> Result<(), String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {path}: {e}"))?;
    let source = SourceFile::new(path, text);
    let mut job = jobspec::parse_with(&source, &jobspec::ParseOptions::default())
        .job
        .ok_or_else(|| format!("{path} does not parse"))?;
    let findings = jobspec::validate(&job);
    if findings.iter().any(|d| d.is_error()) {
        return Err(jobspec::Report::new(source, findings).render(false));
    }
    jobspec::inject(&mut job);
    // A fixed allocation ID and node address keep the snapshots stable across runs.
    let cx = AllocContext {
        alloc_id: Some("00000000-0000-0000-0000-000000000001".into()),
        node_address: "10.0.0.5".into(),
        ..AllocContext::default()
    };
    let rendered = jobspec::render(&job, &cx);
    let stem = path
        .rsplit('/')
        .next()
        .unwrap_or(path)
        .split('.')
        .next()
        .unwrap_or("job");
    for group in &rendered.groups {
        insta::assert_json_snapshot!(format!("{stem}-{}", group.name), group.registrations);
    }
    Ok(())
}

fn main() -> ExitCode {
    let paths: Vec<String> = std::env::args().skip(1).collect();
    if paths.is_empty() {
        eprintln!("usage: snapshot_registrations <jobspec.hcl>...");
        return ExitCode::from(2);
    }
    for path in &paths {
        if let Err(e) = check(path) {
            eprintln!("{e}");
            return ExitCode::FAILURE;
        }
    }
    ExitCode::SUCCESS
}
