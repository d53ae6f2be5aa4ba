//! The embedded OpenAPI specs and validation of JSON documents against their schemas.
//!
//! Both gateways are described by hand-written OpenAPI 3.0.3 files in `openapi/`. They are
//! embedded here so that the sandbox, the contract tests and the CLI validate against exactly
//! the text the client was generated from.
//!
//! OpenAPI 3.0 schemas are *almost* JSON Schema Draft 4. [`to_json_schema`] is the one place
//! where the difference is bridged; [`SpecValidator`] compiles a component once and validates
//! many documents against it.
//!
//! ```
//! use pasarela::spec::SpecValidator;
//! let lyra = SpecValidator::lyra();
//! let doc = serde_json::json!({"value": "hello"});
//! assert!(lyra.validate("SdkTestRequest", &doc).is_ok());
//! ```

mod convert;

use std::collections::{BTreeSet, HashMap};
use std::fmt;
use std::sync::{Arc, OnceLock, RwLock};

use jsonschema::{Draft, Registry, Validator};
use serde_json::{json, Value};

pub use convert::{forbid_undeclared_properties, to_json_schema};

/// The Lyra V4 spec (`openapi/lyra-v4.yaml`), as YAML text.
pub const LYRA_V4_YAML: &str = include_str!("../../openapi/lyra-v4.yaml");

/// The ETpay spec (`openapi/etpay.yaml`), as YAML text.
pub const ETPAY_YAML: &str = include_str!("../../openapi/etpay.yaml");

/// The vendor extension marking a gateway-owned enumeration as open (see [`to_json_schema`]).
pub const OPEN_ENUM_EXTENSION: &str = "x-open-enum";

/// Where [`to_json_schema`] keeps the known values of an open enumeration. Not a JSON Schema
/// keyword, so validators ignore it; [`forbid_undeclared_properties`] turns it back into `enum`.
pub const KNOWN_VALUES: &str = "knownValues";

/// One reason a document does not match its schema.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SchemaViolation {
    /// JSON pointer into the validated document (`""` is the document itself), e.g.
    /// `/answer/transactions/0/amount`.
    pub instance_path: String,
    /// Where in the schema the failing keyword is, e.g.
    /// `/properties/answer/oneOf/1/$ref/properties/amount/type`.
    pub schema_path: String,
    /// Why it failed, e.g. `"990" is not of type "integer"`.
    pub message: String,
}

impl fmt::Display for SchemaViolation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let path = if self.instance_path.is_empty() {
            "(document root)"
        } else {
            &self.instance_path
        };
        write!(
            f,
            "at {path}: {} [schema {}]",
            self.message, self.schema_path
        )
    }
}

/// A spec could not be loaded.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SpecError {
    /// The YAML text is not a YAML document.
    #[error("the spec is not valid YAML: {0}")]
    Yaml(String),
    /// The converted spec could not be registered as a schema resource.
    #[error("the spec cannot be registered for validation: {0}")]
    Registry(String),
}

/// Validates JSON documents against the components of one spec.
///
/// Built once from the spec's YAML text; each component is compiled the first time it is used
/// and cached, so validating a request in the sandbox is one lookup plus the validation itself.
/// `Send + Sync`: share one instance (see [`SpecValidator::lyra`] and [`SpecValidator::etpay`]).
pub struct SpecValidator {
    uri: String,
    registry: Registry<'static>,
    document: Value,
    components: BTreeSet<String>,
    compiled: RwLock<HashMap<String, Arc<Validator>>>,
}

impl fmt::Debug for SpecValidator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SpecValidator")
            .field("uri", &self.uri)
            .field("components", &self.components.len())
            .finish_non_exhaustive()
    }
}

impl SpecValidator {
    /// Loads a spec from its YAML text. `name` only identifies it in schema URIs
    /// (`urn:pasarela:spec:<name>`).
    pub fn from_yaml(name: &str, yaml: &str) -> Result<Self, SpecError> {
        let openapi: Value =
            serde_yaml::from_str(yaml).map_err(|e| SpecError::Yaml(e.to_string()))?;
        Self::from_json_schema(name, to_json_schema(&openapi))
    }

