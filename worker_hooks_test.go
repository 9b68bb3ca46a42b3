package weft_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/weftrt/weft"
	"github.com/weftrt/weft/future"
	"github.com/weftrt/weft/task"
)

// errHookBoom is what the panicking hooks below throw.
var errHookBoom = errors.New("hook boom")

// panickingHook is one case of TestPanickingWorkerHookIsReportedLikeATaskPanic:
// which hook of WithWorkerHooks panics, on which flavour.
type panickingHook struct {
	flavor string
	kind   string // start, stop, park or unpark
}

func panickingHookCases() []panickingHook {
	var cs []panickingHook
	for _, k := range []string{"start", "stop", "park", "unpark"} {
		cs = append(cs, panickingHook{"multi-thread", k})
	}
	// A current-thread runtime runs only the park and unpark hooks.
	for _, k := range []string{"park", "unpark"} {
		cs = append(cs, panickingHook{"current-thread", k})
	}
	return cs
}

// options returns the runtime options of the case, with a hook that counts
// its calls and panics every time.
func (c panickingHook) options(calls *atomic.Int64, extra ...weft.Option) []weft.Option {
	boom := func(int) {
		calls.Add(1)
		panic(errHookBoom)
	}
	var hs [4]func(int)
	switch c.kind {
	case "start":
		hs[0] = boom
	case "stop":
		hs[1] = boom
	case "park":
		hs[2] = boom
	case "unpark":
		hs[3] = boom
	}
	opts := []weft.Option{weft.WithWorkerHooks(hs[0], hs[1], hs[2], hs[3])}
	if c.flavor == "current-thread" {
		opts = append(opts, weft.WithCurrentThread())
	} else {
		opts = append(opts, weft.WithWorkers(2))
	}
	return append(opts, extra...)
}

// TestPanickingWorkerHookIsReportedLikeATaskPanic: a worker hook that
// panics (start, stop, park, unpark, on both flavours) is user code like a
// task's future, and its panic is handled the same way: with the default
// policy the worker carries on and the runtime works and closes cleanly;
// with ShutdownOnPanic the runtime shuts down and reports the panic. Such
// a panic used to kill the process ("panic: start hook [recovered,
// repanicked]"): the worker's recover took every panic for a bug in weft.
// LocalSets run no worker hooks.
func TestPanickingWorkerHookIsReportedLikeATaskPanic(t *testing.T) {
	for _, c := range panickingHookCases() {
		t.Run(c.flavor+"/"+c.kind+"/capture", func(t *testing.T) {
			var calls atomic.Int64
			rt, err := weft.New(c.options(&calls)...)
			if err != nil {
				t.Fatal(err)
			}
			// Every round parks and unparks the workers (or the driver).
			for i := range 20 {
				h := weft.Spawn(rt, weft.Async(func(a *weft.A) int {
					weft.Await(a, weft.Sleep(time.Millisecond))
					return i
				}))
				if v, err := weft.BlockOn(context.Background(), rt, h); err != nil || v.Err != nil || v.Value != i {
					t.Fatalf("round %d with a panicking %s hook: %+v %v", i, c.kind, v, err)
				}
			}
			if err := rt.Close(); err != nil {
				t.Fatalf("Close with a panicking %s hook: %v", c.kind, err)
			}
			if calls.Load() == 0 {
				t.Fatalf("the %s hook never ran", c.kind)
			}
		})
		t.Run(c.flavor+"/"+c.kind+"/shutdown", func(t *testing.T) {
			var calls atomic.Int64
			rt, err := weft.New(c.options(&calls, weft.WithUnhandledPanic(weft.ShutdownOnPanic))...)
			if err != nil {
				t.Fatal(err)
			}
			// Drive the runtime until the hook has run (the stop hook runs
			// only in Close): a sleeping task parks and unparks the driver or a worker.
			for calls.Load() == 0 && c.kind != "stop" {
				if _, err := weft.BlockOn(context.Background(), rt, weft.Spawn(rt, weft.Sleep(time.Millisecond))); err != nil {
					break
				}
			}
			err = rt.Close()
			var pe *weft.PanicShutdownError
			if !errors.As(err, &pe) || !errors.Is(err, errHookBoom) || !pe.Err.IsPanic() {
				t.Fatalf("Close after a panicking %s hook under ShutdownOnPanic: %v", c.kind, err)
			}
			if msg := fmt.Sprint(pe.Err.PanicValue()); !strings.Contains(msg, c.kind+" hook") || !strings.Contains(msg, "hook boom") {
				t.Fatalf("the reported panic says %q; want the hook named", msg)
			}
			// Tasks spawned after the shutdown report it.
			if _, err := weft.Spawn(rt, future.Ready(1)).BlockingJoin(context.Background()); !errors.Is(err, task.ErrCancelled) {
				t.Fatalf("spawn after the shutdown: %v", err)
			}
		})
	}
}
