package weft

import (
	"context"
	"math"
	"strconv"
	"sync/atomic"

	"github.com/weftrt/weft/future"
	"github.com/weftrt/weft/internal/gowait"
	"github.com/weftrt/weft/internal/semaphore"
)

// MaxRwLockReaders is the largest number of readers an [RwLock] can be
// configured for, and the default. It is Tokio's MAX_READS.
const MaxRwLockReaders = math.MaxUint32 >> 3

// RwLock is a reader-writer lock for tasks that protects a value of type T:
// any number of readers (up to a maximum) or one writer at a time. Locking is
// a future, so a waiting task yields its worker, and a waiting lock can be
// abandoned (dropped) at any time. It mirrors tokio sync/rwlock.rs.
//
// The lock is fair and queues readers and writers in one FIFO: a request is
// served only after every request that started waiting before it. A writer
// that waits therefore holds back the readers that come after it, so writers
// are never starved by a stream of readers. (The price: a reader that comes
// after a waiting writer waits even while other readers hold the lock.)
//
// It is built on a semaphore with as many permits as the maximum number of
// readers: a reader takes one, a writer takes all of them.
//
// The zero RwLock is not usable: create one with [NewRwLock]. An RwLock must
// not be copied after first use.
type RwLock[T any] struct {
	sem        semaphore.Semaphore // maxReaders permits
	maxReaders int64               // immutable
	v          T                   // read by permit holders, written by the holder of all permits
}

// NewRwLock returns an unlocked RwLock that protects v and admits up to
// MaxRwLockReaders readers at once.
func NewRwLock[T any](v T) *RwLock[T] {
	return NewRwLockWithMaxReaders(v, MaxRwLockReaders)
}

// NewRwLockWithMaxReaders returns an unlocked RwLock that admits at most
// maxReaders readers at once; the next reader waits for one of them to
// unlock. It panics unless 1 <= maxReaders <= MaxRwLockReaders.
func NewRwLockWithMaxReaders[T any](v T, maxReaders int) *RwLock[T] {
	if maxReaders < 1 || maxReaders > MaxRwLockReaders {
		panic("weft: an RwLock needs between 1 and MaxRwLockReaders readers, not " +
			strconv.Itoa(maxReaders))
	}
	l := &RwLock[T]{maxReaders: int64(maxReaders), v: v}
	l.sem.Init(int64(maxReaders))
	return l
}

// MaxReaders returns the number of readers the lock admits at once.
func (l *RwLock[T]) MaxReaders() int { return int(l.maxReaders) }

// Read returns a future that completes with a read guard once the lock is
// held for reading. The future queues on its first poll; dropping it before
// it completes leaves the queue and holds nothing.
//
// An Unlock of a write guard synchronizes before the completion of every
// Read or Write that acquires the lock after it; an Unlock of a read guard
// synchronizes before the completion of the next Write.
func (l *RwLock[T]) Read() *RwLockReadFuture[T] {
	f := &RwLockReadFuture[T]{guard: RwLockReadGuard[T]{l: l}}
	f.acq.Reset(&l.sem, 1)
	return f
}

// Write returns a future that completes with a write guard once the lock is
// held exclusively. The future queues on its first poll; dropping it before
// it completes leaves the queue, and the readers queued behind it may then
// proceed.
func (l *RwLock[T]) Write() *RwLockWriteFuture[T] {
	f := &RwLockWriteFuture[T]{guard: RwLockWriteGuard[T]{l: l}}
	f.acq.Reset(&l.sem, l.maxReaders)
	return f
}

// TryRead takes the lock for reading if that is possible now without
// waiting (no writer holds it, nobody is queued, fewer than MaxReaders
// readers hold it), and reports whether it did.
func (l *RwLock[T]) TryRead() (*RwLockReadGuard[T], bool) {
	if l.sem.TryAcquire(1) != nil {
		return nil, false
	}
	return &RwLockReadGuard[T]{l: l}, true
}

