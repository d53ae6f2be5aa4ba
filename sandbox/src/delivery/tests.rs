//! Unit tests of the delivery log: listing, rounds, attempt caps, ids, origins.

use super::*;

fn entry(id: u64) -> Entry {
    Entry {
        record: NotificationRecord {
            id,
            kind: LYRA_IPN,
            target: "http://127.0.0.1:9/ipn".into(),
            order_id: None,
            subject: None,
            created_at: String::new(),
            content_type: "text/plain".into(),
            body_bytes: 0,
            seq: id,
            attempts: Vec::new(),
            attempts_total: 0,
            round: 0,
            delivered: false,
            gave_up: false,
        },
        target: "http://127.0.0.1:9/ipn".into(),
        body: Arc::from(&b""[..]),
        task: None,
    }
}

#[test]
fn the_listing_shows_the_newest_notifications_only() {
    let delivery = Delivery::new(DeliveryPolicy::default(), 10_000, false);
    for id in 1..=(MAX_LISTED as u64 + 200) {
        delivery.log().insert(id, entry(id));
    }
    let listed = delivery.list();
    assert_eq!(listed.len(), MAX_LISTED);
    assert_eq!(listed.first().map(|r| r.id), Some(201));
    assert_eq!(listed.last().map(|r| r.id), Some(MAX_LISTED as u64 + 200));
}

#[test]
fn a_record_keeps_its_newest_attempts_and_counts_them_all() {
    let delivery = Delivery::new(DeliveryPolicy::default(), 10_000, false);
    delivery.log().insert(1, entry(1));
    let round = Round::of(&entry(1), 0);
    let total = MAX_ATTEMPTS_KEPT as u64 + 50;
    for n in 0..total {
        let mut attempt = refused_attempt("x");
        attempt.latency_ms = n;
        assert!(delivery.record(&round, attempt, false, false));
    }
    let record = delivery.get(1).unwrap();
    assert_eq!(record.attempts.len(), MAX_ATTEMPTS_KEPT);
    assert_eq!(record.attempts_total, total);
    assert_eq!(record.attempts[0].latency_ms, 50);
    // An older round's attempt is not recorded.
    delivery.log().get_mut(&1).unwrap().record.round = 1;
    assert!(!delivery.record(&round, refused_attempt("old"), true, false));
    assert_eq!(delivery.get(1).unwrap().attempts_total, total);
}

#[test]
fn origins_make_the_port_explicit() {
    assert_eq!(
        origin("http://127.0.0.1/ipn").as_deref(),
        Some("http://127.0.0.1:80")
    );
    assert_eq!(
        origin("HTTP://LocalHost:8080").as_deref(),
        Some("http://localhost:8080")
    );
    assert_eq!(origin("not a url"), None);
}

#[test]
fn a_follower_gets_every_change_oldest_first_however_many() {
    let delivery = Delivery::new(DeliveryPolicy::default(), 10_000, false);
    let total = MAX_LISTED as u64 + 200;
    for id in 1..=total {
        delivery.log().insert(id, entry(id));
    }
    let first = delivery.changed_after(0, MAX_LISTED, |_| true);
    assert_eq!(first.len(), MAX_LISTED);
    assert_eq!(first[0].seq, 1);
    let after = first.last().map_or(0, |r| r.seq);
    let rest = delivery.changed_after(after, MAX_LISTED, |_| true);
    assert_eq!(rest.len(), 200);
    assert_eq!(rest.last().map(|r| r.seq), Some(total));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ids_follow_the_logs_order_under_concurrency() {
    let delivery = Arc::new(Delivery::new(
        DeliveryPolicy {
            attempts: 1,
            ..DeliveryPolicy::default()
        },
        100_000,
        false,
    ));
    let senders: Vec<_> = (0..8)
        .map(|_| {
            let delivery = delivery.clone();
            tokio::task::spawn_blocking(move || {
                for _ in 0..200 {
                    let target = "http://127.0.0.1:9/ipn".to_owned();
                    let _ = delivery.start(
                        LYRA_IPN,
                        target,
                        "text/plain",
                        Vec::new(),
                        Context::default(),
                    );
                }
            })
        })
        .collect();
    for sender in senders {
        sender.await.unwrap();
    }
    let ids: Vec<u64> = delivery.log().values().map(|e| e.record.id).collect();
    assert_eq!(ids.len(), 1600);
    assert!(
        ids.windows(2).all(|w| w[0] < w[1]),
        "ids out of the log's order"
    );
}

#[test]
fn resending_an_unknown_notification_is_refused() {
    let delivery = Arc::new(Delivery::new(DeliveryPolicy::default(), 10, false));
    assert_eq!(delivery.resend(7), Err(ResendError::Unknown));
}
