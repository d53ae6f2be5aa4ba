//! OpenAPI 3.0 schemas → JSON Schema Draft 4: the one place the two dialects are bridged.

use serde_json::{json, Map, Value};

use super::{KNOWN_VALUES, OPEN_ENUM_EXTENSION};

/// Keywords that only exist in OpenAPI (or are pure documentation) and are dropped.
const OPENAPI_ONLY: &[&str] = &["discriminator", "example", "examples", "nullable"];

/// Keywords whose value is a map from a name to a schema.
const SCHEMA_MAPS: &[&str] = &["properties", "patternProperties", "definitions"];

/// Keywords whose value is a schema (or, for `additionalProperties`, possibly a boolean).
const SCHEMA_VALUES: &[&str] = &["items", "additionalProperties", "not"];

/// Keywords whose value is an array of schemas.
const SCHEMA_ARRAYS: &[&str] = &["allOf", "anyOf", "oneOf"];

/// Converts OpenAPI 3.0 schemas to JSON Schema Draft 4. This is the only such conversion in
/// the crate.
///
/// Input is either a whole OpenAPI document (then the result is
/// `{"components": {"schemas": {…converted…}}}`, so `#/components/schemas/X` references keep
/// resolving inside it) or a single schema object (then the converted schema).
///
/// Rules, applied at every schema position (never to property *names*):
/// - `nullable: true` with a `type` → `type: [T, "null"]`, and `null` is added to an `enum`;
/// - `nullable: true` without a `type` (an `allOf`/`oneOf` wrapper) →
///   `anyOf: [<the schema>, {"type": "null"}]`;
/// - a `$ref` keeps only the `$ref` (OpenAPI 3.0 ignores its siblings, and so does the generator);
/// - `format: int32` / `int64` on an integer become `minimum`/`maximum` bounds of that width
///   (JSON Schema does not enforce those formats; a 2^63 amount must not pass as valid), unless
///   the schema already has a tighter bound;
/// - an **open enumeration** (`x-open-enum: true` next to an `enum`: the gateway-owned values of
///   answers, which gain values without notice) keeps its values under `knownValues`, which
///   validates nothing, so an unknown string passes; [`forbid_undeclared_properties`] (strict
///   mode) makes it a closed `enum` again so that drift stays visible in tests. Request enums
///   carry no such mark and stay closed;
/// - `discriminator`, `example`, `examples`, `nullable` and `x-*` extensions are dropped.
pub fn to_json_schema(openapi: &Value) -> Value {
    match openapi
        .pointer("/components/schemas")
        .and_then(Value::as_object)
    {
        Some(schemas) => {
            let converted: Map<String, Value> = schemas
                .iter()
                .map(|(name, schema)| (name.clone(), convert_schema(schema)))
                .collect();
            json!({ "components": { "schemas": converted } })
        }
        None => convert_schema(openapi),
    }
}

/// Returns a copy of a (converted) schema document in which every object schema that declares
/// `properties` and says nothing about `additionalProperties` forbids undeclared properties, and
/// every open enumeration (`knownValues`, see [`to_json_schema`]) accepts only its known values.
///
/// Test-only strictness: the real spec stays open, because the gateways add fields without
/// notice. Used by the contract tests to prove the spec declares every field a documented
/// example shows.
pub fn forbid_undeclared_properties(schema: &Value) -> Value {
    map_schema(schema, &|node: &mut Map<String, Value>| {
        if node.contains_key("properties") && !node.contains_key("additionalProperties") {
            node.insert("additionalProperties".into(), Value::Bool(false));
        }
        if let Some(Value::Array(known)) = node.get(KNOWN_VALUES).cloned() {
            let mut values = known;
            let nullable =
                matches!(node.get("type"), Some(Value::Array(t)) if t.contains(&json!("null")));
            if nullable && !values.contains(&Value::Null) {
                values.push(Value::Null);
            }
            node.insert("enum".into(), Value::Array(values));
        }
    })
}

