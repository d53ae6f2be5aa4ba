//! Hygiene of both hand-written specs: what the generator, the sandbox and reviewers rely on.
//!
//! - every operation has a unique `operationId`, a request example and a response example, and
//!   every embedded example validates against its schema;
//! - every component is referenced from somewhere;
//! - every single-value `_type` enum value belongs to exactly one component.
//!
//! (The independent OpenAPI validator runs in `.ci/run`.)

use std::collections::{BTreeMap, BTreeSet};

use crate::spec::{to_json_schema, SpecValidator, ETPAY_YAML, LYRA_V4_YAML};
use serde_json::{json, Value};

const METHODS: &[&str] = &[
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

fn load(yaml: &str) -> Value {
    serde_yaml::from_str(yaml).expect("the spec is YAML")
}

/// Follows a local `$ref` (`#/components/…`) once, or returns the value itself.
fn deref<'a>(doc: &'a Value, v: &'a Value) -> &'a Value {
    match v.get("$ref").and_then(Value::as_str) {
        Some(r) => r
            .strip_prefix('#')
            .and_then(|p| doc.pointer(p))
            .unwrap_or_else(|| panic!("dangling $ref {r}")),
        None => v,
    }
}

/// Every `(method, path, operation)` of the spec, in document order.
fn operations(doc: &Value) -> Vec<(String, String, &Value)> {
    let mut out = Vec::new();
    for (path, item) in doc["paths"].as_object().into_iter().flatten() {
        for (method, op) in item.as_object().into_iter().flatten() {
            if METHODS.contains(&method.as_str()) {
                out.push((method.to_uppercase(), path.clone(), op));
            }
        }
    }
    out
}

/// The examples of a media-type object: `example` and every `examples.*.value`.
fn examples(media: &Value) -> Vec<(String, Value)> {
    let mut out = Vec::new();
    if let Some(e) = media.get("example") {
        out.push(("example".to_owned(), e.clone()));
    }
    for (name, e) in media
        .get("examples")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        if let Some(v) = e.get("value") {
            out.push((format!("examples.{name}"), v.clone()));
        }
    }
    out
}

/// Validates `example` against a media type's `schema` (a component `$ref` or inline).
fn validate_example(
    doc: &Value,
    validator: &SpecValidator,
    schema: &Value,
    example: &Value,
) -> Result<(), String> {
    let report = |errors: Vec<crate::spec::SchemaViolation>| {
        errors
            .iter()
            .map(|e| format!("\n    {e}"))
            .collect::<String>()
    };
    if let Some(name) = schema
        .get("$ref")
        .and_then(Value::as_str)
        .and_then(|r| r.strip_prefix("#/components/schemas/"))
    {
        return validator.validate(name, example).map_err(report);
    }
    // An inline schema: validate it as an extra component of the same document.
    let mut with_inline = doc.clone();
    with_inline["components"]["schemas"]["__inline__"] = schema.clone();
    let converted = to_json_schema(&with_inline);
    let v = SpecValidator::from_json_schema("inline", converted).map_err(|e| e.to_string())?;
    v.validate("__inline__", example).map_err(report)
}

fn check_operations(name: &str, yaml: &str, validator: &SpecValidator) {
    let doc = load(yaml);
    let ops = operations(&doc);
    assert!(!ops.is_empty(), "{name}: no operations");
    let mut problems = Vec::new();
    let mut ids: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (method, path, op) in &ops {
        let at = format!("{name} {method} {path}");
        match op.get("operationId").and_then(Value::as_str) {
            Some(id) => ids.entry(id.to_owned()).or_default().push(at.clone()),
            None => problems.push(format!("{at}: no operationId")),
        }

        // Request example(s).
        let body = op.get("requestBody").map(|b| deref(&doc, b));
        let mut request_examples = 0;
        for (media_type, media) in body
            .and_then(|b| b.get("content"))
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            for (label, example) in examples(media) {
                request_examples += 1;
                if let Err(e) = validate_example(&doc, validator, &media["schema"], &example) {
                    problems.push(format!(
                        "{at}: request {media_type} {label} does not validate:{e}"
                    ));
                }
            }
        }
        if body.is_some() && request_examples == 0 {
            problems.push(format!("{at}: the request body has no example"));
        }

        // Response example(s): at least one, and every one validates.
        let mut response_examples = 0;
        for (status, response) in op["responses"].as_object().into_iter().flatten() {
            let response = deref(&doc, response);
            for (media_type, media) in response
                .get("content")
                .and_then(Value::as_object)
                .into_iter()
                .flatten()
            {
                for (label, example) in examples(media) {
                    response_examples += 1;
                    if let Err(e) = validate_example(&doc, validator, &media["schema"], &example) {
                        problems.push(format!(
                            "{at}: response {status} {media_type} {label} does not validate:{e}"
                        ));
                    }
                }
            }
        }
        if response_examples == 0 {
            problems.push(format!("{at}: no response example"));
        }
    }
    for (id, places) in ids.iter().filter(|(_, p)| p.len() > 1) {
        problems.push(format!("{name}: operationId {id} is used by {places:?}"));
    }
    assert!(
        problems.is_empty(),
        "{} problem(s):\n{}",
        problems.len(),
        problems.join("\n")
    );
}

