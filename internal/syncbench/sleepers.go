package syncbench

import (
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/weftrt/weft"
	"github.com/weftrt/weft/future"
)

// The sleepers test: n tasks each sleep until one common deadline, on a
// multi-thread runtime with NumWorkers workers; the twin is n goroutines in
// time.Sleep. Both are started by one task (goroutine), so that they go
// through a worker's own queue, as bench/tokio-sync does.
//
// It runs in two phases so that the deadline can follow the speed of the
// machine: first every task is spawned and waits at a gate (a Notify, for
// the goroutines a channel that is closed); then the deadline is set, far
// enough ahead that every task can register its sleep before it (at least
// the minimum given, and at least three times as long as the spawning took),
// and the gate opens. The memory is measured once every sleep is registered.

// SleepersResult is what one sleepers run measured.
type SleepersResult struct {
	N int
	// Spawn is the time from the start until every task (goroutine) was
	// spawned and waiting at the gate.
	Spawn time.Duration
	// Register is the time from the opening of the gate until every task
	// had started its sleep.
	Register time.Duration
	// RSSBeforeKB and RSSAfterKB are VmRSS before the spawns and once every
	// sleep is registered, each after debug.FreeOSMemory.
	RSSBeforeKB, RSSAfterKB int64
	// HeapPerTask and StackPerTask are the growth of the live heap
	// (HeapAlloc after a collection) and of goroutine stacks (StackInuse)
	// per task, measured with RSSAfterKB.
	HeapPerTask, StackPerTask float64
	// Wait is how far after the opening of the gate the deadline was.
	Wait time.Duration
	// Fire is the time from the deadline until every task had finished.
	Fire time.Duration
	// Early counts the tasks that finished before the memory was measured;
	// when it is not 0 the deadline was too close, and Fire and the memory
	// figures are not what they claim.
	Early int64
}

// RSSPerTask is the VmRSS growth per task in bytes.
func (r SleepersResult) RSSPerTask() float64 {
	return float64((r.RSSAfterKB-r.RSSBeforeKB)*1024) / float64(r.N)
}

// sleepersState is what the sleepers share.
type sleepersState struct {
	started, registered, done atomic.Int64
	deadline                  atomic.Int64 // UnixNano, set before the gate opens
}

// Sleepers runs the sleepers test for impl with n tasks; the deadline lies
// at least minWait after the gate opens. It panics if the tasks do not all
// finish within two minutes of the deadline.
func Sleepers(impl Impl, n int, minWait time.Duration) SleepersResult {
	st := new(sleepersState)
	var rt *weft.Runtime
	var gate *weft.Notify
	var gateCh chan struct{}
	if impl == Weft {
		rt = newMultiThread(NumWorkers)
		defer closeRuntime(rt)
		blockOn(rt, weft.Spawn(rt, future.Ready(struct{}{}))) // workers up and warm
		gate = weft.NewNotify()
	} else {
		gateCh = make(chan struct{})
	}
	debug.FreeOSMemory()
	var ms0, ms1 runtime.MemStats
	runtime.ReadMemStats(&ms0)
	res := SleepersResult{N: n, RSSBeforeKB: rssKB()}
	limit := time.Now().Add(10 * time.Minute)
	waitFor := func(c *atomic.Int64, what string) {
		for c.Load() < int64(n) {
			if time.Now().After(limit) {
				panic("syncbench: sleepers did not all " + what)
			}
			time.Sleep(200 * time.Microsecond)
		}
	}

	t0 := time.Now()
	if impl == Weft {
		weft.SpawnDetached(rt, &sleeperSpawner{n: n, st: st, gate: gate})
	} else {
		go func() {
			for range n {
				go func() {
					st.started.Add(1)
					<-gateCh
					st.registered.Add(1)
					time.Sleep(time.Until(time.Unix(0, st.deadline.Load())))
					st.done.Add(1)
				}()
			}
		}()
	}
	waitFor(&st.started, "start")
	res.Spawn = time.Since(t0)

	res.Wait = max(minWait, 3*res.Spawn)
	t1 := time.Now()
	deadline := t1.Add(res.Wait)
	limit = deadline.Add(2 * time.Minute)
	st.deadline.Store(deadline.UnixNano())
	if impl == Weft {
		gate.NotifyWaiters()
	} else {
		close(gateCh)
	}
	waitFor(&st.registered, "register")
	res.Register = time.Since(t1)
	// Let the workers park; every task now waits in its timer entry.
	time.Sleep(100 * time.Millisecond)
	// Collect and give freed pages back (the gate's futures are garbage by
	// now), so that VmRSS counts what the sleeping tasks hold.
	debug.FreeOSMemory()
	runtime.ReadMemStats(&ms1)
	res.RSSAfterKB = rssKB()
	res.HeapPerTask = (float64(ms1.HeapAlloc) - float64(ms0.HeapAlloc)) / float64(n)
	res.StackPerTask = (float64(ms1.StackInuse) - float64(ms0.StackInuse)) / float64(n)
	res.Early = st.done.Load()
	waitFor(&st.done, "finish")
	res.Fire = time.Since(deadline)
	return res
}

// sleeperSpawner is the task that spawns the sleepers.
type sleeperSpawner struct {
	n    int
	st   *sleepersState
	gate *weft.Notify
}

// Poll spawns every sleeper onto the current worker.
func (s *sleeperSpawner) Poll(cx *future.Context) (struct{}, bool) {
	for range s.n {
		weft.SpawnDetached(cx, &sleeper{st: s.st, gate: s.gate.Notified()})
	}
	return struct{}{}, true
}

// sleeper is one sleeping task: it waits at the gate, then sleeps until the
// deadline.
type sleeper struct {
	st      *sleepersState
	started bool
	gate    *weft.NotifiedFuture // until the gate opened
	sleep   *weft.SleepFuture
}

// Poll waits at the gate, starts the sleep and completes when it elapsed.
func (s *sleeper) Poll(cx *future.Context) (struct{}, bool) {
	if !s.started {
		s.started = true
		s.st.started.Add(1)
	}
	if s.gate != nil {
		if _, ok := s.gate.Poll(cx); !ok {
			return struct{}{}, false
		}
		s.gate.Drop()
		s.gate = nil
		s.st.registered.Add(1)
		s.sleep = weft.SleepUntil(time.Unix(0, s.st.deadline.Load()))
	}
	if _, ok := s.sleep.Poll(cx); !ok {
		return struct{}{}, false
	}
	s.st.done.Add(1)
	return struct{}{}, true
}

// Drop leaves the gate or deregisters the sleep.
func (s *sleeper) Drop() {
	if s.gate != nil {
		s.gate.Drop()
		s.gate = nil
		return
	}
	if s.sleep != nil {
		s.sleep.Drop()
	}
}

// rssKB returns the resident set size of the process in kB, or 0 where
// /proc/self/status is missing.
func rssKB() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			v, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			if err != nil {
				return 0
			}
			return v
		}
	}
	return 0
}
