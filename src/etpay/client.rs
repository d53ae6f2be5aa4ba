//! The ETpay HTTP client: the generated client plus credentials, timeouts and typed errors.

use progenitor_client::Error as GenError;

use super::{
    EtpayConfig, EtpayError, EtpayErrorKind, GeneratedClient, PaymentClaims, PaymentQuery, Session,
    SessionRequest,
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
    /// Builds the HTTP client with the shared transport settings (TLS roots, timeouts and
    /// `User-Agent` from `config`).
    ///
    /// # Errors
    /// An [`EtpayErrorKind::Config`] error when the HTTP client cannot be built.
    pub fn new(config: EtpayConfig) -> Result<Self, EtpayError> {
        let http = crate::transport::build_client(crate::transport::Settings {
            timeout: config.timeout(),
            connect_timeout: config.connect_timeout(),
            user_agent: config.user_agent(),
            default_headers: Default::default(),
        })
        .map_err(EtpayError::config)?;
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
                // A 200 whose tokens are unusable is an undecodable answer, not a session. The
                // body holds the signature token: it stays behind `raw_body`, never printed.
                Session::from_response(response.clone(), &self.config).map_err(|e| {
                    let body = serde_json::to_vec(&response).unwrap_or_default();
                    let message = e.inner.message.unwrap_or_default();
                    EtpayError::answered(EtpayErrorKind::Decode, status, body).with_message(message)
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
pub(super) async fn map_error(error: GenError<()>) -> EtpayError {
    match error {
        GenError::InvalidRequest(reason) => EtpayError::invalid_request(reason),
        GenError::CommunicationError(e) => transport(e, false),
        GenError::ResponseBodyError(e) => transport(e, true),
        // Only documented (200) answers get here. The serde error can quote the body (and so
        // the signature token): keep its category and position only.
        GenError::InvalidResponsePayload(bytes, e) => {
            EtpayError::answered(EtpayErrorKind::Decode, 200, bytes.to_vec())
                .with_source(Box::new(crate::transport::json_reason(&e)))
        }
        GenError::UnexpectedResponse(response) => {
            let status = response.status().as_u16();
            match response.bytes().await {
                Ok(body) => EtpayError::answered(EtpayErrorKind::Status, status, body.to_vec()),
                Err(e) => transport(e, true),
            }
        }
        GenError::ErrorResponse(value) => {
            EtpayError::answered(EtpayErrorKind::Status, value.status().as_u16(), Vec::new())
        }
        other => {
            EtpayError::new(EtpayErrorKind::Transport).with_message(crate::transport::chain(&other))
        }
    }
}

fn transport(e: reqwest::Error, body_phase: bool) -> EtpayError {
    use crate::transport::Failure;
    let (failure, source) = crate::transport::transport_failure(e, body_phase);
    let kind = match failure {
        Failure::Builder => EtpayErrorKind::InvalidRequest,
        Failure::Connect => EtpayErrorKind::Connect,
        Failure::Timeout { .. } => EtpayErrorKind::Timeout,
        Failure::Broken => EtpayErrorKind::Transport,
    };
    let mut error = EtpayError::new(kind).with_source(source);
    error.inner.reached = failure.may_have_reached();
    error
}
