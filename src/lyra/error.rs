//! The error of every Lyra web-service call: one opaque struct, a `#[non_exhaustive]` kind and
//! accessors (smithy-rs RFC 0022), so new failure modes and context are not breaking changes.

use std::error::Error as StdError;
use std::fmt;

use super::answer::Answer;
use crate::transport::BoxError;

/// A documented business error: the gateway answered `status: ERROR` with a
/// `V4/WebService/WebServiceError` (HTTP 200, or 401 for INT_905 on some platforms).
///
/// The request reached the gateway and was rejected; retrying the same body gives the same
/// answer unless the cause (credentials, input, state) changes. `Debug` shows the body's size,
/// not its content.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiError {
    pub(crate) web_service: String,
    pub(crate) error_code: String,
    pub(crate) error_message: Option<String>,
    pub(crate) detailed_error_code: Option<String>,
    pub(crate) detailed_error_message: Option<String>,
    pub(crate) ticket: Option<String>,
    pub(crate) shop_id: Option<String>,
    pub(crate) status: u16,
    pub(crate) raw_body: Vec<u8>,
}

impl ApiError {
    /// The web service, e.g. `Charge/CreatePayment`.
    pub fn web_service(&self) -> &str {
        &self.web_service
    }

    /// `errorCode`, e.g. `INT_902`, `INT_905`, `PSP_010`, `PSP_1000`.
    pub fn error_code(&self) -> &str {
        &self.error_code
    }

    /// `errorMessage`, the gateway's human-readable text.
    pub fn error_message(&self) -> Option<&str> {
        self.error_message.as_deref()
    }

    /// `detailedErrorCode`, often absent.
    pub fn detailed_error_code(&self) -> Option<&str> {
        self.detailed_error_code.as_deref()
    }

    /// `detailedErrorMessage`, e.g. `Invalid input value [name=currency, value=TTT]`.
    pub fn detailed_error_message(&self) -> Option<&str> {
        self.detailed_error_message.as_deref()
    }

    /// The request id Lyra support asks for: the error's `ticket`, else the envelope's. The
    /// string `"null"` some platforms send counts as absent.
    pub fn ticket(&self) -> Option<&str> {
        self.ticket.as_deref()
    }

    /// `shopId`, the shop the gateway says it answered for.
    pub fn shop_id(&self) -> Option<&str> {
        self.shop_id.as_deref()
    }

    /// The HTTP status of the answer (200, or 401 for INT_905 on some platforms).
    pub fn status(&self) -> u16 {
        self.status
    }

    /// The answer re-encoded as JSON (the envelope as decoded), for logs and support tickets.
    pub fn raw_body(&self) -> &[u8] {
        &self.raw_body
    }

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

impl fmt::Debug for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApiError")
            .field("web_service", &self.web_service)
            .field("error_code", &self.error_code)
            .field("error_message", &self.error_message)
            .field("detailed_error_code", &self.detailed_error_code)
            .field("detailed_error_message", &self.detailed_error_message)
            .field("ticket", &self.ticket)
            .field("shop_id", &self.shop_id)
            .field("status", &self.status)
            .field("raw_body_len", &self.raw_body.len())
            .finish()
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ", self.web_service)?;
        self.fmt_answer(f)
    }
}

impl ApiError {
    /// `answered CODE (message): detail [ticket …]`, without the web service (which
    /// [`LyraError`]'s `Display` already names).
    fn fmt_answer(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "answered {}", self.error_code)?;
        if let Some(message) = &self.error_message {
            write!(f, " ({message})")?;
        }
        if let Some(detail) = &self.detailed_error_message {
            write!(f, ": {detail}")?;
        } else if let Some(code) = &self.detailed_error_code {
            write!(f, ": {code}")?;
        }
        if let Some(ticket) = &self.ticket {
            write!(f, " [ticket {ticket}]")?;
        }
        Ok(())
    }
}

impl StdError for ApiError {}

