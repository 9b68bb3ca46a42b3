package weft

import (
	"context"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/weftrt/weft/future"
	"github.com/weftrt/weft/task"
)

/*
Dumping a LocalSet.

A LocalSet's task list (task.LocalOwnedTasks) has no lock: only the set's own
goroutine touches it, and that goroutine is also the only one that ever takes
RUNNING on the set's tasks. So the dump is served by that goroutine, between
two polls, reading the futures directly (LocalOwnedTasks.Trace): the dumper
appends a request to mu.dumps, sets dumpWanted and unparks the set's
goroutine, whose loop serves the requests before its next tick (and once more
after a Close, so that no request waits for ever). A dump taken from inside
one of the set's tasks is served on the spot.

Nothing is locked, nothing is polled or resumed. A set whose goroutine is
stuck in a long poll answers when that poll returns; the dumper waits until
its context ends and then reports the set as incomplete.

Tasks spawned from other goroutines and not yet bound (mu.pending) are listed
as queued, without a trace.
*/

// localSetSeq numbers LocalSets for dumps ("local-set 3").
var localSetSeq atomic.Uint64

// localDumpReq is a dump waiting for a LocalSet's driver. tasks is written by
// the server before it closes done.
type localDumpReq struct {
	now   time.Time // the dump's time
	tasks []TaskDump
	done  chan struct{}
}

// name is the set's name in dumps.
func (ls *LocalSet) name() string { return "local-set " + strconv.FormatUint(ls.seq, 10) }

// dumpTasks returns the set's tasks for a dump taken at now; see the comment
// at the top of the file.
func (ls *LocalSet) dumpTasks(ctx context.Context, now time.Time) ([]TaskDump, error) {
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
	ls.parker.Unpark()
	select {
	case <-req.done:
		return req.tasks, nil
	case <-ctx.Done():
		// The request stays queued; whoever serves it later finds nobody
		// waiting, which costs only the work.
		return nil, ctx.Err()
	}
}

// serveDumps answers every waiting dump request. The caller is the set's
// goroutine, between polls.
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

// collectDump lists the set's tasks, with traces. The caller is the set's
// goroutine (between polls, or inside one of the set's polls).
func (ls *LocalSet) collectDump(now time.Time) []TaskDump {
	name := ls.name()
	var tds []TaskDump
	ls.owned.Trace(func(h *task.Header, s task.Snapshot, tr *future.TraceNode) {
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
		td.Trace = tr
		td.spawnPC = h.SpawnPC()
		td.setStats(h.Stats(), now)
		tds = append(tds, td)
	})
	ls.mu.Lock()
	for _, p := range ls.mu.pending {
		h := p.Header()
		td := TaskDump{ID: p.ID(), Scheduler: name, Status: TaskQueued, State: h.State()}
		td.spawnPC = h.SpawnPC()
		td.setStats(h.Stats(), now)
		tds = append(tds, td)
	}
	ls.mu.Unlock()
	return tds
}
