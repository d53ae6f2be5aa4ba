//! The BIN-update callback: changing the amount once the shopper has typed their card number.
//!
//! "Modificar el monto en función del código BIN" in <https://secure.micuentaweb.pe/doc/es-PE/rest/V4.0/javascript/guide/features.html>:
//! a page that calls
//! `KR.setBinUpdateNotificationUrl('/bin-update')` makes the embedded form POST a small JSON
//! document to that URL of **your** server as soon as the shopper has entered the first digits
//! of the card (the BIN). Your handler decides a new, **lower** amount for that BIN (a card
//! brand discount, say), calls `Charge/UpdatePaymentAmount` with
//! `{formToken, cardBin, updatedAmount}`, and answers the form with the new formToken — or the
//! original one to keep the price.
//!
//! Payload fields, from Lyra's `AmountUpdateCallback.php` example
//! (lyra/rest-php-examples@404da02, `www/amount_update/AmountUpdateCallback.php`) and the page
//! above: `formToken`,
//! `bin` and `amount` (smallest currency unit). The exact field set, whether `amount` is a
//! number or a string, the `cardBin` spelling and any `currency` field are **UNCONFIRMED**:
//! [`BinUpdateNotification`] accepts both spellings and both amount forms, and keeps unknown
//! fields in [`BinUpdateNotification::other`].
//!
//! **This request is not signed.** Anyone can POST it. Compute the new amount from your own
//! order data (looked up by formToken), never from the posted `amount`, and only ever lower it:
//! the gateway refuses raises anyway.
//!
//! # Answering it
//!
//! ```no_run
//! use pasarela::lyra::bin_update::{BinUpdateAnswer, BinUpdateNotification};
//! use pasarela::lyra::LyraClient;
//!
//! /// Your order lookup: what you charge for this formToken (never the posted amount).
//! fn order_amount(form_token: &str) -> Option<u64> {
//!     # let _ = form_token;
//!     Some(25_000)
//! }
//!
//! /// The handler of `POST /bin-update`; answer HTTP 200 with
//! /// `serde_json::to_vec(&answer)` and `Content-Type: application/json`.
//! async fn bin_update(
//!     client: &LyraClient,
//!     body: &[u8],
//! ) -> Result<BinUpdateAnswer, Box<dyn std::error::Error>> {
//!     let notification = BinUpdateNotification::from_json(body)?;
//!     let Some(amount) = order_amount(&notification.form_token) else {
//!         return Ok(notification.keep_amount());
//!     };
//!     let discounted = match notification.bin.as_str() {
//!         "59701003" => amount - 1000, // 10.00 PEN off with this Mastercard BIN (the doc's example)
//!         _ => return Ok(notification.keep_amount()),
//!     };
//!     // Charge/UpdatePaymentAmount answers a V4/Charge/PaymentForm with the new formToken.
//!     let form = client
//!         .update_payment_amount(notification.update_request(discounted)?)
//!         .await?;
//!     Ok(BinUpdateAnswer::new(form.form_token))
//! }
//! ```

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer, Serialize};

use crate::lyra::types::UpdatePaymentAmountRequest;

/// What the embedded form POSTs (JSON) to the URL given to `KR.setBinUpdateNotificationUrl`.
/// Untrusted: it is not signed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BinUpdateNotification {
    /// The formToken the form was displayed with.
    #[serde(rename = "formToken")]
    pub form_token: String,
    /// The card BIN the shopper typed (first 6 to 8 digits). Sent as `bin` in Lyra's example;
    /// `cardBin` is accepted too (UNCONFIRMED).
    #[serde(alias = "cardBin")]
    pub bin: String,
    /// The current amount in the smallest currency unit, if sent (number or numeric string;
    /// UNCONFIRMED). Informational: take the amount from your own order.
    #[serde(
        default,
        deserialize_with = "amount_number_or_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub amount: Option<u64>,
    /// ISO 4217 currency, if sent (UNCONFIRMED).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
    /// Every other field, as received.
    #[serde(flatten)]
    pub other: BTreeMap<String, serde_json::Value>,
}

/// The JSON answer the form expects: `{"formToken": "…"}` — the new token, or the original
/// one to keep the amount.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BinUpdateAnswer {
    /// The formToken the form should continue with.
    #[serde(rename = "formToken")]
    pub form_token: String,
}

impl BinUpdateAnswer {
    /// An answer carrying `form_token`.
    pub fn new(form_token: impl Into<String>) -> Self {
        BinUpdateAnswer {
            form_token: form_token.into(),
        }
    }
}

