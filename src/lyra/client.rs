//! The hand-written client: Basic auth, envelope unwrapping and typed errors on top of the
//! generated one.

use base64::Engine as _;
use reqwest::header::{HeaderMap, HeaderValue, AUTHORIZATION};

use super::answer::{Answer, FromAnswer};
use super::error::{ApiError, LyraError, LyraErrorKind};
use super::types::{self, WebServiceResponse};
use super::{GeneratedClient, LyraConfig};

/// A client of the Lyra V4 REST API for one shop.
///
/// Every method posts one web service and returns its typed answer. A `status: ERROR`
/// envelope becomes a [`LyraErrorKind::Api`] error; transport problems, timeouts and
/// undecodable bodies are their own [`LyraErrorKind`]s. Nothing is retried automatically: creating a payment
/// twice is worse than failing once.
///
/// ```no_run
/// # async fn run() -> Result<(), pasarela::lyra::LyraError> {
/// use pasarela::lyra::{server, types, LyraClient, LyraConfig};
/// let client = LyraClient::new(&LyraConfig::new("89289758", "testpassword_…", server::MICUENTAWEB))?;
/// let echo = client.sdk_test(types::SdkTestRequest { value: "ping".into() }).await?;
/// assert_eq!(echo.value.as_deref(), Some("ping"));
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
pub struct LyraClient {
    inner: GeneratedClient,
    shop_id: String,
}

impl LyraClient {
    /// Builds the HTTP client: Basic auth `shop_id:password` on every request (marked
    /// sensitive so it never appears in debug output), timeouts and user agent.
    ///
    /// # Errors
    /// A [`LyraErrorKind::Config`] error when the base URL is unusable or a credential is empty.
    pub fn new(config: &LyraConfig) -> Result<Self, LyraError> {
        let base_url = crate::transport::check_base_url("the base URL", &config.base_url)
            .map_err(LyraError::config)?;
        if config.shop_id.is_empty() || config.password.is_empty() {
            return Err(LyraError::config(
                "the shop id and the password must not be empty",
            ));
        }
        if config.shop_id.contains(':') {
            return Err(LyraError::config("the shop id must not contain ':'"));
        }
        let credentials = base64::engine::general_purpose::STANDARD.encode(format!(
            "{}:{}",
            config.shop_id,
            config.password.expose()
        ));
        let mut auth = HeaderValue::from_str(&format!("Basic {credentials}")).map_err(|_| {
            LyraError::config("the credentials contain characters not allowed in a header")
        })?;
        auth.set_sensitive(true);
        let mut headers = HeaderMap::new();
        headers.insert(AUTHORIZATION, auth);
        let http = crate::transport::build_client(crate::transport::Settings {
            timeout: config.timeout,
            connect_timeout: config.connect_timeout,
            user_agent: &config.user_agent,
            default_headers: headers,
        })
        .map_err(LyraError::config)?;
        let base_url = base_url.as_str().trim_end_matches('/');
        Ok(LyraClient {
            inner: GeneratedClient::new_with_client(base_url, http),
            shop_id: config.shop_id.clone(),
        })
    }

    /// The shop id this client authenticates as.
    pub fn shop_id(&self) -> &str {
        &self.shop_id
    }

    /// The generated client, for callers who want the raw envelope of an operation.
    pub fn generated(&self) -> &GeneratedClient {
        &self.inner
    }
}

pub(super) type GeneratedResult = Result<
    progenitor_client::ResponseValue<WebServiceResponse>,
    progenitor_client::Error<WebServiceResponse>,
>;

