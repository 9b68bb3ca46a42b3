// Package benchwork holds weft's runtime benchmark workloads (issue #3):
// Tokio's benches/rt_multi_threaded.rs and benches/rt_current_thread.rs,
// rebuilt on weft, each next to its plain-goroutine twin. They are written
// once here and driven from two places: the root package's go test
// benchmarks (runtime_bench_test.go) and the `weft bench` command
// (cmd/weft), whose -anchors output (-impl weft or goroutine) makes the weft
// and goroutine columns of bench/compare.sh's table, next to bench/tokio-rt.
//
// Every workload mirrors bench/tokio-rt/src/main.rs step by step: the same
// constants, the same spawns from the same places (inside BlockOn, from
// outside the runtime, from inside a task), the same waits. Where Tokio
// drops a JoinHandle, weft uses SpawnDetached; where Tokio awaits one, weft
// polls the JoinHandle. weft futures are hand-written state machines: a task
// yields by waking its own waker and returning pending.
//
// A Workload is started as an Instance (a built runtime, or the goroutine
// twin's shared state, plus any background load); Instance.Op runs one full
// iteration ("op": for example 10,000 spawns and the wait for them), the
// unit Tokio's criterion benches report. The caller sets GOMAXPROCS:
// bench/compare.sh uses 2 for mt_ workloads and 1 for ct_ ones.
//
// The package also holds what the Go programs of the tables share: the
// sampler (ANCHOR_SAMPLES, ANCHOR_SAMPLE_MS, ANCHOR_WARMUP_MS, as in
// bench/rust-common/measure.rs), the cross-core round-trip probe, the 10 µs
// stall and the idle-task memory tests.
package benchwork
