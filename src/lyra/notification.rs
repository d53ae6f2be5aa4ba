//! Verifying the payment result: the browser return and the IPN (`kr-hash` over `kr-answer`).
//!
//! When a payment ends, Lyra sends the result **twice**, as the same kind of
//! `application/x-www-form-urlencoded` POST (browser return:
//! <https://docs.lyra.com/es/rest/V4.0/kb/payment_done.html>; IPN:
//! <https://docs.lyra.com/en/rest/V4.0/api/kb/ipn_usage.html>):
//!
//! | | sent by | to | signed with (`kr-hash-key`) |
//! |---|---|---|---|
//! | **IPN** (instant payment notification) | Lyra's servers | the notification URL of the Back Office (or `ipnTargetUrl`) | the shop **password** (`password`) |
//! | **browser return** | the shopper's browser | `kr-post-url-success` / `kr-post-url-refused` | the **HMAC-SHA-256 key** (`sha256_hmac`) |
//!
//! Both carry `kr-hash`, `kr-hash-algorithm` (`sha256_hmac`), `kr-hash-key`, `kr-answer-type`
//! (`V4/Payment`) and `kr-answer` (the JSON payment), sometimes with extra fields such as
//! `kr-src`. [`verify`] takes the raw body exactly as received and both [`Keys`]; it picks the
//! key the body names, checks the HMAC-SHA256 in constant time and only then decodes the answer.
//! You never have to know which of the two a given POST is: [`VerifiedAnswer::signed_with`]
//! tells you.
//!
//! ```
//! use pasarela::lyra::notification::{self, Keys, SignedWith};
//!
//! let keys = Keys::new("testpassword_DEMO", "0123456789abcdeffedcba9876543210");
//! // What Lyra would POST to your IPN URL (built here with the test signer).
//! let body = notification::sign(
//!     r#"{"shopId":"69876357","orderCycle":"CLOSED","orderStatus":"PAID","transactions":[],"_type":"V4/Payment"}"#,
//!     SignedWith::Password,
//!     &keys,
//! );
//!
//! let verified = notification::verify(&body, &keys).expect("authentic");
//! assert_eq!(verified.signed_with(), SignedWith::Password); // an IPN
//! assert!(verified.is_paid() && verified.is_final());
//!
//! // One changed byte and nothing may be trusted.
//! let tampered = String::from_utf8(body).unwrap().replace("PAID", "PAYD");
//! assert!(notification::verify(tampered.as_bytes(), &keys).unwrap_err().is_signature_mismatch());
//! ```
//!
//! # The IPN is the source of truth
//!
//! Update your orders from the **IPN**, not from the browser return:
//!
//! * the browser return only happens if the shopper's browser gets there (closed tab, lost
//!   network, a refused payment without a refused URL… and it never happens for Back-Office
//!   operations, refunds, deferred captures or expiries);
//! * the IPN is sent server to server for every transaction creation and status change, and is
//!   retried (and e-mailed to the merchant) when your endpoint fails;
//! * Lyra waits for your IPN answer (up to 30 s) before it releases the browser return, so by
//!   the time the shopper lands on your success page the IPN has normally been processed: the
//!   page can simply show the order as stored.
//!
//! Use the browser return to choose what to *show*; check it with [`verify`] anyway (it is
//! signed with the HMAC-SHA-256 key), since anyone can POST to your success URL.
//!
//! # Several IPNs per order: answer 200 fast, be idempotent
//!
//! One order can produce several IPNs: a payment first `WAITING_AUTHORISATION` then
//! `AUTHORISED`, a retry after a refusal (a new transaction in the same order), a capture, a
//! refund (a new `CREDIT` transaction), a Back-Office cancellation, a retried delivery of an IPN
//! you already processed… So:
//!
//! 1. verify, store the raw answer ([`VerifiedAnswer::raw_answer`]), answer **HTTP 200**
//!    quickly and do slow work (e-mails, fulfilment) afterwards; a slow or failing answer delays
//!    the shopper and triggers retries;
//! 2. be **idempotent** on the transaction `uuid` + `detailedStatus` pair
//!    ([`VerifiedAnswer::idempotency_keys`]): the same pair seen twice is the same event;
//! 3. decide with [`VerifiedAnswer::is_paid`] (`orderStatus == PAID`) and
//!    [`VerifiedAnswer::is_final`] (`orderCycle == CLOSED`, nothing more will change); an
//!    `OPEN` order may still move (manual validation, deferred authorisation, retries);
//! 4. answer a body that fails [`verify`] with HTTP 400 and change nothing.
//!
//! `examples/axum_ipn.rs` is a complete endpoint doing exactly this.

