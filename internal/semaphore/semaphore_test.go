package semaphore_test

// Behaviour cases ported from tokio src/sync/tests/semaphore_batch.rs, plus
// fairness, drop and budget cases of our own. Each case polls futures by hand
// with mocktask, so it checks exactly who is woken and when.

import (
	"errors"
	"strings"
	"testing"

	"go.uber.org/goleak"

	"github.com/weftrt/weft/future"
	"github.com/weftrt/weft/internal/mocktask"
	"github.com/weftrt/weft/internal/semaphore"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func spawn(s *semaphore.Semaphore, n int64) *mocktask.Task[error] {
	return mocktask.Spawn[error](s.Acquire(n))
}

func mustReadyOK(t *testing.T, task *mocktask.Task[error]) {
	t.Helper()
	err, ok := task.Poll()
	if !ok {
		t.Fatal("acquire is pending, want ready")
	}
	if err != nil {
		t.Fatalf("acquire failed: %v", err)
	}
}

func mustReadyErr(t *testing.T, task *mocktask.Task[error], want error) {
	t.Helper()
	err, ok := task.Poll()
	if !ok {
		t.Fatal("acquire is pending, want ready")
	}
	if !errors.Is(err, want) {
		t.Fatalf("acquire returned %v, want %v", err, want)
	}
}

func mustPending(t *testing.T, task *mocktask.Task[error]) {
	t.Helper()
	if _, ok := task.Poll(); ok {
		t.Fatal("acquire is ready, want pending")
	}
}

func wantAvailable(t *testing.T, s *semaphore.Semaphore, n int64) {
	t.Helper()
	if got := s.Available(); got != n {
		t.Fatalf("Available() = %d, want %d", got, n)
	}
}

func TestPollAcquireOneAvailable(t *testing.T) {
	s := semaphore.New(100)
	wantAvailable(t, s, 100)
	mustReadyOK(t, spawn(s, 1))
	wantAvailable(t, s, 99)
}

func TestPollAcquireManyAvailable(t *testing.T) {
	s := semaphore.New(100)
	mustReadyOK(t, spawn(s, 5))
	wantAvailable(t, s, 95)
	mustReadyOK(t, spawn(s, 5))
	wantAvailable(t, s, 90)
}

func TestTryAcquireOneAndManyAvailable(t *testing.T) {
	s := semaphore.New(100)
	for i, n := range []int64{1, 1, 5, 5} {
		if err := s.TryAcquire(n); err != nil {
			t.Fatalf("TryAcquire #%d: %v", i, err)
		}
	}
	wantAvailable(t, s, 88)
}

func TestPollAcquireOneUnavailable(t *testing.T) {
	s := semaphore.New(1)
	mustReadyOK(t, spawn(s, 1))
	wantAvailable(t, s, 0)

	a2 := spawn(s, 1)
	mustPending(t, a2)
	wantAvailable(t, s, 0)

	s.Release(1)
	wantAvailable(t, s, 0) // assigned to a2, not made available
	if !a2.IsWoken() {
		t.Fatal("waiter not woken by Release")
	}
	mustReadyOK(t, a2)
	wantAvailable(t, s, 0)

	s.Release(1)
	wantAvailable(t, s, 1)
}

func TestPollAcquireManyUnavailable(t *testing.T) {
	s := semaphore.New(5)
	mustReadyOK(t, spawn(s, 1))
	wantAvailable(t, s, 4)

	a2 := spawn(s, 5)
	mustPending(t, a2)
	wantAvailable(t, s, 0) // a2 took the 4 that were there

	a3 := spawn(s, 3)
	mustPending(t, a3)
	wantAvailable(t, s, 0)

	s.Release(1)
	wantAvailable(t, s, 0)
	if !a2.IsWoken() {
		t.Fatal("a2 not woken once its 5 permits were assigned")
	}
	mustReadyOK(t, a2)
	if a3.IsWoken() {
		t.Fatal("a3 woken with no permits assigned")
	}

	s.Release(1)
	if a3.IsWoken() {
		t.Fatal("a3 woken with 1 of 3 permits")
	}
	wantAvailable(t, s, 0)

	s.Release(2)
	if !a3.IsWoken() {
		t.Fatal("a3 not woken with 3 of 3 permits")
	}
	mustReadyOK(t, a3)
	wantAvailable(t, s, 0)
}

func TestTryAcquireOneUnavailable(t *testing.T) {
	s := semaphore.New(1)
	if err := s.TryAcquire(1); err != nil {
		t.Fatal(err)
	}
	if err := s.TryAcquire(1); !errors.Is(err, semaphore.ErrNoPermits) {
		t.Fatalf("TryAcquire = %v, want ErrNoPermits", err)
	}
	s.Release(1)
	wantAvailable(t, s, 1)
	if err := s.TryAcquire(1); err != nil {
		t.Fatal(err)
	}
	s.Release(1)
	wantAvailable(t, s, 1)
}

func TestTryAcquireManyUnavailable(t *testing.T) {
	s := semaphore.New(5)
	if err := s.TryAcquire(1); err != nil {
		t.Fatal(err)
	}
	if err := s.TryAcquire(5); !errors.Is(err, semaphore.ErrNoPermits) {
		t.Fatalf("TryAcquire(5) = %v, want ErrNoPermits", err)
	}
	wantAvailable(t, s, 4) // a failed TryAcquire takes nothing
	s.Release(1)
	if err := s.TryAcquire(5); err != nil {
		t.Fatal(err)
	}
	s.Release(1)
	s.Release(1)
	wantAvailable(t, s, 2)
}

func TestPollAcquireOneZeroPermits(t *testing.T) {
	s := semaphore.New(0)
	a := spawn(s, 1)
	mustPending(t, a)
	s.Release(1)
	if !a.IsWoken() {
		t.Fatal("not woken")
	}
	mustReadyOK(t, a)
}

func TestAcquireZeroIsReadyEvenBehindWaiters(t *testing.T) {
	s := semaphore.New(0)
	a := spawn(s, 1)
	mustPending(t, a)
	mustReadyOK(t, spawn(s, 0))
	if err := s.TryAcquire(0); err != nil {
		t.Fatalf("TryAcquire(0) = %v", err)
	}
	a.Drop()
}

func TestMaxPermitsDoesNotPanic(t *testing.T) {
	s := semaphore.New(semaphore.MaxPermits)
	wantAvailable(t, s, semaphore.MaxPermits)
	s = semaphore.New(semaphore.MaxPermits - 1)
	s.Release(1)
	wantAvailable(t, s, semaphore.MaxPermits)
}

func mustPanic(t *testing.T, want string, f func()) {
	t.Helper()
	defer func() {
		t.Helper()
		r := recover()
		if r == nil {
			t.Fatalf("no panic, want one containing %q", want)
		}
		if msg, _ := r.(string); !strings.Contains(msg, want) {
			t.Fatalf("panic %v, want one containing %q", r, want)
		}
	}()
	f()
}

func TestOutOfRangeCountsPanicWithClearMessage(t *testing.T) {
	mustPanic(t, "out of range", func() { semaphore.New(semaphore.MaxPermits + 1) })
	mustPanic(t, "out of range", func() { semaphore.New(-1) })
	s := semaphore.New(1)
	mustPanic(t, "out of range", func() { s.Acquire(-1) })                       //weftvet:ignore panics before it returns a future
	mustPanic(t, "out of range", func() { s.Acquire(semaphore.MaxPermits + 1) }) //weftvet:ignore panics before it returns a future
	mustPanic(t, "out of range", func() { _ = s.TryAcquire(-1) })
	mustPanic(t, "negative", func() { s.Release(-1) })
	mustPanic(t, "negative", func() { s.ForgetPermits(-1) })
	mustPanic(t, "exceed MaxPermits", func() { s.Release(semaphore.MaxPermits) })
	wantAvailable(t, s, 1) // the failed Release added nothing
}

func TestSlowPathReleaseServesWaitersThenCountsTheRest(t *testing.T) {
	s := semaphore.New(semaphore.MaxPermits)
	mustReadyOK(t, spawn(s, semaphore.MaxPermits))
	b := spawn(s, 1)
	mustPending(t, b) // the queue is non-empty: Release takes the slow path
	s.Release(semaphore.MaxPermits)
	mustReadyOK(t, b)
	wantAvailable(t, s, semaphore.MaxPermits-1)
	mustPanic(t, "exceed MaxPermits", func() { s.Release(2) })
	wantAvailable(t, s, semaphore.MaxPermits-1)
}

func TestCloseSemaphorePreventsAcquire(t *testing.T) {
	s := semaphore.New(5)
	s.Close()
	if !s.IsClosed() {
		t.Fatal("IsClosed() = false after Close")
	}
	wantAvailable(t, s, 5)
	mustReadyErr(t, spawn(s, 1), semaphore.ErrClosed)
	wantAvailable(t, s, 5)
	if err := s.TryAcquire(1); !errors.Is(err, semaphore.ErrClosed) {
		t.Fatalf("TryAcquire after Close = %v", err)
	}
	wantAvailable(t, s, 5)
}

func TestCloseSemaphoreNotifiesWaiter(t *testing.T) {
	s := semaphore.New(0)
	a := spawn(s, 1)
	mustPending(t, a)
	s.Close()
	if !a.IsWoken() {
		t.Fatal("Close did not wake the waiter")
	}
	mustReadyErr(t, a, semaphore.ErrClosed)
	if s.Waiters() != 0 {
		t.Fatalf("Waiters() = %d after Close", s.Waiters())
	}
}

func TestCloseSemaphoreNotifiesAllWaitersAndCountsLaterReleases(t *testing.T) {
	s := semaphore.New(2)
	mustReadyOK(t, spawn(s, 1))
	mustReadyOK(t, spawn(s, 1))
	a3, a4 := spawn(s, 1), spawn(s, 1)
	mustPending(t, a3)
	mustPending(t, a4)

	s.Close()
	if !a3.IsWoken() || !a4.IsWoken() {
		t.Fatal("Close did not wake every waiter")
	}
	mustReadyErr(t, a3, semaphore.ErrClosed)
	mustReadyErr(t, a4, semaphore.ErrClosed)
	wantAvailable(t, s, 0)

	s.Release(1)
	wantAvailable(t, s, 1)
	mustReadyErr(t, spawn(s, 1), semaphore.ErrClosed)
	s.Release(1)
	wantAvailable(t, s, 2)
}

func TestCloseReturnsPartiallyAssignedPermits(t *testing.T) {
	s := semaphore.New(3)
	a := spawn(s, 5)
	mustPending(t, a) // took 3, misses 2
	s.Close()
	mustReadyErr(t, a, semaphore.ErrClosed)
	wantAvailable(t, s, 3)
}

func TestCloseWinsOverAGrantNotYetPolled(t *testing.T) {
	// Mirrors Tokio: poll checks the closed flag first, so an acquire that was
	// served by Release but polled only after Close fails, and its permits
	// are counted as available again.
	s := semaphore.New(0)
	a := spawn(s, 2)
	mustPending(t, a)
	s.Release(2)
	s.Close()
	mustReadyErr(t, a, semaphore.ErrClosed)
	wantAvailable(t, s, 2)
}

func TestCancelAcquireReleasesPermits(t *testing.T) {
	s := semaphore.New(10)
	if err := s.TryAcquire(4); err != nil {
		t.Fatal(err)
	}
	wantAvailable(t, s, 6)
	a := spawn(s, 8)
	mustPending(t, a)
	wantAvailable(t, s, 0)
	a.Drop()
	wantAvailable(t, s, 6)
	if s.Waiters() != 0 {
		t.Fatalf("Waiters() = %d after drop", s.Waiters())
	}
	if err := s.TryAcquire(6); err != nil {
		t.Fatal(err)
	}
}

func TestDroppedHeadPassesAssignedPermitsToNextWaiter(t *testing.T) {
	s := semaphore.New(0)
	big := spawn(s, 5)
	small := spawn(s, 2)
	mustPending(t, big)
	mustPending(t, small)

	s.Release(3) // all three go to big, which still misses 2
	if big.IsWoken() || small.IsWoken() {
		t.Fatal("woken before any request was met")
	}
	big.Drop()
	if !small.IsWoken() {
		t.Fatal("dropping the head did not pass its permits on")
	}
	mustReadyOK(t, small)
	wantAvailable(t, s, 1)
	if s.Waiters() != 0 {
		t.Fatalf("Waiters() = %d", s.Waiters())
	}
}

func TestDroppedMiddleWaiterKeepsOrder(t *testing.T) {
	s := semaphore.New(0)
	a, b, c := spawn(s, 1), spawn(s, 1), spawn(s, 1)
	mustPending(t, a)
	mustPending(t, b)
	mustPending(t, c)
	b.Drop()
	s.Release(1)
	if !a.IsWoken() || c.IsWoken() {
		t.Fatal("Release(1) did not go to the oldest waiter")
	}
	s.Release(1)
	if !c.IsWoken() {
		t.Fatal("c not woken")
	}
	mustReadyOK(t, a)
	mustReadyOK(t, c)
	wantAvailable(t, s, 0)
}

func TestDroppedGrantedWaiterReturnsPermits(t *testing.T) {
	s := semaphore.New(0)
	a, b := spawn(s, 2), spawn(s, 2)
	mustPending(t, a)
	mustPending(t, b)
	s.Release(2) // a is served but never polls again
	a.Drop()
	if !b.IsWoken() {
		t.Fatal("the permits of a dropped, served waiter did not reach the next one")
	}
	mustReadyOK(t, b)
	wantAvailable(t, s, 0)
}

func TestDropAfterCompletionKeepsPermits(t *testing.T) {
	s := semaphore.New(1)
	f := s.Acquire(1)
	cx := future.NewContext(future.Noop())
	if _, ok := f.Poll(cx); !ok {
		t.Fatal("pending")
	}
	f.Drop()
	f.Drop()
	wantAvailable(t, s, 0)
}

func TestLargeAcquireIsNotStarvedBySmallerLaterOnes(t *testing.T) {
	s := semaphore.New(3)
	if err := s.TryAcquire(3); err != nil {
		t.Fatal(err)
	}
	big := spawn(s, 3)
	mustPending(t, big)
	// A stream of small requests arrives while the big one waits; each
	// Release of one permit must go to the big one, never to them.
	var small []*mocktask.Task[error]
	for range 3 {
		a := spawn(s, 1)
		mustPending(t, a)
		small = append(small, a)
		if err := s.TryAcquire(1); !errors.Is(err, semaphore.ErrNoPermits) {
			t.Fatalf("TryAcquire overtook the queue: %v", err)
		}
		s.Release(1)
	}
	if !big.IsWoken() {
		t.Fatal("big not woken after 3 releases")
	}
	for i, a := range small {
		if a.IsWoken() {
			t.Fatalf("small waiter %d served before the big one", i)
		}
	}
	mustReadyOK(t, big)
	s.Release(3)
	for i, a := range small {
		if !a.IsWoken() {
			t.Fatalf("small waiter %d not woken", i)
		}
		mustReadyOK(t, a)
	}
	wantAvailable(t, s, 0)
}

func TestForgetPermitsBasic(t *testing.T) {
	s := semaphore.New(10)
	if got := s.ForgetPermits(4); got != 4 {
		t.Fatalf("ForgetPermits(4) = %d", got)
	}
	wantAvailable(t, s, 6)
	if got := s.ForgetPermits(10); got != 6 {
		t.Fatalf("ForgetPermits(10) = %d, want 6", got)
	}
	wantAvailable(t, s, 0)
}

func TestUpdatePermitsManyTimes(t *testing.T) {
	s := semaphore.New(5)
	a := spawn(s, 7)
	mustPending(t, a)
	s.Release(5)
	mustReadyOK(t, a)
	wantAvailable(t, s, 3)
	if got := s.ForgetPermits(3); got != 3 {
		t.Fatalf("ForgetPermits(3) = %d", got)
	}
	wantAvailable(t, s, 0)
}

// callbackWaker runs a function when woken.
type callbackWaker struct{ fn func() }

func (w *callbackWaker) Wake(uint64) { w.fn() }

func TestWakerThatUsesTheSemaphoreDoesNotDeadlock(t *testing.T) {
	// Go version of Tokio's release_permits_at_drop: the waker calls back
	// into the semaphore, which only works if nobody wakes with the lock held.
	s := semaphore.New(0)
	f := s.Acquire(1)
	woken := 0
	cb := &callbackWaker{fn: func() {
		woken++
		_ = s.TryAcquire(0)
		_ = s.Waiters()
	}}
	if _, ok := f.Poll(future.NewContext(future.NewWaker(cb))); ok {
		t.Fatal("ready with no permits")
	}
	s.Release(1)
	if woken != 1 {
		t.Fatalf("woken %d times, want 1", woken)
	}
	if err, ok := f.Poll(future.NewContext(future.Noop())); !ok || err != nil {
		t.Fatalf("Poll = %v, %v", err, ok)
	}
}

func TestRepollUpdatesWaker(t *testing.T) {
	s := semaphore.New(0)
	f := s.Acquire(1)
	if _, ok := f.Poll(future.NewContext(future.Noop())); ok {
		t.Fatal("ready")
	}
	// Poll again with the mock task's waker: the new waker must be the one
	// woken.
	task := mocktask.Spawn[error](f)
	mustPending(t, task)
	s.Release(1)
	if !task.IsWoken() {
		t.Fatal("re-poll did not replace the waker")
	}
	mustReadyOK(t, task)
}

func TestExhaustedBudgetYieldsWithoutTakingPermits(t *testing.T) {
	s := semaphore.New(1)
	a := spawn(s, 1)
	a.SetBudget(0)
	if _, ok := a.Poll(); ok {
		t.Fatal("ready with no budget")
	}
	if !a.IsWoken() {
		t.Fatal("a budget-forced yield must wake the task")
	}
	wantAvailable(t, s, 1)
	if s.Waiters() != 0 {
		t.Fatal("a budget-forced yield queued the waiter")
	}
	a.SetBudget(2)
	mustReadyOK(t, a)
	if left, _ := a.Context().Budget(); left != 1 {
		t.Fatalf("budget left %d, want 1 (one unit per completed acquire)", left)
	}
}

func TestPendingPollRefundsBudget(t *testing.T) {
	s := semaphore.New(0)
	a := spawn(s, 1)
	a.SetBudget(5)
	mustPending(t, a)
	mustPending(t, a)
	if left, _ := a.Context().Budget(); left != 5 {
		t.Fatalf("budget left %d after pending polls, want 5", left)
	}
	a.Drop()
}

func TestDescribeSaysWhatItWaitsFor(t *testing.T) {
	s := semaphore.New(0)
	a, b := s.Acquire(1), s.Acquire(1)
	if got := b.Describe("Acquire"); !strings.Contains(got, "not polled") {
		t.Fatalf("Describe before poll = %q", got)
	}
	cx := future.NewContext(future.Noop())
	a.Poll(cx)
	b.Poll(cx)
	if got := a.Describe("Acquire"); !strings.Contains(got, "first in line") {
		t.Fatalf("Describe of head = %q", got)
	}
	if got := b.Describe("Acquire"); !strings.Contains(got, "1 waiters ahead") {
		t.Fatalf("Describe of second = %q", got)
	}
	a.Drop()
	b.Drop()
}

func TestPollDoesNotAllocate(t *testing.T) {
	s := semaphore.New(1)
	cx := future.NewContext(future.Noop())
	var f semaphore.AcquireFuture
	allocs := testing.AllocsPerRun(100, func() {
		f.Reset(s, 1)
		f.Poll(cx)
		s.Release(1)
	})
	if allocs != 0 {
		t.Fatalf("uncontended acquire/release allocates %v times", allocs)
	}
	if err := s.TryAcquire(1); err != nil {
		t.Fatal(err)
	}
	var g semaphore.AcquireFuture
	g.Reset(s, 1)
	g.Poll(cx)
	allocs = testing.AllocsPerRun(100, func() { g.Poll(cx) })
	if allocs != 0 {
		t.Fatalf("re-polling a waiting acquire allocates %v times", allocs)
	}
	allocs = testing.AllocsPerRun(100, func() {
		s.Release(1) // completes g
		g.Poll(cx)
		g.Reset(s, 1)
		g.Poll(cx) // queues again
	})
	if allocs != 0 {
		t.Fatalf("contended release/acquire allocates %v times", allocs)
	}
	g.Drop()
}
