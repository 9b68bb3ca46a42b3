//go:build linux

package iodriver

import (
	"net"
	"os"
	"testing"

	"github.com/weftrt/weft/future"
	"golang.org/x/sys/unix"
)

// socketpair returns a connected non-blocking pair of Unix stream sockets.
func socketpair(tb testing.TB) (int, int) {
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		tb.Fatal(err)
	}
	return fds[0], fds[1]
}

// BenchmarkRegister registers an fd with the driver and closes the
// registration (deregister and close) each iteration; the goroutine twin
// hands the same kind of fd to Go's netpoller (net.FileConn) and closes it.
func BenchmarkRegister(b *testing.B) {
	b.Run("impl=goroutine", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			x, y := socketpair(b)
			f := os.NewFile(uintptr(x), "x")
			c, err := net.FileConn(f) // dups x and registers it with the netpoller
			if err != nil {
				b.Fatal(err)
			}
			f.Close()
			c.Close()
			unix.Close(y)
		}
	})
	b.Run("impl=weft", func(b *testing.B) {
		b.ReportAllocs()
		d := New(Config{})
		defer d.Shutdown()
		var r Registration
		for b.Loop() {
			x, y := socketpair(b)
			// The twin pays a dup in FileConn; pay one too.
			dx, _ := unix.FcntlInt(uintptr(x), unix.F_DUPFD_CLOEXEC, 0)
			unix.Close(x)
			if err := d.Register(&r, dx); err != nil {
				b.Fatal(err)
			}
			r.Close()
			unix.Close(y)
		}
	})
}

// BenchmarkReadinessRoundTrip: one byte written to one end of a pair wakes
// the reader of the other end, which reads it. weft: a driver Poll
// dispatches the event to the registration, whose waker is a counter; the
// goroutine twin: a goroutine blocked in Read on a netpoller connection.
func BenchmarkReadinessRoundTrip(b *testing.B) {
	b.Run("impl=goroutine", func(b *testing.B) {
		b.ReportAllocs()
		x, y := socketpair(b)
		fx, fy := os.NewFile(uintptr(x), "x"), os.NewFile(uintptr(y), "y")
		cx, _ := net.FileConn(fx)
		cy, _ := net.FileConn(fy)
		fx.Close()
		fy.Close()
		defer cx.Close()
		defer cy.Close()
		done := make(chan struct{})
		go func() {
			buf := make([]byte, 1)
			for {
				if _, err := cy.Read(buf); err != nil {
					close(done)
					return
				}
				done <- struct{}{}
			}
		}()
		one := []byte{1}
		for b.Loop() {
			cx.Write(one)
			<-done
		}
		cx.Close()
		cy.Close()
		<-done
	})
	b.Run("impl=weft", func(b *testing.B) {
		b.ReportAllocs()
		d := New(Config{})
		defer d.Shutdown()
		x, y := socketpair(b)
		defer unix.Close(x)
		var r Registration
		if err := d.Register(&r, y); err != nil {
			b.Fatal(err)
		}
		defer r.Close()
		var w wakeCounter
		cx := future.NewContext(future.NewWaker(&w))
		one, buf := []byte{1}, make([]byte, 1)
		for b.Loop() {
			unix.Write(x, one)
			for {
				ev, _, ok := r.PollReady(cx, Read)
				if !ok {
					d.Poll()
					continue
				}
				if n, err := unix.Read(y, buf); n == 1 && err == nil {
					break
				}
				r.Clear(ev)
			}
		}
	})
}

type wakeCounter struct{ n int }

func (w *wakeCounter) Wake(uint64) { w.n++ }
