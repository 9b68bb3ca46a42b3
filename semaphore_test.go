package weft_test

// Behaviour cases ported from tokio tests/sync_semaphore.rs and
// sync_semaphore_owned.rs, then fairness, drop, close and stress cases of
// our own. The queueing rules themselves are tested in internal/semaphore.

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/weftrt/weft"
	"github.com/weftrt/weft/future"
	"github.com/weftrt/weft/internal/mocktask"
)

type semTask = mocktask.Task[future.Result[*weft.SemaphorePermit]]

func semSpawn(s *weft.Semaphore, n int) *semTask {
	return mocktask.Spawn[future.Result[*weft.SemaphorePermit]](s.Acquire(n))
}

func semReady(t *testing.T, task *semTask) *weft.SemaphorePermit {
	t.Helper()
	r, ok := task.Poll()
	if !ok {
		t.Fatal("acquire pending, want ready")
	}
	if r.Err != nil {
		t.Fatalf("acquire failed: %v", r.Err)
	}
	return r.Value
}

func semPending(t *testing.T, task *semTask) {
	t.Helper()
	if _, ok := task.Poll(); ok {
		t.Fatal("acquire ready, want pending")
	}
}

func semAvailable(t *testing.T, s *weft.Semaphore, want int) {
	t.Helper()
	if got := s.Available(); got != want {
		t.Fatalf("Available() = %d, want %d", got, want)
	}
}

func TestSemaphoreWithNoPermits(t *testing.T) {
	s := weft.NewSemaphore(0)
	semAvailable(t, s, 0)
	var zero weft.Semaphore // the zero Semaphore is usable
	zero.AddPermits(1)
	p, err := zero.TryAcquire(1)
	if err != nil {
		t.Fatal(err)
	}
	p.Release()
}

func TestSemaphoreTryAcquire(t *testing.T) {
	s := weft.NewSemaphore(1)
	p1, err := s.TryAcquire(1)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.TryAcquire(1); !errors.Is(err, weft.ErrNoPermits) {
		t.Fatalf("TryAcquire = %v, want ErrNoPermits", err)
	}
	p1.Release()
	p3, err := s.TryAcquire(1)
	if err != nil {
		t.Fatal(err)
	}
	p3.Release()
}

func TestSemaphoreTryAcquireMany(t *testing.T) {
	s := weft.NewSemaphore(42)
	p1, err := s.TryAcquire(42)
	if err != nil || p1.Num() != 42 {
		t.Fatalf("TryAcquire(42) = %v, %v", p1, err)
	}
	if _, err := s.TryAcquire(10); err == nil {
		t.Fatal("TryAcquire with no permits succeeded")
	}
	p1.Release()
	p3, err := s.TryAcquire(32)
	if err != nil {
		t.Fatal(err)
	}
	p4, err := s.TryAcquire(10)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.TryAcquire(1); err == nil {
		t.Fatal("TryAcquire beyond the total succeeded")
	}
	p3.Release()
	p4.Release()
}

