//! Shared by the scripted benchmarks: run a closure repeatedly and report the median and p95.

use std::time::Instant;

/// Runs `f` `runs` times, prints the median, the p95 and the slowest, and returns the median in ms.
pub fn time(name: &str, runs: usize, mut f: impl FnMut()) -> f64 {
    let mut ms: Vec<f64> = (0..runs)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed().as_secs_f64() * 1000.0
        })
        .collect();
    ms.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let p95 = ms[((runs as f64 * 0.95).ceil() as usize).clamp(1, runs) - 1];
    println!("{name:<22} median {:7.1} ms   p95 {:7.1} ms   max {:7.1} ms   ({runs} runs)", ms[runs / 2], p95, ms[runs - 1]);
    ms[runs / 2]
}
