package weft_test

import (
	"errors"
	"testing"
	"testing/synctest"
	"time"

	"github.com/weftrt/weft"
	"github.com/weftrt/weft/future"
	"github.com/weftrt/weft/internal/futurecx"
	"github.com/weftrt/weft/internal/timer"
)

// bubbleRuntime is the smallest runtime that follows the integration
// contract of internal/timer on a real clock: one worker goroutine parks with
// NextDeadline's timeout (or until unparked) and calls Process. Inside a
// synctest bubble its real clock is the bubble's fake time, so the test is
// exact and instant.
type bubbleRuntime struct {
	d      *timer.Driver
	unpark chan struct{}
	done   chan struct{}
	exited chan struct{}
}

func startBubbleRuntime() *bubbleRuntime {
	r := &bubbleRuntime{
		d:      timer.NewDriver(timer.NewClock()),
		unpark: make(chan struct{}, 1),
		done:   make(chan struct{}),
		exited: make(chan struct{}),
	}
	r.d.SetUnpark(func() {
		select {
		case r.unpark <- struct{}{}:
		default:
		}
	})
	go r.worker()
	return r
}

func (r *bubbleRuntime) TimerDriver() *timer.Driver { return r.d }

func (r *bubbleRuntime) worker() {
	defer close(r.exited)
	for {
		dur, ok := r.d.NextDeadline()
		var fire <-chan time.Time
		var tm *time.Timer
		if ok {
			tm = time.NewTimer(dur)
			fire = tm.C
		}
		select {
		case <-fire:
		case <-r.unpark:
		case <-r.done:
		}
		if tm != nil {
			tm.Stop()
		}
		select {
		case <-r.done:
			r.d.Shutdown()
			return
		default:
		}
		r.d.Process()
	}
}

func (r *bubbleRuntime) stop() {
	close(r.done)
	<-r.exited
}

// run polls f on the calling goroutine until it completes, sleeping on its
// waker in between (no auto-advance: real time passes).
func run[T any](r *bubbleRuntime, f future.Future[T]) T {
	sig := future.NewSignal()
	cx := future.NewContext(sig.Waker())
	futurecx.SetExecutor(cx, r)
	for {
		if v, ok := f.Poll(cx); ok {
			future.Drop(f)
			return v
		}
		<-sig.C()
	}
}

func TestTimersOnARealClockInASynctestBubble(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := startBubbleRuntime()
		defer r.stop()

		start := time.Now()
		run[struct{}](r, weft.Sleep(3*time.Second))
		if got := time.Since(start); got != 3*time.Second {
			t.Fatalf("Sleep(3s) took %v", got)
		}

		start = time.Now()
		res := run(r, weft.Timeout(time.Second, future.Pending[int]()))
		if !errors.Is(res.Err, weft.ErrElapsed) || time.Since(start) != time.Second {
			t.Fatalf("Timeout: %v after %v", res.Err, time.Since(start))
		}

		iv := weft.Interval(100 * time.Millisecond)
		first := run(r, iv.Tick())
		for i := 1; i <= 3; i++ {
			tick := run(r, iv.Tick())
			if tick.Sub(first) != time.Duration(i)*100*time.Millisecond || !time.Now().Equal(tick) {
				t.Fatalf("tick %d scheduled +%v, taken at +%v", i, tick.Sub(first), time.Since(first))
			}
		}
		iv.Close()

		// Two tasks: a long sleep is pending when a short one registers;
		// the unpark makes the worker fire the short one on time.
		longDone := make(chan time.Duration)
		start = time.Now()
		go func() {
			run[struct{}](r, weft.Sleep(time.Hour))
			longDone <- time.Since(start)
		}()
		synctest.Wait()
		run[struct{}](r, weft.Sleep(20*time.Millisecond))
		if got := time.Since(start); got != 20*time.Millisecond {
			t.Fatalf("short sleep behind a long one took %v", got)
		}
		if got := <-longDone; got != time.Hour {
			t.Fatalf("long sleep took %v", got)
		}
		if r.d.Len() != 0 {
			t.Fatalf("driver holds %d timers", r.d.Len())
		}
	})
}
