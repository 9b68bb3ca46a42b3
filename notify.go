package weft

/*
# How Notify works (mirrors tokio sync/notify.rs)

Notify.state is one atomic word: the low two bits say whether the Notify is
empty, has waiters, or holds a stored permit (notifyEmpty, notifyWaiting,
notifyNotified); the next bit (notifyObserved) says that a Notified may have
read the count; the bits above count the calls of NotifyWaiters. Two rules
keep the lock-free paths safe:

 1. The state enters and leaves notifyWaiting only with mu held (the queue
    is filled and emptied under mu, and so is the state that describes it).
 2. The NotifyWaiters count changes only with mu held, or by a CAS from a
    word that is not notifyWaiting (NotifyWaiters with nobody queued).

So the paths that run without mu never touch a word that says
notifyWaiting: NotifyOne storing a permit, a first poll taking it, and
NotifyWaiters counting a call when nobody is queued. A holder of mu that
sees notifyWaiting may therefore store the word outright; one that sees
another state must CAS, and must check the count again after a failed CAS
(a first poll that finds the count changed completes instead of queueing).

A Notified remembers the count when it is created. NotifyWaiters completes
every Notified created before it: those that are queued are unlinked and
marked under mu; those that are not queued yet find the count changed on
their first poll (or Enable) and complete without taking the stored permit,
which stays for somebody else.

A NotifyWaiters with nobody queued that finds notifyObserved clear returns
without writing: no Notified has read the current count, so there is none
to complete (a spinning NotifyWaiters then only reads the word, as a
sync.Cond.Broadcast without waiters does, instead of taking the word's
cache line from the waiters on every call). Creating a Notified sets the
bit when the word is not notifyWaiting (a CAS, once per count), and every
bump of the count clears it. While the word says notifyWaiting the bit is
set: a bump leaves notifyWaiting, so the first poll that queues a waiter at
the current count is that of a future created at this count outside
notifyWaiting, which set it. So creators need not set it then (a
NotifyWaiters takes mu anyway), and the stores of rule 1 that leave
notifyWaiting keep it set.

A queued Notified's entry (notifyEntry: a waitq.Waiter and a served word) is
guarded by mu. served says how it was served: 0 not yet, or one of
notifyByOne, notifyByLast, notifyByAll. A waiter is unlinked from the queue
at the moment it is served, so a served waiter that is dropped before it saw
its notification can tell (served is set but it is no longer linked) and,
for NotifyOne and NotifyLast, passes the notification on to the next waiter,
so that a notification is never lost to a future nobody polls any more.

# NotifyWaiters in batches (as Tokio's notify_waiters)

The Notify has two queues, qs[live] and qs[live^1]. The live queue holds the
waiters NotifyOne may pick, and rule 1 is about it. NotifyWaiters, under mu,
counts its call, leaves notifyWaiting, and makes the other (empty) queue the
live one: every waiter it must serve is now in the drain queue, in O(1),
and new waiters go to the new live queue. It then serves the drain queue 32
waiters at a time, releasing mu to wake each batch, so that the woken tasks
start running while it serves the rest, and nothing is allocated however
many wait. While it drains:

 3. A waiter in the drain queue is notified: its NotifiedFuture was created
    before the call (a queued future's calls is always the current count,
    since a first poll that finds the count changed completes instead of
    queueing). A poll that takes mu and finds the count different from the
    future's own, without a served mark, leaves the drain queue and
    completes; so does a Drop (forwarding nothing, as for notifyByAll).
 4. There is one drain at a time (draining). A NotifyWaiters that finds
    another one draining serves the live queue at once under mu, as one
    batch of any size; the waiters left in the other drain are notified
    for it too by rule 3.

A notifier writes served only under mu, and it is its last write to the
entry (after unlinking it and taking its waker): a woken poll reads it
without mu, and once it reads a non-zero value the entry is the poller's
again (it may Reset the future and queue the entry anew), which is why
nothing may touch the entry after that store. The store is atomic and so
is the poller's load, which makes the notify call synchronize before the
completion it causes. The owner clears served with a plain store, only
while the entry is unlinked and after it has synchronized with every
notifier that served it (through that load, or through mu in Drop).
*/

