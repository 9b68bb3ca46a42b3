package multithread

import (
	"sync"
	"sync/atomic"
)

/*
idle tracks which workers are parked and how many are searching for work,
with Tokio's rules (scheduler/multi_thread/idle.rs):

  - At most about half the workers search at once (a soft limit: a worker may
    search when 2*searching < workers).
  - A worker is woken for new work only when nobody is searching and someone
    is parked; a searcher that finds work and stops searching wakes the next
    one if it was the last searcher, so the search goes on.
  - A worker that parks while it was the last searcher re-checks every queue
    and wakes someone if it finds work.

Together these avoid lost wake-ups without waking every worker for every task.
The argument, with sequentially consistent atomics: a producer first makes its
task visible, then reads state. A parking searcher first decrements the
searcher count (under mu), then reads the queues. Either the producer's read
sees the decrement (no searcher left: it wakes a sleeper) or the searcher's
read comes after the producer's write (it sees the task and wakes someone).
*/

const (
	idleUnparkShift  = 16
	idleSearchMask   = 1<<idleUnparkShift - 1
	idleUnparkedUnit = 1 << idleUnparkShift
)

type idle struct {
	// state packs the number of searching workers (low 16 bits) and of
	// unparked workers (above).
	state      atomic.Uint64
	numWorkers int

	mu struct {
		sync.Mutex
		sleepers []int // guarded by mu: indexes of parked workers
	}
}

func newIdle(n int) *idle {
	i := &idle{numWorkers: n}
	i.state.Store(uint64(n) << idleUnparkShift)
	i.mu.sleepers = make([]int, 0, n)
	return i
}

func idleSearching(s uint64) int { return int(s & idleSearchMask) }
func idleUnparked(s uint64) int  { return int(s >> idleUnparkShift) }

// transitionToSearching lets a worker start searching unless half of the
// workers already do.
func (i *idle) transitionToSearching() bool {
	s := i.state.Load()
	if 2*idleSearching(s) >= i.numWorkers {
		return false
	}
	i.state.Add(1)
	return true
}

// transitionFromSearching records that a searcher found work; it reports
// whether it was the last searcher (the caller must then wake another worker
// to keep searching).
func (i *idle) transitionFromSearching() bool {
	prev := i.state.Add(^uint64(0)) + 1
	return idleSearching(prev) == 1
}

// shouldWake reports whether a new task should wake a parked worker.
func (i *idle) shouldWake() bool {
	s := i.state.Load()
	return idleSearching(s) == 0 && idleUnparked(s) < i.numWorkers
}

// workerToNotify picks a parked worker to wake for new work and marks it
// unparked and searching; it returns -1 when none should be woken.
func (i *idle) workerToNotify() int {
	if !i.shouldWake() {
		return -1
	}
	i.mu.Lock()
	defer i.mu.Unlock()
	if !i.shouldWake() || len(i.mu.sleepers) == 0 {
		return -1
	}
	i.state.Add(1 + idleUnparkedUnit)
	n := len(i.mu.sleepers) - 1
	w := i.mu.sleepers[n]
	i.mu.sleepers = i.mu.sleepers[:n]
	return w
}

// transitionToParked records that worker w parks; it reports whether w was
// the last searcher.
func (i *idle) transitionToParked(w int, searching bool) bool {
	i.mu.Lock()
	defer i.mu.Unlock()
	dec := uint64(idleUnparkedUnit)
	if searching {
		dec++
	}
	prev := i.state.Add(^(dec - 1)) + dec
	i.mu.sleepers = append(i.mu.sleepers, w)
	return searching && idleSearching(prev) == 1
}

// unparkWorker takes w off the sleepers (it woke for its own reasons, e.g.
// with local work) and reports whether it was there.
func (i *idle) unparkWorker(w int) bool {
	i.mu.Lock()
	defer i.mu.Unlock()
	for k, s := range i.mu.sleepers {
		if s == w {
			i.mu.sleepers = append(i.mu.sleepers[:k], i.mu.sleepers[k+1:]...)
			i.state.Add(idleUnparkedUnit)
			return true
		}
	}
	return false
}

// isParked reports whether w is still among the sleepers.
func (i *idle) isParked(w int) bool {
	i.mu.Lock()
	defer i.mu.Unlock()
	for _, s := range i.mu.sleepers {
		if s == w {
			return true
		}
	}
	return false
}

// numSearching and numUnparked read the counters (for tests and metrics).
func (i *idle) numSearching() int { return idleSearching(i.state.Load()) }
func (i *idle) numUnparked() int  { return idleUnparked(i.state.Load()) }
