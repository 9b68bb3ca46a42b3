package weft_test

// Behaviour cases ported from tokio tests/sync_barrier.rs, then drop,
// budget, allocation and stress cases of our own.

import (
	"context"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/weftrt/weft"
	"github.com/weftrt/weft/future"
	"github.com/weftrt/weft/internal/mocktask"
)

type barrierTask = mocktask.Task[weft.BarrierWaitResult]

func barrierSpawn(b *weft.Barrier) *barrierTask {
	return mocktask.Spawn[weft.BarrierWaitResult](b.Wait())
}

func barrierReady(t *testing.T, task *barrierTask) weft.BarrierWaitResult {
	t.Helper()
	r, ok := task.Poll()
	if !ok {
		t.Fatal("barrier wait pending, want ready")
	}
	return r
}

func barrierPending(t *testing.T, task *barrierTask) {
	t.Helper()
	if _, ok := task.Poll(); ok {
		t.Fatal("barrier wait ready, want pending")
	}
}

func TestBarrierOfZeroDoesNotBlock(t *testing.T) {
	b := weft.NewBarrier(0)
	for range 2 {
		if !barrierReady(t, barrierSpawn(b)).IsLeader() {
			t.Fatal("the only waiter is not the leader")
		}
	}
	if b.Size() != 1 {
		t.Fatalf("Size() = %d, want 1", b.Size())
	}
}

func TestBarrierOfOneMakesEveryWaiterLeader(t *testing.T) {
	b := weft.NewBarrier(1)
	for range 3 {
		if !barrierReady(t, barrierSpawn(b)).IsLeader() {
			t.Fatal("not the leader")
		}
	}
}

func TestBarrierOfTwoReleasesBothWithOneLeader(t *testing.T) {
	b := weft.NewBarrier(2)
	w1 := barrierSpawn(b)
	barrierPending(t, w1)
	w2 := barrierSpawn(b)
	r2 := barrierReady(t, w2)
	if !w1.IsWoken() {
		t.Fatal("the first waiter was not woken")
	}
	r1 := barrierReady(t, w1)
	if r1.IsLeader() == r2.IsLeader() {
		t.Fatalf("leaders: %v and %v, want exactly one", r1.IsLeader(), r2.IsLeader())
	}
}

func TestBarrierLotsOfGenerations(t *testing.T) {
	b := weft.NewBarrier(100)
	for range 10 {
		var wait []*barrierTask
		for range 99 {
			w := barrierSpawn(b)
			barrierPending(t, w)
			wait = append(wait, w)
		}
		for _, w := range wait {
			barrierPending(t, w) // polling again does not arrive again
		}
		last := barrierSpawn(b)
		leaders := 0
		if barrierReady(t, last).IsLeader() {
			leaders++
		}
		for _, w := range wait {
			if !w.IsWoken() {
				t.Fatal("a waiter of the generation was not woken")
			}
			if barrierReady(t, w).IsLeader() {
				leaders++
			}
		}
		if leaders != 1 {
			t.Fatalf("%d leaders in one generation", leaders)
		}
	}
}

func TestBarrierDroppedWaiterStillCountsAndLeavesNoEntry(t *testing.T) {
	b := weft.NewBarrier(3)
	w1, w2 := barrierSpawn(b), barrierSpawn(b)
	barrierPending(t, w1)
	barrierPending(t, w2)
	w1.Drop()
	// w1 arrived, so one more arrival completes the generation (Tokio).
	w3 := barrierSpawn(b)
	if !barrierReady(t, w3).IsLeader() {
		t.Fatal("the third arrival is not the leader")
	}
	if !w2.IsWoken() {
		t.Fatal("w2 not woken")
	}
	if barrierReady(t, w2).IsLeader() {
		t.Fatal("two leaders")
	}
	// The next generation starts empty.
	w4 := barrierSpawn(b)
	barrierPending(t, w4)
	w4.Drop()
}

func TestBarrierBudgetForcedYieldDoesNotArrive(t *testing.T) {
	b := weft.NewBarrier(2)
	w1 := barrierSpawn(b)
	w1.SetBudget(0)
	barrierPending(t, w1)
	if !w1.IsWoken() {
		t.Fatal("a budget-forced yield must wake the task")
	}
	w2 := barrierSpawn(b)
	barrierPending(t, w2) // w1 did not arrive, so w2 is the first
	w1.SetBudget(1)
	if !barrierReady(t, w1).IsLeader() {
		t.Fatal("w1 should complete the generation")
	}
	barrierReady(t, w2)
}

