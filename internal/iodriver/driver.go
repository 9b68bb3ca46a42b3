package iodriver

import (
	"errors"
	"sync"
	"sync/atomic"
	"time"
)

// ErrClosed is the error of a wait or an operation on a closed registration.
var ErrClosed = errors.New("weft/net: use of a closed socket")

// Config configures a Driver.
type Config struct {
	// ShutdownErr is the error waits and operations fail with once the
	// driver has shut down (the runtime's ErrRuntimeShutdown).
	ShutdownErr error
}

// Driver states.
const (
	driverIdle int32 = iota // no fd registered yet: no epoll instance
	driverOpen              // epoll and eventfd open
	driverShut              // shut down: nothing registers any more
)

// Of returns the I/O driver of the runtime behind an executor (the value of
// a Spawner's Executor or of a Context's), or nil when the executor is not
// one of weft's. Package weft sets it at init, so that the runtime's handle
// need not export its driver; every package that calls it imports weft.
var Of func(executor any) *Driver

// Driver is one runtime's I/O driver: an epoll instance (opened when the
// first fd registers), an eventfd to wake a goroutine blocked in it, and the
// table from event tokens to registrations. See doc.go for how a scheduler
// drives it.
type Driver struct {
	shutdownErr error // immutable

	// st is driverIdle, driverOpen or driverShut; written under mu.
	st atomic.Int32

	// mu guards opening, registering, deregistering and shutting down, so
	// that no epoll_ctl races the close of the epoll fd at shutdown.
	mu struct {
		sync.Mutex
		seq uint32 // registration numbers, for tokens
	}
	// fdMu is held for reading by Wake (which writes the eventfd) and for
	// writing by the shutdown that closes it: a late Wake must never write
	// into an fd number the kernel has given to someone else.
	fdMu sync.RWMutex
	sys  sysState // the epoll and eventfd fds; set under mu at open

	table table // token -> registration, read lock-free by the poller

	// n counts the registered fds.
	n atomic.Int64

	// poll is held by the goroutine that polls epoll (one at a time):
	// Block takes it, Poll only tries.
	poll struct {
		sync.Mutex
		events eventBuf // guarded by poll
	}

	onOpen func() // see SetOnOpen; set before the driver is shared

	// Counters for tests and metrics.
	polls, blocks, events, wakes atomic.Uint64
}

// New returns a driver that has not opened anything yet.
func New(cfg Config) *Driver {
	if cfg.ShutdownErr == nil {
		cfg.ShutdownErr = errors.New("iodriver: driver shut down")
	}
	return &Driver{shutdownErr: cfg.ShutdownErr}
}

// SetOnOpen sets the function the driver calls once, after it opened its
// epoll instance (at the first registration): the scheduler's unpark of the
// goroutine that owns the timed wait, so that it parks in epoll from then on.
// Call it before the driver is used.
func (d *Driver) SetOnOpen(f func()) { d.onOpen = f }

// Active reports whether the driver has opened its epoll instance and not
// shut down: only then does parking on it differ from plain parking.
func (d *Driver) Active() bool { return d.st.Load() == driverOpen }

// Pending reports whether an fd is registered: an event may still come.
func (d *Driver) Pending() bool { return d.n.Load() > 0 }

// Len returns the number of registered fds.
func (d *Driver) Len() int { return int(d.n.Load()) }

// Register registers fd (which must be non-blocking and must stay open until
// the registration is closed) for read and write readiness, edge-triggered,
// and resets r for it. It opens the driver on first use. It fails with the
// shutdown error once the driver has shut down, and with the system's error
// when epoll refuses the fd.
func (d *Driver) Register(r *Registration, fd int) error {
	if fd < 0 || fd >= maxFD {
		return errors.New("iodriver: file descriptor out of range")
	}
	d.mu.Lock()
	opened := false
	switch d.st.Load() {
	case driverShut:
		d.mu.Unlock()
		return d.shutdownErr
	case driverIdle:
		if err := d.sys.open(); err != nil {
			d.mu.Unlock()
			return err
		}
		d.table.init()
		d.poll.events = newEventBuf()
		d.st.Store(driverOpen)
		opened = true
	}
	d.mu.seq++
	r.token = uint64(uint32(fd)) | uint64(d.mu.seq)<<32
	r.d = d
	// Assume ready until an operation finds EAGAIN, as Go's own poller
	// does: the first read or write of a new socket then does not wait for
	// the driver's first turn (readiness.go).
	r.state.Store(uint64(initialReadiness))
	d.table.store(uint32(fd), r)
	if err := d.sys.add(fd, r.token); err != nil {
		d.table.clear(uint32(fd), r)
		d.mu.Unlock()
		return err
	}
	d.n.Add(1)
	d.mu.Unlock()
	if opened && d.onOpen != nil {
		d.onOpen()
	}
	return nil
}

