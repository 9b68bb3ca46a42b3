//go:build linux

package net_test

import (
	"bytes"
	"errors"
	"fmt"
	stdnet "net"
	"sync/atomic"
	"testing"

	"github.com/weftrt/weft"
	"github.com/weftrt/weft/future"
	"github.com/weftrt/weft/internal/futurecx"
	"github.com/weftrt/weft/internal/mocktask"
	"github.com/weftrt/weft/internal/rttest"
	"github.com/weftrt/weft/net"
	"github.com/weftrt/weft/task"
)

// pair returns two connected streams on rt: c (connected) and s
// (accepted).
func pair(t *testing.T, rt *weft.Runtime) (c, s *net.TCPStream) {
	t.Helper()
	l, addr := listen(t, rt)
	acc := weft.Spawn(rt, l.Accept())
	c = join(t, rt, weft.Spawn(rt, net.ConnectTCP(rt, addr))).Value
	s = join(t, rt, acc).Value
	if c == nil || s == nil {
		t.Fatal("no connection")
	}
	t.Cleanup(func() { c.Close(); s.Close() })
	return c, s
}

// TestAbortWhileWaiting aborts a task blocked on each kind of wait; its
// JoinHandle reports a cancellation, its waiter is unlinked, and the socket
// then serves another task.
func TestAbortWhileWaiting(t *testing.T) {
	big := make([]byte, 32<<20)
	cases := []struct {
		name string
		wait func(c *net.TCPStream) future.Future[struct{}]
	}{
		{"Read", func(c *net.TCPStream) future.Future[struct{}] { return discard(c.Read(make([]byte, 8))) }},
		{"ReadFull", func(c *net.TCPStream) future.Future[struct{}] { return discard(c.ReadFull(make([]byte, 8))) }},
		{"Readable", func(c *net.TCPStream) future.Future[struct{}] {
			// A new socket is taken as ready until a read finds EAGAIN.
			c.TryRead(make([]byte, 1))
			return discard(c.Readable())
		}},
		{"WriteAll", func(c *net.TCPStream) future.Future[struct{}] { return discard(c.WriteAll(big)) }},
		{"PollRead", func(c *net.TCPStream) future.Future[struct{}] {
			c.TryRead(make([]byte, 1)) // as for Readable
			return future.PollFunc(func(cx *future.Context) (struct{}, bool) {
				_, ok := c.PollRead(cx)
				return struct{}{}, ok
			})
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rttest.Flavors(t, func(t *testing.T, opts ...weft.Option) {
				rt := newRT(t, opts...)
				c, s := pair(t, rt)
				// PollRead keeps its waker in a slot, not in the waiter
				// list: wait for its first poll to have returned Pending.
				w := &seesPending{inner: tc.wait(c)}
				h := weft.Spawn(rt, w)
				rttest.Until(t, rt, "the task to wait", func() bool {
					return net.NumWaiters(c) == 1 || tc.name == "PollRead" && w.pending.Load()
				})
				h.Abort()
				_, errs := rttest.JoinAll(t, rt, []*task.JoinHandle[struct{}]{h})
				if !rttest.IsCancelled(errs[0]) {
					t.Fatalf("aborted task: %v, want a cancellation", errs[0])
				}
				if n := net.NumWaiters(c); n != 0 {
					t.Fatalf("%d waiters left after the abort", n)
				}
				// The stream still works, both ways.
				check(t, run(t, rt, func(a *weft.A) error {
					if tc.name == "WriteAll" {
						// Drain what the aborted write left in the pipe.
						return nil
					}
					if err := weft.Await(a, s.WriteAll([]byte("ok"))); err != nil {
						return err
					}
					got := make([]byte, 2)
					if _, err := weft.Await(a, c.ReadFull(got)).Get(); err != nil || string(got) != "ok" {
						return fmt.Errorf("read after the abort: %q %v", got, err)
					}
					return nil
				}))
			})
		})
	}
}

// seesPending polls inner and records that a poll returned Pending; its
// Drop drops inner (which unlinks inner's waiter).
type seesPending struct {
	inner   future.Future[struct{}]
	pending atomic.Bool
}

func (w *seesPending) Poll(cx *future.Context) (struct{}, bool) {
	v, ok := w.inner.Poll(cx)
	if !ok {
		w.pending.Store(true)
	}
	return v, ok
}

func (w *seesPending) Drop() { future.Drop(w.inner) }

// discard turns a future's output into struct{}.
func discard[T any](f future.Future[T]) future.Future[struct{}] {
	return future.Map(f, func(T) struct{} { return struct{}{} })
}

// TestAbortAcceptAndConnect aborts a task waiting in Accept and one in a
// connect that cannot complete; the listener then accepts for another task.
func TestAbortAcceptAndConnect(t *testing.T) {
	rttest.Flavors(t, func(t *testing.T, opts ...weft.Option) {
		rt := newRT(t, opts...)
		l, addr := listen(t, rt)
		ha := weft.Spawn(rt, discard(l.Accept()))
		hc := weft.Spawn(rt, discard(net.ConnectTCP(rt, fullBacklog(t))))
		rttest.Until(t, rt, "the accept to wait", func() bool { return net.NumWaiters(l) == 1 })
		ha.Abort()
		hc.Abort()
		_, errs := rttest.JoinAll(t, rt, []*task.JoinHandle[struct{}]{ha, hc})
		for i, err := range errs {
			if !rttest.IsCancelled(err) {
				t.Errorf("task %d: %v, want a cancellation", i, err)
			}
		}
		if n := net.NumWaiters(l); n != 0 {
			t.Fatalf("%d waiters left on the listener", n)
		}
		p, err := stdnet.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer p.Close()
		s := join(t, rt, weft.Spawn(rt, l.Accept()))
		if s.Err != nil {
			t.Fatal(s.Err)
		}
		s.Value.Close()
	})
}

