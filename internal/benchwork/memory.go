package benchwork

import (
	"context"
	"errors"
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/weftrt/weft"
	"github.com/weftrt/weft/future"
	"github.com/weftrt/weft/oneshot"
)

// The idle-task memory tests: n tasks (or goroutines) that each wait for
// something that never happens, on the 2-worker multi-thread runtime.
//
//   - "notify": every task awaits one shared, never-notified weft.Notify
//     (goroutines: block on one shared channel). The bare cost of a task.
//   - "oneshot": every task awaits its own oneshot whose sender is never used
//     (goroutines: each blocks on its own channel). Adds the channel.
const (
	IdleNotify  = "notify"
	IdleOneshot = "oneshot"
)

// IdleKinds lists the memory tests in the order bench/compare.sh shows them.
var IdleKinds = []string{IdleNotify, IdleOneshot}

// IdleName returns the bench name of a memory test with n tasks, for
// example "mem_idle_notify_1M".
func IdleName(kind string, n int) string {
	scale := strconv.Itoa(n)
	switch {
	case n%1_000_000 == 0:
		scale = strconv.Itoa(n/1_000_000) + "M"
	case n%1_000 == 0:
		scale = strconv.Itoa(n/1_000) + "k"
	}
	return "mem_idle_" + kind + "_" + scale
}

// Idle is a population of idle tasks or goroutines being measured.
type Idle struct {
	impl    Impl
	kind    string
	rt      *weft.Runtime // weft only
	notify  *weft.Notify  // weft notify
	shared  chan unit     // goroutine notify: never written until Close
	own     []chan unit   // goroutine oneshot: each goroutine's channel
	started *idleCounter
}

// idleCounter counts the tasks that have reached their wait; all is closed
// when the count reaches want. notify is what the weft notify tasks wait on.
type idleCounter struct {
	n      atomic.Int64
	want   int64
	all    chan unit
	notify *weft.Notify
}

func (c *idleCounter) add() {
	if c.n.Add(1) == c.want {
		close(c.all)
	}
}

// ErrUnknownIdleKind is returned by NewIdle for a kind that is neither
// IdleNotify nor IdleOneshot.
var ErrUnknownIdleKind = errors.New("benchwork: unknown idle-task kind")

// NewIdle prepares n idle tasks of the given kind: for weft it builds the
// multi-thread runtime with the given number of workers and warms it (one
// spawned and awaited task, as tokio-bench does), for goroutines it
// allocates what Close needs to release them. Nothing is spawned yet:
// measure the baseline, then call Spawn.
func NewIdle(impl Impl, kind string, n, workers int) (*Idle, error) {
	if kind != IdleNotify && kind != IdleOneshot {
		return nil, fmt.Errorf("%w %q", ErrUnknownIdleKind, kind)
	}
	if n < 1 {
		return nil, fmt.Errorf("benchwork: idle test needs at least 1 task, got %d", n)
	}
	id := &Idle{impl: impl, kind: kind, started: &idleCounter{want: int64(n), all: make(chan unit)}}
	switch impl {
	case Weft:
		rt, err := newMultiThread(workers)
		if err != nil {
			return nil, err
		}
		if _, err := weft.BlockOn(context.Background(), rt, weft.Spawn(rt, noop{})); err != nil {
			_ = rt.Close()
			return nil, err
		}
		id.rt, id.notify = rt, weft.NewNotify()
		id.started.notify = id.notify
	case Goroutine:
		id.shared = make(chan unit)
		if kind == IdleOneshot {
			// Kept so that Close can release the goroutines (8 B a
			// goroutine in the figure).
			id.own = make([]chan unit, 0, n)
		}
	default:
		return nil, fmt.Errorf("benchwork: unknown implementation %d", int(impl))
	}
	return id, nil
}

// idleOnNotify awaits a shared Notify that is never notified. The Notified
// is kept by value inside the task's future and made on the first poll, as
// the Rust async block makes it when it first runs
// (`started.fetch_add(1); notify.notified().await`).
type idleOnNotify struct {
	started *idleCounter // nil once counted
	wait    weft.NotifiedFuture
}

func (t *idleOnNotify) Poll(cx *future.Context) (unit, bool) {
	if t.started != nil {
		t.wait.Reset(t.started.notify)
		t.started.add()
		t.started = nil
	}
	return t.wait.Poll(cx)
}

// Drop takes the Notified out of the queue (on Close).
func (t *idleOnNotify) Drop() { t.wait.Drop() }

// idleOnOneshot awaits its own oneshot. The Sender is the same allocation as
// the Receiver, so the task's reference keeps it alive; nobody sends or
// closes it (Tokio's test leaks the sender with mem::forget).
type idleOnOneshot struct {
	started *idleCounter
	rx      *oneshot.Receiver[unit]
	counted bool
}

