//! Card data of the PCI-DSS web services: the card number ([`Pan`]) and the security code
//! ([`SecurityCode`]).
//!
//! They replace the spec components `Pan` and `SecurityCode` in the generated types (build.rs
//! `replacements`, see `openapi/README.md`), so a request printed with `{:?}`, a builder's
//! error or a log line never carries them: a `Pan` prints its first 6 and last 4 digits only
//! (`497010XXXXXX0055`, the gateway's own mask), a `SecurityCode` prints `[redacted]`. Both
//! serialise as the plain string the gateway needs, and both check their format when they are
//! built or decoded, with errors that never quote the value.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::Secret;

/// Why a card number or security code was refused. The message never contains the value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CardDataError(&'static str);

impl fmt::Display for CardDataError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

impl std::error::Error for CardDataError {}

fn all_digits(value: &str, lengths: std::ops::RangeInclusive<usize>) -> bool {
    lengths.contains(&value.len()) && value.bytes().all(|b| b.is_ascii_digit())
}

/// The number of digits shown at each end of a masked card number.
const SHOWN_FIRST: usize = 6;
const SHOWN_LAST: usize = 4;

/// Masks a card number as the gateway does: its first 6 and last 4 digits, `X` in between.
/// Anything shorter than a card number (12 characters) is masked entirely.
pub fn mask_pan(pan: &str) -> String {
    let len = pan.chars().count();
    if len < 12 {
        return "X".repeat(len);
    }
    pan.chars()
        .enumerate()
        .map(|(i, c)| {
            if i < SHOWN_FIRST || i >= len - SHOWN_LAST {
                c
            } else {
                'X'
            }
        })
        .collect()
}

/// A card number (PAN): 12 to 19 digits. `Debug` and `Display` show it masked
/// (`497010XXXXXX0055`); [`Pan::expose`] is the only way to read it whole.
///
/// ```
/// use pasarela::lyra::card_data::Pan;
/// let pan: Pan = "4970100000000055".parse().unwrap();
/// assert_eq!(format!("{pan:?}"), "Pan(497010XXXXXX0055)");
/// assert_eq!(pan.to_string(), "497010XXXXXX0055");
/// assert_eq!(serde_json::to_string(&pan).unwrap(), "\"4970100000000055\"");
/// assert!("4970 1000".parse::<Pan>().is_err());
/// ```
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Pan(String);

impl Pan {
    /// A card number, checked: 12 to 19 digits, nothing else.
    ///
    /// # Errors
    /// When it is not; the error does not quote it.
    pub fn new(value: impl Into<String>) -> Result<Pan, CardDataError> {
        let value = value.into();
        if all_digits(&value, 12..=19) {
            Ok(Pan(value))
        } else {
            Err(CardDataError("a card number (PAN) must be 12 to 19 digits"))
        }
    }

    /// The whole number. Call it only to hand the number to the gateway or a card test.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The masked number: first 6 and last 4 digits.
    pub fn masked(&self) -> String {
        mask_pan(&self.0)
    }

    /// The first 6 digits (the BIN), which are not secret.
    pub fn bin(&self) -> &str {
        &self.0[..SHOWN_FIRST]
    }
}

impl fmt::Debug for Pan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Pan({})", self.masked())
    }
}

impl fmt::Display for Pan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.masked())
    }
}

/// The card's security code (CVV, CVC): 3 or 4 digits, held as a [`Secret`]. `Debug` and
/// `Display` print `[redacted]`; [`SecurityCode::expose`] is the only way to read it.
///
/// ```
/// use pasarela::lyra::card_data::SecurityCode;
/// let code: SecurityCode = "9731".parse().unwrap();
/// assert_eq!(format!("{code:?}"), "SecurityCode([redacted])");
/// assert_eq!(serde_json::to_string(&code).unwrap(), "\"9731\"");
/// assert!("97a".parse::<SecurityCode>().is_err());
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct SecurityCode(Secret);

impl SecurityCode {
    /// A security code, checked: 3 or 4 digits.
    ///
    /// # Errors
    /// When it is not; the error does not quote it.
    pub fn new(value: impl Into<String>) -> Result<SecurityCode, CardDataError> {
        let value = value.into();
        if all_digits(&value, 3..=4) {
            Ok(SecurityCode(Secret::new(value)))
        } else {
            Err(CardDataError("a security code must be 3 or 4 digits"))
        }
    }

    /// The code. Call it only to hand the code to the gateway.
    pub fn expose(&self) -> &str {
        self.0.expose()
    }
}

impl fmt::Debug for SecurityCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecurityCode([redacted])")
    }
}

impl fmt::Display for SecurityCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

