//! What the ETpay emulation remembers: sessions and the payment results they produced, and the
//! test banks of its funnel.

use pasarela::Secret;
use serde_json::Value;

use crate::store::Bounded;

/// The test banks of the funnel: (code, display name).
pub const TEST_BANKS: &[(&str, &str)] = &[
    ("cl_test", "Banco de prueba"),
    ("cl_estado", "BancoEstado"),
    ("cl_santander", "Banco Santander"),
    ("cl_bci", "Banco BCI"),
];

/// A session opened by `/session/initialize`.
#[derive(Clone, Debug)]
pub(crate) struct Session {
    pub token: String,
    pub signature_token: Secret,
    pub request: Value,
    pub done: bool,
}

/// ETpay sessions and the payment results (JWT claims) they produced, by payment token.
#[derive(Debug)]
pub(crate) struct EtpayState {
    pub sessions: Bounded<String, Session>,
    pub payments: Bounded<String, Value>,
}

impl EtpayState {
    pub(crate) fn new(capacity: usize) -> Self {
        EtpayState {
            sessions: Bounded::new(capacity),
            payments: Bounded::new(capacity),
        }
    }
}
