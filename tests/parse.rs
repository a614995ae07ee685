//! Snapshot tests over `testdata/`: every valid jobspec's Nomad API JSON (and that it has no
//! finding at all), every invalid one's findings rendered for people and as JSON, and the
//! model → JSON → model round trip.
//!
//! A jobspec `x.nomad.hcl` may have inputs beside it: `x.vars.hcl` or `x.vars.json` (a var
//! file), `x.env` (`NOMAD_VAR_name=value` lines), `x.args` (`--var name=value` lines) and
//! `x.limits` (`Limits` fields, `max_blocks=10` lines).

use std::path::Path;

use jobspec::{Limits, ParseOptions, Parsed, Report, SourceFile, parse_with};

/// A file's text, or the report of a file that is no text.
fn read(path: &Path) -> Result<SourceFile, Report> {
    let bytes = std::fs::read(path).unwrap();
    let name = path.file_name().unwrap().to_string_lossy().into_owned();
    jobspec::parse::read_source(&name, &bytes[..], &Limits::default()).unwrap()
}

fn source(path: &Path) -> SourceFile {
    read(path).unwrap()
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

fn limits(path: &Path) -> Limits {
    let mut limits = Limits::default();
    for (key, value) in lines(path) {
        let n: usize = value.trim().parse().unwrap();
        match key.as_str() {
            "max_file_size" => limits.max_file_size = n,
            "max_blocks" => limits.max_blocks = n,
            "max_label" => limits.max_label = n,
            "max_nodes" => limits.max_nodes = n,
            "max_collection" => limits.max_collection = n,
            "max_string" => limits.max_string = n,
            "max_steps" => limits.max_steps = n as u64,
            other => panic!("{}: unknown limit {other}", path.display()),
        }
    }
    limits
}

/// Parses a jobspec with the inputs beside it; the report of a file that is no text.
fn parse(path: &Path) -> Result<(SourceFile, Parsed), Report> {
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
    options.limits = limits(&dir.join(format!("{stem}.limits")));
    let source = read(path)?;
    let parsed = parse_with(&source, &options);
    Ok((source, parsed))
}

#[test]
fn valid_jobspecs_lower_to_nomad_json() {
    insta::glob!("../testdata", "valid/*.nomad.*", |path| {
        let (_, parsed) = parse(path).unwrap();
        assert!(
            parsed.diagnostics.is_empty()
                && parsed.var_files.iter().all(|r| r.diagnostics().is_empty()),
            "{}: {:#?} {:#?}",
            path.display(),
            parsed.diagnostics,
            parsed.var_files
        );
        let job = parsed.job.expect("a job");
        let findings = jobspec::validate(&job);
        assert!(findings.is_empty(), "{}: {findings:#?}", path.display());
        insta::assert_json_snapshot!(jobspec::model::ApiJob::from(job));
    });
}

#[test]
fn valid_jobspecs_round_trip_through_json() {
    insta::glob!("../testdata", "valid/*.nomad.*", |path| {
        let job = parse(path).unwrap().1.job.expect("a job");
        let json = jobspec::model::to_api_json(&job);
        let back = jobspec::model::from_api_json(&json).unwrap();
        assert_eq!(back, job, "{}", path.display());
    });
}

#[test]
fn invalid_jobspecs_report_every_finding() {
    insta::glob!("../testdata", "invalid/*.nomad.*", |path| {
        let (source, mut parsed) = match parse(path) {
            Ok(parsed) => parsed,
            // A file that is no text: its one finding.
            Err(report) => {
                let reports = std::slice::from_ref(&report);
                let summary = jobspec::output::Summary::of(reports, 1);
                let json: serde_json::Value =
                    serde_json::from_str(&jobspec::output::json(reports, &summary)).unwrap();
                insta::assert_snapshot!(format!(
                    "{}\n---- json ----\n{}",
                    report.render(false),
                    serde_json::to_string_pretty(&json).unwrap()
                ));
                return;
            }
        };
        // Semantic rules run once a file parses without error, as in the CLI.
        if let (Some(job), false) = (&parsed.job, parsed.has_errors()) {
            parsed.diagnostics.extend(jobspec::validate(job));
            parsed.diagnostics.sort_by_key(|d| d.span.start);
        }
        // `warnings*` files hold only warnings; every other file has at least one error.
        let only_warnings = path
            .file_name()
            .unwrap()
            .to_string_lossy()
            .starts_with("warnings");
        let has_errors = parsed.diagnostics.iter().any(|d| d.is_error())
            || parsed.var_files.iter().any(|r| r.error_count() > 0);
        let reports: Vec<Report> = std::iter::once(Report::new(source, parsed.diagnostics))
            .chain(parsed.var_files)
            .filter(|r| !r.diagnostics().is_empty())
            .collect();
        assert!(!reports.is_empty(), "{}: no finding", path.display());
        assert_eq!(has_errors, !only_warnings, "{}", path.display());
        let human: Vec<String> = reports.iter().map(|r| r.render(false)).collect();
        let summary = jobspec::output::Summary::of(&reports, 1);
        let json: serde_json::Value =
            serde_json::from_str(&jobspec::output::json(&reports, &summary)).unwrap();
        insta::assert_snapshot!(format!(
            "{}\n---- json ----\n{}",
            human.join("\n"),
            serde_json::to_string_pretty(&json).unwrap()
        ));
    });
}

/// `testdata/closed-world/`: the jobs validated as a set, with and without a closed world.
#[test]
fn closed_world_sets_report_unknown_destinations() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/closed-world");
    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().ends_with(".nomad.hcl"))
        .collect();
    paths.sort();
    let parsed: Vec<(SourceFile, Parsed)> = paths.iter().map(|p| parse(p).unwrap()).collect();
    let jobs: Vec<&jobspec::Job> = parsed
        .iter()
        .map(|(_, p)| p.job.as_ref().unwrap())
        .collect();
    let open =
        jobspec::validate::validate_set(&jobs, jobspec::validate::SetOptions::closed_world(false));
    assert!(
        open.iter().all(Vec::is_empty),
        "an open world assumes nothing: {open:#?}"
    );
    let closed =
        jobspec::validate::validate_set(&jobs, jobspec::validate::SetOptions::closed_world(true));
    let reports: Vec<Report> = parsed
        .into_iter()
        .zip(closed)
        .filter(|(_, f)| !f.is_empty())
        .map(|((source, _), f)| Report::new(source, f))
        .collect();
    let human: Vec<String> = reports.iter().map(|r| r.render(false)).collect();
    insta::assert_snapshot!(human.join("\n"));
}
