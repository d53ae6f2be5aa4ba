//! A soak of a running `pasarela sandbox` (issue 16): normal payments next to hostile traffic,
//! reporting the sandbox's RSS over time, the normal requests' latency (p50/p99/max), failed
//! normal requests and lost or duplicated payments. Run it with `.ci/soak.sh`, which builds
//! the release binary, starts it and passes `--url` and `--pid`:
//!
//! ```text
//! cargo run --release -p pasarela-sandbox --example soak -- \
//!     --url http://127.0.0.1:8080 --pid 1234 --duration 60
//! ```
//!
//! Normal traffic: `--workers` (16) loops of CreatePayment → `/sandbox/lyra/pay` → Order/Get
//! (which must list exactly one transaction) and Charge/SDKTest. Hostile traffic, at least 20 %
//! of the requests: `--slow` (64) connections that send half a request and then one byte every
//! 5 s (reopened when closed); `--big` (2) loops of 1 MB bodies (ETpay sessions with a 1 MB
//! unknown field, CreatePayment with 1 MB of metadata, payment order updates with a 1 MB unknown
//! key); `--racers` (2) loops of 8 concurrent pays of one formToken (exactly one may succeed);
//! `--updaters` (2) loops of payment order updates that each add a new unknown key.
//!
//! Exits non-zero when a normal request failed, a payment was lost or duplicated, the RSS went
//! over `--max-rss-mib` (256) or the normal p99 over `--max-p99-ms` (50).

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use base64::Engine as _;
use pasarela_sandbox::defaults;
use serde_json::{json, Value};
use tokio::io::AsyncWriteExt;

/// Command-line options.
struct Options {
    url: String,
    pid: Option<u32>,
    duration: Duration,
    workers: usize,
    slow: usize,
    big: usize,
    racers: usize,
    updaters: usize,
    max_rss_mib: u64,
    max_p99_ms: f64,
}

fn options() -> Result<Options, String> {
    let mut o = Options {
        url: String::new(),
        pid: None,
        duration: Duration::from_secs(60),
        workers: 16,
        slow: 64,
        big: 2,
        racers: 2,
        updaters: 2,
        max_rss_mib: 256,
        max_p99_ms: 50.0,
    };
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let value = args.next().ok_or(format!("{flag} needs a value"))?;
        let number = || value.parse::<u64>().map_err(|e| format!("{flag}: {e}"));
        match flag.as_str() {
            "--url" => o.url = value.trim_end_matches('/').to_owned(),
            "--pid" => o.pid = Some(number()? as u32),
            "--duration" => o.duration = Duration::from_secs(number()?),
            "--workers" => o.workers = number()? as usize,
            "--slow" => o.slow = number()? as usize,
            "--big" => o.big = number()? as usize,
            "--racers" => o.racers = number()? as usize,
            "--updaters" => o.updaters = number()? as usize,
            "--max-rss-mib" => o.max_rss_mib = number()?,
            "--max-p99-ms" => o.max_p99_ms = value.parse().map_err(|e| format!("{flag}: {e}"))?,
            _ => return Err(format!("unknown flag {flag}")),
        }
    }
    if o.url.is_empty() {
        return Err("--url is required".into());
    }
    Ok(o)
}

/// What the run counted.
#[derive(Default)]
struct Stats {
    normal: AtomicU64,
    hostile: AtomicU64,
    failed: AtomicU64,
    lost: AtomicU64,
    duplicated: AtomicU64,
    payments: AtomicU64,
    max_rss_kib: AtomicU64,
    latencies_us: Mutex<Vec<u32>>,
    /// The first few failures, to print.
    failures: Mutex<Vec<String>>,
}

impl Stats {
    fn fail(&self, what: String) {
        self.failed.fetch_add(1, Ordering::Relaxed);
        let mut failures = self.failures.lock().unwrap();
        if failures.len() < 10 {
            failures.push(what);
        }
    }
}

/// The shared context of every task.
struct Soak {
    url: String,
    http: reqwest::Client,
    auth: String,
    stats: Stats,
    stop: AtomicBool,
}

impl Soak {
    /// Posts a Lyra web service; the envelope, or why there is none.
    async fn lyra(&self, ws: &str, body: &Value) -> Result<Value, String> {
        let response = self
            .http
            .post(format!("{}/api-payment/V4/{ws}", self.url))
            .header("authorization", &self.auth)
            .json(body)
            .send()
            .await
            .map_err(|e| format!("{ws}: {e}"))?;
        if !response.status().is_success() {
            return Err(format!("{ws}: HTTP {}", response.status()));
        }
        response.json().await.map_err(|e| format!("{ws}: {e}"))
    }

