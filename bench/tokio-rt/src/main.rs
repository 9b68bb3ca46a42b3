//! Tokio column of weft's runtime benchmarks (the README's "How fast" table).
//!
//! Each workload re-creates, in our own code, one of tokio's
//! `benches/rt_multi_threaded.rs` and `benches/rt_current_thread.rs`, with
//! their constants, except that multi-thread runtimes get NUM_WORKERS = 2
//! workers (tokio's files use 4) because the reference machine has 2 cores.
//! The same workloads on weft and on plain goroutines are in
//! internal/benchwork (`weft bench -anchors [-impl goroutine]`), under the
//! same names; bench/compare.sh prints all of them side by side.
//!
//! Output: one line per bench in the format of measure.rs,
//!   name  iters  median  ns/op  min= max= samples= per_<item>= c2c_ns=
//! where one op is one whole workload iteration (for example 10,000 spawns
//! and the wait for them), the unit tokio's criterion benches report.
//!
//! The memory tests (`mem_idle_*_1M`) run each in a fresh child process:
//! 10^6 tasks wait on one Notify that is never notified, or each on its own
//! oneshot whose sender is leaked; the line gives the VmRSS growth per task.
//!
//! Usage: tokio-rt-bench [--only SUBSTRING] [--no-mem]
//!        tokio-rt-bench --mem notify|oneshot   (internal: one memory test)

#[path = "../../rust-common/measure.rs"]
mod measure;

use std::sync::atomic::Ordering::Relaxed;
use std::sync::atomic::{AtomicBool, AtomicUsize};
use std::sync::mpsc::{sync_channel, SyncSender};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::runtime::{self, Runtime};
use tokio::sync::{oneshot, Notify};
use tokio::task::{yield_now, JoinHandle};

use measure::{c2c_probe, rss_kb, sample_ms, samples, C2C_NS};

/// Workers of every multi-thread runtime (tokio's files: 4).
const NUM_WORKERS: usize = 2;
/// rt_multi_threaded.rs NUM_SPAWN.
const NUM_SPAWN: usize = 10_000;
/// rt_current_thread.rs NUM_SPAWN.
const CT_NUM_SPAWN: usize = 1_000;
/// spawn_many_remote_busy2's NUM_SPAWN.
const BUSY2_SPAWN: usize = 1_000;
/// yield_many: tasks, and yields per task.
const YIELD_TASKS: usize = 200;
const NUM_YIELD: usize = 1_000;
/// ping_pong round trips per op.
const NUM_PINGS: usize = 1_000;
/// chained_spawn chain length.
const CHAIN_ITER: usize = 1_000;
/// How long a busy task holds its worker thread.
const STALL: Duration = Duration::from_micros(10);
/// Idle tasks of the memory tests.
const MEM_TASKS: usize = 1_000_000;
/// spawn_many_remote_busy2's first op may take this long before it counts
/// as starved (tokio 1.24 never lets the remote spawns in).
const STARVE_LIMIT: Duration = Duration::from_secs(3);
/// Width of the name column.
const NAME_WIDTH: usize = 28;

/// The multi-thread runtime of rt_multi_threaded.rs, with NUM_WORKERS.
fn rt_mt() -> Runtime {
    runtime::Builder::new_multi_thread()
        .worker_threads(NUM_WORKERS)
        .enable_all()
        .build()
        .unwrap()
}

/// The current-thread runtime of rt_current_thread.rs.
fn rt_ct() -> Runtime {
    runtime::Builder::new_current_thread().build().unwrap()
}

fn bench<F: FnMut()>(name: &str, items: usize, item: &str, f: F) {
    measure::bench(NAME_WIDTH, name, items, item, f);
}

/// Holds the worker thread for STALL without yielding to the scheduler:
/// it spins on sched_yield, giving the CPU to other threads only.
fn stall() {
    let start = Instant::now();
    while start.elapsed() < STALL {
        std::thread::yield_now();
    }
}

/// The op of every spawn_many_remote_* workload: n spawns of an empty task
/// from outside the runtime, then block_on awaiting their handles in order.
fn remote_spawn_and_join(rt: &Runtime, n: usize, handles: &mut Vec<JoinHandle<()>>) {
    for _ in 0..n {
        handles.push(rt.spawn(async {}));
    }
    rt.block_on(async {
        for h in handles.drain(..) {
            h.await.unwrap();
        }
    });
}

// ---------------------------------------------------------------------------
// rt_multi_threaded.rs
// ---------------------------------------------------------------------------

