//! The demo's merchant: its notification endpoints (Lyra IPN, ETpay webhook), what they
//! received, and the transcript of steps the demo prints. Both flows use it; it uses neither.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::post;
use axum::Router;
use pasarela::etpay::notification::{jwt_from_body, peek_session_token_unverified};
use pasarela::etpay::{Notification, Verifier};
use pasarela::lyra::notification::{self, Keys, VerifiedAnswer};
use pasarela_sandbox::defaults;

/// What the demo merchant's notification endpoints received and verified.
#[derive(Default)]
pub(crate) struct Inbox {
    pub(crate) lyra_ipns: Vec<VerifiedAnswer>,
    pub(crate) lyra_rejected: usize,
    /// Verified claims JSON of each ETpay webhook.
    pub(crate) etpay: Vec<String>,
    /// Signature tokens by session token, as a merchant stores them at initialize.
    pub(crate) etpay_sessions: std::collections::HashMap<String, pasarela::Secret>,
    pub(crate) etpay_rejected: usize,
}

pub(crate) type Shared = Arc<Mutex<Inbox>>;

pub(crate) struct Transcript {
    step: usize,
    failures: Vec<String>,
    verbose: bool,
}

impl Transcript {
    pub(crate) fn new(verbose: bool) -> Self {
        Transcript {
            step: 0,
            failures: Vec::new(),
            verbose,
        }
    }

    /// Prints the summary; true when every step held.
    pub(crate) fn summary(&self) -> bool {
        if self.failures.is_empty() {
            println!(
                "summary: {} steps, every signature and state check held",
                self.step
            );
            return true;
        }
        println!(
            "summary: {} of {} steps failed:",
            self.failures.len(),
            self.step
        );
        for failure in &self.failures {
            println!("  - {failure}");
        }
        false
    }

    pub(crate) fn ok(&mut self, what: &str, detail: impl std::fmt::Display) {
        self.step += 1;
        println!("[{:>2}] ok    {what:<44} {detail}", self.step);
    }
    pub(crate) fn fail(&mut self, what: &str, detail: impl std::fmt::Display) {
        self.step += 1;
        println!("[{:>2}] FAIL  {what:<44} {detail}", self.step);
        self.failures.push(format!("{what}: {detail}"));
    }
    pub(crate) fn check(&mut self, what: &str, held: bool, detail: impl std::fmt::Display) {
        if held {
            self.ok(what, detail)
        } else {
            self.fail(what, detail)
        }
    }
    pub(crate) fn detail(&self, text: impl std::fmt::Display) {
        if self.verbose {
            println!("       {text}");
        }
    }
}

/// The merchant's IPN endpoint: verify first, keep the raw answer, answer 200 fast.
async fn lyra_ipn(State(inbox): State<Shared>, body: Bytes) -> StatusCode {
    let keys = Keys::new(defaults::PASSWORD, defaults::HMAC_KEY);
    match notification::verify(&body, &keys) {
        Ok(verified) => {
            inbox.lock().unwrap().lyra_ipns.push(verified);
            StatusCode::OK
        }
        Err(_) => {
            inbox.lock().unwrap().lyra_rejected += 1;
            StatusCode::BAD_REQUEST
        }
    }
}

pub(crate) async fn start_merchant(inbox: Shared) -> std::io::Result<String> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    let router = Router::new()
        .route("/ipn", post(lyra_ipn))
        .route("/etpay/webhook", post(etpay_webhook))
        .with_state(inbox);
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    Ok(base)
}

/// Waits until the inbox satisfies `ready` (notifications arrive in the background).
pub(crate) async fn wait_for(inbox: &Shared, ready: impl Fn(&Inbox) -> bool) -> bool {
    for _ in 0..100 {
        if ready(&inbox.lock().unwrap()) {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    false
}

/// The merchant's ETpay webhook: read the session token (unverified) only to find the stored
/// signature token, verify, keep the claims as received, answer 200 fast.
async fn etpay_webhook(State(inbox): State<Shared>, body: Bytes) -> StatusCode {
    let verified = (|| {
        let jwt = jwt_from_body(&body).ok()?;
        let session_token = peek_session_token_unverified(&jwt).ok()?;
        let signature_token = inbox
            .lock()
            .unwrap()
            .etpay_sessions
            .get(&session_token)?
            .clone();
        match Verifier::new()
            .with_max_age(Duration::from_secs(600))
            .verify_notification(&jwt, &signature_token, &session_token)
        {
            Ok(Notification::Payment(payment)) => Some(payment.claims_json().to_owned()),
            _ => None,
        }
    })();
    let mut inbox = inbox.lock().unwrap();
    match verified {
        Some(claims) => {
            inbox.etpay.push(claims);
            StatusCode::OK
        }
        None => {
            inbox.etpay_rejected += 1;
            StatusCode::BAD_REQUEST
        }
    }
}
