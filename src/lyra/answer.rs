//! The `answer` of a V4 envelope, dispatched on its `_type`.
//!
//! The spec describes `answer` as a `oneOf` with a `_type` discriminator. progenitor would turn
//! it into an untagged enum whose errors only say "data did not match any variant", and an
//! answer type this crate does not know would fail the whole response. This hand-written enum
//! (wired in with `with_replacement`, see `openapi/README.md`) reads `_type` first, decodes
//! the matching generated type, and keeps an unknown `_type` as raw JSON.
//!
//! The variants are not listed by hand: `build.rs` reads the spec's `Answer` discriminator and
//! invokes `answers!` with each component and the `_type` tags that map to it.

use serde::{de::Error as _, Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

use super::types;

/// An answer type a web service returns, extracted from [`Answer`].
pub trait FromAnswer: Sized {
    /// The `_type` this answer has on the wire (for error messages).
    const TYPE: &'static str;
    /// The typed answer, or the answer back when it has another `_type`.
    ///
    /// # Errors
    /// Returns the answer unchanged when it is not of this type.
    #[allow(clippy::result_large_err)] // the answer is handed back whole, by design
    fn from_answer(answer: Answer) -> Result<Self, Answer>;
}

impl FromAnswer for Answer {
    const TYPE: &'static str = "any";
    fn from_answer(answer: Answer) -> Result<Self, Answer> {
        Ok(answer)
    }
}

/// Decodes `value` as the answer of `_type` `ty`, naming the type in the error.
fn decode<T: serde::de::DeserializeOwned>(ty: &str, value: Value) -> Result<T, serde_json::Error> {
    serde_json::from_value(value)
        .map_err(|e| serde_json::Error::custom(format!("answer of _type {ty}: {e}")))
}

/// Defines [`Answer`] and its conversions from `Component: "tag" | "other tag";` lines.
macro_rules! answers {
    ($($variant:ident: $tag:literal $(| $more:literal)*;)*) => {
        /// The business object of an answer, one variant per component of the spec's `Answer`
        /// discriminator (named as the component), plus `Unknown`.
        #[derive(Clone, Debug, PartialEq)]
        #[non_exhaustive]
        #[allow(clippy::large_enum_variant)] // answers are read once and moved out
        pub enum Answer {
            $(
                #[doc = concat!("`", $tag, "`", $(" or `", $more, "`",)* ".")]
                $variant(types::$variant),
            )*
            /// An answer whose `_type` this crate does not know (or lacks), kept exactly as
            /// received.
            Unknown(Value),
        }

        impl Answer {
            /// The `_type` the answer carries (for `Unknown`, whatever it holds, if anything).
            pub fn type_name(&self) -> Option<&str> {
                if let Some(tag) = self.own_tag() {
                    return Some(tag);
                }
                match self {
                    $(Answer::$variant(_) => Some($tag),)*
                    Answer::Unknown(v) => v.get("_type").and_then(Value::as_str),
                }
            }

            /// Decodes an answer from a JSON value, dispatching on `_type`.
            ///
            /// # Errors
            /// When `_type` names a known answer but the object does not match its schema; the
            /// error names the `_type` and serde's reason.
            pub fn from_value(value: Value) -> Result<Self, serde_json::Error> {
                let Some(ty) = value.get("_type").and_then(Value::as_str).map(str::to_owned) else {
                    return Ok(Answer::Unknown(value));
                };
                Ok(match ty.as_str() {
                    $($tag $(| $more)* => Answer::$variant(decode(&ty, value)?),)*
                    _ => Answer::Unknown(value),
                })
            }
        }

        impl Serialize for Answer {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                match self {
                    $(Answer::$variant(a) => a.serialize(serializer),)*
                    Answer::Unknown(v) => v.serialize(serializer),
                }
            }
        }

        #[cfg(feature = "schemars")]
        impl schemars::JsonSchema for Answer {
            fn schema_name() -> String {
                "Answer".to_owned()
            }
            fn json_schema(gen: &mut schemars::gen::SchemaGenerator) -> schemars::schema::Schema {
                use schemars::schema::{InstanceType, Schema, SchemaObject, SubschemaValidation};
                let mut known = vec![$(gen.subschema_for::<types::$variant>(),)*];
                // Unknown answers: any object.
                known.push(Schema::Object(SchemaObject {
                    instance_type: Some(InstanceType::Object.into()),
                    ..Default::default()
                }));
                Schema::Object(SchemaObject {
                    subschemas: Some(Box::new(SubschemaValidation {
                        any_of: Some(known),
                        ..Default::default()
                    })),
                    ..Default::default()
                })
            }
        }

        $(
            impl From<types::$variant> for Answer {
                fn from(answer: types::$variant) -> Self {
                    Answer::$variant(answer)
                }
            }

            impl FromAnswer for types::$variant {
                const TYPE: &'static str = $tag;
                fn from_answer(answer: Answer) -> Result<Self, Answer> {
                    match answer {
                        Answer::$variant(value) => Ok(value),
                        other => Err(other),
                    }
                }
            }
        )*
    };
}

include!(concat!(env!("OUT_DIR"), "/lyra_answers.rs"));

impl Answer {
    /// The exact tag of the components that several `_type` tags map to (a transaction is
    /// `V4/Transaction` or `V4/PaymentTransaction`); the others have one tag, their variant's.
    fn own_tag(&self) -> Option<&str> {
        match self {
            Answer::Transaction(t) => Some(t.type_.as_str()),
            _ => None,
        }
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
