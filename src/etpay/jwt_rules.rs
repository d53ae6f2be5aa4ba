//! The JWT rules beyond the signature, applied to every ETpay JWT by `jws.rs` and
//! `notification.rs`: no `crit` header (RFC 7515 §4.1.11: extensions we do not implement make
//! the JWS invalid), no repeated key in the header or the claims (a parser that keeps the last
//! of two `system_error` or `payment_status` keys and one that keeps the first would disagree),
//! and `exp` / `nbf` honoured when present (RFC 7519 §4.1.4–5), with the clock-skew leeway.

use std::collections::HashSet;
use std::fmt;

use serde::de::{DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;

use super::VerifyError;

/// Rejects a header with `crit`, whatever its value (even `null` or not a list): this verifier
/// implements no JWS extension.
pub(super) fn reject_crit(
    header: &serde_json::Map<String, serde_json::Value>,
) -> Result<(), VerifyError> {
    let Some(crit) = header.get("crit") else {
        return Ok(());
    };
    let names = match crit {
        serde_json::Value::Array(items) => items
            .iter()
            .map(|item| {
                item.as_str()
                    .map_or_else(|| item.to_string(), str::to_owned)
            })
            .collect(),
        other => vec![other.to_string()],
    };
    Err(VerifyError::CriticalHeader { names })
}

/// Rejects text that is not one JSON value (trailing text included) or in which an object
/// repeats a key, at any depth.
pub(super) fn reject_duplicate_keys(json: &[u8], what: &str) -> Result<(), VerifyError> {
    let mut de = serde_json::Deserializer::from_slice(json);
    match NoDuplicates.deserialize(&mut de).and_then(|()| de.end()) {
        Ok(()) => Ok(()),
        Err(e) => Err(VerifyError::Malformed {
            reason: format!("the JWT {what} is not a JSON object without repeated keys: {e}"),
        }),
    }
}

/// Checks `exp` (not passed) and `nbf` (reached) when the claims carry them, allowing
/// `leeway_secs` of clock skew. Non-numeric values are refused rather than ignored.
pub(super) fn check_time_claims(
    claims_json: &str,
    now: u64,
    leeway_secs: u64,
) -> Result<(), VerifyError> {
    #[derive(Deserialize)]
    struct Times {
        exp: Option<serde_json::Value>,
        nbf: Option<serde_json::Value>,
    }
    let times: Times = serde_json::from_str(claims_json).map_err(|e| invalid(&e.to_string()))?;
    if let Some(exp) = times.exp {
        let exp = numeric_date(&exp, "exp")?;
        if now > exp.saturating_add(leeway_secs) {
            return Err(VerifyError::Expired { exp, now });
        }
    }
    if let Some(nbf) = times.nbf {
        let nbf = numeric_date(&nbf, "nbf")?;
        if nbf > now.saturating_add(leeway_secs) {
            return Err(VerifyError::NotYetValid { nbf, now });
        }
    }
    Ok(())
}

/// A NumericDate (seconds, possibly fractional: the fraction is dropped).
fn numeric_date(value: &serde_json::Value, name: &str) -> Result<u64, VerifyError> {
    if let Some(seconds) = value.as_u64() {
        return Ok(seconds);
    }
    match value.as_f64() {
        // Why: a fractional date is legal; truncating only moves it within the leeway.
        Some(seconds) if seconds.is_finite() && seconds >= 0.0 => Ok(seconds as u64),
        _ => Err(invalid(&format!("{name} is not a NumericDate: {value}"))),
    }
}

fn invalid(reason: &str) -> VerifyError {
    VerifyError::InvalidClaims {
        reason: reason.to_owned(),
    }
}

/// Walks any JSON value, failing on the first object that repeats a key.
struct NoDuplicates;

impl<'de> DeserializeSeed<'de> for NoDuplicates {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for NoDuplicates {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("JSON")
    }

    fn visit_bool<E>(self, _: bool) -> Result<(), E> {
        Ok(())
    }
    fn visit_i64<E>(self, _: i64) -> Result<(), E> {
        Ok(())
    }
    fn visit_u64<E>(self, _: u64) -> Result<(), E> {
        Ok(())
    }
    fn visit_f64<E>(self, _: f64) -> Result<(), E> {
        Ok(())
    }
    fn visit_str<E>(self, _: &str) -> Result<(), E> {
        Ok(())
    }
    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while seq.next_element_seed(NoDuplicates)?.is_some() {}
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut seen = HashSet::new();
        while let Some(key) = map.next_key::<String>()? {
            if !seen.insert(key.clone()) {
                return Err(serde::de::Error::custom(format!("the key {key:?} repeats")));
            }
            map.next_value_seed(NoDuplicates)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_duplicates_are_found() {
        assert!(reject_duplicate_keys(br#"{"a":{"b":1,"b":2}}"#, "claims").is_err());
        assert!(reject_duplicate_keys(br#"{"a":[{"b":1},{"b":2}]}"#, "claims").is_ok());
    }

    #[test]
    fn fractional_dates_are_read_and_negative_ones_refused() {
        assert_eq!(numeric_date(&serde_json::json!(10.9), "exp").unwrap(), 10);
        assert!(numeric_date(&serde_json::json!(-1), "exp").is_err());
        assert!(numeric_date(&serde_json::json!("10"), "exp").is_err());
    }
}
