//! The ETpay HTTP client: the generated client plus credentials, timeouts and typed errors.

use progenitor_client::Error as GenError;

use super::{
    EtpayConfig, EtpayError, GeneratedClient, PaymentClaims, PaymentQuery, Session, SessionRequest,
};

/// ETpay's server-to-server API for one merchant.
///
/// ```no_run
/// # async fn demo() -> Result<(), pasarela::etpay::EtpayError> {
/// use pasarela::{etpay::{EtpayClient, EtpayConfig, SessionRequest}, Secret};
/// let config = EtpayConfig::new(
///     "https://api-sandbox.etpay.com",
///     "https://pmt-sandbox.etpay.com",
///     "cl_sandbox_demo",
///     Secret::new(std::env::var("ETPAY_API_TOKEN").unwrap_or_default()),
/// )?;
/// let client = EtpayClient::new(config)?;
/// let session = client.initialize(&SessionRequest::new("oc1234566", 50_000)).await?;
/// println!("redirect the payer to {}", session.funnel_url());
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
pub struct EtpayClient {
    config: EtpayConfig,
    generated: GeneratedClient,
}

impl EtpayClient {
    /// Builds the HTTP client (timeout and `User-Agent` from `config`).
    pub fn new(config: EtpayConfig) -> Result<Self, EtpayError> {
        #[cfg(feature = "rustls")]
        {
            // reqwest is built without a default crypto provider; install ring once. An error
            // only means another provider is already installed, which is fine.
            let _ = rustls::crypto::ring::default_provider().install_default();
        }
        let http = reqwest::Client::builder()
            .timeout(config.timeout())
            .connect_timeout(config.timeout())
            .user_agent(config.user_agent())
            .build()
            .map_err(|e| EtpayError::Config {
                reason: format!("cannot build the HTTP client: {e}"),
            })?;
        let generated = GeneratedClient::new_with_client(config.api_url(), http);
        Ok(EtpayClient { config, generated })
    }

    /// The configuration this client was built with.
    pub fn config(&self) -> &EtpayConfig {
        &self.config
    }

    /// The generated client, for calls this layer does not wrap.
    pub fn generated(&self) -> &GeneratedClient {
        &self.generated
    }

    /// `POST /session/initialize`: creates a payment session for one order.
    ///
    /// Not idempotent: when the error says the request may have reached ETpay, check with
    /// [`EtpayClient::check_payment_status`] or use a new order id before retrying.
    pub async fn initialize(&self, request: &SessionRequest) -> Result<Session, EtpayError> {
        let body = request.to_body(&self.config)?;
        let answer = self.generated.session_initialize().body(body).send().await;
        match answer {
            Ok(value) => {
                let status = value.status().as_u16();
                let response = value.into_inner();
                let body = serde_json::to_string(&response).unwrap_or_default();
                // A 200 whose tokens are unusable is an undecodable answer, not a session.
                Session::from_response(response, &self.config).map_err(|e| EtpayError::Decode {
                    status,
                    body,
                    reason: e.to_string(),
                })
            }
            Err(e) => Err(map_error(e).await),
        }
    }

    /// `POST /merchant/check_payment_status`: the payment attempts matching `query`.
    pub async fn check_payment_status(
        &self,
        query: &PaymentQuery,
    ) -> Result<Vec<PaymentClaims>, EtpayError> {
        let body = query.to_body(&self.config)?;
        let answer = self
            .generated
            .check_payment_status()
            .body(body)
            .send()
            .await;
        match answer {
            Ok(value) => Ok(value.into_inner().0),
            Err(e) => Err(map_error(e).await),
        }
    }
}

/// Turns the generated client's error (which exposes reqwest types) into [`EtpayError`].
async fn map_error(error: GenError<()>) -> EtpayError {
    match error {
        GenError::InvalidRequest(reason) => EtpayError::InvalidRequest { reason },
        GenError::CommunicationError(e) => transport(e, false),
        GenError::ResponseBodyError(e) => transport(e, true),
        GenError::InvalidResponsePayload(bytes, e) => EtpayError::Decode {
            // Only documented (200) answers get here.
            status: 200,
            body: String::from_utf8_lossy(&bytes).into_owned(),
            reason: e.to_string(),
        },
        GenError::UnexpectedResponse(response) => {
            let status = response.status().as_u16();
            match response.text().await {
                Ok(body) => EtpayError::Status { status, body },
                Err(e) => transport(e, true),
            }
        }
        GenError::ErrorResponse(value) => EtpayError::Status {
            status: value.status().as_u16(),
            body: String::new(),
        },
        other => EtpayError::Transport {
            may_have_reached_etpay: true,
            message: other.to_string(),
        },
    }
}

fn transport(e: reqwest::Error, body_phase: bool) -> EtpayError {
    // A connect failure means nothing was sent; anything later may have been processed.
    let may_have_reached_etpay = body_phase || !(e.is_connect() || e.is_builder());
    if e.is_timeout() {
        EtpayError::Timeout {
            may_have_reached_etpay,
        }
    } else {
        EtpayError::Transport {
            may_have_reached_etpay,
            message: without_url(e),
        }
    }
}

/// reqwest's message names the URL; ours are fixed API paths, so drop it to keep errors short
/// and free of anything a caller might have put in a base URL.
fn without_url(e: reqwest::Error) -> String {
    let e = e.without_url();
    let mut message = e.to_string();
    let mut source = std::error::Error::source(&e);
    while let Some(inner) = source {
        message.push_str(": ");
        message.push_str(&inner.to_string());
        source = inner.source();
    }
    message
}
