package net

import (
	"github.com/weftrt/weft/future"
	"github.com/weftrt/weft/internal/iodriver"
)

// stream is a connected stream socket (TCP or Unix); TCPStream and
// UnixStream embed it, so its methods are theirs.
type stream struct {
	socket
}

// Read returns a future that reads into p once the socket is readable: its
// output is the number of bytes read (at least 1), or io.EOF once the peer
// has closed its side, or the error. A Read of an empty p completes at once
// with 0. Any number of tasks may wait to read at once; each Read is served
// by the first readiness it sees.
func (s *stream) Read(p []byte) *ReadFuture { return &ReadFuture{s: &s.socket, p: p} }

// Write returns a future that writes part of p once the socket is writable:
// its output is the number of bytes written (at least 1 unless p is empty),
// or the error.
func (s *stream) Write(p []byte) *WriteFuture { return &WriteFuture{s: &s.socket, p: p} }

// ReadFull returns a future that reads exactly len(p) bytes: its output is
// len(p), or the bytes read and io.EOF (none) or io.ErrUnexpectedEOF (some)
// when the peer closes first, or the error.
func (s *stream) ReadFull(p []byte) *ReadFullFuture { return &ReadFullFuture{s: &s.socket, p: p} }

// WriteAll returns a future that writes all of p; its output is nil or the
// error. Dropped before it completes, it may have written part of p.
func (s *stream) WriteAll(p []byte) *WriteAllFuture { return &WriteAllFuture{s: &s.socket, p: p} }

// Readable returns a future that completes when the socket may be read
// (TryRead may then still report ErrWouldBlock: readiness can be spurious),
// with nil, or the error (ErrClosed once the socket is closed).
func (s *stream) Readable() *ReadinessFuture { return &ReadinessFuture{s: &s.socket, d: iodriver.Read} }

// Writable is Readable for writing.
func (s *stream) Writable() *ReadinessFuture {
	return &ReadinessFuture{s: &s.socket, d: iodriver.Write}
}

// TryRead reads into p without waiting: it returns ErrWouldBlock when the
// socket is not known to be readable, io.EOF once the peer has closed its
// side. A read that returns fewer bytes than len(p) emptied the socket, so
// it clears the readiness: until the driver sees new data, the next TryRead
// reports ErrWouldBlock without a system call.
func (s *stream) TryRead(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	return s.try(opRead, p)
}

// TryWrite writes part of p without waiting; it returns ErrWouldBlock when
// the socket's send buffer is full (a write that took only part of p
// filled it, and clears the readiness as a short read does).
func (s *stream) TryWrite(p []byte) (int, error) { return s.try(opWrite, p) }

// PollRead is for hand-written futures: it reports whether the socket may
// be read (then call TryRead), and otherwise arranges for the task to be
// woken when it may. It reports the socket's error (ErrClosed, a runtime
// shutdown) with true. One task at a time waits through PollRead (the last
// poll's waker is the one woken); it costs the socket no memory beyond its
// own, which is why an idle connection waiting in PollRead is small.
func (s *stream) PollRead(cx *future.Context) (error, bool) {
	return s.pollReady(cx, iodriver.Read)
}

// PollWrite is PollRead for writing.
func (s *stream) PollWrite(cx *future.Context) (error, bool) {
	return s.pollReady(cx, iodriver.Write)
}

// Close closes the socket: tasks waiting on it are woken and see ErrClosed,
// and so do later operations. The file descriptor is closed at once, or as
// soon as a system call another goroutine is making on it returns. A second
// Close returns ErrClosed.
func (s *stream) Close() error { return s.closeSocket() }

// CloseWrite shuts down the writing side (the peer reads EOF); reading goes
// on.
func (s *stream) CloseWrite() error { return s.shutdownWrite() }

// Split returns the reading half and the writing half of the socket, which
// two tasks may use at once (each half's PollRead or PollWrite then has a
// waker slot of its own). The halves are views of the same socket: Close it
// through the socket.
func (s *stream) Split() (ReadHalf, WriteHalf) {
	return ReadHalf{s: s}, WriteHalf{s: s}
}

// ReadHalf is the reading side of a stream socket; see Split.
type ReadHalf struct{ s *stream }

// Read is the stream's Read.
func (h ReadHalf) Read(p []byte) *ReadFuture { return h.s.Read(p) }

// ReadFull is the stream's ReadFull.
func (h ReadHalf) ReadFull(p []byte) *ReadFullFuture { return h.s.ReadFull(p) }

// Readable is the stream's Readable.
func (h ReadHalf) Readable() *ReadinessFuture { return h.s.Readable() }

// TryRead is the stream's TryRead.
func (h ReadHalf) TryRead(p []byte) (int, error) { return h.s.TryRead(p) }

// PollRead is the stream's PollRead.
func (h ReadHalf) PollRead(cx *future.Context) (error, bool) { return h.s.PollRead(cx) }

// WriteHalf is the writing side of a stream socket; see Split.
type WriteHalf struct{ s *stream }

// Write is the stream's Write.
func (h WriteHalf) Write(p []byte) *WriteFuture { return h.s.Write(p) }

// WriteAll is the stream's WriteAll.
func (h WriteHalf) WriteAll(p []byte) *WriteAllFuture { return h.s.WriteAll(p) }

// Writable is the stream's Writable.
func (h WriteHalf) Writable() *ReadinessFuture { return h.s.Writable() }

// TryWrite is the stream's TryWrite.
func (h WriteHalf) TryWrite(p []byte) (int, error) { return h.s.TryWrite(p) }

// PollWrite is the stream's PollWrite.
func (h WriteHalf) PollWrite(cx *future.Context) (error, bool) { return h.s.PollWrite(cx) }

// CloseWrite is the stream's CloseWrite.
func (h WriteHalf) CloseWrite() error { return h.s.CloseWrite() }
