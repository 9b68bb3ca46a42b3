// Package semaphore is the fair batch semaphore behind weft's Mutex, RwLock
// and Semaphore. A waiter asks for any number of permits at once and waits in
// one FIFO queue; permits that are released go to the waiter at the head of
// the queue, a part at a time, until it has all it asked for. A large request
// at the head therefore holds back every later request, however small, so it
// is never starved; this is what makes weft's RwLock fair to writers.
//
// It mirrors tokio sync/batch_semaphore.rs: the same word layout idea (the
// permits counter and a closed flag in one atomic word), the same partial
// assignment to the head waiter, and the same rule that an abandoned waiter
// hands back the permits it was already given.
package semaphore

/*
# The word

word holds, from bit 2 up, the number of permits that are available to the
next caller, and two flags:

  - wordClosed (bit 0): Close was called. Set once, under mu, never cleared.
  - wordWaiters (bit 1): the queue may be non-empty. Set and cleared only under
    mu. While it is set, callers that find enough permits in the word must
    still take the slow path (so they cannot overtake a waiter), and Release
    must take mu (so the permits go to the queue first).

Invariant (under mu): if the queue is non-empty then wordWaiters is set and
the counter is zero. The only steps that add to the counter are a Release
while wordWaiters is clear (a CAS, which fails if the flag appears), and
releaseLocked once the queue is empty (which clears the flag in the same CAS).
The slow acquire that sets the flag takes every permit left in the same CAS.

# Waiters

A queued AcquireFuture's waitq.Waiter is guarded by mu. Its N field counts the
permits it still misses; it starts at the request minus what the future took
from the counter when it queued. releaseLocked assigns permits to the head
until its N is zero and then unlinks it. Close unlinks every waiter without
assigning anything. A waiter that was unlinked while it still had permits
assigned (by Close), or that is dropped while queued, gives back
request-minus-N permits through releaseLocked, so no permit is lost.

Every state change happens in one critical section of mu; the wakers of the
waiters it completed are collected in a wakelist.Spill and woken after mu is
released, so a Waker is never called with mu held.
*/

import (
	"errors"
	"math"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/weftrt/weft/future"
	"github.com/weftrt/weft/internal/waitq"
	"github.com/weftrt/weft/internal/wakelist"
)

// MaxPermits is the largest number of permits a Semaphore can hold, and the
// largest number one Acquire, TryAcquire or Release may ask for. It leaves
// three bits of an int unused, as Tokio's MAX_PERMITS does with a usize, so
// that adding two valid counts never overflows, and so that every count fits
// the int of weft's public API on 32-bit platforms too (1<<60-1 on 64-bit
// ones, 1<<28-1 on 32-bit ones).
const MaxPermits = math.MaxInt >> 3

// ErrClosed is returned by Acquire and TryAcquire once the semaphore is
// closed.
var ErrClosed = errors.New("semaphore: closed")

// ErrNoPermits is returned by TryAcquire when the permits are not available
// right now.
var ErrNoPermits = errors.New("semaphore: no permits available")

const (
	wordClosed  uint64 = 1 << 0
	wordWaiters uint64 = 1 << 1
	wordShift          = 2
)

// Semaphore is a fair counting semaphore whose waiters ask for several
// permits at once. The zero Semaphore is open and has no permits. A Semaphore
// must not be copied after first use.
type Semaphore struct {
	// word is the permit counter and flags described at the top of the file.
	// Atomic; the flags change only under mu.
	word atomic.Uint64

	mu struct {
		sync.Mutex
		// q holds the waiting AcquireFutures, oldest first.
		q waitq.Queue
	}
}

// New returns a semaphore with the given number of permits. It panics if
// permits is negative or larger than MaxPermits.
func New(permits int64) *Semaphore {
	s := &Semaphore{}
	s.Init(permits)
	return s
}

// Init gives a zero Semaphore its initial permits, so that it can be embedded
// in another type. It must be called before the semaphore is used, at most
// once. It panics if permits is negative or larger than MaxPermits.
func (s *Semaphore) Init(permits int64) {
	checkCount(permits)
	s.word.Store(uint64(permits) << wordShift)
}

func checkCount(n int64) {
	if n < 0 || n > MaxPermits {
		panic("semaphore: permit count " + strconv.FormatInt(n, 10) +
			" is out of range [0, MaxPermits]")
	}
}

// Available returns the number of permits that a caller could take right now.
// It is a snapshot that may be out of date when it returns.
func (s *Semaphore) Available() int64 { return int64(s.word.Load() >> wordShift) }

