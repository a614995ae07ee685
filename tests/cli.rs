//! The command line: exit codes, output formats, standard input.

use std::io::Write;
use std::process::{Command, Output, Stdio};

fn jobspec(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_jobspec"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap()
}

fn jobspec_stdin(args: &[&str], input: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_jobspec"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

fn stdout(out: &Output) -> String {
    String::from_utf8(out.stdout.clone()).unwrap()
}

#[test]
fn validate_clean_example_exits_zero() {
    let out = jobspec(&["validate", "examples/countdash.nomad.hcl"]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert!(stdout(&out).contains("1 file checked: 0 errors, 0 warnings"));
}

#[test]
fn validate_invalid_file_exits_one_with_json_report() {
    let out = jobspec(&[
        "validate",
        "--format",
        "json",
        "testdata/invalid/unknown-keys.nomad.hcl",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let doc: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let first = &doc["diagnostics"][0];
    let keys: Vec<&str> = first
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    for key in [
        "file",
        "severity",
        "code",
        "message",
        "line",
        "column",
        "end_line",
        "end_column",
        "offset",
        "length",
        "help",
        "labels",
    ] {
        assert!(keys.contains(&key), "missing {key} in {first}");
    }
    assert_eq!(first["severity"], "error");
    assert_eq!(first["code"], "jobspec::schema::unknown_attribute");
    assert_eq!(doc["summary"]["files"], 1);
    assert!(doc["summary"]["errors"].as_u64().unwrap() >= 1);
}

#[test]
fn missing_file_exits_two_with_one_line() {
    let out = jobspec(&["validate", "no/such/file.hcl"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("no/such/file.hcl"), "{err}");
}

#[test]
fn usage_error_exits_two() {
    assert_eq!(
        jobspec(&["validate", "--format", "xml", "x"]).status.code(),
        Some(2)
    );
    assert_eq!(jobspec(&["frobnicate"]).status.code(), Some(2));
}

#[test]
fn parse_reads_stdin_and_prints_api_json() {
    let out = jobspec_stdin(&["parse", "-"], "job \"x\" {\n  priority = 70\n}\n");
    assert_eq!(out.status.code(), Some(0));
    let doc: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(doc["Job"]["ID"], "x");
    assert_eq!(doc["Job"]["Priority"], 70);
}

#[test]
fn parse_of_invalid_input_exits_one_and_prints_nothing() {
    let out = jobspec_stdin(&["parse", "-"], "job \"x\" {\n  priorty = 70\n}\n");
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("did you mean `priority`?"), "{err}");
}

#[test]
fn validate_walks_directories() {
    let out = jobspec(&["validate", "--format", "json", "testdata/valid"]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    let doc: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert!(doc["summary"]["files"].as_u64().unwrap() > 1);
}

#[test]
fn deprecated_keys_warn_without_failing() {
    let out = jobspec_stdin(
        &["validate", "--format", "json", "-"],
        "job \"x\" {\n  consul_token = \"abc\"\n}\n",
    );
    assert_eq!(out.status.code(), Some(0));
    let doc: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(doc["diagnostics"][0]["severity"], "warning");
    assert_eq!(
        doc["diagnostics"][0]["code"],
        "jobspec::deprecated::attribute"
    );
    assert_eq!(doc["summary"]["warnings"], 1);
}

#[test]
fn parse_output_reads_back() {
    let first = jobspec(&["parse", "testdata/valid/connect-sidecar.nomad.hcl"]);
    assert_eq!(first.status.code(), Some(0));
    let again = jobspec_stdin(&["parse", "-"], &stdout(&first));
    assert_eq!(
        again.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
    assert_eq!(stdout(&again), stdout(&first));
}

#[test]
fn variables_come_from_flags_files_and_environment() {
    let out = Command::new(env!("CARGO_BIN_EXE_jobspec"))
        .args([
            "parse",
            "testdata/valid/hcl2-variables.nomad.hcl",
            "--var-file",
            "testdata/valid/hcl2-variables.vars.hcl",
            "--var",
            "count=7",
        ])
        .env("NOMAD_VAR_region", "ap-south")
        .env("NOMAD_VAR_image_tag", "loses-to-the-var-file")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let job = &doc["Job"];
    assert_eq!(job["Region"], "ap-south");
    assert_eq!(job["TaskGroups"][0]["Count"], 7);
    assert_eq!(
        job["TaskGroups"][0]["Tasks"][0]["Config"]["image"],
        "registry.example.com/web:1.4.2"
    );
}

#[test]
fn malformed_var_flag_is_a_usage_error() {
    let out = jobspec(&[
        "validate",
        "--var",
        "novalue",
        "examples/countdash.nomad.hcl",
    ]);
    assert_eq!(out.status.code(), Some(2));
}
