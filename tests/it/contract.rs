//! Contract suite: every documented example (a fixture under `tests/fixtures/<api>/`) against
//! the spec, the generated types and a reviewed snapshot.
//!
//! For each fixture `tests/fixtures/<api>/<Component>[.partial]/<case>.json`:
//! (a) it validates against `#/components/schemas/<Component>` of the api's spec;
//! (b) it decodes into the Rust type of that component;
//! (c) re-encoding gives a document that still validates and equals the original as data
//!     (only an explicit `null` versus an absent key may differ);
//! (d) it validates in strict mode (no property the spec does not declare);
//! (e) the decoded value matches `snapshots/contract@<api>__<Folder>__<case>.snap`;
//! (f) it validates against the schemars schema of the Rust type in strict mode, so every field
//!     of the example is a field of the typed value and hand-written types cannot drift.
//!
//! A new fixture file is picked up without code changes; see `tests/fixtures/lyra/INDEX.md`.

#[path = "contract/compare.rs"]
mod compare;
#[path = "contract/fixtures.rs"]
mod fixtures;
#[path = "contract/types.rs"]
mod types;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

use crate::spec::{
    forbid_undeclared_properties, validate_against, SpecValidator, ETPAY_YAML, LYRA_V4_YAML,
};
use serde_json::{json, Value};

use fixtures::Fixture;

/// The lenient validator of an api (what the sandbox uses).
fn spec(api: &str) -> Option<&'static SpecValidator> {
    match api {
        "lyra" => Some(SpecValidator::lyra()),
        "etpay" => Some(SpecValidator::etpay()),
        _ => None,
    }
}

/// The strict (test-only) validator of an api.
fn strict_spec(api: &str) -> Option<&'static SpecValidator> {
    static LYRA: OnceLock<SpecValidator> = OnceLock::new();
    static ETPAY: OnceLock<SpecValidator> = OnceLock::new();
    match api {
        "lyra" => Some(LYRA.get_or_init(|| {
            SpecValidator::strict_from_yaml("lyra-v4", LYRA_V4_YAML).expect("lyra spec loads")
        })),
        "etpay" => Some(ETPAY.get_or_init(|| {
            SpecValidator::strict_from_yaml("etpay", ETPAY_YAML).expect("etpay spec loads")
        })),
        _ => None,
    }
}

fn spec_file(api: &str) -> &'static str {
    match api {
        "lyra" => "openapi/lyra-v4.yaml",
        "etpay" => "openapi/etpay.yaml",
        _ => "(no spec)",
    }
}

/// Is JSON pointer `path` at or below `object`?
fn under(path: &str, object: &str) -> bool {
    path == object
        || path
            .strip_prefix(object)
            .is_some_and(|rest| rest.starts_with('/'))
}

fn violations(list: &[crate::spec::SchemaViolation]) -> String {
    list.iter()
        .map(|v| format!("\n      {v}"))
        .collect::<String>()
}

