//! Property tests: no input (arbitrary text, arbitrary bytes, mutated jobspecs) makes the
//! parser panic, and every span it reports lies inside the input, on character boundaries.

use jobspec::{SourceFile, parse_recoverable};
use proptest::prelude::*;

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(256)
}

fn check_spans(text: &str) {
    let parsed = parse_recoverable(&SourceFile::new("input", text));
    for d in &parsed.diagnostics {
        for label in d.labels() {
            let span = label.span;
            assert!(
                span.start <= span.end && span.end <= text.len(),
                "{d:?} outside the input"
            );
            assert!(
                text.is_char_boundary(span.start) && text.is_char_boundary(span.end),
                "{d:?} not on a character boundary"
            );
        }
    }
}

const SEED: &str = include_str!("../testdata/valid/connect-sidecar.nomad.hcl");

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases()))]

    #[test]
    fn arbitrary_text_never_panics(text in "\\PC{0,200}") {
        check_spans(&text);
    }

    /// Bytes as a file holds them, read as the CLI reads an invalid file (lossily).
    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..300)) {
        check_spans(&String::from_utf8_lossy(&bytes));
    }

    #[test]
    fn mutated_jobspecs_never_panic(
        cut in 0..SEED.len(),
        len in 0..40usize,
        insert in "[{}\\[\\]\"=$#%a-z0-9 \n\\\\é]{0,12}",
    ) {
        let mut start = cut;
        while !SEED.is_char_boundary(start) {
            start -= 1;
        }
        let mut end = (start + len).min(SEED.len());
        while !SEED.is_char_boundary(end) {
            end -= 1;
        }
        let text = format!("{}{}{}", &SEED[..start], insert, &SEED[end..]);
        check_spans(&text);
    }

    #[test]
    fn durations_round_trip(ns in any::<i64>()) {
        let d = jobspec::model::Duration(ns);
        prop_assert_eq!(jobspec::model::Duration::parse(&d.to_string()), Ok(d));
    }
}

/// An HCL string literal for `s`: escapes quotes, backslashes, control characters, and the
/// template sequences `${` and `%{`.
fn hcl_string(s: &str) -> String {
    let mut out = String::from("\"");
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '$' | '%' if chars.peek() == Some(&'{') => {
                out.push(c);
                out.push(c);
            }
            c if c.is_control() => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases()))]

    /// A string given to a variable (as its default, and through `--var`) reaches the task's
    /// `env` unchanged.
    #[test]
    fn strings_survive_variables(value in "(\\PC|[\\n\\t\"\\\\$%{}])*") {
        let text = format!(
            "variable \"v\" {{\n  type = string\n  default = {}\n}}\njob \"j\" {{\n  group \"g\" {{\n    task \"t\" {{\n      driver = \"exec\"\n      env {{\n        V = var.v\n      }}\n    }}\n  }}\n}}\n",
            hcl_string(&value)
        );
        let source = SourceFile::new("prop", text.as_str());
        for options in [jobspec::ParseOptions::default(), {
            let mut o = jobspec::ParseOptions::default();
            o.vars.push(("v".into(), value.clone()));
            o
        }] {
            let parsed = jobspec::parse_with(&source, &options);
            prop_assert!(!parsed.has_errors(), "{:?}\n{}", parsed.diagnostics, text);
            let job = parsed.job.unwrap();
            let env = job.task_groups[0].tasks[0].env.as_ref().unwrap();
            prop_assert_eq!(env.get("V").map(|v| v.inner.as_str()), Some(value.as_str()));
        }
    }
}
