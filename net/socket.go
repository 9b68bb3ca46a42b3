package net

import (
	"errors"
	"io"
	"runtime"

	"github.com/weftrt/weft"
	"github.com/weftrt/weft/future"
	"github.com/weftrt/weft/internal/iodriver"
)

// ErrClosed is the error of an operation on a socket that was closed, and of
// a wait that the Close interrupted.
var ErrClosed = iodriver.ErrClosed

// ErrUnsupported is the error of every constructor on systems other than
// Linux, which have no weft I/O driver yet.
var ErrUnsupported = errors.New("weft/net: not supported on " + runtime.GOOS)

// ErrWouldBlock is the error of TryRead, TryWrite and the other Try methods
// when the operation would have to wait.
var ErrWouldBlock = errors.New("weft/net: operation would block")

// driverOf returns the I/O driver of the runtime behind s.
func driverOf(s weft.Spawner) (*iodriver.Driver, error) {
	if s == nil {
		panic("weft/net: nil Spawner")
	}
	d := iodriver.Of(s.Executor())
	if d == nil {
		panic("weft/net: the Spawner is not a weft runtime, handle, LocalSet or task context")
	}
	if !supported {
		return nil, ErrUnsupported
	}
	return d, nil
}

// socket is what every socket type holds: its fd's registration with the
// runtime's I/O driver. It must not be copied once registered.
type socket struct {
	r iodriver.Registration
}

// register registers fd with d; on failure it closes fd.
func (s *socket) register(d *iodriver.Driver, fd int) error {
	if err := d.Register(&s.r, fd); err != nil {
		closeFD(fd)
		return err
	}
	return nil
}

// opKind is the system call an operation makes.
type opKind uint8

const (
	opRead opKind = iota
	opWrite
	opAccept
)

func (k opKind) dir() iodriver.Direction {
	if k == opWrite {
		return iodriver.Write
	}
	return iodriver.Read
}

// do runs one system call on the fd as a user of the registration (so that
// a concurrent Close cannot close the fd under it).
func (s *socket) do(op opKind, p []byte) (int, error) {
	if err := s.r.Acquire(); err != nil {
		return 0, err
	}
	fd := s.r.FD()
	var n int
	var err error
	switch op {
	case opRead:
		n, err = sysRead(fd, p)
	case opWrite:
		n, err = sysWrite(fd, p)
	case opAccept:
		n, err = sysAccept(fd)
	}
	s.r.Release()
	return n, err
}

// poll waits for op's direction (in the slot when w is nil, else in the
// waiter list with w) and runs op, until it does not find EAGAIN. It consumes
// one unit of the task's budget when it completes.
func (s *socket) poll(cx *future.Context, w *iodriver.Waiter, op opKind, p []byte) (int, error, bool) {
	if !cx.ConsumeBudget() {
		return 0, nil, false
	}
	d := op.dir()
	for {
		var ev iodriver.Event
		var err error
		var ok bool
		if w == nil {
			ev, err, ok = s.r.PollReady(cx, d)
		} else {
			ev, err, ok = s.r.Await(cx, w, d)
		}
		if !ok {
			cx.RefundBudget()
			return 0, nil, false
		}
		if err != nil {
			return 0, err, true
		}
		n, err := s.do(op, p)
		if err != nil && isAgain(err) {
			s.r.Clear(ev)
			continue
		}
		s.drained(op, ev, n, len(p))
		return n, opErr(op, n, err), true
	}
}

// drained clears the readiness of a stream read or write that moved fewer
// bytes than asked (and more than none): the socket's receive queue is
// empty, or its send buffer full, so the next attempt would only find
// EAGAIN (iodriver.Registration.ClearDrained). Tokio does the same in its
// poll_read and poll_write on epoll.
func (s *socket) drained(op opKind, ev iodriver.Event, n, asked int) {
	if (op == opRead || op == opWrite) && n > 0 && n < asked {
		s.r.ClearDrained(ev)
	}
}

// try runs op once if the readiness word says its direction is ready.
func (s *socket) try(op opKind, p []byte) (int, error) {
	ev, err, ok := s.r.Ready(op.dir())
	if !ok {
		return 0, ErrWouldBlock
	}
	if err != nil {
		return 0, err
	}
	n, err := s.do(op, p)
	if err != nil && isAgain(err) {
		s.r.Clear(ev)
		return 0, ErrWouldBlock
	}
	s.drained(op, ev, n, len(p))
	return n, opErr(op, n, err)
}

// opErr turns a system call's result into the operation's error: io.EOF for
// a read of 0 bytes, an *os.SyscallError naming the call otherwise.
func opErr(op opKind, n int, err error) error {
	if err == nil {
		if op == opRead && n == 0 {
			return io.EOF
		}
		return nil
	}
	if err == ErrClosed || err == ErrWouldBlock {
		return err
	}
	switch op {
	case opRead:
		return wrapSyscall("read", err)
	case opWrite:
		return wrapSyscall("write", err)
	}
	return wrapSyscall("accept", err)
}

// pollReady is PollRead and PollWrite: the slot wait, with the budget.
func (s *socket) pollReady(cx *future.Context, d iodriver.Direction) (error, bool) {
	if !cx.ConsumeBudget() {
		return nil, false
	}
	_, err, ok := s.r.PollReady(cx, d)
	if !ok {
		cx.RefundBudget()
		return nil, false
	}
	return err, true
}

// closeSocket closes the registration: waiters wake with ErrClosed, and the
// fd is closed now or when the last system call on it returns. A second
// Close returns ErrClosed.
func (s *socket) closeSocket() error {
	if !s.r.Close() {
		return ErrClosed
	}
	return nil
}

// sock returns the socket itself (for the package's tests).
func (s *socket) sock() *socket { return s }
