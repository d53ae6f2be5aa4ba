//! Drift detection: does what a gateway really sent still match the spec this crate was built
//! from?
//!
//! The specs are hand-written and the gateways change without notice: a new field, a new enum
//! value, a new answer type. The client tolerates all of that (lenient validation, open enums,
//! unknown `_type`s kept as raw JSON), so nothing fails, and nothing tells you either. [`check`]
//! does: it takes a document exactly as you received it, finds its [`Kind`] (or takes the one
//! you name), extracts the JSON the spec describes (the `kr-answer` of an IPN, the payload of an
//! ETpay JWT…) and validates it in **strict mode** ([`SpecValidator::lyra_strict`](crate::spec::SpecValidator::lyra_strict)): every field
//! the spec does not declare and every enum value it does not list is a [`Divergence`], with its
//! JSON path and [`Category`].
//!
//! Drift checking never needs a valid signature (a captured body may be years old and the keys
//! long rotated), but when you give keys ([`Keys`]) the [`Report`] says whether the document was
//! authentic. A divergence is never a reason to refuse a payment: it is a reason to update the
//! spec (see the README, "Keeping the spec true").
//!
//! # In a merchant's IPN endpoint
//!
//! Verify first (that decides what you do with the payment), then report drift to your log and
//! carry on: the payment is handled the same way either way.
//!
//! ```
//! use pasarela::lyra::notification::{self, SignedWith};
//! use pasarela::contract::{self as drift, Keys};
//!
//! let keys = Keys::lyra(notification::Keys::new("testpassword_DEMO", "0123456789abcdeffedcba9876543210"));
//! // What Lyra POSTs to the IPN URL; this one carries a field the spec does not know (yet).
//! let body = notification::sign(
//!     r#"{"shopId":"69876357","orderCycle":"CLOSED","orderStatus":"PAID","transactions":[],
//!         "brandNewField":true,"_type":"V4/Payment"}"#,
//!     SignedWith::Password,
//!     keys.lyra.as_ref().unwrap(),
//! );
//!
//! // 1. Verify and act on the payment (mark the order paid, answer 200…).
//! let verified = notification::verify(&body, keys.lyra.as_ref().unwrap()).expect("authentic");
//! assert!(verified.is_paid());
//!
//! // 2. Report drift to the log; never fail the IPN because of it.
//! match drift::check_with(&body, Some(drift::Kind::LyraNotification), &keys) {
//!     Ok(report) if !report.conforms() => {
//!         for divergence in &report.divergences {
//!             eprintln!("spec drift in IPN ({}): {divergence}", report.document);
//!         }
//!         assert_eq!(report.divergences[0].path, "/brandNewField");
//!         assert_eq!(report.divergences[0].category, drift::Category::UndeclaredField);
//!         assert!(report.authenticity.is_authentic());
//!     }
//!     Ok(_) => {}
//!     Err(e) => eprintln!("drift check skipped: {e}"),
//! }
//! ```

use std::fmt;
use std::str::FromStr;

use base64::Engine as _;
use serde_json::Value;

use crate::lyra::notification as lyra_notification;
use crate::Secret;

mod divergence;
pub use divergence::divergences;

/// The largest document [`check`] accepts: 4 MiB (an `Order/Get` answer of a busy order is the
/// largest thing a gateway sends; a kr-answer is at most 1 MiB).
pub const MAX_DOCUMENT_BYTES: usize = 4 * 1024 * 1024;

