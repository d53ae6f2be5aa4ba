//! `pasarela verify etpay`: exit codes 0 authentic / 1 not authentic / 2 malformed or usage,
//! claims on stdout, and the key never echoed. Uses the committed PyJWT vectors.

use std::io::Write;
use std::process::{Command, Output, Stdio};

use serde_json::Value;

const PYJWT: &str = include_str!("../../../tests/data/etpay/pyjwt_vectors.json");
const KEY: &str = "synthetic-signature-token-4f9a2c7e1b3d5f60a8c2e4b6d8f0a1c3";
const SESSION_TOKEN: &str = "wWkobSyntheticSessionToken0123456789abcdefABCDEFghijklmnopqrwC0L5";
const ENV: &str = "PASARELA_ETPAY_SIGNATURE_TOKEN";

fn vector(name: &str) -> Value {
    let doc: Value = serde_json::from_str(PYJWT).unwrap();
    doc["vectors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["name"] == name)
        .unwrap()
        .clone()
}

fn jwt(name: &str) -> String {
    vector(name)["jwt"].as_str().unwrap().to_owned()
}

/// Runs `pasarela verify etpay <args>` with `stdin` as input and the key in the environment
/// unless `key_in_env` is false.
fn run(args: &[&str], stdin: &str, key_in_env: bool) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_pasarela"));
    command.args(["verify", "etpay"]).args(args).env_remove(ENV);
    if key_in_env {
        command.env(ENV, KEY);
    }
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // A usage error exits before reading stdin: a broken pipe here is expected, not a failure.
    if let Err(e) = child.stdin.take().unwrap().write_all(stdin.as_bytes()) {
        assert_eq!(e.kind(), std::io::ErrorKind::BrokenPipe, "{e}");
    }
    let output = child.wait_with_output().unwrap();
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(!all.contains(KEY), "the key was echoed: {all}");
    output
}

fn code(output: &Output) -> i32 {
    output.status.code().unwrap()
}

#[test]
fn authentic_json_body_prints_the_claims() {
    let body = format!("{{\"payment\":\"{}\"}}", jwt("valid_bool_status"));
    let out = run(&["-"], &body, true);
    assert_eq!(code(&out), 0, "{}", String::from_utf8_lossy(&out.stderr));
    let printed: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(printed, vector("valid_bool_status")["claims"]);
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("\n  \"iat\""),
        "pretty JSON"
    );
}

#[test]
fn file_argument_form_body_and_key_flag() {
    let dir = std::env::temp_dir().join(format!("pasarela-etpay-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("body.txt");
    std::fs::write(&file, format!("payment={}", jwt("valid_string_status"))).unwrap();
    let out = run(
        &[file.to_str().unwrap(), "--signature-token", KEY],
        "",
        false,
    );
    assert_eq!(code(&out), 0, "{}", String::from_utf8_lossy(&out.stderr));
    let printed: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(printed["payment_status"], "success");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn bare_jwt_and_redirect_url() {
    assert_eq!(code(&run(&[], &jwt("valid_not_paid"), true)), 0);
    let url = format!(
        "https://shop.example/ok?order=1&jwt={}",
        jwt("valid_unknown_claims")
    );
    assert_eq!(code(&run(&["-"], &url, true)), 0);
}

#[test]
fn not_authentic_exits_1() {
    for name in [
        "wrong_key",
        "alg_none",
        "hs384",
        "hs512",
        "rs256_header_hmac_signed",
        "missing_iat",
    ] {
        let out = run(&["-"], &jwt(name), true);
        assert_eq!(
            code(&out),
            1,
            "{name}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(out.stdout.is_empty(), "{name}: nothing on stdout");
    }
}

#[test]
fn too_old_with_max_age_exits_1() {
    let out = run(&["--max-age", "60"], &jwt("valid_bool_status"), true);
    assert_eq!(code(&out), 1);
    assert!(String::from_utf8_lossy(&out.stderr).contains("old"));
}

#[test]
fn system_error_needs_the_session_token() {
    let token = jwt("system_error");
    assert_eq!(
        code(&run(&[], &token, true)),
        1,
        "signed with the session token, not the key"
    );
    let out = run(&["--session-token", SESSION_TOKEN], &token, true);
    assert_eq!(code(&out), 0);
    assert!(String::from_utf8_lossy(&out.stderr).contains("system error"));
    let printed: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(printed["system_error"], true);
}

#[test]
fn malformed_input_and_usage_errors_exit_2() {
    assert_eq!(code(&run(&[], "hello", true)), 2);
    assert_eq!(code(&run(&[], "{\"payment\": 12}", true)), 2);
    assert_eq!(code(&run(&[], "!!!.###.$$$", true)), 2);
    assert_eq!(
        code(&run(&[], &jwt("valid_bool_status"), false)),
        2,
        "no key"
    );
    assert_eq!(code(&run(&["/nonexistent/etpay-body"], "", true)), 2);
    assert_eq!(code(&run(&["--max-age", "soon"], "", true)), 2);
}

#[test]
fn input_over_the_shared_cap_exits_2_without_reading_it_all() {
    let body = format!("{{\"payment\":\"{}\"}}", jwt("valid_bool_status"));
    // An authentic body, padded past the cap with whitespace the parser would trim.
    let padded = format!("{body}{}", " ".repeat(pasarela::input::MAX_INPUT_BYTES));
    let out = run(&["-"], &padded, true);
    assert_eq!(code(&out), 2);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!(
            "larger than {} bytes",
            pasarela::input::MAX_INPUT_BYTES
        )),
        "{stderr}"
    );
    assert_eq!(
        code(&run(&["-"], &body, true)),
        0,
        "control: the body alone"
    );
}

#[test]
fn help_hides_the_environment_value() {
    let out = run(&["--help"], "", true);
    assert_eq!(code(&out), 0);
    let help = String::from_utf8_lossy(&out.stdout);
    assert!(help.contains(ENV));
}
