//! The two ETpay errors: [`EtpayError`] for HTTP calls (opaque struct + kind, as
//! [`LyraError`](crate::lyra::LyraError)), and [`VerifyError`] for JWTs and notification bodies
//! (as Lyra's [`NotificationError`](crate::lyra::notification::NotificationError)).

use std::error::Error as StdError;
use std::fmt;

use crate::transport::BoxError;

/// What kind of failure an [`EtpayError`] is. New kinds may be added in minor releases.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum EtpayErrorKind {
    /// The configuration is unusable (bad URL, empty credential, HTTP client setup failed).
    Config,
    /// The request could not be built (e.g. `merchant_order_id` longer than 64 characters).
    /// Nothing was sent.
    InvalidRequest,
    /// The connection could not be established: ETpay did not receive the request.
    Connect,
    /// No answer in time ([`EtpayError::may_have_reached_etpay`] tells whether it was sent).
    Timeout,
    /// The connection broke after the request was sent (reset, body cut short).
    Transport,
    /// ETpay answered with a non-2xx status. ETpay documents no error format.
    Status,
    /// ETpay answered 2xx but the body is not the documented JSON (or holds unusable tokens).
    Decode,
}

/// Why an ETpay HTTP call failed: [`EtpayError::kind`] says what happened, the accessors give
/// context, `source()` reaches the transport or decoding cause.
///
/// Neither `Display` nor `Debug` prints a credential, a URL or a response body: an answer
/// can hold the session's `signature_token`, so the body is only behind
/// [`EtpayError::raw_body`].
pub struct EtpayError {
    // Boxed: errors travel in every `Result`, so keep them one pointer wide.
    pub(crate) inner: Box<EtpayErrorInner>,
}

pub(crate) struct EtpayErrorInner {
    pub(crate) kind: EtpayErrorKind,
    pub(crate) message: Option<String>,
    pub(crate) status: Option<u16>,
    pub(crate) reached: bool,
    pub(crate) body: Option<Vec<u8>>,
    pub(crate) code: Option<String>,
    pub(crate) source: Option<BoxError>,
}

impl EtpayError {
    pub(crate) fn new(kind: EtpayErrorKind) -> Self {
        let inner = EtpayErrorInner {
            kind,
            message: None,
            status: None,
            reached: matches!(kind, EtpayErrorKind::Status | EtpayErrorKind::Decode),
            body: None,
            code: None,
            source: None,
        };
        EtpayError {
            inner: Box::new(inner),
        }
    }

    pub(crate) fn config(reason: impl Into<String>) -> Self {
        EtpayError::new(EtpayErrorKind::Config).with_message(reason)
    }

    pub(crate) fn invalid_request(reason: impl Into<String>) -> Self {
        EtpayError::new(EtpayErrorKind::InvalidRequest).with_message(reason)
    }

    pub(crate) fn with_message(mut self, message: impl Into<String>) -> Self {
        self.inner.message = Some(message.into());
        self
    }

    /// An answer ETpay sent: `Status` (non-2xx) or `Decode` (2xx but unusable).
    pub(crate) fn answered(kind: EtpayErrorKind, status: u16, body: Vec<u8>) -> Self {
        let mut error = EtpayError::new(kind);
        error.inner.status = Some(status);
        if kind == EtpayErrorKind::Status {
            error.inner.code = error_code(&body);
        }
        error.inner.body = Some(body);
        error
    }

    pub(crate) fn with_source(mut self, source: BoxError) -> Self {
        self.inner.source = Some(source);
        self
    }

    /// What kind of failure this is.
    pub fn kind(&self) -> EtpayErrorKind {
        self.inner.kind
    }

    /// Whether ETpay may have received (and acted on) the request. False for configuration,
    /// request-building and connection errors: retrying a session creation is then safe.
    pub fn may_have_reached_etpay(&self) -> bool {
        self.inner.reached
    }

    /// The HTTP status, when ETpay answered.
    pub fn status(&self) -> Option<u16> {
        self.inner.status
    }

    /// The `code` (or `error`) string of a JSON error body, when ETpay sent one. ETpay
    /// documents no error format, so this is often `None`.
    pub fn code(&self) -> Option<&str> {
        self.inner.code.as_deref()
    }

    /// The response body exactly as received, for [`EtpayErrorKind::Status`] and
    /// [`EtpayErrorKind::Decode`].
    ///
    /// **May be secret**: a session answer that failed to decode can hold the session's
    /// `signature_token`. Never log it unredacted; this is why `Debug` shows only its length.
    pub fn raw_body(&self) -> Option<&[u8]> {
        self.inner.body.as_deref()
    }
}

/// The `code` or `error` string field of a JSON object body.
fn error_code(body: &[u8]) -> Option<String> {
    let value: serde_json::Value = serde_json::from_slice(body).ok()?;
    ["code", "error"]
        .iter()
        .find_map(|key| value.get(key)?.as_str().map(str::to_owned))
}

impl fmt::Debug for EtpayError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EtpayError")
            .field("kind", &self.inner.kind)
            .field("message", &self.inner.message)
            .field("status", &self.inner.status)
            .field("code", &self.inner.code)
            .field("may_have_reached_etpay", &self.inner.reached)
            .field("raw_body_len", &self.inner.body.as_ref().map(Vec::len))
            .field("source", &self.inner.source)
            .finish()
    }
}

