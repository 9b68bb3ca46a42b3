package multithread

import (
	"context"
	"sync"
	"sync/atomic"
	"unsafe"

	"github.com/weftrt/weft/future"
	"github.com/weftrt/weft/internal/futurecx"
	"github.com/weftrt/weft/internal/sched"
	"github.com/weftrt/weft/internal/timer"
)

/*
# BlockOn on a multi-thread scheduler

The workers run the tasks; a BlockOn only polls its main future, on the
calling goroutine, with the Context of a blockOnWaiter, and sleeps on a
Signal between polls. Enter hands out a waiter's Context for the caller's
polls, Wait sleeps between them, Exit recycles the waiter (sched.Engine
describes the protocol). Waiters are recycled
through a sync.Pool, so that a BlockOn whose future is ready at its first
poll allocates nothing; the Signal (a channel) is made only when the
goroutine has to sleep, and never pooled: a channel made inside a
testing/synctest bubble must not be touched from outside it (see
internal/gowait).

Rules:

 1. Every use of a waiter has its own generation, gen, and the Context's
    Waker carries it as its tag. Wake ignores any other tag, so a Waker kept
    by a future past the end of its BlockOn does not wake the next user of
    the waiter (the rare wake that passes the check just before the waiter
    is recycled is a spurious wake, which futures allow).
 2. Wake sets woken, then loads sig and wakes it if it is set. arm stores the
    new Signal in sig, then takes woken: either Wake saw the Signal, or arm
    sees woken and wakes the Signal itself, so a wake between the first
    poll and arm is not lost (Go's atomics are sequentially consistent).
 3. Once armed, every wake reaches the Signal, which remembers one.
 4. A wake of an armed waiter by a worker asks that worker to give its P up
    soon (worker.handOff): the Go scheduler queues the woken goroutine on
    the waker's P, where it would otherwise wait for the worker's next
    yieldSlice (see "Sharing the Ps" in worker.go).

With a paused clock Enter reports false and BlockOn takes the counted path
(blockOnPaused), whose wakes are activity (internal/timer/activity.go).
*/

// blockOnWaiter is the Context and the wake-up of one BlockOn; see the
// comment above. cx is its first field: waiterOf finds the waiter from the
// Context that Enter handed out.
type blockOnWaiter struct {
	cx    future.Context // owned by the BlockOn using the waiter
	gen   atomic.Uint64  // generation of the current use (rule 1); never 0
	woken atomic.Bool    // a wake arrived (rule 2)
	sig   atomic.Pointer[future.Signal]
	// s is the scheduler of the current use, for Wake's hand-off (rule
	// 4); atomic because a stale Waker may call Wake while the waiter is
	// recycled.
	s atomic.Pointer[Scheduler]
}

var blockOnWaiters = sync.Pool{New: func() any { return new(blockOnWaiter) }}

// waiterOf returns the waiter whose Context is cx. cx must come from Enter:
// it is then the first field of a blockOnWaiter, at the waiter's address.
func waiterOf(cx *future.Context) *blockOnWaiter {
	return (*blockOnWaiter)(unsafe.Pointer(cx))
}

// Enter begins a BlockOn with a recycled waiter (sched.Engine). It reports
// false with a paused clock, whose BlockOn counts the main future's wakes
// as activity (BlockOn does).
func (s *Scheduler) Enter(context.Context) (*future.Context, bool) {
	if s.act != nil {
		return nil, false
	}
	w := blockOnWaiters.Get().(*blockOnWaiter)
	w.begin(s)
	return &w.cx, true
}

// Exit ends a BlockOn begun by Enter and recycles its waiter. It returns
// nil: the tasks are the workers' to shut down.
func (s *Scheduler) Exit(cx *future.Context) error {
	putBlockOnWaiter(waiterOf(cx))
	return nil
}

// Wait sleeps until the main future is woken, ctx ends or the scheduler
// shuts down. Its first call arms the waiter (rule 2).
func (s *Scheduler) Wait(ctx context.Context, cx *future.Context) error {
	w := waiterOf(cx)
	sig := w.sig.Load()
	if sig == nil {
		sig = w.arm()
	}
	if err := s.sleep(ctx, sig); err != nil {
		return err
	}
	futurecx.SetBudget(&w.cx, future.DefaultBudget)
	return nil
}