mod client_answer;
mod error;
mod form_body;
mod keys;
mod payment;

use hmac::{Hmac, Mac};
use sha2::Sha256;

pub use error::{Field, MalformedHash, NotificationError};
pub use keys::{Keys, SignedWith};
pub use payment::TransactionKey;

use crate::lyra::types::{Payment, Transaction};
use crate::Secret;

/// The largest body [`verify`] accepts: the shared [`MAX_INPUT_BYTES`](crate::input::MAX_INPUT_BYTES)
/// (1 MiB). A real result is a few kilobytes (a V4/Payment with one transaction is about 6 KB);
/// anything much bigger is rejected before parsing.
pub const MAX_BODY_BYTES: usize = crate::input::MAX_INPUT_BYTES;

/// The only `kr-hash-algorithm` Lyra uses.
pub const HASH_ALGORITHM: &str = "sha256_hmac";

/// The `kr-answer-type` of a payment result.
pub const PAYMENT_ANSWER_TYPE: &str = "V4/Payment";

/// The decoded `kr-answer`.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum KrAnswer {
    /// `kr-answer-type` `V4/Payment`: the typed payment.
    Payment(Box<Payment>),
    /// Any other `kr-answer-type` (e.g. the legacy `V3.1/IPNRequest`), as JSON.
    Other(serde_json::Value),
}

/// A result whose signature holds. Only [`verify`] creates one.
#[derive(Clone, Debug, PartialEq)]
pub struct VerifiedAnswer {
    signed_with: SignedWith,
    answer_type: String,
    raw_answer: String,
    answer: KrAnswer,
    extra_fields: Vec<(String, String)>,
}

impl VerifiedAnswer {
    /// Which key signed it: [`SignedWith::Password`] for an IPN,
    /// [`SignedWith::HmacKey`] for a browser return.
    pub fn signed_with(&self) -> SignedWith {
        self.signed_with
    }

    /// `kr-answer-type` (`V4/Payment`), with `\/` read as `/`. Not covered by the signature.
    pub fn answer_type(&self) -> &str {
        &self.answer_type
    }

    /// `kr-answer` exactly as posted (URL-decoded, before the `\/` → `/` replacement used for
    /// hashing). Store this string: it is what the gateway signed.
    pub fn raw_answer(&self) -> &str {
        &self.raw_answer
    }

    /// The decoded answer.
    pub fn answer(&self) -> &KrAnswer {
        &self.answer
    }

    /// The payment, when `kr-answer-type` is `V4/Payment`.
    pub fn payment(&self) -> Option<&Payment> {
        match &self.answer {
            KrAnswer::Payment(payment) => Some(payment),
            KrAnswer::Other(_) => None,
        }
    }

    /// Form fields other than the five signature fields (e.g. `kr-src`), in posted order.
    /// They are **not** covered by the signature.
    pub fn extra_fields(&self) -> &[(String, String)] {
        &self.extra_fields
    }

    /// The first extra field called `name`.
    pub fn extra_field(&self, name: &str) -> Option<&str> {
        self.extra_fields
            .iter()
            .find(|(field, _)| field == name)
            .map(|(_, value)| value.as_str())
    }

    /// `kr-src`, which official plugins read to tell the trigger of an IPN (`PAY`, `BO`,
    /// `BATCH`, `RETRY`…; the value list is UNCONFIRMED for REST). Not signed.
    pub fn src(&self) -> Option<&str> {
        self.extra_field("kr-src")
    }

    /// True when the answer is a payment whose `orderStatus` is `PAID`: the order was accepted.
    pub fn is_paid(&self) -> bool {
        self.payment().is_some_and(Payment::is_paid)
    }

    /// True when the answer is a payment whose `orderCycle` is `CLOSED`: no further change
    /// is expected for this order.
    pub fn is_final(&self) -> bool {
        self.payment().is_some_and(Payment::is_final)
    }

