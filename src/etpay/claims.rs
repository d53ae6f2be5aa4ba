//! The claims of ETpay's JWTs, decoded tolerantly, and the order cross-check.
//!
//! These types replace the spec's `PaymentClaims`, `PaymentStatus` and `SystemErrorClaims`
//! components in the generated code (build.rs `replacements`), so the JWT verifier and
//! `check_payment_status` share one type. ETpay documents a single example payload, so every
//! claim the flow can live without is optional and unknown claims are kept in `extra`.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize};

/// Result of a payment: ETpay's SDK shows a boolean, a production merchant sees a string.
///
/// ```
/// use pasarela::etpay::PaymentStatus;
/// let s: PaymentStatus = serde_json::from_str("\"success\"").unwrap();
/// assert!(s.is_paid());
/// let s: PaymentStatus = serde_json::from_str("false").unwrap();
/// assert!(!s.is_paid());
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(untagged)]
pub enum PaymentStatus {
    /// `true` (paid) or `false`, as in ETpay's SDK README.
    Bool(bool),
    /// A string such as `"success"`; only `"success"` means paid.
    Text(String),
}

impl PaymentStatus {
    /// True for `true` and for the exact string `"success"`; every other value means not paid.
    pub fn is_paid(&self) -> bool {
        match self {
            PaymentStatus::Bool(paid) => *paid,
            PaymentStatus::Text(text) => text == "success",
        }
    }
}

impl fmt::Display for PaymentStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PaymentStatus::Bool(b) => write!(f, "{b}"),
            PaymentStatus::Text(t) => f.write_str(t),
        }
    }
}

impl FromStr for PaymentStatus {
    type Err = std::convert::Infallible;

    /// `"true"`/`"false"` become booleans, anything else is kept as text.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s {
            "true" => PaymentStatus::Bool(true),
            "false" => PaymentStatus::Bool(false),
            other => PaymentStatus::Text(other.to_owned()),
        })
    }
}

/// Claims of a payment-result JWT (webhook, `?jwt=` redirect) and one element of the
/// `check_payment_status` answer.
///
/// Only `session_token` is required: it is how the merchant finds the session's key.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub struct PaymentClaims {
    /// The session token (`token` from `/session/initialize`).
    pub session_token: String,
    /// Bank of the merchant's receiving account, e.g. `cl_estado`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merchant_account_bank: Option<String>,
    /// Type of the merchant's receiving account, e.g. `cuenta_vista`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merchant_account_type: Option<String>,
    /// The merchant's receiving account number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merchant_account: Option<String>,
    /// The merchant's display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merchant_name: Option<String>,
    /// Currency of the merchant account, e.g. `CLP`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merchant_currency: Option<String>,
    /// The merchant's order id given at session creation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merchant_order_id: Option<String>,
    /// The amount (called `order_amount` in the request). A numeric string is accepted too.
    #[serde(
        default,
        deserialize_with = "amount_lenient",
        skip_serializing_if = "Option::is_none"
    )]
    pub merchant_amount: Option<i64>,
    /// The payer's bank, as a display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_bank: Option<String>,
    /// The payer's RUT, without dots or dash.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_rut: Option<String>,
    /// The payer's account, free text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_account: Option<String>,
    /// Id of the payment attempt (quote it to ETpay support, or query `check_payment_status`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment_token: Option<String>,
    /// The result; use [`PaymentClaims::is_paid`] rather than matching on it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment_status: Option<PaymentStatus>,
    /// How the payment was processed, e.g. `auto`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment_process: Option<String>,
    /// Issued-at time (Unix seconds). The verifier requires it in JWTs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iat: Option<u64>,
    /// Claims this crate does not know, kept as received.
    #[serde(flatten)]
    pub extra: BTreeMap<String, serde_json::Value>,
}

impl PaymentClaims {
    /// True only when `payment_status` is `true` or `"success"`; a missing status is not paid.
    pub fn is_paid(&self) -> bool {
        self.payment_status
            .as_ref()
            .is_some_and(PaymentStatus::is_paid)
    }

