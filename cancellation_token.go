package weft

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"weak"

	"github.com/weftrt/weft/future"
	"github.com/weftrt/weft/internal/waitq"
)

/*
How the token tree works (mirrors tokio-util sync/cancellation_token.rs and
its tree_node.rs, with Go's garbage collector in place of reference counts).

Links. A child holds its parent strongly; the parent holds a child weakly
(weak.Pointer) unless the child is pinned. So whatever can still observe a
token (its *CancellationToken, a CancelledFuture, a descendant) keeps it and
its ancestors alive, and a subtree that nothing observes is collected on its
own, leaving only a dead slot in its parent that the next growth of the
parent's slice sweeps. This is Tokio's "the last clone was dropped" without
a cleanup callback, and it needs no re-parenting: a grandchild keeps an
otherwise unreferenced intermediate token alive, so the grandparent's
cancellation still reaches it through that token, as in Tokio where the
intermediate node is unlinked and the grandchild moved up. Detach does that
move explicitly.

Pinning. A context cannot be observed weakly: code may keep only its Done
channel, which refers to nothing. So a token whose Context was called is
pinned: its parent's slot holds it strongly until it is cancelled or
detached, as a context.WithCancel child stays in its parent until its cancel
function is called. The token holds its context strongly.

Locks. One mutex per tree (cancellationTokenTree.mu) guards the shape of the
tree (every token's parent, index, children and pinned flag) and the moment a
token's cancelled flag is set. Each token's own mu guards its waiters and
its context. Lock order: tree.mu before a token's mu. A tree-wide lock makes
re-parenting trivial to get right, where Tokio's per-node locks need a retry
loop to lock a node together with a parent that may change under it. Child,
Detach and a first Context call in one tree serialize on it; waits on
different tokens do not, and a poll of a cancelled token takes no lock.

Cancellation. Cancel sets the flag of every token of the subtree under
tree.mu and unlinks them all (a cancelled token has no parent and no
children, so it pins nothing), then, with tree.mu released, takes each
token's mu in turn, wakes its waiters and cancels its context. A poller
checks the flag and links its waiter under the token's mu, so it either sees
the flag or is linked before Cancel drains that token: no wake-up is lost.
The same holds for Context, which checks the flag under both locks.
*/

// ErrTokenCancelled is the cause (context.Cause) of the contexts made by
// [CancellationToken.Context] and [CancellationToken.WithContext] when the
// token is cancelled.
var ErrTokenCancelled = errors.New("weft: cancellation token cancelled")

// CancellationToken signals cancellation to any number of waiters: tasks
// await [CancellationToken.Cancelled], blocking code watches
// [CancellationToken.Context]. Tokens form a tree: cancelling a token cancels
// every token made from it with [CancellationToken.Child], and cancellation
// never flows upwards. It is the Go form of tokio-util's CancellationToken.
//
// The zero value is a usable token with no parent; [NewCancellationToken]
// returns one on the heap. A CancellationToken must not be copied: share the
// pointer. All methods are safe for concurrent use.
//
// # Releasing children
//
// A parent does not keep its children alive: a child that nothing refers to
// any more (no *CancellationToken, no CancelledFuture, no child of its own
// that is referred to) is collected like any value, and its parent forgets
// it. A child refers to its parent, so a token observed through a descendant
// stays in the tree. The exception is a child whose Context was called: its
// parent keeps it until it is cancelled or detached, as a context made by
// context.WithCancel stays attached until its cancel function is called.
// [CancellationToken.Detach] unlinks a child at once and hands its children
// to its parent; Cancel unlinks the whole cancelled subtree.
type CancellationToken struct {
	tree atomic.Pointer[cancellationTokenTree] // set once; nil until a zero token is first used

	// cancelled is set once, under tree.mu; read anywhere.
	cancelled atomic.Bool

	// Guarded by tree.mu. A cancelled token has no parent and no children.
	parent   *CancellationToken
	index    int                     // position in parent.children
	children []cancellationTokenSlot // some may be dead: collected children
	pinned   bool                    // the parent's slot holds t strongly (t has a context)

	mu      sync.Mutex         // guards waiters and ctx; taken after tree.mu, never around it
	waiters waitq.Queue        // CancelledFutures waiting for cancellation
	ctx     context.Context    // made by Context; nil until then
	cancel  context.CancelFunc // cancels ctx
}

// cancellationTokenSlot is a parent's link to one child: weak, plus a strong
// pointer while the child is pinned.
type cancellationTokenSlot struct {
	w   weak.Pointer[CancellationToken]
	pin *CancellationToken
}

// get returns the child, or nil when it was collected.
func (s cancellationTokenSlot) get() *CancellationToken {
	if s.pin != nil {
		return s.pin
	}
	return s.w.Value()
}

// cancellationTokenTree is the lock shared by every token of one tree.
type cancellationTokenTree struct {
	mu sync.Mutex
}

// NewCancellationToken returns a token with no parent, not cancelled.
func NewCancellationToken() *CancellationToken {
	t := &CancellationToken{}
	t.tree.Store(&cancellationTokenTree{})
	return t
}

