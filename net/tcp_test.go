//go:build linux

package net_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	stdnet "net"
	"os"
	"runtime"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/weftrt/weft"
	"github.com/weftrt/weft/future"
	"github.com/weftrt/weft/internal/rttest"
	"github.com/weftrt/weft/net"
	"github.com/weftrt/weft/task"
)

// echoServer spawns an accept loop on rt that echoes every connection in a
// task of its own, and returns the address; the loop ends when l closes.
func echoServer(t *testing.T, rt *weft.Runtime) string {
	t.Helper()
	l, addr := listen(t, rt)
	weft.SpawnDetached(rt, weft.Async(func(a *weft.A) struct{} {
		acc := l.Accept()
		for {
			r := weft.Await(a, acc)
			acc.Reset()
			if r.Err != nil {
				return struct{}{}
			}
			c := r.Value
			weft.SpawnDetached(a.Context(), weft.Async(func(a *weft.A) struct{} {
				defer c.Close()
				buf := make([]byte, 4096)
				rd, wr := c.Read(buf), c.WriteAll(nil)
				for {
					n, err := weft.Await(a, rd).Get()
					if err != nil {
						return struct{}{}
					}
					rd.Reset(buf)
					wr.Reset(buf[:n])
					if weft.Await(a, wr) != nil {
						return struct{}{}
					}
				}
			}))
		}
	}))
	return addr
}

// TestEchoRoundTrips connects to an echo server on the same runtime and
// checks that every message comes back, on both flavors.
func TestEchoRoundTrips(t *testing.T) {
	rttest.Flavors(t, func(t *testing.T, opts ...weft.Option) {
		rt := newRT(t, opts...)
		addr := echoServer(t, rt)
		check(t, run(t, rt, func(a *weft.A) error {
			c, err := weft.Await(a, net.ConnectTCP(a.Context(), addr)).Get()
			if err != nil {
				return err
			}
			defer c.Close()
			in := make([]byte, 64)
			for i := range 100 {
				msg := []byte(fmt.Sprintf("message %03d", i))
				if err := weft.Await(a, c.WriteAll(msg)); err != nil {
					return err
				}
				n, err := weft.Await(a, c.ReadFull(in[:len(msg)])).Get()
				if err != nil || !bytes.Equal(in[:n], msg) {
					return fmt.Errorf("round trip %d: got %q, %v", i, in[:n], err)
				}
			}
			return nil
		}))
	})
}

// TestAcceptStorm opens 300 connections at once from goroutines against
// one accept loop and checks that every one is accepted and echoed.
func TestAcceptStorm(t *testing.T) {
	rttest.Flavors(t, func(t *testing.T, opts ...weft.Option) {
		rt := newRT(t, opts...)
		addr := echoServer(t, rt)
		const n = 300
		var wg sync.WaitGroup
		errs := make(chan error, n)
		for i := range n {
			wg.Go(func() {
				c, err := stdnet.Dial("tcp", addr)
				if err != nil {
					errs <- err
					return
				}
				defer c.Close()
				msg := []byte(fmt.Sprint("storm ", i))
				if _, err := c.Write(msg); err != nil {
					errs <- err
					return
				}
				got := make([]byte, len(msg))
				if _, err := io.ReadFull(c, got); err != nil || !bytes.Equal(got, msg) {
					errs <- fmt.Errorf("conn %d: %q %v", i, got, err)
				}
			})
		}
		ctx, cancel := patience()
		defer cancel()
		// Drive a current-thread runtime while the goroutines wait.
		done := make(chan struct{})
		go func() { wg.Wait(); close(done) }()
		if _, err := weft.BlockOn(ctx, rt, untilClosed(done)); err != nil {
			t.Fatal(err)
		}
		close(errs)
		for err := range errs {
			t.Error(err)
		}
	})
}

// TestManyConnectionsOpenedAndClosed has 20 tasks open and close 10,000
// connections in all (500 each) against one accept loop on the same
// runtime; every handle resolves and no fd is left.
func TestManyConnectionsOpenedAndClosed(t *testing.T) {
	total := 10000
	if testing.Short() {
		total = 1000
	}
	for _, workers := range []int{2, 8} {
		t.Run(fmt.Sprint(workers, "-workers"), func(t *testing.T) {
			rt := newRT(t, weft.WithWorkers(workers))
			addr := echoServer(t, rt)
			const tasks = 20
			hs := make([]*task.JoinHandle[error], tasks)
			for i := range hs {
				hs[i] = weft.Spawn(rt, weft.Async(func(a *weft.A) error {
					b := []byte{byte(i)}
					for range total / tasks {
						c, err := weft.Await(a, net.ConnectTCP(a.Context(), addr)).Get()
						if err != nil {
							return err
						}
						err = weft.Await(a, c.WriteAll(b))
						if err == nil {
							_, err = weft.Await(a, c.ReadFull(b)).Get()
						}
						c.Close()
						if err != nil {
							return err
						}
					}
					return nil
				}))
			}
			for i, err := range rttest.MustSucceed(t, rt, hs) {
				if err != nil {
					t.Errorf("task %d: %v", i, err)
				}
			}
		})
	}
}

