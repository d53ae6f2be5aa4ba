//! The one error type of the ETpay module.

use thiserror::Error;

/// Everything that can go wrong talking to ETpay or checking one of its JWTs.
///
/// No variant holds a third-party type, and `Display` never prints a credential: response
/// bodies are kept in fields ([`EtpayError::body`]) rather than in the message.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum EtpayError {
    /// The configuration is unusable (bad URL, empty credential, HTTP client setup failed).
    #[error("invalid ETpay configuration: {reason}")]
    Config {
        /// What is wrong.
        reason: String,
    },
    /// The request could not be built (e.g. `merchant_order_id` longer than 64 characters).
    /// Nothing was sent.
    #[error("invalid ETpay request: {reason}")]
    InvalidRequest {
        /// What is wrong.
        reason: String,
    },
    /// The HTTP exchange failed (connection refused, reset, TLS, body cut short).
    #[error("could not talk to ETpay ({}): {message}", reach(*may_have_reached_etpay))]
    Transport {
        /// False only when ETpay certainly did not receive the request (e.g. the connection
        /// was never established); retrying a session creation is then safe.
        may_have_reached_etpay: bool,
        /// The transport's description of the failure.
        message: String,
    },
    /// No answer within the configured timeout.
    #[error("ETpay did not answer in time ({})", reach(*may_have_reached_etpay))]
    Timeout {
        /// False when the connection itself timed out.
        may_have_reached_etpay: bool,
    },
    /// ETpay answered with a non-2xx status. ETpay documents no error format, so the body is
    /// kept as text.
    #[error("ETpay answered HTTP {status}")]
    Status {
        /// The HTTP status code.
        status: u16,
        /// The response body, as text (lossy UTF-8).
        body: String,
    },
    /// ETpay answered 2xx but the body is not the documented JSON.
    #[error("ETpay answered HTTP {status} with an undecodable body: {reason}")]
    Decode {
        /// The HTTP status code.
        status: u16,
        /// The response body, as text (lossy UTF-8).
        body: String,
        /// Why decoding failed.
        reason: String,
    },
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
}

fn reach(may_have_reached: bool) -> &'static str {
    if may_have_reached {
        "the request may have reached ETpay"
    } else {
        "the request did not reach ETpay"
    }
}

impl EtpayError {
    /// Whether ETpay may have received (and acted on) the request. Only meaningful for HTTP
    /// errors; false for configuration, request-building and JWT errors.
    pub fn may_have_reached_etpay(&self) -> bool {
        match self {
            EtpayError::Transport {
                may_have_reached_etpay,
                ..
            }
            | EtpayError::Timeout {
                may_have_reached_etpay,
            } => *may_have_reached_etpay,
            EtpayError::Status { .. } | EtpayError::Decode { .. } => true,
            _ => false,
        }
    }

    /// The HTTP status, when ETpay answered.
    pub fn status(&self) -> Option<u16> {
        match self {
            EtpayError::Status { status, .. } | EtpayError::Decode { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// The response body text, when ETpay answered something unusable.
    pub fn body(&self) -> Option<&str> {
        match self {
            EtpayError::Status { body, .. } | EtpayError::Decode { body, .. } => Some(body),
            _ => None,
        }
    }

    /// True when a JWT was well-formed but must not be trusted: bad signature, another
    /// algorithm, unacceptable claims, too old or from the future. False for malformed input
    /// and for non-JWT errors.
    pub fn is_not_authentic(&self) -> bool {
        matches!(
            self,
            EtpayError::BadSignature
                | EtpayError::WrongAlgorithm { .. }
                | EtpayError::InvalidClaims { .. }
                | EtpayError::TooOld { .. }
                | EtpayError::IssuedInFuture { .. }
        )
    }

    /// True when the input could not be read as a JWT or notification body at all.
    pub fn is_malformed(&self) -> bool {
        matches!(self, EtpayError::Malformed { .. })
    }
}
