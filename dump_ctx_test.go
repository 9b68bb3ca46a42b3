package weft_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/weftrt/weft"
	"github.com/weftrt/weft/future"
)

// cancelOnDescribe waits for ever; once armed, describing it (what a dump
// does with an idle task) cancels the dump's context: a deterministic
// signal in the middle of the walk.
type cancelOnDescribe struct {
	armed  *atomic.Bool
	cancel context.CancelFunc
}

func (f *cancelOnDescribe) Poll(*future.Context) (int, bool) { return 0, false }

func (f *cancelOnDescribe) String() string {
	if f.armed.Load() {
		f.cancel()
	}
	return "cancelOnDescribe"
}

// Dump used to ignore its context once started: a dump of 100,000 waiters
// given 100 ms ran for 32 s. Now it looks at ctx before each task and
// returns what it has with ctx.Err(). Here the first task it describes
// cancels ctx, so it stops after that one.
func TestDumpStopsWhenItsContextEndsMidWalk(t *testing.T) {
	flavors(t, func(t *testing.T, opts ...weft.Option) {
		rt := startRuntime(t, opts...)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		var armed atomic.Bool
		const n = 5
		for range n {
			weft.SpawnDetached(rt, &cancelOnDescribe{armed: &armed, cancel: cancel})
		}
		dumpUntil(t, rt, func(d *weft.Dump) bool {
			idle := 0
			for _, td := range d.Tasks {
				if td.Status == weft.TaskIdle {
					idle++
				}
			}
			return idle == n
		})
		armed.Store(true)
		d, err := rt.Dump(ctx)
		if !errors.Is(err, context.Canceled) || d == nil {
			t.Fatalf("Dump = %v, %v; want a partial dump and context.Canceled", d, err)
		}
		if len(d.Tasks) != 1 {
			t.Fatalf("dump has %d tasks, want the 1 inspected before ctx ended:\n%s", len(d.Tasks), d)
		}
		want := fmt.Sprintf("tasks: %d of %d not inspected: context canceled", n-1, n)
		if len(d.Incomplete) != 1 || d.Incomplete[0] != want {
			t.Fatalf("Incomplete = %q, want [%q]", d.Incomplete, want)
		}
	})
}

// Each of many waiters on one Notify is described with its own place in
// line, counted in constant time (waitq.Queue.Position) instead of by a walk
// of the queue per waiter, which made the dump quadratic.
func TestDumpCountsEachWaiterOfOneNotifyInLine(t *testing.T) {
	rt := startRuntime(t, weft.WithWorkers(2))
	n := weft.NewNotify()
	const waiters = 50
	for range waiters {
		weft.SpawnDetached(rt, n.Notified())
	}
	d := dumpUntil(t, rt, func(d *weft.Dump) bool {
		idle := 0
		for _, td := range d.Tasks {
			if td.Status == weft.TaskIdle {
				idle++
			}
		}
		return idle == waiters
	})
	seen := make(map[string]bool)
	for _, td := range d.Tasks {
		label := td.Trace.Label
		if !strings.HasPrefix(label, "Notify.Notified (waiting, ") || seen[label] {
			t.Fatalf("label %q (seen before: %v)", label, seen[label])
		}
		seen[label] = true
	}
	for k := range waiters {
		if !seen[fmt.Sprintf("Notify.Notified (waiting, %d ahead)", k)] {
			t.Fatalf("no waiter with %d ahead:\n%s", k, d)
		}
	}
	n.NotifyWaiters()
}
