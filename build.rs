//! Generates the typed clients from the hand-written OpenAPI specs in `openapi/`.
//!
//! One spec → one file `$OUT_DIR/<name>.rs`, included by `src/<name>/mod.rs` inside its own
//! `generated` module. Every generation setting is explained in `openapi/README.md`.

use std::{env, fs, path::PathBuf};

use progenitor::{GenerationSettings, Generator, InterfaceStyle, TagStyle, TypeImpl};

/// A spec, the Rust module that includes its output, and the hand-written types that replace
/// some of its components (open enums that must accept values the gateway adds later).
struct Spec {
    file: &'static str,
    module: &'static str,
    replacements: &'static [(&'static str, &'static str)],
}

const SPECS: &[Spec] = &[
    Spec {
        file: "openapi/lyra-v4.yaml",
        module: "lyra",
        replacements: &[
            ("Answer", "crate::lyra::answer::Answer"),
            ("OrderStatus", "crate::lyra::enums::OrderStatus"),
            ("OrderCycle", "crate::lyra::enums::OrderCycle"),
            (
                "TransactionTypeName",
                "crate::lyra::enums::TransactionTypeName",
            ),
            ("TransactionStatus", "crate::lyra::enums::TransactionStatus"),
            ("DetailedStatus", "crate::lyra::enums::DetailedStatus"),
            ("OperationType", "crate::lyra::enums::OperationType"),
            ("PaymentMethodType", "crate::lyra::enums::PaymentMethodType"),
            ("CardBrand", "crate::lyra::enums::CardBrand"),
            (
                "PaymentOrderStatus",
                "crate::lyra::enums::PaymentOrderStatus",
            ),
            ("TokenStatus", "crate::lyra::enums::TokenStatus"),
            ("Mode", "crate::lyra::enums::Mode"),
        ],
    },
    Spec {
        file: "openapi/etpay.yaml",
        module: "etpay",
        replacements: &[
            ("MerchantApiToken", "crate::etpay::MerchantApiToken"),
            ("SignatureToken", "crate::etpay::SignatureToken"),
            ("PaymentStatus", "crate::etpay::PaymentStatus"),
            ("PaymentClaims", "crate::etpay::PaymentClaims"),
            ("SystemErrorClaims", "crate::etpay::SystemErrorClaims"),
        ],
    },
];

fn main() {
    let out_dir = PathBuf::from(env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    println!("cargo:rerun-if-changed=build.rs");
    for spec in SPECS {
        println!("cargo:rerun-if-changed={}", spec.file);
        let code = generate(spec)
            .unwrap_or_else(|e| panic!("\n\ncode generation from {} failed: {e}\n\n", spec.file));
        let target = out_dir.join(format!("{}.rs", spec.module));
        fs::write(&target, code)
            .unwrap_or_else(|e| panic!("writing {} (from {}): {e}", target.display(), spec.file));
    }
}

fn generate(spec: &Spec) -> Result<String, String> {
    let text = fs::read_to_string(spec.file).map_err(|e| format!("cannot read the spec: {e}"))?;
    let api: openapiv3::OpenAPI = serde_yaml::from_str(&text)
        .map_err(|e| format!("not a valid OpenAPI 3.0 document: {e}"))?;

    let mut settings = GenerationSettings::default();
    settings
        .with_interface(InterfaceStyle::Builder)
        .with_tag(TagStyle::Merged)
        .with_map_type("::std::collections::BTreeMap")
        .with_derive("schemars::JsonSchema")
        .with_derive("PartialEq");
    for (component, rust_type) in spec.replacements {
        settings.with_replacement(
            *component,
            *rust_type,
            [TypeImpl::Display, TypeImpl::FromStr].into_iter(),
        );
    }

    let mut generator = Generator::new(&settings);
    let tokens = generator
        .generate_tokens(&api)
        .map_err(|e| format!("progenitor: {e}"))?;
    let file = syn::parse2::<syn::File>(tokens)
        .map_err(|e| format!("generated code does not parse: {e}"))?;
    Ok(prettyplease::unparse(&file))
}
