//! The V4 envelope of every web service (`WebServiceResponse`, whose `answer` dispatches on
//! `_type` through `pasarela::lyra::Answer`).
//!
//! Oracle: never panics; a decoded envelope re-encodes to JSON that decodes to the same value,
//! and the answer's `_type` survives.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pasarela::lyra::{types::WebServiceResponse, Answer};

fuzz_target!(|data: &[u8]| {
    if let Ok(envelope) = serde_json::from_slice::<WebServiceResponse>(data) {
        let type_name = envelope.answer.type_name().map(str::to_owned);
        let json = serde_json::to_vec(&envelope).expect("a decoded envelope encodes");
        let again: WebServiceResponse =
            serde_json::from_slice(&json).expect("re-encoded envelope decodes");
        assert_eq!(again.answer.type_name().map(str::to_owned), type_name);
        assert_eq!(again, envelope);
    }
    // The answer alone, as `Answer::from_value` sees it inside the envelope.
    if let Ok(value) = serde_json::from_slice::<serde_json::Value>(data) {
        if let Ok(answer) = Answer::from_value(value) {
            let json = serde_json::to_value(&answer).expect("an answer encodes");
            let again = Answer::from_value(json).expect("a re-encoded answer decodes");
            assert_eq!(again, answer);
        }
    }
});
