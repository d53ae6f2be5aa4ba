//! ETpay (Chile): bank-transfer sessions and verified JWT notifications.

#[allow(missing_docs, clippy::all, unused_imports, dead_code)]
mod generated {
    include!(concat!(env!("OUT_DIR"), "/etpay.rs"));
}

pub use generated::types;
pub use generated::Client as GeneratedClient;
