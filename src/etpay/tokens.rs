//! Redacting wrappers for the secrets that travel in ETpay bodies. They replace spec
//! components in the generated types (build.rs `replacements`), so a generated request or
//! answer printed with `{:?}` shows `[redacted]` instead of the value.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::Secret;

macro_rules! secret_string {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq, Default)]
        pub struct $name(Secret);

        impl $name {
            /// Wraps a value.
            pub fn new(value: impl Into<Secret>) -> Self {
                $name(value.into())
            }

            /// The value as a [`Secret`].
            pub fn secret(&self) -> &Secret {
                &self.0
            }

            /// The value as a [`Secret`], by value.
            pub fn into_secret(self) -> Secret {
                self.0
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, concat!(stringify!($name), "({:?})"), self.0)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(&self.0, f)
            }
        }

        impl FromStr for $name {
            type Err = std::convert::Infallible;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Ok($name::new(s))
            }
        }

        impl From<&Secret> for $name {
            fn from(secret: &Secret) -> Self {
                $name(secret.clone())
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                // The wire format needs the value; this is the one place it leaves the wrapper.
                serializer.serialize_str(self.0.expose())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                String::deserialize(deserializer).map($name::new)
            }
        }

        #[cfg(feature = "schemars")]
        impl schemars::JsonSchema for $name {
            fn schema_name() -> String {
                stringify!($name).to_owned()
            }

            fn json_schema(gen: &mut schemars::gen::SchemaGenerator) -> schemars::schema::Schema {
                <String as schemars::JsonSchema>::json_schema(gen)
            }
        }
    };
}

secret_string! {
    /// The merchant's API secret as it appears in request bodies (spec component
    /// `MerchantApiToken`).
    MerchantApiToken
}

secret_string! {
    /// A session's `signature_token` as it appears in the `session/initialize` answer (spec
    /// component `SignatureToken`): the HS256 key of every JWT about that session.
    SignatureToken
}
