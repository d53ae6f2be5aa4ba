//! Lyra V4 REST API (Izipay / micuentaweb, PayZen, Systempay, Sogecommerce, Lyra Collect, OSB…).

#[allow(missing_docs, clippy::all, unused_imports, dead_code)]
mod generated {
    include!(concat!(env!("OUT_DIR"), "/lyra.rs"));
}

pub mod answer;
mod client;
mod config;
pub mod enums;
mod error;
pub mod operations;

pub use generated::types;
pub use generated::Client as GeneratedClient;
pub mod bin_update;
pub mod card_data;
pub mod form;
pub mod notification;

pub use answer::{Answer, FromAnswer};
pub use client::LyraClient;
pub use config::{server, LyraConfig, DEFAULT_CONNECT_TIMEOUT, DEFAULT_TIMEOUT};
pub use error::{ApiError, LyraError, LyraErrorKind};
pub use operations::{Operation, OPERATIONS};
