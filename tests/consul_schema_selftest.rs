//! Self-test of the Consul register-body checker (`tests/consul_schema/`) and its schema
//! (`testdata/consul/register.schema.json`): the bodies from the Consul API notes pass, and
//! each kind of mistake is reported at the right JSON pointer.

mod consul_schema;

use serde_json::{Value, json};

/// The separate-form example (§1b): a second registration with `Kind: "connect-proxy"`.
fn separate_proxy() -> Value {
    json!({
      "Kind": "connect-proxy",
      "ID": "web-1-sidecar-proxy",
      "Name": "web-sidecar-proxy",
      "Address": "10.0.0.5",
      "Port": 21000,
      "Tags": ["v1"],
      "Meta": {"version": "1"},
      "Proxy": {
        "DestinationServiceName": "web",
        "DestinationServiceID": "web-1",
        "LocalServiceAddress": "127.0.0.1",
        "LocalServicePort": 8080,
        "Mode": "direct",
        "Config": {},
        "Upstreams": [
          {"DestinationName": "db", "LocalBindAddress": "127.0.0.1", "LocalBindPort": 9191},
          {"DestinationName": "cache", "LocalBindPort": 9192}
        ],
        "Expose": {}
      },
      "Checks": [
        {"Name": "Connect Sidecar Listening", "TCP": "10.0.0.5:21000", "Interval": "10s"},
        {"Name": "Connect Sidecar Aliasing web-1", "AliasService": "web-1"}
      ]
    })
}

/// `body` with the value at JSON pointer `at` set (its parent must exist), or removed if `None`.
fn edit(mut body: Value, at: &str, value: Option<Value>) -> Value {
    let (parent, key) = at.rsplit_once('/').unwrap();
    let parent = body
        .pointer_mut(parent)
        .unwrap_or_else(|| panic!("no {parent} in the body"));
    match (parent, value) {
        (Value::Object(map), Some(value)) => {
            map.insert(key.to_owned(), value);
        }
        (Value::Object(map), None) => {
            map.remove(key);
        }
        (Value::Array(items), Some(value)) => items[key.parse::<usize>().unwrap()] = value,
        (other, _) => panic!("can't edit {at} in {other}"),
    }
    body
}

fn assert_passes(body: &Value) {
    let errors = consul_schema::check(&consul_schema::schema(), body);
    assert!(
        errors.is_empty(),
        "unexpected errors: {errors:#?}\nbody: {body:#}"
    );
}

/// `body` is rejected with an error at exactly `pointer` whose reason contains `reason`.
fn assert_rejected(body: &Value, pointer: &str, reason: &str) {
    let errors = consul_schema::check(&consul_schema::schema(), body);
    let prefix = format!("{pointer}: ");
    assert!(
        errors
            .iter()
            .any(|e| e.starts_with(&prefix) && e.contains(reason)),
        "expected an error `{pointer}: …{reason}…`, got {errors:#?}"
    );
}

#[test]
fn the_notes_examples_pass() {
    assert_passes(&consul_schema::example());
    assert_passes(&separate_proxy());
}

#[test]
fn the_minimal_sidecar_passes() {
    assert_passes(&json!({"Name": "web", "Port": 8080, "Connect": {"SidecarService": {}}}));
}

#[test]
fn null_is_accepted_for_optional_fields_as_consul_does() {
    let body = json!({"Name": "web", "Port": null, "Tags": null, "Check": null, "Checks": null,
                      "Connect": {"SidecarService": {"Proxy": {"Upstreams": null, "Config": null}}}});
    assert_passes(&body);
}

#[test]
fn durations_are_strings_or_integer_nanoseconds() {
    assert_passes(&edit(
        consul_schema::example(),
        "/Check/Interval",
        Some(json!(10_000_000_000_u64)),
    ));
    assert_rejected(
        &edit(
            consul_schema::example(),
            "/Check/Interval",
            Some(json!(true)),
        ),
        "/Check/Interval",
        "expected string or integer",
    );
    assert_rejected(
        &edit(
            consul_schema::example(),
            "/Check/Interval",
            Some(json!(1.5)),
        ),
        "/Check/Interval",
        "got number 1.5",
    );
}

