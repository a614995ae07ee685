//! Inject and render every arbitrary text that parses and validates: no panic, injection is
//! idempotent, and the render's invariants hold (unique service IDs, valid env names).

#![no_main]

use libfuzzer_sys::{Corpus, fuzz_target};

fuzz_target!(|data: &[u8]| -> Corpus {
    let Ok(text) = std::str::from_utf8(data) else {
        return Corpus::Reject;
    };
    let parsed = jobspec::parse_recoverable(&jobspec::SourceFile::new("fuzz", text));
    let clean = !parsed.has_errors();
    let Some(mut job) = parsed.job.filter(|_| clean) else {
        return Corpus::Reject;
    };
    if jobspec::validate(&job).iter().any(|d| d.is_error()) {
        return Corpus::Keep;
    }
    jobspec::inject(&mut job);
    let mut again = job.clone();
    jobspec::inject(&mut again);
    assert_eq!(
        jobspec::model::to_api_json(&job),
        jobspec::model::to_api_json(&again),
        "injection is not idempotent"
    );
    let rendered = jobspec::render(&job, &jobspec::AllocContext::default());
    let mut ids = std::collections::BTreeSet::new();
    for group in &rendered.groups {
        for reg in &group.registrations {
            assert!(ids.insert(reg.id.clone()), "duplicate ID {:?}", reg.id);
        }
        for env in group.env.values() {
            for key in env.keys() {
                assert!(!key.is_empty() && !key.contains(['=', '\0']), "bad env name {key:?}");
            }
        }
    }
    Corpus::Keep
});
