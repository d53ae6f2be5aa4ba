//! Why a browser return or an IPN was rejected.

use std::fmt;

use super::SignedWith;

/// A form field of the signed result (`kr-*`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Field {
    /// `kr-hash`: the hex HMAC of `kr-answer`.
    Hash,
    /// `kr-hash-algorithm`: always `sha256_hmac`.
    HashAlgorithm,
    /// `kr-hash-key`: which key signed (`password` or `sha256_hmac`).
    HashKey,
    /// `kr-answer-type`: the `_type` of the answer (`V4/Payment`).
    AnswerType,
    /// `kr-answer`: the JSON answer.
    Answer,
}

impl Field {
    /// The five signature fields, in the order they are checked.
    pub const ALL: [Field; 5] = [
        Field::Hash,
        Field::HashAlgorithm,
        Field::HashKey,
        Field::AnswerType,
        Field::Answer,
    ];

    /// The form field name (`kr-hash`, …).
    pub fn name(self) -> &'static str {
        match self {
            Field::Hash => "kr-hash",
            Field::HashAlgorithm => "kr-hash-algorithm",
            Field::HashKey => "kr-hash-key",
            Field::AnswerType => "kr-answer-type",
            Field::Answer => "kr-answer",
        }
    }

    /// Position in [`Field::ALL`].
    pub(crate) fn index(self) -> usize {
        self as usize
    }

    pub(crate) fn from_name(name: &str) -> Option<Field> {
        Field::ALL.into_iter().find(|field| field.name() == name)
    }
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// What is wrong with a `kr-hash` value. The gateway always sends 64 lowercase hex digits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum MalformedHash {
    /// A character outside `0-9a-fA-F`.
    NotHex,
    /// Hex digits, but some are uppercase (`hash_hmac` and Lyra produce lowercase only).
    Uppercase,
    /// Lowercase hex, but not 64 digits long (odd lengths included).
    WrongLength {
        /// The length received, in characters.
        len: usize,
    },
}

impl fmt::Display for MalformedHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MalformedHash::NotHex => f.write_str("it contains a non-hexadecimal character"),
            MalformedHash::Uppercase => {
                f.write_str("it contains uppercase hex digits (expected lowercase)")
            }
            MalformedHash::WrongLength { len } => {
                write!(f, "it has {len} hex digits (expected 64)")
            }
        }
    }
}