#[test]
fn unknown_fields_are_rejected_where_they_are() {
    assert_rejected(
        &edit(consul_schema::example(), "/Foo", Some(json!(1))),
        "/Foo",
        "unknown field",
    );
    assert_rejected(
        &edit(consul_schema::example(), "/port", Some(json!(8080))),
        "/port",
        "unknown field",
    );
    let upstream = "/Connect/SidecarService/Proxy/Upstreams/0";
    let body = edit(
        consul_schema::example(),
        &format!("{upstream}/LocalBindPortt"),
        Some(json!(9191)),
    );
    assert_rejected(
        &body,
        &format!("{upstream}/LocalBindPortt"),
        "unknown field",
    );
    let body = edit(
        consul_schema::example(),
        "/Connect/SidecarService/Proxy/Foo",
        Some(json!("x")),
    );
    let errors = consul_schema::check(&consul_schema::schema(), &body);
    assert_eq!(errors, ["/Connect/SidecarService/Proxy/Foo: unknown field"]);
}

#[test]
fn a_sidecar_service_cannot_nest_another() {
    let body = edit(
        consul_schema::example(),
        "/Connect/SidecarService/Connect",
        Some(json!({"SidecarService": {}})),
    );
    assert_rejected(
        &body,
        "/Connect/SidecarService/Connect/SidecarService",
        "unknown field",
    );
    assert_passes(&edit(
        consul_schema::example(),
        "/Connect/SidecarService/Connect",
        Some(json!({"Native": false})),
    ));
}

#[test]
fn check_header_must_map_to_lists_of_strings() {
    assert_rejected(
        &edit(
            consul_schema::example(),
            "/Check/Header",
            Some(json!("X-Probe: 1")),
        ),
        "/Check/Header",
        "expected object or null, got string",
    );
    // consulrs's map<string,string>.
    assert_rejected(
        &edit(
            consul_schema::example(),
            "/Check/Header/X-Probe",
            Some(json!("1")),
        ),
        "/Check/Header/X-Probe",
        "expected array",
    );
}

#[test]
fn tagged_addresses_are_address_port_objects() {
    assert_rejected(
        &edit(
            consul_schema::example(),
            "/TaggedAddresses/lan",
            Some(json!("10.0.0.5")),
        ),
        "/TaggedAddresses/lan",
        "expected object",
    );
}

#[test]
fn tls_skip_verify_is_a_boolean() {
    assert_rejected(
        &edit(
            consul_schema::example(),
            "/Check/TLSSkipVerify",
            Some(json!("true")),
        ),
        "/Check/TLSSkipVerify",
        "expected boolean",
    );
}

