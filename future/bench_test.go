package future_test

// Micro benchmarks of the combinators and of Signal/Block, each with its
// goroutine twin:
//
//	go test -run=^$ -bench=. -benchmem -count=6 ./future/ > future.txt
//	benchstat -col /impl future.txt

import (
	"context"
	"sync"
	"testing"

	"github.com/weftrt/weft/future"
)

// Each benchmark below runs its goroutine twin as the sub-benchmark
// impl=goroutine and the weft version as impl=weft, so that
// benchstat -col /impl shows the two side by side with their ratio.

// BenchmarkJoin2 compares awaiting two ready results with Join2 and with
// two goroutines.
func BenchmarkJoin2(b *testing.B) {
	b.Run("impl=goroutine", benchGoroutineJoin2)
	b.Run("impl=weft", benchJoin2)
}

// BenchmarkSelect2 compares taking the first of a pending and a ready
// result with Select2 and with a select statement.
func BenchmarkSelect2(b *testing.B) {
	b.Run("impl=goroutine", benchGoroutineSelect)
	b.Run("impl=weft", benchSelect2)
}

// BenchmarkPollOneLayer compares the per-poll cost of one combinator layer
// with an indirect function call.
func BenchmarkPollOneLayer(b *testing.B) {
	b.Run("impl=goroutine", benchGoroutineFuncCall)
	b.Run("impl=weft", benchMapPollPending)
}

// BenchmarkWakeWait compares a Signal wake and Wait with a buffered channel
// send and receive, on one goroutine.
func BenchmarkWakeWait(b *testing.B) {
	b.Run("impl=goroutine", benchGoroutineChanSendRecv)
	b.Run("impl=weft", benchSignalWakeWait)
}

// BenchmarkWokenByGoroutine compares Block on a future that another
// goroutine completes with a channel handoff to another goroutine.
func BenchmarkWokenByGoroutine(b *testing.B) {
	b.Run("impl=goroutine", benchGoroutineHandoff)
	b.Run("impl=weft", benchBlockWokenByGoroutine)
}

// benchJoin2 builds Join2 of two ready futures and polls it: the cost of
// awaiting two results inside a task. (The Joined2 does not escape here, so
// the compiler keeps it on the stack; in a task it is part of the task's
// allocation.)
func benchJoin2(b *testing.B) {
	cx := future.NewContext(future.Noop())
	a, c := future.Future[int](future.Ready(1)), future.Future[int](future.Ready(2))
	b.ReportAllocs()
	for b.Loop() {
		if p, ok := future.Join2(a, c).Poll(cx); !ok || p.B != 2 {
			b.Fatal("Join2 not ready")
		}
	}
}

// benchGoroutineJoin2 is the twin: two goroutines and a WaitGroup.
func benchGoroutineJoin2(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		var x, y int
		var wg sync.WaitGroup
		wg.Go(func() { x = 1 })
		wg.Go(func() { y = 2 })
		wg.Wait()
		if x+y != 3 {
			b.Fatal("wrong sum")
		}
	}
}

// benchSelect2 builds Select2 of a pending and a ready future and polls
// it; the loser is dropped in the same poll.
func benchSelect2(b *testing.B) {
	cx := future.NewContext(future.Noop())
	p, r := future.Future[int](future.Pending[int]()), future.Future[int](future.Ready(2))
	b.ReportAllocs()
	for b.Loop() {
		if e, ok := future.Select2(p, r).Poll(cx); !ok || e.Which != 1 {
			b.Fatal("Select2 not ready")
		}
	}
}

// benchGoroutineSelect is the twin: a select over an empty and a ready
// channel.
func benchGoroutineSelect(b *testing.B) {
	never, ready := make(chan int), make(chan int, 1)
	b.ReportAllocs()
	for b.Loop() {
		ready <- 2
		select {
		case <-never:
			b.Fatal("never ready")
		case v := <-ready:
			if v != 2 {
				b.Fatal("wrong value")
			}
		}
	}
}

// benchMapPollPending polls a Map over a pending future: the per-poll
// overhead of one combinator layer.
func benchMapPollPending(b *testing.B) {
	cx := future.NewContext(future.Noop())
	m := future.Map[int, int](future.Pending[int](), func(v int) int { return v })
	b.ReportAllocs()
	for b.Loop() {
		if _, ok := m.Poll(cx); ok {
			b.Fatal("ready")
		}
	}
}

// pollLike is called through a package variable so that the compiler
// cannot inline it.
var pollLike = func(v int) (int, bool) { return v, false }

// benchGoroutineFuncCall is the twin of one combinator layer: an
// indirect call through a func value.
func benchGoroutineFuncCall(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, ok := pollLike(1); ok {
			b.Fatal("ready")
		}
	}
}

// benchSignalWakeWait wakes a Signal and consumes the wake on one
// goroutine.
func benchSignalWakeWait(b *testing.B) {
	s := future.NewSignal()
	w := s.Waker()
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		w.Wake()
		if err := s.BlockingWait(ctx); err != nil {
			b.Fatal(err)
		}
	}
}

// benchGoroutineChanSendRecv is the twin: a buffered channel send and
// receive.
func benchGoroutineChanSendRecv(b *testing.B) {
	ch := make(chan struct{}, 1)
	b.ReportAllocs()
	for b.Loop() {
		ch <- struct{}{}
		<-ch
	}
}

// benchBlockWokenByGoroutine runs a future with Block that another
// goroutine completes: one Pending poll, a sleep, a wake, a Ready poll.
func benchBlockWokenByGoroutine(b *testing.B) {
	ctx := context.Background()
	start := make(chan *gate)
	go func() {
		for g := range start {
			g.Open()
		}
	}()
	b.ReportAllocs()
	for b.Loop() {
		g := &gate{}
		first := true
		f := future.PollFunc(func(cx *future.Context) (string, bool) {
			v, ok := g.Poll(cx)
			if first {
				first = false
				start <- g
			}
			return v, ok
		})
		if _, err := future.Block[string](ctx, f); err != nil {
			b.Fatal(err)
		}
	}
	close(start)
}

// benchGoroutineHandoff is the twin: hand a request to another goroutine
// and wait for its answer on a channel.
func benchGoroutineHandoff(b *testing.B) {
	req, resp := make(chan int), make(chan int)
	go func() {
		for v := range req {
			resp <- v
		}
	}()
	b.ReportAllocs()
	for b.Loop() {
		req <- 1
		<-resp
	}
	close(req)
}
