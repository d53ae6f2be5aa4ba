//! Verifying the JWTs ETpay sends: the webhook notification, the `?jwt=` redirect, and the
//! system-error variant.
//!
//! ETpay signs every JWT about a session with HS256, the key being the UTF-8 bytes of the
//! session's `signature_token` (the system-error JWT uses the session token instead). The
//! algorithm is pinned to HS256 — `none`, HS384/HS512 and RS*/ES* headers are refused — and the
//! claims carry `iat` but no `exp`; an optional maximum age is checked against a [`Clock`].
//! `exp` and `nbf` are honoured when a JWT carries them (with [`FUTURE_SKEW`] of leeway), a
//! header with `crit` is refused (RFC 7515 §4.1.11), and a header or claims object repeating a
//! key is malformed. Bodies, inputs and redirect URLs larger than [`MAX_INPUT_BYTES`] are
//! refused before parsing ([`jwt_from_body`], [`jwt_from_input`], [`jwt_from_redirect`]).
//!
//! ```
//! use pasarela::etpay::{notification, peek_session_token_unverified, sign_for_tests, Notification, Verifier};
//! use pasarela::Secret;
//! # let signature_token = Secret::new("sig-token-stored-with-the-order");
//! # let jwt = sign_for_tests(&serde_json::json!({"session_token": "tok", "merchant_order_id": "oc1",
//! #     "merchant_amount": 1000, "payment_status": true, "iat": 1643663332}), &signature_token).unwrap();
//! # let body = format!(r#"{{"payment":"{jwt}"}}"#);
//! // 1. Take the JWT out of the POSTed body (JSON or form).
//! let jwt = notification::jwt_from_body(body.as_bytes())?;
//! // 2. Find which session it claims to be about (UNVERIFIED: only to look up the key).
//! let session_token = peek_session_token_unverified(&jwt)?;
//! // 3. Verify with the signature token stored for that session, then check the order.
//! match Verifier::new().verify_notification(&jwt, &signature_token, &session_token)? {
//!     Notification::Payment(payment) => {
//!         assert!(payment.claims().cross_check("oc1", 1000).is_ok());
//!         assert!(payment.claims().is_paid());
//!     }
//!     Notification::SystemError(_) => unreachable!("ETpay could not process the payment"),
//! }
//! # Ok::<(), pasarela::etpay::VerifyError>(())
//! ```

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use super::jws::{self, decode_part};
use super::jwt_rules::check_time_claims;
use super::{types, PaymentClaims, SystemErrorClaims, VerifyError};
use crate::input::MAX_INPUT_BYTES;
use crate::Secret;

/// The clock-skew leeway: how far in the future `iat` may lie when a maximum age is checked,
/// how long after `exp` and how long before `nbf` a JWT that carries them is still accepted.
pub const FUTURE_SKEW: Duration = Duration::from_secs(60);

/// The source of "now" for the optional maximum-age check.
pub trait Clock {
    /// Seconds since the Unix epoch.
    fn now_unix(&self) -> u64;
}

/// The system clock.
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_unix(&self) -> u64 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs())
    }
}

/// A clock stopped at a given Unix time, for tests and for replaying stored notifications.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FixedClock(pub u64);

impl Clock for FixedClock {
    fn now_unix(&self) -> u64 {
        self.0
    }
}

/// Verifies ETpay JWTs. By default there is no age limit (ETpay's JWTs carry no `exp`);
/// [`Verifier::with_max_age`] adds one, checked against the verifier's [`Clock`].
#[derive(Clone, Debug, Default)]
pub struct Verifier<C = SystemClock> {
    max_age: Option<Duration>,
    clock: C,
}

impl Verifier<SystemClock> {
    /// A verifier without age limit, using the system clock.
    pub fn new() -> Self {
        Verifier::default()
    }
}

impl<C: Clock> Verifier<C> {
    /// Rejects JWTs whose `iat` is older than `max_age` (and more than [`FUTURE_SKEW`] ahead).
    pub fn with_max_age(mut self, max_age: Duration) -> Self {
        self.max_age = Some(max_age);
        self
    }

    /// Uses another clock for the age check.
    pub fn with_clock<D: Clock>(self, clock: D) -> Verifier<D> {
        Verifier {
            max_age: self.max_age,
            clock,
        }
    }

