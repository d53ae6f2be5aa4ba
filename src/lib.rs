#![doc = include_str!("../README.md")]
#![warn(missing_docs)]
#![recursion_limit = "256"]

#[cfg(feature = "validation")]
pub mod contract;
pub mod etpay;
pub mod input;
pub mod lyra;
pub mod money;
mod secret;
#[cfg(feature = "validation")]
pub mod spec;
mod transport;

pub use secret::Secret;
pub use transport::{install_default_tls_provider, DEFAULT_USER_AGENT, TLS_ENABLED};
