//! The Lyra web services, derived from `openapi/lyra-v4.yaml` by `build.rs`: the [`OPERATIONS`]
//! table, one [`LyraClient`] method per web service (named by its `operationId`, documented by
//! its summary and description) and [`LyraClient::call`] by name. Adding a web service to the
//! spec adds it here; nothing is listed by hand.

use super::client::unwrap_envelope;
use super::{types, Answer, LyraClient, LyraError, LyraErrorKind};

/// One web service of the spec.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Operation {
    /// The name after `/api-payment/V4/`, e.g. `Charge/CreatePayment` (the envelope's
    /// `webService`).
    pub web_service: &'static str,
    /// The spec's `operationId`, which is also the [`LyraClient`] method, e.g. `create_payment`.
    pub operation_id: &'static str,
    /// The request component, e.g. `CreatePaymentRequest` (a type in [`types`]).
    pub request: &'static str,
    /// The component of the SUCCESS answer (`x-answer`), `None` where it is UNCONFIRMED.
    pub answer: Option<&'static str>,
}

impl Operation {
    /// The operation of a web service name, if the spec has it.
    pub fn find(web_service: &str) -> Option<&'static Operation> {
        OPERATIONS.iter().find(|op| op.web_service == web_service)
    }

    /// The URL path: `/api-payment/V4/{web_service}`.
    pub fn path(&self) -> String {
        format!("/api-payment/V4/{}", self.web_service)
    }
}

/// Decodes the JSON request of `web_service` into its typed request (for [`LyraClient::call`]).
fn decode_request<T: serde::de::DeserializeOwned>(
    web_service: &str,
    request: serde_json::Value,
) -> Result<T, LyraError> {
    serde_json::from_value(request).map_err(|e| {
        LyraError::new(LyraErrorKind::InvalidRequest, Some(web_service))
            .with_message("the request does not match the spec")
            .with_source(Box::new(e))
    })
}

/// The boxed future of one web service called by name (see `LyraClient::call`).
type AnswerFuture<'a> =
    std::pin::Pin<Box<dyn std::future::Future<Output = Result<Answer, LyraError>> + Send + 'a>>;

fn unknown_web_service(web_service: &str) -> LyraError {
    LyraError::new(LyraErrorKind::InvalidRequest, Some(web_service))
        .with_message("no such web service in openapi/lyra-v4.yaml")
}

include!(concat!(env!("OUT_DIR"), "/lyra_operations.rs"));

impl LyraClient {
    /// Pays a registered token server to server (`formAction: SILENT`) with
    /// `Charge/CreatePayment`: the answer is the payment result, `Answer::Payment` per the
    /// playground (`Answer::Transaction` per Izipay's text), so both are returned as they come.
    ///
    /// # Errors
    /// As [`LyraClient::create_payment`].
    pub async fn create_payment_silent(
        &self,
        request: types::CreatePaymentRequest,
    ) -> Result<Answer, LyraError> {
        let result = self.generated().create_payment().body(request).send().await;
        unwrap_envelope::<Answer>("Charge/CreatePayment", result).await
    }
}
