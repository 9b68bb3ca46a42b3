package net

import (
	"time"

	"github.com/weftrt/weft"
	"github.com/weftrt/weft/future"
	"github.com/weftrt/weft/internal/iodriver"
)

// ConnectFuture is the future of ConnectTCP and ConnectUnix; S is
// *TCPStream or *UnixStream. Its first poll starts a non-blocking connect;
// it completes once the connection is made or has failed. Dropped before it
// completes, it closes the half-made socket.
type ConnectFuture[S any] struct {
	d       *iodriver.Driver
	addr    string
	target  sockTarget
	wrap    func(d *iodriver.Driver, fd int) (S, *socket, error)
	err     error // a setup error, reported by the first poll
	out     S
	sock    *socket // the socket being connected, once started
	w       iodriver.Waiter
	timeout time.Duration
	sleep   *weft.SleepFuture
	done    bool
}

// Timeout makes the connect fail with weft.ErrElapsed when it has not
// completed d after its first poll. The deadline is on the runtime's clock,
// so a paused clock (weft.WithPausedClock) moves it: when nothing else can
// run and no socket event is ready, the clock jumps to it. Call it before
// the first poll; it returns f.
func (f *ConnectFuture[S]) Timeout(d time.Duration) *ConnectFuture[S] {
	if f.sock != nil || f.done {
		panic("weft/net: ConnectFuture.Timeout after the first poll")
	}
	f.timeout = d
	return f
}

// Poll drives the connect.
func (f *ConnectFuture[S]) Poll(cx *future.Context) (future.Result[S], bool) {
	if f.done {
		panic("weft/net: Connect future polled after completion")
	}
	if f.err != nil {
		return f.fail(f.err)
	}
	if f.sock == nil {
		fd, connected, err := startConnect(f.target)
		if err != nil {
			return f.fail(err)
		}
		out, sock, err := f.wrap(f.d, fd)
		if err != nil {
			return f.fail(err)
		}
		f.out, f.sock = out, sock
		if connected {
			return f.succeed()
		}
		if f.timeout > 0 {
			f.sleep = weft.Sleep(f.timeout)
		}
	}
	for {
		ev, err, ok := f.sock.r.Await(cx, &f.w, iodriver.Write)
		if !ok {
			break
		}
		if err != nil {
			return f.failClose(err)
		}
		if err := f.sock.connectResult(); err != nil {
			if err == errInProgress {
				f.sock.r.Clear(ev)
				continue
			}
			return f.failClose(err)
		}
		return f.succeed()
	}
	if f.sleep != nil {
		if _, fired := f.sleep.Poll(cx); fired {
			return f.failClose(weft.ErrElapsed)
		}
	}
	return future.Result[S]{}, false
}

func (f *ConnectFuture[S]) succeed() (future.Result[S], bool) {
	f.done = true
	f.dropSleep()
	f.sock.drop(&f.w)
	out := f.out
	var zero S
	f.out, f.sock = zero, nil
	return future.Result[S]{Value: out}, true
}

func (f *ConnectFuture[S]) fail(err error) (future.Result[S], bool) {
	f.done = true
	return future.Result[S]{Err: err}, true
}

// failClose closes the half-made socket and fails.
func (f *ConnectFuture[S]) failClose(err error) (future.Result[S], bool) {
	f.dropSleep()
	f.sock.drop(&f.w)
	f.sock.closeSocket()
	var zero S
	f.out, f.sock = zero, nil
	return f.fail(err)
}

func (f *ConnectFuture[S]) dropSleep() {
	if f.sleep != nil {
		f.sleep.Drop()
		f.sleep = nil
	}
}

// Drop closes the socket if the connect has not completed. It implements
// future.Dropper.
func (f *ConnectFuture[S]) Drop() {
	if f.sock != nil {
		f.failClose(ErrClosed)
	}
	f.dropSleep()
}

// String describes the future for task dumps.
func (f *ConnectFuture[S]) String() string {
	if f.sock == nil {
		return "net.Connect(" + f.addr + ")"
	}
	return f.sock.describe("Connect("+f.addr+")", -1)
}
