package weft_test

// Behaviour cases ported from tokio tests/sync_rwlock.rs, then fairness,
// drop, misuse and stress cases of our own.

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/weftrt/weft"
	"github.com/weftrt/weft/future"
	"github.com/weftrt/weft/internal/mocktask"
)

type (
	rwReadTask  = mocktask.Task[*weft.RwLockReadGuard[int]]
	rwWriteTask = mocktask.Task[*weft.RwLockWriteGuard[int]]
)

func rwRead(l *weft.RwLock[int]) *rwReadTask {
	return mocktask.Spawn[*weft.RwLockReadGuard[int]](l.Read())
}

func rwWrite(l *weft.RwLock[int]) *rwWriteTask {
	return mocktask.Spawn[*weft.RwLockWriteGuard[int]](l.Write())
}

func rwReady[G any](t *testing.T, task *mocktask.Task[G], what string) G {
	t.Helper()
	g, ok := task.Poll()
	if !ok {
		t.Fatalf("%s: pending, want ready", what)
	}
	return g
}

func rwPending[G any](t *testing.T, task *mocktask.Task[G], what string) {
	t.Helper()
	if _, ok := task.Poll(); ok {
		t.Fatalf("%s: ready, want pending", what)
	}
}

func TestRwLockReadsAreShared(t *testing.T) {
	l := weft.NewRwLock(100)
	g1 := rwReady(t, rwRead(l), "read 1")
	g2 := rwReady(t, rwRead(l), "read 2")
	if g1.Get() != 100 || *g2.Ptr() != 100 {
		t.Fatal("readers see the wrong value")
	}
	g1.Unlock()
	g2.Unlock()
}

func TestRwLockWriteWaitsForReader(t *testing.T) {
	l := weft.NewRwLock(100)
	g := rwReady(t, rwRead(l), "read")
	w := rwWrite(l)
	rwPending(t, w, "write while read held")
	g.Unlock()
	if !w.IsWoken() {
		t.Fatal("the writer was not woken when the reader left")
	}
	rwReady(t, w, "write").Unlock()
}

func TestRwLockReadWaitsForWriter(t *testing.T) {
	l := weft.NewRwLock(100)
	g := rwReady(t, rwWrite(l), "write")
	r := rwRead(l)
	rwPending(t, r, "read while write held")
	g.Unlock()
	if !r.IsWoken() {
		t.Fatal("reader not woken")
	}
	rwReady(t, r, "read").Unlock()
}

func TestRwLockWriteWaitsForWriter(t *testing.T) {
	l := weft.NewRwLock(100)
	g := rwReady(t, rwWrite(l), "write 1")
	w2 := rwWrite(l)
	rwPending(t, w2, "write 2")
	g.Unlock()
	rwReady(t, w2, "write 2").Unlock()
}

func TestRwLockExhaustedReadersWait(t *testing.T) {
	l := weft.NewRwLockWithMaxReaders(100, 1024)
	if l.MaxReaders() != 1024 {
		t.Fatalf("MaxReaders() = %d", l.MaxReaders())
	}
	var reads []*weft.RwLockReadGuard[int]
	for {
		task := rwRead(l)
		g, ok := task.Poll()
		if !ok {
			task.Drop()
			break
		}
		reads = append(reads, g)
	}
	if len(reads) != 1024 {
		t.Fatalf("%d readers admitted, want 1024", len(reads))
	}
	r := rwRead(l)
	rwPending(t, r, "reader 1025")
	reads[len(reads)-1].Unlock()
	if !r.IsWoken() {
		t.Fatal("reader not woken when a slot freed")
	}
	reads[len(reads)-1] = rwReady(t, r, "reader 1025")
	for _, g := range reads {
		g.Unlock()
	}
}

func TestRwLockZeroMaxReadersPanics(t *testing.T) {
	syncMustPanic(t, "weft: an RwLock needs between 1 and MaxRwLockReaders readers", func() {
		weft.NewRwLockWithMaxReaders(100, 0)
	})
	syncMustPanic(t, "MaxRwLockReaders", func() {
		weft.NewRwLockWithMaxReaders(100, weft.MaxRwLockReaders+1)
	})
}

