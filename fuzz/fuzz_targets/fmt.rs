//! Format arbitrary text and write parsed jobs back as HCL: formatting is idempotent and
//! keeps the parsed job; a job written by `to_hcl` parses back to itself.

#![no_main]

use jobspec::SourceFile;
use libfuzzer_sys::{Corpus, fuzz_target};

/// The job of a text that parses with no error, as API JSON.
fn job_of(text: &str) -> Option<(jobspec::Job, String)> {
    let parsed = jobspec::parse_recoverable(&SourceFile::new("fuzz", text));
    let clean = !parsed.has_errors();
    let job = parsed.job.filter(|_| clean)?;
    let json = jobspec::model::to_api_json(&job);
    Some((job, json))
}

fuzz_target!(|data: &[u8]| -> Corpus {
    let Ok(text) = std::str::from_utf8(data) else {
        return Corpus::Reject;
    };
    let Ok(formatted) = jobspec::write::format(&SourceFile::new("fuzz", text)) else {
        return Corpus::Reject;
    };
    let again = jobspec::write::format(&SourceFile::new("fuzz", formatted.as_str()))
        .expect("formatted text no longer parses");
    assert_eq!(formatted, again, "formatting is not idempotent");
    let Some((job, json)) = job_of(text) else {
        return Corpus::Keep;
    };
    // `uuid()`, `bcrypt()` and `timestamp()` differ from one parse to the next.
    if job_of(text).map(|(_, again)| again) != Some(json.clone()) {
        return Corpus::Keep;
    }
    let (_, formatted_json) = job_of(&formatted).expect("formatting broke the job");
    assert_eq!(json, formatted_json, "formatting changed the job");
    let hcl = jobspec::write::to_hcl(&job);
    if hcl.dropped.is_empty() {
        let (_, written_json) = job_of(&hcl.text).expect("the written job does not parse");
        assert_eq!(json, written_json, "the written job differs:\n{}", hcl.text);
    }
    Corpus::Keep
});
