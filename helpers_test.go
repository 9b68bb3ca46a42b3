package weft_test

import (
	"sync"
	"testing"

	"github.com/weftrt/weft"
	"github.com/weftrt/weft/future"
	"github.com/weftrt/weft/internal/rttest"
	"github.com/weftrt/weft/task"
)

// flavors runs a subtest per scheduler flavor (rttest.Flavors).
func flavors(t *testing.T, fn func(t *testing.T, opts ...weft.Option)) { rttest.Flavors(t, fn) }

// newRuntime builds a runtime closed when the test ends (rttest.NewRuntime).
func newRuntime(t testing.TB, opts ...weft.Option) *weft.Runtime {
	t.Helper()
	return rttest.NewRuntime(t, opts...)
}

// gate is a future that completes once opened; it can be opened from any
// goroutine and counts how many times it was dropped.
type gate struct {
	mu      sync.Mutex
	open    bool
	waker   future.Waker
	dropped int
}

func (g *gate) Poll(cx *future.Context) (struct{}, bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.open {
		return struct{}{}, true
	}
	g.waker = cx.Waker()
	return struct{}{}, false
}

func (g *gate) Drop() {
	g.mu.Lock()
	g.dropped++
	g.waker = future.Waker{}
	g.mu.Unlock()
}

func (g *gate) Open() {
	g.mu.Lock()
	g.open = true
	w := g.waker
	g.mu.Unlock()
	w.Wake()
}

func (g *gate) Dropped() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.dropped
}

// awaitAll awaits join handles in order and sums their outputs.
type awaitAll struct {
	hs  []*task.JoinHandle[int]
	i   int
	sum int
	err error
}

func (a *awaitAll) Poll(cx *future.Context) (int, bool) {
	for a.i < len(a.hs) {
		r, ok := a.hs[a.i].Poll(cx)
		if !ok {
			return 0, false
		}
		if r.Err != nil && a.err == nil {
			a.err = r.Err
		}
		a.sum += r.Value
		a.i++
	}
	return a.sum, true
}

// yielder yields n times, then returns v.
type yielder struct{ n, v int }

func (y *yielder) Poll(cx *future.Context) (int, bool) {
	if y.n > 0 {
		y.n--
		cx.Waker().Wake()
		return 0, false
	}
	return y.v, true
}

// fn is a future that runs a function once.
type fn[T any] func(cx *future.Context) T

func (f fn[T]) Poll(cx *future.Context) (T, bool) { return f(cx), true }
