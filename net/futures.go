package net

import (
	"io"
	"strconv"

	"github.com/weftrt/weft/future"
	"github.com/weftrt/weft/internal/iodriver"
)

// The futures of this file wait in the socket's waiter list (any number of
// tasks may wait at once) with an iodriver.Waiter they embed: a wait
// allocates nothing, and a future dropped while it waits unlinks itself
// (future.Dropper), leaving the socket usable by other tasks. Each can be
// kept and renewed with Reset, so that a loop reads or writes without
// allocating. Polling one after it completed, without a Reset, panics.

// ReadFuture is the future of a stream's Read.
type ReadFuture struct {
	s    *socket
	p    []byte
	w    iodriver.Waiter
	done bool
}

// Poll reads once the socket is readable.
func (f *ReadFuture) Poll(cx *future.Context) (future.Result[int], bool) {
	f.check("Read")
	if len(f.p) == 0 {
		f.done = true
		return future.Result[int]{}, true
	}
	n, err, ok := f.s.poll(cx, &f.w, opRead, f.p)
	if !ok {
		return future.Result[int]{}, false
	}
	f.done = true
	return future.Result[int]{Value: n, Err: err}, true
}

func (f *ReadFuture) check(what string) {
	if f.done {
		panic("weft/net: " + what + " future polled after completion (Reset it to use it again)")
	}
	if f.s == nil {
		panic("weft/net: zero " + what + " future polled")
	}
}

// Reset makes f a new Read into p on the same socket. It panics if f is
// waiting (poll it to completion or Drop it first).
func (f *ReadFuture) Reset(p []byte) {
	resetCheck(&f.w, "Read")
	f.p, f.done = p, false
}

// Drop stops waiting. It implements future.Dropper.
func (f *ReadFuture) Drop() { f.s.drop(&f.w) }

// String describes the future for task dumps.
func (f *ReadFuture) String() string { return f.s.describe("Read", len(f.p)) }

// WriteFuture is the future of a stream's Write.
type WriteFuture struct {
	s    *socket
	p    []byte
	w    iodriver.Waiter
	done bool
}

// Poll writes once the socket is writable.
func (f *WriteFuture) Poll(cx *future.Context) (future.Result[int], bool) {
	if f.done {
		panic("weft/net: Write future polled after completion (Reset it to use it again)")
	}
	if len(f.p) == 0 {
		f.done = true
		return future.Result[int]{}, true
	}
	n, err, ok := f.s.poll(cx, &f.w, opWrite, f.p)
	if !ok {
		return future.Result[int]{}, false
	}
	f.done = true
	return future.Result[int]{Value: n, Err: err}, true
}

// Reset makes f a new Write of p on the same socket. It panics if f is
// waiting.
func (f *WriteFuture) Reset(p []byte) {
	resetCheck(&f.w, "Write")
	f.p, f.done = p, false
}

// Drop stops waiting. It implements future.Dropper.
func (f *WriteFuture) Drop() { f.s.drop(&f.w) }

// String describes the future for task dumps.
func (f *WriteFuture) String() string { return f.s.describe("Write", len(f.p)) }

// ReadFullFuture is the future of a stream's ReadFull.
type ReadFullFuture struct {
	s    *socket
	p    []byte
	n    int
	w    iodriver.Waiter
	done bool
}

// Poll reads until p is full, the peer closes, or an error.
func (f *ReadFullFuture) Poll(cx *future.Context) (future.Result[int], bool) {
	if f.done {
		panic("weft/net: ReadFull future polled after completion (Reset it to use it again)")
	}
	for f.n < len(f.p) {
		n, err, ok := f.s.poll(cx, &f.w, opRead, f.p[f.n:])
		if !ok {
			return future.Result[int]{}, false
		}
		f.n += n
		if err != nil {
			if err == io.EOF && f.n > 0 {
				err = io.ErrUnexpectedEOF
			}
			f.done = true
			return future.Result[int]{Value: f.n, Err: err}, true
		}
	}
	f.done = true
	return future.Result[int]{Value: f.n}, true
}

// Reset makes f a new ReadFull into p on the same socket. It panics if f is
// waiting.
func (f *ReadFullFuture) Reset(p []byte) {
	resetCheck(&f.w, "ReadFull")
	f.p, f.n, f.done = p, 0, false
}