import (
	"strconv"
	"sync"
	"sync/atomic"
	"unsafe"

	"github.com/weftrt/weft/future"
	"github.com/weftrt/weft/internal/waitq"
	"github.com/weftrt/weft/internal/wakelist"
)

// Notify wakes tasks waiting for an event. It carries no data: it tells a
// task that something it watches (a queue, a flag guarded by a mutex) may
// have changed.
//
// A Notify holds at most one permit, like a semaphore that never counts past
// one. [Notify.Notified] returns a future that waits for the permit and
// consumes it; [Notify.NotifyOne] hands the permit to the oldest waiting
// [NotifiedFuture] or, when nobody waits, stores it so that the next one
// completes at once. Several NotifyOne calls with nobody waiting store one
// permit only. [Notify.NotifyWaiters] completes every NotifiedFuture that
// exists at the time of the call and stores nothing.
//
// The zero Notify is ready to use and holds no permit. A Notify must not be
// copied after first use. All methods are safe for concurrent use.
type Notify struct {
	// state is described at the top of this file. Atomic.
	state atomic.Uint64

	mu struct {
		sync.Mutex
		// qs[live] holds the queued Notified futures, oldest first;
		// qs[live^1] is the drain queue of the NotifyWaiters call that is
		// waking its batches (draining), or empty. See the top of this file.
		qs       [2]waitq.Queue
		live     uint8
		draining bool
	}
}

// notifyBatch is the number of waiters NotifyWaiters serves per lock hold.
const notifyBatch = 32

// liveLocked returns the queue of waiters NotifyOne may pick.
func (n *Notify) liveLocked() *waitq.Queue { return &n.mu.qs[n.mu.live] }

// unlinkLocked takes w out of whichever queue holds it, and reports whether
// it was in the live one.
func (n *Notify) unlinkLocked(w *waitq.Waiter) (live bool) {
	if n.liveLocked().Remove(w) {
		return true
	}
	n.mu.qs[n.mu.live^1].Remove(w)
	return false
}

const (
	notifyEmpty    uint64 = 0 // no permit, no waiters
	notifyWaiting  uint64 = 1 // the queue is not empty; no permit
	notifyNotified uint64 = 2 // a permit is stored; no waiters

	notifyStateMask  uint64 = 3
	notifyObserved   uint64 = 4 // a Notified may have read the count; see the top of this file
	notifyCallsShift        = 3
	notifyCallsOne   uint64 = 1 << notifyCallsShift
)

// How a waiter was served; kept in notifyEntry.served.
const (
	notifyByOne  uint32 = 1 + iota // NotifyOne: oldest waiter
	notifyByLast                   // NotifyLast: newest waiter
	notifyByAll                    // NotifyWaiters
)

func notifyStateOf(word uint64) uint64 { return word & notifyStateMask }

func notifyWithState(word, state uint64) uint64 { return word&^notifyStateMask | state }

func notifyCalls(word uint64) uint64 { return word >> notifyCallsShift }

// observeCalls returns the NotifyWaiters count for a new Notified, marking
// it observed first (see the top of this file).
func (n *Notify) observeCalls() uint64 {
	curr := n.state.Load()
	for curr&notifyObserved == 0 && notifyStateOf(curr) != notifyWaiting {
		if n.state.CompareAndSwap(curr, curr|notifyObserved) {
			break
		}
		curr = n.state.Load()
	}
	return notifyCalls(curr)
}

// notifyEntry is a NotifiedFuture's place in the queue. Every waitq.Waiter in
// a Notify's queue is the w of a notifyEntry, which entryOf relies on.
type notifyEntry struct {
	w waitq.Waiter // first: entryOf converts a *waitq.Waiter back
	// served is how the entry was served (notifyByOne, ...), 0 before. Written
	// under mu as the notifier's last write to the entry; read without mu by
	// the poller (see the top of this file).
	//
	// A plain word, not an atomic.Uint32: the notifier's store and the
	// poller's reads without mu go through sync/atomic, but the future's
	// owner clears it with a plain store while no notifier can reach the
	// entry (unlinked, in pollInit under mu and in Reset), where an atomic
	// store would be a locked exchange per wait on amd64.
	served uint32
}