// TestRuntimeCloseFailsPendingIO: closing the runtime cancels tasks blocked
// on sockets; operations afterwards fail with ErrRuntimeShutdown; Close
// still closes the fds (checked by newRT's fd count).
func TestRuntimeCloseFailsPendingIO(t *testing.T) {
	rttest.Flavors(t, func(t *testing.T, opts ...weft.Option) {
		checkFDs(t)
		rt, err := weft.New(opts...)
		if err != nil {
			t.Fatal(err)
		}
		l, err := net.ListenTCP(rt, "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr, _ := l.LocalAddr()
		acc := weft.Spawn(rt, l.Accept())
		c := join(t, rt, weft.Spawn(rt, net.ConnectTCP(rt, addr.String()))).Value
		s := join(t, rt, acc).Value
		h := weft.Spawn(rt, c.Read(make([]byte, 4)))
		rttest.Until(t, rt, "the read to wait", func() bool { return net.NumWaiters(c) == 1 })
		if err := rt.Close(); err != nil {
			t.Fatal(err)
		}
		_, err = h.BlockingJoin(t.Context())
		if !rttest.IsCancelled(err) || !errors.Is(err, weft.ErrRuntimeShutdown) {
			t.Fatalf("pending read: %v, want a cancellation by ErrRuntimeShutdown", err)
		}
		if _, err := s.TryWrite([]byte("x")); !errors.Is(err, weft.ErrRuntimeShutdown) {
			t.Fatalf("TryWrite after shutdown: %v", err)
		}
		if _, err := net.ListenTCP(rt, "127.0.0.1:0"); !errors.Is(err, weft.ErrRuntimeShutdown) {
			t.Fatalf("ListenTCP after shutdown: %v", err)
		}
		for _, x := range []interface{ Close() error }{c, s, l} {
			if err := x.Close(); err != nil {
				t.Fatal(err)
			}
		}
	})
}

// TestSmallBuffersAndLargeWrites moves 256 KiB each way through sockets with
// a 4 KiB send buffer and an 8 KiB receive buffer (an EAGAIN every few
// calls), with writes far larger than the buffers, on 2 workers and on a
// current-thread runtime. (Receive buffers much smaller than the reads make
// Linux hold window updates back for its delayed-ACK timer: slow, not
// broken, and not what this tests.)
func TestSmallBuffersAndLargeWrites(t *testing.T) {
	rttest.Flavors(t, func(t *testing.T, opts ...weft.Option) {
		rt := newRT(t, opts...)
		c, s := pair(t, rt)
		for _, x := range []*net.TCPStream{c, s} {
			if err := net.SetBuffers(x, 4096, 8192); err != nil {
				t.Fatal(err)
			}
		}
		data := make([]byte, 256<<10)
		for i := range data {
			data[i] = byte(i * 7)
		}
		send := func(w *net.TCPStream) *task.JoinHandle[error] {
			return weft.Spawn(rt, weft.Async(func(a *weft.A) error { return weft.Await(a, w.WriteAll(data)) }))
		}
		recv := func(r *net.TCPStream) *task.JoinHandle[error] {
			return weft.Spawn(rt, weft.Async(func(a *weft.A) error {
				got := make([]byte, len(data))
				// Small reads, through a kept future.
				rd := r.Read(got[:1000])
				for n := 0; n < len(got); {
					k, err := weft.Await(a, rd).Get()
					if err != nil {
						return err
					}
					n += k
					rd.Reset(got[n:min(n+1000, len(got))])
				}
				if !bytes.Equal(got, data) {
					return errors.New("data differs")
				}
				return nil
			}))
		}
		hs := []*task.JoinHandle[error]{send(c), recv(s), send(s), recv(c)}
		for i, err := range rttest.MustSucceed(t, rt, hs) {
			if err != nil {
				t.Errorf("task %d: %v", i, err)
			}
		}
	})
}

// TestKeptFuturesDoNotAllocate: a Read and a Write future kept and Reset
// read and write without allocating, polled by hand.
func TestKeptFuturesDoNotAllocate(t *testing.T) {
	rt := newRT(t, weft.WithWorkers(1))
	c, s := pair(t, rt)
	msg := []byte("ping")
	buf := make([]byte, 4)
	wr := c.Write(msg)
	rd := s.Read(buf)
	cx := mocktask.Spawn[struct{}](future.Pending[struct{}]()).Context()
	futurecx.SetExecutor(cx, rt.Handle())
	allocs := testing.AllocsPerRun(200, func() {
		wr.Reset(msg)
		if r, ok := wr.Poll(cx); !ok || r.Err != nil {
			t.Fatalf("write: %v %v", ok, r.Err)
		}
		for {
			rd.Reset(buf)
			r, ok := rd.Poll(cx)
			if ok && r.Err != nil {
				t.Fatal(r.Err)
			}
			if ok {
				break
			}
			rd.Drop()
		}
	})
	if allocs != 0 {
		t.Fatalf("%v allocations per write+read, want 0", allocs)
	}
}