    /// One key per transaction (`uuid` + `detailedStatus`) to deduplicate IPNs with; empty
    /// for non-payment answers.
    pub fn idempotency_keys(&self) -> Vec<TransactionKey> {
        self.payment()
            .map(Payment::transaction_keys)
            .unwrap_or_default()
    }

    /// Splits into the raw answer and the decoded one.
    pub fn into_parts(self) -> (String, KrAnswer) {
        (self.raw_answer, self.answer)
    }
}

type HmacSha256 = Hmac<Sha256>;

/// The HMAC-SHA256 state for `answer` under `key`, with every `\/` read as `/` (some
/// servers escape slashes in the posted JSON; the signature covers the unescaped text).
/// The one function both [`verify`] and the signing helpers use.
fn mac_of(answer: &str, key: &Secret) -> HmacSha256 {
    let mut mac = HmacSha256::new_from_slice(key.expose().as_bytes())
        .expect("HMAC accepts keys of any length");
    // Piece by piece rather than `replace`: the same bytes, without copying the answer.
    let mut pieces = answer.split("\\/");
    if let Some(first) = pieces.next() {
        mac.update(first.as_bytes());
    }
    for piece in pieces {
        mac.update(b"/");
        mac.update(piece.as_bytes());
    }
    mac
}

/// The `kr-hash` Lyra computes for `answer` under `key`: lowercase hex HMAC-SHA256 of the
/// answer with `\/` replaced by `/`.
pub fn compute_hash(answer: &str, key: &Secret) -> String {
    hex::encode(mac_of(answer, key).finalize().into_bytes())
}

/// Verifies a browser return or an IPN from its raw body, exactly as posted.
///
/// Checks, in order: size ([`MAX_BODY_BYTES`]), form decoding, presence and uniqueness of the
/// five `kr-*` fields, `kr-hash-algorithm == sha256_hmac`, `kr-hash-key` (`password` or
/// `sha256_hmac`, which selects the key in `keys`), the `kr-hash` format (64 lowercase hex
/// digits), then the HMAC in constant time. Only then is `kr-answer` decoded. Never panics.
pub fn verify(body: &[u8], keys: &Keys) -> Result<VerifiedAnswer, NotificationError> {
    if body.len() > MAX_BODY_BYTES {
        return Err(NotificationError::BodyTooLarge {
            len: body.len(),
            max: MAX_BODY_BYTES,
        });
    }
    if body.is_empty() {
        return Err(NotificationError::EmptyBody);
    }
    let mut signed: [Option<String>; 5] = Default::default();
    let mut extra_fields = Vec::new();
    for (name, value) in form_body::parse(body)? {
        match Field::from_name(&name) {
            Some(field) => {
                let slot = &mut signed[field.index()];
                if slot.is_some() {
                    return Err(NotificationError::DuplicateField(field));
                }
                *slot = Some(value);
            }
            None => extra_fields.push((name, value)),
        }
    }
    let [hash, algorithm, key_kind, answer_type, raw_answer] = signed;
    let hash = hash.ok_or(NotificationError::MissingField(Field::Hash))?;
    let algorithm = algorithm.ok_or(NotificationError::MissingField(Field::HashAlgorithm))?;
    let key_kind = key_kind.ok_or(NotificationError::MissingField(Field::HashKey))?;
    let answer_type = answer_type.ok_or(NotificationError::MissingField(Field::AnswerType))?;
    let raw_answer = raw_answer.ok_or(NotificationError::MissingField(Field::Answer))?;
    // Not signed; some servers post it JSON-escaped (`V4\/Payment`, as in Lyra's PHP SDK tests).
    let answer_type = answer_type.replace("\\/", "/");
    check_and_decode(
        [hash, algorithm, key_kind, answer_type, raw_answer],
        extra_fields,
        keys,
    )
}

/// The `_type` of the `KR.onSubmit` payload of a payment.
pub const CLIENT_ANSWER_TYPE: &str = "V4/Charge/ProcessPaymentAnswer";

/// The largest `KR.onSubmit` payload [`verify_client_answer`] accepts: 2 MiB (the answer is
/// there twice, parsed in `clientAnswer` and as text in `rawClientAnswer`).
pub const MAX_CLIENT_ANSWER_BYTES: usize = 2 * MAX_BODY_BYTES;

