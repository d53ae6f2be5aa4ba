//! Slow and idle clients (issue 16, item 2): a half-sent head, an idle kept-alive connection and
//! a withheld body are closed after their timeouts; past the connection cap, a new client is
//! served once an idle one has been closed instead of the idle ones holding the server; and
//! `Sandbox::shutdown` returns while a client holds a half-sent request.
//!
//! The limits are shortened here; nothing is timed except by `raw_http::HANG`, the bound that
//! only a hang reaches.

use std::io::Read as _;
use std::time::Duration;

use pasarela_sandbox::{Sandbox, SandboxConfig, ServerLimits};
use tokio::io::AsyncWriteExt as _;
use tokio::net::TcpStream;

use super::raw_http::{exchange, read_to_close, status, HANG};

const SHORT: Duration = Duration::from_millis(300);
const LONG: Duration = Duration::from_secs(600);

async fn start(limits: ServerLimits) -> Sandbox {
    let config = SandboxConfig {
        server: limits,
        ..SandboxConfig::default()
    };
    crate::common::start(config).await
}

fn limits(header: Duration, body: Duration) -> ServerLimits {
    ServerLimits {
        header_read_timeout: header,
        body_read_timeout: body,
        ..ServerLimits::default()
    }
}

#[tokio::test]
async fn a_half_sent_head_is_closed_after_the_header_timeout() {
    let sandbox = start(limits(SHORT, LONG)).await;
    let mut stream = TcpStream::connect(sandbox.addr()).await.unwrap();
    stream.write_all(b"GET / HT").await.unwrap();
    let answer = read_to_close(&mut stream).await;
    assert!(!answer.contains("200 OK"), "{answer}");
    sandbox.shutdown().await;
}

#[tokio::test]
async fn an_idle_kept_alive_connection_is_closed_after_the_timeout() {
    let sandbox = start(limits(SHORT, LONG)).await;
    let mut stream = TcpStream::connect(sandbox.addr()).await.unwrap();
    // HTTP/1.1 keeps the connection open after the answer; the server must not wait forever.
    stream
        .write_all(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        .await
        .unwrap();
    let answer = read_to_close(&mut stream).await;
    assert_eq!(status(&answer), 200, "{answer}");
    sandbox.shutdown().await;
}

#[tokio::test]
async fn a_withheld_body_fails_after_the_body_timeout() {
    let sandbox = start(limits(LONG, SHORT)).await;
    let mut stream = TcpStream::connect(sandbox.addr()).await.unwrap();
    let head = "POST /etpay/session/initialize HTTP/1.1\r\nHost: 127.0.0.1\r\n\
                Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{";
    stream.write_all(head.as_bytes()).await.unwrap();
    let answer = read_to_close(&mut stream).await;
    assert_eq!(status(&answer), 400, "{answer}");
    sandbox.shutdown().await;
}

/// True when the server has closed `stream` (EOF or reset), false while it is still open.
fn closed_by_server(stream: TcpStream) -> bool {
    let mut stream = stream.into_std().unwrap();
    stream.set_nonblocking(true).unwrap();
    let mut chunk = [0u8; 1024];
    loop {
        match stream.read(&mut chunk) {
            Ok(0) => return true,
            Ok(_) => continue,
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => return false,
            Err(_) => return true,
        }
    }
}

#[tokio::test]
async fn past_the_cap_a_new_client_is_served_once_an_idle_one_is_closed() {
    let sandbox = start(ServerLimits {
        max_connections: 2,
        ..limits(SHORT, LONG)
    })
    .await;
    // Two idle connections take both slots (accepted in the order they connected).
    let idle_a = TcpStream::connect(sandbox.addr()).await.unwrap();
    let idle_b = TcpStream::connect(sandbox.addr()).await.unwrap();
    let request = "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
    let answer = exchange(sandbox.addr(), request).await;
    assert_eq!(status(&answer), 200, "the third client is served: {answer}");
    // ...but only after the server had closed an idle one to free a slot.
    let (a, b) = (closed_by_server(idle_a), closed_by_server(idle_b));
    assert!(a || b, "served while both idle connections held the slots");
    sandbox.shutdown().await;
}

#[tokio::test]
async fn shutdown_returns_while_a_client_holds_a_half_sent_request() {
    let sandbox = start(ServerLimits {
        shutdown_grace: SHORT,
        ..limits(LONG, LONG)
    })
    .await;
    let mut half_head = TcpStream::connect(sandbox.addr()).await.unwrap();
    half_head
        .write_all(b"POST /etpay/session/initialize HTTP/1.1\r\nHost: 127.")
        .await
        .unwrap();
    let mut half_body = TcpStream::connect(sandbox.addr()).await.unwrap();
    half_body
        .write_all(b"POST /etpay/session/initialize HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 9\r\n\r\n{")
        .await
        .unwrap();
    // Let the server take both requests in before stopping it.
    let _ = exchange(
        sandbox.addr(),
        "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
    )
    .await;
    let stopped = tokio::time::timeout(HANG, sandbox.shutdown()).await;
    assert!(
        stopped.is_ok(),
        "shutdown waited for the half-sent requests"
    );
    read_to_close(&mut half_head).await;
    read_to_close(&mut half_body).await;
}
