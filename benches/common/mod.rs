//! A paired comparison printed after the criterion groups: alternating blocks of the two
//! functions, so that a change in background load (other builds on a shared 2-core machine)
//! hits both sides alike. Criterion measures each function in its own time window, so its
//! ratio drifts by a few percent from run to run on a busy machine; this one does not.

use std::time::{Duration, Instant};

/// Runs `blocks` rounds of `per_block` calls of `ours` and of `baseline` (the order alternating
/// from round to round) and prints the median time per call of each and their ratio.
pub fn paired(
    label: &str,
    blocks: usize,
    per_block: usize,
    mut ours: impl FnMut(),
    mut baseline: impl FnMut(),
) {
    let time = |f: &mut dyn FnMut()| {
        let start = Instant::now();
        for _ in 0..per_block {
            f();
        }
        start.elapsed() / per_block as u32
    };
    let (mut t_ours, mut t_base) = (Vec::with_capacity(blocks), Vec::with_capacity(blocks));
    for round in 0..blocks {
        if round % 2 == 0 {
            t_ours.push(time(&mut ours));
            t_base.push(time(&mut baseline));
        } else {
            t_base.push(time(&mut baseline));
            t_ours.push(time(&mut ours));
        }
    }
    let (ours, base) = (median(&mut t_ours), median(&mut t_base));
    println!(
        "paired {label}: pasarela {:.2} µs/call, baseline {:.2} µs/call, ratio {:.3} (medians of {blocks} alternating blocks of {per_block} calls)",
        micros(ours),
        micros(base),
        ours.as_secs_f64() / base.as_secs_f64()
    );
}

fn median(times: &mut [Duration]) -> Duration {
    times.sort();
    times[times.len() / 2]
}

fn micros(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}
