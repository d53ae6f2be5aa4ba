//! Strict-mode violations explained as divergences: one per undeclared field, unknown enum
//! value, type mismatch or missing field, with its JSON path.

use serde_json::Value;

use super::{Category, Divergence};
use crate::spec::{SchemaViolation, SpecValidator};

/// Checks a JSON document against a component of a spec (`lyra-v4` or `etpay`) in strict mode
/// and explains every violation as a [`Divergence`]. An unknown spec or component is itself
/// one divergence at the root.
pub fn divergences(spec: &str, component: &str, doc: &Value) -> Vec<Divergence> {
    let validator = match spec {
        "lyra-v4" => SpecValidator::lyra_strict(),
        "etpay" => SpecValidator::etpay_strict(),
        other => {
            return vec![Divergence {
                path: String::new(),
                category: Category::Other,
                message: format!("no spec named {other:?}"),
                schema_path: String::new(),
            }]
        }
    };
    match validator.validate(component, doc) {
        Ok(()) => Vec::new(),
        Err(violations) => {
            let mut found: Vec<Divergence> = Vec::new();
            for d in without_wrong_branches(validator.document(), doc, violations)
                .iter()
                .flat_map(explain)
            {
                // The same nested object can be reported by several `oneOf` branches.
                if !found.contains(&d) {
                    found.push(d);
                }
            }
            found
        }
    }
}

/// Drops the complaints of `oneOf` branches that were never meant to match: when an object's
/// `_type` is a value some component declares, the `_type` enum failures of the other branches
/// and their complaints about the object's own keys are noise. (The validator's own filter
/// cannot see it when `_type` is a `$ref` to an enum component, as for `Transaction`.)
fn without_wrong_branches(
    spec: &Value,
    doc: &Value,
    violations: Vec<SchemaViolation>,
) -> Vec<SchemaViolation> {
    let component_of = |schema_path: &str| -> Option<String> {
        let rest = schema_path.split("#/components/schemas/").nth(1)?;
        Some(rest.split('/').next().unwrap_or(rest).to_owned())
    };
    let mut owners_at: Vec<(String, Vec<String>)> = Vec::new();
    for v in &violations {
        let Some(object) = v.instance_path.strip_suffix("/_type") else {
            continue;
        };
        let Some(actual) = doc.pointer(&v.instance_path).and_then(Value::as_str) else {
            continue;
        };
        let owners = components_with_type(spec, actual);
        if !owners.is_empty() && !owners_at.iter().any(|(o, _)| o == object) {
            owners_at.push((object.to_owned(), owners));
        }
    }
    violations
        .into_iter()
        .filter(|v| {
            !owners_at.iter().any(|(object, owners)| {
                let is_type_failure = v.instance_path == format!("{object}/_type")
                    && v.schema_path.ends_with("/enum");
                let other_branch = v.instance_path == *object
                    && component_of(&v.schema_path).is_some_and(|c| !owners.contains(&c));
                is_type_failure || other_branch
            })
        })
        .collect()
}

/// The components whose `_type` enumeration (inline or through a `$ref`) lists `value`.
fn components_with_type(spec: &Value, value: &str) -> Vec<String> {
    let Some(schemas) = spec
        .pointer("/components/schemas")
        .and_then(Value::as_object)
    else {
        return Vec::new();
    };
    let lists = |schema: &Value| {
        schema
            .get("enum")
            .and_then(Value::as_array)
            .is_some_and(|values| values.iter().any(|v| v == value))
    };
    schemas
        .iter()
        .filter(|(_, schema)| {
            let Some(ty) = schema.pointer("/properties/_type") else {
                return false;
            };
            let target = ty
                .get("$ref")
                .and_then(Value::as_str)
                .and_then(|r| r.rsplit('/').next())
                .and_then(|name| schemas.get(name));
            lists(ty) || target.is_some_and(lists)
        })
        .map(|(name, _)| name.clone())
        .collect()
}

/// One violation → one divergence, or one per field for `additionalProperties` / `required`.
fn explain(v: &SchemaViolation) -> Vec<Divergence> {
    let keyword = v.schema_path.rsplit('/').next().unwrap_or("");
    let at = |field: &str| format!("{}/{}", v.instance_path, escape_pointer(field));
    let one = |category, path: String| Divergence {
        path,
        category,
        message: v.message.clone(),
        schema_path: v.schema_path.clone(),
    };
    match keyword {
        "additionalProperties" => match unexpected_names(&v.message) {
            Some(names) => names
                .into_iter()
                .map(|name| Divergence {
                    message: format!("the spec does not declare {name:?}"),
                    ..one(Category::UndeclaredField, at(&name))
                })
                .collect(),
            None => vec![one(Category::UndeclaredField, v.instance_path.clone())],
        },
        "required" => {
            let path = serde_json::Deserializer::from_str(&v.message)
                .into_iter::<String>()
                .next()
                .and_then(Result::ok)
                .map_or_else(|| v.instance_path.clone(), |name| at(&name));
            vec![one(Category::MissingField, path)]
        }
        "enum" => vec![one(Category::UnknownEnumValue, v.instance_path.clone())],
        "type" => vec![one(Category::TypeMismatch, v.instance_path.clone())],
        // The summary `focus_on_matching_branches` makes for a `_type` no alternative accepts.
        _ if v.schema_path.contains("properties/_type/enum") => {
            vec![one(Category::UnknownEnumValue, v.instance_path.clone())]
        }
        _ => vec![one(Category::Other, v.instance_path.clone())],
    }
}

/// The names in `Additional properties are not allowed ('a', 'b' were unexpected)`.
pub(super) fn unexpected_names(message: &str) -> Option<Vec<String>> {
    let start = message.find('(')? + 1;
    let inner = message[start..]
        .strip_suffix(" was unexpected)")
        .or_else(|| message[start..].strip_suffix(" were unexpected)"))?;
    let names: Vec<String> = inner
        .split("', '")
        .map(|name| name.trim_matches('\'').to_owned())
        .collect();
    (!names.is_empty()).then_some(names)
}

/// RFC 6901: `~` → `~0`, `/` → `~1`.
pub(super) fn escape_pointer(field: &str) -> String {
    field.replace('~', "~0").replace('/', "~1")
}