    /// Verifies a payment-result JWT with the session's `signature_token`.
    ///
    /// Refuses the system-error variant (use [`Verifier::verify_notification`] to accept both).
    pub fn verify_payment(
        &self,
        jwt: &str,
        signature_token: &Secret,
    ) -> Result<VerifiedPayment, VerifyError> {
        let verified = self.verify_raw(jwt, signature_token.expose())?;
        if is_system_error(&verified.claims_json) {
            return Err(invalid_claims(
                "this is a system-error JWT, not a payment result",
            ));
        }
        let claims: PaymentClaims = parse_claims(&verified.claims_json)?;
        self.check_iat(claims.iat)?;
        Ok(VerifiedPayment {
            claims,
            jwt: verified.jwt,
            claims_json: verified.claims_json,
        })
    }

    /// Verifies the system-error JWT, signed with the session token itself. The claims must say
    /// `system_error: true` and name the same session token.
    pub fn verify_system_error(
        &self,
        jwt: &str,
        session_token: &str,
    ) -> Result<VerifiedSystemError, VerifyError> {
        let verified = self.verify_raw(jwt, session_token)?;
        self.system_error(verified, session_token)
    }

    /// Verifies a notification or redirect JWT: first as a payment result signed with
    /// `signature_token`, then — only if that signature does not match — as a system error
    /// signed with `session_token`.
    pub fn verify_notification(
        &self,
        jwt: &str,
        signature_token: &Secret,
        session_token: &str,
    ) -> Result<Notification, VerifyError> {
        match self.verify_raw(jwt, signature_token.expose()) {
            Ok(verified) if is_system_error(&verified.claims_json) => self
                .system_error(verified, session_token)
                .map(Notification::SystemError),
            Ok(verified) => {
                let claims: PaymentClaims = parse_claims(&verified.claims_json)?;
                self.check_iat(claims.iat)?;
                Ok(Notification::Payment(VerifiedPayment {
                    claims,
                    jwt: verified.jwt,
                    claims_json: verified.claims_json,
                }))
            }
            Err(VerifyError::BadSignature) => match self.verify_raw(jwt, session_token) {
                Ok(verified) => self
                    .system_error(verified, session_token)
                    .map(Notification::SystemError),
                // Report the failure against the real key, not the fallback.
                Err(VerifyError::BadSignature) => Err(VerifyError::BadSignature),
                Err(other) => Err(other),
            },
            Err(other) => Err(other),
        }
    }

    fn system_error(
        &self,
        verified: RawVerified,
        session_token: &str,
    ) -> Result<VerifiedSystemError, VerifyError> {
        let claims: SystemErrorClaims = parse_claims(&verified.claims_json)?;
        if !claims.system_error {
            return Err(invalid_claims(
                "signed with the session token but system_error is not true",
            ));
        }
        if claims.session_token != session_token {
            return Err(invalid_claims(
                "the session_token claim is not the expected session",
            ));
        }
        self.check_iat(claims.iat)?;
        Ok(VerifiedSystemError {
            claims,
            jwt: verified.jwt,
            claims_json: verified.claims_json,
        })
    }

    /// Signature, algorithm and header first, then `exp` / `nbf` against this verifier's clock.
    fn verify_raw(&self, jwt: &str, key: &str) -> Result<RawVerified, VerifyError> {
        let verified = verify_hs256(jwt, key)?;
        check_time_claims(
            &verified.claims_json,
            self.clock.now_unix(),
            FUTURE_SKEW.as_secs(),
        )?;
        Ok(verified)
    }

    fn check_iat(&self, iat: Option<u64>) -> Result<(), VerifyError> {
        let iat = iat.ok_or_else(|| invalid_claims("the iat claim is missing"))?;
        let Some(max_age) = self.max_age else {
            return Ok(());
        };
        let now = self.clock.now_unix();
        if iat > now.saturating_add(FUTURE_SKEW.as_secs()) {
            return Err(VerifyError::IssuedInFuture {
                ahead_secs: iat - now,
            });
        }
        let age_secs = now.saturating_sub(iat);
        if age_secs > max_age.as_secs() {
            return Err(VerifyError::TooOld {
                age_secs,
                max_age_secs: max_age.as_secs(),
            });
        }
        Ok(())
    }
}

/// A verified payment result, with the JWT and its claims JSON exactly as received.
#[derive(Clone, Debug, PartialEq)]
pub struct VerifiedPayment {
    claims: PaymentClaims,
    jwt: String,
    claims_json: String,
}

