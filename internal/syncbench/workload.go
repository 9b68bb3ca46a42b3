package syncbench

import (
	"context"
	"runtime"

	"github.com/weftrt/weft"
	"github.com/weftrt/weft/future"
	"github.com/weftrt/weft/internal/benchwork"
	"github.com/weftrt/weft/task"
)

// NumWorkers is the number of workers of every multi-thread runtime (Tokio's
// bench files use 6, or 8 for the timeouts) and the GOMAXPROCS of the
// goroutine twins of multi-thread workloads.
const NumWorkers = 2

// Impl selects how a workload is built: Weft builds it from weft tasks and
// primitives on a weft runtime, Goroutine from goroutines, channels and
// package sync. It is the runtime workloads' Impl, so that both benchmark
// suites name their sub-benchmarks alike (impl=weft, impl=goroutine).
type Impl = benchwork.Impl

// The two Impls.
const (
	Weft      = benchwork.Weft
	Goroutine = benchwork.Goroutine
)

// Case is a workload built for one Impl.
type Case struct {
	// Op runs one operation of the workload. It panics when the workload
	// fails (a lost message, a runtime error): a benchmark has no way to
	// carry on after that.
	Op func()
	// Close releases what setup built: runtimes, tasks, goroutines. It is
	// called once, after the last Op.
	Close func()
}

// Workload is one benchmark, built the same way for weft and for goroutines.
type Workload struct {
	// Name is the bench name bench/tokio-sync prints for the same workload.
	Name string
	// Items is the number of items (messages, wake-ups, acquires) in one
	// operation, and Item their name; the per-item time is the time of an
	// operation divided by Items.
	Items int
	Item  string
	// Mirrors names the Tokio bench the workload re-creates.
	Mirrors string
	// CurrentThread is set when Tokio runs the workload on a current-thread
	// runtime: weft then uses a current-thread runtime too, and the
	// goroutine twin runs with GOMAXPROCS 1.
	CurrentThread bool

	setup [2]func() *Case
}

// Setup builds the workload for impl. It panics if building fails.
func (w *Workload) Setup(impl Impl) *Case {
	if impl != Weft && impl != Goroutine {
		panic("syncbench: unknown Impl " + impl.String())
	}
	if impl == Goroutine && w.CurrentThread {
		prev := runtime.GOMAXPROCS(1)
		c := w.setup[impl]()
		closeCase := c.Close
		c.Close = func() {
			closeCase()
			runtime.GOMAXPROCS(prev)
		}
		return c
	}
	return w.setup[impl]()
}

// Workloads returns every workload, in the order bench/tokio-sync runs them.
func Workloads() []Workload {
	var ws []Workload
	ws = append(ws, mpscWorkloads()...)
	ws = append(ws, requestReplyWorkloads()...)
	ws = append(ws, notifyWorkloads()...)
	ws = append(ws, semaphoreWorkloads()...)
	ws = append(ws, rwlockWorkloads()...)
	ws = append(ws, watchWorkloads()...)
	ws = append(ws, timeWorkloads()...)
	return ws
}

// newMultiThread returns a weft multi-thread runtime with the given number
// of workers.
func newMultiThread(workers int) *weft.Runtime {
	rt, err := weft.New(weft.WithWorkers(workers))
	if err != nil {
		panic("syncbench: " + err.Error())
	}
	return rt
}

// newCurrentThread returns a weft current-thread runtime.
func newCurrentThread() *weft.Runtime {
	rt, err := weft.New(weft.WithCurrentThread())
	if err != nil {
		panic("syncbench: " + err.Error())
	}
	return rt
}

// newRuntime returns the runtime a weft workload runs on.
func newRuntime(currentThread bool) *weft.Runtime {
	if currentThread {
		return newCurrentThread()
	}
	return newMultiThread(NumWorkers)
}

// closeRuntime shuts rt down and panics if that fails.
func closeRuntime(rt *weft.Runtime) {
	if err := rt.Close(); err != nil {
		panic("syncbench: closing the runtime: " + err.Error())
	}
}

// blockOn runs f to completion on rt and panics if BlockOn fails. The
// result is named so that a large value is copied into it once (see
// weft.BlockOn).
func blockOn[T any](rt *weft.Runtime, f future.Future[T]) (v T) {
	var err error
	if v, err = weft.BlockOn(context.Background(), rt, f); err != nil {
		panic("syncbench: BlockOn: " + err.Error())
	}
	return v
}

// runtimeCase is the Case of a weft workload whose operation is one BlockOn
// of a fresh root future made by root.
func runtimeCase[T any](currentThread bool, root func() future.Future[T]) *Case {
	rt := newRuntime(currentThread)
	return &Case{
		Op:    func() { blockOn(rt, root()) },
		Close: func() { closeRuntime(rt) },
	}
}

// keptRoot is the root future of a weft workload whose operation is one
// BlockOn. The workload keeps one and resets it before each operation, with
// the primitives' futures inside it kept by value and renewed with their
// Reset methods: this is how a Go program awaits without allocating, and the
// twin of Tokio's bench, whose async block and the futures it awaits live on
// block_on's stack and allocate nothing. (Each Acquire, Read or Send call
// would allocate its future; the go test micro benchmarks of each primitive,
// for example BenchmarkRwLockUncontendedReadFutureReset, show both forms.)
type keptRoot interface {
	future.Future[struct{}]
	reset()
}

// keptCase is the Case of a weft workload whose operation resets root and
// runs it to completion with one BlockOn.
func keptCase(currentThread bool, root keptRoot) *Case {
	rt := newRuntime(currentThread)
	return &Case{
		Op: func() {
			root.reset()
			blockOn[struct{}](rt, root)
		},
		Close: func() { closeRuntime(rt) },
	}
}

// noClose is the Close of a case that keeps nothing.
func noClose() {}

// joinAll is a future that awaits every JoinHandle in hs, in order, and
// panics if a task did not complete normally.
type joinAll[T any] struct {
	hs []*task.JoinHandle[T]
}

// Poll awaits the handles one after the other.
func (j *joinAll[T]) Poll(cx *future.Context) (struct{}, bool) {
	for len(j.hs) > 0 {
		r, ok := j.hs[0].Poll(cx)
		if !ok {
			return struct{}{}, false
		}
		if r.Err != nil {
			panic("syncbench: task failed: " + r.Err.Error())
		}
		j.hs = j.hs[1:]
	}
	return struct{}{}, true
}

// spawnAndJoin spawns n tasks with spawn and then awaits them in order, as
// Tokio's try_join! over spawned tasks does. A kept one reuses its buffer of
// handles (reset before each operation).
type spawnAndJoin struct {
	n       int
	spawn   func(cx *future.Context) *task.JoinHandle[struct{}]
	hs      []*task.JoinHandle[struct{}] // the handles of the last spawnAll
	join    joinAll[struct{}]
	spawned bool
}

// reset makes j spawn n tasks again at its next poll (or spawnAll).
func (j *spawnAndJoin) reset(n int) {
	j.n, j.spawned = n, false
	clear(j.hs)
	j.hs = j.hs[:0]
	j.join = joinAll[struct{}]{}
}

// spawnAll spawns the n tasks.
func (j *spawnAndJoin) spawnAll(cx *future.Context) {
	for range j.n {
		j.hs = append(j.hs, j.spawn(cx))
	}
	j.join.hs = j.hs
	j.spawned = true
}

// Poll spawns on the first poll and then awaits the handles.
func (j *spawnAndJoin) Poll(cx *future.Context) (struct{}, bool) {
	if !j.spawned {
		j.spawnAll(cx)
	}
	return j.join.Poll(cx)
}
