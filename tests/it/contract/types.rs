//! The Rust type behind every component a fixture folder may name.
//!
//! A fixture folder name must appear here, or the fixture fails with "no Rust type is mapped".
//! Components the generator replaces by hand-written types (open enums, claims) map to those.

use schemars::JsonSchema;
use serde::{de::DeserializeOwned, Serialize};
use serde_json::Value;

/// How to decode, re-encode and describe one component's Rust type.
pub struct TypeEntry {
    /// The Rust path, for messages.
    pub rust_type: &'static str,
    /// Decodes the JSON text and re-encodes the typed value.
    pub round_trip: fn(&str) -> Result<Value, String>,
    /// The schemars (0.8) schema derived from the Rust type.
    pub schema: fn() -> Value,
}

fn round_trip<T: DeserializeOwned + Serialize>(text: &str) -> Result<Value, String> {
    let mut de = serde_json::Deserializer::from_str(text);
    let typed: T = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        format!("at {path}: {}", e.into_inner())
    })?;
    serde_json::to_value(&typed).map_err(|e| format!("re-encoding failed: {e}"))
}

fn schema<T: JsonSchema>() -> Value {
    serde_json::to_value(schemars::schema_for!(T)).expect("a schemars schema is JSON")
}

fn entry<T: DeserializeOwned + Serialize + JsonSchema>(rust_type: &'static str) -> TypeEntry {
    TypeEntry {
        rust_type,
        round_trip: round_trip::<T>,
        schema: schema::<T>,
    }
}

macro_rules! table {
    ($fn_name:ident: $($component:ident => $ty:path),* $(,)?) => {
        /// The Rust type of a component, or `None` if this suite does not know it.
        pub fn $fn_name(component: &str) -> Option<TypeEntry> {
            match component {
                $( stringify!($component) => Some(entry::<$ty>(stringify!($ty))), )*
                _ => None,
            }
        }
    };
}

table! { lyra:
    WebServiceResponse => pasarela::lyra::types::WebServiceResponse,
    Payment => pasarela::lyra::types::Payment,
    PaymentForm => pasarela::lyra::types::PaymentForm,
    CreatePaymentRequest => pasarela::lyra::types::CreatePaymentRequest,
    PaymentOrderGetRequest => pasarela::lyra::types::PaymentOrderGetRequest,
    UpdatePaymentAmountRequest => pasarela::lyra::types::UpdatePaymentAmountRequest,
    SdkTestRequest => pasarela::lyra::types::SdkTestRequest,
    PciCreatePaymentRequest => pasarela::lyra::types::PciCreatePaymentRequest,
    AuthenticationAnswer => pasarela::lyra::types::AuthenticationAnswer,
}

table! { etpay:
    SessionInitializeRequest => pasarela::etpay::types::SessionInitializeRequest,
    SessionInitializeResponse => pasarela::etpay::types::SessionInitializeResponse,
    CheckPaymentStatusRequest => pasarela::etpay::types::CheckPaymentStatusRequest,
    CheckPaymentStatusResponse => pasarela::etpay::types::CheckPaymentStatusResponse,
    PaymentClaims => pasarela::etpay::PaymentClaims,
    SystemErrorClaims => pasarela::etpay::SystemErrorClaims,
    NotificationBody => pasarela::etpay::types::NotificationBody,
    DirectDebitStartSessionRequest => pasarela::etpay::types::DirectDebitStartSessionRequest,
    DirectDebitStartSessionResponse => pasarela::etpay::types::DirectDebitStartSessionResponse,
}

/// The Rust type of `component` in `api`.
pub fn lookup(api: &str, component: &str) -> Option<TypeEntry> {
    match api {
        "lyra" => lyra(component),
        "etpay" => etpay(component),
        _ => None,
    }
}