/// Runs checks (a)–(d) and (f); returns the decoded value for the snapshot, or every failure.
fn check(fx: &Fixture) -> Result<Value, Vec<String>> {
    let mut failures = Vec::new();
    let schema_ref = format!(
        "{}#/components/schemas/{}",
        spec_file(&fx.api),
        fx.component
    );
    let (Some(spec), Some(strict)) = (spec(&fx.api), strict_spec(&fx.api)) else {
        return Err(vec![format!("unknown api folder {:?}", fx.api)]);
    };

    // (a) the documented example matches the spec.
    let lax = spec
        .validate(&fx.component, &fx.doc)
        .err()
        .unwrap_or_default();
    if !lax.is_empty() {
        failures.push(format!(
            "(a) does not validate against {schema_ref}:{}",
            violations(&lax)
        ));
    }
    // (d) and the spec declares every field the documentation shows (only the violations that
    // strict mode adds are reported here).
    // Places (a) already reported; an object whose `_type` matched nothing is tainted whole.
    let tainted: Vec<&str> = lax
        .iter()
        .map(|l| {
            l.instance_path
                .strip_suffix("/_type")
                .unwrap_or(&l.instance_path)
        })
        .collect();
    if let Err(v) = strict.validate(&fx.component, &fx.doc) {
        let added: Vec<_> = v
            .into_iter()
            .filter(|s| !tainted.iter().any(|t| under(&s.instance_path, t)))
            .collect();
        if !added.is_empty() {
            failures.push(format!(
                "(d) strict mode: the spec does not declare every field of the example ({schema_ref}):{}",
                violations(&added)
            ));
        }
    }

    // (b) it decodes into the Rust type.
    let Some(ty) = types::lookup(&fx.api, &fx.component) else {
        failures.push(format!(
            "(b) no Rust type is mapped for component {:?} of {}: add it to tests/contract/types.rs \
             or fix the folder name",
            fx.component, fx.api
        ));
        return Err(failures);
    };
    // (f) every field of the example is a field of the Rust type (schemars, strict).
    let derived = forbid_undeclared_properties(&(ty.schema)());
    if let Err(v) = validate_against(&derived, &fx.doc) {
        failures.push(format!(
            "(f) does not validate against the schemars schema of {} (strict):{}",
            ty.rust_type,
            violations(&v)
        ));
    }

    // Decode from pretty text so a failure can also be found by line in the merged document.
    let text = serde_json::to_string_pretty(&fx.doc).expect("a JSON value prints");
    let reencoded = match (ty.round_trip)(&text) {
        Ok(v) => v,
        Err(e) => {
            failures.push(format!("(b) does not decode into {}: {e}", ty.rust_type));
            return Err(failures);
        }
    };

    // (c) re-encoding loses nothing and still validates.
    let diffs = compare::differences(&fx.doc, &reencoded);
    if !diffs.is_empty() {
        failures.push(format!(
            "(c) decoding into {} and re-encoding changed the document:\n      {}",
            ty.rust_type,
            diffs.join("\n      ")
        ));
    }
    if let Err(v) = spec.validate(&fx.component, &reencoded) {
        failures.push(format!(
            "(c) the re-encoded {} no longer validates against {schema_ref}:{}",
            ty.rust_type,
            violations(&v)
        ));
    }

    if failures.is_empty() {
        Ok(reencoded)
    } else {
        Err(failures)
    }
}

#[test]
fn every_fixture_honours_the_contract() {
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    let mut failures: Vec<String> = Vec::new();
    insta::with_settings!({
        snapshot_path => "../../snapshots",
        prepend_module_to_snapshot => false,
        sort_maps => true,
    }, {
        // An empty glob panics ("the glob! macro did not match any files").
        insta::glob!("../fixtures", "*/*/*.json", |path| {
            let fx = match Fixture::load(path) {
                Ok(fx) => fx,
                Err(e) => {
                    failures.push(e);
                    return;
                }
            };
            *seen.entry(fx.api.clone()).or_default() += 1;
            match check(&fx) {
                Ok(decoded) => {
                    let mut settings = insta::Settings::clone_current();
                    settings.set_snapshot_suffix(fx.snapshot_suffix());
                    settings.set_description(format!("{} decoded and re-encoded", fx.display));
                    settings.bind(|| insta::assert_json_snapshot!("contract", decoded));
                }
                Err(list) => failures.push(format!(
                    "FIXTURE {}{}:\n  {}",
                    fx.display,
                    if fx.partial { " (partial, merged over the base in tests/contract/fixtures.rs)" } else { "" },
                    list.join("\n  ")
                )),
            }
        });
    });
    assert!(
        seen.get("lyra").copied().unwrap_or(0) > 0,
        "no Lyra fixture was found under tests/fixtures/lyra/"
    );
    assert!(
        failures.is_empty(),
        "{} fixture(s) break the contract:\n\n{}\n",
        failures.len(),
        failures.join("\n\n")
    );
}