    /// A normal web service call, timed; its answer when the envelope is SUCCESS.
    async fn normal(&self, ws: &str, body: Value) -> Option<Value> {
        let started = Instant::now();
        let result = self.lyra(ws, &body).await;
        self.record_latency(started);
        match result {
            Ok(envelope) if envelope["status"] == "SUCCESS" => Some(envelope["answer"].clone()),
            Ok(envelope) => {
                self.stats.fail(format!("{ws}: {}", envelope["answer"]));
                None
            }
            Err(e) => {
                self.stats.fail(e);
                None
            }
        }
    }

    fn record_latency(&self, started: Instant) {
        let us = u32::try_from(started.elapsed().as_micros()).unwrap_or(u32::MAX);
        self.stats.normal.fetch_add(1, Ordering::Relaxed);
        self.stats.latencies_us.lock().unwrap().push(us);
    }

    /// `POST /sandbox/lyra/pay` with outcome `paid`: the HTTP status.
    async fn pay(&self, form_token: &str) -> Result<u16, String> {
        self.http
            .post(format!("{}/sandbox/lyra/pay", self.url))
            .json(&json!({"formToken": form_token, "outcome": "paid"}))
            .send()
            .await
            .map(|r| r.status().as_u16())
            .map_err(|e| format!("pay: {e}"))
    }

    /// Checks an order has exactly one transaction (else counts it lost or duplicated).
    async fn check_order(&self, order_id: &str, timed: bool) {
        let body = json!({"orderId": order_id});
        let answer = if timed {
            self.normal("Order/Get", body).await
        } else {
            self.lyra("Order/Get", &body)
                .await
                .ok()
                .map(|e| e["answer"].clone())
        };
        let count = answer
            .as_ref()
            .and_then(|a| a["transactions"].as_array())
            .map_or(0, Vec::len);
        self.stats.payments.fetch_add(1, Ordering::Relaxed);
        match count {
            1 => {}
            0 => {
                self.stats.lost.fetch_add(1, Ordering::Relaxed);
            }
            _ => {
                self.stats.duplicated.fetch_add(1, Ordering::Relaxed);
            }
        }
    }

    fn running(&self) -> bool {
        !self.stop.load(Ordering::Relaxed)
    }
}

/// Normal traffic: create, pay, check the order, and an SDKTest.
async fn normal_worker(soak: Arc<Soak>, worker: usize) {
    let mut n = 0u64;
    while soak.running() {
        n += 1;
        let order_id = format!("soak-{worker}-{n}");
        let body = json!({"amount": 990, "currency": "PEN", "orderId": order_id,
                          "customer": {"email": "soak@example.com"}});
        if let Some(form) = soak.normal("Charge/CreatePayment", body).await {
            let form_token = form["formToken"].as_str().unwrap_or_default().to_owned();
            let started = Instant::now();
            let paid = soak.pay(&form_token).await;
            soak.record_latency(started);
            match paid {
                Ok(200) => soak.check_order(&order_id, true).await,
                Ok(status) => soak.stats.fail(format!("pay: HTTP {status}")),
                Err(e) => soak.stats.fail(e),
            }
        }
        soak.normal("Charge/SDKTest", json!({"value": "soak"}))
            .await;
    }
}

/// Hostile: a connection that sends half a request and then drips a byte every 5 s; reopened
/// when the sandbox closes it.
async fn slow_connection(soak: Arc<Soak>) {
    let addr = soak.url.trim_start_matches("http://").to_owned();
    while soak.running() {
        soak.stats.hostile.fetch_add(1, Ordering::Relaxed);
        let Ok(mut socket) = tokio::net::TcpStream::connect(&addr).await else {
            tokio::time::sleep(Duration::from_secs(1)).await;
            continue;
        };
        let head = "POST /api-payment/V4/Charge/SDKTest HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1000000\r\n";
        if socket.write_all(head.as_bytes()).await.is_err() {
            continue;
        }
        while soak.running() {
            tokio::time::sleep(Duration::from_secs(5)).await;
            if socket.write_all(b"X").await.is_err() {
                break;
            }
        }
    }
}