func TestSemaphoreAcquireWaitsForRelease(t *testing.T) {
	s := weft.NewSemaphore(1)
	p1, _ := s.TryAcquire(1)
	done := make(chan error)
	go func() {
		p, err := s.BlockingAcquire(context.Background(), 1)
		if err == nil {
			p.Release()
		}
		done <- err
	}()
	p1.Release()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

func TestSemaphoreAddPermitsWakesWaiter(t *testing.T) {
	s := weft.NewSemaphore(0)
	a := semSpawn(s, 1)
	semPending(t, a)
	s.AddPermits(1)
	if !a.IsWoken() {
		t.Fatal("AddPermits did not wake the waiter")
	}
	semReady(t, a).Release()
}

func TestSemaphoreAddPermitsOpenAndClosed(t *testing.T) {
	for _, closed := range []bool{false, true} {
		for size := range 4 {
			for add := range 4 {
				s := weft.NewSemaphore(size)
				if closed {
					s.Close()
				}
				s.AddPermits(add)
				semAvailable(t, s, size+add)
				if s.IsClosed() != closed {
					t.Fatalf("IsClosed() = %v", s.IsClosed())
				}
			}
		}
	}
}

func TestSemaphorePermitForget(t *testing.T) {
	s := weft.NewSemaphore(1)
	p, _ := s.TryAcquire(1)
	semAvailable(t, s, 0)
	p.Forget()
	semAvailable(t, s, 0)
	if _, err := s.TryAcquire(1); err == nil {
		t.Fatal("a forgotten permit came back")
	}
	syncMustPanic(t, "after Release or Forget", p.Release)
}

func TestSemaphoreForgetPermitsOpenAndClosed(t *testing.T) {
	for _, closed := range []bool{false, true} {
		for size := range 4 {
			for sub := range 4 {
				s := weft.NewSemaphore(size)
				if closed {
					s.Close()
				}
				got := s.ForgetPermits(sub)
				expected := max(size-sub, 0)
				semAvailable(t, s, expected)
				if got != size-expected {
					t.Fatalf("case %d-%d: ForgetPermits = %d", size, sub, got)
				}
				if s.IsClosed() != closed {
					t.Fatal("ForgetPermits changed the closed flag")
				}
			}
		}
	}
}

func TestSemaphorePermitMerge(t *testing.T) {
	s := weft.NewSemaphore(3)
	p1, _ := s.TryAcquire(1)
	semAvailable(t, s, 2)
	p2, _ := s.TryAcquire(2)
	semAvailable(t, s, 0)
	p1.Merge(p2)
	if p1.Num() != 3 {
		t.Fatalf("merged Num() = %d", p1.Num())
	}
	semAvailable(t, s, 0)
	syncMustPanic(t, "after Release or Forget", p2.Release)
	p1.Release()
	semAvailable(t, s, 3)
}

func TestSemaphorePermitMergeOfUnrelatedPermitsPanics(t *testing.T) {
	s1, s2 := weft.NewSemaphore(3), weft.NewSemaphore(3)
	p1, _ := s1.TryAcquire(1)
	p2, _ := s2.TryAcquire(1)
	syncMustPanic(t, "different semaphores", func() { p1.Merge(p2) })
}

func TestSemaphorePermitSplit(t *testing.T) {
	s := weft.NewSemaphore(5)
	p1, _ := s.TryAcquire(3)
	semAvailable(t, s, 2)
	p2, ok := p1.Split(1)
	if !ok || p1.Num() != 2 || p2.Num() != 1 {
		t.Fatalf("Split(1): ok %v, %d and %d", ok, p1.Num(), p2.Num())
	}
	semAvailable(t, s, 2)
	p3, ok := p1.Split(0)
	if !ok || p3.Num() != 0 {
		t.Fatal("Split(0) failed")
	}
	p1.Release()
	semAvailable(t, s, 4)
	p4, _ := p2.Split(1)
	if p2.Num() != 0 || p4.Num() != 1 {
		t.Fatal("Split(1) of 1")
	}
	if _, ok := p2.Split(1); ok {
		t.Fatal("Split beyond Num succeeded")
	}
	p2.Release()
	semAvailable(t, s, 4)
	p3.Release()
	semAvailable(t, s, 4)
	p4.Release()
	semAvailable(t, s, 5)
}

func TestSemaphoreMaxPermits(t *testing.T) {
	s := weft.NewSemaphore(0)
	s.AddPermits(weft.MaxSemaphorePermits)
	semAvailable(t, s, weft.MaxSemaphorePermits)

	s = weft.NewSemaphore(weft.MaxSemaphorePermits - 1)
	s.AddPermits(1)
	syncMustPanic(t, "exceed MaxPermits", func() { s.AddPermits(1) })

	s = weft.NewSemaphore(1)
	syncMustPanic(t, "exceed MaxPermits", func() { s.AddPermits(weft.MaxSemaphorePermits) })

	syncMustPanic(t, "weft: Semaphore.NewSemaphore of", func() { weft.NewSemaphore(weft.MaxSemaphorePermits + 1) })
	syncMustPanic(t, "weft: Semaphore.NewSemaphore of -1", func() { weft.NewSemaphore(-1) })
	syncMustPanic(t, "weft: Semaphore.Acquire of -2", func() { s.Acquire(-2) }) //weftvet:ignore panics before it returns a future
	syncMustPanic(t, "weft: Semaphore.AddPermits of -1", func() { s.AddPermits(-1) })
}

func TestSemaphoreBlockingAcquire(t *testing.T) {
	s := weft.NewSemaphore(5)
	p, err := s.BlockingAcquire(context.Background(), 3)
	if err != nil {
		t.Fatal(err)
	}
	semAvailable(t, s, 2)
	p.Release()
	semAvailable(t, s, 5)
}

func TestSemaphoreBlockingAcquireWaitsForPermit(t *testing.T) {
	s := weft.NewSemaphore(0)
	done := make(chan struct{})
	go func() {
		defer close(done)
		p, err := s.BlockingAcquire(context.Background(), 1)
		if err != nil {
			t.Error(err)
			return
		}
		p.Release()
	}()
	s.AddPermits(1)
	<-done
	semAvailable(t, s, 1)
}

func TestSemaphoreBlockingAcquireClosed(t *testing.T) {
	s := weft.NewSemaphore(1)
	s.Close()
	for _, n := range []int{1, 2} {
		if _, err := s.BlockingAcquire(context.Background(), n); !errors.Is(err, weft.ErrSemaphoreClosed) {
			t.Fatalf("BlockingAcquire(%d) on closed = %v", n, err)
		}
	}
}

func TestSemaphoreCloseWakesWaitersWithErrSemaphoreClosed(t *testing.T) {
	s := weft.NewSemaphore(0)
	a := semSpawn(s, 1)
	semPending(t, a)
	s.Close()
	if !a.IsWoken() {
		t.Fatal("Close did not wake the waiter")
	}
	r, ok := a.Poll()
	if !ok || !errors.Is(r.Err, weft.ErrSemaphoreClosed) || r.Value != nil {
		t.Fatalf("after Close: %v, %v", r, ok)
	}
	if _, err := s.TryAcquire(0); !errors.Is(err, weft.ErrSemaphoreClosed) {
		t.Fatalf("TryAcquire after Close = %v", err)
	}
}

func TestSemaphoreLargeAcquireIsNotStarved(t *testing.T) {
	s := weft.NewSemaphore(4)
	var held []*weft.SemaphorePermit
	for range 4 {
		p, _ := s.TryAcquire(1)
		held = append(held, p)
	}
	big := semSpawn(s, 4)
	semPending(t, big)
	// Small requests keep coming while permits trickle back; none of them
	// may get a permit before the big one is served.
	var small []*semTask
	for _, p := range held {
		a := semSpawn(s, 1)
		semPending(t, a)
		small = append(small, a)
		p.Release()
	}
	if !big.IsWoken() {
		t.Fatal("the big request was not served")
	}
	for _, a := range small {
		if a.IsWoken() {
			t.Fatal("a later small request overtook the big one")
		}
	}
	semReady(t, big).Release()
	for _, a := range small {
		semReady(t, a).Release()
	}
	semAvailable(t, s, 4)
}

func TestSemaphoreDroppedAcquireLeavesNothingBehind(t *testing.T) {
	s := weft.NewSemaphore(2)
	a := semSpawn(s, 5) // takes the 2, waits for 3 more
	semPending(t, a)
	semAvailable(t, s, 0)
	b := semSpawn(s, 1)
	semPending(t, b)
	a.Drop()
	if !b.IsWoken() {
		t.Fatal("the permits of the dropped request did not reach the next one")
	}
	semReady(t, b).Release()
	semAvailable(t, s, 2)
}

func TestSemaphoreAcquireIsFusedAndDropAfterCompletionKeepsThePermit(t *testing.T) {
	s := weft.NewSemaphore(1)
	f := s.Acquire(1)
	cx := syncNoopCx()
	r1, _ := f.Poll(cx)
	r2, ok := f.Poll(cx)
	if !ok || r1.Value != r2.Value {
		t.Fatal("not fused")
	}
	f.Drop()
	semAvailable(t, s, 0)
	r1.Value.Release()
	semAvailable(t, s, 1)
}

func TestSemaphoreAcquireString(t *testing.T) {
	s := weft.NewSemaphore(0)
	cx := syncNoopCx()
	a, b := s.Acquire(2), s.Acquire(3)
	a.Poll(cx)
	b.Poll(cx)
	if got := b.String(); got != "Semaphore.Acquire(3) (1 waiters ahead)" {
		t.Fatalf("String = %q", got)
	}
	s.Close()
	a.Poll(cx)
	if got := a.String(); got != "Semaphore.Acquire(2) (semaphore closed)" {
		t.Fatalf("String = %q", got)
	}
	a.Drop()
	b.Drop()
}

func TestSemaphoreAcquirePollDoesNotAllocate(t *testing.T) {
	s := weft.NewSemaphore(0)
	f := s.Acquire(1)
	cx := syncNoopCx()
	f.Poll(cx)
	if a := testing.AllocsPerRun(100, func() { f.Poll(cx) }); a != 0 {
		t.Fatalf("re-polling a waiting acquire allocates %v times", a)
	}
	f.Drop()
}

// TestSemaphoreStressPermitConservation is tokio's stress_test on goroutines,
// with waits that are abandoned and requests of several sizes: at most 5
// permits are ever in use, and all 5 are back at the end.
func TestSemaphoreStressPermitConservation(t *testing.T) {
	const total = 5
	goroutines, iters := 10, 1000
	if testing.Short() {
		iters = 100
	}
	s := weft.NewSemaphore(total)
	var inUse, maxSeen atomic.Int64
	use := func(p *weft.SemaphorePermit) {
		v := inUse.Add(int64(p.Num()))
		for {
			m := maxSeen.Load()
			if v <= m || maxSeen.CompareAndSwap(m, v) {
				break
			}
		}
		inUse.Add(-int64(p.Num()))
		p.Release()
	}
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			cx := syncNoopCx()
			for i := range iters {
				n := 1 + (g+i)%total
				switch (g + i) % 3 {
				case 0:
					r, err := future.Block(context.Background(), s.Acquire(n))
					if err != nil || r.Err != nil {
						t.Error(err, r.Err)
						return
					}
					use(r.Value)
				case 1:
					p, err := s.BlockingAcquire(context.Background(), n)
					if err != nil {
						t.Error(err)
						return
					}
					use(p)
				case 2:
					f := s.Acquire(n)
					if r, ok := f.Poll(cx); ok {
						use(r.Value)
					}
					f.Drop()
				}
			}
		})
	}
	wg.Wait()
	if m := maxSeen.Load(); m > total {
		t.Fatalf("%d permits in use at once, total %d", m, total)
	}
	semAvailable(t, s, total)
	p, err := s.TryAcquire(total)
	if err != nil {
		t.Fatalf("could not take all %d permits at the end: %v", total, err)
	}
	p.Release()
}

func TestSemaphoreErrorsHaveThePackagePrefix(t *testing.T) {
	for _, err := range []error{weft.ErrSemaphoreClosed, weft.ErrNoPermits} {
		if s := fmt.Sprint(err); s[:6] != "weft: " {
			t.Fatalf("error %q lacks the weft: prefix", s)
		}
	}
}

func TestSemaphoreAcquireResetReusesTheFuture(t *testing.T) {
	s := weft.NewSemaphore(2)
	cx := syncNoopCx()
	var f weft.SemaphoreAcquireFuture
	f.Reset(s, 2)
	r, _ := f.Poll(cx)
	syncMustPanic(t, "weft: SemaphoreAcquireFuture.Reset while its permit is held", func() { f.Reset(s, 1) })
	r.Value.Release()
	if a := testing.AllocsPerRun(100, func() {
		f.Reset(s, 1)
		r, ok := f.Poll(cx)
		if !ok || r.Err != nil {
			t.Fatal("acquire failed")
		}
		r.Value.Release()
	}); a != 0 {
		t.Fatalf("Reset+Poll+Release allocates %v times", a)
	}
	semAvailable(t, s, 2)
}
