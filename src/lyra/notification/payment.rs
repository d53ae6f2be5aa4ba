//! The gateway's rules about a V4/Payment, as methods: paid? final? which transaction changed?

use super::{Payment, Transaction};
use crate::lyra::enums::{OrderCycle, OrderStatus};

/// Identifies one state of one transaction: the pair to be idempotent on when the same order
/// produces several IPNs (a retried IPN repeats a pair; a status change makes a new one).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TransactionKey {
    /// The transaction `uuid` (empty if the gateway sent none).
    pub uuid: String,
    /// Its `detailedStatus` on the wire (`AUTHORISED`, `CAPTURED`…; empty if absent).
    pub detailed_status: String,
}

impl TransactionKey {
    /// The key of one transaction.
    pub fn of(transaction: &Transaction) -> Self {
        TransactionKey {
            uuid: transaction.uuid.clone().unwrap_or_default(),
            detailed_status: transaction
                .detailed_status
                .as_ref()
                .map(|status| status.as_str().to_owned())
                .unwrap_or_default(),
        }
    }
}

impl std::fmt::Display for TransactionKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.uuid, self.detailed_status)
    }
}

/// Helpers encoding Lyra's rules, defined next to the verification they follow.
impl Payment {
    /// `orderStatus == PAID`: the order is paid (step III of
    /// <https://docs.lyra.com/es/rest/V4.0/kb/payment_done.html>). `UNPAID`, `RUNNING`,
    /// `ABANDONED` and any status this crate does not know are not paid.
    pub fn is_paid(&self) -> bool {
        self.order_status == Some(OrderStatus::Paid)
    }

    /// `orderCycle == CLOSED`: the order is final, no further IPN will change it (except
    /// later Back-Office operations such as a refund). An `OPEN` order may still move
    /// (manual validation, deferred authorisation, a retry after a refusal).
    pub fn is_final(&self) -> bool {
        self.order_cycle == Some(OrderCycle::Closed)
    }

    /// `orderDetails.orderId`, the merchant's order reference.
    pub fn order_id(&self) -> Option<&str> {
        self.order_details.as_ref()?.order_id.as_deref()
    }

    /// `transactions`, or an empty slice when the gateway sent none.
    pub fn transactions(&self) -> &[Transaction] {
        self.transactions.as_deref().unwrap_or_default()
    }

    /// The transaction this result is about: the first of `transactions`. A payment result
    /// normally holds exactly one; use [`changed_transactions`](Self::changed_transactions)
    /// when an order can hold several (retries, refunds).
    pub fn transaction(&self) -> Option<&Transaction> {
        self.transactions().first()
    }

    /// One [`TransactionKey`] per transaction, in order.
    pub fn transaction_keys(&self) -> Vec<TransactionKey> {
        self.transactions().iter().map(TransactionKey::of).collect()
    }

    /// The transactions that are new or whose `detailedStatus` changed since `previous` (the
    /// last payment stored for the same order; `None` = all of them). Empty for a repeated
    /// IPN, which can then be acknowledged without any processing.
    pub fn changed_transactions(&self, previous: Option<&Payment>) -> Vec<&Transaction> {
        let seen = previous.map(Payment::transaction_keys).unwrap_or_default();
        self.transactions()
            .iter()
            .filter(|transaction| !seen.contains(&TransactionKey::of(transaction)))
            .collect()
    }
}
