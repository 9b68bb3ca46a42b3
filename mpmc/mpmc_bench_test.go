package mpmc_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/weftrt/weft"
	"github.com/weftrt/weft/future"
	"github.com/weftrt/weft/mpmc"
	"github.com/weftrt/weft/task"
)

// Every weft benchmark has its Go-channel twin in the same run, named
// …GoChan. Topologies: 1x1 (one producer, one consumer), 4x4, and 1x8 (one
// producer fanning out to 8 consumers), with a buffer of 64.

const benchCap = 64

// --- one goroutine, no waiting ---

// Send and receive on one goroutine with kept futures (what a task does,
// without the scheduler).
func BenchmarkSendRecvFuturesReset(b *testing.B) {
	b.ReportAllocs()
	tx, rx := mpmc.New[int](benchCap)
	cx := future.NewContext(future.Noop())
	var sf mpmc.SendFuture[int]
	var rf mpmc.RecvFuture[int]
	for b.Loop() {
		sf.Reset(tx, 1)
		if err, ok := sf.Poll(cx); !ok || err != nil {
			b.Fatal("send not ready")
		}
		rf.Reset(rx)
		if r, ok := rf.Poll(cx); !ok || r.Value != 1 {
			b.Fatal("recv not ready")
		}
	}
}

func BenchmarkTrySendTryRecv(b *testing.B) {
	b.ReportAllocs()
	tx, rx := mpmc.New[int](benchCap)
	for b.Loop() {
		if err := tx.TrySend(1); err != nil {
			b.Fatal(err)
		}
		if _, err := rx.TryRecv(); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSendRecvGoChan(b *testing.B) {
	b.ReportAllocs()
	ch := make(chan int, benchCap)
	for b.Loop() {
		ch <- 1
		<-ch
	}
}

// A receive that waits and is woken by a send: the wait-and-wake path with
// kept futures. Go has no twin for a wait on one goroutine; the select with
// a default is the nearest.
func BenchmarkRecvWaitWakeReset(b *testing.B) {
	b.ReportAllocs()
	tx, rx := mpmc.New[int](benchCap)
	cx := future.NewContext(future.Noop())
	var rf mpmc.RecvFuture[int]
	for b.Loop() {
		rf.Reset(rx)
		if _, ok := rf.Poll(cx); ok {
			b.Fatal("recv on empty ready")
		}
		if err := tx.TrySend(1); err != nil {
			b.Fatal(err)
		}
		if r, ok := rf.Poll(cx); !ok || r.Value != 1 {
			b.Fatal("promised recv not ready")
		}
	}
}

func BenchmarkRecvWaitWakeGoChan(b *testing.B) {
	b.ReportAllocs()
	ch := make(chan int, benchCap)
	for b.Loop() {
		select {
		case <-ch:
			b.Fatal("recv on empty ready")
		default:
		}
		ch <- 1
		<-ch
	}
}

// --- goroutines: BlockingSend and BlockingRecv, b.N values in all ---

// benchGoroutines sends b.N values from producers goroutines to consumers
// goroutines through send and recv, and closes with close.
func benchGoroutines(b *testing.B, producers, consumers int, send func(int), recv func() bool, close func()) {
	b.ReportAllocs()
	var ps, cs sync.WaitGroup
	for range consumers {
		cs.Go(func() {
			for recv() {
			}
		})
	}
	n := b.N
	b.ResetTimer()
	for p := range producers {
		ps.Go(func() {
			for i := p; i < n; i += producers {
				send(i)
			}
		})
	}
	ps.Wait()
	close()
	cs.Wait()
}

func benchGoroutinesWeft(b *testing.B, producers, consumers int) {
	tx, rx := mpmc.New[int](benchCap)
	ctx := context.Background()
	benchGoroutines(b, producers, consumers,
		func(v int) { _ = tx.BlockingSend(ctx, v) },
		func() bool { _, err := rx.BlockingRecv(ctx); return err == nil },
		tx.Close)
}

func benchGoroutinesGoChan(b *testing.B, producers, consumers int) {
	ch := make(chan int, benchCap)
	benchGoroutines(b, producers, consumers,
		func(v int) { ch <- v },
		func() bool { _, ok := <-ch; return ok },
		func() { close(ch) })
}

func BenchmarkGoroutines1x1(b *testing.B)       { benchGoroutinesWeft(b, 1, 1) }
func BenchmarkGoroutines1x1GoChan(b *testing.B) { benchGoroutinesGoChan(b, 1, 1) }
func BenchmarkGoroutines4x4(b *testing.B)       { benchGoroutinesWeft(b, 4, 4) }
func BenchmarkGoroutines4x4GoChan(b *testing.B) { benchGoroutinesGoChan(b, 4, 4) }
func BenchmarkGoroutines1x8(b *testing.B)       { benchGoroutinesWeft(b, 1, 8) }
func BenchmarkGoroutines1x8GoChan(b *testing.B) { benchGoroutinesGoChan(b, 1, 8) }

// --- tasks on the multi-thread runtime (GOMAXPROCS workers) ---

// benchMessages is the number of values one op moves, so that the cost of
// spawning the tasks of an op stays small next to the sends.
const benchMessages = 1000

// benchTasks runs, per op, producers and consumers tasks moving
// benchMessages values on a multi-thread runtime, and joins them.
func benchTasks(b *testing.B, producers, consumers int) {
	b.ReportAllocs()
	rt, err := weft.New()
	if err != nil {
		b.Fatal(err)
	}
	defer rt.Close()
	ctx := context.Background()
	ps := make([]*task.JoinHandle[error], producers)
	cs := make([]*task.JoinHandle[int], consumers)
	for b.Loop() {
		tx, rx := mpmc.New[int](benchCap)
		for i := range cs {
			cs[i] = weft.Spawn(rt, &worker{rx: rx})
		}
		for p := range ps {
			ps[p] = weft.Spawn(rt, &producer{tx: tx, next: p, step: producers, end: benchMessages})
		}
		for _, h := range ps {
			if _, err := h.BlockingJoin(ctx); err != nil {
				b.Fatal(err)
			}
		}
		tx.Close()
		got := 0
		for _, h := range cs {
			n, err := h.BlockingJoin(ctx)
			if err != nil {
				b.Fatal(err)
			}
			got += n
		}
		if got != benchMessages {
			b.Fatalf("received %d of %d", got, benchMessages)
		}
	}
}

// benchTasksGoChan is benchTasks with goroutines and a Go channel.
func benchTasksGoChan(b *testing.B, producers, consumers int) {
	b.ReportAllocs()
	for b.Loop() {
		ch := make(chan int, benchCap)
		var ps, cs sync.WaitGroup
		counts := make([]int, consumers)
		for i := range consumers {
			cs.Go(func() {
				for range ch {
					counts[i]++
				}
			})
		}
		for p := range producers {
			ps.Go(func() {
				for v := p; v < benchMessages; v += producers {
					ch <- v
				}
			})
		}
		ps.Wait()
		close(ch)
		cs.Wait()
		got := 0
		for _, n := range counts {
			got += n
		}
		if got != benchMessages {
			b.Fatalf("received %d of %d", got, benchMessages)
		}
	}
}

// Per op: 1,000 values between tasks (or goroutines, GoChan).
func BenchmarkTasks(b *testing.B) {
	for _, topo := range [][2]int{{1, 1}, {4, 4}, {1, 8}} {
		name := fmt.Sprintf("%dx%d", topo[0], topo[1])
		b.Run(name, func(b *testing.B) { benchTasks(b, topo[0], topo[1]) })
		b.Run(name+"GoChan", func(b *testing.B) { benchTasksGoChan(b, topo[0], topo[1]) })
	}
}
