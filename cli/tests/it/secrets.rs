//! The CLI never prints a password, HMAC key, API token or signature token: not in `--help`
//! (secrets given by flag and by environment), not on any `verify` path, and the sandbox's
//! start-up banner shows only the built-in test credentials.

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use pasarela::etpay;
use pasarela::lyra::notification::{self, Keys, SignedWith};
use pasarela::Secret;

use crate::leak::*;

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
    use pasarela_sandbox::defaults;
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
