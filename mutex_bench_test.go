package weft_test

import (
	"context"
	"sync"
	"testing"

	"github.com/weftrt/weft"
)

// Uncontended: one goroutine locks and unlocks.

func BenchmarkMutexUncontendedLockFuture(b *testing.B) {
	m := weft.NewMutex(0)
	cx := syncNoopCx()
	b.ReportAllocs()
	for b.Loop() {
		g, _ := m.Lock().Poll(cx)
		*g.Ptr()++
		g.Unlock()
	}
}

func BenchmarkMutexUncontendedLockFutureReset(b *testing.B) {
	m := weft.NewMutex(0)
	cx := syncNoopCx()
	var f weft.MutexLockFuture[int]
	b.ReportAllocs()
	for b.Loop() {
		f.Reset(m)
		g, _ := f.Poll(cx)
		*g.Ptr()++
		g.Unlock()
	}
}

func BenchmarkMutexUncontendedTryLock(b *testing.B) {
	m := weft.NewMutex(0)
	b.ReportAllocs()
	for b.Loop() {
		g, _ := m.TryLock()
		*g.Ptr()++
		g.Unlock()
	}
}

func BenchmarkMutexUncontendedStdlib(b *testing.B) {
	var mu sync.Mutex
	v := 0
	b.ReportAllocs()
	for b.Loop() {
		mu.Lock()
		v++
		mu.Unlock()
	}
	_ = v
}

// Contended: goroutines (4 per GOMAXPROCS) take turns on one lock with a
// tiny critical section. Waiting goroutines park on a channel (the Signal),
// as a task's worker would move on to another task.

func BenchmarkMutexContendedLockFuture(b *testing.B) {
	m := weft.NewMutex(0)
	b.ReportAllocs()
	b.SetParallelism(4)
	b.RunParallel(func(pb *testing.PB) {
		d := newSyncBenchDriver()
		for pb.Next() {
			g := syncBenchBlock(d, m.Lock())
			*g.Ptr()++
			g.Unlock()
		}
	})
}

func BenchmarkMutexContendedLockFutureReset(b *testing.B) {
	m := weft.NewMutex(0)
	b.ReportAllocs()
	b.SetParallelism(4)
	b.RunParallel(func(pb *testing.PB) {
		d := newSyncBenchDriver()
		var f weft.MutexLockFuture[int]
		for pb.Next() {
			f.Reset(m)
			g := syncBenchBlock(d, &f)
			*g.Ptr()++
			g.Unlock()
		}
	})
}

func BenchmarkMutexContendedBlockingLock(b *testing.B) {
	m := weft.NewMutex(0)
	b.ReportAllocs()
	b.SetParallelism(4)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			g, _ := m.BlockingLock(context.Background())
			*g.Ptr()++
			g.Unlock()
		}
	})
}

func BenchmarkMutexContendedStdlib(b *testing.B) {
	var mu sync.Mutex
	v := 0
	b.ReportAllocs()
	b.SetParallelism(4)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			mu.Lock()
			v++
			mu.Unlock()
		}
	})
	_ = v
}