func TestBarrierWaitIsFused(t *testing.T) {
	b := weft.NewBarrier(1)
	f := b.Wait()
	cx := syncNoopCx()
	for range 3 {
		r, ok := f.Poll(cx)
		if !ok || !r.IsLeader() {
			t.Fatalf("poll = %v, %v", r, ok)
		}
	}
}

func TestBarrierRepollDoesNotAllocate(t *testing.T) {
	b := weft.NewBarrier(2)
	f := b.Wait()
	cx := syncNoopCx()
	f.Poll(cx)
	if a := testing.AllocsPerRun(100, func() { f.Poll(cx) }); a != 0 {
		t.Fatalf("re-polling a waiting barrier allocates %v times", a)
	}
	f.Drop()
}

func TestBarrierWaitStringSaysWhatItWaitsFor(t *testing.T) {
	b := weft.NewBarrier(3)
	f := b.Wait()
	if s := f.String(); !strings.Contains(s, "not arrived") {
		t.Fatalf("String = %q", s)
	}
	f.Poll(syncNoopCx())
	if s := f.String(); s != "Barrier.Wait (1 of 3 arrived)" {
		t.Fatalf("String = %q", s)
	}
	f.Drop()
}

// TestBarrierStressGenerations runs goroutines through many generations of
// one barrier with future.Block. Every generation has exactly one leader, and
// no goroutine passes the barrier before all of its generation arrived.
func TestBarrierStressGenerations(t *testing.T) {
	const n = 8
	rounds := 500
	if testing.Short() {
		rounds = 50
	}
	b := weft.NewBarrier(n)
	var arrived atomic.Int64
	var leaders atomic.Int64
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			for r := range rounds {
				arrived.Add(1)
				res, err := future.Block(context.Background(), b.Wait())
				if err != nil {
					t.Error(err)
					return
				}
				if got := arrived.Load(); got < int64(n*(r+1)) {
					t.Errorf("round %d: passed the barrier with %d arrivals", r, got)
					return
				}
				if res.IsLeader() {
					leaders.Add(1)
				}
			}
		})
	}
	wg.Wait()
	if got := leaders.Load(); got != int64(rounds) {
		t.Fatalf("%d leaders over %d generations", got, rounds)
	}
}

func TestBarrierWaitResetWaitsAgain(t *testing.T) {
	b := weft.NewBarrier(2)
	cx := syncNoopCx()
	var f weft.BarrierWaitFuture
	f.Reset(b)
	if _, ok := f.Poll(cx); ok {
		t.Fatal("ready alone")
	}
	f.Reset(b) // drops the waiting one: its arrival still counts
	if r, ok := f.Poll(cx); !ok || !r.IsLeader() {
		t.Fatal("the second arrival did not complete the generation")
	}
	f.Reset(b)
	if _, ok := f.Poll(cx); ok {
		t.Fatal("a new generation completed with one arrival")
	}
	f.Drop()
}

func TestBarrierGenerationsDoNotAllocateEvenWhenLarge(t *testing.T) {
	const n = 50 // more waiters than one wake batch holds
	b := weft.NewBarrier(n)
	cx := syncNoopCx()
	fs := make([]weft.BarrierWaitFuture, n)
	leaders := 0
	a := testing.AllocsPerRun(10, func() {
		for i := range fs {
			fs[i].Reset(b)
			fs[i].Poll(cx) // the last one completes the generation
		}
		for i := range fs {
			r, ok := fs[i].Poll(cx)
			if !ok {
				t.Fatalf("waiter %d still pending", i)
			}
			if r.IsLeader() {
				leaders++
			}
		}
	})
	if a != 0 {
		t.Fatalf("a generation of %d allocated %v times", n, a)
	}
	if leaders != 11 {
		t.Fatalf("%d leaders over 11 generations", leaders)
	}
}

func TestBarrierArrivalAfterReleaseStartsANewGeneration(t *testing.T) {
	// Waiters released by a leader complete; an arrival after that waits for
	// the next generation, even if released waiters have not been polled.
	const n = 20
	b := weft.NewBarrier(n)
	var ws []*barrierTask
	for range n - 1 {
		w := barrierSpawn(b)
		barrierPending(t, w)
		ws = append(ws, w)
	}
	barrierReady(t, barrierSpawn(b))
	next := barrierSpawn(b)
	barrierPending(t, next)
	for _, w := range ws {
		barrierReady(t, w)
	}
	barrierPending(t, next)
	next.Drop()
}
