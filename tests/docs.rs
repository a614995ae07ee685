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
