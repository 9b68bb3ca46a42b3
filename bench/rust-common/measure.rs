//! Measurement helpers shared by the Rust programs under bench/ (included
//! with `#[path = "../../rust-common/measure.rs"] mod measure;`): the
//! sampler, the cross-core probe and VmRSS. The Go programs of the same
//! tables do the same in internal/benchwork (sample.go, c2c.go, memory.go).
//!
//! Line format, the same for every program of a table:
//!   name  iters  median  unit  [key=value ...]
//! `iters` is the number of workload iterations per sample; `median` is the
//! median over ANCHOR_SAMPLES (10) samples of ns per iteration ("op"), after
//! ANCHOR_WARMUP_MS (300) of warm-up, each sample sized to take about
//! ANCHOR_SAMPLE_MS (100). `per_<item>=` divides by the items of one op;
//! `c2c_ns=` is the cross-core probe taken before the bench.

#![allow(dead_code)]

use std::sync::atomic::Ordering::{Acquire, Relaxed, Release};
use std::sync::atomic::AtomicU64;
use std::sync::Arc;
use std::time::{Duration, Instant};

pub const SAMPLES: u64 = 10;
pub const WARMUP_MS: u64 = 300;
pub const TARGET_SAMPLE_MS: u64 = 100;

/// The value of environment variable `name` as a number, or `default`.
pub fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// Samples per bench (ANCHOR_SAMPLES).
pub fn samples() -> usize {
    env_or("ANCHOR_SAMPLES", SAMPLES).max(1) as usize
}

/// Target time of one sample in ms (ANCHOR_SAMPLE_MS).
pub fn sample_ms() -> u64 {
    env_or("ANCHOR_SAMPLE_MS", TARGET_SAMPLE_MS)
}

/// The last cross-core probe, printed as `c2c_ns=` on every line.
pub static C2C_NS: AtomicU64 = AtomicU64::new(0);

/// Measures the cross-core cache-line round trip in ns (two threads hand a
/// counter back and forth) and stores it in C2C_NS. On a 2-vCPU guest it
/// moves between modes as the host places the vCPUs, and every benchmark
/// that hands work between threads moves with it.
pub fn c2c_probe() {
    const N: u64 = 20_000;
    let x = Arc::new(AtomicU64::new(0));
    let peer = Arc::clone(&x);
    let t = std::thread::spawn(move || {
        for i in 0..=N {
            while peer.load(Acquire) != 2 * i + 1 {
                std::hint::spin_loop();
            }
            peer.store(2 * i + 2, Release);
        }
    });
    // Round trip 0 is the handshake, not timed.
    x.store(1, Release);
    while x.load(Acquire) != 2 {
        std::hint::spin_loop();
    }
    let start = Instant::now();
    for i in 1..=N {
        x.store(2 * i + 1, Release);
        while x.load(Acquire) != 2 * i + 2 {
            std::hint::spin_loop();
        }
    }
    let ns = start.elapsed().as_nanos() as u64 / N;
    t.join().unwrap();
    C2C_NS.store(ns, Relaxed);
}

/// The result of `sample`.
pub struct Stats {
    pub iters: u64,
    pub median: f64,
    pub min: f64,
    pub max: f64,
    pub samples: usize,
}

/// Warms `op` up, sizes a sample to take about the target time, takes the
/// samples and returns the median ns per call of `op`.
pub fn sample<F: FnMut()>(mut op: F) -> Stats {
    let n_samples = samples();
    let warmup = Duration::from_millis(env_or("ANCHOR_WARMUP_MS", WARMUP_MS));
    let target = Duration::from_millis(sample_ms());
    let start = Instant::now();
    let mut n = 0u64;
    while n < 3 || start.elapsed() < warmup {
        op();
        n += 1;
    }
    let per = start.elapsed().as_nanos() as f64 / n as f64;
    let iters = ((target.as_nanos() as f64 / per).ceil() as u64).clamp(1, 1_000_000);
    let mut v = Vec::with_capacity(n_samples);
    for _ in 0..n_samples {
        let t = Instant::now();
        for _ in 0..iters {
            op();
        }
        v.push(t.elapsed().as_nanos() as f64 / iters as f64);
    }
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let median = if n_samples % 2 == 0 {
        (v[n_samples / 2 - 1] + v[n_samples / 2]) / 2.0
    } else {
        v[n_samples / 2]
    };
    Stats { iters, median, min: v[0], max: v[n_samples - 1], samples: n_samples }
}

/// Samples `op` and prints its line, the name padded to `width`; `items`
/// items of kind `item` make one op.
pub fn bench<F: FnMut()>(width: usize, name: &str, items: usize, item: &str, op: F) {
    let s = sample(op);
    println!(
        "{:<width$} {:>8} {:>12.0} ns/op  min={:.0} max={:.0} samples={} per_{}={:.1}ns c2c_ns={}",
        name,
        s.iters,
        s.median,
        s.min,
        s.max,
        s.samples,
        item,
        s.median / items as f64,
        C2C_NS.load(Relaxed),
    );
}

/// The process's resident set size (VmRSS) in KiB.
pub fn rss_kb() -> u64 {
    let s = std::fs::read_to_string("/proc/self/status").expect("read /proc/self/status");
    for line in s.lines() {
        if let Some(rest) = line.strip_prefix("VmRSS:") {
            return rest.trim().trim_end_matches("kB").trim().parse().expect("parse VmRSS");
        }
    }
    panic!("no VmRSS in /proc/self/status");
}
