//! A small wrapper for credentials so they can never be printed by accident.

use std::fmt;

/// A secret string: a shop password, an HMAC-SHA-256 key, an ETpay API token or signature token.
///
/// `Debug` and `Display` print `[redacted]`; the only way to read the value is
/// [`Secret::expose`], which makes every use greppable. Comparison is constant-time.
///
/// ```
/// use pasarela::Secret;
/// let password = Secret::new("testpassword_abc");
/// assert_eq!(format!("{password:?}"), "Secret([redacted])");
/// assert_eq!(password.expose(), "testpassword_abc");
/// ```
#[derive(Clone, Default)]
pub struct Secret(String);

impl Secret {
    /// Wraps a value. Prefer reading it from the environment or a secret store.
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The secret value. Call this only where the value is handed to a cryptographic or
    /// HTTP primitive, never to format it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// True when the secret is the empty string (a configuration mistake).
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret([redacted])")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

impl PartialEq for Secret {
    fn eq(&self, other: &Self) -> bool {
        use subtle::ConstantTimeEq;
        self.0.as_bytes().ct_eq(other.0.as_bytes()).into()
    }
}

impl Eq for Secret {}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Secret(value)
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Self {
        Secret(value.to_owned())
    }
}
