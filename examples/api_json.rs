//! Parse a jobspec and print it as Nomad API JSON (`{"Job": {...}}`), or its diagnostics.
//!
//! ```sh
//! cargo run --example api_json -- examples/countdash.nomad.hcl
//! ```

use std::process::ExitCode;

fn main() -> ExitCode {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: api_json <jobspec.hcl>");
        return ExitCode::from(2);
    };
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) => {
            eprintln!("cannot read {path}: {e}");
            return ExitCode::from(2);
        }
    };
    let source = jobspec::SourceFile::new(path, text);
    let parsed = jobspec::parse_recoverable(&source);
    match parsed.job {
        Some(job) if !parsed.has_errors() => {
            println!("{}", jobspec::model::to_api_json(&job));
            ExitCode::SUCCESS
        }
        _ => {
            let report = jobspec::Report::new(source, parsed.diagnostics);
            eprint!("{}", report.render(false));
            ExitCode::from(1)
        }
    }
}