/// Why [`verify`](super::verify) rejected a POST body.
///
/// Only [`NotificationError::UndecodableAnswer`] means the body is authentic; every other
/// variant means nothing in the body may be trusted. `Display` never prints a key, a hash or
/// the answer (which holds personal data).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum NotificationError {
    /// The body is larger than [`MAX_BODY_BYTES`](super::MAX_BODY_BYTES).
    #[error("the body is {len} bytes, more than the {max} bytes a Lyra result can be")]
    BodyTooLarge {
        /// Size received.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// The body is empty (the request had no form at all).
    #[error("the body is empty: expected an application/x-www-form-urlencoded Lyra result")]
    EmptyBody,
    /// A form field does not decode to UTF-8 text.
    #[error("form field {field:?} is not valid UTF-8 after URL-decoding")]
    InvalidUtf8 {
        /// The field name (lossily decoded, shortened).
        field: String,
    },
    /// A signature field is absent.
    #[error("the body has no {0} field")]
    MissingField(Field),
    /// A member of the `KR.onSubmit` payload (see
    /// [`verify_client_answer`](super::verify_client_answer)) is absent: `hash`,
    /// `hashAlgorithm`, `hashKey`, `_type` or `rawClientAnswer` (a payload with only
    /// `clientAnswer` is refused: the signature covers the raw text, never a re-serialisation).
    #[error("the onSubmit payload has no {0} member")]
    MissingJsonField(&'static str),
    /// A member of the `KR.onSubmit` payload appears more than once.
    #[error("the onSubmit payload has more than one {0} member")]
    DuplicateJsonField(&'static str),
    /// A signature member of the `KR.onSubmit` payload is not a JSON string.
    #[error("the onSubmit member {0} is not a string")]
    NotAString(&'static str),
    /// The `KR.onSubmit` payload is not a JSON object.
    #[error("the body is not the JSON object KR.onSubmit gives: {0}")]
    NotJson(String),
    /// A signature field appears more than once: which copy the signature covers would be
    /// ambiguous, so the body is rejected.
    #[error("the body has more than one {0} field")]
    DuplicateField(Field),
    /// `kr-hash-algorithm` is not `sha256_hmac`.
    #[error("unsupported kr-hash-algorithm {0:?} (only sha256_hmac exists)")]
    UnsupportedAlgorithm(String),
    /// `kr-hash-key` is neither `password` (IPN) nor `sha256_hmac` (browser return).
    #[error("unknown kr-hash-key {0:?} (expected \"password\" or \"sha256_hmac\")")]
    UnknownKeyKind(String),
    /// The key the body names is empty in the [`Keys`](super::Keys) given: an empty HMAC key
    /// would let anyone forge a signature, so this is refused instead of computed.
    #[error("the {0} is not configured (empty), so this result cannot be checked")]
    KeyNotConfigured(SignedWith),
    /// `kr-hash` is not 64 lowercase hex digits.
    #[error("malformed kr-hash: {0}")]
    MalformedHash(MalformedHash),
    /// The signature does not match: the body is forged, altered, or signed with another key
    /// (TEST vs PRODUCTION, another shop…).
    #[error("kr-hash does not match kr-answer signed with the {0}: the result is not authentic")]
    SignatureMismatch(SignedWith),
    /// The signature holds, but `kr-answer` does not decode as its `kr-answer-type`. The
    /// gateway did send this: store `raw_answer` and report the error.
    #[error("kr-answer is authentic (signed with the {signed_with}) but does not decode as {answer_type}: {error}")]
    UndecodableAnswer {
        /// Which key signed it.
        signed_with: SignedWith,
        /// `kr-answer-type`.
        answer_type: String,
        /// The verified `kr-answer`, exactly as posted.
        raw_answer: String,
        /// The decoding error, with the JSON path where it happened (`transactions[0].amount: …`).
        error: String,
    },
}

impl NotificationError {
    /// A stable snake-case code for logs and metrics (`signature_mismatch`, `missing_field`…).
    pub fn code(&self) -> &'static str {
        match self {
            NotificationError::BodyTooLarge { .. } => "body_too_large",
            NotificationError::EmptyBody => "empty_body",
            NotificationError::InvalidUtf8 { .. } => "invalid_utf8",
            NotificationError::MissingField(_) | NotificationError::MissingJsonField(_) => {
                "missing_field"
            }
            NotificationError::DuplicateField(_) | NotificationError::DuplicateJsonField(_) => {
                "duplicate_field"
            }
            NotificationError::NotAString(_) => "wrong_type",
            NotificationError::NotJson(_) => "not_json",
            NotificationError::UnsupportedAlgorithm(_) => "unsupported_algorithm",
            NotificationError::UnknownKeyKind(_) => "unknown_key_kind",
            NotificationError::KeyNotConfigured(_) => "key_not_configured",
            NotificationError::MalformedHash(_) => "malformed_hash",
            NotificationError::SignatureMismatch(_) => "signature_mismatch",
            NotificationError::UndecodableAnswer { .. } => "undecodable_answer",
        }
    }

    /// True only for [`NotificationError::SignatureMismatch`]: a well-formed body whose
    /// signature is wrong (the CLI exits 1 for it, 2 for everything else).
    pub fn is_signature_mismatch(&self) -> bool {
        matches!(self, NotificationError::SignatureMismatch(_))
    }

    /// True when the body is authentic despite the error (only
    /// [`NotificationError::UndecodableAnswer`]).
    pub fn is_authentic(&self) -> bool {
        matches!(self, NotificationError::UndecodableAnswer { .. })
    }
}