fn mt_spawn_many_local(name: &str) {
    let rt = rt_mt();
    let (tx, rx) = sync_channel::<()>(1000);
    let rem = Arc::new(AtomicUsize::new(0));
    bench(name, NUM_SPAWN, "spawn", || {
        rem.store(NUM_SPAWN, Relaxed);
        rt.block_on(async {
            for _ in 0..NUM_SPAWN {
                let (tx, rem) = (tx.clone(), Arc::clone(&rem));
                tokio::spawn(async move {
                    if rem.fetch_sub(1, Relaxed) == 1 {
                        tx.send(()).unwrap();
                    }
                });
            }
            rx.recv().unwrap();
        });
    });
}

fn mt_spawn_many_remote_idle(name: &str) {
    let rt = rt_mt();
    let mut handles = Vec::with_capacity(NUM_SPAWN);
    bench(name, NUM_SPAWN, "spawn", || remote_spawn_and_join(&rt, NUM_SPAWN, &mut handles));
}

/// 2 × NUM_WORKERS tasks keep every worker busy: yield, then stall.
fn mt_spawn_many_remote_busy1(name: &str) {
    let rt = rt_mt();
    let flag = Arc::new(AtomicBool::new(true));
    for _ in 0..2 * NUM_WORKERS {
        let flag = Arc::clone(&flag);
        rt.spawn(async move {
            while flag.load(Relaxed) {
                yield_now().await;
                stall();
            }
        });
    }
    let mut handles = Vec::with_capacity(NUM_SPAWN);
    bench(name, NUM_SPAWN, "spawn", || remote_spawn_and_join(&rt, NUM_SPAWN, &mut handles));
    flag.store(false, Relaxed);
}

/// One link of a busy2 chain: while the flag is up, stall and spawn the next.
fn busy_link(flag: Arc<AtomicBool>) {
    tokio::spawn(async move {
        if flag.load(Relaxed) {
            stall();
            busy_link(flag);
        }
    });
}

/// NUM_WORKERS chains of tasks, each spawning its successor after a stall.
/// The first op runs under a watchdog: tokio 1.24's unbounded LIFO slot
/// keeps the workers on the chains and the remote spawns never run, so
/// after STARVE_LIMIT the watchdog stops the chains and the line says
/// STARVED.
fn mt_spawn_many_remote_busy2(name: &str) {
    let rt = rt_mt();
    let flag = Arc::new(AtomicBool::new(true));
    for _ in 0..NUM_WORKERS {
        let flag = Arc::clone(&flag);
        rt.spawn(async move { busy_link(flag) });
    }
    let mut handles = Vec::with_capacity(BUSY2_SPAWN);
    let (done, wait) = std::sync::mpsc::channel::<()>();
    let dog_flag = Arc::clone(&flag);
    let dog = std::thread::spawn(move || {
        let fired = wait.recv_timeout(STARVE_LIMIT).is_err();
        if fired {
            dog_flag.store(false, Relaxed);
        }
        fired
    });
    let start = Instant::now();
    remote_spawn_and_join(&rt, BUSY2_SPAWN, &mut handles);
    let took = start.elapsed();
    let _ = done.send(()); // the watchdog may have fired and gone already
    if dog.join().unwrap() {
        println!(
            "{:<w$} {:>8} {:>12} ns/op  note=remote_spawns_starved_for_{}ms_until_busy_tasks_stopped c2c_ns={}",
            name,
            0,
            "STARVED",
            took.as_millis(),
            C2C_NS.load(Relaxed),
            w = NAME_WIDTH
        );
        return;
    }
    bench(name, BUSY2_SPAWN, "spawn", || remote_spawn_and_join(&rt, BUSY2_SPAWN, &mut handles));
    flag.store(false, Relaxed);
}

/// NUM_PINGS tasks, spawned by one task, each spawn a peer and ping-pong
/// once with it over two oneshots; the last one to finish wakes block_on.
fn mt_ping_pong(name: &str) {
    let rt = rt_mt();
    let (tx, rx) = sync_channel::<()>(1000);
    let rem = Arc::new(AtomicUsize::new(0));
    bench(name, NUM_PINGS, "ping", || {
        rem.store(NUM_PINGS, Relaxed);
        rt.block_on(async {
            let (tx, rem) = (tx.clone(), Arc::clone(&rem));
            tokio::spawn(async move {
                for _ in 0..NUM_PINGS {
                    let (tx, rem) = (tx.clone(), Arc::clone(&rem));
                    tokio::spawn(async move {
                        let (ping_tx, ping_rx) = oneshot::channel::<()>();
                        let (pong_tx, pong_rx) = oneshot::channel::<()>();
                        tokio::spawn(async move {
                            ping_rx.await.unwrap();
                            pong_tx.send(()).unwrap();
                        });
                        ping_tx.send(()).unwrap();
                        pong_rx.await.unwrap();
                        if rem.fetch_sub(1, Relaxed) == 1 {
                            tx.send(()).unwrap();
                        }
                    });
                }
            });
            rx.recv().unwrap();
        });
    });
}