// TryWrite takes the lock for writing if nobody holds or waits for it, and
// reports whether it did.
func (l *RwLock[T]) TryWrite() (*RwLockWriteGuard[T], bool) {
	if l.sem.TryAcquire(l.maxReaders) != nil {
		return nil, false
	}
	return &RwLockWriteGuard[T]{l: l}, true
}

// BlockingRead takes the lock for reading from a plain goroutine, blocking
// it until it can (the guard is returned) or ctx is done (ctx.Err() is
// returned, and the goroutine has left the queue without the lock). It must
// not be called from inside a task, which awaits Read instead; like
// [Mutex.BlockingLock] it panics there when it would have to wait, and when
// ctx is nil. Tokio's equivalent is RwLock::blocking_read.
func (l *RwLock[T]) BlockingRead(ctx context.Context) (*RwLockReadGuard[T], error) {
	gowait.CheckContext(ctx)
	if g, ok := l.TryRead(); ok {
		return g, nil
	}
	return gowait.Wait[*RwLockReadGuard[T]](ctx, l.Read())
}

// BlockingWrite takes the lock for writing from a plain goroutine, blocking
// it until it can (the guard is returned) or ctx is done (ctx.Err() is
// returned, and the goroutine has left the queue without the lock). It must
// not be called from inside a task, which awaits Write instead; like
// [Mutex.BlockingLock] it panics there when it would have to wait, and when
// ctx is nil. Tokio's equivalent is RwLock::blocking_write.
func (l *RwLock[T]) BlockingWrite(ctx context.Context) (*RwLockWriteGuard[T], error) {
	gowait.CheckContext(ctx)
	if g, ok := l.TryWrite(); ok {
		return g, nil
	}
	return gowait.Wait[*RwLockWriteGuard[T]](ctx, l.Write())
}

// RwLockReadGuard is shared access to the value of an [RwLock], until
// [RwLockReadGuard.Unlock]. Using it after Unlock panics.
type RwLockReadGuard[T any] struct {
	l        *RwLock[T]
	unlocked atomic.Bool
}

func (g *RwLockReadGuard[T]) check() {
	if g.unlocked.Load() {
		panic("weft: RwLockReadGuard used after Unlock")
	}
}

// Get returns a copy of the protected value.
func (g *RwLockReadGuard[T]) Get() T {
	g.check()
	return g.l.v
}

// Ptr returns a pointer to the protected value, for reading large values
// without copying them. Other readers share it: writing through it is a data
// race. It must not be used after Unlock.
func (g *RwLockReadGuard[T]) Ptr() *T {
	g.check()
	return &g.l.v
}

// Unlock releases the read lock. Calling it twice panics.
func (g *RwLockReadGuard[T]) Unlock() {
	if !g.unlocked.CompareAndSwap(false, true) {
		panic("weft: Unlock of an already unlocked RwLockReadGuard")
	}
	g.l.sem.Release(1)
}

// RwLockWriteGuard is exclusive access to the value of an [RwLock], until
// [RwLockWriteGuard.Unlock] or [RwLockWriteGuard.Downgrade]. Using it after
// either panics.
type RwLockWriteGuard[T any] struct {
	l        *RwLock[T]
	unlocked atomic.Bool
}

func (g *RwLockWriteGuard[T]) check() {
	if g.unlocked.Load() {
		panic("weft: RwLockWriteGuard used after Unlock")
	}
}

// Get returns a copy of the protected value.
func (g *RwLockWriteGuard[T]) Get() T {
	g.check()
	return g.l.v
}

// Set replaces the protected value.
func (g *RwLockWriteGuard[T]) Set(v T) {
	g.check()
	g.l.v = v
}

// Ptr returns a pointer to the protected value, for changing it in place.
// It must not be used after Unlock or Downgrade.
func (g *RwLockWriteGuard[T]) Ptr() *T {
	g.check()
	return &g.l.v
}

// Unlock releases the write lock. Calling it twice panics.
func (g *RwLockWriteGuard[T]) Unlock() {
	if !g.unlocked.CompareAndSwap(false, true) {
		panic("weft: Unlock of an already unlocked RwLockWriteGuard")
	}
	g.l.sem.Release(g.l.maxReaders)
}