// sleep waits for a wake of sig; it returns ctx.Err() when ctx ends first,
// Errors.Shutdown when the scheduler shuts down first.
func (s *Scheduler) sleep(ctx context.Context, sig *future.Signal) error {
	select {
	case <-sig.C():
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-s.closing:
		return s.cfg.Errors.Shutdown
	}
}

// BlockOn is a whole BlockOn, for when Enter reports false (a paused
// clock); it works without a paused clock too.
func (s *Scheduler) BlockOn(ctx context.Context, main sched.MainFuture) error {
	if s.act != nil {
		return s.blockOnPaused(ctx, main)
	}
	cx, _ := s.Enter(ctx)
	defer s.Exit(cx)
	for !main.PollMain(cx) {
		if err := s.Wait(ctx, cx); err != nil {
			return err
		}
	}
	return nil
}

// putBlockOnWaiter ends w's use and recycles it.
func putBlockOnWaiter(w *blockOnWaiter) {
	w.end()
	blockOnWaiters.Put(w)
}

// begin starts a use of w by a BlockOn on s: a new generation, its tagged
// Waker, the executor and a fresh budget.
func (w *blockOnWaiter) begin(s *Scheduler) {
	g := w.gen.Add(1)
	w.woken.Store(false)
	// A pooled waiter usually served this scheduler last time: skip the
	// store (a locked exchange and a write barrier) then, as BlockOn's fast
	// start does not otherwise pay for rule 4.
	if w.s.Load() != s {
		w.s.Store(s)
	}
	futurecx.SetWaker(&w.cx, future.NewTaggedWaker(w, g))
	futurecx.SetExecutor(&w.cx, s.cfg.Executor)
	futurecx.SetBudget(&w.cx, future.DefaultBudget)
}

// end ends the use of w: it forgets the Signal and what the Context points
// to.
func (w *blockOnWaiter) end() {
	w.sig.Store(nil)
	futurecx.SetWaker(&w.cx, future.Waker{})
	futurecx.SetExecutor(&w.cx, nil)
}

// Wake wakes the BlockOn of generation tag, if it still uses w.
func (w *blockOnWaiter) Wake(tag uint64) {
	if w.gen.Load() != tag {
		return
	}
	w.woken.Store(true)
	if sig := w.sig.Load(); sig != nil {
		sig.Wake(0)
		if s := w.s.Load(); s != nil {
			if wk := s.currentWorker(); wk != nil {
				wk.handOff() // rule 4
			}
		}
	}
}

// arm gives w the Signal its BlockOn sleeps on (rule 2).
func (w *blockOnWaiter) arm() *future.Signal {
	sig := future.NewSignal()
	w.sig.Store(sig)
	if w.woken.Swap(false) {
		sig.Wake(0)
	}
	return sig
}

// blockOnPaused is BlockOn when the clock is paused. The main future's
// wakes count as work in progress until it has been polled: the clock must
// not jump past a timer that woke it before it has seen it
// (internal/timer/activity.go).
func (s *Scheduler) blockOnPaused(ctx context.Context, main sched.MainFuture) error {
	sig := future.NewSignal()
	w, flag := timer.SignalWaker(sig, s.act)
	took := false // a poll in progress holds the wake's unit
	defer func() {
		flag.EndPoll(took) // a poll that panicked or called Goexit
		flag.Close()
	}()
	cx := future.NewContext(w)
	futurecx.SetExecutor(cx, s.cfg.Executor)
	for {
		futurecx.SetBudget(cx, future.DefaultBudget)
		took = flag.BeginPoll()
		ready := main.PollMain(cx)
		flag.EndPoll(took)
		took = false
		if ready {
			return nil
		}
		if err := s.sleep(ctx, sig); err != nil {
			return err
		}
	}
}

// FireTimers fires the timers that are due after a paused clock moved, on
// the calling goroutine: the workers take the tasks they wake from there.
func (s *Scheduler) FireTimers() {
	if t := s.cfg.Timer; t != nil {
		t.Process()
	}
}
