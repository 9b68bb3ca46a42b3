package weft

import (
	"context"
	"runtime"
	"strconv"
	"sync/atomic"

	"github.com/weftrt/weft/future"
	"github.com/weftrt/weft/internal/gident"
	"github.com/weftrt/weft/task"
)

/*
Dumping a LocalSet.

A LocalSet's task list (task.LocalOwnedTasks) has no lock: only the goroutine
that holds the driver role (driverG: Run, or Close doing the shutdown itself)
may touch it, and that goroutine is also the only one that ever takes RUNNING
on the set's tasks. So the dump is served by the role holder, between two
polls, reading the futures directly (LocalOwnedTasks.Inspect):

 1. The dumper appends a request to mu.dumps and sets dumpWanted.
 2. If nobody holds the role, the dumper takes it (a CAS on driverG, as Close
    does), locks its OS thread so the list's thread check holds, serves every
    waiting request, and gives the role back. Otherwise it unparks the
    driver, whose loop serves the requests before its next tick.
 3. releaseDriver closes the gap between "the holder looked at the requests"
    and "the holder let go of the role": whoever gives the role up looks
    again afterwards, and takes the role back to serve a request (or finish
    a Close) that arrived in between. A requester whose CAS failed against a
    holder that was letting go is thus always served: either the holder's
    second look sees the request, or the request came after the holder's
    store of 0, and then the requester's own CAS succeeds.

Only the driver reads the futures, and it reads them between polls: nothing
is locked, nothing is polled or resumed. A set whose driver is stuck in a
long poll answers when that poll returns; the dumper waits until its context
ends and then reports the set as incomplete.

Tasks spawned from other goroutines and not yet bound by the driver
(mu.pending) are listed as queued, without a trace.
*/

// localSetSeq numbers LocalSets for dumps ("local-set 3").
var localSetSeq atomic.Uint64

// localDumpReq is a dump waiting for a LocalSet's driver. tasks is written by
// the server before it closes done.
type localDumpReq struct {
	now   int64 // the dump's time, on task.Nanotime's clock
	tasks []TaskDump
	done  chan struct{}
}

// name is the set's name in dumps.
func (ls *LocalSet) name() string { return "local-set " + strconv.FormatUint(ls.seq, 10) }

// dumpTasks returns the set's tasks for a dump taken at now; see the comment
// at the top of the file.
func (ls *LocalSet) dumpTasks(ctx context.Context, now int64) ([]TaskDump, error) {
	if ls.onDriver() {
		// Called from one of the set's own tasks (or its driver): we are
		// between polls of every other task of the set.
		return ls.collectDump(now), nil
	}
	req := &localDumpReq{now: now, done: make(chan struct{})}
	ls.mu.Lock()
	if ls.mu.closed {
		ls.mu.Unlock()
		return nil, nil
	}
	ls.mu.dumps = append(ls.mu.dumps, req)
	ls.dumpWanted.Store(true)
	ls.mu.Unlock()
	if !ls.serveAsStandIn() {
		ls.parker.Unpark()
	}
	select {
	case <-req.done:
		return req.tasks, nil
	case <-ctx.Done():
		// The request stays queued; whoever serves it later finds nobody
		// waiting, which costs only the work.
		return nil, ctx.Err()
	}
}

// serveAsStandIn serves the waiting dump requests in the driver's place if
// nobody holds the driver role, and reports whether it did. standInActive
// is set before the CAS and cleared after the role is given back, so that a
// Run whose CAS fails because of us sees it and waits on standIn instead of
// reporting ErrLocalSetBusy.
func (ls *LocalSet) serveAsStandIn() bool {
	ls.standIn.Lock()
	defer ls.standIn.Unlock()
	ls.standInActive.Store(true)
	defer ls.standInActive.Store(false)
	if !ls.driverG.CompareAndSwap(0, gident.Current()) {
		return false
	}
	runtime.LockOSThread()
	ls.owned.Pin()
	ls.serveDumps()
	ls.releaseDriver()
	runtime.UnlockOSThread()
	return true
}

// waitForStandIn waits until no dump holds the driver role in the driver's
// place (serveAsStandIn holds standIn for as long as it does).
func (ls *LocalSet) waitForStandIn() {
	ls.standIn.Lock()
	// Nothing to do under the lock: having had it is the point.
	ls.standInActive.Load()
	ls.standIn.Unlock()
}

// serveDumps answers every waiting dump request. The caller holds the
// driver role and is between polls.
func (ls *LocalSet) serveDumps() {
	ls.mu.Lock()
	reqs := ls.mu.dumps
	ls.mu.dumps = nil
	ls.dumpWanted.Store(false)
	ls.mu.Unlock()
	for _, req := range reqs {
		// One collection per request: the requesters fill in stacks on
		// their own trees.
		req.tasks = ls.collectDump(req.now)
		close(req.done)
	}
}

// collectDump lists the set's tasks, with traces. The caller holds the
// driver role (or runs on the driver, inside one of the set's polls).
func (ls *LocalSet) collectDump(now int64) []TaskDump {
	name := ls.name()
	var tds []TaskDump
	ls.owned.Inspect(func(h *task.Header, s task.Snapshot, f any) {
		td := TaskDump{ID: h.ID(), Scheduler: name, State: s}
		switch {
		case s.IsRunning():
			td.Status = TaskRunning
		case s.IsComplete():
			td.Status = TaskFinished
		case s.IsNotified():
			td.Status = TaskQueued
		default:
			td.Status = TaskIdle
		}
		if f != nil {
			td.Trace = future.TraceOf(f)
		}
		td.setStats(h.Stats(), now)
		tds = append(tds, td)
	})
	ls.mu.Lock()
	for _, p := range ls.mu.pending {
		h := p.Header()
		td := TaskDump{ID: p.ID(), Scheduler: name, Status: TaskQueued, State: h.State()}
		td.setStats(h.Stats(), now)
		tds = append(tds, td)
	}
	ls.mu.Unlock()
	return tds
}

// releaseDriver gives up the driver role, then looks again: a dump request,
// or a Close whose CAS failed against us, that arrived while we were letting
// go would otherwise wait for a driver that never comes. It takes the role
// back to serve them. The caller holds the role; when it is Run's
// goroutine, it is still locked to the set's thread.
func (ls *LocalSet) releaseDriver() {
	g := gident.Current()
	for {
		ls.driverG.Store(0)
		closing := ls.closed.Load() && !ls.isShutDown()
		if !ls.dumpWanted.Load() && !closing {
			return
		}
		if !ls.driverG.CompareAndSwap(0, g) {
			return // someone else holds the role now and will see them
		}
		ls.owned.Pin()
		if closing {
			ls.shutdown()
		}
		ls.serveDumps()
	}
}

// isShutDown reports whether shutdown has run.
func (ls *LocalSet) isShutDown() bool {
	select {
	case <-ls.closeDone:
		return true
	default:
		return false
	}
}
