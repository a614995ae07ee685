//! `jobspec fmt` and `jobspec convert` through the command line.

mod common;

use std::process::Output;

use common::jobspec;

fn stdout(out: &Output) -> String {
    String::from_utf8(out.stdout.clone()).unwrap()
}

fn stderr(out: &Output) -> String {
    String::from_utf8(out.stderr.clone()).unwrap()
}

const UNFORMATTED: &str = "testdata/fmt/unformatted.nomad.hcl";

#[test]
fn fmt_prints_the_canonical_layout_with_every_comment() {
    let out = jobspec(&["fmt", UNFORMATTED]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let formatted = stdout(&out);
    insta::assert_snapshot!(formatted);
    let original = std::fs::read_to_string(UNFORMATTED).unwrap();
    for comment in [
        "# where it runs",
        "// higher than batch",
        "one at a time. */",
    ] {
        assert!(formatted.contains(comment), "lost {comment:?}");
    }
    // The same job, before and after.
    assert_eq!(
        jobspec::parse(&formatted).unwrap(),
        jobspec::parse(&original).unwrap()
    );
}

#[test]
fn fmt_check_lists_unformatted_files_and_exits_one() {
    let out = jobspec(&[
        "fmt",
        "--check",
        UNFORMATTED,
        "examples/countdash.nomad.hcl",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(stdout(&out), format!("{UNFORMATTED}\n"));

    let out = jobspec(&[
        "fmt",
        "--check",
        "examples",
        "testdata/valid",
        "testdata/render",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert_eq!(stdout(&out), "");
}

#[test]
fn fmt_write_rewrites_in_place() {
    let dir = std::env::temp_dir().join(format!("jobspec-fmt-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("web.nomad.hcl");
    std::fs::copy(UNFORMATTED, &file).unwrap();
    let path = file.to_str().unwrap();

    let out = jobspec(&["fmt", "--write", path]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stdout(&out), format!("{path}\n"));
    let written = std::fs::read_to_string(&file).unwrap();
    assert_eq!(written, stdout(&jobspec(&["fmt", UNFORMATTED])));

    // Formatted already: nothing listed, nothing to check.
    let out = jobspec(&["fmt", "--write", dir.to_str().unwrap()]);
    assert_eq!(stdout(&out), "");
    assert_eq!(jobspec(&["fmt", "--check", path]).status.code(), Some(0));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn fmt_reports_syntax_errors_and_refuses_json() {
    let out = jobspec(&["fmt", "testdata/invalid/syntax-error.nomad.hcl"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("jobspec::syntax::invalid"),
        "{}",
        stderr(&out)
    );
    assert_eq!(stdout(&out), "");

    let out = jobspec(&["fmt", "testdata/valid/countdash.nomad.json"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("is a JSON jobspec"),
        "{}",
        stderr(&out)
    );

    // JSON is told by its text, as the parser tells it, byte order mark and all.
    let dir = std::env::temp_dir().join(format!("jobspec-fmt-json-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("job.nomad.hcl");
    std::fs::write(&file, "\u{FEFF}  {\"job\": {\"x\": {}}}\n").unwrap();
    let out = jobspec(&["fmt", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("is a JSON jobspec"));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn convert_api_json_to_hcl_round_trips() {
    let input = "testdata/valid/api-kitchen-sink.nomad.json";
    let out = jobspec(&["convert", input, "--to", "hcl"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stderr(&out), "");
    let hcl = stdout(&out);
    insta::assert_snapshot!(hcl);

    let dir = std::env::temp_dir().join(format!("jobspec-convert-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("converted.nomad.hcl");
    std::fs::write(&file, &hcl).unwrap();
    let back = jobspec(&["parse", file.to_str().unwrap()]);
    assert_eq!(stdout(&back), stdout(&jobspec(&["parse", input])));
    assert_eq!(
        jobspec(&["fmt", "--check", file.to_str().unwrap()])
            .status
            .code(),
        Some(0)
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn convert_names_fields_hcl_cannot_hold() {
    let dir = std::env::temp_dir().join(format!("jobspec-dropped-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("job.json");
    std::fs::write(
        &file,
        r#"{"Job": {"ID": "web", "Name": "web", "Status": "running", "Version": 3,
            "TaskGroups": [{"Name": "g", "Tasks": [{"Name": "t", "Driver": "exec"}]}]}}"#,
    )
    .unwrap();
    let out = jobspec(&["convert", file.to_str().unwrap(), "--to", "hcl"]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        stderr(&out),
        "jobspec: warning: job \"web\" > Status has no HCL form and is left out\n\
         jobspec: warning: job \"web\" > Version has no HCL form and is left out\n"
    );
    assert!(stdout(&out).starts_with("job \"web\" {\n"));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn convert_evaluates_hcl2_and_writes_json() {
    // Variables, locals and dynamic blocks are evaluated: the HCL written is the job itself.
    let out = jobspec(&[
        "convert",
        "testdata/valid/hcl2-dynamic.nomad.hcl",
        "--to",
        "hcl",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let hcl = stdout(&out);
    assert!(!hcl.contains("dynamic") && !hcl.contains("var."), "{hcl}");
    assert_eq!(
        jobspec::parse(&hcl).unwrap(),
        jobspec::parse_with(
            &jobspec::SourceFile::new(
                "x",
                std::fs::read_to_string("testdata/valid/hcl2-dynamic.nomad.hcl").unwrap()
            ),
            &jobspec::ParseOptions::default()
        )
        .job
        .unwrap()
    );

    let json = jobspec(&["convert", "examples/countdash.nomad.hcl", "--to", "json"]);
    assert_eq!(
        stdout(&json),
        stdout(&jobspec(&["parse", "examples/countdash.nomad.hcl"]))
    );

    let out = jobspec(&[
        "convert",
        "testdata/invalid/unknown-keys.nomad.hcl",
        "--to",
        "hcl",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(stdout(&out), "");
}
