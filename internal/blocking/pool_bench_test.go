package blocking_test

import (
	"context"
	"testing"

	"github.com/weftrt/weft/internal/blocking"
	"github.com/weftrt/weft/task"
)

//go:noinline
func noop() int { return 1 }

// BenchmarkSpawnJoin spawns a no-op blocking task and joins it, one at a
// time: the pool's round trip (task allocation, queue, wake of an idle
// goroutine, completion, Join). Its twin is BenchmarkGoroutineJoin.
func BenchmarkSpawnJoin(b *testing.B) {
	p := blocking.New(blocking.Config{})
	defer p.Shutdown(-1)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		ut, jh := task.NewUnowned(closureFuture(noop), p.Scheduler(), task.Options{})
		if err := p.Spawn(ut); err != nil {
			b.Fatal(err)
		}
		if _, err := jh.BlockingJoin(ctx); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkGoroutineJoin is the stdlib twin of BenchmarkSpawnJoin: a new
// goroutine per call, its result sent back on a channel.
func BenchmarkGoroutineJoin(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		ch := make(chan int, 1)
		go func() { ch <- noop() }()
		<-ch
	}
}

// BenchmarkSpawnJoinParallel is BenchmarkSpawnJoin from GOMAXPROCS
// goroutines at once: contention on the pool's lock and queue.
func BenchmarkSpawnJoinParallel(b *testing.B) {
	p := blocking.New(blocking.Config{})
	defer p.Shutdown(-1)
	ctx := context.Background()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			ut, jh := task.NewUnowned(closureFuture(noop), p.Scheduler(), task.Options{})
			if err := p.Spawn(ut); err != nil {
				b.Error(err)
				return
			}
			if _, err := jh.BlockingJoin(ctx); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// BenchmarkGoroutineJoinParallel is the stdlib twin of
// BenchmarkSpawnJoinParallel.
func BenchmarkGoroutineJoinParallel(b *testing.B) {
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			ch := make(chan int, 1)
			go func() { ch <- noop() }()
			<-ch
		}
	})
}

// BenchmarkSpawnBatchJoin spawns 100 no-op tasks, then joins them all: the
// queue fills and several goroutines drain it. Its twin is
// BenchmarkGoroutineBatchJoin.
func BenchmarkSpawnBatchJoin(b *testing.B) {
	p := blocking.New(blocking.Config{})
	defer p.Shutdown(-1)
	ctx := context.Background()
	jhs := make([]*task.JoinHandle[int], 100)
	b.ReportAllocs()
	for b.Loop() {
		for i := range jhs {
			ut, jh := task.NewUnowned(closureFuture(noop), p.Scheduler(), task.Options{})
			if err := p.Spawn(ut); err != nil {
				b.Fatal(err)
			}
			jhs[i] = jh
		}
		for _, jh := range jhs {
			if _, err := jh.BlockingJoin(ctx); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// BenchmarkGoroutineBatchJoin is the stdlib twin of BenchmarkSpawnBatchJoin:
// 100 goroutines, each with its own result channel.
func BenchmarkGoroutineBatchJoin(b *testing.B) {
	chs := make([]chan int, 100)
	b.ReportAllocs()
	for b.Loop() {
		for i := range chs {
			ch := make(chan int, 1)
			go func() { ch <- noop() }()
			chs[i] = ch
		}
		for _, ch := range chs {
			<-ch
		}
	}
}