    /// Compares the claims with the merchant's own order and lists every field that differs
    /// (a missing claim counts as different). Run it on *verified* claims before shipping.
    ///
    /// ```
    /// use pasarela::etpay::{OrderMismatch, PaymentClaims};
    /// let claims: PaymentClaims = serde_json::from_str(
    ///     r#"{"session_token":"t","merchant_order_id":"oc1","merchant_amount":1000}"#).unwrap();
    /// assert_eq!(claims.cross_check("oc1", 1000), Ok(()));
    /// assert_eq!(
    ///     claims.cross_check("oc1", 2000),
    ///     Err(vec![OrderMismatch::Amount { expected: 2000, found: Some(1000) }])
    /// );
    /// ```
    pub fn cross_check(
        &self,
        merchant_order_id: &str,
        amount: i64,
    ) -> Result<(), Vec<OrderMismatch>> {
        let mut differences = Vec::new();
        if self.merchant_order_id.as_deref() != Some(merchant_order_id) {
            differences.push(OrderMismatch::OrderId {
                expected: merchant_order_id.to_owned(),
                found: self.merchant_order_id.clone(),
            });
        }
        if self.merchant_amount != Some(amount) {
            differences.push(OrderMismatch::Amount {
                expected: amount,
                found: self.merchant_amount,
            });
        }
        if differences.is_empty() {
            Ok(())
        } else {
            Err(differences)
        }
    }
}

/// One difference found by [`PaymentClaims::cross_check`].
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum OrderMismatch {
    /// `merchant_order_id` differs from the merchant's order (or is missing).
    OrderId {
        /// The merchant's order id.
        expected: String,
        /// What the claims say (`None`: the claim is missing).
        found: Option<String>,
    },
    /// `merchant_amount` differs from the merchant's amount (or is missing).
    Amount {
        /// The merchant's amount.
        expected: i64,
        /// What the claims say (`None`: the claim is missing).
        found: Option<i64>,
    },
}

impl fmt::Display for OrderMismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OrderMismatch::OrderId {
                expected,
                found: Some(found),
            } => {
                write!(f, "merchant_order_id is {found:?}, expected {expected:?}")
            }
            OrderMismatch::OrderId {
                expected,
                found: None,
            } => {
                write!(f, "merchant_order_id is missing, expected {expected:?}")
            }
            OrderMismatch::Amount {
                expected,
                found: Some(found),
            } => {
                write!(f, "merchant_amount is {found}, expected {expected}")
            }
            OrderMismatch::Amount {
                expected,
                found: None,
            } => {
                write!(f, "merchant_amount is missing, expected {expected}")
            }
        }
    }
}

/// Claims of the system-error JWT ETpay sends when its backend fails. It is signed with the
/// session token, so it is weaker evidence than [`PaymentClaims`]: treat it as "state unknown".
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub struct SystemErrorClaims {
    /// The session token (also the key of this JWT).
    pub session_token: String,
    /// `true` in this variant.
    pub system_error: bool,
    /// Issued-at time (Unix seconds).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iat: Option<u64>,
    /// Claims this crate does not know, kept as received.
    #[serde(flatten)]
    pub extra: BTreeMap<String, serde_json::Value>,
}

/// Accepts `1000`, `"1000"` or `null` for an amount; why: ETpay's types are documented by a
/// single example, and a string amount must not make an authentic notification unreadable.
fn amount_lenient<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<i64>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Amount {
        Int(i64),
        Text(String),
    }
    match Option::<Amount>::deserialize(deserializer)? {
        None => Ok(None),
        Some(Amount::Int(n)) => Ok(Some(n)),
        Some(Amount::Text(s)) => s.trim().parse().map(Some).map_err(|_| {
            serde::de::Error::custom(format!("merchant_amount {s:?} is not an integer"))
        }),
    }
}
