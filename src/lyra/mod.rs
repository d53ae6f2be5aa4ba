//! Lyra V4 REST API (Izipay / micuentaweb, PayZen, Systempay, Sogecommerce, Lyra Collect, OSB…).

#[allow(missing_docs, clippy::all, unused_imports, dead_code)]
mod generated {
    include!(concat!(env!("OUT_DIR"), "/lyra.rs"));
}

pub mod answer;
pub mod enums;

pub use generated::types;
pub use generated::Client as GeneratedClient;
pub mod form;
pub mod notification;