/// What a document is, which decides what is extracted from it and which component of which
/// spec it is checked against.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Kind {
    /// A Lyra V4 web service answer: the `V4/WebService/Response` envelope
    /// (`WebServiceResponse`).
    LyraResponse,
    /// A Lyra `V4/Payment` object on its own, e.g. a decoded `kr-answer` (`Payment`).
    LyraPayment,
    /// A Lyra IPN or browser-return POST body (form-urlencoded with `kr-answer=`); its
    /// `kr-answer` is checked as `Payment`.
    LyraNotification,
    /// The JSON a single-page checkout receives in `KR.onSubmit` and posts to its backend
    /// (`V4/Charge/ProcessPaymentAnswer`); its `rawClientAnswer` is checked as `Payment`.
    LyraClientAnswer,
    /// ETpay result claims: a JWT, a webhook body (`{"payment": "<jwt>"}` or `payment=<jwt>`),
    /// a redirect URL with `jwt=`, or the claims JSON itself. The payload is checked as
    /// `PaymentClaims` (or `SystemErrorClaims` when it has `system_error`).
    EtpayClaims,
    /// The answer of ETpay's `POST /session/initialize` (`SessionInitializeResponse`).
    EtpaySession,
    /// The answer of ETpay's `POST /merchant/check_payment_status` (`CheckPaymentStatusResponse`).
    EtpayPaymentStatus,
}

impl Kind {
    /// Every kind, in the order of [`Kind::name`]s shown to users.
    pub const ALL: [Kind; 7] = [
        Kind::LyraResponse,
        Kind::LyraPayment,
        Kind::LyraNotification,
        Kind::LyraClientAnswer,
        Kind::EtpayClaims,
        Kind::EtpaySession,
        Kind::EtpayPaymentStatus,
    ];

    /// The name used on the command line (`--kind`), e.g. `lyra-notification`.
    pub fn name(self) -> &'static str {
        match self {
            Kind::LyraResponse => "lyra-response",
            Kind::LyraPayment => "lyra-payment",
            Kind::LyraNotification => "lyra-notification",
            Kind::LyraClientAnswer => "lyra-client-answer",
            Kind::EtpayClaims => "etpay-claims",
            Kind::EtpaySession => "etpay-session",
            Kind::EtpayPaymentStatus => "etpay-payment-status",
        }
    }

    /// Guesses the kind from the document's shape: a `_type`, `kr-answer=`, a JWT's dots, the
    /// keys of a JSON object. `None` when nothing fits (name the kind then).
    pub fn detect(input: &[u8]) -> Option<Kind> {
        let text = std::str::from_utf8(input).ok()?.trim();
        if text.starts_with('[') {
            return Some(Kind::EtpayPaymentStatus);
        }
        if text.starts_with('{') {
            let value: Value = serde_json::from_str(text).ok()?;
            let object = value.as_object()?;
            let has = |key: &str| object.contains_key(key);
            let ty = object.get("_type").and_then(Value::as_str).unwrap_or("");
            return if ty == "V4/WebService/Response" || (has("answer") && ty.is_empty()) {
                Some(Kind::LyraResponse)
            } else if ty == lyra_notification::CLIENT_ANSWER_TYPE
                || has("rawClientAnswer")
                || has("clientAnswer")
            {
                Some(Kind::LyraClientAnswer)
            } else if ty == "V4/Payment" || has("orderStatus") {
                Some(Kind::LyraPayment)
            } else if has("signature_token") || (has("token") && !has("session_token")) {
                Some(Kind::EtpaySession)
            } else if has("session_token") || has("payment") {
                Some(Kind::EtpayClaims)
            } else {
                None
            };
        }
        if text.contains("kr-answer=") {
            return Some(Kind::LyraNotification);
        }
        let is_jwt = text.split('.').count() == 3 && !text.contains(char::is_whitespace);
        if is_jwt || text.starts_with("payment=") || text.contains("jwt=") {
            return Some(Kind::EtpayClaims);
        }
        None
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Kind {
    type Err = String;

    fn from_str(name: &str) -> Result<Kind, String> {
        Kind::ALL
            .into_iter()
            .find(|kind| kind.name() == name)
            .ok_or_else(|| {
                let names: Vec<&str> = Kind::ALL.iter().map(|k| k.name()).collect();
                format!("unknown kind {name:?}; one of {}", names.join(", "))
            })
    }
}

/// What kind of difference between a document and the spec a [`Divergence`] is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Category {
    /// A field the spec does not declare (the gateway added one).
    UndeclaredField,
    /// A value the spec's enumeration does not list, including an unknown answer `_type`.
    UnknownEnumValue,
    /// A value of another JSON type than the spec says (a string where a number is declared…).
    TypeMismatch,
    /// A field the spec requires is absent.
    MissingField,
    /// Anything else the schema rejects (a bound, a pattern, a length…).
    Other,
}