/// Hostile: 1 MB bodies, in turn an ETpay session with a 1 MB unknown field, a CreatePayment
/// with 1 MB of metadata and a payment order update with a 1 MB unknown key.
async fn big_bodies(soak: Arc<Soak>) {
    let big = "x".repeat(1 << 20);
    let order = soak
        .lyra(
            "Charge/CreatePaymentOrder",
            &json!({"amount": 1000, "currency": "PEN",
              "channelOptions": {"channelType": "URL"}}),
        )
        .await;
    let order_id = order
        .map(|e| e["answer"]["paymentOrderId"].clone())
        .unwrap_or_default();
    let mut n = 0u64;
    while soak.running() {
        n += 1;
        soak.stats.hostile.fetch_add(1, Ordering::Relaxed);
        let _ = match n % 3 {
            0 => soak
                .http
                .post(format!("{}/etpay/session/initialize", soak.url))
                .json(&json!({"merchant_code": defaults::ETPAY_MERCHANT_CODE,
                    "merchant_api_token": defaults::ETPAY_API_TOKEN,
                    "merchant_order_id": format!("big-{n}"), "order_amount": 1000, "cart": big}))
                .send()
                .await
                .map(drop)
                .map_err(|e| e.to_string()),
            1 => soak
                .lyra(
                    "Charge/CreatePayment",
                    &json!({"amount": 990, "currency": "PEN",
                      "metadata": {"cart": big}}),
                )
                .await
                .map(drop),
            _ => soak
                .lyra(
                    "Charge/PaymentOrder/Update",
                    &json!({"paymentOrderId": order_id,
                      "channelOptions": {"channelType": "URL"}, format!("big-{n}"): big}),
                )
                .await
                .map(drop),
        };
    }
}

/// Hostile: 8 concurrent pays of one formToken; exactly one may succeed.
async fn racing_pays(soak: Arc<Soak>, worker: usize) {
    let mut n = 0u64;
    while soak.running() {
        n += 1;
        let order_id = format!("race-{worker}-{n}");
        soak.stats.hostile.fetch_add(1, Ordering::Relaxed);
        let Ok(form) = soak
            .lyra(
                "Charge/CreatePayment",
                &json!({"amount": 500, "currency": "PEN", "orderId": order_id}),
            )
            .await
        else {
            continue;
        };
        let form_token = form["answer"]["formToken"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        let racers: Vec<_> = (0..8)
            .map(|_| {
                let (soak, form_token) = (soak.clone(), form_token.clone());
                tokio::spawn(async move { soak.pay(&form_token).await })
            })
            .collect();
        let mut paid = 0;
        for racer in racers {
            soak.stats.hostile.fetch_add(1, Ordering::Relaxed);
            paid += usize::from(matches!(racer.await, Ok(Ok(200))));
        }
        if paid > 1 {
            soak.stats.duplicated.fetch_add(1, Ordering::Relaxed);
        }
        soak.check_order(&order_id, false).await;
    }
}

/// Hostile: one payment order updated again and again, each time with a new unknown key.
async fn unknown_keys(soak: Arc<Soak>) {
    let Ok(order) = soak
        .lyra(
            "Charge/CreatePaymentOrder",
            &json!({"amount": 1000, "currency": "PEN",
              "channelOptions": {"channelType": "URL"}}),
        )
        .await
    else {
        return;
    };
    let id = order["answer"]["paymentOrderId"].clone();
    let mut n = 0u64;
    while soak.running() {
        n += 1;
        soak.stats.hostile.fetch_add(1, Ordering::Relaxed);
        let mut update = json!({"paymentOrderId": id, "channelOptions": {"channelType": "URL"}});
        update[format!("unknown-{n}")] = json!("k".repeat(4096));
        let _ = soak.lyra("Charge/PaymentOrder/Update", &update).await;
    }
}

/// The sandbox's resident set (VmRSS), in KiB.
fn rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
}

/// Samples the RSS every second; prints a line every 10 s.
async fn monitor(soak: Arc<Soak>, pid: Option<u32>, started: Instant) {
    let mut tick = 0u64;
    while soak.running() {
        tokio::time::sleep(Duration::from_secs(1)).await;
        tick += 1;
        let rss = pid.and_then(rss_kib).unwrap_or(0);
        soak.stats.max_rss_kib.fetch_max(rss, Ordering::Relaxed);
        if tick.is_multiple_of(10) {
            let s = &soak.stats;
            println!(
                "t={:>5}s rss={:>4}MiB normal={} hostile={} failed={} lost={} duplicated={}",
                started.elapsed().as_secs(),
                rss / 1024,
                s.normal.load(Ordering::Relaxed),
                s.hostile.load(Ordering::Relaxed),
                s.failed.load(Ordering::Relaxed),
                s.lost.load(Ordering::Relaxed),
                s.duplicated.load(Ordering::Relaxed),
            );
        }
    }
}

