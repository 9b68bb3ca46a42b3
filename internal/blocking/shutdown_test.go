package blocking_test

import (
	"errors"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/weftrt/weft/internal/blocking"
	"github.com/weftrt/weft/internal/gident"
	"github.com/weftrt/weft/task"
)

var errRuntimeGone = errors.New("runtime shut down")

func TestShutdownCancelsQueuedTasksWithCause(t *testing.T) {
	p := newPool(t, blocking.Config{MaxThreads: 1, ShutdownCause: errRuntimeGone})
	g := newGate()
	running := mustSpawn(t, p, func() int { g.wait(); return 42 })
	<-g.started
	var ran atomic.Int32
	queued := make([]*task.JoinHandle[int], 5)
	for i := range queued {
		queued[i] = mustSpawn(t, p, func() int { ran.Add(1); return i })
	}
	if p.Shutdown(0) {
		t.Fatal("Shutdown(0) reported done with a closure running")
	}
	// The queue was emptied by Shutdown itself, before it returned.
	if m := p.Metrics(); m.QueueDepth != 0 || m.Running != 1 {
		t.Fatalf("after Shutdown(0): %+v", m)
	}
	for _, jh := range queued {
		je := joinCancelled(t, jh)
		if !errors.Is(je, errRuntimeGone) || je.Cause() != errRuntimeGone {
			t.Fatalf("cancelled task's cause is %v, want %v", je.Cause(), errRuntimeGone)
		}
	}
	close(g.release)
	if v := joinValue(t, running); v != 42 {
		t.Fatalf("running task returned %d", v)
	}
	shutdown(t, p)
	if ran.Load() != 0 {
		t.Fatalf("%d queued closures ran after Shutdown", ran.Load())
	}
}

func TestShutdownTimeoutLeavesRunningClosureToFinish(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := newPool(t, blocking.Config{})
		g := newGate()
		jh := mustSpawn(t, p, func() string { g.wait(); return "late" })
		<-g.started
		start := time.Now()
		if p.Shutdown(time.Second) {
			t.Fatal("Shutdown reported done while a closure runs")
		}
		if d := time.Since(start); d != time.Second {
			t.Fatalf("Shutdown waited %v, want 1s", d)
		}
		if m := p.Metrics(); m.NumThreads != 1 || m.Running != 1 {
			t.Fatalf("after the timeout: %+v", m)
		}
		close(g.release)
		if v := joinValue(t, jh); v != "late" {
			t.Fatalf("got %q", v)
		}
		shutdown(t, p)
	})
}

func TestShutdownWakesIdleGoroutinesAtOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var stops atomic.Int32
		p := newPool(t, blocking.Config{MaxThreads: 4, OnThreadStop: func() { stops.Add(1) }})
		g := newGate()
		var jhs []*task.JoinHandle[int]
		for range 4 {
			jhs = append(jhs, mustSpawn(t, p, func() int { g.wait(); return 0 }))
		}
		for range 4 {
			<-g.started
		}
		close(g.release)
		for _, jh := range jhs {
			joinValue(t, jh)
		}
		synctest.Wait()
		if m := p.Metrics(); m.IdleThreads != 4 {
			t.Fatalf("%+v", m)
		}
		start := time.Now()
		shutdown(t, p)
		if d := time.Since(start); d != 0 {
			t.Fatalf("Shutdown waited %v for idle goroutines (keep-alive instead of shutdown signal)", d)
		}
		if stops.Load() != 4 {
			t.Fatalf("%d stop hooks before Shutdown returned, want 4", stops.Load())
		}
	})
}

func TestSpawnAfterShutdownCancelsTask(t *testing.T) {
	p := newPool(t, blocking.Config{})
	shutdown(t, p)
	var ran atomic.Bool
	jh, _, err := spawn(p, func() int { ran.Store(true); return 1 })
	if err != blocking.ErrShutdown {
		t.Fatalf("Spawn after Shutdown: %v, want ErrShutdown", err)
	}
	je := joinCancelled(t, jh)
	if !errors.Is(je, blocking.ErrShutdown) {
		t.Fatalf("cause %v, want the default ErrShutdown", je.Cause())
	}
	if ran.Load() {
		t.Fatal("closure ran after shutdown")
	}
	if m := p.Metrics(); m.SpawnedTasks != 0 || m.StartedThreads != 0 || !p.Idle() {
		t.Fatalf("refused task was counted: %+v", m)
	}
}

func TestShutdownIsIdempotentAndAllCallersWait(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := newPool(t, blocking.Config{})
		g := newGate()
		jh := mustSpawn(t, p, func() int { g.wait(); return 1 })
		<-g.started
		const callers = 4
		var returned atomic.Int32
		results := make(chan bool, callers)
		for range callers {
			go func() {
				ok := p.Shutdown(-1)
				returned.Add(1)
				results <- ok
			}()
		}
		synctest.Wait()
		if n := returned.Load(); n != 0 {
			t.Fatalf("%d Shutdown calls returned while a closure runs", n)
		}
		close(g.release)
		for range callers {
			if !<-results {
				t.Fatal("a concurrent Shutdown(-1) reported false")
			}
		}
		joinValue(t, jh)
		if !p.Shutdown(0) || !p.Shutdown(-1) {
			t.Fatal("a later Shutdown reported goroutines alive")
		}
	})
}

func TestShutdownOfUnusedPool(t *testing.T) {
	p := blocking.New(blocking.Config{})
	if !p.Shutdown(0) {
		t.Fatal("Shutdown(0) of a pool that never ran reported false")
	}
}

// A closure that shuts its own pool down (a runtime shut down from a
// blocking task) must not wait for its own goroutine.
func TestShutdownFromInsideClosureDoesNotWaitForItself(t *testing.T) {
	if !gident.Supported {
		t.Skip("goroutine identity not available on this architecture")
	}
	synctest.Test(t, func(t *testing.T) {
		p := newPool(t, blocking.Config{MaxThreads: 1})
		g := newGate()
		var queuedRan atomic.Bool
		self := mustSpawn(t, p, func() bool { g.wait(); return p.Shutdown(-1) })
		<-g.started
		queued := mustSpawn(t, p, func() int { queuedRan.Store(true); return 0 })
		close(g.release)
		if !joinValue(t, self) {
			t.Fatal("Shutdown from a closure reported other goroutines alive")
		}
		joinCancelled(t, queued)
		if queuedRan.Load() {
			t.Fatal("queued closure ran after Shutdown")
		}
		shutdown(t, p)
	})
}

func TestShutdownFromInsideClosureWaitsForOthers(t *testing.T) {
	if !gident.Supported {
		t.Skip("goroutine identity not available on this architecture")
	}
	synctest.Test(t, func(t *testing.T) {
		p := newPool(t, blocking.Config{})
		other := newGate()
		otherJH := mustSpawn(t, p, func() int { other.wait(); return 2 })
		<-other.started
		var returned atomic.Bool
		selfJH := mustSpawn(t, p, func() bool {
			ok := p.Shutdown(-1)
			returned.Store(true)
			return ok
		})
		synctest.Wait()
		if returned.Load() {
			t.Fatal("Shutdown from a closure returned while another closure runs")
		}
		close(other.release)
		if !joinValue(t, selfJH) || joinValue(t, otherJH) != 2 {
			t.Fatal("wrong results")
		}
		shutdown(t, p)
	})
}
