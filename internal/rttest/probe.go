package rttest

import (
	"sync/atomic"

	"github.com/weftrt/weft"
	"github.com/weftrt/weft/future"
)

// Counters count what happened to a group of probes. Every field is only
// added to.
type Counters struct {
	// Built counts probes made.
	Built atomic.Int64
	// Polled counts probes that were polled at least once.
	Polled atomic.Int64
	// Waiting counts probes that returned pending at least once: their
	// future has registered with whatever it waits for.
	Waiting atomic.Int64
	// Ready counts probes whose future completed.
	Ready atomic.Int64
	// Drops counts Drop calls, and ExtraDrops those beyond the first of a
	// probe (a harness that drops twice breaks the Dropper contract).
	Drops      atomic.Int64
	ExtraDrops atomic.Int64
	// PollsAfterDrop counts polls of a dropped probe.
	PollsAfterDrop atomic.Int64
}

// Probe wraps a future and reports to its Counters what its owner does with
// it. It forwards Poll and Drop, so the wrapped future sees exactly what the
// probe sees. Like any future it is polled by one goroutine at a time; its
// own fields are ordered by whoever orders the polls (the task harness).
type Probe[T any] struct {
	f       future.Future[T]
	c       *Counters
	polled  bool
	waited  bool
	dropped bool
}

// NewProbe wraps f; c receives the counts.
func NewProbe[T any](c *Counters, f future.Future[T]) *Probe[T] {
	c.Built.Add(1)
	return &Probe[T]{f: f, c: c}
}

// Poll polls the wrapped future.
func (p *Probe[T]) Poll(cx *future.Context) (T, bool) {
	if p.dropped {
		p.c.PollsAfterDrop.Add(1)
	}
	if !p.polled {
		p.polled = true
		p.c.Polled.Add(1)
	}
	v, ok := p.f.Poll(cx)
	switch {
	case ok:
		p.c.Ready.Add(1)
	case !p.waited:
		p.waited = true
		p.c.Waiting.Add(1)
	}
	return v, ok
}

// Drop drops the wrapped future (the first time only) and counts the call.
func (p *Probe[T]) Drop() {
	p.c.Drops.Add(1)
	if p.dropped {
		p.c.ExtraDrops.Add(1)
		return
	}
	p.dropped = true
	future.Drop(p.f)
}

// unit is the future returned by Unit.
type unit[T any] struct {
	f    future.Future[T]
	then func(T)
}

// Unit erases the output type of f, so that futures of every primitive fit
// one table: it completes when f does, after passing f's output to then
// (which releases whatever f acquired: a guard, a permit). then may be nil.
// Drop forwards to f.
func Unit[T any](f future.Future[T], then func(T)) future.Future[struct{}] {
	return &unit[T]{f: f, then: then}
}

func (u *unit[T]) Poll(cx *future.Context) (struct{}, bool) {
	v, ok := u.f.Poll(cx)
	if ok && u.then != nil {
		u.then(v)
	}
	return struct{}{}, ok
}

func (u *unit[T]) Drop() { future.Drop(u.f) }

// AsyncCounters count what happened inside the bodies made by InAsync.
type AsyncCounters struct {
	// Defers counts runs of each body's deferred call.
	Defers atomic.Int64
	// Resumed counts bodies that got past their Await.
	Resumed atomic.Int64
}

// InAsync returns an Async future whose body builds a future with mk and
// awaits it, with a deferred call counted in c, so that a test can tell that
// a dropped body unwound (its defer ran, once) without running the code after
// its Await.
//
// The future is built inside the body on purpose: an Async dropped before its
// first poll runs nothing, so a future built outside and captured by the body
// would never be dropped, and one that registers when it is built (Done)
// would stay registered.
func InAsync(c *AsyncCounters, mk func() future.Future[struct{}]) *weft.AsyncFuture[struct{}] {
	return weft.Async(func(a *weft.A) struct{} {
		defer c.Defers.Add(1)
		weft.Await(a, mk())
		c.Resumed.Add(1)
		return struct{}{}
	})
}