// TestPeerResetMidRead: the peer aborts the connection (RST) while a task
// waits to read; the read fails with ECONNRESET and the stream closes.
func TestPeerResetMidRead(t *testing.T) {
	rttest.Flavors(t, func(t *testing.T, opts ...weft.Option) {
		rt := newRT(t, opts...)
		l, addr := listen(t, rt)
		peer := make(chan *stdnet.TCPConn, 1)
		go func() {
			c, err := stdnet.Dial("tcp", addr)
			if err != nil {
				t.Error(err)
				close(peer)
				return
			}
			peer <- c.(*stdnet.TCPConn)
		}()
		h := weft.Spawn(rt, weft.Async(func(a *weft.A) error {
			c, err := weft.Await(a, l.Accept()).Get()
			if err != nil {
				return err
			}
			defer c.Close()
			_, err = weft.Await(a, c.Read(make([]byte, 10))).Get()
			if !errors.Is(err, syscall.ECONNRESET) {
				return fmt.Errorf("read: got %v, want ECONNRESET", err)
			}
			return nil
		}))
		p := <-peer
		if p == nil {
			return
		}
		p.SetLinger(0) // close sends RST
		p.Close()
		check(t, join(t, rt, h))
	})
}

// TestPeerResetMidWrite: a task writes far more than the socket buffers hold
// while the peer aborts without reading; WriteAll fails (EPIPE or
// ECONNRESET) instead of hanging.
func TestPeerResetMidWrite(t *testing.T) {
	rttest.Flavors(t, func(t *testing.T, opts ...weft.Option) {
		rt := newRT(t, opts...)
		l, addr := listen(t, rt)
		p, err := stdnet.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		started := make(chan struct{})
		h := weft.Spawn(rt, weft.Async(func(a *weft.A) error {
			c, err := weft.Await(a, l.Accept()).Get()
			if err != nil {
				return err
			}
			defer c.Close()
			close(started)
			err = weft.Await(a, c.WriteAll(make([]byte, 64<<20)))
			if !errors.Is(err, syscall.EPIPE) && !errors.Is(err, syscall.ECONNRESET) {
				return fmt.Errorf("write: got %v, want EPIPE or ECONNRESET", err)
			}
			return nil
		}))
		rttest.Until(t, rt, "the writer to start", func() bool {
			select {
			case <-started:
				return true
			default:
				return false
			}
		})
		p.(*stdnet.TCPConn).SetLinger(0)
		p.Close()
		check(t, join(t, rt, h))
	})
}

// TestHalfClose closes each side's writing half in turn: the other side
// reads EOF and can still write back.
func TestHalfClose(t *testing.T) {
	rttest.Flavors(t, func(t *testing.T, opts ...weft.Option) {
		rt := newRT(t, opts...)
		l, addr := listen(t, rt)
		srv := weft.Spawn(rt, weft.Async(func(a *weft.A) error {
			c, err := weft.Await(a, l.Accept()).Get()
			if err != nil {
				return err
			}
			defer c.Close()
			// Client -> server half-close: read until EOF.
			var got []byte
			buf := make([]byte, 16)
			for {
				n, err := weft.Await(a, c.Read(buf)).Get()
				got = append(got, buf[:n]...)
				if err == io.EOF {
					break
				}
				if err != nil {
					return err
				}
			}
			if string(got) != "request" {
				return fmt.Errorf("server read %q", got)
			}
			// Still writable after the peer's half-close.
			if err := weft.Await(a, c.WriteAll([]byte("response"))); err != nil {
				return err
			}
			// Server -> client half-close, then the client writes.
			if err := c.CloseWrite(); err != nil {
				return err
			}
			return nil
		}))
		check(t, run(t, rt, func(a *weft.A) error {
			c, err := weft.Await(a, net.ConnectTCP(a.Context(), addr)).Get()
			if err != nil {
				return err
			}
			defer c.Close()
			if err := weft.Await(a, c.WriteAll([]byte("request"))); err != nil {
				return err
			}
			if err := c.CloseWrite(); err != nil {
				return err
			}
			buf := make([]byte, 8)
			n, err := weft.Await(a, c.ReadFull(buf)).Get()
			if err != nil || string(buf[:n]) != "response" {
				return fmt.Errorf("client read %q, %v", buf[:n], err)
			}
			if _, err := weft.Await(a, c.Read(buf)).Get(); err != io.EOF {
				return fmt.Errorf("client read after the server's half-close: %v, want EOF", err)
			}
			return nil
		}))
		check(t, join(t, rt, srv))
	})
}