fn convert_schema(schema: &Value) -> Value {
    let Some(object) = schema.as_object() else {
        return schema.clone();
    };
    if let Some(reference) = object.get("$ref") {
        return json!({ "$ref": reference });
    }
    let mut out = Map::new();
    for (key, value) in object {
        if OPENAPI_ONLY.contains(&key.as_str()) || key.starts_with("x-") {
            continue;
        }
        out.insert(key.clone(), convert_child(key, value, convert_schema));
    }
    bound_integer_format(&mut out);
    if object.get(OPEN_ENUM_EXTENSION) == Some(&Value::Bool(true)) {
        if let Some(values) = out.remove("enum") {
            out.insert(KNOWN_VALUES.into(), values);
        }
    }
    if object.get("nullable") == Some(&Value::Bool(true)) {
        return make_nullable(out);
    }
    Value::Object(out)
}

/// Adds the bounds an integer `format` implies, keeping any tighter bound already there.
fn bound_integer_format(schema: &mut Map<String, Value>) {
    let (min, max) = match schema.get("format").and_then(Value::as_str) {
        Some("int32") => (i64::from(i32::MIN), i64::from(i32::MAX)),
        Some("int64") => (i64::MIN, i64::MAX),
        _ => return,
    };
    let lower = schema
        .get("minimum")
        .and_then(Value::as_i64)
        .map_or(min, |m| m.max(min));
    let upper = schema
        .get("maximum")
        .and_then(Value::as_i64)
        .map_or(max, |m| m.min(max));
    schema.insert("minimum".into(), json!(lower));
    schema.insert("maximum".into(), json!(upper));
}

fn make_nullable(mut schema: Map<String, Value>) -> Value {
    match schema.get("type").cloned() {
        Some(Value::String(t)) => {
            schema.insert("type".into(), json!([t, "null"]));
            if let Some(Value::Array(values)) = schema.get_mut("enum") {
                if !values.contains(&Value::Null) {
                    values.push(Value::Null);
                }
            }
            Value::Object(schema)
        }
        // Already a list of types (not OpenAPI 3.0, but harmless): add "null" once.
        Some(Value::Array(mut types)) => {
            if !types.contains(&json!("null")) {
                types.push(json!("null"));
            }
            schema.insert("type".into(), Value::Array(types));
            Value::Object(schema)
        }
        _ => json!({ "anyOf": [Value::Object(schema), { "type": "null" }] }),
    }
}

/// Rebuilds the value of keyword `key`, applying `f` to every schema it contains.
fn convert_child(key: &str, value: &Value, f: fn(&Value) -> Value) -> Value {
    match value {
        Value::Object(map) if SCHEMA_MAPS.contains(&key) => {
            Value::Object(map.iter().map(|(k, v)| (k.clone(), f(v))).collect())
        }
        Value::Object(_) if SCHEMA_VALUES.contains(&key) => f(value),
        Value::Array(items) if SCHEMA_ARRAYS.contains(&key) || key == "items" => {
            Value::Array(items.iter().map(f).collect())
        }
        _ => value.clone(),
    }
}

/// Applies `visit` to every schema object in `schema` (children first), following the same
/// schema positions as [`to_json_schema`]. A whole document is walked through
/// `components.schemas`.
fn map_schema(schema: &Value, visit: &dyn Fn(&mut Map<String, Value>)) -> Value {
    if let Some(schemas) = schema
        .pointer("/components/schemas")
        .and_then(Value::as_object)
    {
        let mut out = schema.clone();
        let mapped: Map<String, Value> = schemas
            .iter()
            .map(|(name, s)| (name.clone(), map_one_schema(s, visit)))
            .collect();
        out["components"]["schemas"] = Value::Object(mapped);
        return out;
    }
    map_one_schema(schema, visit)
}

fn map_one_schema(schema: &Value, visit: &dyn Fn(&mut Map<String, Value>)) -> Value {
    let Some(object) = schema.as_object() else {
        return schema.clone();
    };
    let mut out = Map::new();
    for (key, value) in object {
        let child = match value {
            Value::Object(map) if SCHEMA_MAPS.contains(&key.as_str()) => Value::Object(
                map.iter()
                    .map(|(k, v)| (k.clone(), map_one_schema(v, visit)))
                    .collect(),
            ),
            Value::Object(_) if SCHEMA_VALUES.contains(&key.as_str()) => {
                map_one_schema(value, visit)
            }
            Value::Array(items) if SCHEMA_ARRAYS.contains(&key.as_str()) || key == "items" => {
                Value::Array(items.iter().map(|v| map_one_schema(v, visit)).collect())
            }
            _ => value.clone(),
        };
        out.insert(key.clone(), child);
    }
    visit(&mut out);
    Value::Object(out)
}
