package weft

import (
	"context"
	"testing"

	"github.com/weftrt/weft/future"
	"github.com/weftrt/weft/internal/iodriver"
	"github.com/weftrt/weft/internal/timer"
)

// The runtime's drivers are found through its executors, never through an
// exported method: iodriver.Of and timerDriverOf give the runtime's own
// drivers for a Runtime, a Handle, a LocalSet and a task's Context, and
// nothing for a value that is not one of weft's executors.
func TestDriversAreFoundThroughTheExecutorsOnly(t *testing.T) {
	for _, opts := range [][]Option{{WithCurrentThread()}, {WithWorkers(2)}} {
		rt, err := New(opts...)
		if err != nil {
			t.Fatal(err)
		}
		if rt.h.io == nil || rt.h.timer == nil {
			t.Fatal("the runtime has no driver to find")
		}
		ls := NewLocalSet(rt)
		var fromTask *timer.Driver
		var ioFromTask *iodriver.Driver
		probe := future.PollFunc(func(cx *future.Context) (struct{}, bool) {
			fromTask, _ = timerDriverOf(cx.Executor())
			ioFromTask = iodriver.Of(cx.Executor())
			return struct{}{}, true
		})
		if _, err := BlockOn(context.Background(), rt, SpawnLocal(ls, probe)); err != nil {
			t.Fatal(err)
		}
		for name, e := range map[string]any{"runtime": rt.Executor(), "handle": rt.Handle().Executor(), "local set": ls.Executor()} {
			if d, ok := timerDriverOf(e); !ok || d != rt.h.timer {
				t.Errorf("%s: timer driver %p, %v; want the runtime's %p", name, d, ok, rt.h.timer)
			}
			if d := iodriver.Of(e); d != rt.h.io {
				t.Errorf("%s: I/O driver %p, want the runtime's %p", name, d, rt.h.io)
			}
		}
		if fromTask != rt.h.timer || ioFromTask != rt.h.io {
			t.Errorf("a local task's Context: drivers %p %p, want %p %p", fromTask, ioFromTask, rt.h.timer, rt.h.io)
		}
		if d, ok := timerDriverOf(struct{}{}); ok || d != nil {
			t.Errorf("a foreign executor has a timer driver: %p", d)
		}
		if d := iodriver.Of(struct{}{}); d != nil {
			t.Errorf("a foreign executor has an I/O driver: %p", d)
		}
		ls.Close()
		if err := rt.Close(); err != nil {
			t.Fatal(err)
		}
	}
}
