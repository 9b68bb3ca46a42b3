package weft_test

import (
	"context"
	"sync/atomic"
	"testing"

	"github.com/weftrt/weft"
	"github.com/weftrt/weft/future"
	"github.com/weftrt/weft/task"
)

// TestYieldingTasksDoNotStarveRemoteSpawns is mt_spawn_many_remote_busy1 in
// miniature: one worker runs a task that yields for ever while 1,000 tasks
// are spawned from outside. A yielded task waits until the worker's queue runs
// dry, so every round of the yielder is followed by a batch of the inject
// queue. When yielded tasks went straight back into the queue, the queue never
// ran dry, the worker took one remote task every GlobalQueueInterval ticks,
// and the yielder was polled thousands of times before the last spawn ran.
func TestYieldingTasksDoNotStarveRemoteSpawns(t *testing.T) {
	for _, lifo := range []bool{true, false} {
		rt := newRuntime(t, weft.WithWorkers(1), weft.WithLIFOSlot(lifo))
		spawned := make(chan struct{})
		var stop atomic.Bool
		const n = 1000
		var first atomic.Bool
		var ran, polls atomic.Int64 // polls: of the yielder while remote tasks wait
		yielder := weft.Spawn(rt, future.PollFunc(func(cx *future.Context) (struct{}, bool) {
			if !first.Swap(true) {
				<-spawned // hold the only worker until all spawns wait in the inject queue
			}
			if ran.Load() < n {
				polls.Add(1)
			}
			if stop.Load() {
				return struct{}{}, true
			}
			cx.Waker().Wake()
			return struct{}{}, false
		}))
		hs := make([]*task.JoinHandle[struct{}], n)
		for i := range hs {
			hs[i] = weft.Spawn(rt, future.PollFunc(func(*future.Context) (struct{}, bool) {
				ran.Add(1)
				return struct{}{}, true
			}))
		}
		close(spawned)
		for _, h := range hs {
			if _, err := h.Join(context.Background()); err != nil {
				t.Fatal(err)
			}
		}
		got := polls.Load()
		stop.Store(true)
		if _, err := yielder.Join(context.Background()); err != nil {
			t.Fatal(err)
		}
		// The local queue takes at most 128 from the inject queue at a time:
		// about 8 rounds, so 9 polls of the yielder, plus slack.
		if got > 32 {
			t.Fatalf("LIFO %v: the yielder was polled %d times before %d remote spawns ran", lifo, got, n)
		}
	}
}
