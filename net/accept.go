package net

import (
	"github.com/weftrt/weft/future"
	"github.com/weftrt/weft/internal/iodriver"
)

// AcceptFuture is the future of a listener's Accept; S is *TCPStream or
// *UnixStream. It waits in the listener's waiter list, so any number of
// tasks may accept at once, and it unlinks itself when dropped.
type AcceptFuture[S any] struct {
	l    *socket
	w    iodriver.Waiter
	wrap func(d *iodriver.Driver, fd int) (S, *socket, error)
	done bool
}

// Poll accepts a connection once one is queued.
func (f *AcceptFuture[S]) Poll(cx *future.Context) (future.Result[S], bool) {
	if f.done {
		panic("weft/net: Accept future polled after completion (Reset it to use it again)")
	}
	fd, err, ok := f.l.poll(cx, &f.w, opAccept, nil)
	if !ok {
		return future.Result[S]{}, false
	}
	f.done = true
	if err != nil {
		return future.Result[S]{Err: err}, true
	}
	s, _, err := f.wrap(f.l.r.Driver(), fd)
	return future.Result[S]{Value: s, Err: err}, true
}

// Reset makes f accept again. It panics if f is waiting.
func (f *AcceptFuture[S]) Reset() {
	resetCheck(&f.w, "Accept")
	f.done = false
}

// Drop stops waiting. It implements future.Dropper.
func (f *AcceptFuture[S]) Drop() { f.l.drop(&f.w) }

// String describes the future for task dumps.
func (f *AcceptFuture[S]) String() string { return f.l.describe("Accept", -1) }
