//! Snapshot tests over `testdata/`: every valid jobspec's Nomad API JSON, every invalid one's
//! rendered diagnostics, and the model → JSON → model round trip.

use jobspec::{SourceFile, parse_recoverable};

fn source(path: &std::path::Path) -> SourceFile {
    let text = std::fs::read_to_string(path).unwrap();
    let name = path.file_name().unwrap().to_string_lossy().into_owned();
    SourceFile::new(name, text)
}

#[test]
fn valid_jobspecs_lower_to_nomad_json() {
    insta::glob!("../testdata", "valid/*.hcl", |path| {
        let parsed = parse_recoverable(&source(path));
        assert!(
            !parsed.has_errors(),
            "{}: {:#?}",
            path.display(),
            parsed.diagnostics
        );
        let job = parsed.job.expect("a job");
        insta::assert_json_snapshot!(jobspec::model::ApiJob::from(job));
    });
}

#[test]
fn valid_jobspecs_round_trip_through_json() {
    insta::glob!("../testdata", "valid/*.hcl", |path| {
        let job = parse_recoverable(&source(path)).job.expect("a job");
        let json = jobspec::model::to_api_json(&job);
        let back = jobspec::model::from_api_json(&json).unwrap();
        assert_eq!(back, job, "{}", path.display());
    });
}

#[test]
fn invalid_jobspecs_report_every_finding() {
    insta::glob!("../testdata", "invalid/*.hcl", |path| {
        let source = source(path);
        let parsed = parse_recoverable(&source);
        // `warnings*.hcl` hold only warnings; every other file has at least one error.
        let only_warnings = path
            .file_name()
            .unwrap()
            .to_string_lossy()
            .starts_with("warnings");
        assert!(
            !parsed.diagnostics.is_empty(),
            "{}: no finding",
            path.display()
        );
        assert_eq!(parsed.has_errors(), !only_warnings, "{}", path.display());
        let report = jobspec::Report::new(source, parsed.diagnostics);
        insta::assert_snapshot!(report.render(false));
    });
}
