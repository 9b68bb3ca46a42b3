package benchwork

import (
	"errors"
	"fmt"
	"time"
)

// The constants of tokio-bench/src/main.rs and goroutine-bench/main.go.
const (
	// NumWorkers is the number of workers of the benchmarks' multi-thread
	// runtime (Tokio's benches use 4; the reference machine has 2 cores).
	NumWorkers = 2
	// NumSpawn is rt_multi_threaded.rs NUM_SPAWN.
	NumSpawn = 10_000
	// CTNumSpawn is rt_current_thread.rs NUM_SPAWN.
	CTNumSpawn = 1_000
	// Busy2Spawn is spawn_many_remote_busy2's local NUM_SPAWN.
	Busy2Spawn = 1_000
	// NumYield is how often each yield_many task yields.
	NumYield = 1_000
	// YieldTasks is the number of yield_many tasks.
	YieldTasks = 200
	// NumPings is the number of ping_pong round trips per op.
	NumPings = 1_000
	// ChainIter is the length of a chained_spawn chain.
	ChainIter = 1_000
	// StallDur is how long a busy task holds its worker (see Stall).
	StallDur = 10 * time.Microsecond
	// MemTasks is the number of idle tasks of the memory tests.
	MemTasks = 1_000_000
	// StarveLimit is how long mt_spawn_many_remote_busy2's first op may
	// take before it counts as starved.
	StarveLimit = 3 * time.Second
)

// Impl selects the implementation a workload runs on.
type Impl int

const (
	// Weft runs the workload on a weft runtime.
	Weft Impl = iota
	// Goroutine runs the goroutine twin: go statements, channels,
	// sync.WaitGroup and runtime.Gosched, as goroutine-bench does.
	Goroutine
)

// String returns "weft" or "goroutine", the values of the go test
// benchmarks' impl= key.
func (i Impl) String() string {
	switch i {
	case Weft:
		return "weft"
	case Goroutine:
		return "goroutine"
	}
	return fmt.Sprintf("Impl(%d)", int(i))
}

// Workload is one of Tokio's runtime benchmarks.
type Workload struct {
	// Name is the bench name, for example "mt_spawn_many_local".
	Name string
	// Items is the number of items (spawns, yields, pings) in one op, and
	// Item names them; the lines give ns per item as per_<Item>=.
	Items int
	Item  string
	// CurrentThread is true for the ct_ workloads: weft runs them on a
	// current-thread runtime, and both implementations run with
	// GOMAXPROCS=1. The mt_ workloads run on a multi-thread runtime.
	CurrentThread bool
	// Starves is true for the workload whose first op runs under the
	// starvation probe (see Probe).
	Starves bool

	weft      func(workers int) (*Instance, error)
	goroutine func() *Instance
}

// Start builds the workload for impl: the runtime (workers is the number of
// multi-thread workers; ignored by ct_ workloads and by the goroutine twin)
// and any background load. The caller must Close the instance.
func (w *Workload) Start(impl Impl, workers int) (*Instance, error) {
	var in *Instance
	switch impl {
	case Weft:
		if workers < 1 {
			return nil, fmt.Errorf("benchwork: %s needs at least 1 worker, got %d", w.Name, workers)
		}
		var err error
		if in, err = w.weft(workers); err != nil {
			return nil, fmt.Errorf("benchwork: %s: %w", w.Name, err)
		}
	case Goroutine:
		in = w.goroutine()
	default:
		return nil, fmt.Errorf("benchwork: unknown implementation %d", int(impl))
	}
	op, name := in.op, w.Name
	in.op = func() error {
		if err := op(); err != nil {
			return fmt.Errorf("benchwork: %s (%v): %w", name, impl, err)
		}
		return nil
	}
	return in, nil
}

// Instance is a started workload.
type Instance struct {
	op       func() error
	stopBusy func()
	close    func() error
}

// Op runs one full iteration of the workload and waits for it to finish.
// It is not safe for concurrent use.
func (in *Instance) Op() error { return in.op() }