// IsClosed reports whether Close was called.
func (s *Semaphore) IsClosed() bool { return s.word.Load()&wordClosed != 0 }

// Waiters returns the number of futures waiting in the queue. It takes the
// lock; it is meant for tests and task dumps.
func (s *Semaphore) Waiters() int {
	s.mu.Lock()
	n := s.mu.q.Len()
	s.mu.Unlock()
	return n
}

// TryAcquire takes n permits if they are available now and nobody is queued
// for permits, and returns nil; otherwise it takes nothing and returns
// ErrNoPermits, or ErrClosed once the semaphore is closed. A request for zero
// permits succeeds unless the semaphore is closed. It panics if n is negative
// or larger than MaxPermits.
func (s *Semaphore) TryAcquire(n int64) error {
	checkCount(n)
	need := uint64(n) << wordShift
	for {
		w := s.word.Load()
		if w&wordClosed != 0 {
			return ErrClosed
		}
		// While waiters are queued the counter is zero (see the invariant), so
		// this test also keeps TryAcquire from overtaking them.
		if w&^(wordClosed|wordWaiters) < need {
			return ErrNoPermits
		}
		if s.word.CompareAndSwap(w, w-need) {
			return nil
		}
	}
}

// ForgetPermits removes up to n available permits from the semaphore for
// good and returns how many it removed. Permits held by others and permits
// already assigned to waiters are not touched. It panics if n is negative.
func (s *Semaphore) ForgetPermits(n int64) int64 {
	if n < 0 {
		panic("semaphore: ForgetPermits of a negative count")
	}
	for {
		w := s.word.Load()
		avail := int64(w >> wordShift)
		take := min(avail, n)
		if take == 0 {
			return 0
		}
		if s.word.CompareAndSwap(w, w-uint64(take)<<wordShift) {
			return take
		}
	}
}

// Release adds n permits. They go to the queued waiters first, oldest first,
// and whatever is left over becomes available. Waiters whose request is met
// are woken after the semaphore's lock is released. It panics if n is
// negative, or if the available permits would exceed MaxPermits.
//
// A Release synchronizes before the completion of every acquire that
// receives some of its permits.
func (s *Semaphore) Release(n int64) {
	if n <= 0 {
		if n < 0 {
			panic("semaphore: Release of a negative count")
		}
		return
	}
	add := uint64(n) << wordShift
	// Fast path: nobody is queued, so the permits go straight to the counter.
	for {
		w := s.word.Load()
		if w&wordWaiters != 0 {
			break
		}
		if int64(w>>wordShift) > MaxPermits-n {
			panic("semaphore: Release would exceed MaxPermits")
		}
		if s.word.CompareAndSwap(w, w+add) {
			return
		}
	}
	s.releaseSlow(n)
}

func (s *Semaphore) releaseSlow(n int64) {
	var wl wakelist.Spill
	s.mu.Lock()
	overflow := s.releaseLocked(n, &wl)
	s.mu.Unlock()
	wl.WakeAll()
	if overflow {
		panic("semaphore: Release would exceed MaxPermits")
	}
}

// releaseLocked hands rem permits to the waiters at the head of the queue,
// unlinking (and collecting the wakers of) those whose request it completes,
// and adds what is left to the counter. When the queue ends up empty it
// clears wordWaiters in the same CAS. It reports whether the counter would
// have exceeded MaxPermits, in which case the excess is not added. The caller
// holds mu.
func (s *Semaphore) releaseLocked(rem int64, wl *wakelist.Spill) (overflow bool) {
	q := &s.mu.q
	for rem > 0 {
		w := q.Front()
		if w == nil {
			break
		}
		give := min(w.N, rem)
		w.N -= give
		rem -= give
		if w.N == 0 {
			q.Remove(w)
			w.Notified = true
			wl.Push(w.Waker)
			w.Waker = future.Waker{}
		}
	}
	if q.Len() != 0 {
		// rem is zero here: the loop only stops early when the queue empties.
		return false
	}
	for {
		w := s.word.Load()
		add := rem
		if int64(w>>wordShift) > MaxPermits-add {
			add, overflow = MaxPermits-int64(w>>wordShift), true
		}
		nw := (w &^ wordWaiters) + uint64(add)<<wordShift
		if nw == w || s.word.CompareAndSwap(w, nw) {
			return overflow
		}
	}
}