impl Category {
    /// A short label, e.g. `undeclared field`.
    pub fn label(self) -> &'static str {
        match self {
            Category::UndeclaredField => "undeclared field",
            Category::UnknownEnumValue => "unknown enum value",
            Category::TypeMismatch => "type mismatch",
            Category::MissingField => "missing field",
            Category::Other => "other",
        }
    }
}

impl fmt::Display for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// One place where a document differs from the spec.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Divergence {
    /// JSON pointer into the checked document ([`Report::document`]), down to the field
    /// itself: `/answer/transactions/0/newField` for an undeclared field, the missing field's
    /// would-be path for a missing one, `""` for the document itself.
    pub path: String,
    /// What kind of difference it is.
    pub category: Category,
    /// The validator's explanation, e.g. `"990" is not of type "integer"`.
    pub message: String,
    /// Where in the (converted) spec the failing keyword is.
    pub schema_path: String,
}

impl fmt::Display for Divergence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let path = if self.path.is_empty() {
            "(document root)"
        } else {
            &self.path
        };
        write!(f, "{path}: {}: {}", self.category, self.message)
    }
}

/// Whether the document was authentic, when keys were given.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Authenticity {
    /// No key for this kind of document was given (or the kind carries no signature).
    NotChecked,
    /// The signature checked out; the text says with which key.
    Authentic(String),
    /// The signature did not check out, or could not be checked; the text says why.
    NotAuthentic(String),
}

impl Authenticity {
    /// True for [`Authenticity::Authentic`].
    pub fn is_authentic(&self) -> bool {
        matches!(self, Authenticity::Authentic(_))
    }
}

impl fmt::Display for Authenticity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Authenticity::NotChecked => f.write_str("signature not checked"),
            Authenticity::Authentic(how) => write!(f, "authentic ({how})"),
            Authenticity::NotAuthentic(why) => write!(f, "NOT authentic ({why})"),
        }
    }
}

/// The outcome of [`check`]: every divergence of one document.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Report {
    /// The kind the document was checked as.
    pub kind: Kind,
    /// Which spec: `lyra-v4` or `etpay`.
    pub spec: &'static str,
    /// The component checked against, e.g. `Payment`.
    pub component: &'static str,
    /// What was checked, e.g. `kr-answer` or `JWT payload`; divergence paths are relative to it.
    pub document: &'static str,
    /// Every divergence, in the validator's order.
    pub divergences: Vec<Divergence>,
    /// Whether the document was authentic (only when keys were given).
    pub authenticity: Authenticity,
}

impl Report {
    /// True when nothing diverges.
    pub fn conforms(&self) -> bool {
        self.divergences.is_empty()
    }
}

/// Keys to report authenticity with ([`check_with`]). All optional; drift is checked anyway.
#[derive(Clone, Debug, Default)]
pub struct Keys {
    /// The Lyra shop password (IPNs) and HMAC-SHA-256 key (browser returns, `onSubmit`).
    pub lyra: Option<lyra_notification::Keys>,
    /// The ETpay session's `signature_token`.
    pub etpay_signature_token: Option<Secret>,
}

impl Keys {
    /// The Lyra keys only.
    pub fn lyra(keys: lyra_notification::Keys) -> Self {
        Keys {
            lyra: Some(keys),
            etpay_signature_token: None,
        }
    }

    /// The ETpay `signature_token` only.
    pub fn etpay(signature_token: impl Into<Secret>) -> Self {
        Keys {
            lyra: None,
            etpay_signature_token: Some(signature_token.into()),
        }
    }
}