/// Verifies the result a single-page checkout receives in `KR.onSubmit` and posts to its
/// backend as JSON: `{"clientAnswer": {…}, "rawClientAnswer": "…", "hash": "…",
/// "hashAlgorithm": "sha256_hmac", "hashKey": "sha256_hmac", "_type":
/// "V4/Charge/ProcessPaymentAnswer", …}`.
///
/// The same rules and errors as [`verify`]: size ([`MAX_CLIENT_ANSWER_BYTES`]), presence,
/// uniqueness and type of the members, `hashAlgorithm == sha256_hmac`, `hashKey` selects the
/// key (the page receives `sha256_hmac`, the HMAC-SHA-256 key), the `hash` format, then the
/// HMAC over **`rawClientAnswer` only** (with `\/` read as `/`) in constant time; only then is
/// it decoded into a typed [`Payment`] ([`VerifiedAnswer::payment`], whose
/// [`answer_type`](VerifiedAnswer::answer_type) is then `V4/Payment`) and kept as text
/// ([`VerifiedAnswer::raw_answer`]). `clientAnswer` is never read: a payload without
/// `rawClientAnswer` is [`NotificationError::MissingJsonField`], however plausible its
/// `clientAnswer`. Other string members (`serverDate`, `formId`) are
/// [`VerifiedAnswer::extra_fields`], unsigned. Never panics.
///
/// ```
/// use pasarela::lyra::notification::{self, Keys, SignedWith};
///
/// let keys = Keys::new("testpassword_DEMO", "0123456789abcdeffedcba9876543210");
/// let raw = r#"{"shopId":"69876357","orderCycle":"CLOSED","orderStatus":"PAID","transactions":[],"_type":"V4/Payment"}"#;
/// // What the page posts: JSON.stringify of what KR.onSubmit gave it.
/// let body = serde_json::json!({
///     "clientAnswer": serde_json::from_str::<serde_json::Value>(raw).unwrap(),
///     "rawClientAnswer": raw,
///     "hash": notification::compute_hash(raw, &keys.hmac_key),
///     "hashAlgorithm": "sha256_hmac",
///     "hashKey": "sha256_hmac",
///     "_type": "V4/Charge/ProcessPaymentAnswer",
/// })
/// .to_string();
///
/// let verified = notification::verify_client_answer(body.as_bytes(), &keys).expect("authentic");
/// assert_eq!(verified.signed_with(), SignedWith::HmacKey);
/// assert!(verified.is_paid());
///
/// let forged = body.replace(r#"\"PAID\""#, r#"\"PAYD\""#);
/// assert!(notification::verify_client_answer(forged.as_bytes(), &keys)
///     .unwrap_err()
///     .is_signature_mismatch());
/// ```
pub fn verify_client_answer(body: &[u8], keys: &Keys) -> Result<VerifiedAnswer, NotificationError> {
    if body.len() > MAX_CLIENT_ANSWER_BYTES {
        return Err(NotificationError::BodyTooLarge {
            len: body.len(),
            max: MAX_CLIENT_ANSWER_BYTES,
        });
    }
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(NotificationError::EmptyBody);
    }
    let fields = client_answer::parse(body)?;
    let mut signed = fields.signed;
    for field in Field::ALL {
        if signed[field.index()].is_none() {
            return Err(NotificationError::MissingJsonField(
                client_answer::json_name(field),
            ));
        }
    }
    let answer_type = &mut signed[Field::AnswerType.index()];
    if answer_type.as_deref() == Some(CLIENT_ANSWER_TYPE) {
        *answer_type = Some(PAYMENT_ANSWER_TYPE.to_owned());
    }
    let signed = signed.map(Option::unwrap_or_default);
    check_and_decode(signed, fields.extra, keys)
}