/// What kind of failure a [`LyraError`] is. New kinds may be added in minor releases.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum LyraErrorKind {
    /// The gateway rejected the call with a documented error code ([`LyraError::api_error`]).
    Api,
    /// The request was not sent: it could not be built (e.g. a field failed its constraint).
    InvalidRequest,
    /// The connection could not be established: the request did not reach the gateway.
    Connect,
    /// No complete answer arrived in time. The gateway may have processed the request
    /// (unless the connection itself timed out: see [`LyraError::may_have_reached_gateway`]).
    Timeout,
    /// The connection failed after the request was sent. The gateway may have processed it.
    Transport,
    /// An HTTP status the API never uses for its envelopes (e.g. a 502 HTML page from a proxy).
    HttpStatus,
    /// HTTP 200 or 401 (the statuses that carry envelopes) but the body is not a V4 envelope.
    UndecodableResponse,
    /// A SUCCESS envelope whose answer has another `_type` than this web service returns.
    UnexpectedAnswer,
    /// The configuration is unusable (a base URL that does not parse, an empty password…).
    Config,
}

/// Why a Lyra call failed: [`LyraError::kind`] says what happened, the accessors give context,
/// `source()` reaches the transport or decoding cause.
///
/// A payment creation that timed out may have been processed, so check
/// [`LyraError::may_have_reached_gateway`] and read the state back before creating it again.
/// Neither `Display` nor `Debug` prints a credential, a URL or a response body.
pub struct LyraError {
    // Boxed: errors travel in every `Result`, so keep them one pointer wide.
    pub(crate) inner: Box<LyraErrorInner>,
}

pub(crate) struct LyraErrorInner {
    pub(crate) kind: LyraErrorKind,
    pub(crate) web_service: Option<String>,
    pub(crate) message: Option<String>,
    pub(crate) status: Option<u16>,
    pub(crate) reached: bool,
    pub(crate) api: Option<Box<ApiError>>,
    pub(crate) body: Option<Vec<u8>>,
    pub(crate) answer: Option<Box<Answer>>,
    pub(crate) expected: Option<&'static str>,
    pub(crate) source: Option<BoxError>,
}

impl LyraError {
    pub(crate) fn new(kind: LyraErrorKind, web_service: Option<&str>) -> Self {
        let inner = LyraErrorInner {
            kind,
            web_service: web_service.map(str::to_owned),
            message: None,
            status: None,
            reached: !matches!(
                kind,
                LyraErrorKind::InvalidRequest | LyraErrorKind::Connect | LyraErrorKind::Config
            ),
            api: None,
            body: None,
            answer: None,
            expected: None,
            source: None,
        };
        LyraError {
            inner: Box::new(inner),
        }
    }

    pub(crate) fn config(message: impl Into<String>) -> Self {
        LyraError::new(LyraErrorKind::Config, None).with_message(message)
    }

    pub(crate) fn with_message(mut self, message: impl Into<String>) -> Self {
        self.inner.message = Some(message.into());
        self
    }

    pub(crate) fn with_source(mut self, source: BoxError) -> Self {
        self.inner.source = Some(source);
        self
    }

    /// What kind of failure this is.
    pub fn kind(&self) -> LyraErrorKind {
        self.inner.kind
    }

    /// False only when the request certainly did not reach the gateway (not built, not
    /// connected, bad configuration). When true, a non-idempotent call (CreatePayment,
    /// CancelOrRefund…) may have taken effect: read the state back before repeating it.
    pub fn may_have_reached_gateway(&self) -> bool {
        self.inner.reached
    }

    /// The documented API error, if the gateway answered with one.
    pub fn api_error(&self) -> Option<&ApiError> {
        self.inner.api.as_deref()
    }

    /// The API `errorCode` (`INT_905`, `PSP_010`…), if the gateway answered with one.
    pub fn code(&self) -> Option<&str> {
        self.api_error().map(ApiError::error_code)
    }

    /// The HTTP status, when the gateway (or a proxy) answered.
    pub fn status(&self) -> Option<u16> {
        self.inner.status
    }

    /// The web service the error belongs to, when known.
    pub fn web_service(&self) -> Option<&str> {
        self.inner.web_service.as_deref()
    }

    /// The response body as received (the first 4 KiB for [`LyraErrorKind::HttpStatus`]), for
    /// the kinds that carry one. It may hold personal data: log it with care.
    pub fn raw_body(&self) -> Option<&[u8]> {
        match &self.inner.api {
            Some(api) => Some(api.raw_body()),
            None => self.inner.body.as_deref(),
        }
    }