/// The document could not be checked at all (as opposed to: it diverges).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DriftError {
    /// Larger than [`MAX_DOCUMENT_BYTES`].
    #[error("the document is {len} bytes; at most {max} are checked")]
    TooLarge {
        /// Its size.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// No kind was named and the shape fits none.
    #[error("cannot tell what this document is (not a Lyra answer, kr-answer, IPN body, onSubmit JSON, ETpay JWT or answer); name its kind")]
    UnknownKind,
    /// The document is not what its kind says (not JSON, no `kr-answer`, not a JWT…).
    #[error("not a {kind} document: {reason}")]
    Malformed {
        /// The kind it was read as.
        kind: Kind,
        /// What is wrong.
        reason: String,
    },
}

/// Checks one document, as received, against the spec in strict mode. The kind is detected
/// from the document's shape when `kind` is `None`. No signature is checked.
///
/// # Errors
/// When the document cannot be read as its kind (see [`DriftError`]); a readable document that
/// differs from the spec is an `Ok` [`Report`] with divergences.
pub fn check(input: &[u8], kind: Option<Kind>) -> Result<Report, DriftError> {
    check_with(input, kind, &Keys::default())
}

/// [`check`], and with `keys` the report also says whether the document is authentic (Lyra
/// IPN, browser return and `onSubmit` JSON with [`Keys::lyra`], ETpay JWTs with
/// [`Keys::etpay_signature_token`]). An inauthentic document is still checked for drift.
///
/// # Errors
/// As [`check`].
pub fn check_with(input: &[u8], kind: Option<Kind>, keys: &Keys) -> Result<Report, DriftError> {
    if input.len() > MAX_DOCUMENT_BYTES {
        return Err(DriftError::TooLarge {
            len: input.len(),
            max: MAX_DOCUMENT_BYTES,
        });
    }
    let kind = match kind {
        Some(kind) => kind,
        None => Kind::detect(input).ok_or(DriftError::UnknownKind)?,
    };
    let malformed = |reason: String| DriftError::Malformed { kind, reason };
    let text = std::str::from_utf8(input)
        .map_err(|_| malformed("not UTF-8 text".to_owned()))?
        .trim();
    let json = |text: &str| -> Result<Value, DriftError> {
        serde_json::from_str(text).map_err(|e| malformed(format!("not JSON: {e}")))
    };
    let mut authenticity = Authenticity::NotChecked;
    let (spec, component, document, doc) = match kind {
        Kind::LyraResponse => (LYRA, "WebServiceResponse", "answer", json(text)?),
        Kind::LyraPayment => (LYRA, "Payment", "kr-answer", json(text)?),
        Kind::LyraNotification => {
            let raw = kr_answer(text).map_err(malformed)?;
            if let Some(lyra) = &keys.lyra {
                authenticity = lyra_authenticity(lyra_notification::verify(text.as_bytes(), lyra));
            }
            let doc = serde_json::from_str(&raw)
                .map_err(|e| malformed(format!("kr-answer is not JSON: {e}")))?;
            (LYRA, "Payment", "kr-answer", doc)
        }
        Kind::LyraClientAnswer => {
            let outer = json(text)?;
            let doc = match (outer.get("rawClientAnswer"), outer.get("clientAnswer")) {
                (Some(Value::String(raw)), _) => serde_json::from_str(raw)
                    .map_err(|e| malformed(format!("rawClientAnswer is not JSON: {e}")))?,
                (None, Some(answer)) => answer.clone(),
                _ => {
                    return Err(malformed(
                        "no rawClientAnswer string (nor clientAnswer)".to_owned(),
                    ))
                }
            };
            if let Some(lyra) = &keys.lyra {
                authenticity = lyra_authenticity(lyra_notification::verify_client_answer(
                    text.as_bytes(),
                    lyra,
                ));
            }
            (LYRA, "Payment", "rawClientAnswer", doc)
        }
        Kind::EtpayClaims => {
            let (doc, jwt) = if text.starts_with('{') && !text.contains("\"payment\"") {
                (json(text)?, None)
            } else {
                let jwt = crate::etpay::notification::jwt_from_input(text.as_bytes())
                    .map_err(|e| malformed(e.to_string()))?;
                (jwt_payload(&jwt).map_err(malformed)?, Some(jwt))
            };
            if let (Some(jwt), Some(key)) = (&jwt, &keys.etpay_signature_token) {
                authenticity = etpay_authenticity(jwt, &doc, key);
            }
            let component = if doc.get("system_error").is_some() {
                "SystemErrorClaims"
            } else {
                "PaymentClaims"
            };
            let document = if jwt.is_some() {
                "JWT payload"
            } else {
                "claims"
            };
            (ETPAY, component, document, doc)
        }
        Kind::EtpaySession => (ETPAY, "SessionInitializeResponse", "answer", json(text)?),
        Kind::EtpayPaymentStatus => (ETPAY, "CheckPaymentStatusResponse", "answer", json(text)?),
    };
    Ok(Report {
        kind,
        spec: spec.name,
        component,
        document,
        divergences: divergences(spec.name, component, &doc),
        authenticity,
    })
}

