//! ETpay Direct Debit (recurring charges the payer authorizes once): the session that starts a
//! subscription, `POST /dd/start-session`.
//!
//! ETpay documents only this first call publicly in a form a client can be built from (its
//! body and answer); the call that carries the subscription's fields, the subscription
//! funnel's URL and the notification are listed as not covered in `openapi/README.md`
//! ("ETpay catalogue"). So this module gives the session and stops there.

use super::client::map_error;
use super::{types, EtpayClient, EtpayConfig, EtpayError, EtpayErrorKind, MerchantApiToken};
use crate::Secret;

/// A Direct Debit session: its token (for the calls that follow) and the HS256 key of the
/// JWTs about it. `Debug` redacts the signature token.
#[derive(Clone, Debug, PartialEq)]
pub struct DirectDebitSession {
    token: String,
    signature_token: Secret,
    terms_url: Option<String>,
}

impl DirectDebitSession {
    /// Builds a session from a decoded answer. Fails when either token is empty: an answer
    /// without them cannot start anything.
    pub fn from_response(
        response: types::DirectDebitStartSessionResponse,
    ) -> Result<Self, EtpayError> {
        if response.token.is_empty() || response.signature_token.secret().is_empty() {
            return Err(EtpayError::new(EtpayErrorKind::Decode)
                .with_message("ETpay returned an empty Direct Debit token or signature_token"));
        }
        Ok(DirectDebitSession {
            token: response.token,
            signature_token: response.signature_token.into_secret(),
            terms_url: response.terms_url,
        })
    }

    /// The Direct Debit session token.
    pub fn token(&self) -> &str {
        &self.token
    }

    /// The key that validates ETpay's confirmation of this subscription; store it with the
    /// session.
    pub fn signature_token(&self) -> &Secret {
        &self.signature_token
    }

    /// ETpay's terms URL, when given.
    pub fn terms_url(&self) -> Option<&str> {
        self.terms_url.as_deref()
    }
}

/// The wire body of `POST /dd/start-session`: the static `validation_type` and the
/// credentials of `config`.
pub fn direct_debit_body(config: &EtpayConfig) -> types::DirectDebitStartSessionRequest {
    types::DirectDebitStartSessionRequest {
        validation_type: types::DirectDebitValidationType::MerchantCredentials,
        merchant_code: config.merchant_code().to_owned(),
        merchant_api_token: MerchantApiToken::from(config.merchant_api_token()),
    }
}

impl EtpayClient {
    /// `POST /dd/start-session`: opens a Direct Debit (subscription) session with this
    /// client's credentials.
    ///
    /// Not idempotent (each call opens a new session), but nothing is charged by it: retrying
    /// after an error that may have reached ETpay only leaves an unused session behind.
    pub async fn start_direct_debit_session(&self) -> Result<DirectDebitSession, EtpayError> {
        let body = direct_debit_body(self.config());
        let answer = self.generated().dd_start_session().body(body).send().await;
        match answer {
            Ok(value) => {
                let status = value.status().as_u16();
                let response = value.into_inner();
                // The body holds the signature token: it stays behind `raw_body`, never printed.
                DirectDebitSession::from_response(response.clone()).map_err(|e| {
                    let body = serde_json::to_vec(&response).unwrap_or_default();
                    let message = e.inner.message.unwrap_or_default();
                    EtpayError::answered(EtpayErrorKind::Decode, status, body).with_message(message)
                })
            }
            Err(e) => Err(map_error(e).await),
        }
    }
}