// Downgrade turns the write lock into a read lock without letting a writer
// in between: it keeps one permit and releases the others, so the readers
// queued first may join. The write guard is unusable afterwards. Everything
// the writer did synchronizes before the completion of the reads it admits.
func (g *RwLockWriteGuard[T]) Downgrade() *RwLockReadGuard[T] {
	if !g.unlocked.CompareAndSwap(false, true) {
		panic("weft: Downgrade of an already unlocked RwLockWriteGuard")
	}
	g.l.sem.Release(g.l.maxReaders - 1)
	return &RwLockReadGuard[T]{l: g.l}
}

// RwLockReadFuture is the future returned by [RwLock.Read]. It outputs the
// read guard and is fused. It implements future.Dropper: dropping it while
// it waits leaves the queue and holds nothing.
type RwLockReadFuture[T any] struct {
	acq   semaphore.AcquireFuture
	guard RwLockReadGuard[T]
}

// Poll implements future.Future. It consumes one unit of the caller's budget
// when it completes.
func (f *RwLockReadFuture[T]) Poll(cx *future.Context) (*RwLockReadGuard[T], bool) {
	if _, ok := f.acq.Poll(cx); !ok {
		return nil, false
	}
	return &f.guard, true
}

// Reset makes f an unpolled Read of l, so that a future kept by value can
// lock again without allocating; see [MutexLockFuture.Reset] for the rules.
func (f *RwLockReadFuture[T]) Reset(l *RwLock[T]) {
	if f.acq.Acquired() && !f.guard.unlocked.Load() {
		panic("weft: RwLockReadFuture.Reset while its guard is locked")
	}
	f.acq.Reset(&l.sem, 1)
	f.guard.l = l
	if f.guard.unlocked.Load() {
		f.guard.unlocked.Store(false)
	}
}

// Drop abandons the future.
func (f *RwLockReadFuture[T]) Drop() { f.acq.Drop() }

// String describes what f waits for, for task dumps: for example
// "RwLock.Read (2 waiters ahead)".
// It takes the primitive's lock; it must not run concurrently with Poll,
// Reset or Drop of the same future.
func (f *RwLockReadFuture[T]) String() string { return f.acq.Describe("RwLock.Read") }

// RwLockWriteFuture is the future returned by [RwLock.Write]. It outputs the
// write guard and is fused. It implements future.Dropper: dropping it while
// it waits leaves the queue, gives back the reader permits it had gathered,
// and holds nothing.
type RwLockWriteFuture[T any] struct {
	acq   semaphore.AcquireFuture
	guard RwLockWriteGuard[T]
}

// Poll implements future.Future. It consumes one unit of the caller's budget
// when it completes.
func (f *RwLockWriteFuture[T]) Poll(cx *future.Context) (*RwLockWriteGuard[T], bool) {
	if _, ok := f.acq.Poll(cx); !ok {
		return nil, false
	}
	return &f.guard, true
}

// Reset makes f an unpolled Write of l, so that a future kept by value can
// lock again without allocating; see [MutexLockFuture.Reset] for the rules.
func (f *RwLockWriteFuture[T]) Reset(l *RwLock[T]) {
	if f.acq.Acquired() && !f.guard.unlocked.Load() {
		panic("weft: RwLockWriteFuture.Reset while its guard is locked")
	}
	f.acq.Reset(&l.sem, l.maxReaders)
	f.guard.l = l
	if f.guard.unlocked.Load() {
		f.guard.unlocked.Store(false)
	}
}

// Drop abandons the future.
func (f *RwLockWriteFuture[T]) Drop() { f.acq.Drop() }

// String describes what f waits for, for task dumps: for example
// "RwLock.Write (first in line)".
// It takes the primitive's lock; it must not run concurrently with Poll,
// Reset or Drop of the same future.
func (f *RwLockWriteFuture[T]) String() string { return f.acq.Describe("RwLock.Write") }