// entryOf returns the notifyEntry whose w is w. Safe because w is the first
// field of a notifyEntry (every waiter of a Notify's queue is one) and the
// entry is alive while it is queued.
func entryOf(w *waitq.Waiter) *notifyEntry { return (*notifyEntry)(unsafe.Pointer(w)) }

// serve marks e, which the caller (holding mu) just unlinked, as served by
// kind and returns its waker, to be woken after releasing mu. The store of
// served is the last write to e (see the top of this file).
func (e *notifyEntry) serve(kind uint32) future.Waker {
	waker := e.w.Waker
	e.w.Waker = future.Waker{}
	atomic.StoreUint32(&e.served, kind)
	return waker
}

// NewNotify returns a Notify that holds no permit. It is the same as
// new(Notify).
func NewNotify() *Notify { return new(Notify) }

// Notified returns a future that completes when it receives a notification:
// the stored permit, a NotifyOne or NotifyLast that picked it, or a
// NotifyWaiters called after Notified returned.
//
// The future joins the queue of waiters for NotifyOne only when it is first
// polled or enabled ([NotifiedFuture.Enable]); a NotifyOne before that stores
// the permit instead (which the future then takes on its first poll). It takes
// part in NotifyWaiters from the moment it is created, polled or not.
//
// Waiters are served in the order they joined the queue; a future that is
// dropped loses its place.
func (n *Notify) Notified() *NotifiedFuture {
	return &NotifiedFuture{n: n, calls: n.observeCalls()}
}

// NotifyOne notifies the oldest waiting [NotifiedFuture], or, when none is
// waiting, stores a permit (if there is not one already) that the next
// NotifiedFuture consumes.
//
// A NotifyOne call synchronizes before the completion of the NotifiedFuture
// that it wakes or that consumes the permit it stored.
func (n *Notify) NotifyOne() { n.notifyWith(notifyByOne) }

// NotifyLast is NotifyOne, except that it picks the newest waiting
// [NotifiedFuture] instead of the oldest.
func (n *Notify) NotifyLast() { n.notifyWith(notifyByLast) }

func (n *Notify) notifyWith(kind uint32) {
	// Without waiters, store the permit with one CAS. The CAS from
	// notifyNotified to itself is deliberate: it is the write that the
	// consuming Notified observes, which makes this call synchronize before
	// that Notified completes.
	curr := n.state.Load()
	for notifyStateOf(curr) != notifyWaiting {
		if n.state.CompareAndSwap(curr, notifyWithState(curr, notifyNotified)) {
			return
		}
		curr = n.state.Load()
	}
	// There are waiters; only a holder of mu may take the state out of
	// notifyWaiting, so reload under mu.
	n.mu.Lock()
	w := n.notifyLocked(n.state.Load(), kind)
	n.mu.Unlock()
	w.Wake()
}

// notifyLocked serves one waiter (the oldest, or the newest for
// notifyByLast) and returns its waker, or stores the permit when there is no
// waiter. curr is the state as loaded under mu. The caller holds mu and wakes
// the returned waker after releasing it.
func (n *Notify) notifyLocked(curr uint64, kind uint32) future.Waker {
	for notifyStateOf(curr) != notifyWaiting {
		// Only the permit paths can race with us here (rule 1 and 2).
		if n.state.CompareAndSwap(curr, notifyWithState(curr, notifyNotified)) {
			return future.Waker{}
		}
		curr = n.state.Load()
	}
	q := n.liveLocked()
	w := q.Front()
	if kind == notifyByLast {
		w = q.Back()
	}
	q.Remove(w)
	if q.Len() == 0 {
		// The last waiter is gone: leave notifyWaiting (under mu, rule 1).
		// Nobody else can change the word while it says notifyWaiting, so a
		// store is enough; it keeps notifyObserved set (it is, while
		// the word says notifyWaiting).
		n.state.Store(notifyWithState(curr, notifyEmpty) | notifyObserved)
	}
	return entryOf(w).serve(kind)
}

