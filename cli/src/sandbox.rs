//! `pasarela sandbox`: serve the emulator until Ctrl-C.

use anyhow::Context as _;
use std::net::SocketAddr;

use pasarela::Secret;
use pasarela_sandbox::{defaults, Sandbox, SandboxConfig, ServerLimits, TEST_CARDS};

/// Options of `pasarela sandbox`. Every credential can also come from the environment; the
/// built-in test values are printed at start only when all of them are the defaults.
#[derive(clap::Args, Debug)]
pub struct SandboxArgs {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080", env = "PASARELA_SANDBOX_ADDR")]
    addr: SocketAddr,
    /// Lyra test shop id [default: built-in test shop].
    #[arg(long, env = "PASARELA_SANDBOX_SHOP_ID")]
    shop_id: Option<String>,
    /// Lyra REST password of the test shop [default: built-in].
    #[arg(long, env = "PASARELA_SANDBOX_PASSWORD", hide_env_values = true)]
    password: Option<String>,
    /// Lyra HMAC-SHA-256 key of the test shop [default: built-in].
    #[arg(long, env = "PASARELA_SANDBOX_HMAC_KEY", hide_env_values = true)]
    hmac_key: Option<String>,
    /// Lyra public key (kr-public-key) [default: built-in].
    #[arg(long, env = "PASARELA_SANDBOX_PUBLIC_KEY")]
    public_key: Option<String>,
    /// ETpay merchant code [default: built-in].
    #[arg(long, env = "PASARELA_SANDBOX_ETPAY_MERCHANT_CODE")]
    etpay_merchant_code: Option<String>,
    /// ETpay merchant API token [default: built-in].
    #[arg(long, env = "PASARELA_SANDBOX_ETPAY_API_TOKEN", hide_env_values = true)]
    etpay_api_token: Option<String>,
    /// Where Lyra IPNs go when a payment has no ipnTargetUrl (the shop's notification rule).
    #[arg(long, env = "PASARELA_SANDBOX_LYRA_NOTIFICATION_URL")]
    lyra_notification_url: Option<String>,
    /// Where ETpay webhooks go when a session has no payment_webhook_url.
    #[arg(long, env = "PASARELA_SANDBOX_ETPAY_WEBHOOK_URL")]
    etpay_webhook_url: Option<String>,
    /// Also answer requests whose Host is this name (repeatable), e.g. a port-less alias
    /// mapped to the sandbox; by default only IP addresses and localhost are answered, which
    /// stops DNS rebinding.
    #[arg(long = "allow-host", value_name = "NAME")]
    allow_hosts: Vec<String>,
    /// Connections served at once; more wait until one closes.
    #[arg(long, default_value_t = ServerLimits::default().max_connections)]
    max_connections: usize,
    /// Do not log notification attempts.
    #[arg(long)]
    quiet: bool,
}

impl SandboxArgs {
    fn config(self) -> SandboxConfig {
        let mut config = SandboxConfig::default();
        if let Some(v) = self.shop_id {
            config.shop_id = v;
        }
        if let Some(v) = self.password {
            config.password = Secret::new(v);
        }
        if let Some(v) = self.hmac_key {
            config.hmac_key = Secret::new(v);
        }
        if let Some(v) = self.public_key {
            config.public_key = v;
        }
        if let Some(v) = self.etpay_merchant_code {
            config.etpay_merchant_code = v;
        }
        if let Some(v) = self.etpay_api_token {
            config.etpay_api_token = Secret::new(v);
        }
        config.lyra_notification_url = self.lyra_notification_url;
        config.etpay_webhook_url = self.etpay_webhook_url;
        config.allowed_hosts = self.allow_hosts;
        config.server.max_connections = self.max_connections;
        config.verbose = !self.quiet;
        config
    }
}

/// Runs the sandbox until Ctrl-C.
pub async fn run(args: SandboxArgs) -> anyhow::Result<()> {
    let addr = args.addr;
    let config = args.config();
    let builtin = config.uses_builtin_credentials();
    let sandbox = Sandbox::start(config.clone(), addr)
        .await
        .with_context(|| format!("sandbox: cannot listen on {addr}"))?;
    let base = sandbox.base_url();
    println!("pasarela sandbox listening on {base}");
    println!(
        "  Lyra REST API   {base}/api-payment/V4/...   (static host for the form script: {base})"
    );
    println!(
        "  ETpay api_url   {}    pmt_url {}",
        sandbox.etpay_api_url(),
        sandbox.etpay_pmt_url()
    );
    println!("  notifications   {base}/sandbox/notifications");
    // The commands that drive this sandbox; `--sandbox` only when not at the default address.
    let flag = if base == crate::sandbox_api::DEFAULT_SANDBOX_URL {
        String::new()
    } else {
        format!(" --sandbox {base}")
    };
    println!(
        "  drive it        pasarela trigger lyra paid{flag} --notify URL    pasarela notifications{flag} --follow"
    );
    if builtin {
        println!("  built-in test credentials (safe to share, they only work here):");
        println!(
            "    Lyra shop id {}  password {}",
            defaults::SHOP_ID,
            defaults::PASSWORD
        );
        println!(
            "    Lyra HMAC-SHA-256 key {}  public key {}",
            defaults::HMAC_KEY,
            defaults::PUBLIC_KEY
        );
        println!(
            "    ETpay merchant_code {}  merchant_api_token {}",
            defaults::ETPAY_MERCHANT_CODE,
            defaults::ETPAY_API_TOKEN
        );
    } else {
        println!("  credentials: as configured (not printed)");
    }
    println!("  test cards:");
    for card in TEST_CARDS {
        println!("    {} {:<10} {}", card.pan, card.brand, card.label);
    }
    let _ = tokio::signal::ctrl_c().await;
    // Bounded: open requests get `shutdown_grace`, then their connections are closed.
    sandbox.shutdown().await;
    Ok(())
}
