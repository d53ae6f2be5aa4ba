//! The error of every Lyra web-service call.

use std::fmt;

/// A documented business error: the gateway answered `status: ERROR` with a
/// `V4/WebService/WebServiceError` (HTTP 200, or 401 for INT_905 on some platforms).
///
/// The request reached the gateway and was rejected; retrying the same body gives the same
/// answer unless the cause (credentials, input, state) changes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiError {
    /// The web service, e.g. `Charge/CreatePayment`.
    pub web_service: String,
    /// `errorCode`, e.g. `INT_902`, `INT_905`, `PSP_010`, `PSP_1000`.
    pub error_code: String,
    /// `errorMessage`, the gateway's human-readable text.
    pub error_message: Option<String>,
    /// `detailedErrorCode`, often absent.
    pub detailed_error_code: Option<String>,
    /// `detailedErrorMessage`, e.g. `Invalid input value [name=currency, value=TTT]`.
    pub detailed_error_message: Option<String>,
}

impl ApiError {
    /// True for INT_905: the shop id or password is wrong (or TEST/PROD keys are mixed).
    pub fn is_invalid_credentials(&self) -> bool {
        self.error_code == "INT_905"
    }

    /// True for INT_902 and the other INT_9xx input errors: fix the request, do not retry.
    pub fn is_invalid_request(&self) -> bool {
        self.error_code.starts_with("INT_")
    }

    /// True for the "not found" codes: PSP_010 (transaction) and PSP_1000 (payment order).
    pub fn is_not_found(&self) -> bool {
        matches!(self.error_code.as_str(), "PSP_010" | "PSP_1000")
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} answered {}", self.web_service, self.error_code)?;
        if let Some(message) = &self.error_message {
            write!(f, " ({message})")?;
        }
        if let Some(detail) = &self.detailed_error_message {
            write!(f, ": {detail}")?;
        } else if let Some(code) = &self.detailed_error_code {
            write!(f, ": {code}")?;
        }
        Ok(())
    }
}

/// Why a Lyra call failed. Each variant says whether the request may have reached the gateway
/// (see [`LyraError::may_have_reached_gateway`]): a payment creation that timed out may have
/// been processed, so check with a Get call before creating it again.
///
/// `Display` never contains credentials; response bodies are reachable through accessors only.
#[derive(Debug)]
#[non_exhaustive]
pub enum LyraError {
    /// The gateway rejected the call with a documented error code.
    Api(ApiError),
    /// The request was not sent: it could not be built (e.g. a field failed its spec constraint).
    InvalidRequest {
        /// The web service.
        web_service: String,
        /// Why.
        message: String,
    },
    /// The connection could not be established: the request did not reach the gateway.
    Connect {
        /// The web service.
        web_service: String,
        /// The transport's reason.
        message: String,
    },
    /// No complete answer arrived within the configured timeout. The gateway may have
    /// processed the request.
    Timeout {
        /// The web service.
        web_service: String,
    },
    /// The connection failed after the request was sent. The gateway may have processed it.
    Transport {
        /// The web service.
        web_service: String,
        /// The transport's reason.
        message: String,
    },
    /// An HTTP status the API never uses for its envelopes (e.g. a 502 HTML page from a proxy).
    HttpStatus {
        /// The web service.
        web_service: String,
        /// The HTTP status code.
        status: u16,
        /// The first kilobytes of the body, as text.
        body: String,
    },
    /// HTTP 200 or 401 (the statuses that carry envelopes) but the body is not a V4 envelope
    /// (e.g. a proxy's plain-text 401). The raw body is kept.
    UndecodableResponse {
        /// The web service.
        web_service: String,
        /// What did not decode (serde's reason).
        reason: String,
        /// The body exactly as received.
        body: Vec<u8>,
    },
    /// A SUCCESS envelope whose answer has another `_type` than this web service returns.
    UnexpectedAnswer {
        /// The web service.
        web_service: String,
        /// The `_type` this call expects.
        expected: &'static str,
        /// The answer as received.
        answer: Box<super::answer::Answer>,
    },
    /// The configuration is unusable (e.g. a base URL that does not parse, an empty password).
    Config(String),
}

impl LyraError {
    /// False only when the request certainly did not reach the gateway (not built, not
    /// connected, bad configuration). When true, a non-idempotent call (CreatePayment,
    /// CancelOrRefund…) may have taken effect: read the state back before repeating it.
    pub fn may_have_reached_gateway(&self) -> bool {
        !matches!(
            self,
            LyraError::InvalidRequest { .. } | LyraError::Connect { .. } | LyraError::Config(_)
        )
    }

    /// The documented API error, if the gateway answered with one.
    pub fn api_error(&self) -> Option<&ApiError> {
        match self {
            LyraError::Api(e) => Some(e),
            _ => None,
        }
    }

    /// The web service the error belongs to, when known.
    pub fn web_service(&self) -> Option<&str> {
        match self {
            LyraError::Api(e) => Some(&e.web_service),
            LyraError::InvalidRequest { web_service, .. }
            | LyraError::Connect { web_service, .. }
            | LyraError::Timeout { web_service }
            | LyraError::Transport { web_service, .. }
            | LyraError::HttpStatus { web_service, .. }
            | LyraError::UndecodableResponse { web_service, .. }
            | LyraError::UnexpectedAnswer { web_service, .. } => Some(web_service),
            LyraError::Config(_) => None,
        }
    }

    /// The raw response body, for the kinds that carry one.
    pub fn raw_body(&self) -> Option<&[u8]> {
        match self {
            LyraError::HttpStatus { body, .. } => Some(body.as_bytes()),
            LyraError::UndecodableResponse { body, .. } => Some(body),
            _ => None,
        }
    }
}

impl fmt::Display for LyraError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LyraError::Api(e) => write!(f, "Lyra API error: {e}"),
            LyraError::InvalidRequest {
                web_service,
                message,
            } => {
                write!(
                    f,
                    "Lyra {web_service}: invalid request, not sent: {message}"
                )
            }
            LyraError::Connect {
                web_service,
                message,
            } => {
                write!(
                    f,
                    "Lyra {web_service}: could not connect (request not sent): {message}"
                )
            }
            LyraError::Timeout { web_service } => {
                write!(
                    f,
                    "Lyra {web_service}: timed out; the gateway may have processed the request"
                )
            }
            LyraError::Transport {
                web_service,
                message,
            } => {
                write!(f, "Lyra {web_service}: connection failed after sending; the gateway may have processed the request: {message}")
            }
            LyraError::HttpStatus {
                web_service,
                status,
                body,
            } => {
                write!(
                    f,
                    "Lyra {web_service}: unexpected HTTP status {status} ({} bytes of body)",
                    body.len()
                )
            }
            LyraError::UndecodableResponse {
                web_service,
                reason,
                body,
            } => {
                write!(
                    f,
                    "Lyra {web_service}: undecodable response ({} bytes): {reason}",
                    body.len()
                )
            }
            LyraError::UnexpectedAnswer {
                web_service,
                expected,
                answer,
            } => write!(
                f,
                "Lyra {web_service}: expected an answer of _type {expected}, got {}",
                answer.type_name().unwrap_or("(no _type)")
            ),
            LyraError::Config(message) => write!(f, "Lyra configuration: {message}"),
        }
    }
}

impl std::error::Error for LyraError {}