impl VerifiedPayment {
    /// The typed claims.
    pub fn claims(&self) -> &PaymentClaims {
        &self.claims
    }

    /// The JWT as received (trimmed).
    pub fn jwt(&self) -> &str {
        &self.jwt
    }

    /// The decoded claims JSON text, byte for byte as signed.
    pub fn claims_json(&self) -> &str {
        &self.claims_json
    }

    /// The typed claims, by value.
    pub fn into_claims(self) -> PaymentClaims {
        self.claims
    }
}

/// A verified system-error JWT: ETpay failed, the payment state is unknown.
#[derive(Clone, Debug, PartialEq)]
pub struct VerifiedSystemError {
    claims: SystemErrorClaims,
    jwt: String,
    claims_json: String,
}

impl VerifiedSystemError {
    /// The typed claims.
    pub fn claims(&self) -> &SystemErrorClaims {
        &self.claims
    }

    /// The JWT as received (trimmed).
    pub fn jwt(&self) -> &str {
        &self.jwt
    }

    /// The decoded claims JSON text, byte for byte as signed.
    pub fn claims_json(&self) -> &str {
        &self.claims_json
    }
}

/// The two authentic outcomes of [`Verifier::verify_notification`].
///
/// Deliberately exhaustive: a new outcome must break every `match` that decides on payments.
#[derive(Clone, Debug, PartialEq)]
// Why: one value per received notification; boxing would only make matching clumsier.
#[allow(clippy::large_enum_variant)]
pub enum Notification {
    /// A payment result signed with the `signature_token`; check [`PaymentClaims::is_paid`]
    /// and [`PaymentClaims::cross_check`].
    Payment(VerifiedPayment),
    /// ETpay's backend failed (signed with the session token, which the payer's browser has
    /// seen): never treat it as paid; confirm with `check_payment_status`.
    SystemError(VerifiedSystemError),
}

impl Notification {
    /// The verified claims JSON text.
    pub fn claims_json(&self) -> &str {
        match self {
            Notification::Payment(p) => p.claims_json(),
            Notification::SystemError(s) => s.claims_json(),
        }
    }
}

/// Reads the `session_token` claim **without verifying anything**, only to find which stored
/// `signature_token` to verify with. Never act on anything else from an unverified JWT.
pub fn peek_session_token_unverified(jwt: &str) -> Result<String, VerifyError> {
    #[derive(Deserialize)]
    struct Peek {
        session_token: Option<String>,
    }
    let jwt = jwt.trim();
    let payload = jwt
        .split('.')
        .nth(1)
        .ok_or_else(|| malformed("not a JWT (expected three dot-separated parts)"))?;
    let json = decode_part(payload, "payload")?;
    let peek: Peek = serde_json::from_slice(&json)
        .map_err(|e| malformed(&format!("payload is not a JSON object: {e}")))?;
    peek.session_token
        .ok_or_else(|| malformed("the payload has no session_token claim"))
}

/// Refuses inputs larger than [`MAX_INPUT_BYTES`] before any parsing.
fn check_size(input: &[u8]) -> Result<(), VerifyError> {
    if input.len() > MAX_INPUT_BYTES {
        return Err(VerifyError::InputTooLarge {
            len: input.len(),
            max: MAX_INPUT_BYTES,
        });
    }
    Ok(())
}

/// Extracts the JWT from a webhook body as received: JSON `{"payment": "<jwt>"}` or the form
/// field `payment=<jwt>` (at most [`MAX_INPUT_BYTES`]).
pub fn jwt_from_body(body: &[u8]) -> Result<String, VerifyError> {
    check_size(body)?;
    let text = std::str::from_utf8(body)
        .map_err(|_| malformed("the notification body is not UTF-8"))?
        .trim();
    if text.starts_with('{') {
        let parsed: types::NotificationBody = serde_json::from_str(text).map_err(|e| {
            malformed(&format!(
                "the JSON body is not {{\"payment\": \"<jwt>\"}}: {e}"
            ))
        })?;
        return non_empty(parsed.payment, "payment");
    }
    let payment = form_urlencoded::parse(text.as_bytes())
        .find(|(key, _)| key == "payment")
        .map(|(_, value)| value.into_owned())
        .ok_or_else(|| malformed("the body has neither a JSON nor a form field \"payment\""))?;
    non_empty(payment, "payment")
}

