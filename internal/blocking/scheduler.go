package blocking

import (
	"github.com/weftrt/weft/internal/invariants"
	"github.com/weftrt/weft/task"
)

// scheduler is the task.Scheduler of blocking tasks. Mirrors tokio
// runtime/blocking/schedule.rs BlockingSchedule.
//
// A blocking task is never put on a run queue by the harness: it is NOTIFIED
// from its creation until a pool goroutine runs it (so an abort before that
// only marks it CANCELLED and schedules nothing), and its future is ready on
// its one poll (so it never goes idle to be woken, nor wakes itself). Schedule
// and Yield are therefore unreachable, and reaching them is a bug in weft.
type scheduler struct {
	hooks *task.Hooks // immutable; see blockingHooks
}

var _ task.Scheduler = (*scheduler)(nil)

// Schedule panics: blocking tasks are never woken (see the type's comment).
func (s *scheduler) Schedule(n task.Notified) {
	invariants.Violated("blocking: Schedule of blocking task %d (blocking tasks are never woken)", n.ID())
}

// Yield panics: a blocking task's future completes in its one poll, so it
// cannot wake itself during it.
func (s *scheduler) Yield(n task.Notified) {
	invariants.Violated("blocking: Yield of blocking task %d (a blocking future must be ready on its first poll)", n.ID())
}

// Release reports false: blocking tasks are in no owner list.
func (s *scheduler) Release(task.Task) bool { return false }

// Hooks returns the hooks the harness runs for blocking tasks: the
// terminate hook of Config.Hooks only (see blockingHooks).
func (s *scheduler) Hooks() *task.Hooks { return s.hooks }

// blockingHooks keeps, of a runtime's task hooks, the ones Tokio runs for
// blocking tasks: OnTerminate. BeforePoll and AfterPoll would fire around a
// whole blocking closure, which is not a poll of a cooperative task (tokio
// runs them around task.run() in its schedulers only); OnSpawn is never
// reached through NewUnowned. It returns nil when nothing is left, which
// also spares the harness the hook checks.
func blockingHooks(h *task.Hooks) *task.Hooks {
	if h == nil || h.OnTerminate == nil {
		return nil
	}
	return &task.Hooks{OnTerminate: h.OnTerminate}
}

// UnhandledPanic does nothing: the panic of a blocking closure is already the
// task's JoinError, and a runtime's shut-down-on-panic policy applies to
// async tasks only (as in Tokio).
func (s *scheduler) UnhandledPanic(*task.JoinError) {}
