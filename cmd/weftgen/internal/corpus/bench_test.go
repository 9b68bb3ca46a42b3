package corpus

import (
	"context"
	"runtime"
	"sync/atomic"
	"testing"

	"github.com/weftrt/weft"
	"github.com/weftrt/weft/future"
	"github.com/weftrt/weft/mpsc"
	"github.com/weftrt/weft/task"
)

// handRecvLoop is RecvLoop written by hand: the state the generated frame
// keeps (the receiver, the sum, the receive being awaited).
type handRecvLoop struct {
	rx   *mpsc.Receiver[int]
	n    int
	recv *mpsc.RecvFuture[int]
}

func (l *handRecvLoop) Poll(cx *future.Context) (int, bool) {
	for {
		if l.recv == nil {
			l.recv = l.rx.Recv()
		}
		r, ok := l.recv.Poll(cx)
		if !ok {
			return 0, false
		}
		l.recv.Drop()
		l.recv = nil
		if r.Err != nil {
			return l.n, true
		}
		l.n += r.Value
	}
}

func (l *handRecvLoop) Drop() {
	if l.recv != nil {
		l.recv.Drop()
	}
}

// handFlips is Flips written by hand.
type handFlips struct {
	f *Flip
	n int
}

func (h *handFlips) Poll(cx *future.Context) (int, bool) {
	for {
		v, ok := h.f.Poll(cx)
		if !ok {
			return 0, false
		}
		h.n += v
	}
}

// benchSuspendResume polls f once per iteration: each poll resumes the
// await the future is suspended in, gets its value, and suspends in the
// next await.
func benchSuspendResume(b *testing.B, f future.Future[int]) {
	cx := future.NewContext(future.Noop())
	f.Poll(cx)
	b.ReportAllocs()
	for b.Loop() {
		f.Poll(cx)
	}
	b.StopTimer()
	future.Drop(f)
}

// BenchmarkSuspendResume measures an await that suspends and resumes, in
// the generated state machine, the same loop written by hand, and the
// marked function run as an Async body; the goroutine twin is a ping-pong
// over unbuffered channels.
func BenchmarkSuspendResume(b *testing.B) {
	b.Run("generated", func(b *testing.B) { benchSuspendResume(b, FlipsFuture(&Flip{})) })
	b.Run("hand", func(b *testing.B) { benchSuspendResume(b, &handFlips{f: &Flip{}}) })
	b.Run("async", func(b *testing.B) {
		flip := &Flip{}
		benchSuspendResume(b, weft.Async(func(a *weft.A) int { return Flips(a, flip) }))
	})
	b.Run("goroutine", func(b *testing.B) {
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
	})
}

// handBounces is Bounces written by hand.
type handBounces struct {
	b       *Bounce
	n, i, s int
}

func (h *handBounces) Poll(cx *future.Context) (int, bool) {
	for h.i < h.n {
		v, ok := h.b.Poll(cx)
		if !ok {
			return 0, false
		}
		h.s += v
		h.i++
	}
	return h.s, true
}

// benchOnRuntime runs one task whose future awaits b.N times, each await
// suspending the task until the scheduler polls it again.
func benchOnRuntime(b *testing.B, f future.Future[int]) {
	rt, err := weft.New(weft.WithCurrentThread())
	if err != nil {
		b.Fatal(err)
	}
	defer rt.Close()
	b.ReportAllocs()
	b.ResetTimer()
	h := weft.Spawn(rt, f)
	r, err := weft.BlockOn(context.Background(), rt, h)
	if err != nil || r.Err != nil || r.Value != b.N {
		b.Fatalf("got %v %v %v", r.Value, r.Err, err)
	}
}

// BenchmarkAwaitOnRuntime is BenchmarkSuspendResume in a task: each await
// suspends, the awaited future wakes the task, and the current-thread
// scheduler polls it again. The goroutine twin yields with
// runtime.Gosched.
func BenchmarkAwaitOnRuntime(b *testing.B) {
	b.Run("generated", func(b *testing.B) { benchOnRuntime(b, BouncesFuture(&Bounce{}, b.N)) })
	b.Run("hand", func(b *testing.B) { benchOnRuntime(b, &handBounces{b: &Bounce{}, n: b.N}) })
	b.Run("async", func(b *testing.B) {
		bb := &Bounce{}
		n := b.N
		benchOnRuntime(b, weft.Async(func(a *weft.A) int { return Bounces(a, bb, n) }))
	})
	b.Run("goroutine", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			runtime.Gosched()
		}
	})
}

