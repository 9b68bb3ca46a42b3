package weft_test

import (
	"context"
	"runtime"
	"sync"
	"testing"

	"github.com/weftrt/weft"
	"github.com/weftrt/weft/future"
)

const dumpBenchTasks = 10000

// BenchmarkDumpIdleTasks takes a dump of a multi-thread runtime with 10,000
// idle tasks, each waiting on its own Notify inside a Select with a Sleep: the
// list walk, one lock, trace and unlock per task, and the sort. Its twin is
// the goroutine dump of as many parked goroutines. (With one Notify for all,
// each Notified's description counts the waiters ahead of it, and the dump
// becomes quadratic: see the report of the dump branch.)
func BenchmarkDumpIdleTasks(b *testing.B) {
	rt, err := weft.New(weft.WithWorkers(2))
	if err != nil {
		b.Fatal(err)
	}
	defer rt.Close()
	ns := make([]*weft.Notify, dumpBenchTasks)
	for i := range ns {
		ns[i] = weft.NewNotify()
		weft.SpawnDetached(rt, future.Select2(ns[i].Notified(), weft.Sleep(3600e9)))
	}
	for {
		d, err := rt.Dump(context.Background())
		if err != nil {
			b.Fatal(err)
		}
		idle := 0
		for _, t := range d.Tasks {
			if t.Status == weft.TaskIdle {
				idle++
			}
		}
		if idle == dumpBenchTasks {
			break
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		d, err := rt.Dump(context.Background())
		if err != nil || len(d.Tasks) != dumpBenchTasks {
			b.Fatal(err, len(d.Tasks))
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/dumpBenchTasks, "ns/task")
	for _, n := range ns {
		n.NotifyOne()
	}
}

// BenchmarkGoroutineStackDumpParked is the twin: runtime.Stack of every
// goroutine with 10,000 goroutines parked on a channel (what a goroutine
// profile with debug=2 does).
func BenchmarkGoroutineStackDumpParked(b *testing.B) {
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range dumpBenchTasks {
		wg.Go(func() { <-stop })
	}
	buf := make([]byte, 64<<20)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		runtime.Stack(buf, true)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/dumpBenchTasks, "ns/task")
	close(stop)
	wg.Wait()
}
