// Package syncbench holds the workloads of weft's sync and time benchmarks
// (issue #4): the workloads of Tokio's benches/sync_mpsc.rs,
// sync_mpsc_oneshot.rs, sync_notify.rs, sync_semaphore.rs, sync_rwlock.rs,
// sync_watch.rs and time_timeout.rs, each built twice, once with weft tasks
// and primitives on a weft runtime and once with goroutines and the standard
// library, plus 10^6 tasks (or goroutines) sleeping at once.
//
// The command bench/syncbench prints them in the line format of bench/ next to
// bench/tokio-sync (the same workloads on Tokio), and the root package's
// sync_runtime_bench_test.go runs them as go test benchmarks with impl=weft
// and impl=goroutine sub-benchmarks. Keeping the workloads here, in one
// place, is what makes the three columns measure the same thing.
//
// # Shape of a workload
//
// A [Workload] has a name (the one bench/tokio-sync prints), the number of
// items one operation handles, and a setup per [Impl]. Setup builds what the
// workload keeps between operations (a runtime, waiting tasks or goroutines,
// a channel) and returns a [Case]: Op runs one operation, as one iteration of
// Tokio's criterion bench does, and Close releases everything. Setup of a
// current-thread workload's goroutine twin sets GOMAXPROCS to 1 until Close
// (Tokio's current-thread runtime runs everything on one thread); every
// other case runs with the caller's GOMAXPROCS, which the command sets to
// [NumWorkers].
//
// # Constants
//
// The constants are Tokio's (5 producers × 1,000 messages, 500 wake-ups, 6
// acquires, 100 watch sends, ...), except that multi-thread runtimes have
// NumWorkers workers where Tokio's files use 6 (8 for the timeouts), because
// the machines these run on have 2 cores. How each twin maps the Tokio
// primitive onto goroutines is written on each workload.
package syncbench
