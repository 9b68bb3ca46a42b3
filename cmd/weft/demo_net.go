package main

/*
The demo's network part: an order-status service on weft's net package, and
the clients that call it over loopback TCP, on the same runtime as the
order-intake service.

	status clients ──TCP: an 8-byte order id──▶ listener ──▶ one task per connection
	  (Async bodies, each on its own Interval:                 waits in a kept Readable
	   a few every 10 ms, most every 500 ms,                   (the task dump shows
	   so that most server tasks sit idle)   ◀──8-byte status── "net.Readable on fd N")

The connection tasks are hand-written futures, as weft echo's are: while a
connection is idle its task holds nothing but the stream and the kept
Readable future, and the live page's task dump shows each one waiting on its
fd, with the peer's address. Every task is counted and joined as the rest of
the demo's are: the server joins its connection tasks through a JoinSet,
the orchestrator joins the server and the clients. The demo's stop token
stops the clients, which close their connections; the server's tasks see
EOF and end, and the server closes its listener and ends once they have.
*/

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/weftrt/weft"
	"github.com/weftrt/weft/future"
	"github.com/weftrt/weft/net"
	"github.com/weftrt/weft/task"
)

const (
	// statusClients is how many client connections the demo opens;
	// statusBusy of them send every statusBusyEvery, the others every
	// statusIdleEvery.
	statusClients   = 16
	statusBusy      = 4
	statusBusyEvery = 10 * time.Millisecond
	statusIdleEvery = 500 * time.Millisecond
	// statusMsg is the size of a request (an order id) and of a reply (the
	// status word, the order's checksum, and the id's low half).
	statusMsg = 8
)

// netDemo is the order-status service and its clients.
type netDemo struct {
	s    *service
	l    *net.TCPListener
	addr string

	conns    atomic.Uint64 // connections accepted
	answered atomic.Uint64 // requests the server answered
	checked  atomic.Uint64 // replies the clients read and checked
	wrong    atomic.Uint64 // replies that did not match their request (never, or a bug)
	errs     atomic.Uint64 // client connections that ended in an error
	first    atomic.Pointer[string]
}

// startNetDemo opens the service's listener on loopback and spawns the
// server and the clients with spawn (which counts them); the caller joins
// the handles it returns. On a system without weft's I/O driver it returns
// nothing and no error: the demo runs without its network part.
func startNetDemo(rt *weft.Runtime, s *service, spawn func(*task.JoinHandle[uint64]) *task.JoinHandle[uint64]) (*netDemo, []*task.JoinHandle[uint64], error) {
	l, err := net.ListenTCP(rt, "127.0.0.1:0")
	if errors.Is(err, net.ErrUnsupported) {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, err
	}
	a, err := l.LocalAddr()
	if err != nil {
		l.Close()
		return nil, nil, err
	}
	nd := &netDemo{s: s, l: l, addr: a.String()}
	hs := []*task.JoinHandle[uint64]{spawn(weft.Spawn(rt, &statusServer{nd: nd, acc: l.Accept(), stopped: s.stop.Cancelled()}))}
	for i := range statusClients {
		every := statusIdleEvery
		if i < statusBusy {
			every = statusBusyEvery
		}
		hs = append(hs, spawn(weft.Spawn(rt, nd.client(i, every))))
	}
	return nd, hs, nil
}

// describe is the line the demo's banner prints about the service.
func (nd *netDemo) describe() string {
	return fmt.Sprintf("an order-status service on weft's net package at %s: %d TCP clients (%d busy, the rest mostly idle), one task per connection",
		nd.addr, statusClients, statusBusy)
}

// fail records a client's error.
func (nd *netDemo) fail(err error) {
	nd.errs.Add(1)
	msg := err.Error()
	nd.first.CompareAndSwap(nil, &msg)
}

// problems lists what went wrong with the service, for the demo's checks.
func (nd *netDemo) problems() []string {
	var ps []string
	if n := nd.wrong.Load(); n > 0 {
		ps = append(ps, fmt.Sprintf("%d order-status replies did not match their request", n))
	}
	if n := nd.errs.Load(); n > 0 {
		ps = append(ps, fmt.Sprintf("%d order-status clients failed, the first with: %s", n, *nd.first.Load()))
	}
	if a, c := nd.answered.Load(), nd.checked.Load(); a != c {
		ps = append(ps, fmt.Sprintf("the order-status server answered %d requests, the clients checked %d replies", a, c))
	}
	return ps
}

