package semaphore_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/weftrt/weft/future"
	"github.com/weftrt/weft/internal/semaphore"
)

// TestStressPermitConservation hammers one semaphore from many goroutines
// that acquire 1–3 permits by waiting (future.Block), by trying, or by
// polling once and abandoning the wait. The permits in use never exceed the
// total, no wake-up is lost (a lost one hangs Block), and at the end every
// permit is back and the queue is empty.
func TestStressPermitConservation(t *testing.T) {
	const total = 5
	goroutines, iters := 16, 2000
	if testing.Short() {
		iters = 200
	}
	s := semaphore.New(total)
	var inUse atomic.Int64
	var over atomic.Int64
	use := func(k int64) {
		if v := inUse.Add(k); v > total {
			over.Store(v)
		}
		inUse.Add(-k)
		s.Release(k)
	}
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			sig := future.NewSignal()
			cx := future.NewContext(sig.Waker())
			var f semaphore.AcquireFuture
			for i := range iters {
				k := int64(1 + (g+i)%3)
				switch (g + i) % 4 {
				case 0, 1:
					f.Reset(s, k)
					if out, err := future.Block(context.Background(), &f); out != nil || err != nil {
						t.Error(out, err)
						return
					}
					use(k)
				case 2:
					if s.TryAcquire(k) == nil {
						use(k)
					}
				case 3:
					// Abandon a wait that may already have been assigned part
					// (or all) of its permits.
					f.Reset(s, k)
					if _, ok := f.Poll(cx); ok {
						f.Drop()
						use(k)
						continue
					}
					f.Drop()
					select {
					case <-sig.C():
					default:
					}
				}
			}
		})
	}
	wg.Wait()
	if v := over.Load(); v != 0 {
		t.Fatalf("%d permits in use at once, total is %d", v, total)
	}
	if got := s.Available(); got != total {
		t.Fatalf("Available() = %d at the end, want %d", got, total)
	}
	if n := s.Waiters(); n != 0 {
		t.Fatalf("Waiters() = %d at the end", n)
	}
}

// TestStressCloseWakesEveryWaiter closes a semaphore while goroutines wait
// on it: each wait ends (with ErrClosed or with permits), none hangs, and no
// permit is lost.
func TestStressCloseWakesEveryWaiter(t *testing.T) {
	rounds := 200
	if testing.Short() {
		rounds = 20
	}
	for range rounds {
		s := semaphore.New(2)
		var wg sync.WaitGroup
		var got atomic.Int64
		for g := range 8 {
			wg.Go(func() {
				k := int64(1 + g%2)
				err, _ := future.Block(context.Background(), s.Acquire(k))
				if err == nil {
					got.Add(k)
					s.Release(k)
				} else if err != semaphore.ErrClosed {
					t.Errorf("acquire = %v", err)
				}
			})
		}
		s.Close()
		wg.Wait()
		if s.Available() != 2 {
			t.Fatalf("Available() = %d after close, want 2", s.Available())
		}
	}
}
