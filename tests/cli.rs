//! The command line: exit codes, output formats, standard input.

mod common;

use std::io::Write;
use std::process::{Command, Output, Stdio};

use common::jobspec;

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
        "job \"x\" {\n  consul_token = \"abc\"\n  group \"g\" {\n    task \"t\" {\n      driver = \"exec\"\n    }\n  }\n}\n",
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

#[test]
fn github_format_writes_workflow_annotations() {
    let out = jobspec(&[
        "validate",
        "--format",
        "github",
        "testdata/invalid/validate-upstreams.nomad.hcl",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    let first = text.lines().next().unwrap();
    assert!(
        first.starts_with(
            "::error file=testdata/invalid/validate-upstreams.nomad.hcl,line=25,col=34,"
        ),
        "{first}"
    );
    assert!(
        first.contains("title=jobspec%3A%3Aupstream%3A%3Aenv_collision::"),
        "{first}"
    );
}

#[test]
fn sarif_format_is_a_sarif_log() {
    let out = jobspec(&[
        "validate",
        "--format",
        "sarif",
        "testdata/invalid/validate-network.nomad.hcl",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let doc: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(doc["version"], "2.1.0");
    let run = &doc["runs"][0];
    assert_eq!(run["tool"]["driver"]["name"], "jobspec");
    let result = &run["results"][0];
    assert_eq!(result["ruleId"], "jobspec::network::invalid_hostname");
    assert_eq!(result["level"], "error");
    let region = &result["locations"][0]["physicalLocation"]["region"];
    assert_eq!(
        (region["startLine"].as_u64(), region["startColumn"].as_u64()),
        (Some(6), Some(18))
    );
    let rule = result["ruleIndex"].as_u64().unwrap() as usize;
    assert_eq!(
        run["tool"]["driver"]["rules"][rule]["id"],
        "jobspec::network::invalid_hostname"
    );
}

#[test]
fn deny_warnings_fails_on_warnings() {
    let file = "testdata/invalid/warnings.nomad.hcl";
    assert_eq!(jobspec(&["validate", file]).status.code(), Some(0));
    assert_eq!(
        jobspec(&["validate", "--deny-warnings", file])
            .status
            .code(),
        Some(1)
    );
}

#[test]
fn countdash_typo_reports_the_reference_and_with_a_closed_world_the_destination() {
    let codes = |args: &[&str]| -> Vec<String> {
        let out = jobspec(args);
        assert_eq!(out.status.code(), Some(1));
        let doc: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
        doc["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| {
                format!(
                    "{}@{}:{}",
                    d["code"].as_str().unwrap(),
                    d["line"],
                    d["column"]
                )
            })
            .collect()
    };
    let file = "testdata/closed-world/countdash-typo.nomad.hcl";
    assert_eq!(
        codes(&["validate", "--format", "json", file]),
        ["jobspec::reference::unknown_upstream@59:42"]
    );
    assert_eq!(
        codes(&["validate", "--format", "json", "--closed-world", file]),
        [
            "jobspec::upstream::unknown_destination@47:34",
            "jobspec::reference::unknown_upstream@59:42"
        ]
    );
    // The set's other job provides nothing countdash needs, so the finding stays.
    let both = codes(&[
        "validate",
        "--format",
        "json",
        "--closed-world",
        "testdata/closed-world",
    ]);
    assert!(
        both.contains(&"jobspec::upstream::unknown_destination@47:34".to_owned()),
        "{both:?}"
    );
}

#[test]
fn unreadable_file_among_good_ones_is_exit_two() {
    let out = jobspec(&["validate", "examples/countdash.nomad.hcl", "no/such.hcl"]);
    assert_eq!(out.status.code(), Some(2));
}

/// The codes of a `--format json` report.
fn codes(out: &Output) -> Vec<String> {
    let doc: serde_json::Value = serde_json::from_str(&stdout(out)).unwrap();
    doc["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["code"].as_str().unwrap().to_owned())
        .collect()
}

/// A fresh, empty folder for one test.
fn temp_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("jobspec-cli-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn a_byte_order_mark_and_crlf_line_endings_are_fine() {
    let out = jobspec(&[
        "validate",
        "testdata/valid/source-bom.nomad.hcl",
        "testdata/valid/source-crlf.nomad.hcl",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    let out = jobspec(&["parse", "testdata/valid/source-bom.nomad.hcl"]);
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn text_that_is_not_utf8_is_a_finding_of_its_file() {
    let out = jobspec(&[
        "validate",
        "--format",
        "json",
        "examples/countdash.nomad.hcl",
        "testdata/invalid/source-encoding.nomad.hcl",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let doc: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let finding = &doc["diagnostics"][0];
    assert_eq!(finding["code"], "jobspec::source::encoding");
    assert_eq!(
        finding["file"],
        "testdata/invalid/source-encoding.nomad.hcl"
    );
    assert_eq!(
        (finding["line"].as_u64(), finding["column"].as_u64()),
        (Some(2), Some(9))
    );
    assert_eq!(doc["summary"]["files"], 2);
    assert_eq!(doc["summary"]["errors"], 1);
    let out = jobspec(&["parse", "testdata/invalid/source-encoding.nomad.hcl"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("byte 0xE9"));
}

#[test]
fn a_nul_byte_is_a_syntax_error_that_names_it() {
    let out = jobspec(&[
        "validate",
        "--format",
        "json",
        "testdata/invalid/source-nul.nomad.hcl",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(codes(&out), ["jobspec::syntax::invalid"]);
    assert!(stdout(&out).contains("U+0000 (NUL)"));
}

#[test]
fn deep_nesting_is_a_limit_not_a_crash() {
    let out = jobspec(&[
        "validate",
        "--format",
        "json",
        "testdata/invalid/limit-nesting.nomad.hcl",
        "testdata/invalid/limit-nesting.nomad.json",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        codes(&out),
        ["jobspec::source::limit", "jobspec::source::limit"]
    );
    // 100 000 levels, of blocks and of brackets, on standard input.
    for text in [
        "a {\n".repeat(100_000),
        format!("x = {}\n", "[".repeat(100_000)),
    ] {
        let out = jobspec_stdin(&["validate", "--format", "json", "-"], &text);
        assert_eq!(out.status.code(), Some(1));
        assert_eq!(codes(&out), ["jobspec::source::limit"]);
    }
}

#[test]
fn max_file_size_applies_before_reading() {
    let args = ["validate", "--format", "json", "--max-file-size", "100"];
    let out = jobspec(&[&args[..], &["examples/countdash.nomad.hcl"]].concat());
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(codes(&out), ["jobspec::source::too_large"]);
    let out = jobspec(&[
        "parse",
        "--max-file-size",
        "100",
        "examples/countdash.nomad.hcl",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("jobspec::source::too_large"));
    // An endless stream on standard input is read up to the limit only.
    let mut child = Command::new(env!("CARGO_BIN_EXE_jobspec"))
        .args(["validate", "--format", "json", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || {
        let chunk = vec![b'#'; 1 << 16];
        // Ends when jobspec stops reading and exits.
        while stdin.write_all(&chunk).is_ok() {}
    });
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(codes(&out), ["jobspec::source::too_large"]);
}

#[test]
fn a_directory_is_not_a_jobspec_for_parse_and_render() {
    for command in ["parse", "render"] {
        let out = jobspec(&[command, "testdata/valid"]);
        assert_eq!(out.status.code(), Some(2), "{command}");
        let err = String::from_utf8(out.stderr).unwrap();
        assert!(err.contains("testdata/valid is a directory"), "{err}");
    }
}

#[test]
fn validate_of_a_directory_without_jobspecs_fails() {
    let dir = temp_dir("empty");
    std::fs::write(dir.join("README.md"), "no jobs here").unwrap();
    std::fs::write(dir.join("prod.vars.hcl"), "count = 3").unwrap();
    let out = jobspec(&["validate", dir.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("no jobspec files"), "{err}");
    std::fs::remove_dir_all(dir).unwrap();
}

#[cfg(unix)]
#[test]
fn a_fifo_is_refused_without_blocking() {
    let dir = temp_dir("fifo");
    let fifo = dir.join("pipe.nomad.hcl");
    let made = Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success());
    for command in ["validate", "parse"] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_jobspec"))
            .args([command, fifo.to_str().unwrap()])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // Reading the FIFO would block for ever: no writer ever opens it.
        let start = std::time::Instant::now();
        while child.try_wait().unwrap().is_none() {
            if start.elapsed() > std::time::Duration::from_secs(20) {
                let _ = child.kill();
                panic!("`jobspec {command}` blocked on a FIFO");
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        let out = child.wait_with_output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{command}");
        let err = String::from_utf8(out.stderr).unwrap();
        assert!(err.contains("is not a regular file (a FIFO)"), "{err}");
    }
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn many_findings_are_capped_for_people_and_complete_in_json() {
    let text = format!("job \"x\" {{\n{}}}\n", "  meta {}\n".repeat(151));
    let out = jobspec_stdin(&["validate", "-"], &text);
    assert_eq!(out.status.code(), Some(1));
    let human = stdout(&out);
    assert_eq!(
        human
            .matches("only one `meta` block is allowed here")
            .count(),
        100
    );
    assert!(
        human.contains("… and 50 more findings in <stdin> (use --format json to see all)"),
        "{human}"
    );
    assert!(
        human.contains("1 file checked: 150 errors, 0 warnings"),
        "{human}"
    );
    let out = jobspec_stdin(&["validate", "--format", "json", "-"], &text);
    assert_eq!(codes(&out).len(), 150);
}

#[test]
fn a_million_small_blocks_stop_at_the_block_limit() {
    // 4 MB: under the size limit, over the block limit.
    let text = "a {}\n".repeat(1_000_000);
    let out = jobspec_stdin(&["validate", "--format", "json", "-"], &text);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(codes(&out), ["jobspec::source::limit"]);
}

#[cfg(unix)]
#[test]
fn a_symbolic_link_loop_does_not_make_the_walk_endless() {
    let dir = temp_dir("loop");
    std::fs::create_dir(dir.join("jobs")).unwrap();
    std::fs::copy(
        "testdata/valid/source-crlf.nomad.hcl",
        dir.join("jobs/web.nomad.hcl"),
    )
    .unwrap();
    std::os::unix::fs::symlink("..", dir.join("jobs/up")).unwrap();
    let out = jobspec(&["validate", dir.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert!(stdout(&out).contains("1 file checked"), "{}", stdout(&out));
    std::fs::remove_dir_all(dir).unwrap();
}
