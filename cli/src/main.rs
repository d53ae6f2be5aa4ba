//! `pasarela`: run the demo, the offline sandbox, drive a running sandbox (`trigger`,
//! `notifications`, `resend`), verify a received notification, or check answers against the specs
//! (`contract`).
//!
//! A thin layer over the library's public API (see the modules beside this file).

use std::process::ExitCode;

use anyhow::Context as _;
use clap::{Parser, Subcommand};

mod contract;
mod demo;
mod demo_etpay;
mod merchant;
mod notifications;
mod resend;
mod sandbox;
mod sandbox_api;
mod trigger;
mod verify_etpay;
mod verify_lyra;

/// Lyra V4 (Izipay, PayZen, Systempay…) and ETpay payments: demo, offline sandbox, signature checks.
#[derive(Debug, Parser)]
#[command(name = "pasarela", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Walk through both gateways end to end against the embedded sandbox (no network, no credentials).
    Demo(demo::DemoArgs),
    /// Run the offline emulator of Lyra V4 and ETpay.
    Sandbox(sandbox::SandboxArgs),
    /// Play a payment scenario against a running sandbox and show its notifications' delivery.
    /// Exit 0 when the scenario completed (whatever the merchant answered), 1 when the payment
    /// ended in another state, 2 when it could not run (sandbox unreachable, a step refused).
    #[command(subcommand)]
    Trigger(trigger::TriggerCommand),
    /// List the notifications a running sandbox sent, with every delivery attempt; --follow
    /// keeps printing new ones.
    Notifications(notifications::NotificationsArgs),
    /// Make a running sandbox send a notification again (the same signed body to the same
    /// target) and show the first attempt; exit 0 whatever the merchant answered.
    Resend(resend::ResendArgs),
    /// Check that what the gateways send still matches the specs (drift detection).
    #[command(subcommand)]
    Contract(contract::ContractCommand),
    /// Verify a notification or browser return and print what it carries.
    #[command(subcommand)]
    Verify(Verify),
}

#[derive(Debug, Subcommand)]
enum Verify {
    /// Verify a Lyra IPN or browser-return POST body (kr-hash). Exit 0 authentic, 1 not authentic, 2 malformed input.
    Lyra(verify_lyra::VerifyLyraArgs),
    /// Verify an ETpay webhook body or JWT (HS256). Exit 0 authentic, 1 not authentic, 2 malformed input.
    Etpay(verify_etpay::VerifyEtpayArgs),
}

fn main() -> ExitCode {
    pasarela::install_default_tls_provider();
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            // Usage errors exit 2 (clap's own convention); --help and --version exit 0.
            return if e.use_stderr() {
                ExitCode::from(2)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    let outcome = match cli.command {
        Command::Demo(args) => runtime()
            .and_then(|rt| rt.block_on(demo::run(args)))
            .map(|held| {
                if held {
                    ExitCode::SUCCESS
                } else {
                    ExitCode::FAILURE
                }
            }),
        Command::Sandbox(args) => runtime()
            .and_then(|rt| rt.block_on(sandbox::run(args)))
            .map(|()| ExitCode::SUCCESS),
        Command::Trigger(command) => runtime()
            .and_then(|rt| rt.block_on(trigger::run(command)))
            .map(|held| {
                if held {
                    ExitCode::SUCCESS
                } else {
                    ExitCode::FAILURE
                }
            }),
        Command::Notifications(args) => runtime()
            .and_then(|rt| rt.block_on(notifications::run(args)))
            .map(|()| ExitCode::SUCCESS),
        Command::Resend(args) => runtime()
            .and_then(|rt| rt.block_on(resend::run(args)))
            .map(|()| ExitCode::SUCCESS),
        Command::Contract(contract::ContractCommand::Check(args)) => {
            Ok(ExitCode::from(contract::check(&args)))
        }
        Command::Contract(contract::ContractCommand::Live(args)) => runtime()
            .map(|rt| rt.block_on(contract::live(args)))
            .map(ExitCode::from),
        Command::Verify(Verify::Lyra(args)) => Ok(verify_lyra::run(&args)),
        Command::Verify(Verify::Etpay(args)) => Ok(verify_etpay::run(&args)),
    };
    // Could not run at all (a port taken, no runtime): the cause chain on stderr, exit 2.
    outcome.unwrap_or_else(|e| {
        eprintln!("pasarela: {e:#}");
        ExitCode::from(2)
    })
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")
}
