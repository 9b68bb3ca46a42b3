package wakelist_test

import (
	"sync"
	"sync/atomic"
	"testing"

	"github.com/weftrt/weft/future"
	"github.com/weftrt/weft/internal/waitq"
	"github.com/weftrt/weft/internal/wakelist"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

type counter struct{ n atomic.Int64 }

func (c *counter) Wake(uint64) { c.n.Add(1) }

func TestPushDefersWakesUntilWakeAll(t *testing.T) {
	var l wakelist.List
	c := &counter{}
	l.Push(future.NewWaker(c))
	l.Push(future.Waker{}) // ignored
	if c.n.Load() != 0 || l.Len() != 1 {
		t.Fatal("Push woke or miscounted")
	}
	l.WakeAll()
	if c.n.Load() != 1 || l.Len() != 0 {
		t.Fatalf("WakeAll: %d wakes, len %d", c.n.Load(), l.Len())
	}
}

func TestPushOnFullListWakesInline(t *testing.T) {
	var l wakelist.List
	c := &counter{}
	for !l.Full() {
		l.Push(future.NewWaker(c))
	}
	l.Push(future.NewWaker(c))
	if c.n.Load() != 1 {
		t.Fatalf("overflowing Push woke %d times, want 1", c.n.Load())
	}
	l.WakeAll()
	if c.n.Load() != 17 {
		t.Fatalf("total wakes %d, want 17", c.n.Load())
	}
}

func TestNotifyAllWakesEveryoneQueuedAndOnlyThem(t *testing.T) {
	var mu sync.Mutex
	var q waitq.Queue
	c := &counter{}
	ws := make([]waitq.Waiter, 40) // more than one batch
	for i := range ws {
		ws[i].Waker = future.NewWaker(c)
		q.PushBack(&ws[i])
	}
	late := &waitq.Waiter{Waker: future.NewWaker(&counter{})}
	mu.Lock()
	// A waiter that queues while the lock is released between batches is
	// not woken by this call.
	done := make(chan struct{})
	go func() {
		defer close(done)
		mu.Lock()
		q.PushBack(late)
		mu.Unlock()
	}()
	wakelist.NotifyAll(&mu, &q)
	mu.Unlock()
	<-done
	if c.n.Load() != 40 {
		t.Fatalf("woke %d, want 40", c.n.Load())
	}
	for i := range ws {
		if ws[i].Linked() || !ws[i].Notified {
			t.Fatalf("waiter %d not popped and marked", i)
		}
	}
	if late.Notified || !late.Linked() {
		t.Fatal("a waiter queued during NotifyAll was popped")
	}
}

// TestSpillWakesNothingUntilWakeAllHoweverMany pushes more wakers than fit
// inline: none is woken before WakeAll, each exactly once after, zero wakers
// are skipped, and the Spill is empty and reusable afterwards.
func TestSpillWakesNothingUntilWakeAllHoweverMany(t *testing.T) {
	cs := make([]counter, 20)
	var l wakelist.Spill
	for i := range cs {
		l.Push(future.NewWaker(&cs[i]))
		l.Push(future.Waker{})
	}
	for i := range cs {
		if cs[i].n.Load() != 0 {
			t.Fatalf("waker %d woken before WakeAll", i)
		}
	}
	l.WakeAll()
	l.WakeAll() // empty now: wakes nothing more
	for i := range cs {
		if n := cs[i].n.Load(); n != 1 {
			t.Fatalf("waker %d woken %d times, want 1", i, n)
		}
	}
}
