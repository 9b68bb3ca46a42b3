package weft_test

// Behaviour cases ported from tokio tests/sync_mutex.rs, then fairness, drop,
// misuse, budget, allocation and stress cases of our own.

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

type mutexTask = mocktask.Task[*weft.MutexGuard[int]]

func mutexSpawn(m *weft.Mutex[int]) *mutexTask {
	return mocktask.Spawn[*weft.MutexGuard[int]](m.Lock())
}

func mutexReady(t *testing.T, task *mutexTask) *weft.MutexGuard[int] {
	t.Helper()
	g, ok := task.Poll()
	if !ok {
		t.Fatal("lock pending, want ready")
	}
	return g
}

func mutexPending(t *testing.T, task *mutexTask) {
	t.Helper()
	if _, ok := task.Poll(); ok {
		t.Fatal("lock ready, want pending")
	}
}

func TestMutexStraightExecution(t *testing.T) {
	m := weft.NewMutex(100)
	g := mutexReady(t, mutexSpawn(m))
	if g.Get() != 100 {
		t.Fatalf("Get() = %d", g.Get())
	}
	g.Set(99)
	g.Unlock()
	g = mutexReady(t, mutexSpawn(m))
	if g.Get() != 99 {
		t.Fatalf("Get() = %d", g.Get())
	}
	*g.Ptr() = 98
	g.Unlock()
	g = mutexReady(t, mutexSpawn(m))
	if g.Get() != 98 {
		t.Fatalf("Get() = %d", g.Get())
	}
	g.Unlock()
}

func TestMutexUnlockWakesTheWaiter(t *testing.T) {
	m := weft.NewMutex(100)
	t1, t2 := mutexSpawn(m), mutexSpawn(m)
	g := mutexReady(t, t1)
	mutexPending(t, t2)
	g.Unlock()
	if !t2.IsWoken() {
		t.Fatal("Unlock did not wake the waiter")
	}
	mutexReady(t, t2).Unlock()
}

func TestMutexAbortedWaiterLeavesTheLockFree(t *testing.T) {
	// tokio aborted_future_2: a lock future dropped while it waits holds
	// nothing afterwards.
	m := weft.NewMutex(0)
	g := mutexReady(t, mutexSpawn(m))
	w := mutexSpawn(m)
	mutexPending(t, w)
	w.Drop()
	g.Unlock()
	g2, ok := m.TryLock()
	if !ok {
		t.Fatal("the mutex is still locked after the waiter was dropped")
	}
	g2.Unlock()
}

func TestMutexDroppedWaiterThatWasHandedTheLockPassesItOn(t *testing.T) {
	m := weft.NewMutex(0)
	g := mutexReady(t, mutexSpawn(m))
	w1, w2 := mutexSpawn(m), mutexSpawn(m)
	mutexPending(t, w1)
	mutexPending(t, w2)
	g.Unlock() // hands the lock to w1
	w1.Drop()  // w1 never sees it
	if !w2.IsWoken() {
		t.Fatal("the lock was lost with the dropped waiter")
	}
	mutexReady(t, w2).Unlock()
}

func TestMutexTryLock(t *testing.T) {
	m := weft.NewMutex(0)
	g1, ok := m.TryLock()
	if !ok {
		t.Fatal("TryLock on a free mutex failed")
	}
	if _, ok := m.TryLock(); ok {
		t.Fatal("TryLock on a held mutex succeeded")
	}
	g1.Unlock()
	g3, ok := m.TryLock()
	if !ok {
		t.Fatal("TryLock after Unlock failed")
	}
	g3.Unlock()
}

func TestMutexTryLockDoesNotOvertakeAWaiter(t *testing.T) {
	m := weft.NewMutex(0)
	g := mutexReady(t, mutexSpawn(m))
	w := mutexSpawn(m)
	mutexPending(t, w)
	g.Unlock()
	if _, ok := m.TryLock(); ok {
		t.Fatal("TryLock took the lock from the queued waiter")
	}
	mutexReady(t, w).Unlock()
}

