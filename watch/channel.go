package watch

import (
	"sync"
	"sync/atomic"

	"github.com/weftrt/weft/internal/waitq"
	"github.com/weftrt/weft/internal/wakelist"
)

/*
# State

The value sits under valueMu, a RWMutex: senders write it under the write
lock, Borrow copies it under the read lock. The state word holds the version
in steps of two and, in bit 0, whether every sender is closed (mirrors tokio
sync/watch.rs AtomicState). The version only changes while valueMu is held
for writing, so a reader holding the read lock sees a version that matches
the value it copies.

# Waiting without lost wakeups

A Changed future checks the state; when nothing changed it links itself
into rxq under mu, publishes the new queue length in waiting, and only then
checks the state again (unlinking itself if it changed after all). A sender
bumps the version first and then reads waiting; only when it is not zero does
it take mu and wake rxq. Go's atomics are sequentially consistent, so either
the sender's read of waiting comes after the future published it (and the
sender wakes the future), or the future's second check comes after the bump
(and the future completes without waiting). Closing works the same way with
bit 0, except that Close always takes mu. Sender.Closed futures wait in txq
for rxCount to reach zero, which only changes under mu.
*/

// closedBit marks, in the state word, that every sender is closed.
const closedBit = 1

// versionStep is the version increment; it leaves closedBit alone.
const versionStep = 2

// shared is the channel every handle points to.
type shared[T any] struct {
	valueMu sync.RWMutex
	value   T // guarded by valueMu

	// state is the version (a multiple of versionStep) | closedBit. The
	// version changes only under valueMu's write lock.
	state atomic.Uint64

	// mu guards the queues, and every change of the counts (which are
	// atomic so that they can be read without it).
	mu      sync.Mutex
	rxq     waitq.Queue  // Changed and WaitFor futures
	waiting atomic.Int64 // rxq.Len(), stored under mu after each change
	txq     waitq.Queue  // Sender.Closed futures
	rxCount atomic.Int64
	txCount atomic.Int64
}

func version(state uint64) uint64 { return state &^ closedBit }

func isClosed(state uint64) bool { return state&closedBit != 0 }

// New returns a channel holding init, with one Sender and one Receiver. The
// Receiver starts having seen init.
func New[T any](init T) (*Sender[T], *Receiver[T]) {
	s := &shared[T]{value: init}
	s.rxCount.Store(1)
	s.txCount.Store(1)
	return &Sender[T]{s: s}, &Receiver[T]{s: s}
}

// notifyRx wakes every receiver waiting in rxq if there may be one. The
// caller has just changed the state word.
func (s *shared[T]) notifyRx() {
	if s.waiting.Load() == 0 {
		return
	}
	s.mu.Lock()
	s.notifyRxLocked()
	s.mu.Unlock()
}

// notifyRxLocked wakes every receiver in rxq; s.mu is held.
func (s *shared[T]) notifyRxLocked() {
	wakelist.NotifyAll(&s.mu, &s.rxq)
	s.waiting.Store(int64(s.rxq.Len()))
}

// read copies the value and the version that goes with it.
func (s *shared[T]) read() (T, uint64) {
	s.valueMu.RLock()
	defer s.valueMu.RUnlock()
	return s.value, version(s.state.Load())
}
