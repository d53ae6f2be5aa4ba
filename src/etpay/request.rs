//! What the merchant asks of ETpay, and the session it gets back.

use std::fmt;

use super::{types, EtpayConfig, EtpayError, EtpayErrorKind, MerchantApiToken};
use crate::Secret;

/// A new payment session for one order. The client adds `merchant_code` and
/// `merchant_api_token` from its [`EtpayConfig`], so credentials never live in request values.
///
/// ```
/// use pasarela::etpay::SessionRequest;
/// let mut request = SessionRequest::new("oc1234566", 50_000);
/// request.payment_webhook_url = Some("https://shop.example/etpay/webhook".into());
/// ```
#[derive(Clone, Debug, PartialEq, Default)]
#[non_exhaustive]
pub struct SessionRequest {
    /// The merchant's order id (alphanumeric, at most 64 characters).
    pub merchant_order_id: String,
    /// The amount, in whole units of the merchant account's currency (CLP: pesos).
    pub order_amount: i64,
    /// The payer's email.
    pub customer_email: Option<String>,
    /// Lines shown to the payer.
    pub metadata: Vec<types::MetadataLine>,
    /// Preselected bank, e.g. `cl_estado`.
    pub user_bank_code: Option<String>,
    /// Prefilled payer RUT.
    pub user_rut: Option<String>,
    /// Locks the prefilled RUT. ETpay's SDK sends a string (`RutBlock::String("true".into())`).
    pub is_rut_block: Option<types::RutBlock>,
    /// Success redirect for this session (ETpay appends the result JWT to it).
    pub payment_completed_url: Option<String>,
    /// Failure/cancellation redirect for this session.
    pub payment_cancellation_url: Option<String>,
    /// Webhook URL for this session's notification.
    pub payment_webhook_url: Option<String>,
    /// Separator ETpay uses to append the JWT to a redirect URL that already has a query, e.g. `&`.
    pub concat: Option<String>,
    /// Mexico only: the payer's 10-digit phone.
    pub customer_phone: Option<String>,
    /// Mexico only: preselected payment method.
    pub target_flow: Option<types::TargetFlow>,
}

impl SessionRequest {
    /// A request with the two mandatory order fields; set the optional ones as fields.
    pub fn new(merchant_order_id: impl Into<String>, order_amount: i64) -> Self {
        SessionRequest {
            merchant_order_id: merchant_order_id.into(),
            order_amount,
            ..SessionRequest::default()
        }
    }

    /// The generated wire body, credentials included. Fails (nothing sent) when a field breaks
    /// the spec's limits, e.g. an order id longer than 64 characters.
    pub fn to_body(
        &self,
        config: &EtpayConfig,
    ) -> Result<types::SessionInitializeRequest, EtpayError> {
        let customer_phone = match &self.customer_phone {
            Some(phone) => Some(types::CustomerPhone::try_from(phone.as_str()).map_err(invalid)?),
            None => None,
        };
        Ok(types::SessionInitializeRequest {
            merchant_code: config.merchant_code().to_owned(),
            merchant_api_token: MerchantApiToken::from(config.merchant_api_token()),
            merchant_order_id: order_id(&self.merchant_order_id)?,
            order_amount: u64::try_from(self.order_amount)
                .ok()
                .and_then(std::num::NonZeroU64::new)
                .ok_or_else(|| invalid("order_amount must be a positive amount"))?,
            customer_email: self.customer_email.clone(),
            customer_phone,
            metadata: self.metadata.clone(),
            user_bank_code: self.user_bank_code.clone(),
            user_rut: self.user_rut.clone(),
            is_rut_block: self.is_rut_block.clone(),
            payment_completed_url: self.payment_completed_url.clone(),
            payment_cancellation_url: self.payment_cancellation_url.clone(),
            payment_webhook_url: self.payment_webhook_url.clone(),
            concat: self.concat.clone(),
            target_flow: self.target_flow,
        })
    }
}

/// Which payments `check_payment_status` should return.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum PaymentQuery {
    /// One payment attempt, by its `payment_token` claim.
    PaymentToken(String),
    /// Every attempt for a merchant order id.
    MerchantOrderId(String),
    /// Every attempt in a session, by the session token.
    SessionToken(String),
}

impl PaymentQuery {
    /// The generated wire body, with the API token from `config`. ETpay's SDK sends no
    /// `merchant_code`, so neither does this.
    pub fn to_body(
        &self,
        config: &EtpayConfig,
    ) -> Result<types::CheckPaymentStatusRequest, EtpayError> {
        let mut body = types::CheckPaymentStatusRequest {
            merchant_api_token: MerchantApiToken::from(config.merchant_api_token()),
            merchant_code: None,
            payment_token: None,
            merchant_order_id: None,
            session_token: None,
        };
        match self {
            PaymentQuery::PaymentToken(t) => body.payment_token = Some(t.clone()),
            PaymentQuery::MerchantOrderId(id) => body.merchant_order_id = Some(order_id(id)?),
            PaymentQuery::SessionToken(t) => body.session_token = Some(t.clone()),
        }
        Ok(body)
    }
}

fn order_id(id: &str) -> Result<types::MerchantOrderId, EtpayError> {
    types::MerchantOrderId::try_from(id)
        .map_err(|e| EtpayError::invalid_request(format!("merchant_order_id: {e}")))
}

fn invalid(e: impl fmt::Display) -> EtpayError {
    EtpayError::invalid_request(e.to_string())
}

/// A created payment session. Store [`Session::token`] and [`Session::signature_token`] with the
/// order (the latter is needed to verify every JWT about this session), then send the payer to
/// [`Session::funnel_url`]. `Debug` redacts the signature token.
#[derive(Clone, Debug, PartialEq)]
pub struct Session {
    token: String,
    signature_token: Secret,
    terms_url: Option<String>,
    funnel_url: String,
}

impl Session {
    /// Builds a session from a decoded answer and the funnel base of `config`. Fails when the
    /// token cannot be a URL path segment or either token is empty.
    pub fn from_response(
        response: types::SessionInitializeResponse,
        config: &EtpayConfig,
    ) -> Result<Self, EtpayError> {
        if response.signature_token.secret().is_empty() {
            return Err(EtpayError::new(EtpayErrorKind::Decode)
                .with_message("ETpay returned an empty signature_token"));
        }
        Ok(Session {
            funnel_url: config.funnel_url(&response.token)?,
            token: response.token,
            signature_token: response.signature_token.into_secret(),
            terms_url: response.terms_url,
        })
    }

    /// The session token (`token` in ETpay's answer, "session_token" in its docs and claims).
    pub fn token(&self) -> &str {
        &self.token
    }

    /// The HS256 key of this session's JWTs.
    pub fn signature_token(&self) -> &Secret {
        &self.signature_token
    }

    /// ETpay's terms URL, when given.
    pub fn terms_url(&self) -> Option<&str> {
        self.terms_url.as_deref()
    }

    /// Where to send the payer: `{pmt_url}/session/{token}`, the token percent-encoded as one
    /// path segment.
    pub fn funnel_url(&self) -> &str {
        &self.funnel_url
    }
}
