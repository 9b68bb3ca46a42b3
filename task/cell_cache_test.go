package task_test

import (
	"context"
	"runtime"
	"testing"

	"github.com/weftrt/weft/future"
	"github.com/weftrt/weft/task"
)

// cachingSched is a testSched that implements task.CellCacher with one
// cache, returned to every caller unless off is set (then the caller plays a
// goroutine that is not the scheduler's, like a spawner outside a runtime).
type cachingSched struct {
	*testSched
	cache task.CellCache
	off   bool
}

// newCachingSched returns a cachingSched, with the task types' pools
// emptied (two collections empty a sync.Pool), so that new tasks take their
// cells from the cache or allocate them.
func newCachingSched(t *testing.T) *cachingSched {
	runtime.GC()
	runtime.GC()
	c := &cachingSched{testSched: newTestSched(t, 1)}
	c.self = c
	return c
}

func (c *cachingSched) CellCache() *task.CellCache {
	if c.off {
		return nil
	}
	return &c.cache
}

// spawnAndJoin spawns f on c, runs it and joins it, leaving its cell
// released; it returns the task's header.
func spawnAndJoin[F future.Future[int]](t *testing.T, c *cachingSched, f F) *task.Header {
	t.Helper()
	jh := spawn(c.testSched, f)
	h := task.HeaderOf(jh)
	c.RunUntilIdle()
	if _, err := jh.BlockingJoin(context.Background()); err != nil {
		t.Fatalf("Join: %v", err)
	}
	return h
}

func TestCellCacheReusesACellOnItsGoroutine(t *testing.T) {
	c := newCachingSched(t)
	first := spawnAndJoin(t, c, future.Ready(1))
	if n := c.cache.Len(); n != 1 {
		t.Fatalf("cache holds %d cells after one task, want 1", n)
	}
	jh := spawn(c.testSched, future.Ready(2))
	if task.HeaderOf(jh) != first {
		t.Fatal("the next task of the same type did not reuse the cached cell")
	}
	if n := c.cache.Len(); n != 0 {
		t.Fatalf("cache holds %d cells after the reuse, want 0", n)
	}
	c.RunUntilIdle()
	if v, err := jh.BlockingJoin(context.Background()); v != 2 || err != nil {
		t.Fatalf("task in a reused cell: %v, %v", v, err)
	}
}

// A task spawned by a goroutine without a cache took its cell from the pool
// (or allocated it); releasing it on the scheduler's goroutine must give it
// back to the pool, or a spawner outside the runtime would allocate for
// every task while the scheduler's cache fills up.
func TestCellOfARemoteSpawnGoesBackToThePool(t *testing.T) {
	c := newCachingSched(t)
	c.off = true
	jh := spawn(c.testSched, future.Ready(1))
	c.off = false
	c.RunUntilIdle()
	if _, err := jh.BlockingJoin(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := c.cache.Len(); n != 0 {
		t.Fatalf("cache kept %d cells of a remote spawn, want 0", n)
	}
}

func TestCellCacheKeepsAtMostItsCapacityPerType(t *testing.T) {
	const capacity = 1024 // cellCacheCap
	c := newCachingSched(t)
	hs := make([]*task.JoinHandle[int], 0, capacity+100)
	for i := range capacity + 100 {
		hs = append(hs, spawn(c.testSched, future.Ready(i)))
	}
	c.RunUntilIdle()
	for _, jh := range hs {
		if _, err := jh.BlockingJoin(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	if n := c.cache.Len(); n != capacity {
		t.Fatalf("cache holds %d cells, want its capacity %d", n, capacity)
	}
}

func TestCellCacheTrimReleasesItsCellsAfterACollection(t *testing.T) {
	// A collection may run at any time; retry until one did not run
	// between filling the cache and trimming it.
	var c *cachingSched
	for i := 0; ; i++ {
		c = newCachingSched(t)
		e := task.GCEpoch()
		spawnAndJoin(t, c, future.Ready(1))
		c.cache.Trim()
		n := c.cache.Len()
		if task.GCEpoch() != e && i < 100 {
			continue
		}
		if n != 1 {
			t.Fatalf("Trim without a collection left %d cells, want 1", n)
		}
		break
	}
	// The epoch moves when the collector has run the cleanup of its
	// sentinel, which happens on another goroutine some time after a cycle.
	e := task.GCEpoch()
	for i := 0; task.GCEpoch() == e; i++ {
		if i == 1000 {
			t.Fatal("no garbage collection observed after 1000 runtime.GC calls")
		}
		runtime.GC()
		runtime.Gosched()
	}
	c.cache.Trim()
	if n := c.cache.Len(); n != 0 {
		t.Fatalf("Trim after a collection left %d cells, want 0", n)
	}
}

// wakerKeeper keeps the Waker of its first poll and is then ready.
type wakerKeeper struct{ w *future.Waker }

func (k wakerKeeper) Poll(cx *future.Context) (int, bool) {
	*k.w = cx.Waker()
	return 0, true
}

// pendingCounter counts its polls and never finishes.
type pendingCounter struct{ polls *int }

func (p pendingCounter) Poll(*future.Context) (int, bool) {
	*p.polls++
	return 0, false
}

// Regression test for the generation guard with cells recycled through a
// CellCache: a Waker kept from a finished task must not wake the task that
// reuses its cell.
func TestStaleWakerDoesNotWakeTheTaskInACachedCell(t *testing.T) {
	c := newCachingSched(t)
	var stale future.Waker
	var polls int
	// Both futures must be of one type to share cells.
	type either struct {
		future.Future[int]
	}
	first := spawnAndJoin(t, c, either{wakerKeeper{w: &stale}})
	jh := spawn(c.testSched, either{pendingCounter{polls: &polls}})
	if task.HeaderOf(jh) != first {
		t.Fatal("the second task did not reuse the cached cell")
	}
	c.RunUntilIdle()
	if polls != 1 {
		t.Fatalf("second task polled %d times, want 1", polls)
	}
	stale.Wake()
	if n := c.QueueLen(); n != 0 {
		t.Fatalf("a stale Waker queued the task that reuses its cell (%d queued)", n)
	}
	jh.Abort()
	c.RunUntilIdle()
	if _, err := jh.BlockingJoin(context.Background()); err == nil {
		t.Fatal("aborted task joined without an error")
	}
}

// Regression test: after a collection made a cache give its cells to the
// pool, the goroutine's next tasks took those cells from the pool and gave
// them back to the pool, so the goroutine stayed on the slower pool path
// until two more collections emptied it. A goroutine with a cache adopts
// the pool cells it takes.
func TestCellTakenFromThePoolByACacheGoroutineReturnsToItsCache(t *testing.T) {
	c := newCachingSched(t)
	spawnAndJoin(t, c, future.Ready(1))
	c.cache.Release() // what Trim does after a collection
	if n := c.cache.Len(); n != 0 {
		t.Fatalf("Release left %d cells", n)
	}
	spawnAndJoin(t, c, future.Ready(2))
	if n := c.cache.Len(); n != 1 {
		t.Fatalf("cache holds %d cells after a task on its goroutine, want 1", n)
	}
}
