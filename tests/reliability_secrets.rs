//! No password, HMAC key, API token or signature token ever appears in what the crate prints:
//! `Debug`/`Display` of configurations, clients, requests, sessions, verification results and
//! errors (success and failure paths), the CLI's output and `--help` (secrets given by flag and
//! by environment), and the sandbox's start-up banner unless the secrets are the built-in test
//! defaults. Each secret is also searched in its Base64 Basic-auth form.

use base64::Engine as _;
use pasarela::etpay::{
    self, notification as etpay_notification, EtpayClient, EtpayConfig, PaymentQuery,
    SessionRequest, Verifier,
};
use pasarela::lyra::notification::{self, Keys, SignedWith};
use pasarela::lyra::{LyraClient, LyraConfig, LyraError};
#[cfg(feature = "sandbox")]
use pasarela::sandbox::SandboxConfig;
use pasarela::Secret;

const SHOP: &str = "69876357";
const PASSWORD: &str = "testpassword_LEAKCHECKpw0123456789";
const HMAC_KEY: &str = "leakcheck0hmac0key0abcdef01234567";
const API_TOKEN: &str = "leakcheck-etpay-api-token-0123456789";
const SIGNATURE_TOKEN: &str = "leakcheck-etpay-signature-token-42";

const SECRETS: [&str; 4] = [PASSWORD, HMAC_KEY, API_TOKEN, SIGNATURE_TOKEN];

/// Panics when `text` contains a secret, or the Basic-auth encoding of the Lyra credentials.
fn assert_clean(what: &str, text: &str) {
    for secret in SECRETS {
        assert!(
            !text.contains(secret),
            "{what} leaks a secret ({secret}):\n{text}"
        );
        // A distinctive middle part catches truncated or re-cased copies too.
        let middle = &secret[4..secret.len() - 4];
        assert!(
            !text.to_lowercase().contains(&middle.to_lowercase()),
            "{what} leaks part of a secret:\n{text}"
        );
    }
    let basic = base64::engine::general_purpose::STANDARD.encode(format!("{SHOP}:{PASSWORD}"));
    assert!(
        !text.contains(&basic),
        "{what} leaks the Basic-auth header:\n{text}"
    );
}

fn assert_debug_and_display_clean<T: std::fmt::Debug + std::fmt::Display>(what: &str, value: &T) {
    assert_clean(&format!("{what} (Debug)"), &format!("{value:?}"));
    assert_clean(
        &format!("{what} (Debug, alternate)"),
        &format!("{value:#?}"),
    );
    assert_clean(&format!("{what} (Display)"), &value.to_string());
}

#[test]
fn secrets_and_keys_print_redacted() {
    for secret in SECRETS {
        assert_debug_and_display_clean("Secret", &Secret::new(secret));
    }
    assert_clean("Keys", &format!("{:?}", Keys::new(PASSWORD, HMAC_KEY)));
    #[cfg(feature = "sandbox")]
    assert_clean("SandboxConfig", &format!("{:?}", custom_sandbox_config()));
}

#[cfg(feature = "sandbox")]
fn custom_sandbox_config() -> SandboxConfig {
    SandboxConfig {
        password: Secret::new(PASSWORD),
        hmac_key: Secret::new(HMAC_KEY),
        etpay_api_token: Secret::new(API_TOKEN),
        ..SandboxConfig::default()
    }
}

#[tokio::test]
async fn lyra_configuration_client_and_errors_never_print_the_password() {
    let config = LyraConfig::new(SHOP, PASSWORD, "http://127.0.0.1:9");
    assert_clean("LyraConfig", &format!("{config:?} {config:#?}"));
    let client = LyraClient::new(&config).unwrap();
    assert_clean("LyraClient", &format!("{client:?} {client:#?}"));

    // Failure paths: bad configuration, connection refused (the request carried the header).
    for bad in [
        LyraConfig::new("6987:6357", PASSWORD, "http://127.0.0.1:9"),
        LyraConfig::new("", PASSWORD, "http://127.0.0.1:9"),
        LyraConfig::new(SHOP, PASSWORD, "ftp://example.com"),
    ] {
        let error = LyraClient::new(&bad).unwrap_err();
        assert!(matches!(error, LyraError::Config(_)), "{error:?}");
        assert_debug_and_display_clean("LyraError::Config", &error);
    }
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let client = LyraClient::new(&LyraConfig::new(SHOP, PASSWORD, url)).unwrap();
    let request = serde_json::from_value(serde_json::json!({"value": "ping"})).unwrap();
    let error = client.sdk_test(request).await.unwrap_err();
    assert_debug_and_display_clean("LyraError::Connect", &error);
}

