#![doc = include_str!("../README.md")]
#![warn(missing_docs)]
#![recursion_limit = "256"]

pub mod etpay;
pub mod http;
pub mod lyra;
pub mod money;
mod secret;
#[cfg(feature = "validation")]
pub mod spec;

pub use secret::Secret;
