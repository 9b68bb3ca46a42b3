package watch

import "sync/atomic"

// Sender replaces the value of a watch channel. It may be shared by
// goroutines; [Sender.Clone] makes another handle that counts separately.
// Each handle is closed once with [Sender.Close]; when the last one closes,
// the receivers learn that no new value will come. Sending on a closed
// handle panics. The zero Sender is not usable; [New] makes one.
type Sender[T any] struct {
	s      *shared[T]
	closed atomic.Bool
}

func (tx *Sender[T]) mustBeOpen() {
	if tx.closed.Load() {
		panic("watch: use of a closed Sender")
	}
}

// Send stores v as the new value and wakes every receiver waiting in
// Changed, unless no Receiver is open: then it returns [ErrClosed] and stores
// nothing (the caller keeps v). The check is a hint: a receiver subscribing
// concurrently may or may not see v.
//
// Send synchronizes before every Changed, Borrow or BorrowAndUpdate that
// observes the new version.
func (tx *Sender[T]) Send(v T) error {
	tx.mustBeOpen()
	if tx.s.rxCount.Load() == 0 {
		return ErrClosed
	}
	tx.s.replace(v)
	return nil
}

// SendReplace stores v whether or not a receiver is open, and returns the
// value it replaced.
func (tx *Sender[T]) SendReplace(v T) T {
	tx.mustBeOpen()
	return tx.s.replace(v)
}

// replace stores v, makes a new version and wakes the receivers.
func (s *shared[T]) replace(v T) T {
	s.valueMu.Lock()
	old := s.value
	s.value = v
	s.state.Add(versionStep)
	s.valueMu.Unlock()
	s.notifyRx()
	return old
}

// SendModify changes the value in place with modify, makes a new version and
// wakes the receivers. modify runs under the channel's write lock: it must be
// quick and must not use the channel. If modify panics, its changes stay but
// no new version is made and nobody is woken; the panic continues.
func (tx *Sender[T]) SendModify(modify func(*T)) {
	tx.SendIfModified(func(p *T) bool {
		modify(p)
		return true
	})
}

// SendIfModified is SendModify for a change that may turn out to be none:
// when modify returns false, no new version is made and no receiver is woken.
// It reports what modify returned.
func (tx *Sender[T]) SendIfModified(modify func(*T) bool) bool {
	tx.mustBeOpen()
	s := tx.s
	if !s.modify(modify) {
		return false
	}
	s.notifyRx()
	return true
}

// modify applies f under the write lock and bumps the version if f reports a
// change. A panic in f unlocks and propagates without bumping.
func (s *shared[T]) modify(f func(*T) bool) bool {
	s.valueMu.Lock()
	defer s.valueMu.Unlock()
	if !f(&s.value) {
		return false
	}
	s.state.Add(versionStep)
	return true
}

// Borrow returns a copy of the current value.
func (tx *Sender[T]) Borrow() T {
	v, _ := tx.s.read()
	return v
}

// Subscribe returns a new Receiver that has seen the current value. It opens
// the channel again if every Receiver had been closed.
func (tx *Sender[T]) Subscribe() *Receiver[T] {
	tx.mustBeOpen()
	s := tx.s
	s.mu.Lock()
	s.rxCount.Add(1)
	_, ver := s.read()
	s.mu.Unlock()
	return &Receiver[T]{s: s, version: ver}
}

// ReceiverCount returns the number of open Receivers.
func (tx *Sender[T]) ReceiverCount() int { return int(tx.s.rxCount.Load()) }

// SenderCount returns the number of open Sender handles.
func (tx *Sender[T]) SenderCount() int { return int(tx.s.txCount.Load()) }

// IsClosed reports whether every Receiver is closed, so that Send fails.
func (tx *Sender[T]) IsClosed() bool { return tx.s.rxCount.Load() == 0 }

// Closed returns a future that completes when every Receiver is closed. It
// waits again if the channel is reopened by Subscribe before it is polled.
// Building it allocates.
func (tx *Sender[T]) Closed() *ClosedFuture[T] { return &ClosedFuture[T]{s: tx.s} }

// Clone returns a new Sender handle, to be closed on its own.
func (tx *Sender[T]) Clone() *Sender[T] {
	tx.mustBeOpen()
	s := tx.s
	s.mu.Lock()
	s.txCount.Add(1)
	s.mu.Unlock()
	return &Sender[T]{s: s}
}

// Close releases this handle. Closing the last one marks the channel closed
// and wakes every waiting receiver, which reports [ErrClosed] once it has
// seen the final value. Close is idempotent and synchronizes before the
// Changed that reports ErrClosed because of it.
func (tx *Sender[T]) Close() {
	if !tx.closed.CompareAndSwap(false, true) {
		return
	}
	s := tx.s
	s.mu.Lock()
	if s.txCount.Add(-1) == 0 {
		s.state.Or(closedBit)
		s.notifyRxLocked()
	}
	s.mu.Unlock()
}

// SameChannel reports whether tx and o belong to the same channel.
func (tx *Sender[T]) SameChannel(o *Sender[T]) bool { return tx.s == o.s }