// NotifyWaiters completes every [NotifiedFuture] created before this call:
// those that wait are woken, and those not polled yet complete on their
// first poll. It stores no permit, and it does not consume one that is
// stored. It wakes the waiters in batches, releasing the Notify's lock in
// between, and allocates nothing.
//
// A NotifyWaiters call synchronizes before the completion of each
// NotifiedFuture it completes.
func (n *Notify) NotifyWaiters() {
	var curr uint64
	for {
		// Nobody queued: counting the call completes the futures not
		// polled yet, and a CAS from a word that is not notifyWaiting may
		// do that without mu (rule 2); when no future read the count
		// (notifyObserved clear) there is nothing to complete at all. A
		// first poll that queues itself meanwhile CASes from the count it
		// checked, so one of the two CASes fails and the loser sees the
		// other's word.
		curr = n.state.Load()
		if notifyStateOf(curr) != notifyWaiting {
			if curr&notifyObserved == 0 ||
				n.state.CompareAndSwap(curr, (curr+notifyCallsOne)&^notifyObserved) {
				return
			}
			continue
		}
		n.mu.Lock()
		curr = n.state.Load()
		if notifyStateOf(curr) == notifyWaiting {
			break
		}
		n.mu.Unlock() // the queue emptied meanwhile
	}
	// Nobody has read the new count yet: notifyObserved clear.
	n.state.Store(notifyWithState(curr+notifyCallsOne, notifyEmpty) &^ notifyObserved)
	if n.mu.draining {
		// Rule 4: another call is waking its batches; serve ours at once.
		var wl wakelist.Spill
		serveAll(n.liveLocked(), &wl)
		n.mu.Unlock()
		wl.WakeAll()
		return
	}
	drain := &n.mu.qs[n.mu.live]
	n.mu.live ^= 1
	n.mu.draining = true
	n.drain(drain)
}

// drain serves the waiters of drain, the queue a NotifyWaiters call just
// took out of use, notifyBatch at a time, waking each batch with mu
// released. It is called with mu held and returns with it released. If a
// waker panics, the waiters not served yet are served and woken before the
// panic goes on, so that the drain ends.
func (n *Notify) drain(drain *waitq.Queue) {
	finished := false
	defer func() {
		if !finished {
			n.drainAll(drain)
		}
	}()
	for {
		var batch [notifyBatch]future.Waker
		k := 0
		for k < notifyBatch {
			w := drain.PopFront()
			if w == nil {
				break
			}
			batch[k] = entryOf(w).serve(notifyByAll)
			k++
		}
		more := drain.Len() > 0
		if !more {
			n.mu.draining = false
			finished = true
		}
		n.mu.Unlock()
		for i := range k {
			batch[i].Wake()
		}
		if !more {
			return
		}
		n.mu.Lock()
	}
}

// drainAll serves what is left of drain at once and wakes it: the end of a
// drain whose waking panicked.
func (n *Notify) drainAll(drain *waitq.Queue) {
	var wl wakelist.Spill
	n.mu.Lock()
	serveAll(drain, &wl)
	n.mu.draining = false
	n.mu.Unlock()
	wl.WakeAll()
}

// serveAll serves every waiter of q for NotifyWaiters, collecting their
// wakers in wl, to be woken once mu is released. The caller holds mu.
func serveAll(q *waitq.Queue, wl *wakelist.Spill) {
	for w := q.PopFront(); w != nil; w = q.PopFront() {
		wl.Push(entryOf(w).serve(notifyByAll))
	}
}