// liveBytes returns the live heap and goroutine stacks after a collection.
func liveBytes() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc + m.StackInuse
}

const idlePopulation = 10_000

// benchIdle spawns idlePopulation tasks, each waiting in a receive on its
// own channel (made before the measurement), runs the runtime until they
// are all idle, and reports the memory each holds ("B/task"); then it
// closes the channels and joins them.
func benchIdle(b *testing.B, mk func(rx *mpsc.Receiver[int]) future.Future[int]) {
	b.ReportAllocs()
	measured := false
	for b.Loop() {
		var polled atomic.Int64
		rt, err := weft.New(weft.WithCurrentThread(), weft.WithTaskHooks(task.Hooks{
			AfterPoll: func(task.Meta) { polled.Add(1) },
		}))
		if err != nil {
			b.Fatal(err)
		}
		txs := make([]*mpsc.Sender[int], idlePopulation)
		rxs := make([]*mpsc.Receiver[int], idlePopulation)
		for i := range txs {
			txs[i], rxs[i] = mpsc.New[int](1)
		}
		hs := make([]*task.JoinHandle[int], idlePopulation)
		before := liveBytes()
		for i := range hs {
			hs[i] = weft.Spawn(rt, mk(rxs[i]))
			rxs[i] = nil
		}
		// Let the runtime poll every task once: they all wait then.
		waitPolled := future.PollFunc(func(cx *future.Context) (struct{}, bool) {
			if polled.Load() >= idlePopulation {
				return struct{}{}, true
			}
			cx.Waker().Wake()
			return struct{}{}, false
		})
		if _, err := weft.BlockOn(context.Background(), rt, waitPolled); err != nil {
			b.Fatal(err)
		}
		if !measured {
			b.ReportMetric(float64(liveBytes()-before)/idlePopulation, "B/task")
			measured = true
		}
		for _, tx := range txs {
			tx.Close()
		}
		for _, h := range hs {
			if _, err := weft.BlockOn(context.Background(), rt, h); err != nil {
				b.Fatal(err)
			}
		}
		rt.Close()
	}
}

// BenchmarkIdleTask reports the memory of a task idle in an await on a
// channel receive: the generated state machine, the same future by hand,
// the marked function as an Async body, and a goroutine parked in a
// receive from a Go channel (the twin). Run it alone (-run '^$' -bench
// IdleTask -benchtime 1x) for the exact figures.
func BenchmarkIdleTask(b *testing.B) {
	b.Run("generated", func(b *testing.B) {
		benchIdle(b, func(rx *mpsc.Receiver[int]) future.Future[int] { return RecvLoopFuture(rx) })
	})
	b.Run("hand", func(b *testing.B) {
		benchIdle(b, func(rx *mpsc.Receiver[int]) future.Future[int] { return &handRecvLoop{rx: rx} })
	})
	b.Run("async", func(b *testing.B) {
		benchIdle(b, func(rx *mpsc.Receiver[int]) future.Future[int] {
			return weft.Async(func(a *weft.A) int { return RecvLoop(a, rx) })
		})
	})
	b.Run("goroutine", func(b *testing.B) {
		b.ReportAllocs()
		measured := false
		for b.Loop() {
			chs := make([]chan int, idlePopulation)
			for i := range chs {
				chs[i] = make(chan int, 1)
			}
			done := make(chan int, idlePopulation)
			before := liveBytes()
			for _, ch := range chs {
				go func() {
					n := 0
					for v := range ch {
						n += v
					}
					done <- n
				}()
			}
			runtime.Gosched()
			if !measured {
				b.ReportMetric(float64(liveBytes()-before)/idlePopulation, "B/task")
				measured = true
			}
			for _, ch := range chs {
				close(ch)
			}
			for range chs {
				<-done
			}
		}
	})
}