    /// Like [`SpecValidator::from_yaml`], but every object schema with `properties` forbids
    /// properties it does not declare (see [`forbid_undeclared_properties`]). For tests.
    pub fn strict_from_yaml(name: &str, yaml: &str) -> Result<Self, SpecError> {
        let openapi: Value =
            serde_yaml::from_str(yaml).map_err(|e| SpecError::Yaml(e.to_string()))?;
        let strict = forbid_undeclared_properties(&to_json_schema(&openapi));
        Self::from_json_schema(&format!("{name}-strict"), strict)
    }

    /// Uses an already converted document (`{"components": {"schemas": …}}`, JSON Schema
    /// Draft 4), e.g. the output of [`to_json_schema`] after a test-only edit.
    pub fn from_json_schema(name: &str, document: Value) -> Result<Self, SpecError> {
        let uri = format!("urn:pasarela:spec:{name}");
        let components = document
            .pointer("/components/schemas")
            .and_then(Value::as_object)
            .map(|m| m.keys().cloned().collect())
            .unwrap_or_default();
        let registry = Registry::new()
            .draft(Draft::Draft4)
            .add(&uri, document.clone())
            .and_then(|b| b.prepare())
            .map_err(|e| SpecError::Registry(e.to_string()))?;
        Ok(Self {
            uri,
            registry,
            document,
            components,
            compiled: RwLock::new(HashMap::new()),
        })
    }

    /// The embedded Lyra V4 spec, loaded once per process.
    ///
    /// # Panics
    /// If the embedded spec is not valid YAML (caught by the crate's own tests).
    pub fn lyra() -> &'static SpecValidator {
        static LYRA: OnceLock<SpecValidator> = OnceLock::new();
        LYRA.get_or_init(|| {
            Self::from_yaml("lyra-v4", LYRA_V4_YAML).expect("openapi/lyra-v4.yaml loads")
        })
    }

    /// The embedded ETpay spec, loaded once per process.
    ///
    /// # Panics
    /// If the embedded spec is not valid YAML (caught by the crate's own tests).
    pub fn etpay() -> &'static SpecValidator {
        static ETPAY: OnceLock<SpecValidator> = OnceLock::new();
        ETPAY
            .get_or_init(|| Self::from_yaml("etpay", ETPAY_YAML).expect("openapi/etpay.yaml loads"))
    }

    /// The names of the spec's components (`components.schemas`), sorted.
    pub fn components(&self) -> impl Iterator<Item = &str> {
        self.components.iter().map(String::as_str)
    }

    /// True if the spec has a component of that name.
    pub fn has_component(&self, component: &str) -> bool {
        self.components.contains(component)
    }

    /// The converted (JSON Schema Draft 4) document the validators are built from.
    pub fn document(&self) -> &Value {
        &self.document
    }

    /// Validates `doc` against `#/components/schemas/<component>`.
    ///
    /// On failure every violation names the JSON path in `doc` and the reason. Failures inside
    /// a `oneOf` (the `_type`-discriminated answers) are reported for the branch whose `_type`
    /// matched, not as a bare "not valid under any of the schemas". An unknown component is
    /// reported as a single violation at the document root.
    pub fn validate(&self, component: &str, doc: &Value) -> Result<(), Vec<SchemaViolation>> {
        let validator = self.compiled(component)?;
        if validator.is_valid(doc) {
            return Ok(());
        }
        Err(explain(&validator, doc))
    }

    fn compiled(&self, component: &str) -> Result<Arc<Validator>, Vec<SchemaViolation>> {
        if let Some(v) = self
            .compiled
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(component)
        {
            return Ok(Arc::clone(v));
        }
        if !self.components.contains(component) {
            return Err(vec![SchemaViolation {
                instance_path: String::new(),
                schema_path: String::new(),
                message: format!("the spec has no component named {component:?}"),
            }]);
        }
        let root = json!({ "$ref": format!("{}#/components/schemas/{component}", self.uri) });
        let validator = jsonschema::options()
            .with_draft(Draft::Draft4)
            .with_registry(&self.registry)
            .offline()
            .build(&root)
            .map_err(|e| {
                vec![SchemaViolation {
                    instance_path: String::new(),
                    schema_path: e.schema_path().to_string(),
                    message: format!("component {component} does not compile: {e}"),
                }]
            })?;
        let validator = Arc::new(validator);
        self.compiled
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .insert(component.to_owned(), Arc::clone(&validator));
        Ok(validator)
    }
}