// treeOf returns t's tree, creating one for a zero token.
func (t *CancellationToken) treeOf() *cancellationTokenTree {
	if tr := t.tree.Load(); tr != nil {
		return tr
	}
	t.tree.CompareAndSwap(nil, &cancellationTokenTree{})
	return t.tree.Load()
}

// Child returns a new token that is cancelled when t is (or when it is
// cancelled itself); cancelling the child does not cancel t. A child of a
// cancelled token starts cancelled. See the type's doc for how a child is
// released.
func (t *CancellationToken) Child() *CancellationToken {
	tr := t.treeOf()
	c := &CancellationToken{}
	c.tree.Store(tr)
	s := cancellationTokenSlot{w: weak.Make(c)} // outside the lock: it is the costly part
	tr.mu.Lock()
	if t.cancelled.Load() {
		c.cancelled.Store(true)
	} else {
		t.addChildLocked(c, s)
	}
	tr.mu.Unlock()
	return c
}

// Cancel cancels t and every token below it, once: later calls do nothing.
// When it returns, IsCancelled reports true for all of them, their Cancelled
// futures have been woken, and their contexts made by Context are done.
//
// Everything the caller did before Cancel happens before IsCancelled reports
// true for t or a token below it, before any of their Cancelled futures
// completes, and before the Done channels of their contexts are closed.
func (t *CancellationToken) Cancel() {
	if t.cancelled.Load() {
		return
	}
	tr := t.treeOf()
	tr.mu.Lock()
	if t.cancelled.Load() { // cancelled meanwhile, through an ancestor
		tr.mu.Unlock()
		return
	}
	if p := t.parent; p != nil {
		p.removeChildLocked(t)
	}
	// Mark the whole subtree and unlink it; the walk uses the slice as its
	// queue, and ends up listing every token it cancelled.
	done := []*CancellationToken{t}
	for i := 0; i < len(done); i++ {
		m := done[i]
		m.cancelled.Store(true)
		for _, s := range m.children {
			if c := s.get(); c != nil {
				c.parent, c.pinned = nil, false
				done = append(done, c)
			}
		}
		m.children = nil
	}
	tr.mu.Unlock()
	for _, m := range done {
		m.notifyCancelled()
	}
}

// notifyCancelled wakes the waiters of a token that was just marked
// cancelled and cancels its context.
func (t *CancellationToken) notifyCancelled() {
	t.mu.Lock()
	for w := t.waiters.PopFront(); w != nil; w = t.waiters.PopFront() {
		w.Notified = true
		// Waking never blocks or re-enters (the Waker contract), so it is
		// done under mu.
		w.Waker.Wake()
	}
	cancel := t.cancel
	t.mu.Unlock()
	if cancel != nil {
		cancel()
	}
}

// IsCancelled reports whether t has been cancelled, directly or through an
// ancestor.
func (t *CancellationToken) IsCancelled() bool {
	return t.cancelled.Load()
}

// Detach unlinks t from its tree without cancelling anything: t's parent
// forgets t, so cancelling the parent no longer cancels t, and t's children
// move to t's parent, so they go on following it. It is what Tokio does when
// the last clone of a token is dropped. Call it to release a child whose
// Context was called once its work is done, or to stop a token from
// following its parent. After Detach, t is a token without parent or
// children: Cancel still cancels t itself (and children made after Detach).
// Detach of a cancelled token does nothing.
func (t *CancellationToken) Detach() {
	tr := t.tree.Load()
	if tr == nil {
		return // a zero token never used: no parent, no children
	}
	tr.mu.Lock()
	defer tr.mu.Unlock()
	if t.cancelled.Load() {
		return // Cancel unlinked it already
	}
	p := t.parent
	if p != nil {
		p.removeChildLocked(t)
	}
	for _, s := range t.children {
		if c := s.get(); c != nil {
			c.parent = nil
			if p != nil {
				p.addChildLocked(c, s)
			} else {
				c.pinned = false
			}
		}
	}
	t.children = nil
}

// addChildLocked links c below t, through slot s (whose weak pointer is c's;
// its pin is set here from c.pinned). When t's slice is full it first sweeps
// out the slots of collected children, and grows it if that freed less than
// half, so that sweeps stay amortized O(1). The caller holds the tree's mu.
func (t *CancellationToken) addChildLocked(c *CancellationToken, s cancellationTokenSlot) {
	if len(t.children) == cap(t.children) && len(t.children) > 0 {
		live := t.children[:0]
		for _, cs := range t.children {
			if x := cs.get(); x != nil {
				x.index = len(live)
				live = append(live, cs)
			}
		}
		clear(t.children[len(live):])
		t.children = live
		if len(live) > cap(live)/2 {
			t.children = append(make([]cancellationTokenSlot, 0, 2*cap(live)), live...)
		}
	}
	s.pin = nil
	if c.pinned {
		s.pin = c
	}
	c.parent = t
	c.index = len(t.children)
	t.children = append(t.children, s)
}