// TestConnectRefused: a connect to a port nobody listens on fails with
// ECONNREFUSED.
func TestConnectRefused(t *testing.T) {
	rttest.Flavors(t, func(t *testing.T, opts ...weft.Option) {
		rt := newRT(t, opts...)
		l, err := stdnet.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := l.Addr().String()
		l.Close()
		err = run(t, rt, func(a *weft.A) error {
			_, err := weft.Await(a, net.ConnectTCP(a.Context(), addr)).Get()
			return err
		})
		if !errors.Is(err, syscall.ECONNREFUSED) {
			t.Fatalf("got %v, want ECONNREFUSED", err)
		}
	})
}

// fullBacklog returns the address of a listener whose accept queue is full
// and never drained, so that a further connect stays in SYN-SENT; it
// cleans up after the test.
func fullBacklog(t *testing.T) string {
	t.Helper()
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := syscall.Bind(fd, &syscall.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Listen(fd, 0); err != nil {
		t.Fatal(err)
	}
	sa, _ := syscall.Getsockname(fd)
	addr := fmt.Sprintf("127.0.0.1:%d", sa.(*syscall.SockaddrInet4).Port)
	f := os.NewFile(uintptr(fd), "backlog")
	t.Cleanup(func() { f.Close() })
	// Fill the queue (backlog 0 holds one connection) with connections
	// that are never accepted.
	var conns []stdnet.Conn
	for range 4 {
		c, err := stdnet.DialTimeout("tcp", addr, 200*time.Millisecond)
		if err != nil {
			break
		}
		conns = append(conns, c)
	}
	t.Cleanup(func() {
		for _, c := range conns {
			c.Close()
		}
	})
	return addr
}

// TestConnectTimeout: a connect to a listener that never answers fails
// with weft.ErrElapsed after its timeout, on the real clock and on a paused
// clock (which jumps to the deadline since nothing else can happen).
func TestConnectTimeout(t *testing.T) {
	for _, paused := range []bool{false, true} {
		t.Run(fmt.Sprint("paused=", paused), func(t *testing.T) {
			opts := []weft.Option{weft.WithWorkers(2)}
			timeout := 100 * time.Millisecond
			if paused {
				opts = append(opts, weft.WithPausedClock())
				timeout = time.Hour
			}
			rt := newRT(t, opts...)
			addr := fullBacklog(t)
			err := run(t, rt, func(a *weft.A) error {
				_, err := weft.Await(a, net.ConnectTCP(a.Context(), addr).Timeout(timeout)).Get()
				return err
			})
			if !errors.Is(err, weft.ErrElapsed) {
				t.Fatalf("got %v, want weft.ErrElapsed", err)
			}
		})
	}
}

// TestReadAfterClose: every operation on a closed stream fails with
// ErrClosed, and a second Close too.
func TestReadAfterClose(t *testing.T) {
	rt := newRT(t, weft.WithWorkers(2))
	addr := echoServer(t, rt)
	check(t, run(t, rt, func(a *weft.A) error {
		c, err := weft.Await(a, net.ConnectTCP(a.Context(), addr)).Get()
		if err != nil {
			return err
		}
		if err := c.Close(); err != nil {
			return err
		}
		if _, err := weft.Await(a, c.Read(make([]byte, 1))).Get(); err != net.ErrClosed {
			return fmt.Errorf("Read after Close: %v", err)
		}
		if err := weft.Await(a, c.WriteAll([]byte("x"))); err != net.ErrClosed {
			return fmt.Errorf("WriteAll after Close: %v", err)
		}
		if _, err := c.TryRead(make([]byte, 1)); err != net.ErrClosed {
			return fmt.Errorf("TryRead after Close: %v", err)
		}
		if err := c.Close(); err != net.ErrClosed {
			return fmt.Errorf("second Close: %v", err)
		}
		return nil
	}))
}

// TestCloseWakesWaiters: tasks waiting to read on a stream see ErrClosed
// when another task closes it.
func TestCloseWakesWaiters(t *testing.T) {
	rttest.Flavors(t, func(t *testing.T, opts ...weft.Option) {
		rt := newRT(t, opts...)
		l, addr := listen(t, rt)
		p, err := stdnet.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer p.Close()
		c := join(t, rt, weft.Spawn(rt, l.Accept())).Value
		hs := make([]*task.JoinHandle[error], 3)
		for i := range hs {
			hs[i] = weft.Spawn(rt, weft.Async(func(a *weft.A) error {
				_, err := weft.Await(a, c.Read(make([]byte, 1))).Get()
				return err
			}))
		}
		rttest.Until(t, rt, "three readers waiting", func() bool { return net.NumWaiters(c) == 3 })
		c.Close()
		for i, err := range rttest.MustSucceed(t, rt, hs) {
			if err != net.ErrClosed {
				t.Errorf("reader %d: %v, want ErrClosed", i, err)
			}
		}
	})
}

// untilClosed is a future ready once ch is closed; it yields meanwhile, so
// that BlockOn drives a current-thread runtime.
type untilClosed chan struct{}

func (u untilClosed) Poll(cx *future.Context) (struct{}, bool) {
	select {
	case <-u:
		return struct{}{}, true
	default:
	}
	runtime.Gosched()
	cx.Waker().Wake()
	return struct{}{}, false
}
