package weft_test

import (
	"errors"
	"fmt"
	"time"

	"github.com/weftrt/weft"
	"github.com/weftrt/weft/future"
	"github.com/weftrt/weft/internal/futurecx"
	"github.com/weftrt/weft/internal/timer"
)

// pausedRuntime stands in for a weft runtime started with a paused clock, so
// that the examples are deterministic: its executor hands the timer driver to
// the futures, and blockOn jumps the clock to the next timer whenever the
// future it runs is waiting (what a runtime does when all its tasks are idle).
type pausedRuntime struct{ d *timer.Driver }

func newPausedRuntime() *pausedRuntime {
	return &pausedRuntime{timer.NewDriver(timer.NewPausedClock())}
}

func (r *pausedRuntime) TimerDriver() *timer.Driver { return r.d }

func (r *pausedRuntime) now() time.Time { return r.d.Clock().Time(r.d.Now()) }

func blockOn[T any](r *pausedRuntime, f future.Future[T]) T {
	sig := future.NewSignal()
	cx := future.NewContext(sig.Waker())
	futurecx.SetExecutor(cx, r)
	for {
		if v, ok := f.Poll(cx); ok {
			future.Drop(f)
			return v
		}
		select {
		case <-sig.C():
			continue
		default:
		}
		if !r.d.AutoAdvance() {
			panic("deadlock")
		}
	}
}

func ExampleSleep() {
	rt := newPausedRuntime()
	start := rt.now()
	blockOn[struct{}](rt, weft.Sleep(1500*time.Millisecond))
	fmt.Println("slept", rt.now().Sub(start))
	// Output: slept 1.5s
}

// A deadline for SleepUntil comes from the runtime's clock (Now), which is
// the paused clock here.
func ExampleSleepUntil() {
	rt := newPausedRuntime()
	start := rt.now()
	wait := future.Then(
		future.PollFunc(func(cx *future.Context) (time.Time, bool) {
			return weft.Now(cx).Add(2 * time.Second), true
		}),
		func(deadline time.Time) future.Future[struct{}] { return weft.SleepUntil(deadline) },
	)
	blockOn(rt, wait)
	fmt.Println("woke after", rt.now().Sub(start))
	// Output: woke after 2s
}

func ExampleTimeout() {
	rt := newPausedRuntime()
	r := blockOn(rt, weft.Timeout(time.Second, future.Ready("fast")))
	fmt.Println(r.Value, r.Err)

	start := rt.now()
	r = blockOn(rt, weft.Timeout(time.Second, future.Pending[string]()))
	fmt.Println(errors.Is(r.Err, weft.ErrElapsed), rt.now().Sub(start))
	// Output:
	// fast <nil>
	// true 1s
}

// A TimeoutFuture kept by value limits one wait after another; Reset makes
// it a new timeout without allocating.
func ExampleTimeoutFuture_Reset() {
	rt := newPausedRuntime()
	var t weft.TimeoutFuture[string]
	for _, f := range []future.Future[string]{future.Ready("fast"), future.Pending[string]()} {
		start := rt.now()
		t.Reset(time.Second, f)
		r := blockOn[future.Result[string]](rt, &t)
		fmt.Printf("%q %v after %v\n", r.Value, r.Err, rt.now().Sub(start))
	}
	// Output:
	// "fast" <nil> after 0s
	// "" weft: deadline elapsed after 1s
}

// A SleepFuture kept by value sleeps again and again: ResetAfter renews it
// without allocating, and counts from now (or, before its first poll, from
// that poll).
func ExampleSleepFuture_ResetAfter() {
	rt := newPausedRuntime()
	start := rt.now()
	var s weft.SleepFuture
	for _, d := range []time.Duration{time.Second, 250 * time.Millisecond} {
		s.ResetAfter(d)
		blockOn[struct{}](rt, &s)
		fmt.Println("slept until", rt.now().Sub(start))
	}
	// Output:
	// slept until 1s
	// slept until 1.25s
}

func ExampleInterval() {
	rt := newPausedRuntime()
	iv := weft.Interval(250 * time.Millisecond)
	defer iv.Close()
	first := blockOn(rt, iv.Tick()) // the first tick is immediate
	for range 3 {
		t := blockOn(rt, iv.Tick())
		fmt.Println(t.Sub(first))
	}
	// Output:
	// 250ms
	// 500ms
	// 750ms
}

// After a tick the task works for 650ms, longer than two periods of 300ms;
// each behaviour catches up differently.
func ExampleIntervalTimer_SetMissedTickBehavior() {
	for _, b := range []weft.MissedTickBehavior{weft.BurstMissedTicks, weft.DelayMissedTicks, weft.SkipMissedTicks} {
		rt := newPausedRuntime()
		iv := weft.Interval(300 * time.Millisecond)
		iv.SetMissedTickBehavior(b)
		first := blockOn(rt, iv.Tick())
		blockOn[struct{}](rt, weft.Sleep(650*time.Millisecond)) // the work
		var ticks []time.Duration
		for range 3 {
			ticks = append(ticks, blockOn(rt, iv.Tick()).Sub(first))
		}
		iv.Close()
		fmt.Println(b, ticks)
	}
	// Output:
	// Burst [300ms 600ms 900ms]
	// Delay [300ms 950ms 1.25s]
	// Skip [300ms 900ms 1.2s]
}

func ExampleSleepFuture_String() {
	rt := newPausedRuntime()
	s := weft.Sleep(3 * time.Second)
	fmt.Println(s)
	cx := future.NewContext(future.Noop())
	futurecx.SetExecutor(cx, rt)
	s.Poll(cx) // registers the timer
	fmt.Println(s)
	s.Drop()
	// Output:
	// Sleep(3s, not polled)
	// Sleep(3s left)
}
