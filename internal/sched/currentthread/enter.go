package currentthread

import (
	"context"

	"github.com/weftrt/weft/future"
	"github.com/weftrt/weft/internal/futurecx"
	"github.com/weftrt/weft/internal/gident"
	"github.com/weftrt/weft/internal/sched"
)

/*
# BlockOn's fast start (Enter, Exit, Continue)

Tokio's sync benches run one block_on per iteration around a future that is
often ready at its first poll, so what BlockOn costs before and after that
poll is part of every such operation. Enter, Exit and Continue split BlockOn
so that its caller polls the main future itself, with no closure, no clock
read and no metrics publish on the way:

	cx, ok := s.Enter(ctx)     // took the free core, or ok == false: use BlockOn
	v, ready := f.Poll(cx)     // a panic here must reach Exit (the caller defers it)
	if ready { err = s.Exit(cx) }                  // gives the core back
	else     { err = s.Continue(ctx, cx, main) }   // drives like BlockOn, without polling f first

Enter succeeds only in the plain case: the caller is not the driver, the
core is free, the scheduler is not closing, ctx has not ended, and the clock is not paused (a paused clock counts the main
future's first poll as activity, which drive does). Everything else goes
through BlockOn, which handles it.

Between Enter and Exit or Continue the caller holds the core exactly as
drive does: s.held and s.driverG name it, so tasks that the main future
spawns or wakes go to the local queue, and a nested BlockOn from inside the
poll fails with Errors.Nested; the goroutine is marked as a runner
(gident.MarkRunner), so blocking calls inside the poll are refused as they
are under drive.

Metrics: the fast start takes no clock reading, so a BlockOn whose future is
ready at its first poll adds nothing to BusyNanos (it polled no task); it
publishes only when the poll scheduled tasks locally, so that LocalSchedules
and LocalQueueDepth do not lag behind a spawn.
*/

// Enter takes the core for a BlockOn whose caller polls the main future
// itself, and returns the Context to poll it with. It reports false, and
// takes nothing, unless the core is free and nothing special is going on
// (see the top of this file); the caller then uses BlockOn.
//
// After Enter the caller must call exactly one of Exit (the future
// completed, or its poll panicked) and Continue (it returned Pending), on
// the same goroutine.
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
	gident.MarkRunner(g) // unmarked by Exit or Continue
	c.batch.schedulesAtEnter = c.batch.localSchedules
	// A wake during the poll sets it again, so that Continue polls again.
	// (With no paused clock the flag counts nothing: EndPoll is free.)
	s.mainWoken.EndPoll(s.mainWoken.BeginPoll())
	cx := c.cx
	futurecx.SetWaker(cx, future.NewWaker(&s.mainW))
	futurecx.SetTaskID(cx, 0)
	futurecx.SetBudget(cx, future.DefaultBudget)
	return cx, true
}

// Exit gives back the core that Enter took, once the main future completed
// (or its poll panicked). It returns nil, or, when the scheduler began to
// shut down meanwhile, the error BlockOn would return, after shutting every
// task down as drive's holder does. cx is the Context Enter returned.
func (s *Scheduler) Exit(*future.Context) error {
	c := s.held
	var err error
	if s.closing.Load() {
		s.shutdownCore(c)
		err = s.closedErr()
	} else if c.batch.localSchedules != c.batch.schedulesAtEnter {
		s.publish(c)
	}
	gident.UnmarkRunner(s.driverG.Load())
	s.driverG.Store(0)
	s.held = nil
	if !s.closing.Load() {
		s.coreCh <- c
	}
	return err
}

// Continue drives the scheduler with the core that Enter took, after the
// main future's first poll returned Pending: it is BlockOn from there on,
// and main is next polled once it is woken. cx is the Context Enter
// returned.
func (s *Scheduler) Continue(ctx context.Context, _ *future.Context, main sched.MainFuture) error {
	if ctx.Done() != nil {
		stop := context.AfterFunc(ctx, s.parker.Unpark)
		defer stop()
	}
	gident.UnmarkRunner(s.driverG.Load()) // drive marks it again
	return s.drive(ctx, s.held, &s.mainW, main, true)
}