// print writes the service's lines of the summary.
func (nd *netDemo) print(out io.Writer) {
	fmt.Fprintf(out, "order-status service (TCP on weft's net package)\n")
	fmt.Fprintf(out, "  %-22s %10s  %s\n", "connections", count(nd.conns.Load()), "one task each, idle ones waiting in Readable")
	fmt.Fprintf(out, "  %-22s %10s  %s\n", "requests answered", count(nd.answered.Load()),
		fmt.Sprintf("%s replies checked by the clients, %s wrong", count(nd.checked.Load()), count(nd.wrong.Load())))
}

// statusReply is the reply to a request for order id: its status word
// (the order's checksum, as the intake service computes it) and the low half
// of the id, so that a client can tell replies apart.
func statusReply(id uint64) [statusMsg]byte {
	var b [statusMsg]byte
	binary.LittleEndian.PutUint32(b[:4], checksum(id))
	binary.LittleEndian.PutUint32(b[4:], uint32(id))
	return b
}

// ---------------------------------------------------------------------------
// Server

// statusServer accepts connections and runs each as a task in its JoinSet,
// joining them as they end. When the demo's stop token is cancelled it
// closes its listener; it ends once every connection has, with the number
// of requests answered.
type statusServer struct {
	nd      *netDemo
	acc     *net.AcceptFuture[*net.TCPStream]
	stopped *weft.CancelledFuture
	js      weft.JoinSet[uint64]
	closed  bool // the listener is closed: no more Accept
}

// Poll joins ended connections, accepts new ones, and watches the stop
// token, until nothing makes progress.
func (sv *statusServer) Poll(cx *future.Context) (uint64, bool) {
	for {
		progress := false
		for {
			r, ok := sv.js.PollJoinNext(cx)
			if !ok || r.Err == weft.ErrJoinSetEmpty {
				break
			}
			sv.nd.s.c.classify(r.Err)
			progress = true
		}
		if !sv.closed {
			if _, ok := sv.stopped.Poll(cx); ok {
				sv.stop()
				progress = true
			}
		}
		if !sv.closed {
			r, ok := sv.acc.Poll(cx)
			if ok {
				sv.acc.Reset()
				progress = true
				if r.Err != nil {
					// Closed under us, or out of descriptors: stop
					// accepting; the clients that got in are served.
					sv.stop()
					if !errors.Is(r.Err, net.ErrClosed) {
						sv.nd.fail(fmt.Errorf("accept: %w", r.Err))
					}
				} else {
					sv.nd.conns.Add(1)
					sv.nd.s.c.tasksSpawned.Add(1)
					weft.SpawnInto(&sv.js, cx, newStatusConn(sv.nd, r.Value))
				}
			}
		}
		if sv.closed && sv.js.IsEmpty() {
			return sv.nd.answered.Load(), true
		}
		if !progress {
			return 0, false
		}
	}
}

// stop closes the listener and stops watching the token.
func (sv *statusServer) stop() {
	sv.closed = true
	sv.acc.Drop()
	sv.stopped.Drop()
	sv.nd.l.Close()
}

// Drop closes the listener and aborts the connection tasks left (none,
// after a normal end); a runtime shutdown cancels the server here.
func (sv *statusServer) Drop() {
	if !sv.closed {
		sv.stop()
	}
	sv.js.Close()
}

// String describes the server for the task dump.
func (sv *statusServer) String() string {
	if sv.closed {
		return fmt.Sprintf("order-status server %s: closed, waiting for %d connections to end", sv.nd.addr, sv.js.Len())
	}
	return fmt.Sprintf("order-status server %s: %d connections; %s", sv.nd.addr, sv.js.Len(), sv.acc)
}

// statusConn serves one connection: it waits in a kept Readable future,
// reads whole requests with TryRead into a buffer on its poll's stack,
// and writes each reply with TryWrite (an 8-byte reply fits a socket's send
// buffer, but a client that stops reading could fill it; then the task
// waits in Writable). It ends at EOF or on an error, with the requests it
// answered.
type statusConn struct {
	nd       *netDemo
	s        *net.TCPStream
	peer     string
	wait     *net.ReadinessFuture // readable, or writable while out is not empty
	readable *net.ReadinessFuture
	writable *net.ReadinessFuture
	in       [statusMsg]byte // a request read in part
	nin      int
	out      []byte // reply bytes not yet written
	answered uint64
}

func newStatusConn(nd *netDemo, s *net.TCPStream) *statusConn {
	peer := "?"
	if a, err := s.RemoteAddr(); err == nil {
		peer = a.String()
	}
	c := &statusConn{nd: nd, s: s, peer: peer, readable: s.Readable(), writable: s.Writable()}
	c.wait = c.readable
	return c
}

