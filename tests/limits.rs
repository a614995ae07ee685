//! Hostile inputs through the library: each ends in a finding that names the limit, quickly
//! and without filling memory. (`benches/hostile.sh` measures time and memory of the CLI.)

use jobspec::{ParseOptions, SourceFile, parse_with};

/// The codes of the findings `text` gives with `options`.
fn codes_with(text: &str, options: &ParseOptions) -> Vec<&'static str> {
    let parsed = parse_with(&SourceFile::new("t.nomad.hcl", text), options);
    parsed.diagnostics.iter().map(|d| d.code.as_str()).collect()
}

fn codes(text: &str) -> Vec<&'static str> {
    codes_with(text, &ParseOptions::default())
}

/// A job whose `meta` holds `value`, with `locals` before it.
fn job(locals: &str, value: &str) -> String {
    format!("locals {{\n{locals}\n}}\njob \"x\" {{\n  meta = {{\n    v = {value}\n  }}\n}}\n")
}

#[test]
fn locals_that_double_a_value_stop_at_the_step_budget() {
    let n = 40;
    let locals: String = (0..n)
        .map(|i| format!("  l{i} = [local.l{0}, local.l{0}]\n", i + 1))
        .chain([format!("  l{n} = \"x\"\n")])
        .collect();
    let found = codes(&job(&locals, "length(local.l0)"));
    assert!(found.contains(&"jobspec::eval::limit"), "{found:?}");
}

#[test]
fn a_lookup_in_a_loop_copies_the_element_not_the_map() {
    // 5 000 lookups into a 5 000-entry map: 25 million elements if each copied the map.
    let locals = "  m = {for i in range(5000) : \"k${i}\" => i}\n  l = [for i in range(5000) : local.m[\"k${i}\"]]";
    assert!(codes(&job(locals, "format(\"%d\", length(local.l))")).is_empty());
}

#[test]
fn functions_refuse_huge_results_before_building_them() {
    let long = "join(\"\", [for i in range(100000) : \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"])";
    for value in [
        "format(\"%999999999d\", 1)".to_owned(),
        "format(\"%.999999999f\", 1)".to_owned(),
        "length(formatlist(\"%8000000d\", range(100)))".to_owned(),
        format!("replace({long}, \"a\", {long})"),
        format!("regex_replace({long}, \"a\", \"$0$0$0$0$0$0$0$0$0$0\")"),
        format!("length([for i in range(100000) : {long}])"),
        "length(setproduct([for i in range(1000) : i], [for i in range(1000) : i]))".to_owned(),
    ] {
        let found = codes(&job("", &value));
        assert!(
            found.contains(&"jobspec::eval::limit"),
            "{value}: {found:?}"
        );
    }
}

#[test]
fn set_functions_take_linear_time() {
    let value = "format(\"%d\", length(setintersection(distinct(range(100000)), setunion(range(100000), range(50000)))))";
    assert!(codes(&job("", value)).is_empty());
}

#[test]
fn dynamic_blocks_stop_at_the_block_limit() {
    let text = r#"
job "x" {
  group "g" {
    dynamic "task" {
      for_each = range(1000)
      labels   = ["t${task.value}"]
      content {
        driver = "docker"
        dynamic "template" {
          for_each = range(1000)
          content {
            data        = "x"
            destination = "local/${template.value}"
          }
        }
      }
    }
  }
}
"#;
    let found = codes(text);
    assert!(found.contains(&"jobspec::eval::limit"), "{found:?}");
}

#[test]
fn source_limits_apply_to_text_and_var_files() {
    let mut options = ParseOptions::default();
    options.limits.max_file_size = 32;
    assert_eq!(
        codes_with(&format!("job \"x\" {{}}\n{}", "#".repeat(64)), &options),
        ["jobspec::source::too_large"]
    );
    let mut options = ParseOptions::default();
    options.limits.max_label = 4;
    assert_eq!(
        codes_with("job \"toolong\" {}\n", &options),
        ["jobspec::source::limit"]
    );
    // Dense values: an 8 MiB array would take 600 MB as a syntax tree.
    let mut options = ParseOptions::default();
    options.limits.max_nodes = 1000;
    let array = format!(
        "job \"x\" {{\n  meta = {{\n    a = [{}]\n  }}\n}}\n",
        "1,".repeat(1000)
    );
    assert_eq!(codes_with(&array, &options), ["jobspec::source::limit"]);
    let json = format!(
        "{{\"Job\": {{\"ID\": \"x\", \"Meta\": {{\"a\": [{}1]}}}}}}",
        "1,".repeat(1000)
    );
    let parsed = parse_with(&SourceFile::new("t.json", json.as_str()), &options);
    assert_eq!(
        parsed.diagnostics[0].message,
        "the file has more than 1000 values"
    );
    // The formatter reads through the same limits before hcl-edit builds its tree.
    let dense = format!(
        "x = [{}1]\n",
        "1,".repeat(jobspec::Limits::default().max_nodes)
    );
    let refused = jobspec::write::format(&SourceFile::new("t", dense.as_str())).unwrap_err();
    assert_eq!(refused.code.as_str(), "jobspec::source::limit");
    // A var file is a source too.
    let mut options = ParseOptions::default();
    options.limits.max_blocks = 1;
    options
        .var_files
        .push(SourceFile::new("v.vars.hcl", "a {}\nb {}\n"));
    let parsed = parse_with(&SourceFile::new("t", "job \"x\" {}\n"), &options);
    let var_file = &parsed.var_files[0].diagnostics()[0];
    assert_eq!(var_file.code.as_str(), "jobspec::source::limit");
}

#[test]
fn a_byte_order_mark_is_read_as_spaces() {
    let hcl = "\u{FEFF}job \"x\" {\n  priority = 70\n}\n";
    let parsed = parse_with(&SourceFile::new("t", hcl), &ParseOptions::default());
    assert!(parsed.diagnostics.is_empty(), "{:?}", parsed.diagnostics);
    let json = "\u{FEFF}{\"job\": {\"x\": {\"priority\": 70}}}";
    let parsed = parse_with(&SourceFile::new("t", json), &ParseOptions::default());
    assert!(parsed.diagnostics.is_empty(), "{:?}", parsed.diagnostics);
    // Spans are those of the source, byte order mark included.
    let bad = "\u{FEFF}job \"x\" {\n  priorty = 70\n}\n";
    let parsed = parse_with(&SourceFile::new("t", bad), &ParseOptions::default());
    let at = parsed.diagnostics[0].span;
    assert_eq!(&bad[at.start..at.end], "priorty");
}
