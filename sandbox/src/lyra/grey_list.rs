//! The shop's grey list (Risk/AddToGreyList): cards (masked), BINs and IP addresses.
//!
//! A leaf module: the state holds it, `ops/risk.rs` fills it and renders its entries.

/// One grey-listed card, BIN or IP address.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct GreyListEntry {
    /// `PAYMENT_METHOD`, `BIN` or `IP_ADDRESS`.
    pub kind: String,
    /// The masked card number, the BIN or the IP address: never a whole card number.
    pub value: String,
    pub reason: Option<String>,
}

/// The key an entry is stored under: adding the same entry twice keeps one.
pub(crate) fn key(entry: &GreyListEntry) -> String {
    format!("{}:{}", entry.kind, entry.value)
}
