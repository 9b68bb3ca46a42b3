package gident

import (
	"sync"
	"sync/atomic"
)

// Goroutines that run tasks.
//
// A goroutine that runs tasks (a multi-thread worker, the goroutine inside a
// current-thread BlockOn while it drives, a LocalSet's goroutine) must never
// block waiting for a task: on a current-thread runtime or a LocalSet the
// task it waits for can only run on that same goroutine, so it waits for
// ever; on a multi-thread runtime it stalls a worker. weft's blocking entry
// points (BlockOn, JoinHandle.BlockingJoin, Runtime.Close) ask
// IsRunner(Effective()) and refuse with a message instead. The set spans every runtime of the
// process: a worker of one runtime blocked in another runtime's BlockOn
// stalls its own tasks just the same (Tokio panics on it).
//
// A goroutine marks and unmarks itself, so an entry is only ever written by
// the goroutine it names, and a goroutine asking about itself sees its own
// writes; other goroutines' entries only ever differ from its identity. The
// table is lock-free for the common case; a goroutine that finds no room near
// its hash goes to a map under a mutex, which readers consult only while it
// is not empty.

const (
	runnerSlots  = 1024 // a power of two
	runnerWindow = 8    // slots probed from a goroutine's hash
)

var runners struct {
	keys [runnerSlots]atomic.Uintptr // 0: free
	// overflow holds the goroutines that found no free slot in their
	// window; n mirrors its size so that readers skip the lock when it is
	// empty (almost always).
	n  atomic.Int32
	mu sync.Mutex
	m  map[uintptr]struct{} // guarded by mu
}

// MarkRunner records that goroutine g runs tasks until UnmarkRunner(g). It
// is called by g itself, which must not be marked already; g == 0 (no
// goroutine identity on this platform) records nothing.
func MarkRunner(g uintptr) {
	if g == 0 {
		return
	}
	h := ownerHash(g)
	for i := range uintptr(runnerWindow) {
		j := (h + i) & (runnerSlots - 1)
		if runners.keys[j].Load() == 0 && runners.keys[j].CompareAndSwap(0, g) {
			return
		}
	}
	runners.mu.Lock()
	if runners.m == nil {
		runners.m = make(map[uintptr]struct{})
	}
	runners.m[g] = struct{}{}
	runners.n.Store(int32(len(runners.m)))
	runners.mu.Unlock()
}

// UnmarkRunner forgets that g runs tasks. g calls it itself, before it
// exits (a later goroutine may get the same identity) and whenever it stops
// running tasks (a BlockOn that returns).
func UnmarkRunner(g uintptr) {
	if g == 0 {
		return
	}
	h := ownerHash(g)
	for i := range uintptr(runnerWindow) {
		j := (h + i) & (runnerSlots - 1)
		if runners.keys[j].Load() == g {
			runners.keys[j].Store(0)
			return
		}
	}
	runners.mu.Lock()
	delete(runners.m, g)
	runners.n.Store(int32(len(runners.m)))
	runners.mu.Unlock()
}

// IsRunner reports whether goroutine g runs tasks; false for g == 0. Only g
// itself may ask, or a goroutine g switched to and is blocked for (an Async
// body acting for g: IsRunner(Effective())), so that g's own writes are the
// ones seen.
func IsRunner(g uintptr) bool {
	if g == 0 {
		return false
	}
	h := ownerHash(g)
	for i := range uintptr(runnerWindow) {
		if runners.keys[(h+i)&(runnerSlots-1)].Load() == g {
			return true
		}
	}
	if runners.n.Load() == 0 {
		return false
	}
	runners.mu.Lock()
	_, ok := runners.m[g]
	runners.mu.Unlock()
	return ok
}

// InTask reports whether the calling goroutine runs tasks, or is an Async
// body acting for one that does: a call that would block it waiting for a
// task must refuse. It is always false where goroutine identity is not
// available (Supported is false).
func InTask() bool { return IsRunner(Effective()) }