// StopBackground stops the instance's background load (busy tasks and
// goroutines), if it has any. Ops still complete afterwards. It may be
// called from any goroutine, more than once.
func (in *Instance) StopBackground() {
	if in.stopBusy != nil {
		in.stopBusy()
	}
}

// Close stops the background load and releases the runtime; for a weft
// instance it returns the runtime's Close error.
func (in *Instance) Close() error {
	in.StopBackground()
	if in.close == nil {
		return nil
	}
	return in.close()
}

// Probe runs one op while a watchdog stops the background load once limit
// has passed, and reports whether it had to (the op was starved by the
// busy tasks) and how long the op took. Mirrors bench/tokio-rt's probe for
// spawn_many_remote_busy2, on which Tokio 1.24 starves.
func Probe(in *Instance, limit time.Duration) (starved bool, took time.Duration, err error) {
	done := make(chan struct{})
	fired := make(chan bool, 1)
	go func() {
		t := time.NewTimer(limit)
		defer t.Stop()
		select {
		case <-done:
			fired <- false
		case <-t.C:
			in.StopBackground()
			fired <- true
		}
	}()
	start := time.Now()
	err = in.Op()
	took = time.Since(start)
	close(done)
	return <-fired, took, err
}

// Workloads returns the runtime workloads in bench/tokio-rt's order.
func Workloads() []Workload {
	return []Workload{
		{Name: "mt_spawn_many_local", Items: NumSpawn, Item: "spawn",
			weft: weftSpawnManyLocal, goroutine: goSpawnManyLocal},
		{Name: "mt_spawn_many_remote_idle", Items: NumSpawn, Item: "spawn",
			weft: weftSpawnManyRemoteIdle, goroutine: goSpawnManyRemoteIdle},
		{Name: "mt_spawn_many_remote_busy1", Items: NumSpawn, Item: "spawn",
			weft: weftSpawnManyRemoteBusy1, goroutine: goSpawnManyRemoteBusy1},
		{Name: "mt_spawn_many_remote_busy2", Items: Busy2Spawn, Item: "spawn", Starves: true,
			weft: weftSpawnManyRemoteBusy2, goroutine: goSpawnManyRemoteBusy2},
		{Name: "mt_ping_pong", Items: NumPings, Item: "ping",
			weft: weftPingPong, goroutine: goPingPong},
		{Name: "mt_yield_many", Items: YieldTasks * NumYield, Item: "yield",
			weft: weftYieldMany, goroutine: goYieldMany},
		{Name: "mt_chained_spawn", Items: ChainIter, Item: "spawn",
			weft: weftChainedSpawn, goroutine: goChainedSpawn},
		{Name: "ct_spawn_many_local", Items: CTNumSpawn, Item: "spawn", CurrentThread: true,
			weft: weftCTSpawnManyLocal, goroutine: goCTSpawnManyLocal},
		{Name: "ct_spawn_many_remote_idle", Items: CTNumSpawn, Item: "spawn", CurrentThread: true,
			weft: weftCTSpawnManyRemoteIdle, goroutine: goCTSpawnManyRemoteIdle},
		{Name: "ct_spawn_many_remote_busy", Items: CTNumSpawn, Item: "spawn", CurrentThread: true,
			weft: weftCTSpawnManyRemoteBusy, goroutine: goCTSpawnManyRemoteBusy},
		{Name: "ct_yield_many", Items: YieldTasks * NumYield, Item: "yield", CurrentThread: true,
			weft: weftCTYieldMany, goroutine: goCTYieldMany},
		{Name: "ct_chained_spawn", Items: ChainIter, Item: "spawn", CurrentThread: true,
			weft: weftCTChainedSpawn, goroutine: goCTChainedSpawn},
	}
}

// ErrUnknownWorkload is returned by Lookup for a name no workload has.
var ErrUnknownWorkload = errors.New("benchwork: unknown workload")

// Lookup returns the workload with the given bench name.
func Lookup(name string) (Workload, error) {
	for _, w := range Workloads() {
		if w.Name == name {
			return w, nil
		}
	}
	return Workload{}, fmt.Errorf("%w %q", ErrUnknownWorkload, name)
}
