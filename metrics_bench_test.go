package weft_test

import (
	"context"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/weftrt/weft"
	"github.com/weftrt/weft/future"
	"github.com/weftrt/weft/task"
)

// The cost of observability (issue #5). Each workload runs with:
//
//	obs=goroutine   the goroutine twin (same work with go statements)
//	obs=off         a runtime with defaults: counters only (always on)
//	obs=histogram   WithPollTimeHistogram (one clock read per poll)
//	obs=taskstats   WithTaskStats (per-task bookkeeping for dumps)
//	obs=spawnsites  WithSpawnSites (the spawn call's PC)
//	obs=all         histogram and spawn sites
//
// so that `benchstat -col /obs` shows each next to obs=off. Besides wall
// time each reports cpu-ns/op, the process's CPU time per op, which other
// load on the machine disturbs less. Results and the command are in
// BENCHMARKS.md, "Observability overhead (issue #5)".

const (
	obsSpawnTasks = 1000 // spawns per op
	obsYieldTasks = 100  // tasks per op in the yield workload
	obsYields     = 100  // yields per task
)

var obsConfigs = []struct {
	name string
	opts []weft.Option
}{
	{"off", nil},
	{"histogram", []weft.Option{weft.WithPollTimeHistogram(weft.HistogramConfig{})}},
	{"taskstats", []weft.Option{weft.WithTaskStats(true)}},
	{"spawnsites", []weft.Option{weft.WithSpawnSites(true)}},
	{"all", []weft.Option{weft.WithPollTimeHistogram(weft.HistogramConfig{}), weft.WithSpawnSites(true)}},
}

var obsFlavors = []struct {
	name string
	opt  weft.Option
}{
	{"current", weft.WithCurrentThread()},
	{"multi", weft.WithWorkers(2)},
}

// spawnAndAwait spawns n no-op tasks from inside the task it runs in and
// awaits them in order. It is reset and reused across iterations.
type spawnAndAwait struct {
	n   int
	all awaitAll
}

func (s *spawnAndAwait) Poll(cx *future.Context) (int, bool) {
	if s.all.hs == nil {
		s.all.hs = make([]*task.JoinHandle[int], 0, s.n)
	}
	if len(s.all.hs) == 0 {
		for range s.n {
			s.all.hs = append(s.all.hs, weft.Spawn(cx, future.Ready(1)))
		}
	}
	return s.all.Poll(cx)
}

func (s *spawnAndAwait) reset() {
	s.all = awaitAll{hs: s.all.hs[:0]}
}

// BenchmarkObservabilitySpawn: one task spawns 1000 no-op tasks onto its
// own worker and awaits them (Tokio's spawn_many_local, from a worker).
func BenchmarkObservabilitySpawn(b *testing.B) {
	for _, fl := range obsFlavors {
		b.Run("flavor="+fl.name+"/obs=goroutine", func(b *testing.B) {
			var wg sync.WaitGroup
			b.ReportAllocs()
			cpu := processCPU()
			for b.Loop() {
				wg.Add(obsSpawnTasks)
				for range obsSpawnTasks {
					go wg.Done()
				}
				wg.Wait()
			}
			reportCPU(b, cpu)
		})
		for _, c := range obsConfigs {
			b.Run("flavor="+fl.name+"/obs="+c.name, func(b *testing.B) {
				rt := newRuntime(b, append([]weft.Option{fl.opt}, c.opts...)...)
				s := &spawnAndAwait{n: obsSpawnTasks}
				ctx := context.Background()
				b.ReportAllocs()
				cpu := processCPU()
				for b.Loop() {
					s.reset()
					h := weft.Spawn(rt, future.PollFunc(s.Poll))
					if r, err := weft.BlockOn(ctx, rt, h); err != nil || r.Value != obsSpawnTasks {
						b.Fatalf("got %+v, %v", r, err)
					}
				}
				reportCPU(b, cpu)
			})
		}
	}
}

// BenchmarkObservabilityYield: 100 tasks spawned from outside each yield
// 100 times (Tokio's yield_many, scaled down): 10100 polls per op.
func BenchmarkObservabilityYield(b *testing.B) {
	for _, fl := range obsFlavors {
		b.Run("flavor="+fl.name+"/obs=goroutine", func(b *testing.B) {
			var wg sync.WaitGroup
			b.ReportAllocs()
			cpu := processCPU()
			for b.Loop() {
				wg.Add(obsYieldTasks)
				for range obsYieldTasks {
					go func() {
						for range obsYields {
							runtime.Gosched()
						}
						wg.Done()
					}()
				}
				wg.Wait()
			}
			reportCPU(b, cpu)
		})
		for _, c := range obsConfigs {
			b.Run("flavor="+fl.name+"/obs="+c.name, func(b *testing.B) {
				rt := newRuntime(b, append([]weft.Option{fl.opt}, c.opts...)...)
				ys := make([]yielder, obsYieldTasks)
				all := &awaitAll{hs: make([]*task.JoinHandle[int], obsYieldTasks)}
				ctx := context.Background()
				b.ReportAllocs()
				cpu := processCPU()
				for b.Loop() {
					for i := range ys {
						ys[i] = yielder{n: obsYields, v: 1}
						all.hs[i] = weft.Spawn(rt, &ys[i])
					}
					all.i, all.sum = 0, 0
					if sum, err := weft.BlockOn(ctx, rt, all); err != nil || sum != obsYieldTasks {
						b.Fatalf("sum %d err %v", sum, err)
					}
				}
				reportCPU(b, cpu)
			})
		}
	}
}

// reportCPU reports the process CPU time per op since start.
func reportCPU(b *testing.B, start time.Duration) {
	if c := processCPU(); c > 0 {
		b.ReportMetric(float64(c-start)/float64(b.N), "cpu-ns/op")
	}
}
