//! What the ETpay emulation remembers: sessions and the payment results they produced, and the
//! test banks of its funnel.

use pasarela::Secret;
use serde_json::{Map, Value};

use crate::store::{json_weight, Bounded, Weigh};
use crate::url_check::check_url;
use crate::util::new_token;

/// The fields of `/session/initialize` a session keeps: what the funnel, the claims and the
/// redirect read. The rest of the request (metadata lines, a cart, unknown keys) is not kept.
const KEPT_FIELDS: &[&str] = &[
    "merchant_order_id",
    "order_amount",
    "user_rut",
    "payment_completed_url",
    "payment_cancellation_url",
    "payment_webhook_url",
    "concat",
];

/// The URL fields, checked when the session is created (the sandbox redirects to them and
/// posts the webhook there).
const URL_FIELDS: &[&str] = &[
    "payment_completed_url",
    "payment_cancellation_url",
    "payment_webhook_url",
];

/// The most the kept fields of one session may weigh.
const MAX_KEPT_BYTES: usize = 64 << 10;

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
    /// The request's [`KEPT_FIELDS`].
    pub request: Value,
    pub done: bool,
}

impl Session {
    /// A new session for a validated `/session/initialize` request, keeping only
    /// [`KEPT_FIELDS`]; refused (the error's text) when a URL fails [`check_url`], `concat` is
    /// not a short separator, or the kept fields are too large.
    pub(crate) fn open(request: &Value) -> Result<Session, String> {
        for field in URL_FIELDS {
            if let Some(url) = request.get(*field).and_then(Value::as_str) {
                check_url(url).map_err(|problem| format!("invalid field {field}: {problem}"))?;
            }
        }
        if let Some(concat) = request.get("concat").and_then(Value::as_str) {
            if concat.len() > 8 || concat.chars().any(|c| c.is_control() || c.is_whitespace()) {
                return Err(
                    "invalid field concat: at most 8 characters, no spaces or control characters"
                        .into(),
                );
            }
        }
        let kept: Map<String, Value> = KEPT_FIELDS
            .iter()
            .filter_map(|k| request.get(*k).map(|v| ((*k).to_owned(), v.clone())))
            .collect();
        let kept = Value::Object(kept);
        if json_weight(&kept) > MAX_KEPT_BYTES {
            return Err(format!(
                "invalid request: the session's fields weigh more than {MAX_KEPT_BYTES} bytes"
            ));
        }
        Ok(Session {
            token: new_token(64),
            signature_token: Secret::new(new_token(64)),
            request: kept,
            done: false,
        })
    }
}

impl Weigh for Session {
    fn weight(&self) -> usize {
        std::mem::size_of::<Self>() + 2 * 64 + json_weight(&self.request)
    }
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