/// Seeds 000 and 002 print the complete kr-answer: every field must survive decoding, with its
/// value, including the ones that are `null` (they must be fields of the typed value).
#[test]
fn full_kr_answers_decode_with_every_field_present() {
    for case in ["seed000_kr_answer_pen", "seed002_kr_answer_eur"] {
        let fx = fixtures::all("lyra")
            .into_iter()
            .find(|f| f.component == "Payment" && f.case == case)
            .unwrap_or_else(|| panic!("fixture lyra/Payment/{case}.json is missing"));
        let ty = types::lookup("lyra", "Payment").expect("Payment is mapped");
        let text = serde_json::to_string(&fx.doc).unwrap();
        let reencoded = (ty.round_trip)(&text).unwrap_or_else(|e| panic!("{case}: {e}"));
        assert_eq!(
            compare::differences(&fx.doc, &reencoded),
            Vec::<String>::new(),
            "{case}"
        );
        // Every key, null or not, is a declared field of the Rust type (schemars, strict).
        let derived = forbid_undeclared_properties(&(ty.schema)());
        let validator = jsonschema::validator_for(&derived).expect("schemars schema compiles");
        let errors: Vec<String> = validator
            .iter_errors(&fx.doc)
            .map(|e| e.to_string())
            .collect();
        assert!(errors.is_empty(), "{case}: {errors:#?}");
        assert!(count_leaves(&fx.doc) > 150, "{case} is the full kr-answer");
    }
}

fn count_leaves(v: &Value) -> usize {
    match v {
        Value::Object(m) => m.values().map(count_leaves).sum(),
        Value::Array(a) => a.iter().map(count_leaves).sum(),
        _ => 1,
    }
}

/// The components replaced by hand-written open enums (`build.rs` `replacements`).
const OPEN_ENUMS: &[&str] = &[
    "OrderStatus",
    "OrderCycle",
    "TransactionStatus",
    "DetailedStatus",
    "OperationType",
    "PaymentMethodType",
    "CardBrand",
    "PaymentOrderStatus",
    "TokenStatus",
    "Mode",
];

/// The schemars schema and the known values of an open enum.
fn open_enum(name: &str) -> (Value, &'static [&'static str]) {
    use pasarela::lyra::enums::*;
    macro_rules! e {
        ($t:ty) => {
            (
                serde_json::to_value(schemars::schema_for!($t)).unwrap(),
                <$t>::KNOWN,
            )
        };
    }
    match name {
        "OrderStatus" => e!(OrderStatus),
        "OrderCycle" => e!(OrderCycle),
        "TransactionStatus" => e!(TransactionStatus),
        "DetailedStatus" => e!(DetailedStatus),
        "OperationType" => e!(OperationType),
        "PaymentMethodType" => e!(PaymentMethodType),
        "CardBrand" => e!(CardBrand),
        "PaymentOrderStatus" => e!(PaymentOrderStatus),
        "TokenStatus" => e!(TokenStatus),
        "Mode" => e!(Mode),
        other => panic!("no open enum {other}"),
    }
}