/// Why a BIN-update callback could not be handled.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BinUpdateError {
    /// The body is not the expected JSON (message with the JSON path).
    #[error("invalid BIN-update payload: {0}")]
    InvalidPayload(String),
    /// The UpdatePaymentAmount request cannot be built (a BIN that is not 6–8 digits, an
    /// empty formToken…).
    #[error("cannot build Charge/UpdatePaymentAmount: {0}")]
    InvalidRequest(String),
}

impl BinUpdateNotification {
    /// Largest payload accepted (the real one is well under 1 KB plus the formToken).
    pub const MAX_BODY_BYTES: usize = 64 * 1024;

    /// Decodes the posted JSON body.
    pub fn from_json(body: &[u8]) -> Result<Self, BinUpdateError> {
        if body.len() > Self::MAX_BODY_BYTES {
            return Err(BinUpdateError::InvalidPayload(format!(
                "{} bytes, more than {}",
                body.len(),
                Self::MAX_BODY_BYTES
            )));
        }
        let deserializer = &mut serde_json::Deserializer::from_slice(body);
        serde_path_to_error::deserialize(deserializer).map_err(|e| {
            let path = e.path().to_string();
            BinUpdateError::InvalidPayload(format!("at {path}: {}", e.into_inner()))
        })
    }

    /// The `Charge/UpdatePaymentAmount` request lowering this form's amount to
    /// `updated_amount` (smallest currency unit) for this BIN.
    pub fn update_request(
        &self,
        updated_amount: u64,
    ) -> Result<UpdatePaymentAmountRequest, BinUpdateError> {
        let invalid = |field: &str, e: &dyn std::fmt::Display| {
            BinUpdateError::InvalidRequest(format!("{field}: {e}"))
        };
        Ok(UpdatePaymentAmountRequest {
            card_bin: self.bin.parse().map_err(|e| invalid("cardBin", &e))?,
            form_token: self
                .form_token
                .parse()
                .map_err(|e| invalid("formToken", &e))?,
            updated_amount: updated_amount
                .to_string()
                .parse()
                .map_err(|e| invalid("updatedAmount", &e))?,
        })
    }

    /// The answer keeping the current amount (the original formToken).
    pub fn keep_amount(&self) -> BinUpdateAnswer {
        BinUpdateAnswer::new(self.form_token.clone())
    }
}

fn amount_number_or_string<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<u64>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum NumberOrString {
        Number(u64),
        String(String),
    }
    match Option::<NumberOrString>::deserialize(deserializer)? {
        None => Ok(None),
        Some(NumberOrString::Number(n)) => Ok(Some(n)),
        Some(NumberOrString::String(s)) => s
            .parse()
            .map(Some)
            .map_err(|_| serde::de::Error::custom(format!("amount {s:?} is not a whole number"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_lyras_example_payload() {
        let n = BinUpdateNotification::from_json(
            br#"{"formToken":"tok","bin":"59701003","amount":250}"#,
        )
        .unwrap();
        assert_eq!(
            (n.form_token.as_str(), n.bin.as_str(), n.amount),
            ("tok", "59701003", Some(250))
        );
        let request = n.update_request(200).unwrap();
        assert_eq!(
            serde_json::to_value(&request).unwrap(),
            serde_json::json!({"cardBin": "59701003", "formToken": "tok", "updatedAmount": "200"})
        );
    }

    #[test]
    fn accepts_card_bin_spelling_string_amounts_and_extra_fields() {
        let n = BinUpdateNotification::from_json(
            br#"{"formToken":"t","cardBin":"37828200","amount":"990","currency":"PEN","x":1}"#,
        )
        .unwrap();
        assert_eq!(n.bin, "37828200");
        assert_eq!(n.amount, Some(990));
        assert_eq!(n.currency.as_deref(), Some("PEN"));
        assert_eq!(n.other.get("x"), Some(&serde_json::json!(1)));
    }

    #[test]
    fn errors_name_the_field() {
        let err =
            BinUpdateNotification::from_json(br#"{"formToken":"t","bin":"1","amount":"ten"}"#)
                .unwrap_err();
        assert!(err.to_string().contains("amount"), "{err}");
        let err = BinUpdateNotification::from_json(br#"{"bin":"1"}"#).unwrap_err();
        assert!(err.to_string().contains("formToken"), "{err}");
    }

    #[test]
    fn a_bin_that_is_not_6_to_8_digits_is_refused() {
        let n = BinUpdateNotification::from_json(br#"{"formToken":"t","bin":"12ab"}"#).unwrap();
        assert!(
            matches!(n.update_request(1), Err(BinUpdateError::InvalidRequest(m)) if m.starts_with("cardBin"))
        );
        assert_eq!(n.keep_amount(), BinUpdateAnswer::new("t"));
    }
}
