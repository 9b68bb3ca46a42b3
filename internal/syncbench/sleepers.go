package syncbench

import (
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/weftrt/weft"
	"github.com/weftrt/weft/future"
)

// The sleepers test: n tasks each sleep until one common deadline, on a
// multi-thread runtime with NumWorkers workers; the twin is n goroutines in
// time.Sleep. Both are started by one task (goroutine) so that they go
// through a worker's own queue, as bench/tokio-sync does.

// SleepersResult is what one sleepers run measured.
type SleepersResult struct {
	N int
	// Register is the time from the start until every task (goroutine) had
	// started its sleep.
	Register time.Duration
	// RSSBeforeKB and RSSAfterKB are VmRSS before the spawns and once every
	// sleep is registered.
	RSSBeforeKB, RSSAfterKB int64
	// HeapPerTask and StackPerTask are the growth of the live heap
	// (HeapAlloc after a collection) and of goroutine stacks (StackInuse)
	// per task, measured with RSSAfterKB.
	HeapPerTask, StackPerTask float64
	// Fire is the time from the deadline until every task had finished.
	Fire time.Duration
	// Early counts the tasks that finished before the memory was measured:
	// when it is not 0 the deadline was too short for the spawns, and Fire
	// and the memory figures are not what they claim.
	Early int64
}

// RSSPerTask is the VmRSS growth per task in bytes.
func (r SleepersResult) RSSPerTask() float64 {
	return float64((r.RSSAfterKB-r.RSSBeforeKB)*1024) / float64(r.N)
}

// Sleepers runs the sleepers test for impl with n tasks whose deadline lies
// wait after the start. It panics if the tasks do not all finish within two
// minutes of the deadline.
func Sleepers(impl Impl, n int, wait time.Duration) SleepersResult {
	var started, done atomic.Int64
	var rt *weft.Runtime
	if impl == Weft {
		rt = newMultiThread(NumWorkers)
		defer closeRuntime(rt)
		blockOn(rt, weft.Spawn(rt, future.Ready(struct{}{}))) // workers up and warm
	}
	runtime.GC()
	var ms0, ms1 runtime.MemStats
	runtime.ReadMemStats(&ms0)
	res := SleepersResult{N: n, RSSBeforeKB: rssKB()}
	t0 := time.Now()
	deadline := t0.Add(wait)
	if impl == Weft {
		weft.SpawnDetached(rt, &sleeperSpawner{n: n, deadline: deadline, started: &started, done: &done})
	} else {
		go func() {
			for range n {
				go func() {
					started.Add(1)
					time.Sleep(time.Until(deadline))
					done.Add(1)
				}()
			}
		}()
	}
	limit := deadline.Add(2 * time.Minute)
	waitFor := func(c *atomic.Int64, what string) {
		for c.Load() < int64(n) {
			if time.Now().After(limit) {
				panic("syncbench: sleepers did not all " + what)
			}
			time.Sleep(200 * time.Microsecond)
		}
	}
	waitFor(&started, "start")
	res.Register = time.Since(t0)
	// Let the workers park; every task now waits in its timer entry.
	time.Sleep(100 * time.Millisecond)
	runtime.GC()
	runtime.ReadMemStats(&ms1)
	res.RSSAfterKB = rssKB()
	res.HeapPerTask = (float64(ms1.HeapAlloc) - float64(ms0.HeapAlloc)) / float64(n)
	res.StackPerTask = (float64(ms1.StackInuse) - float64(ms0.StackInuse)) / float64(n)
	res.Early = done.Load()
	waitFor(&done, "finish")
	res.Fire = time.Since(deadline)
	return res
}

// sleeperSpawner is the task that spawns the sleepers.
type sleeperSpawner struct {
	n             int
	deadline      time.Time
	started, done *atomic.Int64
}

// Poll spawns every sleeper onto the current worker.
func (s *sleeperSpawner) Poll(cx *future.Context) (struct{}, bool) {
	for range s.n {
		weft.SpawnDetached(cx, &sleeper{deadline: s.deadline, started: s.started, done: s.done})
	}
	return struct{}{}, true
}

// sleeper is one sleeping task.
type sleeper struct {
	deadline      time.Time
	started, done *atomic.Int64
	sleep         *weft.SleepFuture
}

// Poll starts the sleep on the first poll and completes when it elapsed.
func (s *sleeper) Poll(cx *future.Context) (struct{}, bool) {
	if s.sleep == nil {
		s.started.Add(1)
		s.sleep = weft.SleepUntil(s.deadline)
	}
	if _, ok := s.sleep.Poll(cx); !ok {
		return struct{}{}, false
	}
	s.done.Add(1)
	return struct{}{}, true
}

// Drop deregisters the sleep.
func (s *sleeper) Drop() {
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