// Close closes the semaphore: every queued acquire is woken and completes
// with ErrClosed, and every later acquire fails with ErrClosed. Permits that
// are released later are still counted by Available, but nobody can take
// them. Closing twice is harmless.
func (s *Semaphore) Close() {
	var wl wakelist.Spill
	s.mu.Lock()
	for {
		w := s.word.Load()
		if s.word.CompareAndSwap(w, (w|wordClosed)&^wordWaiters) {
			break
		}
	}
	for w := s.mu.q.PopFront(); w != nil; w = s.mu.q.PopFront() {
		// Not Notified: the waiter finds the closed flag and hands back what
		// it had been assigned.
		wl.Push(w.Waker)
		w.Waker = future.Waker{}
	}
	s.mu.Unlock()
	wl.WakeAll()
}

// Acquire returns a future that completes once it holds n permits, with nil,
// or with ErrClosed if the semaphore is closed first. The future queues on
// its first poll. It panics if n is negative or larger than MaxPermits.
func (s *Semaphore) Acquire(n int64) *AcquireFuture {
	f := &AcquireFuture{}
	f.Reset(s, n)
	return f
}

// acquire states.
const (
	acqIdle    uint8 = iota // not polled yet, holds nothing
	acqQueued               // in the queue (or unlinked by a Release or Close that it has not seen yet)
	acqDone                 // completed: with the permits (err nil) or with ErrClosed
	acqDropped              // dropped before it completed; holds nothing
)

// noCopy makes go vet's copylocks check report copies of the types that
// embed it: a future copied while it waits would corrupt the queue.
type noCopy struct{}

func (*noCopy) Lock()   {}
func (*noCopy) Unlock() {}

// AcquireFuture is a request for permits; see [Semaphore.Acquire]. It may be
// embedded by value in a larger future and set up with Reset, which saves an
// allocation. It is polled by one goroutine at a time.
//
// An AcquireFuture implements future.Dropper: dropping it while it waits
// takes it out of the queue and gives back the permits it was already
// assigned. Dropping it after it completed does nothing: the permits then
// belong to the caller, who returns them with Release.
type AcquireFuture struct {
	_     noCopy
	s     *Semaphore
	n     int64 // permits requested
	state uint8
	err   error // output, once state is acqDone

	// w is the queue entry; guarded by s.mu while state is acqQueued.
	w waitq.Waiter
}

// Reset makes f a fresh request for n permits of s. It panics if f is waiting
// in a queue, or if n is out of range. Permits that f acquired before are
// not affected: they belong to the caller.
func (f *AcquireFuture) Reset(s *Semaphore, n int64) {
	if f.state == acqQueued {
		panic("semaphore: Reset of an AcquireFuture that is waiting")
	}
	checkCount(n)
	f.s, f.n, f.state, f.err = s, n, acqIdle, nil
	// The entry is unlinked (state is not acqQueued); clear what a past wait
	// left in it.
	f.w.N, f.w.Notified, f.w.Waker = 0, false, future.Waker{}
}

// Acquired reports whether f completed with its permits (and was not
// reset since).
func (f *AcquireFuture) Acquired() bool { return f.state == acqDone && f.err == nil }

// Permits returns the number of permits f asks for.
func (f *AcquireFuture) Permits() int64 { return f.n }

// Poll implements future.Future. It consumes one unit of the caller's budget
// when it completes. Once it has completed, further polls return the same
// result without doing anything.
func (f *AcquireFuture) Poll(cx *future.Context) (error, bool) {
	switch f.state {
	case acqDone:
		return f.err, true
	case acqDropped:
		panic("semaphore: AcquireFuture polled after Drop")
	case acqIdle:
		if !cx.ConsumeBudget() {
			return nil, false
		}
		if f.pollFirst(cx) {
			return f.err, true
		}
	default:
		if !cx.ConsumeBudget() {
			return nil, false
		}
		if f.pollQueued(cx) {
			return f.err, true
		}
	}
	cx.RefundBudget()
	return nil, false
}

func (f *AcquireFuture) finish(err error) {
	f.state, f.err = acqDone, err
}

