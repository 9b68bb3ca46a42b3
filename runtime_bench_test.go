package weft_test

// Runtime benchmarks (issue #3): Tokio's benches/rt_multi_threaded.rs and
// benches/rt_current_thread.rs, under Tokio's names in Go style, each with
// its plain-goroutine twin. The workloads live in internal/benchwork, shared
// with `weft bench` (cmd/weft), which prints them for bench/compare.sh.
//
//	go test -run '^$' -bench 'SpawnMany|PingPong|YieldMany|ChainedSpawn|IdleTaskMemory' -count 6 . > rt.txt
//	benchstat -col /impl rt.txt
//
// One op is one full workload iteration (for example 10,000 spawns and the
// wait for them), the unit Tokio's criterion benches report; ns/spawn (or
// ns/yield, ns/ping) divides it by the items. The multi-thread workloads
// (rt=multi) run on GOMAXPROCS workers (set it with -cpu); bench/compare.sh
// (`weft bench -anchors`) uses 2. The current-thread ones (rt=current) run,
// as in bench/compare.sh, with GOMAXPROCS=1 for both implementations. The runtime
// is built once per benchmark, outside the timed loop.

import (
	"runtime"
	"testing"

	"github.com/weftrt/weft/internal/benchwork"
)

var benchImpls = []benchwork.Impl{benchwork.Weft, benchwork.Goroutine}

// BenchmarkSpawnManyLocal: 10,000 spawns from inside BlockOn, each task
// counting down (multi-thread); 1,000 spawns inside BlockOn, each awaited
// (current-thread).
func BenchmarkSpawnManyLocal(b *testing.B) {
	benchRuntimeWorkloads(b, "mt_spawn_many_local", "ct_spawn_many_local")
}

// BenchmarkSpawnManyRemoteIdle: spawns from outside the runtime (10,000
// multi-thread, 1,000 current-thread), then BlockOn awaits every handle.
func BenchmarkSpawnManyRemoteIdle(b *testing.B) {
	benchRuntimeWorkloads(b, "mt_spawn_many_remote_idle", "ct_spawn_many_remote_idle")
}

// BenchmarkSpawnManyRemoteBusy1: as RemoteIdle while 2×workers background
// tasks loop on a yield and a 10 µs stall.
func BenchmarkSpawnManyRemoteBusy1(b *testing.B) {
	benchRuntimeWorkloads(b, "mt_spawn_many_remote_busy1")
}

// BenchmarkSpawnManyRemoteBusy2: 1,000 remote spawns while each worker runs
// an endless chain of 10 µs tasks that spawn their successor. The first op
// must finish within 3 s (Tokio 1.24 starves here).
func BenchmarkSpawnManyRemoteBusy2(b *testing.B) {
	benchRuntimeWorkloads(b, "mt_spawn_many_remote_busy2")
}

// BenchmarkSpawnManyRemoteBusy: 1,000 remote spawns on a current-thread
// runtime whose one task endlessly spawns its successor.
func BenchmarkSpawnManyRemoteBusy(b *testing.B) {
	benchRuntimeWorkloads(b, "ct_spawn_many_remote_busy")
}

// BenchmarkPingPong: 1,000 tasks each spawn a peer and ping-pong once over
// two oneshots.
func BenchmarkPingPong(b *testing.B) {
	benchRuntimeWorkloads(b, "mt_ping_pong")
}

// BenchmarkYieldMany: 200 tasks × 1,000 yields.
func BenchmarkYieldMany(b *testing.B) {
	benchRuntimeWorkloads(b, "mt_yield_many", "ct_yield_many")
}

// BenchmarkChainedSpawn: a chain of 1,000 tasks, each spawning the next.
func BenchmarkChainedSpawn(b *testing.B) {
	benchRuntimeWorkloads(b, "mt_chained_spawn", "ct_chained_spawn")
}

// benchRuntimeWorkloads runs the named workloads, each as rt=<flavor>/impl=<impl>
// sub-benchmarks.
func benchRuntimeWorkloads(b *testing.B, names ...string) {
	for _, name := range names {
		w, err := benchwork.Lookup(name)
		if err != nil {
			b.Fatal(err)
		}
		flavor := "multi"
		if w.CurrentThread {
			flavor = "current"
		}
		for _, impl := range benchImpls {
			b.Run("rt="+flavor+"/impl="+impl.String(), func(b *testing.B) { benchWorkload(b, w, impl) })
		}
	}
}

func benchWorkload(b *testing.B, w benchwork.Workload, impl benchwork.Impl) {
	if w.CurrentThread {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	}
	in, err := w.Start(impl, runtime.GOMAXPROCS(0))
	if err != nil {
		b.Fatal(err)
	}
	defer func() {
		if err := in.Close(); err != nil {
			b.Errorf("Close: %v", err)
		}
	}()
	if w.Starves {
		starved, took, err := benchwork.Probe(in, benchwork.StarveLimit)
		if err != nil {
			b.Fatal(err)
		}
		if starved {
			b.Fatalf("%s: remote spawns starved for %v until the busy tasks were stopped", w.Name, took)
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := in.Op(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(w.Items), "ns/"+w.Item)
}

// idleBenchTasks is the memory benchmark's scale; bench/compare.sh uses 10^6 in a
// fresh process (`weft bench -mem notify|oneshot`).
const idleBenchTasks = 100_000

// BenchmarkIdleTaskMemory measures the memory of idle tasks: 10^5 tasks each
// awaiting one shared, never-notified Notify (kind=notify) or its own oneshot
// (kind=oneshot) on a 2-worker runtime, against goroutines blocked on a
// channel. B/task is the growth of the Go heap and stacks (HeapInuse +
// StackInuse, read when bench/compare.sh reads VmRSS) per task; allocs/task
// counts heap allocations.
func BenchmarkIdleTaskMemory(b *testing.B) {
	for _, kind := range benchwork.IdleKinds {
		for _, impl := range benchImpls {
			b.Run("kind="+kind+"/impl="+impl.String(), func(b *testing.B) {
				var bytes, allocs float64
				runs := 0
				for b.Loop() {
					st, idle, err := benchwork.MeasureIdle(impl, kind, idleBenchTasks, benchwork.NumWorkers, 0)
					if idle != nil {
						if cerr := idle.Close(); cerr != nil && err == nil {
							err = cerr
						}
					}
					if err != nil {
						b.Fatal(err)
					}
					bytes += st.HeapPerTask + st.StackPerTask
					allocs += st.MallocPerTask
					runs++
				}
				b.ReportMetric(bytes/float64(runs), "B/task")
				b.ReportMetric(allocs/float64(runs), "allocs/task")
			})
		}
	}
}