/// Validates `doc` against a standalone JSON Schema (its draft is read from `$schema`, Draft 7
/// by default), with the same diagnostics as [`SpecValidator::validate`]. Compiles the schema on
/// every call: for tests and one-off checks (e.g. against a schema derived with schemars).
pub fn validate_against(schema: &Value, doc: &Value) -> Result<(), Vec<SchemaViolation>> {
    let validator = jsonschema::options().offline().build(schema).map_err(|e| {
        vec![SchemaViolation {
            instance_path: String::new(),
            schema_path: e.schema_path().to_string(),
            message: format!("the schema does not compile: {e}"),
        }]
    })?;
    if validator.is_valid(doc) {
        Ok(())
    } else {
        Err(explain(&validator, doc))
    }
}

/// Every leaf reason (`evaluate()` reaches inside `oneOf`/`anyOf`), minus the noise.
fn explain(validator: &Validator, doc: &Value) -> Vec<SchemaViolation> {
    let all: Vec<SchemaViolation> = validator
        .evaluate(doc)
        .iter_errors()
        .map(|e| SchemaViolation {
            instance_path: e.instance_location.to_string(),
            schema_path: e.schema_location.to_owned(),
            message: e.error.to_string(),
        })
        .collect();
    drop_wrapper_noise(focus_on_matching_branches(all))
        .into_iter()
        .map(|v| SchemaViolation {
            message: shorten(&v.message),
            ..v
        })
        .collect()
}

/// Error messages quote the failing instance; a whole kr-answer is not a useful quote.
fn shorten(message: &str) -> String {
    const MAX: usize = 240;
    if message.chars().count() <= MAX {
        return message.to_owned();
    }
    let head: String = message.chars().take(MAX).collect();
    format!("{head}… (truncated)")
}

/// Drops the errors of nullable wrappers (`anyOf: [X, {type: null}]`) and of bare combinators
/// when a more precise error exists at or below the same place: "is not of type null" and
/// "is not valid under any of the schemas" add nothing to the nested reason.
fn drop_wrapper_noise(all: Vec<SchemaViolation>) -> Vec<SchemaViolation> {
    let is_wrapper = |v: &SchemaViolation| {
        v.message.ends_with("is not of type \"null\"")
            || v.schema_path.ends_with("/anyOf")
            || v.schema_path.ends_with("/oneOf")
            || v.message.contains("is not valid under any of the schemas")
    };
    let under = |path: &str, object: &str| {
        path == object
            || path
                .strip_prefix(object)
                .is_some_and(|rest| rest.starts_with('/'))
    };
    let kept: Vec<SchemaViolation> = all
        .iter()
        .filter(|v| {
            !is_wrapper(v)
                || !all
                    .iter()
                    .any(|o| !is_wrapper(o) && under(&o.instance_path, &v.instance_path))
        })
        .cloned()
        .collect();
    if kept.is_empty() {
        all
    } else {
        kept
    }
}

/// Drops the noise of `oneOf` branches that were never meant to match. When an object's
/// `_type` fails the `enum` of some component while another component also reported errors for
/// the same object, that component is a different answer type: its errors for that object are
/// irrelevant. Keeps everything if that would leave nothing.
fn focus_on_matching_branches(all: Vec<SchemaViolation>) -> Vec<SchemaViolation> {
    let under = |path: &str, object: &str| {
        path == object
            || path
                .strip_prefix(object)
                .is_some_and(|rest| rest.starts_with('/'))
    };
    // (object instance path, schema prefix of the wrong branch)
    let mut wrong: Vec<(String, String)> = Vec::new();
    for v in &all {
        let Some(object) = v.instance_path.strip_suffix("/_type") else {
            continue;
        };
        let Some((branch, _)) = v.schema_path.rsplit_once("/properties/_type/") else {
            continue;
        };
        let branch = format!("{branch}/");
        let other_branch_spoke = all
            .iter()
            .any(|o| under(&o.instance_path, object) && !o.schema_path.starts_with(&branch));
        if other_branch_spoke {
            wrong.push((object.to_owned(), branch));
        }
    }
    if wrong.is_empty() {
        return all;
    }
    let focused: Vec<SchemaViolation> = all
        .iter()
        .filter(|v| {
            !wrong.iter().any(|(object, branch)| {
                under(&v.instance_path, object) && v.schema_path.starts_with(branch.as_str())
            })
        })
        .cloned()
        .collect();
    if !focused.is_empty() {
        return focused;
    }
    // No alternative accepted the `_type`: one violation per object naming every allowed value.
    let mut summary: Vec<SchemaViolation> = Vec::new();
    for (object, _) in &wrong {
        if summary
            .iter()
            .any(|v| v.instance_path == format!("{object}/_type"))
        {
            continue;
        }
        let path = format!("{object}/_type");
        let mut actual = String::new();
        let mut allowed: Vec<&str> = Vec::new();
        for v in all.iter().filter(|v| v.instance_path == path) {
            if let Some((got, expected)) = v.message.split_once(" is not one of ") {
                actual = got.to_owned();
                allowed.push(expected);
            }
        }
        summary.push(SchemaViolation {
            instance_path: path,
            schema_path: "(the properties/_type/enum of every alternative)".to_owned(),
            message: format!(
                "{actual} matches no alternative; allowed: {}",
                allowed.join(", ")
            ),
        });
    }
    summary
}

