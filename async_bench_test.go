package weft_test

import (
	"runtime"
	"testing"

	"github.com/weftrt/weft"
	"github.com/weftrt/weft/future"
)

// asyncBenchFlip is pending and ready in turn, so that every other poll of an
// Async awaiting it in a loop suspends the body.
type asyncBenchFlip struct{ ready bool }

func (f *asyncBenchFlip) Poll(*future.Context) (int, bool) {
	if f.ready {
		f.ready = false
		return 1, true
	}
	f.ready = true
	return 0, false
}

// BenchmarkAsyncSuspendResume measures one suspension of an Async body: the
// poll resumes the body inside Await, Await gets its value, and the next
// Await suspends it again. Twin: BenchmarkGoroutinePingPong.
func BenchmarkAsyncSuspendResume(b *testing.B) {
	flip := &asyncBenchFlip{}
	f := weft.Async(func(a *weft.A) int {
		for {
			weft.Await[int](a, flip)
		}
	})
	cx := future.NewContext(future.Noop())
	f.Poll(cx)
	b.ReportAllocs()
	for b.Loop() {
		f.Poll(cx)
	}
	b.StopTimer()
	f.Drop()
}

// BenchmarkGoroutinePingPong is the goroutine twin of
// BenchmarkAsyncSuspendResume: one goroutine wakes another over an
// unbuffered channel and waits until it answers.
func BenchmarkGoroutinePingPong(b *testing.B) {
	ping, pong := make(chan struct{}), make(chan struct{})
	go func() {
		for range ping {
			pong <- struct{}{}
		}
		close(pong)
	}()
	b.ReportAllocs()
	for b.Loop() {
		ping <- struct{}{}
		<-pong
	}
	b.StopTimer()
	close(ping)
	<-pong
}

// BenchmarkAsyncStartFinish measures an Async that completes in its first
// poll: the coroutine is made, runs the body and ends. Twin:
// BenchmarkGoroutineStartFinish.
func BenchmarkAsyncStartFinish(b *testing.B) {
	cx := future.NewContext(future.Noop())
	b.ReportAllocs()
	for b.Loop() {
		f := weft.Async(func(a *weft.A) int { return weft.Await(a, future.Ready(1)) })
		if _, ok := f.Poll(cx); !ok {
			b.Fatal("not ready")
		}
	}
}

// BenchmarkGoroutineStartFinish starts a goroutine and waits for its result.
func BenchmarkGoroutineStartFinish(b *testing.B) {
	done := make(chan int)
	b.ReportAllocs()
	for b.Loop() {
		go func() { done <- 1 }()
		<-done
	}
}

// asyncBenchLive returns the bytes of live heap and goroutine stacks after a
// collection.
func asyncBenchLive() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc + m.StackInuse
}

const asyncBenchPopulation = 10_000

// BenchmarkAsyncMemorySuspended reports the memory held by each Async future
// suspended in Await (heap and stack, "B/async"), measured over 10,000 of
// them on the first iteration; every iteration then creates, suspends and
// drops that many. Run it alone in its process (-run '^$' -bench
// AsyncMemorySuspended -benchtime 1x) for the exact figure: goroutine
// descriptors of earlier tests and benchmarks are reused and make it read low.
// Twin: BenchmarkGoroutineMemoryParked.
func BenchmarkAsyncMemorySuspended(b *testing.B) {
	fs := make([]*weft.AsyncFuture[int], asyncBenchPopulation)
	cx := future.NewContext(future.Noop())
	measured := false
	b.ReportAllocs()
	for b.Loop() {
		var before uint64
		if !measured {
			before = asyncBenchLive()
		}
		for i := range fs {
			fs[i] = weft.Async(func(a *weft.A) int { return weft.Await(a, future.Pending[int]()) })
			fs[i].Poll(cx)
		}
		if !measured {
			b.ReportMetric(float64(asyncBenchLive()-before)/asyncBenchPopulation, "B/async")
			measured = true
		}
		for i, f := range fs {
			f.Drop()
			fs[i] = nil
		}
	}
}

// BenchmarkGoroutineMemoryParked is the goroutine twin of
// BenchmarkAsyncMemorySuspended: memory per goroutine parked on a channel
// ("B/goroutine"), with the same caveat about running it alone.
func BenchmarkGoroutineMemoryParked(b *testing.B) {
	measured := false
	b.ReportAllocs()
	for b.Loop() {
		var before uint64
		if !measured {
			before = asyncBenchLive()
		}
		release := make(chan struct{})
		exited := make(chan struct{}, asyncBenchPopulation)
		for range asyncBenchPopulation {
			go func() {
				<-release
				exited <- struct{}{}
			}()
		}
		if !measured {
			b.ReportMetric(float64(asyncBenchLive()-before)/asyncBenchPopulation, "B/goroutine")
			measured = true
		}
		close(release)
		for range asyncBenchPopulation {
			<-exited
		}
	}
}