// removeChildLocked unlinks c from t's children in O(1), moving the last
// slot into c's, and shrinks the slice when it is mostly empty so that a
// parent that once had many children does not keep their slots. c stays
// pinned (a Detach may re-link it). The caller holds the tree's mu.
func (t *CancellationToken) removeChildLocked(c *CancellationToken) {
	last := len(t.children) - 1
	if i := c.index; i != last {
		moved := t.children[last]
		t.children[i] = moved
		if m := moved.get(); m != nil {
			m.index = i
		}
	}
	t.children[last] = cancellationTokenSlot{}
	t.children = t.children[:last]
	c.parent = nil
	if cap(t.children) >= 64 && len(t.children) < cap(t.children)/4 {
		t.children = append([]cancellationTokenSlot(nil), t.children...)
	}
}

// Cancelled returns a future that completes when t is cancelled (at once if
// it already is). The future is ready for good once ready. Dropping it while
// it waits unlinks its waiter; building it allocates, polling it does not.
// The future refers to t, so t stays in its tree while the future exists.
func (t *CancellationToken) Cancelled() *CancelledFuture {
	return &CancelledFuture{t: t}
}

// Context returns a context that is done when t is cancelled, for blocking
// calls made on t's behalf; its Err is context.Canceled and its Cause is
// [ErrTokenCancelled]. It has no deadline and no values, no goroutine watches
// it, and every call returns the same context.
//
// From the first call on, t's parent keeps t (and so the context) until t is
// cancelled or detached, because code that waits on the context's Done
// channel alone does not keep t alive: call Cancel or Detach when done with a
// child token whose Context was used, as with the cancel function of
// context.WithCancel.
func (t *CancellationToken) Context() context.Context {
	t.mu.Lock()
	ctx := t.ctx
	t.mu.Unlock()
	if ctx != nil {
		return ctx
	}
	tr := t.treeOf()
	tr.mu.Lock()
	defer tr.mu.Unlock()
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.ctx != nil {
		return t.ctx
	}
	ctx, cancel := context.WithCancelCause(context.Background())
	t.ctx = ctx
	t.cancel = func() { cancel(ErrTokenCancelled) }
	// Both locks are held: either Cancel marks t later and then cancels
	// ctx, or t is marked already.
	if t.cancelled.Load() {
		t.cancel()
		return ctx
	}
	t.pinned = true
	if p := t.parent; p != nil {
		p.children[t.index].pin = t
	}
	return ctx
}

// WithContext returns a copy of parent that is also done when t is
// cancelled, with cause [ErrTokenCancelled]; it carries parent's values and
// deadline. Call the returned CancelFunc when done with the context, as with
// context.WithCancel: it releases the link to t (but t stays pinned, see
// [CancellationToken.Context]). The context is done shortly after Cancel
// returns (a context.AfterFunc goroutine cancels it), not before. WithContext
// panics if parent is nil.
func (t *CancellationToken) WithContext(parent context.Context) (context.Context, context.CancelFunc) {
	if parent == nil {
		panic("weft: WithContext of a nil context")
	}
	ctx, cancel := context.WithCancelCause(parent)
	stop := context.AfterFunc(t.Context(), func() { cancel(ErrTokenCancelled) })
	return ctx, func() {
		stop()
		cancel(context.Canceled)
	}
}

// CancelledFuture is the future returned by [CancellationToken.Cancelled]. It
// implements [future.Dropper]: its owner calls Drop when it stops waiting.
type CancelledFuture struct {
	t *CancellationToken // keeps the token, and so its place in the tree, alive
	w waitq.Waiter       // guarded by t.mu
}

// Poll reports whether the token has been cancelled. When it has not, the
// future registers cx's waker (replacing the one of an earlier poll) and is
// woken by Cancel. Poll consumes one unit of the task's budget when it
// reports cancellation.
func (f *CancelledFuture) Poll(cx *future.Context) (struct{}, bool) {
	n := f.t
	if !n.cancelled.Load() {
		n.mu.Lock()
		if !n.cancelled.Load() {
			w := cx.Waker()
			if !f.w.Linked() {
				f.w.Waker = w
				n.waiters.PushBack(&f.w)
			} else if !f.w.Waker.WillWake(w) {
				f.w.Waker = w
			}
			n.mu.Unlock()
			return struct{}{}, false
		}
		n.mu.Unlock()
	}
	if !cx.ConsumeBudget() {
		return struct{}{}, false
	}
	f.unlink()
	return struct{}{}, true
}

// Drop unlinks the future's waiter, if it is waiting.
func (f *CancelledFuture) Drop() { f.unlink() }

// String describes the future for task dumps: "CancellationToken.Cancelled",
// with " (cancelled)" once the token is cancelled.
func (f *CancelledFuture) String() string {
	if f.t.cancelled.Load() {
		return "CancellationToken.Cancelled (cancelled)"
	}
	return "CancellationToken.Cancelled"
}

func (f *CancelledFuture) unlink() {
	n := f.t
	n.mu.Lock()
	n.waiters.Remove(&f.w)
	f.w.Waker = future.Waker{}
	n.mu.Unlock()
}