#[cfg(test)]
mod tests {
    #[test]
    fn integer_formats_become_bounds() {
        let schema = to_json_schema(
            &serde_json::json!({"type": "integer", "format": "int64", "minimum": 0}),
        );
        assert_eq!(schema["minimum"], 0);
        assert_eq!(schema["maximum"], i64::MAX);
        let v = jsonschema::draft4::new(&schema).unwrap();
        assert!(v.is_valid(&serde_json::json!(9_223_372_036_854_775_807_i64)));
        assert!(!v.is_valid(&serde_json::from_str::<Value>("9223372036854775808").unwrap()));
        let small = to_json_schema(&serde_json::json!({"type": "integer", "format": "int32"}));
        assert_eq!(small["maximum"], i32::MAX);
    }

    use super::*;

    fn spec(schemas: Value) -> Value {
        json!({ "openapi": "3.0.3", "components": { "schemas": schemas } })
    }

    #[test]
    fn nullable_with_type_becomes_a_type_list_and_null_joins_the_enum() {
        let s = to_json_schema(
            &json!({"type": "string", "nullable": true, "enum": ["A"], "example": "A"}),
        );
        assert_eq!(s, json!({"type": ["string", "null"], "enum": ["A", null]}));
    }

    #[test]
    fn nullable_without_type_becomes_any_of_null() {
        let s = to_json_schema(
            &json!({"nullable": true, "allOf": [{"$ref": "#/components/schemas/X"}]}),
        );
        assert_eq!(
            s,
            json!({"anyOf": [{"allOf": [{"$ref": "#/components/schemas/X"}]}, {"type": "null"}]})
        );
    }

    #[test]
    fn openapi_only_keywords_are_dropped_but_property_names_are_kept() {
        let s = to_json_schema(&json!({
            "type": "object",
            "discriminator": {"propertyName": "_type"},
            "x-rust-type": "Foo",
            "properties": {
                "example": {"type": "string", "example": "e"},
                "nullable": {"$ref": "#/components/schemas/Y", "description": "ignored sibling"}
            }
        }));
        assert_eq!(
            s,
            json!({"type": "object", "properties": {
                "example": {"type": "string"},
                "nullable": {"$ref": "#/components/schemas/Y"}
            }})
        );
    }

    #[test]
    fn refs_resolve_between_components_and_null_is_accepted_where_nullable() {
        let yaml = serde_yaml::to_string(&spec(json!({
            "Outer": {"type": "object", "required": ["inner"], "properties": {
                "inner": {"$ref": "#/components/schemas/Inner"},
                "note": {"type": "string", "nullable": true}
            }},
            "Inner": {"type": "object", "properties": {"n": {"type": "integer"}}}
        })))
        .unwrap();
        let v = SpecValidator::from_yaml("t", &yaml).unwrap();
        assert!(v
            .validate("Outer", &json!({"inner": {"n": 1}, "note": null}))
            .is_ok());
        let errors = v
            .validate("Outer", &json!({"inner": {"n": "1"}}))
            .unwrap_err();
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert_eq!(errors[0].instance_path, "/inner/n");
        assert!(errors[0].message.contains("integer"), "{}", errors[0]);
    }