// Drop stops waiting; the bytes read so far stay in p. It implements
// future.Dropper.
func (f *ReadFullFuture) Drop() { f.s.drop(&f.w) }

// String describes the future for task dumps.
func (f *ReadFullFuture) String() string {
	return f.s.describe("ReadFull "+strconv.Itoa(f.n)+" of", len(f.p))
}

// WriteAllFuture is the future of a stream's WriteAll.
type WriteAllFuture struct {
	s    *socket
	p    []byte
	n    int
	w    iodriver.Waiter
	done bool
}

// Poll writes until all of p is written, or an error.
func (f *WriteAllFuture) Poll(cx *future.Context) (error, bool) {
	if f.done {
		panic("weft/net: WriteAll future polled after completion (Reset it to use it again)")
	}
	for f.n < len(f.p) {
		n, err, ok := f.s.poll(cx, &f.w, opWrite, f.p[f.n:])
		if !ok {
			return nil, false
		}
		f.n += n
		if err != nil {
			f.done = true
			return err, true
		}
	}
	f.done = true
	return nil, true
}

// Written returns the number of bytes written so far.
func (f *WriteAllFuture) Written() int { return f.n }

// Reset makes f a new WriteAll of p on the same socket. It panics if f is
// waiting.
func (f *WriteAllFuture) Reset(p []byte) {
	resetCheck(&f.w, "WriteAll")
	f.p, f.n, f.done = p, 0, false
}

// Drop stops waiting; part of p may have been written (Written says how
// much). It implements future.Dropper.
func (f *WriteAllFuture) Drop() { f.s.drop(&f.w) }

// String describes the future for task dumps.
func (f *WriteAllFuture) String() string {
	return f.s.describe("WriteAll "+strconv.Itoa(f.n)+" of", len(f.p))
}

// ReadinessFuture is the future of Readable and Writable (Tokio's
// TcpStream::readable and writable). It was named ReadyFuture, which is the
// name of future.Ready's already-complete future.
type ReadinessFuture struct {
	s    *socket
	d    iodriver.Direction
	w    iodriver.Waiter
	done bool
}

// Poll completes once the socket is ready in the future's direction, with
// nil, or with the socket's error.
func (f *ReadinessFuture) Poll(cx *future.Context) (error, bool) {
	if f.done {
		panic("weft/net: Readable/Writable future polled after completion (Reset it to use it again)")
	}
	if !cx.ConsumeBudget() {
		return nil, false
	}
	_, err, ok := f.s.r.Await(cx, &f.w, f.d)
	if !ok {
		cx.RefundBudget()
		return nil, false
	}
	f.done = true
	return err, true
}

// Reset makes f wait again. It panics if f is waiting.
func (f *ReadinessFuture) Reset() {
	resetCheck(&f.w, "Readable/Writable")
	f.done = false
}

// Drop stops waiting. It implements future.Dropper.
func (f *ReadinessFuture) Drop() { f.s.drop(&f.w) }

// String describes the future for task dumps.
func (f *ReadinessFuture) String() string {
	if f.d == iodriver.Read {
		return f.s.describe("Readable", -1)
	}
	return f.s.describe("Writable", -1)
}

// resetCheck panics if w is left waiting.
func resetCheck(w *iodriver.Waiter, what string) {
	if w.IsWaiting() {
		panic("weft/net: Reset of a " + what + " future that is waiting (poll it to completion or Drop it first)")
	}
}

// drop unlinks w if it waits.
func (s *socket) drop(w *iodriver.Waiter) {
	if s != nil && w.IsWaiting() {
		s.r.Cancel(w)
	}
}

// describe names an operation on the socket for task dumps, as
// "net.Read(512 B) on fd 7 [READABLE|WRITABLE tick=3 users=0]".
func (s *socket) describe(op string, n int) string {
	if s == nil {
		return "net." + op + " (zero future)"
	}
	out := "net." + op
	if n >= 0 {
		out += " " + strconv.Itoa(n) + " B"
	}
	return out + " on fd " + strconv.Itoa(s.r.FD()) + " [" + s.r.Load().String() + "]"
}