/// Extracts the JWT from the success/failure redirect: a full URL or just its query string,
/// with the JWT in the `jwt` parameter.
pub fn jwt_from_redirect(url_or_query: &str) -> Result<String, VerifyError> {
    check_size(url_or_query.as_bytes())?;
    let text = url_or_query.trim();
    let query = match url::Url::parse(text) {
        Ok(url) => url.query().unwrap_or("").to_owned(),
        Err(_) => text.trim_start_matches('?').to_owned(),
    };
    if let Some((_, value)) = form_urlencoded::parse(query.as_bytes()).find(|(key, _)| key == "jwt")
    {
        return non_empty(value.into_owned(), "jwt");
    }
    // Why: without `concat`, ETpay may append `?jwt=` to a URL that already had a query.
    query
        .split(['?', '&'])
        .find_map(|pair| pair.strip_prefix("jwt="))
        .map(|value| value.to_owned())
        .ok_or_else(|| malformed("no jwt parameter in the redirect URL"))
        .and_then(|value| non_empty(value, "jwt"))
}

/// Extracts a JWT from whatever a user pasted: a JSON or form webhook body, a redirect URL or
/// query with `jwt=`, or a bare JWT.
pub fn jwt_from_input(input: &[u8]) -> Result<String, VerifyError> {
    check_size(input)?;
    let text = std::str::from_utf8(input)
        .map_err(|_| malformed("the input is not UTF-8"))?
        .trim();
    if text.starts_with('{') || text.starts_with("payment=") || text.contains("&payment=") {
        jwt_from_body(text.as_bytes())
    } else if text.contains("jwt=") {
        jwt_from_redirect(text)
    } else if text.split('.').count() == 3 && !text.contains(char::is_whitespace) {
        Ok(text.to_owned())
    } else {
        Err(malformed(
            "expected a notification body, a redirect URL with jwt=, or a JWT",
        ))
    }
}

/// Signs `claims` as ETpay does (HS256, key = the UTF-8 bytes of `key`). **For tests and the
/// sandbox only**: a merchant never signs ETpay JWTs. Shares its key handling with the verifier.
pub fn sign_for_tests(claims: &impl Serialize, key: &Secret) -> Result<String, VerifyError> {
    jws::sign(claims, key_bytes(key.expose()))
}

/// The one place the HMAC key is derived: raw UTF-8 bytes, not base64- or hex-decoded.
fn key_bytes(key: &str) -> &[u8] {
    key.as_bytes()
}

/// A JWT whose HS256 signature checked out, and its payload JSON text.
struct RawVerified {
    jwt: String,
    claims_json: String,
}

/// Verifies signature, algorithm and header ([`jws::verify`]); decodes nothing but the
/// payload text.
fn verify_hs256(jwt: &str, key: &str) -> Result<RawVerified, VerifyError> {
    let jwt = jwt.trim();
    if key.is_empty() {
        return Err(VerifyError::KeyNotConfigured);
    }
    let claims_json = jws::verify(jwt, key_bytes(key))?;
    Ok(RawVerified {
        jwt: jwt.to_owned(),
        claims_json,
    })
}

fn is_system_error(claims_json: &str) -> bool {
    #[derive(Deserialize)]
    struct Flag {
        #[serde(default)]
        system_error: serde_json::Value,
    }
    serde_json::from_str::<Flag>(claims_json)
        .is_ok_and(|f| f.system_error == serde_json::Value::Bool(true))
}

fn parse_claims<T: serde::de::DeserializeOwned>(claims_json: &str) -> Result<T, VerifyError> {
    // The signature is valid here, so unusable claims are "not acceptable", not "malformed".
    serde_json::from_str(claims_json).map_err(|e| invalid_claims(&e.to_string()))
}

fn non_empty(value: String, field: &str) -> Result<String, VerifyError> {
    let value = value.trim().to_owned();
    if value.is_empty() {
        Err(malformed(&format!("the {field} field is empty")))
    } else {
        Ok(value)
    }
}

fn malformed(reason: &str) -> VerifyError {
    VerifyError::Malformed {
        reason: reason.to_owned(),
    }
}

fn invalid_claims(reason: &str) -> VerifyError {
    VerifyError::InvalidClaims {
        reason: reason.to_owned(),
    }
}
