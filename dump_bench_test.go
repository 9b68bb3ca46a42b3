package weft_test

import (
	"context"
	"fmt"
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
// each Notified's description counts the waiters ahead of it:
// BenchmarkDumpWaitersOnOneNotify.)
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
	benchDump(b, rt, dumpBenchTasks)
	for _, n := range ns {
		n.NotifyOne()
	}
}

// BenchmarkGoroutineStackDumpParked is the twin: runtime.Stack of every
// goroutine with 10,000 goroutines parked on a channel (what a goroutine
// profile with debug=2 does).
func BenchmarkGoroutineStackDumpParked(b *testing.B) { benchStackDumpParked(b, dumpBenchTasks) }

// benchDump waits until the n tasks of rt are idle, then measures a dump
// (DumpStacks(false): the benchmarks' tasks have no Async body), and
// reports the time per task.
func benchDump(b *testing.B, rt *weft.Runtime, n int) {
	b.Helper()
	for {
		d, err := rt.Dump(context.Background(), weft.DumpStacks(false))
		if err != nil {
			b.Fatal(err)
		}
		idle := 0
		for _, t := range d.Tasks {
			if t.Status == weft.TaskIdle {
				idle++
			}
		}
		if idle == n {
			break
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		d, err := rt.Dump(context.Background(), weft.DumpStacks(false))
		if err != nil || len(d.Tasks) != n {
			b.Fatal(err, len(d.Tasks))
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/task")
}

// benchStackDumpParked measures runtime.Stack of every goroutine with n
// goroutines parked on one channel, per goroutine.
func benchStackDumpParked(b *testing.B, n int) {
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() { <-stop })
	}
	buf := make([]byte, 64<<20)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		runtime.Stack(buf, true)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/task")
	close(stop)
	wg.Wait()
}

// dumpWaiterCounts are the sizes of the scaling benchmarks: the time per
// waiter must stay flat from one to the next.
var dumpWaiterCounts = []int{1000, 10000, 100000}

// BenchmarkDumpWaitersOnOneNotify dumps a runtime whose tasks all wait on
// one Notify, at 1,000, 10,000 and 100,000 waiters. Each waiter's
// description says how many wait ahead of it; counting that by walking the
// queue made the dump quadratic (10,000 waiters 183 ms, 40,000 2.9 s). The
// ns/task metric must stay flat across the sizes. Its twin is
// BenchmarkGoroutineStackDumpWaitersOnOneChannel.
func BenchmarkDumpWaitersOnOneNotify(b *testing.B) {
	for _, n := range dumpWaiterCounts {
		b.Run(fmt.Sprintf("waiters=%d", n), func(b *testing.B) {
			rt, err := weft.New(weft.WithWorkers(2))
			if err != nil {
				b.Fatal(err)
			}
			defer rt.Close()
			notify := weft.NewNotify()
			for range n {
				weft.SpawnDetached(rt, notify.Notified())
			}
			benchDump(b, rt, n)
			notify.NotifyWaiters()
		})
	}
}

// BenchmarkGoroutineStackDumpWaitersOnOneChannel is the twin: runtime.Stack
// of every goroutine, with as many goroutines all parked on one channel.
func BenchmarkGoroutineStackDumpWaitersOnOneChannel(b *testing.B) {
	for _, n := range dumpWaiterCounts {
		b.Run(fmt.Sprintf("waiters=%d", n), func(b *testing.B) { benchStackDumpParked(b, n) })
	}
}