// release deregisters r's fd and closes it; called exactly once per
// registration, by whoever's transition set RELEASED.
func (d *Driver) release(r *Registration) {
	fd := r.FD()
	d.mu.Lock()
	if d.st.Load() == driverOpen {
		// Explicitly: a dup of the fd elsewhere would keep the epoll
		// registration alive after close.
		d.sys.del(fd)
		d.table.clear(uint32(fd), r)
	}
	d.n.Add(-1)
	d.mu.Unlock()
	closeFD(fd)
}

// Poll dispatches the events that are ready without blocking and reports how
// many registrations it delivered events to. When another goroutine is
// polling (a parked worker blocked in Block), it does nothing: that goroutine
// sees the events as they come.
func (d *Driver) Poll() int {
	if !d.Active() || !d.poll.TryLock() {
		return 0
	}
	defer d.poll.Unlock()
	if d.st.Load() != driverOpen {
		return 0
	}
	d.polls.Add(1)
	return d.dispatch(d.sys.wait(&d.poll.events, 0))
}

// Block waits up to timeout (negative: without limit; it is rounded up to
// whole milliseconds) for events, Wake or the timeout, and dispatches the
// events. gate is called once the caller is the only poller, just before it
// blocks; when it returns false (a wake-up came meanwhile) Block only polls.
// Only the goroutine that owns the scheduler's timed wait calls Block.
func (d *Driver) Block(timeout time.Duration, gate func() bool) int {
	d.poll.Lock()
	defer d.poll.Unlock()
	if d.st.Load() != driverOpen {
		gate()
		return 0
	}
	if !gate() {
		timeout = 0
	}
	d.blocks.Add(1)
	return d.dispatch(d.sys.wait(&d.poll.events, timeout))
}

// dispatch delivers n events from the poll buffer; the caller holds poll.
func (d *Driver) dispatch(n int) int {
	delivered := 0
	for i := range n {
		tok, ready := d.poll.events.at(i)
		if tok == wakeToken {
			continue
		}
		r := d.table.load(uint32(tok))
		if r == nil || r.token != tok {
			// The fd was deregistered after the kernel queued the
			// event, perhaps reused by a newer registration.
			continue
		}
		r.deliver(ready)
		delivered++
	}
	d.events.Add(uint64(delivered))
	return delivered
}

// Wake makes a Block in progress return, or the next one return at once.
func (d *Driver) Wake() {
	d.fdMu.RLock()
	if d.st.Load() == driverOpen {
		d.wakes.Add(1)
		d.sys.wake()
	}
	d.fdMu.RUnlock()
}

// Shutdown fails every registration's waits and operations with the
// shutdown error (waking their waiters), refuses new registrations, and
// closes the epoll instance and the eventfd. Registered fds stay open: their
// owners close them. The scheduler calls it after its tasks were cancelled,
// when no goroutine polls any more.
func (d *Driver) Shutdown() {
	d.mu.Lock()
	prev := d.st.Load()
	d.st.Store(driverShut)
	var regs []*Registration
	if prev == driverOpen {
		regs = d.table.all()
	}
	d.mu.Unlock()
	for _, r := range regs {
		r.shutdown()
	}
	if prev != driverOpen {
		return
	}
	d.poll.Lock()
	d.fdMu.Lock()
	d.sys.close()
	d.fdMu.Unlock()
	d.poll.Unlock()
}

// Stats are the driver's counters.
type Stats struct {
	Registered int    // fds registered now
	Polls      uint64 // non-blocking polls
	Blocks     uint64 // blocking waits
	Events     uint64 // events delivered to registrations
	Wakes      uint64 // eventfd writes
}

// Stats returns the driver's counters.
func (d *Driver) Stats() Stats {
	return Stats{
		Registered: d.Len(),
		Polls:      d.polls.Load(),
		Blocks:     d.blocks.Load(),
		Events:     d.events.Load(),
		Wakes:      d.wakes.Load(),
	}
}