/// Reads a card string without ever quoting what it got: serde's own errors for a wrong
/// type quote the value (`invalid type: integer \`4970…\``), so every non-string is refused
/// with a fixed message instead.
struct CardStringVisitor(&'static str);

impl CardStringVisitor {
    fn refuse<T, E: serde::de::Error>(&self) -> Result<T, E> {
        Err(E::custom(format!(
            "{}: expected a string of digits",
            self.0
        )))
    }
}

impl<'de> serde::de::Visitor<'de> for CardStringVisitor {
    type Value = String;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} as a string of digits", self.0)
    }
    fn visit_str<E: serde::de::Error>(self, value: &str) -> Result<String, E> {
        Ok(value.to_owned())
    }
    fn visit_string<E: serde::de::Error>(self, value: String) -> Result<String, E> {
        Ok(value)
    }
    fn visit_u64<E: serde::de::Error>(self, _: u64) -> Result<String, E> {
        self.refuse()
    }
    fn visit_i64<E: serde::de::Error>(self, _: i64) -> Result<String, E> {
        self.refuse()
    }
    fn visit_f64<E: serde::de::Error>(self, _: f64) -> Result<String, E> {
        self.refuse()
    }
    fn visit_bool<E: serde::de::Error>(self, _: bool) -> Result<String, E> {
        self.refuse()
    }
    fn visit_bytes<E: serde::de::Error>(self, _: &[u8]) -> Result<String, E> {
        self.refuse()
    }
    fn visit_unit<E: serde::de::Error>(self) -> Result<String, E> {
        self.refuse()
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, _: A) -> Result<String, A::Error> {
        self.refuse()
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, _: A) -> Result<String, A::Error> {
        self.refuse()
    }
}

/// `FromStr`, `TryFrom<&str>`, `TryFrom<String>`, serde (the plain string on the wire, checked
/// when decoded) and a string JSON Schema, for both types.
macro_rules! card_string {
    ($name:ident) => {
        impl FromStr for $name {
            type Err = CardDataError;
            fn from_str(value: &str) -> Result<Self, Self::Err> {
                $name::new(value)
            }
        }

        impl TryFrom<&str> for $name {
            type Error = CardDataError;
            fn try_from(value: &str) -> Result<Self, Self::Error> {
                $name::new(value)
            }
        }

        impl TryFrom<&String> for $name {
            type Error = CardDataError;
            fn try_from(value: &String) -> Result<Self, Self::Error> {
                $name::new(value.as_str())
            }
        }

        impl TryFrom<String> for $name {
            type Error = CardDataError;
            fn try_from(value: String) -> Result<Self, Self::Error> {
                $name::new(value)
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                // The wire needs the value: the one place it leaves the wrapper.
                serializer.serialize_str(self.expose())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let value = deserializer.deserialize_any(CardStringVisitor(stringify!($name)))?;
                $name::new(value).map_err(serde::de::Error::custom)
            }
        }

        #[cfg(feature = "schemars")]
        impl schemars::JsonSchema for $name {
            fn schema_name() -> String {
                stringify!($name).to_owned()
            }
            fn json_schema(gen: &mut schemars::gen::SchemaGenerator) -> schemars::schema::Schema {
                <String as schemars::JsonSchema>::json_schema(gen)
            }
        }
    };
}

card_string!(Pan);
card_string!(SecurityCode);

#[cfg(test)]
mod tests {
    use super::*;

    const PAN: &str = "4970100000000055";

    #[test]
    fn masks_keep_six_and_four() {
        assert_eq!(mask_pan(PAN), "497010XXXXXX0055");
        assert_eq!(mask_pan("5970100300000018123"), "597010XXXXXXXXX8123");
        assert_eq!(mask_pan("1234567890"), "XXXXXXXXXX");
        assert_eq!(
            mask_pan("12345678901"),
            "XXXXXXXXXXX",
            "shorter than a card number"
        );
        assert_eq!(Pan::new(PAN).unwrap().bin(), "497010");
    }

    #[test]
    fn bad_values_are_refused_without_being_quoted() {
        for bad in [
            "4970-1000-0000-0055",
            "49701000",
            "49701000000000551234",
            "",
        ] {
            let error = Pan::new(bad).unwrap_err().to_string();
            assert!(bad.is_empty() || !error.contains(bad), "{error}");
            let decoded = serde_json::from_value::<Pan>(serde_json::json!(bad)).unwrap_err();
            assert!(
                bad.is_empty() || !decoded.to_string().contains(bad),
                "{decoded}"
            );
        }
        for wrong_type in [
            serde_json::json!(4970100000000055_u64),
            serde_json::json!(9731),
        ] {
            let pan = serde_json::from_value::<Pan>(wrong_type.clone())
                .unwrap_err()
                .to_string();
            let code = serde_json::from_value::<SecurityCode>(wrong_type)
                .unwrap_err()
                .to_string();
            assert!(
                !pan.contains("4970100000000055") && !pan.contains("9731"),
                "{pan}"
            );
            assert!(
                !code.contains("4970100000000055") && !code.contains("9731"),
                "{code}"
            );
        }
        assert!(SecurityCode::new("12").is_err());
        let error = serde_json::from_value::<SecurityCode>(serde_json::json!("97310"))
            .unwrap_err()
            .to_string();
        assert!(!error.contains("97310"), "{error}");
    }

    #[test]
    fn the_wire_keeps_the_values() {
        let pan: Pan = serde_json::from_value(serde_json::json!(PAN)).unwrap();
        assert_eq!(serde_json::to_value(&pan).unwrap(), PAN);
        let code = SecurityCode::new("9731").unwrap();
        assert_eq!(serde_json::to_value(&code).unwrap(), "9731");
        assert_eq!(code.expose(), "9731");
        assert!(!format!("{code:?}{code}").contains("9731"));
        assert!(!format!("{pan:?}{pan}").contains(PAN));
    }
}
