//! The two keys a Lyra result is signed with, and which one signed it (`kr-hash-key`).

use crate::Secret;

/// The two secrets a result can be signed with. Give both once; [`verify`](super::verify) picks the one the
/// body names in `kr-hash-key`.
///
/// Use the TEST keys with a TEST shop and the PRODUCTION keys in production: a result signed
/// with the other mode's keys is a [`NotificationError::SignatureMismatch`](super::NotificationError::SignatureMismatch).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Keys {
    /// The shop password (2nd REST key, `testpassword_…`/`prodpassword_…`): signs the IPN.
    pub password: Secret,
    /// The HMAC-SHA-256 key (4th REST key): signs the browser return.
    pub hmac_key: Secret,
}

impl Keys {
    /// Both keys.
    pub fn new(password: impl Into<Secret>, hmac_key: impl Into<Secret>) -> Self {
        Keys {
            password: password.into(),
            hmac_key: hmac_key.into(),
        }
    }

    /// The key of a given kind.
    pub fn get(&self, kind: SignedWith) -> &Secret {
        match kind {
            SignedWith::Password => &self.password,
            SignedWith::HmacKey => &self.hmac_key,
        }
    }
}

/// Which key signed a result, i.e. where it came from (`kr-hash-key`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SignedWith {
    /// `kr-hash-key=password`: an IPN, sent server to server.
    Password,
    /// `kr-hash-key=sha256_hmac`: a browser return (`kr-post-url-success`/`-refused`).
    HmacKey,
}

impl SignedWith {
    /// The `kr-hash-key` value on the wire.
    pub fn wire_name(self) -> &'static str {
        match self {
            SignedWith::Password => "password",
            SignedWith::HmacKey => "sha256_hmac",
        }
    }

    /// Parses a `kr-hash-key` value (exact, case-sensitive match).
    pub fn from_wire_name(value: &str) -> Option<SignedWith> {
        match value {
            "password" => Some(SignedWith::Password),
            "sha256_hmac" => Some(SignedWith::HmacKey),
            _ => None,
        }
    }

    /// What such a result is: `"IPN"` or `"browser return"`.
    pub fn source(self) -> &'static str {
        match self {
            SignedWith::Password => "IPN",
            SignedWith::HmacKey => "browser return",
        }
    }
}

impl std::fmt::Display for SignedWith {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            SignedWith::Password => "shop password",
            SignedWith::HmacKey => "HMAC-SHA-256 key",
        })
    }
}