#[test]
fn lyra_verification_never_prints_a_key() {
    let keys = Keys::new(PASSWORD, HMAC_KEY);
    let answer = r#"{"orderStatus":"PAID","orderCycle":"CLOSED","_type":"V4/Payment"}"#;
    for kind in [SignedWith::Password, SignedWith::HmacKey] {
        let body = notification::sign(answer, kind, &keys);
        let verified = notification::verify(&body, &keys).unwrap();
        assert_clean("VerifiedAnswer", &format!("{verified:?}"));
        // Every failure: wrong key, missing key, tampered body, undecodable authentic answer.
        let other = Keys::new("another-password", "another-hmac-key");
        assert_debug_and_display_clean(
            "NotificationError (mismatch)",
            &notification::verify(&body, &other).unwrap_err(),
        );
        assert_debug_and_display_clean(
            "NotificationError (no key)",
            &notification::verify(&body, &Keys::new("", "")).unwrap_err(),
        );
        let tampered = String::from_utf8(body).unwrap().replace("PAID", "PAYD");
        assert_debug_and_display_clean(
            "NotificationError (tampered)",
            &notification::verify(tampered.as_bytes(), &keys).unwrap_err(),
        );
        let undecodable = notification::sign(r#"{"orderStatus":42}"#, kind, &keys);
        assert_debug_and_display_clean(
            "NotificationError (undecodable)",
            &notification::verify(&undecodable, &keys).unwrap_err(),
        );
    }
}

#[tokio::test]
async fn etpay_configuration_client_requests_sessions_and_errors_never_print_a_token() {
    let config = EtpayConfig::new(
        "http://127.0.0.1:9",
        "http://127.0.0.1:9",
        "cl_leak",
        Secret::new(API_TOKEN),
    )
    .unwrap();
    assert_clean("EtpayConfig", &format!("{config:?} {config:#?}"));
    let client = EtpayClient::new(config.clone()).unwrap();
    assert_clean("EtpayClient", &format!("{client:?}"));
    let body = SessionRequest::new("oc-leak", 1000)
        .to_body(&config)
        .unwrap();
    assert_clean("SessionInitializeRequest", &format!("{body:?} {body:#?}"));
    let query = PaymentQuery::SessionToken("tok".into())
        .to_body(&config)
        .unwrap();
    assert_clean("CheckPaymentStatusRequest", &format!("{query:?}"));
    // The wire form does carry the token (it is the credential), and only there.
    assert!(serde_json::to_string(&query).unwrap().contains(API_TOKEN));

    let response: etpay::types::SessionInitializeResponse = serde_json::from_value(
        serde_json::json!({"token": "session-tok", "signature_token": SIGNATURE_TOKEN}),
    )
    .unwrap();
    let session = etpay::Session::from_response(response, &config);
    assert_clean("Session", &format!("{session:?} {session:#?}"));

    // Failure paths: empty token, connection refused.
    let error = EtpayConfig::new(
        "http://127.0.0.1:9",
        "http://127.0.0.1:9",
        "cl_leak",
        Secret::new(""),
    )
    .unwrap_err();
    assert_debug_and_display_clean("EtpayError::Config", &error);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let config = EtpayConfig::new(&url, &url, "cl_leak", Secret::new(API_TOKEN)).unwrap();
    let error = EtpayClient::new(config)
        .unwrap()
        .initialize(&SessionRequest::new("oc-leak", 1000))
        .await
        .unwrap_err();
    assert_debug_and_display_clean("EtpayError::Transport", &error);
}

#[test]
fn etpay_verification_never_prints_the_signature_token() {
    let key = Secret::new(SIGNATURE_TOKEN);
    let claims = serde_json::json!({"session_token": "s", "merchant_order_id": "oc1", "merchant_amount": 1, "payment_status": true, "iat": 1643663332});
    let jwt = etpay::sign_for_tests(&claims, &key).unwrap();
    let verified = Verifier::new()
        .verify_notification(&jwt, &key, "s")
        .unwrap();
    assert_clean("Notification", &format!("{verified:?}"));
    let other = Secret::new("another-signature-token");
    for error in [
        Verifier::new().verify_payment(&jwt, &other).unwrap_err(),
        Verifier::new()
            .verify_payment(&jwt[..jwt.len() - 3], &key)
            .unwrap_err(),
        Verifier::new()
            .verify_system_error(&jwt, SIGNATURE_TOKEN)
            .unwrap_err(),
        Verifier::new()
            .verify_payment("not a jwt", &key)
            .unwrap_err(),
        etpay_notification::jwt_from_body(SIGNATURE_TOKEN.as_bytes()).unwrap_err(),
    ] {
        assert_debug_and_display_clean("EtpayError (verification)", &error);
    }
}

// ---------------------------------------------------------------------------------------------
// The CLI.

#[cfg(feature = "cli")]
mod cli {
    use std::io::{BufRead, BufReader, Write};
    use std::process::{Command, Output, Stdio};
    use std::time::{Duration, Instant};

    use super::*;

    /// Every environment variable the CLI reads a secret from, set to the test secrets.
    const SECRET_ENV: [(&str, &str); 6] = [
        ("PASARELA_LYRA_PASSWORD", PASSWORD),
        ("PASARELA_LYRA_HMAC_KEY", HMAC_KEY),
        ("PASARELA_ETPAY_SIGNATURE_TOKEN", SIGNATURE_TOKEN),
        ("PASARELA_SANDBOX_PASSWORD", PASSWORD),
        ("PASARELA_SANDBOX_HMAC_KEY", HMAC_KEY),
        ("PASARELA_SANDBOX_ETPAY_API_TOKEN", API_TOKEN),
    ];

    fn command(args: &[&str], with_env: bool) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_pasarela"));
        command.args(args);
        for (name, value) in SECRET_ENV {
            command.env_remove(name);
            if with_env {
                command.env(name, value);
            }
        }
        command
    }

    fn run(args: &[&str], with_env: bool, stdin: &[u8]) -> Output {
        let mut child = command(args, with_env)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // A usage error exits before reading stdin: a broken pipe here is expected.
        if let Err(e) = child.stdin.take().unwrap().write_all(stdin) {
            assert_eq!(e.kind(), std::io::ErrorKind::BrokenPipe, "{e}");
        }
        child.wait_with_output().unwrap()
    }

    fn assert_output_clean(what: &str, output: &Output) {
        assert_clean(
            &format!("{what} stdout"),
            &String::from_utf8_lossy(&output.stdout),
        );
        assert_clean(
            &format!("{what} stderr"),
            &String::from_utf8_lossy(&output.stderr),
        );
    }

    #[test]
    fn help_never_shows_secrets_from_the_environment() {
        let helps: [&[&str]; 7] = [
            &["--help"],
            &["sandbox", "--help"],
            &["verify", "--help"],
            &["verify", "lyra", "--help"],
            &["verify", "etpay", "--help"],
            &["demo", "--help"],
            &["sandbox", "-h"],
        ];
        for args in helps {
            let output = run(args, true, b"");
            assert!(output.status.success(), "{args:?}");
            assert!(!output.stdout.is_empty(), "{args:?} printed its help");
            assert_output_clean(&format!("{args:?}"), &output);
        }
    }

    #[test]
    fn verify_never_prints_its_keys_on_any_path() {
        let keys = Keys::new(PASSWORD, HMAC_KEY);
        let answer = r#"{"orderStatus":"PAID","orderCycle":"CLOSED","_type":"V4/Payment"}"#;
        let ipn = notification::sign(answer, SignedWith::Password, &keys);
        let forged = notification::sign(answer, SignedWith::Password, &Keys::new("x", "y"));
        let browser = notification::sign(answer, SignedWith::HmacKey, &keys);
        let lyra_cases: [(&[u8], i32); 4] =
            [(&ipn, 0), (&forged, 1), (&browser, 0), (b"kr-hash=zz", 2)];
        for (body, expected) in lyra_cases {
            // By environment…
            let output = run(&["verify", "lyra"], true, body);
            assert_eq!(
                output.status.code(),
                Some(expected),
                "{}",
                String::from_utf8_lossy(&output.stderr)
            );
            assert_output_clean("verify lyra (env)", &output);
            // …and by flag.
            let output = run(
                &[
                    "verify",
                    "lyra",
                    "--password",
                    PASSWORD,
                    "--hmac-key",
                    HMAC_KEY,
                    "-",
                ],
                false,
                body,
            );
            assert_eq!(output.status.code(), Some(expected));
            assert_output_clean("verify lyra (flags)", &output);
        }
        // Only one key given, the other needed.
        let output = run(&["verify", "lyra", "--password", PASSWORD], false, &browser);
        assert_eq!(output.status.code(), Some(2));
        assert_output_clean("verify lyra (missing key)", &output);
        // A usage error after a secret flag: clap must not echo the secret back.
        let output = run(
            &["verify", "lyra", "--password", PASSWORD, "--no-such-flag"],
            false,
            b"",
        );
        assert_eq!(output.status.code(), Some(2));
        assert_output_clean("verify lyra (usage error)", &output);

        let key = Secret::new(SIGNATURE_TOKEN);
        let claims = serde_json::json!({"session_token": "s", "merchant_order_id": "oc1", "merchant_amount": 1, "payment_status": true, "iat": 1643663332});
        let jwt = etpay::sign_for_tests(&claims, &key).unwrap();
        let wrong = etpay::sign_for_tests(&claims, &Secret::new("another")).unwrap();
        let etpay_cases: [(String, i32); 3] = [
            (format!(r#"{{"payment":"{jwt}"}}"#), 0),
            (wrong, 1),
            ("garbage".into(), 2),
        ];
        for (input, expected) in &etpay_cases {
            let output = run(
                &["verify", "etpay", "--session-token", "s"],
                true,
                input.as_bytes(),
            );
            assert_eq!(
                output.status.code(),
                Some(*expected),
                "{}",
                String::from_utf8_lossy(&output.stderr)
            );
            assert_output_clean("verify etpay (env)", &output);
            let output = run(
                &[
                    "verify",
                    "etpay",
                    "--signature-token",
                    SIGNATURE_TOKEN,
                    "--max-age",
                    "1",
                ],
                false,
                input.as_bytes(),
            );
            assert!(
                output.status.code().is_some_and(|c| c == 1 || c == 2),
                "too old or malformed"
            );
            assert_output_clean("verify etpay (flag)", &output);
        }
    }

    /// Starts `pasarela sandbox` on a free port, reads its banner up to the test cards, and
    /// stops it.
    fn sandbox_banner(args: &[&str], with_env: bool) -> String {
        let mut all = vec!["sandbox", "--quiet", "--addr", "127.0.0.1:0"];
        all.extend_from_slice(args);
        let mut child = command(&all, with_env)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut reader = BufReader::new(child.stdout.take().unwrap());
        let mut banner = String::new();
        let started = Instant::now();
        while !banner.contains("test cards:") && started.elapsed() < Duration::from_secs(60) {
            let mut line = String::new();
            if reader.read_line(&mut line).unwrap_or(0) == 0 {
                break;
            }
            banner.push_str(&line);
        }
        child.kill().unwrap();
        let output = child.wait_with_output().unwrap();
        banner.push_str(&String::from_utf8_lossy(&output.stdout));
        banner.push_str(&String::from_utf8_lossy(&output.stderr));
        assert!(
            banner.contains("pasarela sandbox listening on http://127.0.0.1:"),
            "{banner}"
        );
        banner
    }

    #[test]
    fn the_sandbox_banner_shows_only_built_in_credentials() {
        use pasarela::sandbox::defaults;
        let builtin = sandbox_banner(&[], false);
        assert!(
            builtin.contains(defaults::PASSWORD) && builtin.contains(defaults::ETPAY_API_TOKEN),
            "{builtin}"
        );

        let by_env = sandbox_banner(&[], true);
        assert_clean("sandbox banner (env)", &by_env);
        assert!(by_env.contains("not printed"), "{by_env}");
        assert!(
            !by_env.contains(defaults::PASSWORD),
            "no default is shown next to configured secrets"
        );

        let by_flag = sandbox_banner(
            &[
                "--password",
                PASSWORD,
                "--hmac-key",
                HMAC_KEY,
                "--etpay-api-token",
                API_TOKEN,
            ],
            false,
        );
        assert_clean("sandbox banner (flags)", &by_flag);
        assert!(by_flag.contains("not printed"), "{by_flag}");

        // One custom secret is enough to hide every credential.
        let one = sandbox_banner(&["--hmac-key", HMAC_KEY], false);
        assert_clean("sandbox banner (one secret)", &one);
        assert!(!one.contains(defaults::PASSWORD), "{one}");
    }
}
