package currentthread

import (
	"context"

	"github.com/weftrt/weft/future"
	"github.com/weftrt/weft/internal/futurecx"
	"github.com/weftrt/weft/internal/gident"
)

/*
# BlockOn's fast start (Enter, Wait, Exit)

Tokio's sync benches run one block_on per iteration around a future that is
often ready at its first poll, so what BlockOn costs before and after that
poll is part of every such operation. Enter, Wait and Exit split BlockOn
so that its caller polls the main future itself, in its own (generic)
frame, with no closure, no allocation, no clock read and no metrics
publish on the way (sched.Engine):

	cx, ok := s.Enter(ctx)   // took the free core, or ok == false: use BlockOn
	for {
		v, ready := f.Poll(cx)   // a panic here must reach Exit (the caller defers it)
		if ready { err = s.Exit(cx); break }              // gives the core back
		if err = s.Wait(ctx, cx); err != nil { s.Exit(cx); break }
	}

Enter succeeds only in the plain case: the caller is not the driver, the
core is free, the scheduler is not closing, ctx has not ended, and the
clock is not paused (a paused clock counts the main future's polls as
activity, and a poll that never returns must give its unit back, which
drive's deferred call does). Everything else goes through BlockOn, which
handles it.

From Enter to Exit the caller holds the core exactly as drive does: s.held
and s.driverG name it, so tasks that the main future spawns or wakes go to
the local queue, and a nested BlockOn from inside a poll fails with
Errors.Nested; the goroutine is marked as a runner (gident.MarkRunner), so
blocking calls inside the polls are refused as they are under drive.

Wait is drive's loop (runUntilMain) between two polls of the main future:
it runs the tasks, parks, fires timers, until the main future is woken.
Its first call starts the busy period and, for a context that can end, the
wake-up of a parked driver on ctx's end; Exit ends both, gives back what a
poll left over (as drive's deferred call does), and shuts every task down
when the scheduler began to close meanwhile. A runtime.Goexit inside a
task's poll ends the goroutine inside Wait: the caller's deferred Exit
does the same.

Metrics: the fast start takes no clock reading until the first Wait, so a
BlockOn whose future is ready at its first poll adds nothing to BusyNanos
(it polled no task); it publishes only when the poll scheduled tasks
locally, so that LocalSchedules and LocalQueueDepth do not lag behind a
spawn.
*/

// Enter takes the core for a BlockOn whose caller polls the main future
// itself, and returns the Context to poll it with. It reports false, and
// takes nothing, unless the core is free and nothing special is going on
// (see the top of this file); the caller then uses BlockOn.
//
// After Enter the caller polls the main future and calls Wait after each
// Pending poll, and finally Exit, on the same goroutine (see the top of
// this file).
func (s *Scheduler) Enter(ctx context.Context) (*future.Context, bool) {
	if s.act != nil || s.closing.Load() || ctx.Err() != nil || s.onDriver() {
		return nil, false
	}
	var c *core
	select {
	case c = <-s.coreCh:
	default:
		return nil, false
	}
	s.held = c
	g := gident.Current()
	s.driverG.Store(g)
	gident.MarkRunner(g) // unmarked by Exit
	c.batch.schedulesAtEnter = c.batch.localSchedules
	// A wake during the poll sets it again, so that Wait lets the next
	// poll through.
	// (With no paused clock the flag counts nothing: EndPoll is free.)
	s.mainWoken.EndPoll(s.mainWoken.BeginPoll())
	cx := c.cx
	futurecx.SetWaker(cx, future.NewWaker(&s.mainW))
	futurecx.SetTaskID(cx, 0)
	futurecx.SetBudget(cx, future.DefaultBudget)
	return cx, true
}

// Exit gives back the core that Enter took, once the main future completed,
// its poll panicked, or Wait returned an error. It returns nil, or, when the
// scheduler began to shut down meanwhile, the error BlockOn would return,
// after shutting every task down as drive's holder does. cx is the Context
// Enter returned.
func (s *Scheduler) Exit(*future.Context) error {
	c := s.held
	published := false
	if c.waiting {
		c.waiting = false
		if c.stopCtx != nil {
			c.stopCtx()
			c.stopCtx = nil
		}
		s.endMain(c)
		s.endDrive(c)
		published = true
	}
	var err error
	if s.closing.Load() {
		s.shutdownOnExit(c)
		err = s.closedErr()
	} else {
		if !published && c.batch.localSchedules != c.batch.schedulesAtEnter {
			s.publish(c)
		}
		gident.UnmarkRunner(s.driverG.Load())
	}
	s.driverG.Store(0)
	s.held = nil
	if !s.closing.Load() {
		s.coreCh <- c
	}
	return err
}

// Wait runs the scheduler with the core that Enter took, after a poll of
// the main future returned Pending, until the main future is woken: it
// returns nil when the caller is to poll it again (on the same Context), and
// ctx.Err(), Errors.Shutdown or Errors.Stuck when the BlockOn is over (the
// caller then calls Exit).
func (s *Scheduler) Wait(ctx context.Context, _ *future.Context) error {
	c := s.held
	if !c.waiting {
		c.waiting = true
		if ctx.Done() != nil {
			// Only a context that can end needs to wake a parked
			// driver.
			c.stopCtx = context.AfterFunc(ctx, s.parker.Unpark)
		}
		c.batch.startBusy()
	} else {
		s.mainWoken.EndPoll(c.mainTook) // the poll Wait let through
		c.mainTook = false
	}
	return s.runUntilMain(ctx, c, true)
}

// shutdownOnExit shuts every task down for Exit, and unmarks the runner in
// a defer of its own, as drive does: a task's Drop that calls
// runtime.Goexit inside shutdownCore skips the rest of Exit.
func (s *Scheduler) shutdownOnExit(c *core) {
	defer gident.UnmarkRunner(s.driverG.Load())
	s.shutdownCore(c)
}