fn percentile(sorted: &[u32], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let index = ((sorted.len() - 1) as f64 * p).round() as usize;
    f64::from(sorted[index]) / 1000.0
}

/// Prints the RESULT line; true when every limit held.
fn report(o: &Options, s: &Stats) -> bool {
    let mut latencies = std::mem::take(&mut *s.latencies_us.lock().unwrap());
    latencies.sort_unstable();
    let (normal, hostile) = (
        s.normal.load(Ordering::Relaxed),
        s.hostile.load(Ordering::Relaxed),
    );
    let total = normal + hostile;
    let hostile_pct = if total == 0 {
        0.0
    } else {
        hostile as f64 * 100.0 / total as f64
    };
    let p99 = percentile(&latencies, 0.99);
    let rss_mib = s.max_rss_kib.load(Ordering::Relaxed) / 1024;
    let (failed, lost, duplicated) = (
        s.failed.load(Ordering::Relaxed),
        s.lost.load(Ordering::Relaxed),
        s.duplicated.load(Ordering::Relaxed),
    );
    println!(
        "RESULT requests={total} normal={normal} hostile={hostile} hostile_pct={hostile_pct:.1} \
         payments_checked={} failed_normal={failed} lost={lost} duplicated={duplicated} \
         p50_ms={:.2} p99_ms={p99:.2} max_ms={:.2} max_rss_mib={rss_mib}",
        s.payments.load(Ordering::Relaxed),
        percentile(&latencies, 0.5),
        percentile(&latencies, 1.0),
    );
    for failure in s.failures.lock().unwrap().iter() {
        println!("failure: {failure}");
    }
    let checks = [
        (failed == 0, "normal requests failed"),
        (lost == 0 && duplicated == 0, "payments lost or duplicated"),
        (
            o.pid.is_none() || rss_mib <= o.max_rss_mib,
            "RSS over --max-rss-mib",
        ),
        (p99 <= o.max_p99_ms, "normal p99 over --max-p99-ms"),
        (hostile_pct >= 20.0, "less than 20 % hostile requests"),
        (normal > 0, "no normal request was served"),
    ];
    let mut ok = true;
    for (held, what) in checks {
        if !held {
            println!("soak: FAILED: {what}");
            ok = false;
        }
    }
    ok
}

#[tokio::main]
async fn main() {
    let o = match options() {
        Ok(o) => o,
        Err(e) => {
            eprintln!("soak: {e}\nusage: soak --url URL [--pid PID] [--duration SECS] [--workers N] [--slow N] [--big N] [--racers N] [--updaters N] [--max-rss-mib N] [--max-p99-ms MS]");
            std::process::exit(2);
        }
    };
    pasarela::install_default_tls_provider();
    let credentials = format!("{}:{}", defaults::SHOP_ID, defaults::PASSWORD);
    let soak = Arc::new(Soak {
        url: o.url.clone(),
        http: reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .build()
            .expect("an HTTP client"),
        auth: format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(credentials)
        ),
        stats: Stats::default(),
        stop: AtomicBool::new(false),
    });
    let started = Instant::now();
    let mut tasks = vec![tokio::spawn(monitor(soak.clone(), o.pid, started))];
    tasks.extend((0..o.workers).map(|w| tokio::spawn(normal_worker(soak.clone(), w))));
    tasks.extend((0..o.slow).map(|_| tokio::spawn(slow_connection(soak.clone()))));
    tasks.extend((0..o.big).map(|_| tokio::spawn(big_bodies(soak.clone()))));
    tasks.extend((0..o.racers).map(|w| tokio::spawn(racing_pays(soak.clone(), w))));
    tasks.extend((0..o.updaters).map(|_| tokio::spawn(unknown_keys(soak.clone()))));
    tokio::time::sleep(o.duration).await;
    soak.stop.store(true, Ordering::Relaxed);
    for task in tasks {
        // Slow connections sleep up to 5 s before they notice the stop.
        let _ = tokio::time::timeout(Duration::from_secs(40), task).await;
    }
    println!(
        "ran {:.0}s against {}",
        started.elapsed().as_secs_f64(),
        o.url
    );
    if !report(&o, &soak.stats) {
        std::process::exit(1);
    }
}
