//! Distinctive secrets and the assertions that they never print: shared by the secret-leak
//! tests of the three crates (the sandbox and CLI tests include this file by path).

#![allow(dead_code)]

use base64::Engine as _;

pub const SHOP: &str = "69876357";
pub const PASSWORD: &str = "testpassword_LEAKCHECKpw0123456789";
pub const HMAC_KEY: &str = "leakcheck0hmac0key0abcdef01234567";
pub const API_TOKEN: &str = "leakcheck-etpay-api-token-0123456789";
pub const SIGNATURE_TOKEN: &str = "leakcheck-etpay-signature-token-42";

/// A path segment of a base URL (some deployments route through a secret path): error texts
/// must never contain URLs.
pub const URL_SECRET: &str = "leakcheck-url-path-secret-5678";

pub const SECRETS: [&str; 5] = [PASSWORD, HMAC_KEY, API_TOKEN, SIGNATURE_TOKEN, URL_SECRET];

/// Panics when `text` contains a secret, or the Basic-auth encoding of the Lyra credentials.
pub fn assert_clean(what: &str, text: &str) {
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

pub fn assert_debug_and_display_clean<T: std::fmt::Debug + std::fmt::Display>(
    what: &str,
    value: &T,
) {
    assert_clean(&format!("{what} (Debug)"), &format!("{value:?}"));
    assert_clean(
        &format!("{what} (Debug, alternate)"),
        &format!("{value:#?}"),
    );
    assert_clean(&format!("{what} (Display)"), &value.to_string());
}

/// Like [`assert_debug_and_display_clean`], and also every error of the `source()` chain.
pub fn assert_error_clean(what: &str, error: &(dyn std::error::Error + 'static)) {
    assert_clean(&format!("{what} (Debug)"), &format!("{error:?}"));
    assert_clean(
        &format!("{what} (Debug, alternate)"),
        &format!("{error:#?}"),
    );
    assert_clean(&format!("{what} (Display)"), &error.to_string());
    let mut source = error.source();
    let mut depth = 1;
    while let Some(inner) = source {
        assert_clean(
            &format!("{what} source {depth} (Display)"),
            &inner.to_string(),
        );
        assert_clean(
            &format!("{what} source {depth} (Debug)"),
            &format!("{inner:?}"),
        );
        source = inner.source();
        depth += 1;
    }
}
