package weft

import (
	"context"
	"sync/atomic"

	"github.com/weftrt/weft/future"
	"github.com/weftrt/weft/internal/gowait"
	"github.com/weftrt/weft/internal/semaphore"
)

// Mutex is a mutual-exclusion lock for tasks that protects a value of type
// T. Locking is a future: a task that waits for the lock yields its worker
// instead of blocking it, and a waiting lock can be abandoned (dropped) at
// any time. It mirrors tokio sync/mutex.rs.
//
// The lock is fair: tasks acquire it in the order in which their Lock
// futures were first polled, so no waiter is starved. It is built on a
// semaphore with one permit.
//
// The protected value is reached through the [MutexGuard] that Lock yields,
// and only while the guard is held. A plain goroutine that is not a task uses
// [Mutex.BlockingLock]. For data that is never held across an await, a
// sync.Mutex is cheaper; use this Mutex when the lock must be held while the
// task waits for something else.
//
// The zero Mutex is not usable: create one with [NewMutex]. A Mutex must not
// be copied after first use.
type Mutex[T any] struct {
	sem semaphore.Semaphore // one permit: whoever holds it owns v
	v   T                   // touched only by the holder of the permit
}

// NewMutex returns an unlocked Mutex that protects v.
func NewMutex[T any](v T) *Mutex[T] {
	m := &Mutex[T]{v: v}
	m.sem.Init(1)
	return m
}

// Lock returns a future that completes with a guard once the lock is held.
// The future joins the queue of waiters on its first poll; dropping it
// before it completes leaves the queue without taking the lock (and, if the
// lock had been handed to it already, passes it on).
//
// For each n, the n-th [MutexGuard.Unlock] synchronizes before the
// completion of the n+1-th Lock (or TryLock), as with sync.Mutex.
func (m *Mutex[T]) Lock() *MutexLockFuture[T] {
	f := &MutexLockFuture[T]{guard: MutexGuard[T]{m: m}}
	f.acq.Reset(&m.sem, 1)
	return f
}

// TryLock takes the lock if it is free and nobody is queued for it, and
// reports whether it did. It never waits.
func (m *Mutex[T]) TryLock() (*MutexGuard[T], bool) {
	if m.sem.TryAcquire(1) != nil {
		return nil, false
	}
	return &MutexGuard[T]{m: m}, true
}

// BlockingLock takes the lock from a plain goroutine, blocking it until the
// lock is free (the guard is returned) or ctx is done (ctx.Err() is
// returned, and the goroutine has left the queue without the lock). It takes
// its turn in the same queue as the tasks. It must not be called from inside
// a task, which awaits Lock instead: called from a goroutine that runs tasks,
// it panics when it would have to wait, since it would block that goroutine
// and deadlock if the holder of the lock needs it to make progress. It panics
// when ctx is nil. Tokio's equivalent is Mutex::blocking_lock, which cannot be
// cancelled.
func (m *Mutex[T]) BlockingLock(ctx context.Context) (*MutexGuard[T], error) {
	gowait.CheckContext(ctx)
	if g, ok := m.TryLock(); ok {
		return g, nil
	}
	return gowait.Wait[*MutexGuard[T]](ctx, m.Lock())
}

// MutexGuard is the proof that the holder owns a [Mutex]: it gives access to
// the protected value until [MutexGuard.Unlock]. Using a guard after Unlock
// panics. A guard may be passed between goroutines (tasks move between
// workers), but must not be used by two at once.
type MutexGuard[T any] struct {
	m        *Mutex[T]
	unlocked atomic.Bool
}

func (g *MutexGuard[T]) check() {
	if g.unlocked.Load() {
		panic("weft: MutexGuard used after Unlock")
	}
}

// Get returns a copy of the protected value.
func (g *MutexGuard[T]) Get() T {
	g.check()
	return g.m.v
}

// Set replaces the protected value.
func (g *MutexGuard[T]) Set(v T) {
	g.check()
	g.m.v = v
}

// Ptr returns a pointer to the protected value, for changing it in place.
// The pointer must not be used after Unlock.
func (g *MutexGuard[T]) Ptr() *T {
	g.check()
	return &g.m.v
}

// Unlock releases the lock; the oldest waiter, if any, gets it next. Unlock
// synchronizes before the completion of the next Lock. Calling Unlock twice
// on the same guard panics.
func (g *MutexGuard[T]) Unlock() {
	if !g.unlocked.CompareAndSwap(false, true) {
		panic("weft: Unlock of an already unlocked MutexGuard")
	}
	g.m.sem.Release(1)
}

// MutexLockFuture is the future returned by [Mutex.Lock]. It outputs the
// guard, and it is fused: polls after completion return the same guard. It
// is polled by one goroutine at a time.
//
// MutexLockFuture implements future.Dropper: dropping it while it waits
// leaves the queue and holds nothing. Dropping it after it completed does not
// unlock: the guard does that.
type MutexLockFuture[T any] struct {
	acq   semaphore.AcquireFuture
	guard MutexGuard[T] // handed out on completion; the future's memory holds it, so locking allocates once
}

// Poll implements future.Future. It consumes one unit of the caller's budget
// when it completes.
func (f *MutexLockFuture[T]) Poll(cx *future.Context) (*MutexGuard[T], bool) {
	if _, ok := f.acq.Poll(cx); !ok {
		return nil, false
	}
	// The semaphore of a Mutex is never closed, so acquiring cannot fail.
	return &f.guard, true
}

// Reset makes f an unpolled Lock of m, so that a future kept by value inside
// a larger future can lock again and again without allocating (Lock
// allocates a new future each time). The zero MutexLockFuture may be Reset.
// Reset panics if f is waiting (Drop it first) or if the guard it yielded is
// still locked. The guard pointer that f yielded before becomes the guard of
// the new lock, so it must not be kept.
func (f *MutexLockFuture[T]) Reset(m *Mutex[T]) {
	if f.acq.Acquired() && !f.guard.unlocked.Load() {
		panic("weft: MutexLockFuture.Reset while its guard is locked")
	}
	f.acq.Reset(&m.sem, 1)
	f.guard.m = m
	if f.guard.unlocked.Load() {
		f.guard.unlocked.Store(false)
	}
}

// Drop abandons the future; see [MutexLockFuture].
func (f *MutexLockFuture[T]) Drop() { f.acq.Drop() }

// String describes what f waits for, for task dumps: for example
// "Mutex.Lock (3 waiters ahead)".
// It takes the primitive's lock; it must not run concurrently with Poll,
// Reset or Drop of the same future.
func (f *MutexLockFuture[T]) String() string { return f.acq.Describe("Mutex.Lock") }