func TestRwLockWaitingWriterHoldsBackLaterReaders(t *testing.T) {
	l := weft.NewRwLock(100)
	g1 := rwReady(t, rwRead(l), "read 1")
	g2 := rwReady(t, rwRead(l), "read 2")
	w := rwWrite(l)
	rwPending(t, w, "write")
	r := rwRead(l)
	rwPending(t, r, "read after a waiting writer")
	if _, ok := l.TryRead(); ok {
		t.Fatal("TryRead overtook the waiting writer")
	}
	g1.Unlock()
	g2.Unlock()
	if !w.IsWoken() || r.IsWoken() {
		t.Fatal("the writer must be served before the later reader")
	}
	gw := rwReady(t, w, "write")
	gw.Unlock()
	if !r.IsWoken() {
		t.Fatal("the reader was not woken after the writer")
	}
	rwReady(t, r, "read").Unlock()
}

func TestRwLockDroppedWaitingWriterLetsReadersIn(t *testing.T) {
	l := weft.NewRwLock(100)
	g := rwReady(t, rwRead(l), "read 1")
	w := rwWrite(l)
	rwPending(t, w, "write")
	r := rwRead(l)
	rwPending(t, r, "read 2")
	w.Drop() // gives back the reader permits it had gathered
	if !r.IsWoken() {
		t.Fatal("dropping the waiting writer did not wake the reader")
	}
	rwReady(t, r, "read 2").Unlock()
	g.Unlock()
	if _, ok := l.TryWrite(); !ok {
		t.Fatal("the lock is not free at the end")
	}
}

func TestRwLockUncontested(t *testing.T) {
	l := weft.NewRwLock(100)
	g, err := future.Block(context.Background(), l.Read())
	if err != nil || g.Get() != 100 {
		t.Fatalf("read = %v, %v", g, err)
	}
	g.Unlock()
	w, _ := future.Block(context.Background(), l.Write())
	*w.Ptr() += 50
	if w.Get() != 150 {
		t.Fatalf("Get() = %d", w.Get())
	}
	w.Unlock()
}

func TestRwLockWritersAreServedInPollOrder(t *testing.T) {
	// tokio write_order: the future polled first gets the lock first, not the
	// one created first.
	l := weft.NewRwLock(0)
	g := rwReady(t, rwWrite(l), "hold")
	created1, created2 := rwWrite(l), rwWrite(l)
	rwPending(t, created2, "second created, polled first")
	rwPending(t, created1, "first created, polled second")
	g.Unlock()
	if !created2.IsWoken() || created1.IsWoken() {
		t.Fatal("the lock did not go to the first future polled")
	}
	rwReady(t, created2, "w").Unlock()
	rwReady(t, created1, "w").Unlock()
}

func TestRwLockTryReadTryWrite(t *testing.T) {
	l := weft.NewRwLock(15)
	r1, ok := l.TryRead()
	if !ok || r1.Get() != 15 {
		t.Fatal("TryRead on a free lock failed")
	}
	if _, ok := l.TryWrite(); ok {
		t.Fatal("TryWrite with a reader succeeded")
	}
	r2, ok := l.TryRead()
	if !ok {
		t.Fatal("second TryRead failed")
	}
	r1.Unlock()
	r2.Unlock()
	w, ok := l.TryWrite()
	if !ok {
		t.Fatal("TryWrite on a free lock failed")
	}
	w.Set(1515)
	if _, ok := l.TryRead(); ok {
		t.Fatal("TryRead with a writer succeeded")
	}
	w.Unlock()
	r, ok := l.TryRead()
	if !ok || r.Get() != 1515 {
		t.Fatal("the write is not visible")
	}
	r.Unlock()
}