/// Every `$ref` string anywhere in the document.
fn collect_refs(v: &Value, out: &mut BTreeSet<String>) {
    match v {
        Value::Object(m) => {
            if let Some(Value::String(r)) = m.get("$ref") {
                out.insert(r.clone());
            }
            m.values().for_each(|c| collect_refs(c, out));
        }
        Value::Array(a) => a.iter().for_each(|c| collect_refs(c, out)),
        _ => {}
    }
}

fn check_components_referenced(name: &str, yaml: &str) {
    let doc = load(yaml);
    let mut problems = Vec::new();
    for (kind, items) in doc["components"].as_object().into_iter().flatten() {
        if kind == "securitySchemes" {
            continue; // referenced by name from `security`, not by $ref
        }
        for item in items.as_object().into_iter().flat_map(|m| m.keys()) {
            let target = format!("#/components/{kind}/{item}");
            // References from anywhere except the component itself.
            let mut refs = BTreeSet::new();
            let mut without = doc.clone();
            without["components"][kind.as_str()][item.as_str()] = json!(null);
            collect_refs(&without, &mut refs);
            if !refs.contains(&target) {
                problems.push(format!("{name}: {target} is never referenced"));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

fn check_type_tags_unique(name: &str, yaml: &str) {
    let doc = load(yaml);
    let mut owners: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (component, schema) in doc["components"]["schemas"]
        .as_object()
        .into_iter()
        .flatten()
    {
        if let Some([Value::String(tag)]) = schema
            .pointer("/properties/_type/enum")
            .and_then(Value::as_array)
            .map(Vec::as_slice)
        {
            owners
                .entry(tag.clone())
                .or_default()
                .push(component.clone());
        }
    }
    let shared: Vec<String> = owners
        .iter()
        .filter(|(_, c)| c.len() > 1)
        .map(|(tag, c)| format!("{name}: _type {tag:?} belongs to {c:?}"))
        .collect();
    assert!(shared.is_empty(), "{}", shared.join("\n"));
}

#[test]
fn lyra_operations_have_unique_ids_and_valid_examples() {
    check_operations("lyra-v4.yaml", LYRA_V4_YAML, SpecValidator::lyra());
}

#[test]
fn etpay_operations_have_unique_ids_and_valid_examples() {
    check_operations("etpay.yaml", ETPAY_YAML, SpecValidator::etpay());
}

#[test]
fn lyra_components_are_all_referenced() {
    check_components_referenced("lyra-v4.yaml", LYRA_V4_YAML);
}

#[test]
fn etpay_components_are_all_referenced() {
    check_components_referenced("etpay.yaml", ETPAY_YAML);
}

#[test]
fn lyra_type_tags_belong_to_one_component() {
    check_type_tags_unique("lyra-v4.yaml", LYRA_V4_YAML);
}

#[test]
fn etpay_type_tags_belong_to_one_component() {
    check_type_tags_unique("etpay.yaml", ETPAY_YAML);
}

/// The Lyra answers are told apart by `_type`: the spec must actually have such tags.
#[test]
fn lyra_has_type_tagged_answers() {
    let doc = load(LYRA_V4_YAML);
    let tagged = doc["components"]["schemas"]
        .as_object()
        .expect("components.schemas")
        .values()
        .filter(|s| s.pointer("/properties/_type/enum").is_some())
        .count();
    assert!(tagged >= 10, "only {tagged} components carry a _type enum");
}