func TestMutexIsFIFO(t *testing.T) {
	m := weft.NewMutex(0)
	g := mutexReady(t, mutexSpawn(m))
	var ws []*mutexTask
	for range 5 {
		w := mutexSpawn(m)
		mutexPending(t, w)
		ws = append(ws, w)
	}
	for i, w := range ws {
		g.Unlock()
		for j, other := range ws[i+1:] {
			if other.IsWoken() {
				t.Fatalf("waiter %d woken before waiter %d", i+1+j, i)
			}
		}
		if !w.IsWoken() {
			t.Fatalf("waiter %d not woken in turn", i)
		}
		g = mutexReady(t, w)
	}
	g.Unlock()
}

func TestMutexDoubleUnlockPanics(t *testing.T) {
	m := weft.NewMutex(0)
	g, _ := m.TryLock()
	g.Unlock()
	syncMustPanic(t, "weft: Unlock of an already unlocked MutexGuard", g.Unlock)
	// The failed Unlock released nothing: there is still exactly one permit.
	g2, ok := m.TryLock()
	if !ok {
		t.Fatal("mutex not free")
	}
	if _, ok := m.TryLock(); ok {
		t.Fatal("double Unlock added a second permit")
	}
	g2.Unlock()
}

func TestMutexGuardUseAfterUnlockPanics(t *testing.T) {
	m := weft.NewMutex(0)
	g, _ := m.TryLock()
	g.Unlock()
	syncMustPanic(t, "after Unlock", func() { g.Get() })
	syncMustPanic(t, "after Unlock", func() { g.Set(1) })
	syncMustPanic(t, "after Unlock", func() { g.Ptr() })
}

func TestMutexLockFutureIsFusedAndDropAfterCompletionKeepsTheLock(t *testing.T) {
	m := weft.NewMutex(0)
	f := m.Lock()
	cx := syncNoopCx()
	g1, _ := f.Poll(cx)
	g2, ok := f.Poll(cx)
	if !ok || g1 != g2 {
		t.Fatal("a completed lock future did not return the same guard")
	}
	f.Drop()
	if _, ok := m.TryLock(); ok {
		t.Fatal("dropping the completed future released the lock")
	}
	g1.Unlock()
}

func TestMutexBlockingLock(t *testing.T) {
	m := weft.NewMutex(0)
	g, _ := m.BlockingLock(context.Background())
	done := make(chan int)
	go func() {
		g, _ := m.BlockingLock(context.Background())
		v := g.Get()
		g.Unlock()
		done <- v
	}()
	g.Set(7)
	g.Unlock()
	if v := <-done; v != 7 {
		t.Fatalf("the blocked goroutine saw %d, want 7", v)
	}
}

func TestMutexExhaustedBudgetYields(t *testing.T) {
	m := weft.NewMutex(0)
	w := mutexSpawn(m)
	w.SetBudget(0)
	mutexPending(t, w)
	if !w.IsWoken() {
		t.Fatal("a budget-forced yield must wake the task")
	}
	g, ok := m.TryLock()
	if !ok {
		t.Fatal("a budget-forced yield took the lock")
	}
	g.Unlock()
	w.SetBudget(1)
	mutexReady(t, w).Unlock()
}

func TestMutexLockAllocatesOnceAndPollNever(t *testing.T) {
	m := weft.NewMutex(0)
	cx := syncNoopCx()
	if a := testing.AllocsPerRun(100, func() {
		g, _ := m.Lock().Poll(cx)
		g.Unlock()
	}); a != 1 {
		t.Fatalf("uncontended Lock+Unlock allocates %v times, want 1 (the future)", a)
	}
	g, _ := m.TryLock()
	f := m.Lock()
	f.Poll(cx)
	if a := testing.AllocsPerRun(100, func() { f.Poll(cx) }); a != 0 {
		t.Fatalf("re-polling a waiting lock allocates %v times", a)
	}
	f.Drop()
	g.Unlock()
}