// Waiters returns the number of NotifiedFutures queued for NotifyOne. It is
// a snapshot, meant for tests and task dumps.
func (n *Notify) Waiters() int {
	n.mu.Lock()
	l := n.liveLocked().Len()
	n.mu.Unlock()
	return l
}

// Notified states.
const (
	notifiedInit    uint8 = iota // not polled or enabled yet
	notifiedWaiting              // queued, or served and not polled since
	notifiedDone                 // completed or dropped
)

// NotifiedFuture is the future returned by [Notify.Notified] (Tokio's
// Notified; the name says it is a future, and keeps it apart from
// task.Notified, a scheduled task). It outputs struct{} once notified, and
// it is fused: polls after completion return ready again. A NotifiedFuture
// is polled by one goroutine at a time.
//
// NotifiedFuture implements future.Dropper. Dropping it takes it out of the
// queue; if a NotifyOne or NotifyLast had already picked it and it had not
// seen the notification yet, the notification goes to the next waiter (or
// becomes the stored permit), so that it is not lost.
type NotifiedFuture struct {
	_     syncNoCopy
	n     *Notify
	state uint8
	calls uint64 // the NotifyWaiters count when the future was created

	// e is the queue entry; guarded by n.mu while state is notifiedWaiting,
	// except e.served (see notifyEntry).
	e notifyEntry
}

// Poll implements future.Future. It consumes one unit of the caller's budget
// when it completes.
func (f *NotifiedFuture) Poll(cx *future.Context) (struct{}, bool) {
	if f.state == notifiedDone {
		return struct{}{}, true
	}
	if !cx.ConsumeBudget() {
		return struct{}{}, false
	}
	if f.poll(cx.Waker()) {
		return struct{}{}, true
	}
	cx.RefundBudget()
	return struct{}{}, false
}

// Enable joins the queue of waiters for NotifyOne without polling, so that a
// NotifyOne from now on picks this future instead of storing a permit. It
// registers no waker: a later Poll does.
//
// Enable reports whether the future is already complete: NotifyWaiters was
// called after the future was created; or this is the first Enable or Poll
// and a stored permit was consumed; or it was enabled or polled before and
// was notified since. Once Enable reports true, every Poll is ready at once.
//
// Enable is what makes a multi-consumer wait correct: enable the future,
// check the condition, and only then await it. A notification sent between
// the check and the await is then delivered to this future instead of being
// stored as a single permit that two consumers would race for.
func (f *NotifiedFuture) Enable() bool { return f.poll(future.Waker{}) }

// poll advances f; waker is zero for Enable.
func (f *NotifiedFuture) poll(waker future.Waker) bool {
	switch f.state {
	case notifiedDone:
		return true
	case notifiedInit:
		return f.pollInit(waker)
	default:
		return f.pollWaiting(waker)
	}
}

func (f *NotifiedFuture) pollInit(waker future.Waker) bool {
	n := f.n
	curr := n.state.Load()
	// A NotifyWaiters since creation completes us and leaves the permit for
	// somebody else.
	if notifyCalls(curr) != f.calls {
		f.state = notifiedDone
		return true
	}
	// Fast path: take a stored permit without the lock.
	if notifyStateOf(curr) == notifyNotified &&
		n.state.CompareAndSwap(curr, notifyWithState(curr, notifyEmpty)) {
		f.state = notifiedDone
		return true
	}

	n.mu.Lock()
	curr = n.state.Load()
	for {
		// Checked again after every failed CAS: a NotifyWaiters with
		// nobody queued counts its call without mu (rule 2).
		if notifyCalls(curr) != f.calls {
			n.mu.Unlock()
			f.state = notifiedDone
			return true
		}
		switch notifyStateOf(curr) {
		case notifyEmpty:
			if !n.state.CompareAndSwap(curr, notifyWithState(curr, notifyWaiting)) {
				curr = n.state.Load() // a NotifyOne stored a permit meanwhile
				continue
			}
		case notifyNotified:
			if !n.state.CompareAndSwap(curr, notifyWithState(curr, notifyEmpty)) {
				curr = n.state.Load() // another first poll took it meanwhile
				continue
			}
			n.mu.Unlock()
			f.state = notifiedDone
			return true
		}
		break // notifyWaiting, or we just set it
	}
	f.e.w.Waker = waker
	f.e.served = 0 // not linked yet: no notifier reads it
	n.liveLocked().PushBack(&f.e.w)
	f.state = notifiedWaiting
	n.mu.Unlock()
	return false
}

