//! Heavy work off the async workers: validating a request of a megabyte or two against the
//! specs takes long enough (seconds in a debug build) to stall every other request sharing the
//! worker thread. Such bodies are handled on tokio's blocking pool, a few at a time.

use std::sync::OnceLock;

use tokio::sync::Semaphore;

/// Bodies at least this large are handled on the blocking pool; smaller ones inline, where
/// a thread hop would cost more than the validation.
pub(crate) const OFFLOAD_BYTES: usize = 64 * 1024;

/// How many heavy requests run at once: one per core, so light requests keep a worker.
fn heavy_slots() -> &'static Semaphore {
    static SLOTS: OnceLock<Semaphore> = OnceLock::new();
    SLOTS.get_or_init(|| {
        Semaphore::new(std::thread::available_parallelism().map_or(2, std::num::NonZero::get))
    })
}

/// Runs `work` inline when `body_len` is small, else on the blocking pool (waiting for a slot
/// first). `None` when the work could not finish: the runtime is shutting down, or it panicked
/// (the panic is printed by the default hook, as an inline one would be).
pub(crate) async fn off_workers<T: Send + 'static>(
    body_len: usize,
    work: impl FnOnce() -> T + Send + 'static,
) -> Option<T> {
    if body_len < OFFLOAD_BYTES {
        return Some(work());
    }
    // The slot moves into the blocking task: a client that disconnects drops this future, but
    // the work it started keeps its slot until it ends, so at most one per core ever runs.
    let slot = heavy_slots().acquire().await.ok()?;
    tokio::task::spawn_blocking(move || {
        let _slot = slot;
        work()
    })
    .await
    .ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{mpsc, Arc, Mutex};
    use std::time::Duration;

    /// On a single-threaded runtime, a light task spawned after a heavy one finishes first:
    /// the heavy one waits for the light one, which it could not do if it held the only worker
    /// (it would give up after the timeout and finish first).
    #[tokio::test(flavor = "current_thread")]
    async fn a_light_task_runs_while_heavy_work_is_in_flight() {
        let order = Arc::new(Mutex::new(Vec::new()));
        let (light_done, wait_light) = mpsc::channel::<()>();
        let heavy = {
            let order = order.clone();
            tokio::spawn(off_workers(OFFLOAD_BYTES, move || {
                let _ = wait_light.recv_timeout(Duration::from_secs(5));
                order.lock().unwrap().push("heavy");
            }))
        };
        let light = {
            let order = order.clone();
            tokio::spawn(async move {
                order.lock().unwrap().push("light");
                let _ = light_done.send(());
            })
        };
        heavy.await.unwrap().unwrap();
        light.await.unwrap();
        assert_eq!(*order.lock().unwrap(), ["light", "heavy"]);
    }

    #[tokio::test(flavor = "current_thread")]
    async fn small_bodies_stay_inline() {
        let thread = std::thread::current().id();
        let ran_on = off_workers(OFFLOAD_BYTES - 1, move || std::thread::current().id()).await;
        assert_eq!(ran_on, Some(thread));
    }
}
