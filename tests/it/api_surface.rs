//! A snapshot of the API surface: for both specs, every operation (method, path, operationId,
//! request and response components) next to what progenitor generated for it (client method,
//! body type, `send` result type), the spec's component names and every generated public type
//! with its fields (JSON name, Rust type, required or optional) or variants (read with `syn`). A spec edit or a progenitor upgrade shows up as one readable diff in
//! `snapshots/api_surface@<api>.snap`.

use std::collections::BTreeMap;

use crate::spec::{ETPAY_YAML, LYRA_V4_YAML};
use serde_json::Value;

const METHODS: &[&str] = &[
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// The generated code, as build.rs wrote it.
const LYRA_GENERATED: &str = include_str!(concat!(env!("OUT_DIR"), "/lyra.rs"));
const ETPAY_GENERATED: &str = include_str!(concat!(env!("OUT_DIR"), "/etpay.rs"));

/// `#/components/schemas/X` → `X`; an inline schema → `(inline)`.
fn schema_name(schema: Option<&Value>) -> String {
    match schema {
        None => "-".to_owned(),
        Some(s) => s
            .get("$ref")
            .and_then(Value::as_str)
            .map(|r| r.rsplit('/').next().unwrap_or(r).to_owned())
            .unwrap_or_else(|| "(inline)".to_owned()),
    }
}

fn deref<'a>(doc: &'a Value, v: &'a Value) -> &'a Value {
    v.get("$ref")
        .and_then(Value::as_str)
        .and_then(|r| r.strip_prefix('#'))
        .and_then(|p| doc.pointer(p))
        .unwrap_or(v)
}

fn first_media_schema(body: &Value) -> Option<&Value> {
    body.get("content")?
        .as_object()?
        .values()
        .next()?
        .get("schema")
}

/// What progenitor generated for one operation.
#[derive(Default)]
struct Generated {
    builder: String,
    body: String,
    send: String,
}

/// Reads `impl Client` methods and the `builder` module out of the generated code.
fn generated_operations(code: &str) -> BTreeMap<String, Generated> {
    let mut by_builder: BTreeMap<String, Generated> = BTreeMap::new();
    let builder_mod = code
        .find("\npub mod builder {")
        .map(|i| &code[i..])
        .unwrap_or("");
    let mut sections = builder_mod.split("\n    pub struct ").skip(1);
    for section in sections.by_ref() {
        let name: String = section
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        let body = section
            .split("body: Result<types::builder::")
            .nth(1)
            .and_then(|s| s.split(',').next())
            .map(|s| format!("types::{s}"))
            .unwrap_or_else(|| "-".to_owned());
        let send = section
            .split("pub async fn send(")
            .nth(1)
            .and_then(|s| s.split(" {").next())
            .and_then(|s| s.split_once("->").map(|(_, ret)| ret))
            .map(|s| {
                // Whitespace-normalised, without prettyplease's trailing commas.
                s.split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" ")
                    .replace("< ", "<")
                    .replace(" >", ">")
                    .replace(",>", ">")
            })
            .unwrap_or_else(|| "-".to_owned());
        by_builder.insert(
            name.clone(),
            Generated {
                builder: name,
                body,
                send,
            },
        );
    }
    // Client methods, possibly wrapped by prettyplease: `pub fn id(\n &self,\n) -> builder::X<'_> {`.
    let mut by_method = BTreeMap::new();
    for piece in code.split("pub fn ").skip(1) {
        let signature: String = piece
            .split('{')
            .next()
            .unwrap_or("")
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        let method: String = signature
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        if !signature.contains("&self") {
            continue;
        }
        if let Some(ret) = signature.split("-> builder::").nth(1) {
            let builder: String = ret
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            if let Some(g) = by_builder.remove(&builder) {
                by_method.insert(method, g);
            }
        }
    }
    by_method
}

/// Renders a type as compact Rust text (`Option<Vec<types::Transaction>>`).
fn type_text(ty: &syn::Type) -> String {
    use quote::ToTokens;
    let text: String = ty
        .to_token_stream()
        .to_string()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join("")
        .replace(',', ", ");
    let mut text = text;
    for (long, short) in [
        ("::std::option::Option", "Option"),
        ("::std::string::String", "String"),
        ("::std::vec::Vec", "Vec"),
        ("::std::collections::BTreeMap", "BTreeMap"),
        ("::serde_json::Map", "Map"),
        ("::serde_json::Value", "Value"),
    ] {
        text = text.replace(long, short);
    }
    text
}

/// The JSON name serde gives a field or variant (`#[serde(rename = "…")]`), if any.
fn serde_rename(attrs: &[syn::Attribute]) -> Option<String> {
    let mut out = None;
    for attr in attrs.iter().filter(|a| a.path().is_ident("serde")) {
        let _ = attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("rename") {
                let lit: syn::LitStr = meta.value()?.parse()?;
                out = Some(lit.value());
            } else if meta.input.peek(syn::Token![=]) {
                let _: syn::Expr = meta.value()?.parse()?;
            }
            Ok(())
        });
    }
    out
}