func (f *NotifiedFuture) pollWaiting(waker future.Waker) bool {
	// The usual poll of a waiting future is the one its wake caused: it
	// sees served without the lock, and the entry is ours again.
	if atomic.LoadUint32(&f.e.served) != 0 {
		f.state = notifiedDone
		return true
	}
	n := f.n
	n.mu.Lock()
	if atomic.LoadUint32(&f.e.served) != 0 {
		// Served (and already unlinked) by a notify call meanwhile.
		n.mu.Unlock()
		f.state = notifiedDone
		return true
	}
	if notifyCalls(n.state.Load()) != f.calls {
		// Rule 3: in the drain queue of a NotifyWaiters that has not
		// reached us yet, which notifies us: leave it and complete.
		n.unlinkLocked(&f.e.w)
		f.e.w.Waker = future.Waker{}
		n.mu.Unlock()
		f.state = notifiedDone
		return true
	}
	if !waker.IsZero() && !f.e.w.Waker.WillWake(waker) {
		f.e.w.Waker = waker
	}
	n.mu.Unlock()
	return false
}

// Drop abandons f. A queued f leaves the queue; a notification from
// NotifyOne or NotifyLast that f received but did not see goes to the next
// waiter, or is stored as the permit. Drop does nothing once f completed.
func (f *NotifiedFuture) Drop() {
	if f.state != notifiedWaiting {
		f.state = notifiedDone
		return
	}
	n := f.n
	n.mu.Lock()
	kind := atomic.LoadUint32(&f.e.served)
	live := n.unlinkLocked(&f.e.w)
	f.e.w.Waker = future.Waker{}
	curr := n.state.Load()
	if live && n.liveLocked().Len() == 0 && notifyStateOf(curr) == notifyWaiting {
		curr = notifyWithState(curr, notifyEmpty) | notifyObserved
		n.state.Store(curr) // rule 1: we hold mu
	}
	var w future.Waker
	if kind == notifyByOne || kind == notifyByLast {
		w = n.notifyLocked(curr, kind)
	}
	n.mu.Unlock()
	f.state = notifiedDone
	w.Wake()
}

// Reset drops f (see [NotifiedFuture.Drop]) and makes it a new, unpolled
// NotifiedFuture of n, as if returned by n.Notified now: a future kept by
// value inside a larger future can wait again without allocating. The zero
// NotifiedFuture may be Reset.
func (f *NotifiedFuture) Reset(n *Notify) {
	if f.n != nil {
		f.Drop()
	}
	f.n, f.state, f.calls = n, notifiedInit, n.observeCalls()
	// Not queued: a served entry was seen served (the atomic load) or
	// unlinked by Drop under mu, so no notifier reads or writes e now.
	f.e = notifyEntry{}
}

// String describes what f waits for, for task dumps: for example
// "Notify.Notified (waiting, 2 ahead)".
// It takes the primitive's lock; it must not run concurrently with Poll,
// Reset or Drop of the same future.
func (f *NotifiedFuture) String() string {
	const name = "Notify.Notified"
	switch f.state {
	case notifiedInit:
		return name + " (not polled yet)"
	case notifiedDone:
		return name + " (done)"
	}
	n := f.n
	n.mu.Lock()
	defer n.mu.Unlock()
	if atomic.LoadUint32(&f.e.served) != 0 {
		return name + " (notified, not polled since)"
	}
	ahead := max(n.liveLocked().Position(&f.e.w), n.mu.qs[n.mu.live^1].Position(&f.e.w), 0) // O(1) for a dump, see Position
	return name + " (waiting, " + strconv.Itoa(ahead) + " ahead)"
}
