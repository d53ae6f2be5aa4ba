//! The sandbox's request handling: arbitrary bytes, read as a request (`METHOD PATH` line,
//! `Name: value` header lines, a blank line, the body), go through the sandbox's guard and
//! routes — both gateways' APIs, the shopper's pages, the control endpoints — without a socket.
//!
//! Oracle: never panics (a panicking handler would abort the fuzzer), and every answer is a
//! well-formed response whose status is not 500. The router keeps its state between inputs,
//! so sequences (create a payment, then pay its formToken…) are reachable too.
#![no_main]

use std::sync::OnceLock;
use std::time::Duration;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use libfuzzer_sys::fuzz_target;
use pasarela_sandbox::{DeliveryPolicy, SandboxConfig};
use tower::ServiceExt as _;

struct Harness {
    runtime: tokio::runtime::Runtime,
    router: axum::Router,
}

fn harness() -> &'static Harness {
    static HARNESS: OnceLock<Harness> = OnceLock::new();
    HARNESS.get_or_init(|| {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime");
        let config = SandboxConfig {
            // One short attempt: notifications to whatever URL the input names end quickly.
            delivery: DeliveryPolicy {
                attempts: 1,
                first_backoff: Duration::from_millis(1),
                attempt_timeout: Duration::from_millis(20),
            },
            capacity: 1000,
            ..SandboxConfig::default()
        };
        let router = {
            let _guard = runtime.enter();
            pasarela_sandbox::fuzz_router(config)
        };
        Harness { runtime, router }
    })
}

/// `METHOD PATH\nName: value\n...\n\nbody`; `None` when the head is not a request.
fn request(data: &[u8]) -> Option<Request<Body>> {
    let split = data
        .windows(2)
        .position(|w| w == b"\n\n")
        .map_or((data, &[][..]), |i| (&data[..i], &data[i + 2..]));
    let (head, body) = split;
    let head = std::str::from_utf8(head).ok()?;
    let mut lines = head.split('\n');
    let (method, path) = lines.next()?.split_once(' ')?;
    let mut builder = Request::builder()
        .method(Method::from_bytes(method.as_bytes()).ok()?)
        .uri(path);
    for line in lines {
        let (name, value) = line.split_once(':')?;
        builder = builder.header(name.trim(), value.trim());
    }
    builder.body(Body::from(body.to_vec())).ok()
}

fuzz_target!(|data: &[u8]| {
    let Some(request) = request(data) else {
        return;
    };
    let harness = harness();
    let status = harness.runtime.block_on(async {
        let response = harness
            .router
            .clone()
            .oneshot(request)
            .await
            .unwrap_or_else(|never| match never {});
        let status = response.status();
        // Read the whole answer: rendering runs as it streams.
        let _ = axum::body::to_bytes(response.into_body(), usize::MAX).await;
        status
    });
    assert_ne!(status, StatusCode::INTERNAL_SERVER_ERROR);
});