/// Every public type directly inside `pub mod types`, with its shape: a struct's fields (JSON
/// name, Rust type, required or optional), an enum's variants (JSON value and payload), an
/// alias's target. Adding, removing or retyping anything in a spec changes this text.
fn generated_types(code: &str) -> Vec<String> {
    let file = match syn::parse_file(code) {
        Ok(f) => f,
        Err(e) => return vec![format!("(the generated code does not parse: {e})")],
    };
    let Some(items) = file.items.iter().find_map(|item| match item {
        syn::Item::Mod(m) if m.ident == "types" => m.content.as_ref().map(|(_, i)| i),
        _ => None,
    }) else {
        return vec!["(no `types` module found)".to_owned()];
    };
    let public = |v: &syn::Visibility| matches!(v, syn::Visibility::Public(_));
    let mut out = Vec::new();
    for item in items {
        match item {
            syn::Item::Struct(s) if public(&s.vis) => {
                out.push(format!("struct {}", s.ident));
                for (i, f) in s.fields.iter().enumerate() {
                    let ty = type_text(&f.ty);
                    let rust = f
                        .ident
                        .as_ref()
                        .map_or_else(|| i.to_string(), ToString::to_string);
                    let json = serde_rename(&f.attrs).unwrap_or_else(|| rust.clone());
                    let optional = if ty.starts_with("Option<") {
                        "optional"
                    } else {
                        "required"
                    };
                    out.push(format!("    {json}: {ty} ({optional})"));
                }
            }
            syn::Item::Enum(e) if public(&e.vis) => {
                out.push(format!("enum {}", e.ident));
                for v in &e.variants {
                    let json = serde_rename(&v.attrs)
                        .map(|r| format!(" = {r:?}"))
                        .unwrap_or_default();
                    let payload = match &v.fields {
                        syn::Fields::Unit => String::new(),
                        fields => format!(
                            "({})",
                            fields
                                .iter()
                                .map(|f| type_text(&f.ty))
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    };
                    out.push(format!("    {}{payload}{json}", v.ident));
                }
            }
            syn::Item::Type(t) if public(&t.vis) => {
                out.push(format!("type {} = {}", t.ident, type_text(&t.ty)));
            }
            _ => {}
        }
    }
    out
}

fn surface(title: &str, yaml: &str, code: &str) -> String {
    let doc: Value = serde_yaml::from_str(yaml).expect("the spec is YAML");
    let generated = generated_operations(code);
    let mut out = format!("# {title}\n\n## Operations\n");
    for (path, item) in doc["paths"].as_object().into_iter().flatten() {
        for (method, op) in item.as_object().into_iter().flatten() {
            if !METHODS.contains(&method.as_str()) {
                continue;
            }
            let id = op["operationId"].as_str().unwrap_or("(no operationId)");
            let request = op
                .get("requestBody")
                .map(|b| schema_name(first_media_schema(deref(&doc, b))))
                .unwrap_or_else(|| "-".to_owned());
            let responses: Vec<String> = op["responses"]
                .as_object()
                .into_iter()
                .flatten()
                .map(|(status, r)| {
                    format!(
                        "{status} {}",
                        schema_name(first_media_schema(deref(&doc, r)))
                    )
                })
                .collect();
            out.push_str(&format!(
                "\n{} {path}\n  operationId: {id}\n  request:  {request}\n  response: {}\n",
                method.to_uppercase(),
                responses.join(", ")
            ));
            match generated.get(id) {
                Some(g) => out.push_str(&format!(
                    "  generated: Client::{id}() -> builder::{}\n    body: {}\n    send: {}\n",
                    g.builder, g.body, g.send
                )),
                None => out.push_str("  generated: (no client method found)\n"),
            }
        }
    }
    out.push_str("\n## Components (spec)\n");
    for name in doc["components"]["schemas"]
        .as_object()
        .into_iter()
        .flat_map(|m| m.keys())
    {
        out.push_str(&format!("{name}\n"));
    }
    out.push_str("\n## Public types (generated `types` module: fields with their JSON name, Rust type and whether they are required; enum variants with their JSON value)\n");
    for name in generated_types(code) {
        out.push_str(&format!("{name}\n"));
    }
    out
}

fn assert_surface(api: &str, text: String) {
    insta::with_settings!({
        snapshot_path => "../../snapshots",
        prepend_module_to_snapshot => false,
        sort_maps => true,
    }, {
        insta::assert_snapshot!(format!("api_surface@{api}"), text);
    });
}

#[test]
fn lyra_api_surface() {
    let text = surface(
        "Lyra V4 (openapi/lyra-v4.yaml → pasarela::lyra)",
        LYRA_V4_YAML,
        LYRA_GENERATED,
    );
    assert!(text.contains("operationId: create_payment"), "{text}");
    assert!(!text.contains("(no client method found)"), "{text}");
    assert_surface("lyra", text);
}

#[test]
fn etpay_api_surface() {
    let text = surface(
        "ETpay (openapi/etpay.yaml → pasarela::etpay)",
        ETPAY_YAML,
        ETPAY_GENERATED,
    );
    assert!(!text.contains("(no client method found)"), "{text}");
    assert_surface("etpay", text);
}
