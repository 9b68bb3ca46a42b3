package future_test

import (
	"strings"
	"sync"
	"testing"

	"github.com/weftrt/weft/future"
)

// probe is a child future that records what its parent does to it: how often
// it is polled and dropped, and which waker it was given last. It becomes
// ready on its readyAt-th poll (never when readyAt is 0). Polling it after it
// was dropped panics, so a combinator that keeps using a dropped child fails
// the test on the spot.
type probe[T any] struct {
	name    string
	val     T
	readyAt int

	polls int
	drops int
	waker future.Waker
	log   *[]string // if not nil, poll/drop events are appended here
}

func newProbe[T any](name string, val T, readyAt int) *probe[T] {
	return &probe[T]{name: name, val: val, readyAt: readyAt}
}

func (p *probe[T]) Poll(cx *future.Context) (T, bool) {
	if p.drops > 0 {
		panic("probe " + p.name + ": polled after Drop")
	}
	p.polls++
	if p.log != nil {
		*p.log = append(*p.log, "poll "+p.name)
	}
	if p.readyAt != 0 && p.polls >= p.readyAt {
		return p.val, true
	}
	p.waker = cx.Waker()
	var zero T
	return zero, false
}

func (p *probe[T]) Drop() {
	p.drops++
	if p.log != nil {
		*p.log = append(*p.log, "drop "+p.name)
	}
}

// checkDrops fails the test unless p was dropped exactly want times.
func checkDrops[T any](t *testing.T, p *probe[T], want int) {
	t.Helper()
	if p.drops != want {
		t.Fatalf("probe %s dropped %d times, want %d", p.name, p.drops, want)
	}
}

// mustPanic runs f and fails the test unless it panics with a string that
// starts with prefix.
func mustPanic(t *testing.T, prefix string, f func()) {
	t.Helper()
	var got any
	func() {
		defer func() { got = recover() }()
		f()
	}()
	if got == nil {
		t.Fatalf("no panic, want one starting with %q", prefix)
	}
	s, ok := got.(string)
	if !ok || !strings.HasPrefix(s, prefix) {
		t.Fatalf("panic %#v, want a string starting with %q", got, prefix)
	}
}

// gate is a future that is ready once Open was called. It stores the waker of
// its last Pending poll and Open wakes it, from any goroutine. It counts its
// drops so that a test can check that its owner let go of it.
type gate struct {
	mu     sync.Mutex
	open   bool
	waker  future.Waker  // guarded by mu
	polls  int           // guarded by mu
	drops  int           // guarded by mu
	polled chan struct{} // receives after each Pending poll, if not nil
}

func (g *gate) Poll(cx *future.Context) (string, bool) {
	g.mu.Lock()
	g.polls++
	if g.open {
		g.mu.Unlock()
		return "open", true
	}
	g.waker = cx.Waker()
	g.mu.Unlock()
	if g.polled != nil {
		g.polled <- struct{}{}
	}
	return "", false
}

func (g *gate) Open() {
	g.mu.Lock()
	g.open = true
	w := g.waker
	g.mu.Unlock()
	w.Wake()
}

func (g *gate) Drop() {
	g.mu.Lock()
	g.drops++
	g.mu.Unlock()
}

func (g *gate) counts() (polls, drops int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.polls, g.drops
}

// countWaker is a Wakeable that counts its wakes (single goroutine only).
type countWaker struct{ n int }

func (c *countWaker) Wake(uint64) { c.n++ }
