//! Snapshot tests over `testdata/`: every valid jobspec's Nomad API JSON, every invalid one's
//! rendered diagnostics, and the model → JSON → model round trip.
//!
//! A jobspec `x.nomad.hcl` may have inputs beside it: `x.vars.hcl` or `x.vars.json` (a var
//! file), `x.env` (`NOMAD_VAR_name=value` lines) and `x.args` (`--var name=value` lines).

use std::path::Path;

use jobspec::{ParseOptions, Parsed, Report, SourceFile, parse_with};

fn source(path: &Path) -> SourceFile {
    let text = std::fs::read_to_string(path).unwrap();
    let name = path.file_name().unwrap().to_string_lossy().into_owned();
    SourceFile::new(name, text)
}

fn lines(path: &Path) -> Vec<(String, String)> {
    std::fs::read_to_string(path)
        .map(|text| {
            text.lines()
                .filter_map(|l| l.split_once('='))
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect()
        })
        .unwrap_or_default()
}

fn parse(path: &Path) -> (SourceFile, Parsed) {
    let dir = path.parent().unwrap();
    let file = path.file_name().unwrap().to_string_lossy();
    let stem = file.split('.').next().unwrap();
    let mut options = ParseOptions::default();
    options.allow_fs = true;
    options.base_dir = Some(dir.to_path_buf());
    for ext in ["vars.hcl", "vars.json"] {
        let var_file = dir.join(format!("{stem}.{ext}"));
        if var_file.exists() {
            options.var_files.push(source(&var_file));
        }
    }
    options.env = lines(&dir.join(format!("{stem}.env")));
    options.vars = lines(&dir.join(format!("{stem}.args")));
    let source = source(path);
    let parsed = parse_with(&source, &options);
    (source, parsed)
}

#[test]
fn valid_jobspecs_lower_to_nomad_json() {
    insta::glob!("../testdata", "valid/*.nomad.*", |path| {
        let (_, parsed) = parse(path);
        assert!(
            !parsed.has_errors(),
            "{}: {:#?} {:#?}",
            path.display(),
            parsed.diagnostics,
            parsed.var_files
        );
        let job = parsed.job.expect("a job");
        insta::assert_json_snapshot!(jobspec::model::ApiJob::from(job));
    });
}

#[test]
fn valid_jobspecs_round_trip_through_json() {
    insta::glob!("../testdata", "valid/*.nomad.*", |path| {
        let job = parse(path).1.job.expect("a job");
        let json = jobspec::model::to_api_json(&job);
        let back = jobspec::model::from_api_json(&json).unwrap();
        assert_eq!(back, job, "{}", path.display());
    });
}

#[test]
fn invalid_jobspecs_report_every_finding() {
    insta::glob!("../testdata", "invalid/*.nomad.*", |path| {
        let (source, parsed) = parse(path);
        // `warnings*` files hold only warnings; every other file has at least one error.
        let only_warnings = path
            .file_name()
            .unwrap()
            .to_string_lossy()
            .starts_with("warnings");
        let reports: Vec<Report> = std::iter::once(Report::new(source, parsed.diagnostics.clone()))
            .chain(parsed.var_files.iter().cloned())
            .filter(|r| !r.diagnostics().is_empty())
            .collect();
        assert!(!reports.is_empty(), "{}: no finding", path.display());
        assert_eq!(parsed.has_errors(), !only_warnings, "{}", path.display());
        let rendered: Vec<String> = reports.iter().map(|r| r.render(false)).collect();
        insta::assert_snapshot!(rendered.join("\n"));
    });
}