/// YIELD_TASKS tasks spawned from outside yield NUM_YIELD times each; the
/// bench thread waits on a std channel, without block_on.
fn mt_yield_many(name: &str) {
    let rt = rt_mt();
    let (tx, rx) = sync_channel::<()>(YIELD_TASKS);
    bench(name, YIELD_TASKS * NUM_YIELD, "yield", || {
        for _ in 0..YIELD_TASKS {
            let tx = tx.clone();
            rt.spawn(async move {
                for _ in 0..NUM_YIELD {
                    yield_now().await;
                }
                tx.send(()).unwrap();
            });
        }
        for _ in 0..YIELD_TASKS {
            rx.recv().unwrap();
        }
    });
}

/// A chain of n tasks, each spawning the next; the last one signals done.
fn chain(done: SyncSender<()>, n: usize) {
    if n == 0 {
        done.send(()).unwrap();
    } else {
        tokio::spawn(async move { chain(done, n - 1) });
    }
}

fn mt_chained_spawn(name: &str) {
    let rt = rt_mt();
    let (tx, rx) = sync_channel::<()>(1000);
    bench(name, CHAIN_ITER, "spawn", || {
        rt.block_on(async {
            let tx = tx.clone();
            tokio::spawn(async move { chain(tx, CHAIN_ITER) });
            rx.recv().unwrap();
        });
    });
}

// ---------------------------------------------------------------------------
// rt_current_thread.rs, plus current-thread yield_many and chained_spawn
// ---------------------------------------------------------------------------

fn ct_spawn_many_local(name: &str) {
    let rt = rt_ct();
    let mut handles = Vec::with_capacity(CT_NUM_SPAWN);
    bench(name, CT_NUM_SPAWN, "spawn", || {
        rt.block_on(async {
            for _ in 0..CT_NUM_SPAWN {
                handles.push(tokio::spawn(async {}));
            }
            for h in handles.drain(..) {
                h.await.unwrap();
            }
        });
    });
}

fn ct_spawn_many_remote_idle(name: &str) {
    let rt = rt_ct();
    let mut handles = Vec::with_capacity(CT_NUM_SPAWN);
    bench(name, CT_NUM_SPAWN, "spawn", || remote_spawn_and_join(&rt, CT_NUM_SPAWN, &mut handles));
}

/// A task that spawns its successor, for ever: it runs whenever block_on
/// drives the runtime.
fn endless() {
    tokio::spawn(async { endless() });
}

fn ct_spawn_many_remote_busy(name: &str) {
    let rt = rt_ct();
    rt.spawn(async { endless() });
    let mut handles = Vec::with_capacity(CT_NUM_SPAWN);
    bench(name, CT_NUM_SPAWN, "spawn", || remote_spawn_and_join(&rt, CT_NUM_SPAWN, &mut handles));
}

fn ct_yield_many(name: &str) {
    let rt = rt_ct();
    let mut handles = Vec::with_capacity(YIELD_TASKS);
    bench(name, YIELD_TASKS * NUM_YIELD, "yield", || {
        rt.block_on(async {
            for _ in 0..YIELD_TASKS {
                handles.push(tokio::spawn(async {
                    for _ in 0..NUM_YIELD {
                        yield_now().await;
                    }
                }));
            }
            for h in handles.drain(..) {
                h.await.unwrap();
            }
        });
    });
}

/// chain on a current-thread runtime: blocking in block_on would deadlock,
/// so the last link answers on a oneshot that block_on awaits.
fn ct_chain(done: oneshot::Sender<()>, n: usize) {
    if n == 0 {
        done.send(()).unwrap();
    } else {
        tokio::spawn(async move { ct_chain(done, n - 1) });
    }
}

fn ct_chained_spawn(name: &str) {
    let rt = rt_ct();
    bench(name, CHAIN_ITER, "spawn", || {
        rt.block_on(async {
            let (tx, rx) = oneshot::channel();
            tokio::spawn(async move { ct_chain(tx, CHAIN_ITER) });
            rx.await.unwrap();
        });
    });
}

// ---------------------------------------------------------------------------
// 10^6 idle tasks, each test in a fresh child process
// ---------------------------------------------------------------------------

/// The name of a memory test, as weft's internal/benchwork prints it.
fn mem_name(kind: &str) -> String {
    format!("mem_idle_{kind}_{}M", MEM_TASKS / 1_000_000)
}

