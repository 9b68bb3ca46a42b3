package syncbench_test

import (
	"runtime"
	"testing"

	"github.com/weftrt/weft/internal/syncbench"
)

// BenchmarkWorkload runs every workload of the syncbench command as a Go
// benchmark, weft and its goroutine twin side by side in one run, so that
// a change can be compared A/B with benchstat and profiled with
// -cpuprofile: for example
//
//	go test -run '^$' -bench 'Workload/notify_waiters_10/' -count 6 ./internal/syncbench
//
// One op is one workload operation (one iteration of Tokio's bench), as in
// the command's table. The 10^6-sleepers test is not here (it runs in the
// command's own process).
func BenchmarkWorkload(b *testing.B) {
	procs := runtime.GOMAXPROCS(0)
	defer runtime.GOMAXPROCS(procs)
	runtime.GOMAXPROCS(syncbench.NumWorkers)
	for _, w := range syncbench.Workloads() {
		for _, impl := range impls {
			b.Run(w.Name+"/impl="+impl.String(), func(b *testing.B) {
				c := w.Setup(impl)
				b.ReportAllocs()
				for b.Loop() {
					c.Op()
				}
				b.StopTimer()
				c.Close()
			})
		}
	}
}
