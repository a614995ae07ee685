//! Every diagnostic code is documented in docs/diagnostics.md and exercised by a test case
//! whose snapshot shows it.

use std::fs;

#[test]
fn every_code_is_documented_and_tested() {
    let root = env!("CARGO_MANIFEST_DIR");
    let docs = fs::read_to_string(format!("{root}/docs/diagnostics.md")).unwrap();
    let snapshots: String = fs::read_dir(format!("{root}/tests/snapshots"))
        .unwrap()
        .map(|entry| fs::read_to_string(entry.unwrap().path()).unwrap())
        .collect();
    for code in jobspec::Code::ALL {
        let code = code.as_str();
        assert!(
            docs.contains(&format!("## `{code}`")),
            "{code} has no section in docs/diagnostics.md"
        );
        assert!(
            snapshots.contains(code),
            "no snapshot in tests/snapshots shows {code}"
        );
    }
}

#[test]
fn every_function_has_a_test_case_and_docs() {
    let root = env!("CARGO_MANIFEST_DIR");
    let cases: String = [
        "testdata/valid/hcl2-functions.nomad.hcl",
        "testdata/valid/hcl2-file.nomad.hcl",
        "testdata/invalid/hcl2-function-errors.nomad.hcl",
    ]
    .iter()
    .map(|p| fs::read_to_string(format!("{root}/{p}")).unwrap())
    .collect();
    let docs = fs::read_to_string(format!("{root}/docs/hcl2.md")).unwrap();
    for name in jobspec::parse::functions() {
        assert!(
            cases.contains(&format!("{name}(")),
            "no test case calls {name}()"
        );
        assert!(
            docs.contains(&format!("`{name}`")),
            "docs/hcl2.md does not list {name}"
        );
    }
}
