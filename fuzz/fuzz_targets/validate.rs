//! Parse and validate arbitrary text: no panic, and every finding's spans inside the input
//! on character boundaries.

#![no_main]

use libfuzzer_sys::{Corpus, fuzz_target};

fuzz_target!(|data: &[u8]| -> Corpus {
    let Ok(text) = std::str::from_utf8(data) else {
        return Corpus::Reject;
    };
    let parsed = jobspec::parse_recoverable(&jobspec::SourceFile::new("fuzz", text));
    let clean = !parsed.has_errors();
    let Some(job) = parsed.job.filter(|_| clean) else {
        return Corpus::Keep;
    };
    for d in jobspec::validate(&job) {
        for label in d.labels() {
            let span = label.span;
            assert!(span.start <= span.end && span.end <= text.len(), "{d:?}");
            assert!(text.is_char_boundary(span.start) && text.is_char_boundary(span.end));
        }
    }
    Corpus::Keep
});
