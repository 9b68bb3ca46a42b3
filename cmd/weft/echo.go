package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os/signal"
	"runtime"
	"syscall"
	"time"

	"github.com/weftrt/weft"
	"github.com/weftrt/weft/future"
	"github.com/weftrt/weft/internal/iodriver"
	"github.com/weftrt/weft/net"
)

func init() {
	register(&command{
		name:    "echo",
		summary: "a TCP echo server on weft's net package, one task per connection",
		run:     runEcho,
	})
}

// runEcho serves TCP echo until SIGINT or SIGTERM. It follows the server
// contract of the I/O benchmarks: the first and only stdout line is
// "listening IP:PORT"; diagnostics go to stderr.
func runEcho(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("weft echo", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg := echoConfig{}
	fs.StringVar(&cfg.addr, "addr", "127.0.0.1:0", "address to listen on (port 0: any free port)")
	fs.IntVar(&cfg.workers, "workers", runtime.GOMAXPROCS(0), "worker goroutines of the runtime")
	fs.BoolVar(&cfg.stats, "stats", false, "print the I/O driver's and the workers' counters on stderr when stopped")
	fs.Usage = func() {
		fmt.Fprint(stderr, "Usage: weft echo [flags]\n\n"+
			"Serves TCP echo on weft's net package: one task per connection, a\n"+
			"hand-written future that waits in PollRead and reads into a buffer\n"+
			"on the poll's stack, so an idle connection holds no buffer. Prints\n"+
			"\"listening IP:PORT\" and serves until SIGINT or SIGTERM.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 || cfg.workers < 1 {
		fmt.Fprintln(stderr, "weft echo: -workers must be at least 1, and no arguments are taken")
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	return serveEcho(ctx, cfg, stdout, stderr)
}

// echoConfig is what weft echo's flags set.
type echoConfig struct {
	addr    string
	workers int
	stats   bool
}

// serveEcho serves TCP echo until ctx ends, then closes the listener and
// shuts the runtime down (which cancels the connection tasks; their Drop
// closes the sockets). It returns the exit code.
func serveEcho(ctx context.Context, cfg echoConfig, stdout, stderr io.Writer) int {
	rt, err := weft.New(weft.WithWorkers(cfg.workers))
	if err != nil {
		fmt.Fprintln(stderr, "weft echo:", err)
		return 1
	}
	l, err := net.ListenTCP(rt, cfg.addr)
	if err != nil {
		fmt.Fprintln(stderr, "weft echo:", err)
		rt.Close()
		return 1
	}
	la, err := l.LocalAddr()
	if err != nil {
		fmt.Fprintln(stderr, "weft echo:", err)
		l.Close()
		rt.Close()
		return 1
	}
	fmt.Fprintf(stdout, "listening %s\n", la)
	weft.SpawnDetached(rt, &echoAccept{l: l, acc: l.Accept(), stderr: stderr})
	<-ctx.Done()
	l.Close()
	if cfg.stats {
		printEchoStats(stderr, rt)
	}
	if err := rt.Shutdown(3 * time.Second); err != nil {
		fmt.Fprintln(stderr, "weft echo: shutdown:", err)
	}
	return 0
}

// printEchoStats prints the counters that say how the runtime served the
// load: epoll waits and the events they returned, and per worker the
// polls, parks and steals.
func printEchoStats(w io.Writer, rt *weft.Runtime) {
	s := iodriver.Of(rt.Executor()).Stats()
	waits := s.Polls + s.Blocks
	fmt.Fprintf(w, "weft echo: io: %d epoll waits (%d blocking), %d events (%.1f a wait), %d eventfd wakes\n",
		waits, s.Blocks, s.Events, float64(s.Events)/float64(max(waits, 1)), s.Wakes)
	m := rt.Metrics()
	for i, pw := range m.PerWorker {
		fmt.Fprintf(w, "weft echo: worker %d: %d polls, %d parks, %d tasks stolen in %d steals, %d overflows, busy %v\n",
			i, pw.Polls, pw.Parks, pw.Steals, pw.StealOperations, pw.Overflows, pw.BusyDuration.Round(time.Millisecond))
	}
}

// echoAccept is the accept loop: one kept Accept future, reset after each
// connection, and one detached echoConn task per connection.
type echoAccept struct {
	l       *net.TCPListener
	acc     *net.AcceptFuture[*net.TCPStream]
	stderr  io.Writer
	errs    int
	backoff *weft.SleepFuture // after an accept error; nil otherwise
}

// acceptBackoff is how long the accept loop waits after an error such as
// EMFILE before it tries again (the goroutine anchor's 10 ms).
const acceptBackoff = 10 * time.Millisecond

// Poll accepts connections until the listener is closed.
func (a *echoAccept) Poll(cx *future.Context) (struct{}, bool) {
	for {
		if a.backoff != nil {
			if _, ok := a.backoff.Poll(cx); !ok {
				return struct{}{}, false
			}
			a.backoff = nil
		}
		r, ok := a.acc.Poll(cx)
		if !ok {
			return struct{}{}, false
		}
		a.acc.Reset()
		if r.Err != nil {
			if errors.Is(r.Err, net.ErrClosed) || errors.Is(r.Err, weft.ErrRuntimeShutdown) {
				return struct{}{}, true
			}
			// EMFILE and friends: say so (a few times), and try again
			// after a pause in which connections may close; the
			// connection stays queued meanwhile.
			if a.errs++; a.errs <= 10 {
				fmt.Fprintln(a.stderr, "weft echo: accept:", r.Err)
			}
			a.backoff = weft.Sleep(acceptBackoff)
			continue
		}
		weft.SpawnDetached(cx, &echoConn{s: r.Value})
	}
}

// Drop stops accepting.
func (a *echoAccept) Drop() {
	a.acc.Drop()
	if a.backoff != nil {
		a.backoff.Drop()
	}
}

// String describes the task for dumps.
func (a *echoAccept) String() string { return "echo accept loop: " + a.acc.String() }

// echoConn echoes one connection. While idle it waits in PollRead, which
// keeps nothing but the waker in the socket's own slot: the task is this
// struct (two words and a slice) and its 80-byte cell, and the socket is
// one small object. The read buffer lives on the stack of the poll that
// uses it; only when the peer does not read its echo fast enough (the send
// buffer is full) are the unwritten bytes copied to the heap until they are
// written.
type echoConn struct {
	s    *net.TCPStream
	rest []byte // bytes read and not yet written back; nil when all were
}

// Poll echoes until the peer closes or an error; it never fails the task.
func (c *echoConn) Poll(cx *future.Context) (struct{}, bool) {
	for {
		if len(c.rest) > 0 {
			err, ok := c.s.PollWrite(cx)
			if !ok {
				return struct{}{}, false
			}
			if err != nil {
				return c.finish()
			}
			n, err := c.s.TryWrite(c.rest)
			if err == net.ErrWouldBlock {
				continue
			}
			if err != nil {
				return c.finish()
			}
			if c.rest = c.rest[n:]; len(c.rest) == 0 {
				c.rest = nil
			}
			continue
		}
		err, ok := c.s.PollRead(cx)
		if !ok {
			return struct{}{}, false
		}
		if err != nil || c.echoOnce() {
			return c.finish()
		}
	}
}

// echoOnce reads what is there into a buffer on this stack frame and writes
// it back; it reports whether the connection is done (EOF or an error).
func (c *echoConn) echoOnce() bool {
	var buf [4096]byte
	n, err := c.s.TryRead(buf[:])
	if err == net.ErrWouldBlock {
		return false
	}
	if err != nil {
		return true
	}
	for off := 0; off < n; {
		m, err := c.s.TryWrite(buf[off:n])
		if err == net.ErrWouldBlock {
			c.rest = append([]byte(nil), buf[off:n]...)
			return false
		}
		if err != nil {
			return true
		}
		off += m
	}
	return false
}

func (c *echoConn) finish() (struct{}, bool) {
	c.s.Close()
	return struct{}{}, true
}

// Drop closes the connection (a shutdown cancelled the task).
func (c *echoConn) Drop() { c.s.Close() }

// String describes the task for dumps.
func (c *echoConn) String() string { return "echo connection" }