/// The child's side: spawn MEM_TASKS idle tasks from outside a 2-worker
/// runtime, wait until every one has been polled, let the workers park, and
/// print the VmRSS growth per task. Exits without tearing the tasks down.
fn mem_child(kind: &str) {
    let rt = rt_mt();
    rt.block_on(async { tokio::spawn(async {}).await.unwrap() }); // workers up
    let started = Arc::new(AtomicUsize::new(0));
    let before = rss_kb();
    let start = Instant::now();
    match kind {
        "notify" => {
            let notify = Arc::new(Notify::new());
            for _ in 0..MEM_TASKS {
                let (notify, started) = (Arc::clone(&notify), Arc::clone(&started));
                rt.spawn(async move {
                    started.fetch_add(1, Relaxed);
                    notify.notified().await;
                });
            }
        }
        "oneshot" => {
            for _ in 0..MEM_TASKS {
                let (tx, rx) = oneshot::channel::<()>();
                std::mem::forget(tx); // never sent, never closed
                let started = Arc::clone(&started);
                rt.spawn(async move {
                    started.fetch_add(1, Relaxed);
                    let _ = rx.await;
                });
            }
        }
        other => panic!("unknown memory test {other:?} (want notify or oneshot)"),
    }
    let deadline = Instant::now() + Duration::from_secs(60);
    while started.load(Relaxed) < MEM_TASKS {
        assert!(Instant::now() < deadline, "only {} of {MEM_TASKS} tasks started", started.load(Relaxed));
        std::thread::sleep(Duration::from_millis(1));
    }
    std::thread::sleep(Duration::from_millis(100)); // let the workers park
    let took = start.elapsed();
    let after = rss_kb();
    println!(
        "{:<w$} {:>8} {:>12.0} B/task  rss_before_kb={} rss_after_kb={} spawn_and_park_ms={}",
        mem_name(kind),
        MEM_TASKS,
        (after.saturating_sub(before) * 1024) as f64 / MEM_TASKS as f64,
        before,
        after,
        took.as_millis(),
        w = NAME_WIDTH
    );
    std::process::exit(0);
}

/// Runs one memory test in a child process and prints its line.
fn mem_test(kind: &str) {
    let exe = std::env::current_exe().unwrap();
    let out = std::process::Command::new(exe).args(["--mem", kind]).output().expect("run the memory test child");
    assert!(out.status.success(), "memory test {kind} failed: {out:?}");
    print!("{}", String::from_utf8_lossy(&out.stdout));
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() == 3 && args[1] == "--mem" {
        mem_child(&args[2]);
        return;
    }
    let (mut only, mut no_mem) = (String::new(), false);
    let mut i = 1;
    while i < args.len() {
        match args[i].as_str() {
            "--only" if i + 1 < args.len() => {
                only = args[i + 1].clone();
                i += 1;
            }
            "--no-mem" => no_mem = true,
            a => {
                eprintln!("usage: tokio-rt-bench [--only SUBSTRING] [--no-mem] (unknown argument {a:?})");
                std::process::exit(2);
            }
        }
        i += 1;
    }
    println!(
        "# tokio-rt-bench: tokio {} ({}) workers={} samples={} target_sample_ms={} (op = one workload iteration)",
        env!("TOKIO_VERSION"),
        env!("TOKIO_SOURCE"),
        NUM_WORKERS,
        samples(),
        sample_ms()
    );
    let workloads: [(&str, fn(&str)); 12] = [
        ("mt_spawn_many_local", mt_spawn_many_local),
        ("mt_spawn_many_remote_idle", mt_spawn_many_remote_idle),
        ("mt_spawn_many_remote_busy1", mt_spawn_many_remote_busy1),
        ("mt_spawn_many_remote_busy2", mt_spawn_many_remote_busy2),
        ("mt_ping_pong", mt_ping_pong),
        ("mt_yield_many", mt_yield_many),
        ("mt_chained_spawn", mt_chained_spawn),
        ("ct_spawn_many_local", ct_spawn_many_local),
        ("ct_spawn_many_remote_idle", ct_spawn_many_remote_idle),
        ("ct_spawn_many_remote_busy", ct_spawn_many_remote_busy),
        ("ct_yield_many", ct_yield_many),
        ("ct_chained_spawn", ct_chained_spawn),
    ];
    for (name, run) in workloads {
        if name.contains(&only) {
            c2c_probe();
            run(name);
        }
    }
    if no_mem {
        return;
    }
    for kind in ["notify", "oneshot"] {
        if mem_name(kind).contains(&only) {
            mem_test(kind);
        }
    }
}