// Poll answers requests until the client closes the connection.
func (c *statusConn) Poll(cx *future.Context) (uint64, bool) {
	for {
		if err, ok := c.wait.Poll(cx); !ok {
			return 0, false
		} else if err != nil {
			return c.finish()
		}
		c.wait.Reset()
		if len(c.out) > 0 {
			n, err := c.s.TryWrite(c.out)
			switch {
			case err == net.ErrWouldBlock:
				continue
			case err != nil:
				return c.finish()
			}
			c.out = c.out[n:]
			if len(c.out) == 0 {
				c.out, c.wait = nil, c.readable
			}
			continue
		}
		done, err := c.serve()
		if done || err != nil {
			return c.finish()
		}
	}
}

// serve reads what the socket holds and answers every whole request in it;
// it reports whether the client closed the connection.
func (c *statusConn) serve() (bool, error) {
	var buf [512]byte
	for {
		n, err := c.s.TryRead(buf[:])
		switch {
		case err == net.ErrWouldBlock:
			return false, nil
		case err == io.EOF:
			return true, nil
		case err != nil:
			return false, err
		}
		for p := buf[:n]; len(p) > 0; {
			k := copy(c.in[c.nin:], p)
			p, c.nin = p[k:], c.nin+k
			if c.nin < statusMsg {
				break
			}
			c.nin = 0
			reply := statusReply(binary.LittleEndian.Uint64(c.in[:]))
			c.answered++
			c.nd.answered.Add(1)
			if err := c.write(reply[:]); err != nil {
				return false, err
			}
		}
		if len(c.out) > 0 {
			return false, nil // wait in Writable first
		}
	}
}

// write writes p, keeping what does not fit for the Writable wait.
func (c *statusConn) write(p []byte) error {
	if len(c.out) == 0 {
		n, err := c.s.TryWrite(p)
		if err != nil && err != net.ErrWouldBlock {
			return err
		}
		if p = p[n:]; len(p) == 0 {
			return nil
		}
	}
	c.out = append(c.out, p...)
	c.wait = c.writable
	return nil
}

func (c *statusConn) finish() (uint64, bool) {
	c.Drop()
	return c.answered, true
}

// Drop closes the connection; a shutdown or the server's Close of its set
// cancels the task here.
func (c *statusConn) Drop() {
	c.readable.Drop()
	c.writable.Drop()
	c.s.Close()
}

// String describes the connection for the task dump: the peer and what
// the task waits on ("net.Readable on fd 12 [WRITABLE tick=3 users=0]").
func (c *statusConn) String() string {
	return "order-status connection from " + c.peer + ", " + strconv.FormatUint(c.answered, 10) + " answered: " + c.wait.String()
}

// ---------------------------------------------------------------------------
// Clients

// client returns the Async task of client i: it connects, then on every
// tick of its interval sends an order id and checks the reply, until the
// demo's stop token is cancelled; it outputs the replies it checked.
func (nd *netDemo) client(i int, every time.Duration) *weft.AsyncFuture[uint64] {
	return weft.Async(func(a *weft.A) uint64 {
		c, err := weft.Await(a, net.ConnectTCP(a.Context(), nd.addr).Timeout(5*time.Second)).Get()
		if err != nil {
			nd.fail(fmt.Errorf("client %d: connect: %w", i, err))
			return 0
		}
		defer c.Close()
		tick := weft.IntervalAt(time.Now().Add(time.Duration(i)*every/statusClients), every)
		defer tick.Close()
		r := rand.New(rand.NewPCG(nd.s.cfg.seed, uint64(i)))
		var req, resp [statusMsg]byte
		var n uint64
		for {
			e := weft.Await(a, future.Select2[time.Time, struct{}](tick.Tick(), nd.s.stop.Cancelled()))
			if e.Which == 1 {
				return n
			}
			id := r.Uint64()
			binary.LittleEndian.PutUint64(req[:], id)
			if err := weft.Await(a, c.WriteAll(req[:])); err != nil {
				nd.fail(fmt.Errorf("client %d: write: %w", i, err))
				return n
			}
			if _, err := weft.Await(a, c.ReadFull(resp[:])).Get(); err != nil {
				nd.fail(fmt.Errorf("client %d: read: %w", i, err))
				return n
			}
			if resp != statusReply(id) {
				nd.wrong.Add(1)
			}
			nd.checked.Add(1)
			n++
		}
	})
}