// pollFirst takes the permits or queues f.
func (f *AcquireFuture) pollFirst(cx *future.Context) bool {
	s := f.s
	need := uint64(f.n) << wordShift
	// Fast path: enough permits and nobody queued; one CAS.
	w := s.word.Load()
	for w&(wordClosed|wordWaiters) == 0 && w >= need {
		if s.word.CompareAndSwap(w, w-need) {
			f.finish(nil)
			return true
		}
		w = s.word.Load()
	}
	if w&wordClosed != 0 {
		f.finish(ErrClosed)
		return true
	}
	if f.n == 0 {
		// Nothing to wait for, even behind other waiters (as Tokio).
		f.finish(nil)
		return true
	}
	s.mu.Lock()
	for {
		w = s.word.Load()
		if w&wordClosed != 0 {
			s.mu.Unlock()
			f.finish(ErrClosed)
			return true
		}
		if w&wordWaiters == 0 && w>>wordShift >= uint64(f.n) {
			// Permits came back while we took the lock.
			if s.word.CompareAndSwap(w, w-need) {
				s.mu.Unlock()
				f.finish(nil)
				return true
			}
			continue
		}
		// Take what there is (nothing when others wait) and flag the queue,
		// in one CAS, so that no Release can slip past the flag.
		avail := w >> wordShift
		if s.word.CompareAndSwap(w, (w-avail<<wordShift)|wordWaiters) {
			f.w.N = f.n - int64(avail)
			break
		}
	}
	f.w.Waker = cx.Waker()
	f.w.Notified = false
	s.mu.q.PushBack(&f.w)
	f.state = acqQueued
	s.mu.Unlock()
	return false
}

// pollQueued checks whether f's request was met or the semaphore closed, and
// otherwise keeps its waker up to date.
func (f *AcquireFuture) pollQueued(cx *future.Context) bool {
	s := f.s
	s.mu.Lock()
	if s.word.Load()&wordClosed != 0 {
		// Close won: hand back whatever was assigned (all of it if a Release
		// completed f just before Close), as Tokio's Acquire does on drop.
		var wl wakelist.Spill
		s.mu.q.Remove(&f.w)
		got := f.n - f.w.N
		f.w.N = f.n
		if got > 0 {
			s.releaseLocked(got, &wl)
		}
		s.mu.Unlock()
		wl.WakeAll()
		f.finish(ErrClosed)
		return true
	}
	if f.w.Notified {
		s.mu.Unlock()
		f.finish(nil)
		return true
	}
	if w := cx.Waker(); !f.w.Waker.WillWake(w) {
		f.w.Waker = w
	}
	s.mu.Unlock()
	return false
}

// Drop abandons f. A waiting f leaves the queue and gives back the permits it
// was assigned; the waiters behind it may receive them. Drop does nothing
// once f has completed.
func (f *AcquireFuture) Drop() {
	switch f.state {
	case acqIdle:
		f.state = acqDropped
		return
	case acqDone, acqDropped:
		return
	}
	s := f.s
	var wl wakelist.Spill
	s.mu.Lock()
	s.mu.q.Remove(&f.w)
	got := f.n - f.w.N
	f.w.N, f.w.Waker = f.n, future.Waker{}
	// releaseLocked also clears the waiters flag if f was the last waiter.
	overflow := s.releaseLocked(got, &wl)
	s.mu.Unlock()
	f.state = acqDropped
	wl.WakeAll()
	if overflow {
		panic("semaphore: Release would exceed MaxPermits")
	}
}

// Position reports how many waiters are queued ahead of f, and whether f is
// queued at all. It takes the semaphore's lock; it is meant for task dumps,
// and costs O(1) per waiter of a dump (waitq.Queue.Position).
func (f *AcquireFuture) Position() (ahead int, queued bool) {
	if f.state != acqQueued {
		return 0, false
	}
	s := f.s
	s.mu.Lock()
	defer s.mu.Unlock()
	if ahead = s.mu.q.Position(&f.w); ahead < 0 {
		return 0, false
	}
	return ahead, true
}

// String describes f for task dumps; see Describe.
func (f *AcquireFuture) String() string { return f.Describe("Semaphore.Acquire") }

// Describe returns name followed by f's progress, for task dumps: for
// example "Mutex.Lock (3 waiters ahead)". It takes the semaphore's lock; it
// must not run concurrently with Poll, Reset or Drop of f.
func (f *AcquireFuture) Describe(name string) string {
	switch f.state {
	case acqIdle:
		return name + " (not polled yet)"
	case acqDone:
		if f.err != nil {
			return name + " (semaphore closed)"
		}
		return name + " (done)"
	case acqDropped:
		return name + " (dropped)"
	}
	ahead, queued := f.Position()
	if !queued {
		return name + " (woken, not polled yet)"
	}
	if ahead == 0 {
		return name + " (first in line)"
	}
	return name + " (" + strconv.Itoa(ahead) + " waiters ahead)"
}