func (t *idleOnOneshot) Poll(cx *future.Context) (unit, bool) {
	if !t.counted {
		t.counted = true
		t.started.add()
	}
	_, ok := t.rx.Poll(cx)
	return unit{}, ok
}

// Drop closes the channel (on Close).
func (t *idleOnOneshot) Drop() { t.rx.Drop() }

// Spawn starts the n idle tasks or goroutines, from outside the runtime
// (Tokio: rt.spawn, dropping the JoinHandle). Call it once.
func (id *Idle) Spawn() {
	n := int(id.started.want)
	switch {
	case id.impl == Weft && id.kind == IdleNotify:
		for range n {
			weft.SpawnDetachedInline(id.rt, &idleOnNotify{started: id.started})
		}
	case id.impl == Weft:
		for range n {
			_, rx := oneshot.New[unit]()
			weft.SpawnDetachedInline(id.rt, &idleOnOneshot{started: id.started, rx: rx})
		}
	case id.kind == IdleNotify:
		for range n {
			go func() {
				id.started.add()
				<-id.shared
			}()
		}
	default:
		for range n {
			ch := make(chan unit)
			id.own = append(id.own, ch)
			go func() {
				id.started.add()
				<-ch
			}()
		}
	}
}

// Wait blocks until every task has reached its wait, or timeout passes.
func (id *Idle) Wait(timeout time.Duration) error {
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case <-id.started.all:
		return nil
	case <-t.C:
		return fmt.Errorf("benchwork: only %d of %d idle tasks started within %v",
			id.started.n.Load(), id.started.want, timeout)
	}
}

// Close releases every idle task: the weft runtime is closed (which cancels
// them), the goroutines' channels are closed.
func (id *Idle) Close() error {
	if id.impl == Weft {
		return id.rt.Close()
	}
	close(id.shared)
	for _, ch := range id.own {
		close(ch)
	}
	return nil
}

// MemStats is one memory measurement of n idle tasks.
type MemStats struct {
	Name          string
	Tasks         int
	RSSBeforeKB   int64
	RSSAfterKB    int64
	SpawnAndPark  time.Duration
	RSSPerTask    float64 // VmRSS growth per task, bytes (the table's number)
	HeapPerTask   float64 // HeapInuse growth per task, bytes
	StackPerTask  float64 // StackInuse growth per task, bytes
	MallocPerTask float64 // heap allocations per task
}

// MeasureIdle runs one memory test as bench/tokio-rt does: prepare (and
// warm the runtime), collect garbage and return freed memory to the OS, read
// VmRSS, spawn n idle tasks, wait until all have started, let the workers
// settle (100 ms for them to park), and read VmRSS and the Go heap
// statistics again, without collecting garbage first (as the Rust side
// does; a collection here makes the goroutines' numbers worse, not
// better: it leaves a second stack span per goroutine in use). The tasks
// stay alive: Close the returned Idle, or exit.
func MeasureIdle(impl Impl, kind string, n, workers int, settle time.Duration) (MemStats, *Idle, error) {
	id, err := NewIdle(impl, kind, n, workers)
	if err != nil {
		return MemStats{}, nil, err
	}
	runtime.GC()
	debug.FreeOSMemory()
	var ms0, ms1 runtime.MemStats
	runtime.ReadMemStats(&ms0)
	before, err := RSSKB()
	if err != nil {
		return MemStats{}, id, err
	}
	start := time.Now()
	id.Spawn()
	if err := id.Wait(60 * time.Second); err != nil {
		return MemStats{}, id, err
	}
	if settle > 0 {
		time.Sleep(settle)
	}
	took := time.Since(start)
	after, err := RSSKB()
	if err != nil {
		return MemStats{}, id, err
	}
	runtime.ReadMemStats(&ms1)
	fn := float64(n)
	return MemStats{
		Name:          IdleName(kind, n),
		Tasks:         n,
		RSSBeforeKB:   before,
		RSSAfterKB:    after,
		SpawnAndPark:  took,
		RSSPerTask:    float64((after-before)*1024) / fn,
		HeapPerTask:   float64(int64(ms1.HeapInuse)-int64(ms0.HeapInuse)) / fn,
		StackPerTask:  float64(int64(ms1.StackInuse)-int64(ms0.StackInuse)) / fn,
		MallocPerTask: float64(ms1.Mallocs-ms0.Mallocs) / fn,
	}, id, nil
}

// RSSKB returns the process's resident set size (VmRSS) in KiB. It needs
// Linux's /proc.
func RSSKB() (int64, error) {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0, fmt.Errorf("benchwork: reading VmRSS: %w", err)
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			v, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			if err != nil {
				return 0, fmt.Errorf("benchwork: parsing VmRSS %q: %w", rest, err)
			}
			return v, nil
		}
	}
	return 0, errors.New("benchwork: no VmRSS in /proc/self/status")
}
