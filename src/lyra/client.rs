//! The hand-written client: Basic auth, envelope unwrapping and typed errors on top of the
//! generated one.

use base64::Engine as _;
use reqwest::header::{HeaderMap, HeaderValue, AUTHORIZATION};

use super::answer::{Answer, FromAnswer};
use super::error::{ApiError, LyraError};
use super::types::{self, WebServiceResponse};
use super::{GeneratedClient, LyraConfig};

/// A client of the Lyra V4 REST API for one shop.
///
/// Every method posts one web service and returns its typed answer. A `status: ERROR`
/// envelope becomes [`LyraError::Api`]; transport problems, timeouts and undecodable bodies
/// are their own [`LyraError`] kinds. Nothing is retried automatically: creating a payment
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
    /// [`LyraError::Config`] when the base URL is unusable or a credential is empty.
    pub fn new(config: &LyraConfig) -> Result<Self, LyraError> {
        let base_url = crate::http::check_base_url(&config.base_url).map_err(LyraError::Config)?;
        if config.shop_id.is_empty() || config.password.is_empty() {
            return Err(LyraError::Config(
                "the shop id and the password must not be empty".into(),
            ));
        }
        if config.shop_id.contains(':') {
            return Err(LyraError::Config("the shop id must not contain ':'".into()));
        }
        let credentials = base64::engine::general_purpose::STANDARD.encode(format!(
            "{}:{}",
            config.shop_id,
            config.password.expose()
        ));
        let mut auth = HeaderValue::from_str(&format!("Basic {credentials}")).map_err(|_| {
            LyraError::Config("the credentials contain characters not allowed in a header".into())
        })?;
        auth.set_sensitive(true);
        let mut headers = HeaderMap::new();
        headers.insert(AUTHORIZATION, auth);
        let http =
            crate::http::client_builder(config.timeout, config.connect_timeout, &config.user_agent)
                .default_headers(headers)
                .build()
                .map_err(|e| LyraError::Config(format!("HTTP client: {e}")))?;
        Ok(LyraClient {
            inner: GeneratedClient::new_with_client(&base_url, http),
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
    let ws = || web_service.to_owned();
    let envelope = match result {
        Ok(value) => value.into_inner(),
        // HTTP 401 with an envelope (INT_905 on some platforms).
        Err(E::ErrorResponse(value)) => value.into_inner(),
        Err(E::InvalidRequest(message)) => {
            return Err(LyraError::InvalidRequest {
                web_service: ws(),
                message,
            })
        }
        Err(E::CommunicationError(e)) | Err(E::ResponseBodyError(e)) => {
            return Err(transport_error(web_service, &e))
        }
        Err(E::InvalidResponsePayload(body, e)) => {
            return Err(LyraError::UndecodableResponse {
                web_service: ws(),
                reason: e.to_string(),
                body: body.to_vec(),
            })
        }
        Err(E::UnexpectedResponse(response)) => {
            let status = response.status().as_u16();
            let body = match response.bytes().await {
                Ok(bytes) => String::from_utf8_lossy(&bytes[..bytes.len().min(4096)]).into_owned(),
                Err(e) => format!("(body unreadable: {})", e.without_url()),
            };
            return Err(LyraError::HttpStatus {
                web_service: ws(),
                status,
                body,
            });
        }
        Err(other) => {
            return Err(LyraError::Transport {
                web_service: ws(),
                message: other.to_string(),
            })
        }
    };
    let WebServiceResponse {
        status,
        answer,
        web_service: answered_ws,
        ..
    } = envelope;
    let web_service = answered_ws.unwrap_or_else(ws);
    if let Answer::WebServiceError(error) = answer {
        return Err(LyraError::Api(api_error(web_service, error)));
    }
    if status == Some(types::ResponseStatus::Error) {
        // An ERROR envelope whose answer is not a WebServiceError: still an error.
        return Err(LyraError::UnexpectedAnswer {
            web_service,
            expected: "V4/WebService/WebServiceError",
            answer: Box::new(answer),
        });
    }
    T::from_answer(answer).map_err(|answer| LyraError::UnexpectedAnswer {
        web_service,
        expected: T::TYPE,
        answer: Box::new(answer),
    })
}

fn api_error(web_service: String, error: types::WebServiceError) -> ApiError {
    ApiError {
        web_service,
        error_code: error.error_code,
        error_message: error.error_message,
        detailed_error_code: error.detailed_error_code,
        detailed_error_message: error.detailed_error_message,
    }
}

fn transport_error(web_service: &str, e: &reqwest::Error) -> LyraError {
    let web_service = web_service.to_owned();
    if e.is_timeout() {
        LyraError::Timeout { web_service }
    } else if e.is_connect() {
        LyraError::Connect {
            web_service,
            message: error_chain(e),
        }
    } else if e.is_builder() {
        LyraError::InvalidRequest {
            web_service,
            message: error_chain(e),
        }
    } else {
        LyraError::Transport {
            web_service,
            message: error_chain(e),
        }
    }
}

/// The reqwest error and its sources, without the URL.
fn error_chain(e: &reqwest::Error) -> String {
    let mut text = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}