struct Spec {
    name: &'static str,
}
const LYRA: Spec = Spec { name: "lyra-v4" };
const ETPAY: Spec = Spec { name: "etpay" };

/// The unique `kr-answer` of a form body.
fn kr_answer(body: &str) -> Result<String, String> {
    let mut answers = form_urlencoded::parse(body.as_bytes())
        .filter(|(name, _)| name == "kr-answer")
        .map(|(_, value)| value.into_owned());
    let answer = answers
        .next()
        .ok_or_else(|| "the form body has no kr-answer field".to_owned())?;
    if answers.next().is_some() {
        return Err("the form body has more than one kr-answer field".to_owned());
    }
    Ok(answer)
}

/// The payload of a JWT, decoded **without verification** (for drift checking only).
fn jwt_payload(jwt: &str) -> Result<Value, String> {
    let payload = jwt
        .split('.')
        .nth(1)
        .ok_or_else(|| "not a JWT (expected three dot-separated parts)".to_owned())?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .map_err(|e| format!("the JWT payload is not base64url: {e}"))?;
    serde_json::from_slice(&bytes).map_err(|e| format!("the JWT payload is not JSON: {e}"))
}

fn lyra_authenticity(
    outcome: Result<lyra_notification::VerifiedAnswer, lyra_notification::NotificationError>,
) -> Authenticity {
    use lyra_notification::NotificationError as E;
    match outcome {
        Ok(verified) => {
            Authenticity::Authentic(format!("signed with the {}", verified.signed_with()))
        }
        // Authentic, but our types do not decode it: exactly the drift this module reports.
        Err(E::UndecodableAnswer { signed_with, .. }) => {
            Authenticity::Authentic(format!("signed with the {signed_with}"))
        }
        Err(E::KeyNotConfigured(kind)) => {
            Authenticity::NotAuthentic(format!("signed with the {kind}, which was not given"))
        }
        Err(e) => Authenticity::NotAuthentic(e.to_string()),
    }
}

fn etpay_authenticity(jwt: &str, claims: &Value, key: &Secret) -> Authenticity {
    let verifier = crate::etpay::Verifier::new();
    let session_token = claims
        .get("session_token")
        .and_then(Value::as_str)
        .unwrap_or("");
    match verifier.verify_notification(jwt, key, session_token) {
        Ok(crate::etpay::Notification::Payment(_)) => {
            Authenticity::Authentic("payment result signed with the signature_token".to_owned())
        }
        Ok(crate::etpay::Notification::SystemError(_)) => {
            Authenticity::Authentic("system error signed with the session token".to_owned())
        }
        Err(e) => Authenticity::NotAuthentic(e.to_string()),
    }
}

#[cfg(test)]
mod tests;
