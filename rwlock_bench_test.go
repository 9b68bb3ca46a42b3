package weft_test

import (
	"sync"
	"testing"

	"github.com/weftrt/weft"
)

func BenchmarkRwLockUncontendedReadFutureReset(b *testing.B) {
	l := weft.NewRwLock(0)
	cx := syncNoopCx()
	var f weft.RwLockReadFuture[int]
	b.ReportAllocs()
	for b.Loop() {
		f.Reset(l)
		g, _ := f.Poll(cx)
		_ = g.Get()
		g.Unlock()
	}
}

func BenchmarkRwLockUncontendedTryRead(b *testing.B) {
	l := weft.NewRwLock(0)
	b.ReportAllocs()
	for b.Loop() {
		g, _ := l.TryRead()
		_ = g.Get()
		g.Unlock()
	}
}

func BenchmarkRwLockUncontendedStdlib(b *testing.B) {
	var mu sync.RWMutex
	v := 0
	b.ReportAllocs()
	for b.Loop() {
		mu.RLock()
		_ = v
		mu.RUnlock()
	}
}

// Parallel readers only.

func BenchmarkRwLockParallelReadFutureReset(b *testing.B) {
	l := weft.NewRwLock(0)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		d := newSyncBenchDriver()
		var f weft.RwLockReadFuture[int]
		for pb.Next() {
			f.Reset(l)
			g := syncBenchBlock(d, &f)
			_ = g.Get()
			g.Unlock()
		}
	})
}

func BenchmarkRwLockParallelReadStdlib(b *testing.B) {
	var mu sync.RWMutex
	v := 0
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			mu.RLock()
			_ = v
			mu.RUnlock()
		}
	})
}

// Mixed: one write in ten, 4 goroutines per GOMAXPROCS.

func BenchmarkRwLockMixedFutureReset(b *testing.B) {
	l := weft.NewRwLock(0)
	b.ReportAllocs()
	b.SetParallelism(4)
	b.RunParallel(func(pb *testing.PB) {
		d := newSyncBenchDriver()
		var rf weft.RwLockReadFuture[int]
		var wf weft.RwLockWriteFuture[int]
		for i := 0; pb.Next(); i++ {
			if i%10 == 0 {
				wf.Reset(l)
				g := syncBenchBlock(d, &wf)
				*g.Ptr()++
				g.Unlock()
				continue
			}
			rf.Reset(l)
			g := syncBenchBlock(d, &rf)
			_ = g.Get()
			g.Unlock()
		}
	})
}

func BenchmarkRwLockMixedStdlib(b *testing.B) {
	var mu sync.RWMutex
	v := 0
	b.ReportAllocs()
	b.SetParallelism(4)
	b.RunParallel(func(pb *testing.PB) {
		for i := 0; pb.Next(); i++ {
			if i%10 == 0 {
				mu.Lock()
				v++
				mu.Unlock()
				continue
			}
			mu.RLock()
			_ = v
			mu.RUnlock()
		}
	})
}
