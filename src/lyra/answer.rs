//! The `answer` of a V4 envelope, dispatched on its `_type`.
//!
//! The spec describes `answer` as a `oneOf` with a `_type` discriminator. progenitor would turn
//! it into an untagged enum whose errors only say "data did not match any variant", and an
//! answer type this crate does not know would fail the whole response. This hand-written enum
//! (wired in with `with_replacement`, see `openapi/README.md`) reads `_type` first, decodes
//! the matching generated type, and keeps an unknown `_type` as raw JSON.

use serde::{de::Error as _, Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

use super::types;

/// The business object of an answer, one variant per `_type`.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum Answer {
    /// `V4/Charge/PaymentForm`: a formToken.
    PaymentForm(types::PaymentForm),
    /// `V4/Payment`: a payment result (SILENT CreatePayment).
    Payment(Box<types::Payment>),
    /// `V4/Transaction` or `V4/PaymentTransaction`.
    Transaction(Box<types::Transaction>),
    /// `V4/OrderTransactions`: the answer of Order/Get.
    OrderTransactions(types::OrderTransactions),
    /// `V4/PaymentOrder`.
    PaymentOrder(Box<types::PaymentOrder>),
    /// `V4/Token`.
    Token(Box<types::Token>),
    /// `V4/Subscription`.
    Subscription(Box<types::Subscription>),
    /// `V4/SubscriptionCreated`.
    SubscriptionCreated(types::SubscriptionCreated),
    /// `V4/Common/ResponseCodeAnswer`.
    ResponseCode(types::ResponseCodeAnswer),
    /// `V4/Type/String`: the answer of Charge/SDKTest.
    String(types::TypeString),
    /// `V4/WebService/WebServiceError`: the answer of an ERROR envelope.
    Error(types::WebServiceError),
    /// An answer whose `_type` this crate does not know (or lacks), kept exactly as received.
    Unknown(Value),
}

impl Answer {
    /// The `_type` the answer carries (for `Unknown`, whatever it holds, if anything).
    pub fn type_name(&self) -> Option<&str> {
        Some(match self {
            Answer::PaymentForm(_) => "V4/Charge/PaymentForm",
            Answer::Payment(_) => "V4/Payment",
            Answer::Transaction(t) => return Some(t.type_.as_str()),
            Answer::OrderTransactions(_) => "V4/OrderTransactions",
            Answer::PaymentOrder(_) => "V4/PaymentOrder",
            Answer::Token(_) => "V4/Token",
            Answer::Subscription(_) => "V4/Subscription",
            Answer::SubscriptionCreated(_) => "V4/SubscriptionCreated",
            Answer::ResponseCode(_) => "V4/Common/ResponseCodeAnswer",
            Answer::String(_) => "V4/Type/String",
            Answer::Error(_) => "V4/WebService/WebServiceError",
            Answer::Unknown(v) => return v.get("_type").and_then(Value::as_str),
        })
    }

    /// Decodes an answer from a JSON value, dispatching on `_type`.
    ///
    /// # Errors
    /// When `_type` names a known answer but the object does not match its schema; the error
    /// names the `_type` and serde's reason.
    pub fn from_value(value: Value) -> Result<Self, serde_json::Error> {
        fn decode<T: serde::de::DeserializeOwned>(
            ty: &str,
            value: Value,
        ) -> Result<T, serde_json::Error> {
            serde_json::from_value(value)
                .map_err(|e| serde_json::Error::custom(format!("answer of _type {ty}: {e}")))
        }
        let ty = match value.get("_type").and_then(Value::as_str) {
            Some(ty) => ty.to_owned(),
            None => return Ok(Answer::Unknown(value)),
        };
        Ok(match ty.as_str() {
            "V4/Charge/PaymentForm" => Answer::PaymentForm(decode(&ty, value)?),
            "V4/Payment" => Answer::Payment(decode(&ty, value)?),
            "V4/Transaction" | "V4/PaymentTransaction" => Answer::Transaction(decode(&ty, value)?),
            "V4/OrderTransactions" => Answer::OrderTransactions(decode(&ty, value)?),
            "V4/PaymentOrder" => Answer::PaymentOrder(decode(&ty, value)?),
            "V4/Token" => Answer::Token(decode(&ty, value)?),
            "V4/Subscription" => Answer::Subscription(decode(&ty, value)?),
            "V4/SubscriptionCreated" => Answer::SubscriptionCreated(decode(&ty, value)?),
            "V4/Common/ResponseCodeAnswer" => Answer::ResponseCode(decode(&ty, value)?),
            "V4/Type/String" => Answer::String(decode(&ty, value)?),
            "V4/WebService/WebServiceError" => Answer::Error(decode(&ty, value)?),
            _ => Answer::Unknown(value),
        })
    }
}

impl<'de> Deserialize<'de> for Answer {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = Value::deserialize(deserializer)?;
        if !value.is_object() {
            return Err(D::Error::custom("answer: expected a JSON object"));
        }
        Answer::from_value(value).map_err(D::Error::custom)
    }
}

impl Serialize for Answer {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Answer::PaymentForm(a) => a.serialize(serializer),
            Answer::Payment(a) => a.serialize(serializer),
            Answer::Transaction(a) => a.serialize(serializer),
            Answer::OrderTransactions(a) => a.serialize(serializer),
            Answer::PaymentOrder(a) => a.serialize(serializer),
            Answer::Token(a) => a.serialize(serializer),
            Answer::Subscription(a) => a.serialize(serializer),
            Answer::SubscriptionCreated(a) => a.serialize(serializer),
            Answer::ResponseCode(a) => a.serialize(serializer),
            Answer::String(a) => a.serialize(serializer),
            Answer::Error(a) => a.serialize(serializer),
            Answer::Unknown(v) => v.serialize(serializer),
        }
    }
}

impl schemars::JsonSchema for Answer {
    fn schema_name() -> String {
        "Answer".to_owned()
    }
    fn json_schema(gen: &mut schemars::gen::SchemaGenerator) -> schemars::schema::Schema {
        use schemars::schema::{Schema, SchemaObject, SubschemaValidation};
        let known = vec![
            gen.subschema_for::<types::PaymentForm>(),
            gen.subschema_for::<types::Payment>(),
            gen.subschema_for::<types::Transaction>(),
            gen.subschema_for::<types::OrderTransactions>(),
            gen.subschema_for::<types::PaymentOrder>(),
            gen.subschema_for::<types::Token>(),
            gen.subschema_for::<types::Subscription>(),
            gen.subschema_for::<types::SubscriptionCreated>(),
            gen.subschema_for::<types::ResponseCodeAnswer>(),
            gen.subschema_for::<types::TypeString>(),
            gen.subschema_for::<types::WebServiceError>(),
            // Unknown answers: any object.
            Schema::Object(SchemaObject {
                instance_type: Some(schemars::schema::InstanceType::Object.into()),
                ..Default::default()
            }),
        ];
        Schema::Object(SchemaObject {
            subschemas: Some(Box::new(SubschemaValidation {
                any_of: Some(known),
                ..Default::default()
            })),
            ..Default::default()
        })
    }
}
