//! Tokio column of weft's sync and time benchmarks (issue #4).
//!
//! Each function below re-creates, in our own code, one workload of tokio's
//! `benches/sync_mpsc.rs`, `sync_mpsc_oneshot.rs`, `sync_notify.rs`,
//! `sync_semaphore.rs`, `sync_rwlock.rs`, `sync_watch.rs` and
//! `time_timeout.rs` (tokio-rs/tokio at ea91b33c), with the same constants,
//! except that multi-thread runtimes get NUM_WORKERS = 2 workers (tokio's
//! files use 6, or 8 for the timeouts) because this machine has 2 cores.
//! `go run ./bench/syncbench` runs the same workloads on weft and on plain
//! goroutines under the same names.
//!
//! Output, one line per bench, as the anchors' tokio-bench prints it:
//!   name  iters  median  unit  [key=value ...]
//! `iters` is the number of workload iterations per sample; `median` is the
//! median over ANCHOR_SAMPLES (10) samples of ns per iteration, after
//! ANCHOR_WARMUP_MS (300) of warm-up, each sample sized to take about
//! ANCHOR_SAMPLE_MS (100). "op" is one iteration of the workload as tokio's
//! criterion bench times it (one `b.iter` body); `per_<item>=` divides by
//! the items in it. `c2c_ns=` is a cross-core round-trip probe taken before
//! the bench (this 2-vCPU guest's main source of noise).
//!
//! The sleepers test (`sleep_1M_*`) runs in a child process: 10^6 tasks wait
//! at a gate, then each sleeps until one common deadline; it prints the time
//! to spawn them, the time from the gate until all have started their sleep,
//! the memory per sleeping task (VmRSS growth), and the time from the
//! deadline until every task has finished.
//!
//! Usage: tokio-sync-bench [--only SUBSTRING | --only NAME$] [--no-mem]
//!        (a value ending in `$` runs only the bench whose name ends in the
//!        rest: `--only notify_one_10$` leaves out notify_one_100)
//!        tokio-sync-bench --mem sleep     (internal: the sleepers test)

#[path = "../../rust-common/measure.rs"]
mod measure;

use std::fmt::Write as _;
use std::hint::black_box;
use std::sync::atomic::Ordering::{Acquire, Relaxed, Release};
use std::sync::atomic::{AtomicU64, AtomicUsize};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::runtime::{self, Runtime};
use tokio::sync::{mpsc, oneshot, watch, Notify, RwLock, Semaphore};

use measure::{c2c_probe, env_or, rss_kb, sample_ms, samples};

/// Workers of every multi-thread runtime (tokio's files: 6, timeouts 8).
const NUM_WORKERS: usize = 2;
/// Timeouts (or sleeps) per op of the time_ benches. tokio's time_timeout.rs
/// lets criterion pick the count (iter_custom); we fix it to get one op.
const TIME_BATCH: usize = 10_000;
/// Sleepers test: tasks, and the least time from their gate to their common
/// deadline (override with SLEEPERS_DEADLINE_MS).
const SLEEPERS: usize = 1_000_000;
const SLEEPERS_DEADLINE_MS: u64 = 2_000;

/// A multi-thread runtime without drivers, as tokio's sync benches build it.
fn rt_mt(workers: usize) -> Runtime {
    runtime::Builder::new_multi_thread()
        .worker_threads(workers)
        .build()
        .unwrap()
}

/// A current-thread runtime without drivers.
fn rt_ct() -> Runtime {
    runtime::Builder::new_current_thread().build().unwrap()
}

/// Samples f and prints its line (see measure.rs).
fn bench<F: FnMut()>(name: &str, items: usize, item: &str, f: F) {
    measure::bench(40, name, items, item, f);
}

// ---------------------------------------------------------------------------
// sync_mpsc.rs
// ---------------------------------------------------------------------------

