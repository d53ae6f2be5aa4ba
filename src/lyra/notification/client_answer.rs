//! The `KR.onSubmit` payload of a single-page checkout, as the page posts it (JSON).
//!
//! Only the five signature members are read (`hash`, `hashAlgorithm`, `hashKey`, `_type`,
//! `rawClientAnswer`), each at most once and as a string; `clientAnswer` (the parsed copy) and
//! anything else are skipped without being trusted.

use std::fmt;

use serde::de::{self, Deserializer, IgnoredAny, MapAccess, Visitor};

use super::error::{Field, NotificationError};

/// The signature members of the payload, by [`Field`].
#[derive(Default)]
pub(super) struct ClientFields {
    pub signed: [Option<String>; 5],
    /// Other top-level members that are strings (`serverDate`, `formId`…), unsigned.
    pub extra: Vec<(String, String)>,
    /// The first member that was not where it should be: a duplicate or a non-string.
    pub problem: Option<NotificationError>,
}

/// The JSON member name of a signature field in the `onSubmit` payload.
pub(super) fn json_name(field: Field) -> &'static str {
    match field {
        Field::Hash => "hash",
        Field::HashAlgorithm => "hashAlgorithm",
        Field::HashKey => "hashKey",
        Field::AnswerType => "_type",
        Field::Answer => "rawClientAnswer",
    }
}

fn field_of(name: &str) -> Option<Field> {
    Field::ALL.into_iter().find(|f| json_name(*f) == name)
}

/// A JSON value that is kept when it is a string and otherwise skipped.
struct MaybeString(Option<String>);

impl<'de> de::Deserialize<'de> for MaybeString {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = MaybeString;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<MaybeString, E> {
                Ok(MaybeString(Some(v.to_owned())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<MaybeString, E> {
                Ok(MaybeString(Some(v)))
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<MaybeString, E> {
                Ok(MaybeString(None))
            }
            fn visit_i64<E: de::Error>(self, _: i64) -> Result<MaybeString, E> {
                Ok(MaybeString(None))
            }
            fn visit_u64<E: de::Error>(self, _: u64) -> Result<MaybeString, E> {
                Ok(MaybeString(None))
            }
            fn visit_f64<E: de::Error>(self, _: f64) -> Result<MaybeString, E> {
                Ok(MaybeString(None))
            }
            fn visit_unit<E: de::Error>(self) -> Result<MaybeString, E> {
                Ok(MaybeString(None))
            }
            fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<MaybeString, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(MaybeString(None))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<MaybeString, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(MaybeString(None))
            }
        }
        deserializer.deserialize_any(V)
    }
}

impl<'de> de::Deserialize<'de> for ClientFields {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = ClientFields;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object (the KR.onSubmit payload)")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<ClientFields, A::Error> {
                let mut out = ClientFields::default();
                while let Some(name) = map.next_key::<String>()? {
                    match field_of(&name) {
                        Some(field) => {
                            let MaybeString(value) = map.next_value()?;
                            let slot = &mut out.signed[field.index()];
                            let problem = match value {
                                None => Some(NotificationError::NotAString(json_name(field))),
                                Some(_) if slot.is_some() => {
                                    Some(NotificationError::DuplicateJsonField(json_name(field)))
                                }
                                Some(value) => {
                                    *slot = Some(value);
                                    None
                                }
                            };
                            if out.problem.is_none() {
                                out.problem = problem;
                            }
                        }
                        None => {
                            if let MaybeString(Some(value)) = map.next_value()? {
                                out.extra.push((name, value));
                            }
                        }
                    }
                }
                Ok(out)
            }
        }
        deserializer.deserialize_map(V)
    }
}

/// Parses the payload; only the signature members are kept.
pub(super) fn parse(body: &[u8]) -> Result<ClientFields, NotificationError> {
    // The error names the place, never the content (which is attacker-controlled).
    let fields: ClientFields = serde_json::from_slice(body).map_err(|e| {
        NotificationError::NotJson(format!(
            "{:?} error at line {} column {}",
            e.classify(),
            e.line(),
            e.column()
        ))
    })?;
    match fields.problem {
        Some(problem) => Err(problem),
        None => Ok(fields),
    }
}