#[test]
fn ports_are_integers_in_range() {
    let body: Value = serde_json::from_str(r#"{"Name": "web", "Port": 8080.0}"#).unwrap();
    assert_rejected(
        &body,
        "/Port",
        "expected integer or null, got number 8080.0",
    );
    assert_rejected(
        &edit(consul_schema::example(), "/Port", Some(json!(70000))),
        "/Port",
        "greater than the maximum 65535",
    );
    assert_rejected(
        &edit(consul_schema::example(), "/Port", Some(json!(-1))),
        "/Port",
        "less than the minimum 0",
    );
    assert_rejected(
        &edit(consul_schema::example(), "/Port", Some(json!("8080"))),
        "/Port",
        "expected integer",
    );
    let port = "/Connect/SidecarService/Proxy/Upstreams/1/LocalBindPort";
    assert_rejected(
        &edit(consul_schema::example(), port, Some(json!(9192.5))),
        port,
        "expected integer",
    );
}

#[test]
fn required_fields_are_reported_at_their_place() {
    assert_rejected(
        &edit(consul_schema::example(), "/Name", None),
        "/Name",
        "missing required field",
    );
    assert_rejected(
        &edit(consul_schema::example(), "/Name", Some(Value::Null)),
        "/Name",
        "expected string",
    );
    let name = "/Connect/SidecarService/Proxy/Upstreams/1/DestinationName";
    assert_rejected(
        &edit(consul_schema::example(), name, None),
        name,
        "missing required field",
    );
}

#[test]
fn enums_are_enforced() {
    let mode = "/Connect/SidecarService/Proxy/MeshGateway/Mode";
    assert_rejected(
        &edit(consul_schema::example(), mode, Some(json!("bogus"))),
        mode,
        r#""bogus" is not one of"#,
    );
    let mode = "/Connect/SidecarService/Proxy/Upstreams/0/MeshGateway/Mode";
    assert_rejected(
        &edit(consul_schema::example(), mode, Some(json!("bogus"))),
        mode,
        "is not one of",
    );
    assert_rejected(
        &edit(consul_schema::example(), "/Kind", Some(json!("sidecar"))),
        "/Kind",
        "is not one of",
    );
    let protocol = "/Connect/SidecarService/Proxy/Expose/Paths/0/Protocol";
    assert_rejected(
        &edit(consul_schema::example(), protocol, Some(json!("tcp"))),
        protocol,
        "is not one of",
    );
}

#[test]
fn pointers_escape_slash_and_tilde() {
    let mut body = consul_schema::example();
    body["Meta"]["a/b~c"] = json!(1);
    assert_rejected(&body, "/Meta/a~1b~0c", "expected string, got integer 1");
}

#[test]
fn every_error_is_reported_not_just_the_first() {
    let body = json!({"Port": 1.5, "Foo": 1, "Tags": ["a", 2]});
    let errors = consul_schema::check(&consul_schema::schema(), &body);
    assert_eq!(errors.len(), 4, "{errors:#?}");
}

#[test]
fn odd_input_and_odd_schemas_give_errors_not_panics() {
    for body in [
        json!(null),
        json!([]),
        json!("web"),
        json!(1e308),
        json!(u64::MAX),
    ] {
        assert_rejected(&body, "", "expected object");
    }
    let deep = (0..100).fold(json!({}), |inner, _| json!({"a": [inner]}));
    assert_passes(&json!({"Name": "x", "Proxy": {"Config": deep}}));
    assert_eq!(
        consul_schema::check(&json!({"$ref": "#"}), &json!(1)).len(),
        1
    );
    let nested = (0..1000).fold(json!(1), |inner, _| json!([inner]));
    let errors = consul_schema::check(&json!({"items": {"$ref": "#"}}), &nested);
    assert!(errors[0].contains("nested too deeply"), "{errors:?}");
    assert!(
        consul_schema::check(&json!({"anyOf": []}), &json!(1))[0].contains("unsupported keyword")
    );
    assert!(
        consul_schema::check(&json!({"$ref": "#/$defs/Nope"}), &json!(1))[0]
            .contains("unresolvable")
    );
    assert!(
        consul_schema::check(&json!({"type": 3, "enum": 1}), &json!(1))[0].contains("schema error")
    );
    assert!(consul_schema::check(&json!({"maximum": 1}), &json!(u64::MAX))[0].contains("greater"));
}

/// Every schema in the file uses only the keywords the checker supports, and every `$ref`
/// resolves, including those in parts no test body reaches.
#[test]
fn the_schema_uses_only_the_supported_subset() {
    fn visit(root: &Value, schema: &Value, at: &str, problems: &mut Vec<String>) {
        let Some(schema) = schema.as_object() else {
            if !schema.is_boolean() {
                problems.push(format!("{at}: not a schema"));
            }
            return;
        };
        for (keyword, arg) in schema {
            let here = format!("{at}/{keyword}");
            match keyword.as_str() {
                "$defs" | "properties" => {
                    for (name, sub) in arg.as_object().into_iter().flatten() {
                        visit(root, sub, &format!("{here}/{name}"), problems);
                    }
                }
                "items" | "additionalProperties" => visit(root, arg, &here, problems),
                "$ref" => {
                    let target = arg.as_str().and_then(|r| r.strip_prefix("#/$defs/"));
                    if target.is_none_or(|name| root.pointer(&format!("/$defs/{name}")).is_none()) {
                        problems.push(format!("{here}: unresolvable {arg}"));
                    }
                }
                "type" | "required" | "enum" | "minimum" | "maximum" | "$schema" | "$id"
                | "$comment" | "title" | "description" => {}
                _ => problems.push(format!("{here}: unsupported keyword")),
            }
        }
    }
    let schema = consul_schema::schema();
    let mut problems = Vec::new();
    visit(&schema, &schema, "", &mut problems);
    assert!(problems.is_empty(), "{problems:#?}");
}