/// Walks `instance` along `schema` (of the converted spec) and records every value whose schema
/// is one of the open-enum components: `(enum name, JSON path, value)`. Union branches that are
/// component references are followed only if the instance validates against them, so the
/// `_type`-dispatched answers are walked along the right component.
fn enum_places(
    schema: &Value,
    instance: &Value,
    path: &str,
    out: &mut Vec<(String, String, Value)>,
) {
    let spec = SpecValidator::lyra();
    if instance.is_null() {
        return;
    }
    if let Some(name) = schema
        .get("$ref")
        .and_then(Value::as_str)
        .and_then(|r| r.strip_prefix("#/components/schemas/"))
    {
        if OPEN_ENUMS.contains(&name) {
            out.push((name.to_owned(), path.to_owned(), instance.clone()));
            return;
        }
        let target = &spec.document()["components"]["schemas"][name];
        return enum_places(target, instance, path, out);
    }
    for sub in schema
        .get("allOf")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        enum_places(sub, instance, path, out);
    }
    for key in ["anyOf", "oneOf"] {
        for sub in schema
            .get(key)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let component = sub
                .get("$ref")
                .and_then(Value::as_str)
                .and_then(|r| r.strip_prefix("#/components/schemas/"));
            match component {
                Some(c) if !OPEN_ENUMS.contains(&c) && spec.validate(c, instance).is_err() => {}
                _ => enum_places(sub, instance, path, out),
            }
        }
    }
    match instance {
        Value::Object(map) => {
            for (key, value) in map {
                let child = schema
                    .get("properties")
                    .and_then(|p| p.get(key))
                    .or_else(|| schema.get("additionalProperties").filter(|a| a.is_object()));
                if let Some(child) = child {
                    enum_places(child, value, &format!("{path}/{key}"), out);
                }
            }
        }
        Value::Array(items) => {
            if let Some(item_schema) = schema.get("items") {
                for (i, item) in items.iter().enumerate() {
                    enum_places(item_schema, item, &format!("{path}/{i}"), out);
                }
            }
        }
        _ => {}
    }
}

/// schemars cross-check of the open enums (`src/lyra/enums.rs`): every fixture value found at a
/// place the spec types with a replaced component validates against the schemars schema of the
/// hand-written type and is one of its known values; the spec's enum and `KNOWN` agree.
#[test]
fn open_enums_agree_with_the_spec_and_every_fixture_value() {
    let spec = SpecValidator::lyra();
    let schemas = &spec.document()["components"]["schemas"];
    let mut problems = Vec::new();

    for name in OPEN_ENUMS {
        let Some(component) = schemas.get(*name) else {
            problems.push(format!(
                "build.rs replaces {name}, but the spec has no such component"
            ));
            continue;
        };
        let (_, known) = open_enum(name);
        // Open enums keep their values under `knownValues` in the lenient document.
        let spec_values: BTreeSet<&str> = component[crate::spec::KNOWN_VALUES]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        let known_values: BTreeSet<&str> = known.iter().copied().collect();
        if spec_values != known_values {
            problems.push(format!(
                "{name}: the spec's enum {spec_values:?} differs from src/lyra/enums.rs KNOWN {known_values:?}"
            ));
        }
    }

    let mut found: BTreeMap<String, usize> = BTreeMap::new();
    for fx in fixtures::all("lyra") {
        let root = json!({ "$ref": format!("#/components/schemas/{}", fx.component) });
        let mut places = Vec::new();
        enum_places(&root, &fx.doc, "", &mut places);
        for (name, path, value) in places {
            *found.entry(name.clone()).or_default() += 1;
            let (schema, known) = open_enum(&name);
            let validator = jsonschema::validator_for(&schema).expect("schemars schema compiles");
            if !validator.is_valid(&value) {
                problems.push(format!(
                    "{} at {path}: {value} does not validate against schemars {name}",
                    fx.display
                ));
            }
            if !value.as_str().is_some_and(|s| known.contains(&s)) {
                problems.push(format!(
                    "{} at {path}: {value} is not a known {name} value",
                    fx.display
                ));
            }
        }
    }
    // The kr-answers and payment orders use these, so finding none means the walk is broken.
    for name in [
        "OrderStatus",
        "OrderCycle",
        "TransactionStatus",
        "DetailedStatus",
        "OperationType",
        "PaymentMethodType",
        "CardBrand",
        "PaymentOrderStatus",
        "Mode",
    ] {
        if !found.contains_key(name) {
            problems.push(format!(
                "no fixture value was checked for {name}: are its places in the spec?"
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    eprintln!("open-enum values checked per type: {found:?}");
}