impl fmt::Display for EtpayError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let status = self.inner.status.unwrap_or_default();
        match self.inner.kind {
            EtpayErrorKind::Config => f.write_str("invalid ETpay configuration")?,
            EtpayErrorKind::InvalidRequest => f.write_str("invalid ETpay request, not sent")?,
            EtpayErrorKind::Connect => {
                f.write_str("could not connect to ETpay (request not sent)")?
            }
            EtpayErrorKind::Timeout if self.inner.reached => {
                f.write_str("ETpay did not answer in time; the request may have reached ETpay")?
            }
            EtpayErrorKind::Timeout => {
                f.write_str("timed out connecting to ETpay (request not sent)")?
            }
            EtpayErrorKind::Transport => {
                f.write_str("the connection to ETpay failed; the request may have reached ETpay")?
            }
            EtpayErrorKind::Status => write!(f, "ETpay answered HTTP {status}")?,
            EtpayErrorKind::Decode => {
                write!(f, "ETpay answered HTTP {status} with an undecodable body")?
            }
        }
        if let Some(message) = &self.inner.message {
            write!(f, ": {message}")?;
        }
        Ok(())
    }
}

impl StdError for EtpayError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        self.inner
            .source
            .as_deref()
            .map(|s| s as &(dyn StdError + 'static))
    }
}

/// Why a JWT or notification body from ETpay was rejected. Only the verification key is
/// secret, and no variant holds it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum VerifyError {
    /// The verification key (signature token or session token) is empty: an empty HMAC key
    /// would let anyone forge a JWT, so this is refused instead of computed.
    #[error("the verification key is empty")]
    KeyNotConfigured,
    /// The input is not a JWT, not a notification body, or its parts do not decode.
    #[error("malformed ETpay JWT or notification: {reason}")]
    Malformed {
        /// What is wrong.
        reason: String,
    },
    /// The JWT's signature does not match the key (altered, truncated or forged token, or the
    /// wrong session's key).
    #[error("the JWT signature does not match the key")]
    BadSignature,
    /// The JWT header names another algorithm than HS256 (`none`, HS384, RS256…).
    #[error("the JWT uses algorithm {alg:?}; only HS256 is accepted")]
    WrongAlgorithm {
        /// The algorithm named in the header.
        alg: String,
    },
    /// The signature is valid but the claims are not acceptable (e.g. no `iat`, or a
    /// session-token-signed JWT that is not a system error).
    #[error("the JWT claims are not acceptable: {reason}")]
    InvalidClaims {
        /// What is wrong.
        reason: String,
    },
    /// The JWT is older than the maximum age the caller allows.
    #[error("the JWT is {age_secs} s old; at most {max_age_secs} s is allowed")]
    TooOld {
        /// Now minus `iat`.
        age_secs: u64,
        /// The configured maximum.
        max_age_secs: u64,
    },
    /// The JWT's `iat` lies further in the future than the clock-skew allowance.
    #[error("the JWT was issued {ahead_secs} s in the future")]
    IssuedInFuture {
        /// `iat` minus now.
        ahead_secs: u64,
    },
    /// The JWT carries an `exp` claim that has passed (beyond the clock-skew allowance).
    #[error("the JWT expired at {exp} (now {now})")]
    Expired {
        /// The `exp` claim (Unix seconds).
        exp: u64,
        /// The verifier's clock.
        now: u64,
    },
    /// The JWT carries an `nbf` claim still in the future (beyond the clock-skew allowance).
    #[error("the JWT is not valid before {nbf} (now {now})")]
    NotYetValid {
        /// The `nbf` claim (Unix seconds).
        nbf: u64,
        /// The verifier's clock.
        now: u64,
    },
    /// The JWT header has a `crit` parameter: it names extensions this verifier does not
    /// implement, so the JWS is invalid (RFC 7515 §4.1.11).
    #[error("the JWT header marks extensions as critical ({names:?}); none is supported")]
    CriticalHeader {
        /// The names listed in `crit` (as JSON text when `crit` is not a list of strings).
        names: Vec<String>,
    },
    /// The input is larger than [`MAX_INPUT_BYTES`](crate::input::MAX_INPUT_BYTES): refused
    /// before parsing.
    #[error("the input is {len} bytes, more than the {max} bytes a notification can be")]
    InputTooLarge {
        /// Size received.
        len: usize,
        /// The cap.
        max: usize,
    },
}

impl VerifyError {
    /// True when a JWT was well-formed but must not be trusted: bad signature, another
    /// algorithm, unacceptable claims, too old or from the future.
    pub fn is_not_authentic(&self) -> bool {
        matches!(
            self,
            VerifyError::BadSignature
                | VerifyError::WrongAlgorithm { .. }
                | VerifyError::InvalidClaims { .. }
                | VerifyError::TooOld { .. }
                | VerifyError::IssuedInFuture { .. }
                | VerifyError::Expired { .. }
                | VerifyError::NotYetValid { .. }
                | VerifyError::CriticalHeader { .. }
        )
    }

    /// True when the input could not be read as a JWT or notification body at all.
    pub fn is_malformed(&self) -> bool {
        matches!(
            self,
            VerifyError::Malformed { .. } | VerifyError::InputTooLarge { .. }
        )
    }
}