func TestMutexLockStringSaysWhereItWaits(t *testing.T) {
	m := weft.NewMutex(0)
	g, _ := m.TryLock()
	cx := syncNoopCx()
	var fs []*weft.MutexLockFuture[int]
	for range 4 {
		f := m.Lock()
		f.Poll(cx)
		fs = append(fs, f)
	}
	if s := fs[3].String(); s != "Mutex.Lock (3 waiters ahead)" {
		t.Fatalf("String = %q", s)
	}
	if s := fs[0].String(); !strings.Contains(s, "first in line") {
		t.Fatalf("String = %q", s)
	}
	for _, f := range fs {
		f.Drop()
	}
	g.Unlock()
}

// TestMutexStressMutualExclusion has goroutines take the lock by
// BlockingLock, by future.Block, by TryLock, and by polling once and then
// abandoning the wait. Inside the lock they do a non-atomic increment (the
// race detector flags any overlap) and count holders. At the end the count is
// exact and the lock is free with nobody queued.
func TestMutexStressMutualExclusion(t *testing.T) {
	goroutines, iters := 8, 2000
	if testing.Short() {
		iters = 200
	}
	m := weft.NewMutex(0)
	var holders, overlap, increments atomic.Int64
	critical := func(g *weft.MutexGuard[int]) {
		if holders.Add(1) != 1 {
			overlap.Add(1)
		}
		*g.Ptr()++
		increments.Add(1)
		holders.Add(-1)
		g.Unlock()
	}
	var wg sync.WaitGroup
	for id := range goroutines {
		wg.Go(func() {
			sig := future.NewSignal()
			cx := future.NewContext(sig.Waker())
			for i := range iters {
				switch (id + i) % 4 {
				case 0:
					g, err := m.BlockingLock(context.Background())
					if err != nil {
						t.Error(err)
						return
					}
					critical(g)
				case 1:
					g, err := future.Block(context.Background(), m.Lock())
					if err != nil {
						t.Error(err)
						return
					}
					critical(g)
				case 2:
					if g, ok := m.TryLock(); ok {
						critical(g)
					}
				case 3:
					f := m.Lock()
					if g, ok := f.Poll(cx); ok {
						critical(g)
					}
					f.Drop() // abandons the wait, or does nothing if it completed
				}
			}
		})
	}
	wg.Wait()
	if overlap.Load() != 0 {
		t.Fatalf("%d overlapping critical sections", overlap.Load())
	}
	g, ok := m.TryLock()
	if !ok {
		t.Fatal("the mutex is held or queued for at the end")
	}
	if got := int64(g.Get()); got != increments.Load() {
		t.Fatalf("value %d, want %d increments", got, increments.Load())
	}
	g.Unlock()
}

func TestMutexLockFutureResetLocksAgainWithoutAllocating(t *testing.T) {
	m := weft.NewMutex(0)
	cx := syncNoopCx()
	var f weft.MutexLockFuture[int] // embedded by value in a caller's future
	if a := testing.AllocsPerRun(100, func() {
		f.Reset(m)
		g, ok := f.Poll(cx)
		if !ok {
			t.Fatal("pending")
		}
		*g.Ptr()++
		g.Unlock()
	}); a != 0 {
		t.Fatalf("Reset+Poll+Unlock allocates %v times", a)
	}
	if g, _ := m.TryLock(); g.Get() != 101 { // AllocsPerRun runs once more to warm up
		t.Fatalf("value %d, want 101", g.Get())
	} else {
		g.Unlock()
	}
}

func TestMutexLockFutureResetMisusePanics(t *testing.T) {
	m := weft.NewMutex(0)
	cx := syncNoopCx()
	var f weft.MutexLockFuture[int]
	f.Reset(m)
	g, _ := f.Poll(cx)
	syncMustPanic(t, "weft: MutexLockFuture.Reset while its guard is locked", func() { f.Reset(m) })
	var w weft.MutexLockFuture[int]
	w.Reset(m)
	w.Poll(cx) // waits behind g
	syncMustPanic(t, "waiting", func() { w.Reset(m) })
	w.Drop()
	w.Reset(m) // a dropped future may be reset
	g.Unlock()
	if g2, ok := w.Poll(cx); !ok {
		t.Fatal("reset future did not lock")
	} else {
		g2.Unlock()
	}
}
