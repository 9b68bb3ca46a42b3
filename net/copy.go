package net

import (
	"io"
	"strconv"

	"github.com/weftrt/weft/future"
)

// copyBufSize is the buffer of a Copy: one allocation per Copy future.
const copyBufSize = 16 << 10

// CopyFuture is the future of Copy: its output is the number of bytes
// copied and the first error (nil when the source reached EOF).
type CopyFuture struct {
	src, dst *stream
	rd       ReadFuture
	wr       WriteAllFuture
	buf      []byte
	n        int64
	writing  bool
	done     bool
}

// Copy returns a future that copies from src to dst until src reaches EOF
// (then it shuts dst's writing side, so the peer sees EOF too) or an error.
// src and dst are *TCPStream, *UnixStream, or halves from Split.
func Copy(dst Writer, src Reader) *CopyFuture {
	s, d := src.readStream(), dst.writeStream()
	buf := make([]byte, copyBufSize)
	f := &CopyFuture{src: s, dst: d, buf: buf}
	f.rd = ReadFuture{s: &s.socket, p: buf}
	f.wr = WriteAllFuture{s: &d.socket}
	return f
}

// Reader is a stream, or the reading half of one.
type Reader interface{ readStream() *stream }

// Writer is a stream, or the writing half of one.
type Writer interface{ writeStream() *stream }

func (s *stream) readStream() *stream    { return s }
func (s *stream) writeStream() *stream   { return s }
func (h ReadHalf) readStream() *stream   { return h.s }
func (h WriteHalf) writeStream() *stream { return h.s }

// Poll copies until EOF or an error.
func (f *CopyFuture) Poll(cx *future.Context) (future.Result[int64], bool) {
	if f.done {
		panic("weft/net: Copy future polled after completion")
	}
	for {
		if f.writing {
			err, ok := f.wr.Poll(cx)
			if !ok {
				return future.Result[int64]{}, false
			}
			f.n += int64(f.wr.n)
			f.writing = false
			if err != nil {
				return f.finish(err)
			}
			f.rd.Reset(f.buf)
			continue
		}
		r, ok := f.rd.Poll(cx)
		if !ok {
			return future.Result[int64]{}, false
		}
		if r.Err == io.EOF {
			return f.finish(f.dst.CloseWrite())
		}
		if r.Err != nil {
			return f.finish(r.Err)
		}
		f.wr.Reset(f.buf[:r.Value])
		f.writing = true
	}
}

func (f *CopyFuture) finish(err error) (future.Result[int64], bool) {
	f.done = true
	return future.Result[int64]{Value: f.n, Err: err}, true
}

// Drop stops copying. It implements future.Dropper.
func (f *CopyFuture) Drop() {
	f.rd.Drop()
	f.wr.Drop()
}

// String describes the future for task dumps.
func (f *CopyFuture) String() string {
	return "net.Copy(" + strconv.FormatInt(f.n, 10) + " B copied, fd " + strconv.Itoa(f.src.r.FD()) +
		" -> fd " + strconv.Itoa(f.dst.r.FD()) + ")"
}

// CopyBidirectional returns a future that copies a to b and b to a at once
// until both directions reached EOF (each direction's EOF is passed on with
// CloseWrite) or one failed: a proxy's inner loop. Its output is the bytes
// copied from a to b and from b to a, with the first error.
func CopyBidirectional(a, b interface {
	Reader
	Writer
}) *CopyBidirectionalFuture {
	return &CopyBidirectionalFuture{ab: Copy(b, a), ba: Copy(a, b)}
}

// CopyBidirectionalFuture is the future of CopyBidirectional.
type CopyBidirectionalFuture struct {
	ab, ba         *CopyFuture
	abDone, baDone bool
	err            error
	done           bool
}

// CopyResult is the output of CopyBidirectional.
type CopyResult struct {
	AToB, BToA int64
	Err        error
}

// Poll copies both ways.
func (f *CopyBidirectionalFuture) Poll(cx *future.Context) (CopyResult, bool) {
	if f.done {
		panic("weft/net: CopyBidirectional future polled after completion")
	}
	if !f.abDone {
		if r, ok := f.ab.Poll(cx); ok {
			f.abDone = true
			if r.Err != nil && f.err == nil {
				f.err = r.Err
			}
		}
	}
	if !f.baDone {
		if r, ok := f.ba.Poll(cx); ok {
			f.baDone = true
			if r.Err != nil && f.err == nil {
				f.err = r.Err
			}
		}
	}
	if (f.abDone && f.baDone) || f.err != nil {
		f.done = true
		f.Drop()
		return CopyResult{AToB: f.ab.n, BToA: f.ba.n, Err: f.err}, true
	}
	return CopyResult{}, false
}

// Drop stops both copies. It implements future.Dropper.
func (f *CopyBidirectionalFuture) Drop() {
	f.ab.Drop()
	f.ba.Drop()
}

// String describes the future for task dumps.
func (f *CopyBidirectionalFuture) String() string {
	return "net.CopyBidirectional[" + f.ab.String() + ", " + f.ba.String() + "]"
}