    /// The answer of an [`LyraErrorKind::UnexpectedAnswer`] error, as received.
    pub fn unexpected_answer(&self) -> Option<&Answer> {
        self.inner.answer.as_deref()
    }

    /// True for [`LyraErrorKind::Timeout`].
    pub fn is_timeout(&self) -> bool {
        self.inner.kind == LyraErrorKind::Timeout
    }
}

impl fmt::Debug for LyraError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("LyraError");
        d.field("kind", &self.inner.kind)
            .field("web_service", &self.inner.web_service)
            .field("message", &self.inner.message)
            .field("status", &self.inner.status)
            .field("may_have_reached_gateway", &self.inner.reached);
        if let Some(api) = &self.inner.api {
            d.field("api", api);
        }
        if let Some(body) = &self.inner.body {
            d.field("raw_body_len", &body.len());
        }
        if let Some(answer) = &self.inner.answer {
            d.field("answer_type", &answer.type_name());
        }
        d.field("source", &self.inner.source).finish()
    }
}

impl fmt::Display for LyraError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.inner.web_service {
            Some(ws) => write!(f, "Lyra {ws}: ")?,
            None => f.write_str("Lyra: ")?,
        }
        let body_len = self.inner.body.as_ref().map_or(0, Vec::len);
        match self.inner.kind {
            LyraErrorKind::Api => match &self.inner.api {
                Some(api) => api.fmt_answer(f)?,
                None => f.write_str("API error")?,
            },
            LyraErrorKind::InvalidRequest => f.write_str("invalid request, not sent")?,
            LyraErrorKind::Connect => f.write_str("could not connect (request not sent)")?,
            LyraErrorKind::Timeout if self.inner.reached => {
                f.write_str("timed out; the gateway may have processed the request")?
            }
            LyraErrorKind::Timeout => f.write_str("timed out connecting (request not sent)")?,
            LyraErrorKind::Transport => f.write_str(
                "connection failed after sending; the gateway may have processed the request",
            )?,
            LyraErrorKind::HttpStatus => write!(
                f,
                "unexpected HTTP status {} ({body_len} bytes of body)",
                self.inner.status.unwrap_or_default()
            )?,
            LyraErrorKind::UndecodableResponse => write!(
                f,
                "undecodable response (HTTP {}, {body_len} bytes)",
                self.inner.status.unwrap_or_default()
            )?,
            LyraErrorKind::UnexpectedAnswer => write!(
                f,
                "expected an answer of _type {}, got {}",
                self.inner.expected.unwrap_or("?"),
                self.inner
                    .answer
                    .as_ref()
                    .and_then(|a| a.type_name())
                    .unwrap_or("(no _type)")
            )?,
            LyraErrorKind::Config => f.write_str("invalid configuration")?,
        }
        if let Some(message) = &self.inner.message {
            write!(f, ": {message}")?;
        }
        Ok(())
    }
}

impl StdError for LyraError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        // The API error is part of the message already; only real causes are sources.
        self.inner
            .source
            .as_deref()
            .map(|s| s as &(dyn StdError + 'static))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_displays_without_its_source_and_says_whether_it_was_sent() {
        let source: BoxError = "the cause".into();
        for kind in [
            LyraErrorKind::Api,
            LyraErrorKind::InvalidRequest,
            LyraErrorKind::Connect,
            LyraErrorKind::Timeout,
            LyraErrorKind::Transport,
            LyraErrorKind::HttpStatus,
            LyraErrorKind::UndecodableResponse,
            LyraErrorKind::UnexpectedAnswer,
            LyraErrorKind::Config,
        ] {
            let error =
                LyraError::new(kind, Some("Charge/SDKTest")).with_source(source.to_string().into());
            let text = error.to_string();
            assert!(text.starts_with("Lyra Charge/SDKTest: "), "{text}");
            assert!(
                !text.contains("the cause"),
                "the source is not repeated: {text}"
            );
            assert_eq!(
                error.source().map(|s| s.to_string()).as_deref(),
                Some("the cause")
            );
            let not_sent = matches!(
                kind,
                LyraErrorKind::InvalidRequest | LyraErrorKind::Connect | LyraErrorKind::Config
            );
            assert_eq!(error.may_have_reached_gateway(), !not_sent, "{kind:?}");
            assert!(format!("{error:?}").contains(&format!("{kind:?}")));
        }
    }
}
