package weft_test

import (
	"context"
	"runtime"
	"runtime/debug"
	"sync/atomic"
	"testing"

	"github.com/weftrt/weft"
	"github.com/weftrt/weft/future"
	"github.com/weftrt/weft/task"
)

// weft's allocation targets, checked outside any timed loop: a
// spawned and joined task allocates at most once (its JoinHandle; the task
// cell is recycled), a detached spawn and its run allocate nothing, and a
// yield allocates nothing. Each count is the difference between a run with
// n tasks (or yields) and the same run with none, so that BlockOn's own
// allocations are not charged to the tasks.

const allocTasks = 1000

// allocsPerItem returns (allocations of run(n) − allocations of run(0)) / n,
// each averaged over several runs after two warm-up runs: a task type whose
// tasks yield on a multi-thread runtime moves to cache-line-padded cells
// during the first (task/cell_padding.go), and its new cells are made in the
// second. The collector is off meanwhile: a collection empties the
// sync.Pools that recycle task cells, and refilling a pool allocates its
// internal rings, which would be charged to whichever run the collection
// happened in.
func allocsPerItem(n int, run func(n int)) float64 {
	runtime.GC()
	defer debug.SetGCPercent(debug.SetGCPercent(-1))
	base := testing.AllocsPerRun(20, func() { run(0) })
	run(n) // the first warm-up; AllocsPerRun makes the second
	full := testing.AllocsPerRun(20, func() { run(n) })
	return (full - base) / float64(n)
}

// spawnJoinInTask spawns n tasks through its Context and awaits them all.
type spawnJoinInTask struct {
	n    int
	all  awaitAll
	done bool
}

func (s *spawnJoinInTask) Poll(cx *future.Context) (int, bool) {
	if !s.done {
		s.done = true
		for i := range s.n {
			s.all.hs = append(s.all.hs, weft.Spawn(cx, future.Ready(i)))
		}
	}
	return s.all.Poll(cx)
}

// countDownTask decrements a counter; it has no state of its own, so it is
// stored inline in its (recycled) task cell.
type countDownTask struct{ rem *atomic.Int64 }

func (c countDownTask) Poll(*future.Context) (struct{}, bool) {
	c.rem.Add(-1)
	return struct{}{}, true
}

// spawnAndWait spawns n detached tasks through its Context (spawn makes
// one, counting rem down when it finishes) and then yields until they have
// all run.
//
// Its first poll always returns Pending, even with nothing to wait for, so
// that a BlockOn of it waits once whatever n is: allocsPerItem's base run
// (n = 0) then counts BlockOn's own allocations for a future that waits, and
// the difference is the tasks' alone.
type spawnAndWait struct {
	n       int
	rem     atomic.Int64
	spawned bool
	spawn   func(cx *future.Context, rem *atomic.Int64)
}

func (s *spawnAndWait) Poll(cx *future.Context) (struct{}, bool) {
	if !s.spawned {
		s.spawned = true
		s.rem.Store(int64(s.n))
		for range s.n {
			s.spawn(cx, &s.rem)
		}
		cx.Waker().Wake()
		return struct{}{}, false
	}
	if s.rem.Load() == 0 {
		return struct{}{}, true
	}
	cx.Waker().Wake()
	return struct{}{}, false
}

// assertSpawnAndRunAllocateNothing checks, on every flavour, that spawning
// and running detached tasks made by spawn allocates nothing per task once
// the runtime's caches are warm.
func assertSpawnAndRunAllocateNothing(t *testing.T, what string, spawn func(cx *future.Context, rem *atomic.Int64)) {
	t.Helper()
	if raceEnabled {
		t.Skip("sync.Pool drops items at random under -race: allocation counts mean nothing")
	}
	flavors(t, func(t *testing.T, opts ...weft.Option) {
		rt := newRuntime(t, opts...)
		s := &spawnAndWait{spawn: spawn}
		per := allocsPerItem(allocTasks, func(n int) {
			s.n, s.spawned = n, false
			if _, err := weft.BlockOn(context.Background(), rt, s); err != nil {
				t.Fatalf("BlockOn: %v", err)
			}
		})
		if per != 0 {
			t.Errorf("%s + run: %.4f allocations per task, want 0", what, per)
		}
	})
}

func TestSpawnAllocatesAtMostTheJoinHandle(t *testing.T) {
	if raceEnabled {
		t.Skip("sync.Pool drops items at random under -race: allocation counts mean nothing")
	}
	flavors(t, func(t *testing.T, opts ...weft.Option) {
		rt := newRuntime(t, opts...)
		ctx := context.Background()
		hs := make([]*task.JoinHandle[int], 0, allocTasks)
		t.Run("from-outside", func(t *testing.T) {
			per := allocsPerItem(allocTasks, func(n int) {
				hs = hs[:0]
				for i := range n {
					hs = append(hs, weft.Spawn(rt, future.Ready(i)))
				}
				a := &awaitAll{hs: hs}
				if _, err := weft.BlockOn(ctx, rt, a); err != nil || a.err != nil {
					t.Fatalf("BlockOn: %v, task error %v", err, a.err)
				}
			})
			if per > 1 {
				t.Errorf("spawn from outside + join: %.3f allocations per task, want ≤ 1 (the JoinHandle)", per)
			}
		})
		t.Run("in-task", func(t *testing.T) {
			per := allocsPerItem(allocTasks, func(n int) {
				s := &spawnJoinInTask{n: n, all: awaitAll{hs: hs[:0]}}
				if _, err := weft.BlockOn(ctx, rt, s); err != nil || s.all.err != nil {
					t.Fatalf("BlockOn: %v, task error %v", err, s.all.err)
				}
			})
			if per > 1 {
				t.Errorf("spawn in a task + join: %.3f allocations per task, want ≤ 1 (the JoinHandle)", per)
			}
		})
	})
}

func TestSpawnDetachedAndRunAllocateNothing(t *testing.T) {
	assertSpawnAndRunAllocateNothing(t, "SpawnDetached", func(cx *future.Context, rem *atomic.Int64) {
		weft.SpawnDetached(cx, countDownTask{rem: rem})
	})
}

func TestYieldAllocatesNothing(t *testing.T) {
	if raceEnabled {
		t.Skip("sync.Pool drops items at random under -race: allocation counts mean nothing")
	}
	flavors(t, func(t *testing.T, opts ...weft.Option) {
		rt := newRuntime(t, opts...)
		ctx := context.Background()
		const tasks = 10
		per := allocsPerItem(1000, func(yields int) {
			a := &awaitAll{}
			for range tasks {
				a.hs = append(a.hs, weft.Spawn(rt, &yielder{n: yields}))
			}
			if _, err := weft.BlockOn(ctx, rt, a); err != nil || a.err != nil {
				t.Fatalf("BlockOn: %v, task error %v", err, a.err)
			}
		})
		if per != 0 {
			t.Errorf("%.4f allocations per %d yields (one per task), want 0", per, tasks)
		}
	})
}
