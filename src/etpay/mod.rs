//! ETpay (Chile): bank-transfer sessions and verified JWT notifications.
//!
//! * [`EtpayClient`] creates sessions ([`EtpayClient::initialize`] → [`Session`], whose
//!   [`Session::funnel_url`] is where the payer goes) and queries payments
//!   ([`EtpayClient::check_payment_status`]), and opens Direct Debit sessions
//!   ([`EtpayClient::start_direct_debit_session`] → [`DirectDebitSession`]).
//! * [`notification`] verifies the JWTs ETpay sends to the webhook and to the redirect URLs
//!   (HS256 pinned, key = the session's `signature_token`).
//! * [`types`] are generated from `openapi/etpay.yaml`; the claims types are the hand-written,
//!   tolerant ones of this module.

#[allow(missing_docs, clippy::all, unused_imports, dead_code)]
mod generated {
    include!(concat!(env!("OUT_DIR"), "/etpay.rs"));
}

mod claims;
mod client;
mod config;
mod direct_debit;
mod error;
mod jws;
mod jwt_rules;
pub mod notification;
mod request;
mod tokens;

pub use generated::types;
pub use generated::Client as GeneratedClient;

pub use claims::{OrderMismatch, PaymentClaims, PaymentStatus, SystemErrorClaims};
pub use client::EtpayClient;
pub use config::{EtpayConfig, DEFAULT_CONNECT_TIMEOUT, DEFAULT_TIMEOUT};
pub use direct_debit::{direct_debit_body, DirectDebitSession};
pub use error::{EtpayError, EtpayErrorKind, VerifyError};
pub use notification::{
    peek_session_token_unverified, sign_for_tests, Clock, FixedClock, Notification, SystemClock,
    VerifiedPayment, VerifiedSystemError, Verifier,
};
pub use request::{PaymentQuery, Session, SessionRequest};
pub use tokens::{MerchantApiToken, SignatureToken};
