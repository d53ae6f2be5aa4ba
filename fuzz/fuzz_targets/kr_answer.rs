//! `kr-answer` decoding alone: `serde_json::from_slice::<Payment>`.
//!
//! Oracle: never panics, and whatever decodes re-encodes to JSON that decodes to the same value
//! (open enums keep unseen values, so nothing is lost on the way back).
#![no_main]

use libfuzzer_sys::fuzz_target;
use pasarela::lyra::types::Payment;

fuzz_target!(|data: &[u8]| {
    let Ok(payment) = serde_json::from_slice::<Payment>(data) else {
        return;
    };
    let _ = (
        payment.is_paid(),
        payment.is_final(),
        payment.order_id(),
        payment.transaction_keys(),
    );
    let _ = payment.changed_transactions(Some(&payment));
    let json = serde_json::to_vec(&payment).expect("a decoded payment encodes");
    let again: Payment = serde_json::from_slice(&json).expect("re-encoded payment decodes");
    assert_eq!(again, payment);
});