/// The checks after the fields are read, shared by [`verify`] and [`verify_client_answer`].
fn check_and_decode(
    [hash, algorithm, key_kind, answer_type, raw_answer]: [String; 5],
    extra_fields: Vec<(String, String)>,
    keys: &Keys,
) -> Result<VerifiedAnswer, NotificationError> {
    if algorithm != HASH_ALGORITHM {
        return Err(NotificationError::UnsupportedAlgorithm(shorten(&algorithm)));
    }
    let signed_with = SignedWith::from_wire_name(&key_kind)
        .ok_or_else(|| NotificationError::UnknownKeyKind(shorten(&key_kind)))?;
    let key = keys.get(signed_with);
    if key.is_empty() {
        return Err(NotificationError::KeyNotConfigured(signed_with));
    }
    let expected = parse_hash(&hash)?;
    // `verify_slice` compares in constant time.
    mac_of(&raw_answer, key)
        .verify_slice(&expected)
        .map_err(|_| NotificationError::SignatureMismatch(signed_with))?;

    let answer = match decode_answer(&answer_type, &raw_answer) {
        Ok(answer) => answer,
        Err(error) => {
            return Err(NotificationError::UndecodableAnswer {
                signed_with,
                answer_type,
                raw_answer,
                error,
            })
        }
    };
    Ok(VerifiedAnswer {
        signed_with,
        answer_type,
        raw_answer,
        answer,
        extra_fields,
    })
}

/// Checks the `kr-hash` format and decodes it to 32 bytes.
fn parse_hash(hash: &str) -> Result<Vec<u8>, NotificationError> {
    let malformed = |reason| Err(NotificationError::MalformedHash(reason));
    if !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
        return malformed(MalformedHash::NotHex);
    }
    if hash.bytes().any(|b| b.is_ascii_uppercase()) {
        return malformed(MalformedHash::Uppercase);
    }
    if hash.len() != 64 {
        return malformed(MalformedHash::WrongLength { len: hash.len() });
    }
    hex::decode(hash).or(malformed(MalformedHash::NotHex))
}

fn decode_answer(answer_type: &str, raw: &str) -> Result<KrAnswer, String> {
    if answer_type == PAYMENT_ANSWER_TYPE {
        // Plain serde_json first (path tracking doubles the decoding time, BENCHMARKS.md §1);
        // only a failing answer is decoded again to name the failing field.
        if let Ok(payment) = serde_json::from_str::<Payment>(raw) {
            return Ok(KrAnswer::Payment(Box::new(payment)));
        }
        let deserializer = &mut serde_json::Deserializer::from_str(raw);
        let payment: Payment =
            serde_path_to_error::deserialize(&mut *deserializer).map_err(|e| {
                let path = e.path().to_string();
                format!("at {path}: {}", e.into_inner())
            })?;
        // Text after the JSON value is refused, as `serde_json::from_str` does.
        deserializer.end().map_err(|e| e.to_string())?;
        Ok(KrAnswer::Payment(Box::new(payment)))
    } else {
        serde_json::from_str(raw)
            .map(KrAnswer::Other)
            .map_err(|e| e.to_string())
    }
}

/// Keeps attacker-controlled strings short in errors.
fn shorten(value: &str) -> String {
    const MAX: usize = 40;
    if value.chars().count() <= MAX {
        value.to_owned()
    } else {
        let mut short: String = value.chars().take(MAX).collect();
        short.push('…');
        short
    }
}

/// Builds a correctly signed body, as Lyra would POST it, for a `V4/Payment` answer given as
/// JSON text: an IPN with [`SignedWith::Password`], a browser return with
/// [`SignedWith::HmacKey`]. For tests, the sandbox and local development.
///
/// The hash is computed with the same function [`verify`] uses.
pub fn sign(answer_json: &str, kind: SignedWith, keys: &Keys) -> Vec<u8> {
    sign_with_type(PAYMENT_ANSWER_TYPE, answer_json, kind, keys)
}

/// [`sign`] for another `kr-answer-type`.
pub fn sign_with_type(
    answer_type: &str,
    answer_json: &str,
    kind: SignedWith,
    keys: &Keys,
) -> Vec<u8> {
    let hash = compute_hash(answer_json, keys.get(kind));
    form_body::encode([
        (Field::Hash.name(), hash.as_str()),
        (Field::HashAlgorithm.name(), HASH_ALGORITHM),
        (Field::HashKey.name(), kind.wire_name()),
        (Field::AnswerType.name(), answer_type),
        (Field::Answer.name(), answer_json),
    ])
}

/// [`sign`] for a typed payment (serialised with `serde_json`).
pub fn sign_payment(payment: &Payment, kind: SignedWith, keys: &Keys) -> Vec<u8> {
    let json = serde_json::to_string(payment).expect("a generated type always serialises to JSON");
    sign(&json, kind, keys)
}

#[cfg(test)]
mod tests;