/// 64 words (512 bytes), tokio's `Medium`.
#[derive(Clone, Copy)]
struct Medium(#[allow(dead_code)] [usize; 64]);

impl Default for Medium {
    fn default() -> Self {
        Medium([0; 64])
    }
}

/// 64 Mediums (32 KiB), tokio's `Large`.
#[derive(Clone, Copy)]
struct Large(#[allow(dead_code)] [Medium; 64]);

impl Default for Large {
    fn default() -> Self {
        Large([Medium::default(); 64])
    }
}

/// Messages each of the 5 producers sends, and the producers.
const MPSC_PER_PRODUCER: usize = 1_000;
const MPSC_PRODUCERS: usize = 5;
/// Capacity of the "roomy" bounded channel and of the "full" one.
const MPSC_BIG_CAP: usize = 1_000_000;
const MPSC_FULL_CAP: usize = 100;

fn mpsc_create_medium<const SIZE: usize>() {
    bench(&format!("mpsc_create_medium_{SIZE}"), 1, "chan", || {
        black_box(&mpsc::channel::<Medium>(SIZE));
    });
}

fn mpsc_send<T: Default + Send + 'static>(name: &str) {
    let rt = rt_mt(NUM_WORKERS);
    bench(name, 1, "msg", || {
        let (tx, mut rx) = mpsc::channel::<T>(1000);
        let _ = rt.block_on(tx.send(T::default()));
        rt.block_on(rx.recv()).unwrap();
    });
}

/// The contention benches: 5 tasks send 1,000 values each while block_on
/// receives all 5,000.
fn mpsc_contention(name: &str, cap: Option<usize>) {
    let rt = rt_mt(NUM_WORKERS);
    let total = MPSC_PRODUCERS * MPSC_PER_PRODUCER;
    bench(name, total, "msg", || {
        rt.block_on(async move {
            match cap {
                Some(cap) => {
                    let (tx, mut rx) = mpsc::channel::<usize>(cap);
                    for _ in 0..MPSC_PRODUCERS {
                        let tx = tx.clone();
                        tokio::spawn(async move {
                            for i in 0..MPSC_PER_PRODUCER {
                                tx.send(i).await.unwrap();
                            }
                        });
                    }
                    for _ in 0..total {
                        let _ = rx.recv().await;
                    }
                }
                None => {
                    let (tx, mut rx) = mpsc::unbounded_channel::<usize>();
                    for _ in 0..MPSC_PRODUCERS {
                        let tx = tx.clone();
                        tokio::spawn(async move {
                            for i in 0..MPSC_PER_PRODUCER {
                                tx.send(i).unwrap();
                            }
                        });
                    }
                    for _ in 0..total {
                        let _ = rx.recv().await;
                    }
                }
            }
        })
    });
}

/// The uncontended benches: block_on sends 5,000 values, then receives them.
fn mpsc_uncontended(name: &str, bounded: bool) {
    let rt = rt_mt(NUM_WORKERS);
    let total = MPSC_PRODUCERS * MPSC_PER_PRODUCER;
    bench(name, total, "msg", || {
        rt.block_on(async move {
            if bounded {
                let (tx, mut rx) = mpsc::channel::<usize>(MPSC_BIG_CAP);
                for i in 0..total {
                    tx.send(i).await.unwrap();
                }
                for _ in 0..total {
                    let _ = rx.recv().await;
                }
            } else {
                let (tx, mut rx) = mpsc::unbounded_channel::<usize>();
                for i in 0..total {
                    tx.send(i).unwrap();
                }
                for _ in 0..total {
                    let _ = rx.recv().await;
                }
            }
        })
    });
}

/// The recv_many variants (tokio >= 1.37 only): the receiver drains up to
/// 5,000 values per call into one buffer.
#[cfg(tokio_recv_many)]
fn mpsc_recv_many(name: &str, cap: Option<usize>, contended: bool) {
    let rt = rt_mt(NUM_WORKERS);
    let total = MPSC_PRODUCERS * MPSC_PER_PRODUCER;
    bench(name, total, "msg", || {
        rt.block_on(async move {
            let mut buffer = Vec::<usize>::with_capacity(total);
            let mut got = 0;
            match cap {
                Some(cap) => {
                    let (tx, mut rx) = mpsc::channel::<usize>(cap);
                    if contended {
                        for _ in 0..MPSC_PRODUCERS {
                            let tx = tx.clone();
                            tokio::spawn(async move {
                                for i in 0..MPSC_PER_PRODUCER {
                                    tx.send(i).await.unwrap();
                                }
                            });
                        }
                    } else {
                        for i in 0..total {
                            tx.send(i).await.unwrap();
                        }
                    }
                    while got < total {
                        got += rx.recv_many(&mut buffer, total).await;
                    }
                }
                None => {
                    let (tx, mut rx) = mpsc::unbounded_channel::<usize>();
                    if contended {
                        for _ in 0..MPSC_PRODUCERS {
                            let tx = tx.clone();
                            tokio::spawn(async move {
                                for i in 0..MPSC_PER_PRODUCER {
                                    tx.send(i).unwrap();
                                }
                            });
                        }
                    } else {
                        for i in 0..total {
                            tx.send(i).unwrap();
                        }
                    }
                    while got < total {
                        got += rx.recv_many(&mut buffer, total).await;
                    }
                }
            }
        })
    });
}

fn sync_mpsc(only: &dyn Fn(&str) -> bool) {
    if only("mpsc_create_medium_1") {
        mpsc_create_medium::<1>();
    }
    if only("mpsc_create_medium_100") {
        mpsc_create_medium::<100>();
    }
    if only("mpsc_create_medium_100000") {
        mpsc_create_medium::<100_000>();
    }
    if only("mpsc_send_medium_1000") {
        mpsc_send::<Medium>("mpsc_send_medium_1000");
    }
    if only("mpsc_send_large_1000") {
        mpsc_send::<Large>("mpsc_send_large_1000");
    }
    let contention: [(&str, Option<usize>); 3] = [
        ("mpsc_contention_bounded", Some(MPSC_BIG_CAP)),
        ("mpsc_contention_bounded_full", Some(MPSC_FULL_CAP)),
        ("mpsc_contention_unbounded", None),
    ];
    for (name, cap) in contention {
        if only(name) {
            mpsc_contention(name, cap);
        }
        #[cfg(tokio_recv_many)]
        {
            let name = format!("{name}_recv_many");
            if only(&name) {
                mpsc_recv_many(&name, cap, true);
            }
        }
    }
    for (name, bounded) in [("mpsc_uncontended_bounded", true), ("mpsc_uncontended_unbounded", false)] {
        if only(name) {
            mpsc_uncontended(name, bounded);
        }
        #[cfg(tokio_recv_many)]
        {
            let name = format!("{name}_recv_many");
            if only(&name) {
                let cap = if bounded { Some(MPSC_BIG_CAP) } else { None };
                mpsc_recv_many(&name, cap, false);
            }
        }
    }
}

// ---------------------------------------------------------------------------
// sync_mpsc_oneshot.rs
// ---------------------------------------------------------------------------

const REQUESTS: usize = 1_000;
const REQUEST_QUEUE: usize = 10;

/// A server task answers each request (a oneshot sender) received over a
/// bounded mpsc; block_on sends 1,000 requests one after the other and awaits
/// each reply.
fn mpsc_oneshot_request_reply(name: &str, rt: Runtime) {
    let tx = rt.block_on(async {
        let (tx, mut rx) = mpsc::channel::<oneshot::Sender<()>>(REQUEST_QUEUE);
        tokio::spawn(async move {
            while let Some(reply) = rx.recv().await {
                reply.send(()).unwrap();
            }
        });
        tx
    });
    bench(name, REQUESTS, "req", || {
        let tx = tx.clone();
        rt.block_on(async move {
            for _ in 0..REQUESTS {
                let (reply_tx, reply_rx) = oneshot::channel();
                tx.send(reply_tx).await.unwrap();
                let _ = reply_rx.await;
            }
        })
    });
}

fn sync_mpsc_oneshot(only: &dyn Fn(&str) -> bool) {
    if only("mpsc_oneshot_request_reply_ct") {
        mpsc_oneshot_request_reply("mpsc_oneshot_request_reply_ct", rt_ct());
    }
    if only("mpsc_oneshot_request_reply_mt1") {
        // tokio's constant: a multi-thread runtime with one worker.
        mpsc_oneshot_request_reply("mpsc_oneshot_request_reply_mt1", rt_mt(1));
    }
}

// ---------------------------------------------------------------------------
// sync_notify.rs
// ---------------------------------------------------------------------------

/// Wake-ups counted per op.
const NOTIFY_ITERS: usize = 500;

/// N tasks loop awaiting the Notify and count their wake-ups; the bench
/// thread (outside the runtime) notifies in a loop until 500 were counted.
fn notify_bench(name: &str, waiters: usize, all: bool) {
    let rt = rt_mt(NUM_WORKERS);
    let notify = Arc::new(Notify::new());
    let counter = Arc::new(AtomicUsize::new(0));
    for _ in 0..waiters {
        let notify = notify.clone();
        let counter = counter.clone();
        rt.spawn(async move {
            loop {
                notify.notified().await;
                counter.fetch_add(1, Relaxed);
            }
        });
    }
    bench(name, NOTIFY_ITERS, "wake", || {
        counter.store(0, Relaxed);
        loop {
            if all {
                notify.notify_waiters();
            } else {
                notify.notify_one();
            }
            if counter.load(Relaxed) >= NOTIFY_ITERS {
                break;
            }
        }
    });
}

fn sync_notify(only: &dyn Fn(&str) -> bool) {
    for n in [10, 50, 100, 200, 500] {
        let name = format!("notify_one_{n}");
        if only(&name) {
            notify_bench(&name, n, false);
        }
    }
    for n in [10, 50, 100, 200, 500] {
        let name = format!("notify_waiters_{n}");
        if only(&name) {
            notify_bench(&name, n, true);
        }
    }
}

// ---------------------------------------------------------------------------
// sync_semaphore.rs
// ---------------------------------------------------------------------------

/// Acquires per op.
const SEM_TASKS: usize = 6;

async fn acquire_release(s: Arc<Semaphore>) {
    let permit = s.acquire().await;
    drop(permit);
}

/// block_on acquires and releases one permit 6 times in a row.
fn semaphore_uncontended_multi() {
    let rt = rt_mt(NUM_WORKERS);
    let s = Arc::new(Semaphore::new(10));
    bench("semaphore_uncontended_multi", SEM_TASKS, "acquire", || {
        let s = s.clone();
        rt.block_on(async move {
            for _ in 0..SEM_TASKS {
                let permit = s.acquire().await;
                drop(permit);
            }
        })
    });
}

/// 6 spawned tasks each acquire and release one permit; block_on awaits them.
fn semaphore_concurrent_multi(name: &str, permits: usize) {
    let rt = rt_mt(NUM_WORKERS);
    let s = Arc::new(Semaphore::new(permits));
    bench(name, SEM_TASKS, "acquire", || {
        let s = s.clone();
        rt.block_on(async move {
            let j = tokio::try_join! {
                tokio::spawn(acquire_release(s.clone())),
                tokio::spawn(acquire_release(s.clone())),
                tokio::spawn(acquire_release(s.clone())),
                tokio::spawn(acquire_release(s.clone())),
                tokio::spawn(acquire_release(s.clone())),
                tokio::spawn(acquire_release(s.clone()))
            };
            j.unwrap();
        })
    });
}

/// 6 acquire-and-release futures joined inside block_on on a current-thread
/// runtime.
fn semaphore_concurrent_single(name: &str, permits: usize) {
    let rt = rt_ct();
    let s = Arc::new(Semaphore::new(permits));
    bench(name, SEM_TASKS, "acquire", || {
        let s = s.clone();
        rt.block_on(async move {
            tokio::join! {
                acquire_release(s.clone()),
                acquire_release(s.clone()),
                acquire_release(s.clone()),
                acquire_release(s.clone()),
                acquire_release(s.clone()),
                acquire_release(s.clone())
            };
        })
    });
}

fn sync_semaphore(only: &dyn Fn(&str) -> bool) {
    if only("semaphore_uncontended_multi") {
        semaphore_uncontended_multi();
    }
    if only("semaphore_uncontended_concurrent_multi") {
        semaphore_concurrent_multi("semaphore_uncontended_concurrent_multi", 10);
    }
    if only("semaphore_uncontended_concurrent_single") {
        semaphore_concurrent_single("semaphore_uncontended_concurrent_single", 10);
    }
    if only("semaphore_contended_concurrent_multi") {
        semaphore_concurrent_multi("semaphore_contended_concurrent_multi", 5);
    }
    if only("semaphore_contended_concurrent_single") {
        semaphore_concurrent_single("semaphore_contended_concurrent_single", 5);
    }
}

// ---------------------------------------------------------------------------
// sync_rwlock.rs
// ---------------------------------------------------------------------------

/// Reads per op (uncontended; the contended benches do 5).
const RW_READS: usize = 6;
const RW_CONTENDED_READS: usize = 5;

async fn read_once(lock: Arc<RwLock<()>>) {
    let read = lock.read().await;
    let _read = black_box(read);
}

/// block_on takes and releases the read lock 6 times in a row.
fn rwlock_uncontended_read() {
    let rt = rt_mt(NUM_WORKERS);
    let lock = Arc::new(RwLock::new(()));
    bench("rwlock_uncontended_read", RW_READS, "read", || {
        let lock = lock.clone();
        rt.block_on(async move {
            for _ in 0..RW_READS {
                let read = lock.read().await;
                let _read = black_box(read);
            }
        })
    });
}

/// 6 reads joined inside block_on on a current-thread runtime.
fn rwlock_uncontended_read_concurrent() {
    let rt = rt_ct();
    let lock = Arc::new(RwLock::new(()));
    bench("rwlock_uncontended_read_concurrent", RW_READS, "read", || {
        let lock = lock.clone();
        rt.block_on(async move {
            tokio::join! {
                read_once(lock.clone()),
                read_once(lock.clone()),
                read_once(lock.clone()),
                read_once(lock.clone()),
                read_once(lock.clone()),
                read_once(lock.clone())
            };
        })
    });
}

/// 6 spawned readers; block_on awaits them.
fn rwlock_uncontended_read_concurrent_multi() {
    let rt = rt_mt(NUM_WORKERS);
    let lock = Arc::new(RwLock::new(()));
    bench("rwlock_uncontended_read_concurrent_multi", RW_READS, "read", || {
        let lock = lock.clone();
        rt.block_on(async move {
            let j = tokio::try_join! {
                tokio::spawn(read_once(lock.clone())),
                tokio::spawn(read_once(lock.clone())),
                tokio::spawn(read_once(lock.clone())),
                tokio::spawn(read_once(lock.clone())),
                tokio::spawn(read_once(lock.clone())),
                tokio::spawn(read_once(lock.clone()))
            };
            j.unwrap();
        })
    });
}

/// block_on takes the write lock, then joins its release with 5 readers on a
/// current-thread runtime.
fn rwlock_contended_read_concurrent() {
    let rt = rt_ct();
    let lock = Arc::new(RwLock::new(()));
    bench("rwlock_contended_read_concurrent", RW_CONTENDED_READS, "read", || {
        let lock = lock.clone();
        rt.block_on(async move {
            let write = lock.write().await;
            tokio::join! {
                async move { drop(write) },
                read_once(lock.clone()),
                read_once(lock.clone()),
                read_once(lock.clone()),
                read_once(lock.clone()),
                read_once(lock.clone())
            };
        })
    });
}

/// block_on takes the write lock, spawns 5 readers and releases it.
fn rwlock_contended_read_concurrent_multi() {
    let rt = rt_mt(NUM_WORKERS);
    let lock = Arc::new(RwLock::new(()));
    bench("rwlock_contended_read_concurrent_multi", RW_CONTENDED_READS, "read", || {
        let lock = lock.clone();
        rt.block_on(async move {
            let write = lock.write().await;
            let j = tokio::try_join! {
                async move { drop(write); Ok(()) },
                tokio::spawn(read_once(lock.clone())),
                tokio::spawn(read_once(lock.clone())),
                tokio::spawn(read_once(lock.clone())),
                tokio::spawn(read_once(lock.clone())),
                tokio::spawn(read_once(lock.clone()))
            };
            j.unwrap();
        })
    });
}

fn sync_rwlock(only: &dyn Fn(&str) -> bool) {
    if only("rwlock_uncontended_read") {
        rwlock_uncontended_read();
    }
    if only("rwlock_uncontended_read_concurrent") {
        rwlock_uncontended_read_concurrent();
    }
    if only("rwlock_uncontended_read_concurrent_multi") {
        rwlock_uncontended_read_concurrent_multi();
    }
    if only("rwlock_contended_read_concurrent") {
        rwlock_contended_read_concurrent();
    }
    if only("rwlock_contended_read_concurrent_multi") {
        rwlock_contended_read_concurrent_multi();
    }
}

// ---------------------------------------------------------------------------
// sync_watch.rs
// ---------------------------------------------------------------------------

/// Sends per op.
const WATCH_ITERS: usize = 100;

/// SplitMix64: the same generator in the Go twins, so all three columns do
/// the same work. (tokio's bench uses rand's StdRng; the work is the
/// formatting, not the generator.)
struct SplitMix(u64);

impl SplitMix {
    fn next_f64(&mut self) -> f64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^= z >> 31;
        (z >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }
}

/// The per-change work of every receiver: format ten random floats and sum
/// the bytes of the text.
fn do_work(rng: &mut SplitMix) -> u32 {
    let mut message = String::new();
    for i in 1..=10 {
        let _ = write!(&mut message, " {i}={}", rng.next_f64());
    }
    message.as_bytes().iter().map(|&c| c as u32).fold(0, u32::wrapping_add)
}

/// N tasks each await every change of a watch channel, read the value, do a
/// little work and count down a shared counter, the last one notifying the
/// sender; a task spawned from block_on sends 100 values, each after the
/// previous round has been counted down.
fn watch_contention_resubscribe(name: &str, tasks: usize) {
    let rt = rt_mt(NUM_WORKERS);
    let (snd, _) = watch::channel(0i32);
    let snd = Arc::new(snd);
    let wg = Arc::new((AtomicU64::new(0), Notify::new()));
    for n in 0..tasks {
        let mut rcv = snd.subscribe();
        let wg = wg.clone();
        let mut rng = SplitMix(n as u64);
        rt.spawn(async move {
            while rcv.changed().await.is_ok() {
                let _ = *rcv.borrow();
                black_box(do_work(&mut rng));
                if wg.0.fetch_sub(1, Release) == 1 {
                    wg.1.notify_one();
                }
            }
        });
    }
    bench(name, WATCH_ITERS, "send", || {
        let snd = snd.clone();
        let wg = wg.clone();
        rt.block_on(async move {
            tokio::spawn(async move {
                for _ in 0..WATCH_ITERS {
                    assert_eq!(wg.0.fetch_add(tasks as u64, Relaxed), 0);
                    let _ = snd.send(black_box(42));
                    while wg.0.load(Acquire) > 0 {
                        wg.1.notified().await;
                    }
                }
            })
            .await
            .unwrap();
        })
    });
}

fn sync_watch(only: &dyn Fn(&str) -> bool) {
    for n in [10, 100, 500, 1000] {
        let name = format!("watch_contention_resubscribe_{n}");
        if only(&name) {
            watch_contention_resubscribe(&name, n);
        }
    }
}

// ---------------------------------------------------------------------------
// time_timeout.rs
// ---------------------------------------------------------------------------

fn rt_time(workers: usize) -> Runtime {
    if workers == 1 {
        runtime::Builder::new_current_thread().enable_all().build().unwrap()
    } else {
        runtime::Builder::new_multi_thread()
            .enable_all()
            .worker_threads(workers)
            .build()
            .unwrap()
    }
}

/// The job under the timeout: ready at once.
async fn quick_job() -> usize {
    1
}

/// `procs` tasks (one per worker) each run their share of TIME_BATCH
/// operations: with `sleep` false, await timeout(1s, quick_job()); with
/// `sleep` true, create a sleep(1s) and drop it unpolled.
fn time_bench(name: &str, workers: usize, sleep: bool) {
    let rt = rt_time(workers);
    let procs = workers;
    bench(name, TIME_BATCH, if sleep { "sleep" } else { "timeout" }, || {
        rt.block_on(async move {
            let mut handles = Vec::with_capacity(procs);
            for _ in 0..procs {
                handles.push(tokio::spawn(async move {
                    for _ in 0..TIME_BATCH / procs {
                        if sleep {
                            let _h = black_box(tokio::time::sleep(Duration::from_secs(1)));
                        } else {
                            let h = tokio::time::timeout(Duration::from_secs(1), quick_job());
                            assert_eq!(black_box(h.await.unwrap()), 1);
                        }
                    }
                }));
            }
            for h in handles {
                h.await.unwrap();
            }
        })
    });
}

fn time_timeout(only: &dyn Fn(&str) -> bool) {
    if only("time_timeout_ct") {
        time_bench("time_timeout_ct", 1, false);
    }
    if only("time_timeout_mt") {
        time_bench("time_timeout_mt", NUM_WORKERS, false);
    }
    if only("time_sleep_ct") {
        time_bench("time_sleep_ct", 1, true);
    }
    if only("time_sleep_mt") {
        time_bench("time_sleep_mt", NUM_WORKERS, true);
    }
}

// ---------------------------------------------------------------------------
// 10^6 sleeping tasks, in a fresh child process.
// ---------------------------------------------------------------------------

/// The sleepers test, in two phases so that the deadline can follow the
/// speed of the machine: a task spawns SLEEPERS tasks that each wait at a
/// gate (a watch channel); once all wait, the deadline is set (at least
/// SLEEPERS_DEADLINE_MS, and at least three times the spawn time, after the
/// gate opens) and sent through the gate; each task then sleeps until it.
/// Prints the spawn time, the time from the gate until every task had
/// started its sleep, the VmRSS growth per sleeping task, and the time from
/// the deadline until all had finished.
fn sleepers_test() {
    let rt = rt_time(NUM_WORKERS);
    rt.block_on(async { tokio::spawn(async {}).await.unwrap() });
    let started = Arc::new(AtomicUsize::new(0));
    let registered = Arc::new(AtomicUsize::new(0));
    let done = Arc::new(AtomicUsize::new(0));
    let (gate_tx, gate_rx) = watch::channel(None::<tokio::time::Instant>);
    let before = rss_kb();
    let t0 = Instant::now();
    // One task spawns them all, so they go through a worker's own queue.
    {
        let (started, registered, done) = (started.clone(), registered.clone(), done.clone());
        rt.spawn(async move {
            for _ in 0..SLEEPERS {
                let (started, registered, done) = (started.clone(), registered.clone(), done.clone());
                let mut gate = gate_rx.clone();
                tokio::spawn(async move {
                    started.fetch_add(1, Relaxed);
                    gate.changed().await.unwrap();
                    let deadline = gate.borrow().unwrap();
                    drop(gate);
                    registered.fetch_add(1, Relaxed);
                    tokio::time::sleep_until(deadline).await;
                    done.fetch_add(1, Relaxed);
                });
            }
        });
    }
    let mut limit = t0 + Duration::from_secs(600);
    let wait_for = |c: &AtomicUsize, what: &str, limit: Instant| {
        while c.load(Relaxed) < SLEEPERS {
            assert!(Instant::now() < limit, "sleepers did not all {what}");
            std::thread::sleep(Duration::from_micros(200));
        }
    };
    wait_for(&started, "start", limit);
    let spawn = t0.elapsed();
    let wait = Duration::from_millis(env_or("SLEEPERS_DEADLINE_MS", SLEEPERS_DEADLINE_MS)).max(3 * spawn);
    let t1 = Instant::now();
    let deadline = t1 + wait;
    limit = deadline + Duration::from_secs(120);
    gate_tx.send(Some(tokio::time::Instant::from_std(deadline))).unwrap();
    wait_for(&registered, "register", limit);
    let register = t1.elapsed();
    // Let the workers park; every task now waits in its timer entry.
    std::thread::sleep(Duration::from_millis(100));
    let after = rss_kb();
    let early = done.load(Relaxed);
    wait_for(&done, "finish", limit);
    let fire = Instant::now().saturating_duration_since(deadline);
    let per = (after.saturating_sub(before) * 1024) as f64 / SLEEPERS as f64;
    let note = if early > 0 {
        format!(" WARNING_fired_before_all_registered={early}")
    } else {
        String::new()
    };
    let per_ns = |d: Duration| d.as_nanos() as f64 / SLEEPERS as f64;
    println!(
        "{:<40} {:>8} {:>12} ns/op  per_task={:.1}ns",
        "sleep_1M_spawn",
        SLEEPERS,
        spawn.as_nanos(),
        per_ns(spawn)
    );
    println!(
        "{:<40} {:>8} {:>12} ns/op  per_task={:.1}ns deadline_after_ms={}{}",
        "sleep_1M_register",
        SLEEPERS,
        register.as_nanos(),
        per_ns(register),
        wait.as_millis(),
        note
    );
    println!(
        "{:<40} {:>8} {:>12.0} B/task  rss_before_kb={} rss_after_kb={}",
        "sleep_1M_mem", SLEEPERS, per, before, after
    );
    println!(
        "{:<40} {:>8} {:>12} ns/op  per_timer={:.1}ns deadline_to_all_done_ms={}",
        "sleep_1M_fire",
        SLEEPERS,
        fire.as_nanos(),
        per_ns(fire),
        fire.as_millis()
    );
    // Skip tearing down a million tasks.
    std::process::exit(0);
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() >= 3 && args[1] == "--mem" {
        assert_eq!(args[2], "sleep", "unknown memory test");
        sleepers_test();
        return;
    }
    let mut only: Option<String> = None;
    let mut no_mem = false;
    let mut i = 1;
    while i < args.len() {
        match args[i].as_str() {
            "--only" => {
                only = args.get(i + 1).cloned();
                i += 1;
            }
            "--no-mem" => no_mem = true,
            a => panic!("unknown argument {a}"),
        }
        i += 1;
    }
    println!(
        "# tokio-sync-bench: tokio {} ({}) workers={} samples={} target_sample_ms={} (op = one workload iteration)",
        env!("TOKIO_VERSION"),
        env!("TOKIO_SOURCE"),
        NUM_WORKERS,
        samples(),
        sample_ms()
    );
    let wanted = |name: &str| {
        only.as_deref().map_or(true, |o| match o.strip_suffix('$') {
            Some(end) => name.ends_with(end),
            None => name.contains(o),
        })
    };
    let probed = |name: &str| {
        let w = wanted(name);
        if w {
            c2c_probe();
        }
        w
    };
    sync_mpsc(&probed);
    sync_mpsc_oneshot(&probed);
    sync_notify(&probed);
    sync_semaphore(&probed);
    sync_rwlock(&probed);
    sync_watch(&probed);
    time_timeout(&probed);

    let sleepers = ["sleep_1M_spawn", "sleep_1M_register", "sleep_1M_mem", "sleep_1M_fire"];
    if !no_mem && sleepers.iter().any(|n| wanted(n)) {
        let exe = std::env::current_exe().unwrap();
        let out = std::process::Command::new(&exe)
            .args(["--mem", "sleep"])
            .output()
            .expect("run the sleepers child");
        assert!(out.status.success(), "sleepers test failed: {:?}", out);
        print!("{}", String::from_utf8_lossy(&out.stdout));
    }
}
