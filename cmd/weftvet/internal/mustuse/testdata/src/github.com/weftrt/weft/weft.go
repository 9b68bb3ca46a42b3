// Package weft is a stand-in for weft's root package.
package weft

import (
	"time"

	"github.com/weftrt/weft/future"
	"github.com/weftrt/weft/task"
)

// Runtime runs tasks.
type Runtime struct{}

// A is an async body's handle.
type A struct{}

// Await polls f to completion.
func Await[T any](a *A, f future.Future[T]) T {
	var z T
	return z
}

// Spawn spawns f and returns its handle.
func Spawn[F future.Future[T], T any](rt *Runtime, f F) *task.JoinHandle[T] {
	return new(task.JoinHandle[T])
}

// SpawnDetached spawns f without a handle.
func SpawnDetached[F future.Future[T], T any](rt *Runtime, f F) task.AbortHandle {
	return task.AbortHandle{}
}

// SleepFuture is a future with a Drop method.
type SleepFuture struct{ d time.Duration }

// Sleep returns a sleep.
func Sleep(d time.Duration) *SleepFuture { return &SleepFuture{d} }

// Poll polls the sleep.
func (s *SleepFuture) Poll(*future.Context) (struct{}, bool) { return struct{}{}, false }

// Drop releases the timer.
func (s *SleepFuture) Drop() {}

// Reset re-arms the sleep.
func (s *SleepFuture) Reset(time.Time) {}

// Deadline returns the deadline.
func (s *SleepFuture) Deadline() (time.Time, bool) { return time.Time{}, false }

// String describes the sleep.
func (s *SleepFuture) String() string { return "Sleep" }

// Mutex is a lock.
type Mutex struct{}

// LockFuture locks a Mutex.
type LockFuture struct{}

// Lock returns a lock future.
func (m *Mutex) Lock() *LockFuture { return &LockFuture{} }

// Poll polls the lock.
func (f *LockFuture) Poll(*future.Context) (*Mutex, bool) { return nil, false }

// Zq is a future whose name says nothing of what it is.
type Zq struct{}

// Poll makes Zq a future.
func (*Zq) Poll(*future.Context) (int, bool) { return 0, false }

// MakeZq returns a Zq.
func MakeZq() *Zq { return &Zq{} }

// ValueFuture is a future held by value with a pointer Poll.
type ValueFuture struct{}

// Poll polls it.
func (*ValueFuture) Poll(*future.Context) (int, bool) { return 0, false }

// NotAFuture has a Poll method of another shape.
type NotAFuture struct{}

// Poll takes no context.
func (*NotAFuture) Poll() (int, bool) { return 0, false }

// MakeNotAFuture returns one.
func MakeNotAFuture() *NotAFuture { return &NotAFuture{} }

// Iface returns a future as the interface.
func Iface() future.Future[int] { return future.Ready(1) }

// Pair returns two values, the second a future.
func Pair() (int, *SleepFuture) { return 0, Sleep(0) }

// Bad panics: a constructor tested for its panic.
func Bad(d time.Duration) *SleepFuture {
	if d < 0 {
		panic("weft: negative")
	}
	return Sleep(d)
}