/// Turns the generated client's result into the typed answer or a [`LyraError`].
pub(super) async fn unwrap_envelope<T: FromAnswer>(
    web_service: &str,
    result: GeneratedResult,
) -> Result<T, LyraError> {
    use progenitor_client::Error as E;
    let (status, envelope) = match result {
        Ok(value) => (value.status().as_u16(), value.into_inner()),
        // HTTP 401 with an envelope (INT_905 on some platforms).
        Err(E::ErrorResponse(value)) => (value.status().as_u16(), value.into_inner()),
        Err(error) => return Err(failure(web_service, error).await),
    };
    let raw_body = serde_json::to_vec(&envelope).unwrap_or_default();
    let WebServiceResponse {
        status: envelope_status,
        answer,
        web_service: answered_ws,
        ticket,
        ..
    } = envelope;
    let web_service = answered_ws.unwrap_or_else(|| web_service.to_owned());
    let unexpected = |expected: &'static str, answer: Answer| {
        let mut error = LyraError::new(LyraErrorKind::UnexpectedAnswer, Some(&web_service));
        error.inner.status = Some(status);
        error.inner.expected = Some(expected);
        error.inner.answer = Some(Box::new(answer));
        error
    };
    if let Answer::WebServiceError(error) = answer {
        let api = api_error(&web_service, error, ticket, status, raw_body);
        let mut error = LyraError::new(LyraErrorKind::Api, Some(&web_service));
        error.inner.status = Some(status);
        error.inner.api = Some(Box::new(api));
        return Err(error);
    }
    if envelope_status == Some(types::ResponseStatus::Error) {
        // An ERROR envelope whose answer is not a WebServiceError: still an error.
        return Err(unexpected("V4/WebService/WebServiceError", answer));
    }
    T::from_answer(answer).map_err(|answer| unexpected(T::TYPE, answer))
}

/// Every generated-client failure other than an envelope.
async fn failure(
    web_service: &str,
    error: progenitor_client::Error<WebServiceResponse>,
) -> LyraError {
    use progenitor_client::Error as E;
    let ws = Some(web_service);
    match error {
        E::InvalidRequest(message) => {
            LyraError::new(LyraErrorKind::InvalidRequest, ws).with_message(message)
        }
        E::CommunicationError(e) => transport_error(web_service, e, false),
        E::ResponseBodyError(e) => transport_error(web_service, e, true),
        E::InvalidResponsePayload(body, e) => {
            let mut error =
                LyraError::new(LyraErrorKind::UndecodableResponse, ws).with_source(Box::new(e));
            error.inner.body = Some(body.to_vec());
            error
        }
        E::UnexpectedResponse(response) => {
            let mut error = LyraError::new(LyraErrorKind::HttpStatus, ws);
            error.inner.status = Some(response.status().as_u16());
            match response.bytes().await {
                Ok(bytes) => error.inner.body = Some(bytes[..bytes.len().min(4096)].to_vec()),
                Err(e) => error.inner.source = Some(Box::new(e.without_url())),
            }
            error
        }
        other => LyraError::new(LyraErrorKind::Transport, ws)
            .with_message(crate::transport::chain(&other)),
    }
}

fn api_error(
    web_service: &str,
    error: types::WebServiceError,
    envelope_ticket: Option<String>,
    status: u16,
    raw_body: Vec<u8>,
) -> ApiError {
    // Some platforms send the string "null" for an absent ticket.
    let real = |t: Option<String>| t.filter(|t| !t.is_empty() && t != "null");
    ApiError {
        web_service: web_service.to_owned(),
        error_code: error.error_code,
        error_message: error.error_message,
        detailed_error_code: error.detailed_error_code,
        detailed_error_message: error.detailed_error_message,
        ticket: real(error.ticket).or_else(|| real(envelope_ticket)),
        shop_id: error.shop_id,
        status,
        raw_body,
    }
}

fn transport_error(web_service: &str, e: reqwest::Error, body_phase: bool) -> LyraError {
    use crate::transport::Failure;
    let (failure, source) = crate::transport::transport_failure(e, body_phase);
    let kind = match failure {
        Failure::Builder => LyraErrorKind::InvalidRequest,
        Failure::Connect => LyraErrorKind::Connect,
        Failure::Timeout { .. } => LyraErrorKind::Timeout,
        Failure::Broken => LyraErrorKind::Transport,
    };
    let mut error = LyraError::new(kind, Some(web_service)).with_source(source);
    error.inner.reached = failure.may_have_reached();
    error
}
