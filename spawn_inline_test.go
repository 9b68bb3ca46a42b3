package weft_test

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/weftrt/weft"
	"github.com/weftrt/weft/future"
	"github.com/weftrt/weft/task"
)

// A future with state spawned with SpawnInline is polled in the task's own
// memory: spawning and joining it allocates no more than a spawn of a future
// without state (the JoinHandle at most), and a detached spawn nothing.
func TestSpawnInlineAllocatesAtMostTheJoinHandle(t *testing.T) {
	if raceEnabled {
		t.Skip("sync.Pool drops items at random under -race: allocation counts mean nothing")
	}
	flavors(t, func(t *testing.T, opts ...weft.Option) {
		rt := newRuntime(t, opts...)
		hs := make([]*task.JoinHandle[int], 0, allocTasks)
		per := allocsPerItem(allocTasks, func(n int) {
			hs = hs[:0]
			for i := range n {
				hs = append(hs, weft.SpawnInline(rt, &yielder{n: 1, v: i}))
			}
			a := &awaitAll{hs: hs}
			if _, err := weft.BlockOn(context.Background(), rt, a); err != nil || a.err != nil {
				t.Fatalf("BlockOn: %v, task error %v", err, a.err)
			}
		})
		if per > 1 {
			t.Errorf("SpawnInline + join: %.3f allocations per task, want ≤ 1 (the JoinHandle)", per)
		}
	})
}

// finishingYielder yields once and counts down rem.
type finishingYielder struct {
	yielded bool
	rem     *atomic.Int64
}

func (f *finishingYielder) Poll(cx *future.Context) (struct{}, bool) {
	if !f.yielded {
		f.yielded = true
		cx.Waker().Wake()
		return struct{}{}, false
	}
	f.rem.Add(-1)
	return struct{}{}, true
}

func TestSpawnDetachedInlineAndRunAllocateNothing(t *testing.T) {
	assertSpawnAndRunAllocateNothing(t, "SpawnDetachedInline", func(cx *future.Context, rem *atomic.Int64) {
		weft.SpawnDetachedInline(cx, &finishingYielder{rem: rem})
	})
}

// dropCounter counts, in the value a task holds, how often it is polled,
// and records that count when dropped.
type dropCounter struct {
	polls     int
	polled    *atomic.Bool
	dropped   *atomic.Int32
	dropPolls *atomic.Int32
}

func (d *dropCounter) Poll(*future.Context) (int, bool) {
	d.polls++
	d.polled.Store(true)
	return 0, false
}

func (d *dropCounter) Drop() {
	d.dropped.Add(1)
	d.dropPolls.Store(int32(d.polls))
}

func TestSpawnInlineAbortDropsTheTasksCopyOnce(t *testing.T) {
	flavors(t, func(t *testing.T, opts ...weft.Option) {
		rt := newRuntime(t, opts...)
		var dropped, dropPolls atomic.Int32
		var polled atomic.Bool
		orig := dropCounter{polled: &polled, dropped: &dropped, dropPolls: &dropPolls}
		jh := weft.SpawnInline(rt, &orig)
		// Let it be polled once, then abort it.
		if _, err := weft.BlockOn(context.Background(), rt, until(polled.Load)); err != nil {
			t.Fatal(err)
		}
		jh.Abort()
		// BlockOn, not Join: a current-thread runtime runs the
		// cancellation inside BlockOn.
		if r, err := weft.BlockOn(context.Background(), rt, jh); err != nil || r.Err == nil {
			t.Fatalf("aborted task: %v, %v; want a JoinError", r, err)
		}
		if dropped.Load() != 1 || dropPolls.Load() != 1 || orig.polls != 0 {
			t.Fatalf("Drop ran %d times on a copy polled %d times (caller's value: %d polls); want once, 1, 0",
				dropped.Load(), dropPolls.Load(), orig.polls)
		}
	})
}

func TestSpawnInlineOfNilPanics(t *testing.T) {
	rt := newRuntime(t, weft.WithCurrentThread())
	for name, spawn := range map[string]func(){
		"SpawnInline":         func() { weft.SpawnInline[*yielder](rt, nil).Detach() },
		"SpawnDetachedInline": func() { weft.SpawnDetachedInline[*yielder](rt, nil) },
	} {
		func() {
			defer func() {
				if r := recover(); r == nil || !strings.Contains(r.(string), "nil future") {
					t.Errorf("%s(nil): panic %v, want one about a nil future", name, r)
				}
			}()
			spawn()
		}()
	}
}