    #[test]
    fn one_of_failures_name_the_nested_reason_of_the_matching_branch() {
        let yaml = serde_yaml::to_string(&spec(json!({
            "Envelope": {"type": "object", "properties": {"answer": {"oneOf": [
                {"$ref": "#/components/schemas/A"}, {"$ref": "#/components/schemas/B"}
            ]}}},
            "A": {"type": "object", "required": ["_type"], "properties": {
                "_type": {"type": "string", "enum": ["A"]}, "amount": {"type": "integer"}}},
            "B": {"type": "object", "required": ["_type"], "properties": {
                "_type": {"type": "string", "enum": ["B"]}}}
        })))
        .unwrap();
        let v = SpecValidator::from_yaml("t", &yaml).unwrap();
        let errors = v
            .validate(
                "Envelope",
                &json!({"answer": {"_type": "A", "amount": "990"}}),
            )
            .unwrap_err();
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert_eq!(errors[0].instance_path, "/answer/amount");
        assert!(errors[0].to_string().contains("integer"), "{}", errors[0]);
    }

    #[test]
    fn strict_mode_rejects_undeclared_properties_only() {
        let yaml = serde_yaml::to_string(&spec(json!({
            "Closed": {"type": "object", "properties": {
                "a": {"type": "string"},
                "free": {"type": "object", "additionalProperties": {"type": "string"}}
            }}
        })))
        .unwrap();
        let lax = SpecValidator::from_yaml("t", &yaml).unwrap();
        let strict = SpecValidator::strict_from_yaml("t", &yaml).unwrap();
        let doc = json!({"a": "x", "b": 1, "free": {"anything": "goes"}});
        assert!(lax.validate("Closed", &doc).is_ok());
        let errors = strict.validate("Closed", &doc).unwrap_err();
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert!(
            errors[0].message.contains("'b'") || errors[0].message.contains("\"b\""),
            "{}",
            errors[0]
        );
        assert!(strict
            .validate("Closed", &json!({"a": "x", "free": {"k": "v"}}))
            .is_ok());
    }

    #[test]
    fn unknown_components_are_a_violation_not_a_panic() {
        let errors = SpecValidator::lyra()
            .validate("NoSuchThing", &json!({}))
            .unwrap_err();
        assert!(errors[0].message.contains("NoSuchThing"));
    }

    #[test]
    fn validators_are_shared_across_threads_and_cached() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<SpecValidator>();
        let v = SpecValidator::lyra();
        let name = v
            .components()
            .next()
            .expect("the spec has components")
            .to_owned();
        let _ = v.validate(&name, &json!({}));
        let first = v.compiled(&name).unwrap();
        let second = v.compiled(&name).unwrap();
        assert!(Arc::ptr_eq(&first, &second));
    }

    #[test]
    fn both_embedded_specs_load() {
        assert!(SpecValidator::lyra().components().count() > 0);
        assert!(SpecValidator::etpay().components().count() > 0);
    }

    #[test]
    fn open_enums_accept_unknown_values_only_in_lenient_mode() {
        let doc = spec(json!({
            "Brand": {"type": "string", "x-open-enum": true, "enum": ["VISA", "CB"]},
            "Action": {"type": "string", "enum": ["PAYMENT"]},
        }));
        let lenient =
            SpecValidator::from_json_schema("open-lenient", to_json_schema(&doc)).unwrap();
        let strict = SpecValidator::from_json_schema(
            "open-strict",
            forbid_undeclared_properties(&to_json_schema(&doc)),
        )
        .unwrap();
        assert!(lenient.validate("Brand", &json!("VISA")).is_ok());
        assert!(lenient.validate("Brand", &json!("IP_WIRE_NEXT")).is_ok());
        assert!(
            lenient.validate("Brand", &json!(3)).is_err(),
            "still a string"
        );
        assert!(strict.validate("Brand", &json!("VISA")).is_ok());
        assert!(strict.validate("Brand", &json!("IP_WIRE_NEXT")).is_err());
        // Request enums carry no mark: closed in both modes.
        assert!(lenient.validate("Action", &json!("OTHER")).is_err());
        assert!(strict.validate("Action", &json!("OTHER")).is_err());
        let converted = to_json_schema(
            &json!({"type": "string", "nullable": true, "x-open-enum": true, "enum": ["A"]}),
        );
        assert_eq!(
            converted,
            json!({"type": ["string", "null"], "knownValues": ["A"]})
        );
        assert_eq!(
            forbid_undeclared_properties(&converted),
            json!({"type": ["string", "null"], "knownValues": ["A"], "enum": ["A", null]})
        );
    }
}
