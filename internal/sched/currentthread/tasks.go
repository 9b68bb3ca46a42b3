package currentthread

import (
	"context"
	"slices"

	"github.com/weftrt/weft/internal/gident"
	"github.com/weftrt/weft/task"
)

/*
# The task list without a lock

Every task of a current-thread scheduler runs on the goroutine holding the
core, so its task list (task.NewDrivenOwnedTasks) has no lock: only the
core's holder links, unlinks and walks it. A spawn on the core's holder
links its task at once; a spawn from any other goroutine leaves its task
pending and pushes it to the inject queue (Spawn, which reads which of the
two a task is from its binding: owner 0 for a pending task), and the
holder adopts it when it takes it to run it (OwnedTasks.Take), linking it
only if it outlives that poll or the list is needed meanwhile. The
protocol and its arguments are at the top of task/owned_driven.go (D1-D6);
here is what the scheduler does for it:

  - Spawn: a pending task that the closed inject queue refuses is cancelled
    by its spawner (D3), with the runtime's shutdown error.
  - Shutdown (shutdownCore): after the inject queue closed, the holder links
    every pending task still queued (bindQueued: the local queue, the
    deferred list, the inject queue under its lock), then closes the list,
    which shuts them all down; the queues' Notifieds are dropped after
    (dropQueued, which cancels a task still pending, if one ever is).
  - Len and Spawned (metrics) read the list's atomic counters, from any
    goroutine.
  - Each (task dumps) must run on the holder: EachTask calls it at once on
    the holder (a dump from inside a task); else it takes the core when it
    is free, or hands a request to the driver, which serves it between two
    polls (serveDumps, checked before every poll and at shutdown) after
    unparking. The dumper gives up when its context ends; a driver stuck in
    a poll answers when the poll returns.
*/

// holdsCore reports whether the caller holds the core: the driver, or a
// goroutine acting for it (an Async body).
func (s *Scheduler) holdsCore() bool { return s.onDriver() && s.held != nil }

// bindQueued links the pending tasks in every queue: the caller holds the
// core c, and the list is not closed yet.
func (s *Scheduler) bindQueued(c *core) {
	s.owned.BindPendingIn(&c.queue)
	s.owned.BindPendingIn(&c.deferred)
	s.inject.Walk(s.owned.BindPendingIn)
}

// dropQueued empties every queue after the close, cancelling a task still
// pending. The caller holds the core c.
func (s *Scheduler) dropQueued(c *core) {
	var all task.Queue
	all.Append(&c.queue)
	all.Append(&c.deferred)
	s.inject.PopAll(&all)
	for {
		n, ok := all.Pop()
		if !ok {
			return
		}
		s.owned.CancelPending(n, s.cfg.Errors.Shutdown)
	}
}

// eachReq is a dumper's request for the driver: fn is called for every task
// of the list, then done is closed.
type eachReq struct {
	fn   func(*task.Header)
	done chan struct{}
}

// EachTask calls fn for every task of the scheduler (those spawned from
// other goroutines and still queued included) on the goroutine holding the
// core, so that fn sees one consistent set: on the caller when it holds
// the core or can take it, else on the driver between two polls. fn must be
// quick and must not spawn or complete tasks. It returns ctx.Err() when ctx
// ends before the driver answered (fn is then never called), and nil
// without calling fn once the scheduler has shut down.
func (s *Scheduler) EachTask(ctx context.Context, fn func(*task.Header)) error {
	if s.holdsCore() {
		s.eachTask(s.held, fn)
		return nil
	}
	if s.eachOnFreeCore(fn) {
		return nil
	}
	r := &eachReq{fn: fn, done: make(chan struct{})}
	s.dumps.Lock()
	s.dumps.reqs = append(s.dumps.reqs, r)
	s.dumpWanted.Store(true)
	s.dumps.Unlock()
	s.parker.Unpark()
	for {
		select {
		case <-r.done:
			return nil
		case <-s.coreFree:
			// Shutting down: the shutdown serves the request, unless it
			// came too late, when the list is empty anyway.
			select {
			case <-r.done:
				return nil
			case <-s.done:
				s.withdraw(r)
				return nil
			case <-ctx.Done():
				if s.withdraw(r) {
					return ctx.Err()
				}
				return nil
			}
		case c := <-s.coreCh:
			// Nobody drives now: serve every request ourselves.
			s.withCore(c, func() { s.serveDumps(c) })
			<-r.done
			return nil
		case <-ctx.Done():
			if s.withdraw(r) {
				return ctx.Err()
			}
			return nil
		}
	}
}

// withdraw takes r back from the driver and reports true, or waits until
// r is served and reports false when a server has taken it already (a
// server takes all requests at once and closes done once it has served
// them).
func (s *Scheduler) withdraw(r *eachReq) bool {
	s.dumps.Lock()
	i := slices.Index(s.dumps.reqs, r)
	if i >= 0 {
		s.dumps.reqs = slices.Delete(s.dumps.reqs, i, i+1)
		s.dumpWanted.Store(len(s.dumps.reqs) > 0)
	}
	s.dumps.Unlock()
	if i < 0 {
		<-r.done
	}
	return i >= 0
}

// eachOnFreeCore calls fn for every task when the core is free, taking it
// for that long, and reports whether it did.
func (s *Scheduler) eachOnFreeCore(fn func(*task.Header)) bool {
	select {
	case c := <-s.coreCh:
		s.withCore(c, func() { s.eachTask(c, fn) })
		return true
	default:
		return false
	}
}

// withCore runs f holding the core c, taken from coreCh, and gives it back
// (or, when a shutdown found it taken meanwhile, finishes the shutdown).
func (s *Scheduler) withCore(c *core, f func()) {
	s.held = c
	s.driverG.Store(gident.Current())
	f()
	s.driverG.Store(0)
	s.held = nil
	if s.closing.Load() {
		go s.shutdownCore(c)
		return
	}
	s.coreCh <- c
}

// eachTask links the queued pending tasks and calls fn for every task. The
// caller holds the core c.
func (s *Scheduler) eachTask(c *core, fn func(*task.Header)) {
	if !s.owned.IsClosed() {
		s.bindQueued(c)
	}
	s.owned.Each(fn)
}

// serveDumps answers every waiting Each request. The caller holds the core
// c, between polls.
func (s *Scheduler) serveDumps(c *core) {
	s.dumps.Lock()
	reqs := s.dumps.reqs
	s.dumps.reqs = nil
	s.dumpWanted.Store(false)
	s.dumps.Unlock()
	for _, r := range reqs {
		s.eachTask(c, r.fn)
		close(r.done)
	}
}
