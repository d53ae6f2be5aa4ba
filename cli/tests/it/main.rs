//! The `pasarela` binary's tests, in one binary: `verify lyra`, `verify etpay`, and what the
//! command line prints (never a secret).

#[path = "../../../tests/it/leak.rs"]
mod leak;

mod bin;

mod contract_cli;
mod etpay_cli;
mod lyra_cli;
mod secrets;
mod trigger_cli;