func TestRwLockDowngradeAdmitsWaitingReadersButNoWriter(t *testing.T) {
	l := weft.NewRwLock(0)
	w := rwReady(t, rwWrite(l), "write")
	r := rwRead(l)
	rwPending(t, r, "read while written")
	w.Set(42)
	g := w.Downgrade()
	if !r.IsWoken() {
		t.Fatal("Downgrade did not admit the waiting reader")
	}
	g2 := rwReady(t, r, "read")
	if g.Ptr() != g2.Ptr() || g2.Get() != 42 {
		t.Fatal("the readers do not share the written value")
	}
	if _, ok := l.TryWrite(); ok {
		t.Fatal("a writer got in while the downgraded guard is held")
	}
	syncMustPanic(t, "after Unlock", func() { w.Get() })
	syncMustPanic(t, "already unlocked", w.Unlock)
	g.Unlock()
	g2.Unlock()
	if w2, ok := l.TryWrite(); !ok {
		t.Fatal("the lock is not free at the end")
	} else {
		w2.Unlock()
	}
}

func TestRwLockDoubleUnlockPanics(t *testing.T) {
	l := weft.NewRwLock(0)
	r, _ := l.TryRead()
	r.Unlock()
	syncMustPanic(t, "weft: Unlock of an already unlocked RwLockReadGuard", r.Unlock)
	syncMustPanic(t, "after Unlock", func() { r.Get() })
	w, _ := l.TryWrite()
	w.Unlock()
	syncMustPanic(t, "weft: Unlock of an already unlocked RwLockWriteGuard", w.Unlock)
	syncMustPanic(t, "after Unlock", func() { w.Set(1) })
	if w, ok := l.TryWrite(); !ok {
		t.Fatal("misuse changed the permits")
	} else {
		w.Unlock()
	}
}

func TestRwLockFuturesSayWhatTheyWaitFor(t *testing.T) {
	l := weft.NewRwLock(0)
	w, _ := l.TryWrite()
	cx := syncNoopCx()
	r := l.Read()
	r.Poll(cx)
	wf := l.Write()
	wf.Poll(cx)
	if s := r.String(); s != "RwLock.Read (first in line)" {
		t.Fatalf("String = %q", s)
	}
	if s := wf.String(); s != "RwLock.Write (1 waiters ahead)" {
		t.Fatalf("String = %q", s)
	}
	r.Drop()
	wf.Drop()
	w.Unlock()
}

// TestRwLockStressWritersAndReaders is tokio's multithreaded case on
// goroutines, plus readers that check they never see a half-done write and
// waiters that give up: writers add to two fields that a reader must always
// see equal; the total at the end is exact.
func TestRwLockStressWritersAndReaders(t *testing.T) {
	type pair struct{ a, b int }
	iters := 1000
	if testing.Short() {
		iters = 100
	}
	l := weft.NewRwLockWithMaxReaders(pair{}, 3)
	var wg sync.WaitGroup
	var torn atomic.Int64
	for _, inc := range []int{2, 3, 5, 7} {
		wg.Go(func() {
			for i := range iters {
				var g *weft.RwLockWriteGuard[pair]
				if i%2 == 0 {
					g, _ = l.BlockingWrite(context.Background())
				} else {
					g, _ = future.Block(context.Background(), l.Write())
				}
				p := g.Ptr()
				p.a += inc
				p.b += inc
				g.Unlock()
			}
		})
	}
	for range 4 {
		wg.Go(func() {
			cx := syncNoopCx()
			for i := range iters {
				var g *weft.RwLockReadGuard[pair]
				switch i % 3 {
				case 0:
					g, _ = l.BlockingRead(context.Background())
				case 1:
					g, _ = future.Block(context.Background(), l.Read())
				case 2:
					f := l.Read()
					var ok bool
					if g, ok = f.Poll(cx); !ok {
						f.Drop()
						continue
					}
				}
				if p := g.Get(); p.a != p.b {
					torn.Add(1)
				}
				g.Unlock()
			}
		})
	}
	wg.Wait()
	if torn.Load() != 0 {
		t.Fatalf("%d reads saw a half-done write", torn.Load())
	}
	g, ok := l.TryWrite()
	if !ok {
		t.Fatal("lock not free at the end")
	}
	if got, want := g.Get().a, 17*iters; got != want {
		t.Fatalf("total %d, want %d", got, want)
	}
	g.Unlock()
}
