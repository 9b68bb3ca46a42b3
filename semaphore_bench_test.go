package weft_test

import (
	"context"
	"testing"

	"github.com/weftrt/weft"
)

// Uncontended: one goroutine takes and returns one permit. The twin is the
// usual buffered-channel semaphore.

func BenchmarkSemaphoreUncontendedAcquireFuture(b *testing.B) {
	s := weft.NewSemaphore(4)
	cx := syncNoopCx()
	b.ReportAllocs()
	for b.Loop() {
		r, _ := s.Acquire(1).Poll(cx)
		r.Value.Release()
	}
}

func BenchmarkSemaphoreUncontendedAcquireFutureReset(b *testing.B) {
	s := weft.NewSemaphore(4)
	cx := syncNoopCx()
	var f weft.SemaphoreAcquireFuture
	b.ReportAllocs()
	for b.Loop() {
		f.Reset(s, 1)
		r, _ := f.Poll(cx)
		r.Value.Release()
	}
}

func BenchmarkSemaphoreUncontendedTryAcquire(b *testing.B) {
	s := weft.NewSemaphore(4)
	b.ReportAllocs()
	for b.Loop() {
		p, _ := s.TryAcquire(1)
		p.Release()
	}
}

func BenchmarkSemaphoreUncontendedChannel(b *testing.B) {
	ch := make(chan struct{}, 4)
	b.ReportAllocs()
	for b.Loop() {
		ch <- struct{}{}
		<-ch
	}
}

// Contended: 4 goroutines per GOMAXPROCS share 2 permits.

func BenchmarkSemaphoreContendedAcquireFutureReset(b *testing.B) {
	s := weft.NewSemaphore(2)
	b.ReportAllocs()
	b.SetParallelism(4)
	b.RunParallel(func(pb *testing.PB) {
		d := newSyncBenchDriver()
		var f weft.SemaphoreAcquireFuture
		for pb.Next() {
			f.Reset(s, 1)
			r := syncBenchBlock(d, &f)
			r.Value.Release()
		}
	})
}

func BenchmarkSemaphoreContendedBlockingAcquire(b *testing.B) {
	s := weft.NewSemaphore(2)
	b.ReportAllocs()
	b.SetParallelism(4)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			p, _ := s.BlockingAcquire(context.Background(), 1)
			p.Release()
		}
	})
}

func BenchmarkSemaphoreContendedChannel(b *testing.B) {
	ch := make(chan struct{}, 2)
	b.ReportAllocs()
	b.SetParallelism(4)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			ch <- struct{}{}
			<-ch
		}
	})
}
