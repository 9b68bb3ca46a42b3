package sched

import (
	"context"
	"time"

	"github.com/weftrt/weft/future"
	"github.com/weftrt/weft/task"
)

// Engine is what a scheduler offers the runtime (package weft), whatever its
// flavour: the runtime's Handle holds one Engine and never asks which
// scheduler is behind it. Both currentthread.Scheduler and
// multithread.Scheduler implement it.
//
// Policies live in the runtime, not here: the scheduler is given the
// runtime's shutdown error (Errors) and reports every task panic to
// Config.OnUnhandledPanic, where the runtime applies its panic policy
// (shutting the engine down with Shutdown when the policy says so).
//
// # BlockOn
//
// A BlockOn polls its future in its own frame, so that the future needs no
// closure nor interface value (which would be an allocation, and an
// indirect call per poll): a future ready at its first poll costs two
// interface calls and nothing else (no allocation, no clock read):
//
//	cx, ok := e.Enter(ctx) // ok == false: use e.BlockOn(ctx, main)
//	for {
//		v, ready := f.Poll(cx) // a panic here must reach Exit (defer it)
//		if ready { err = e.Exit(cx); break }
//		if err = e.Wait(ctx, cx); err != nil { e.Exit(cx); break }
//	}
//
// Every successful Enter is ended by exactly one Exit, on the same
// goroutine, whatever happens in between.
type Engine interface {
	task.Scheduler
	// Owned returns the list of the engine's tasks.
	Owned() *task.OwnedTasks
	// Spawn queues a newly bound task.
	Spawn(n task.Notified)
	// Shutdown begins the shutdown (once; later calls do nothing). Done
	// is closed when it has completed.
	Shutdown()
	Done() <-chan struct{}

	// Enter begins a BlockOn whose caller polls the main future itself
	// on the returned Context; false when this BlockOn must use BlockOn
	// instead (it takes nothing then).
	Enter(ctx context.Context) (*future.Context, bool)
	// Wait waits, after a poll of the main future on cx returned Pending,
	// until it is to be polled again (a current-thread engine runs the
	// tasks meanwhile): it returns nil then, and ctx.Err() when ctx ends
	// first, Errors.Shutdown once the engine shuts down, or Errors.Stuck.
	Wait(ctx context.Context, cx *future.Context) error
	// Exit ends a BlockOn begun by Enter: its main future completed, a
	// poll panicked, or Wait returned an error. It returns
	// Errors.Shutdown when the engine shut down meanwhile (a
	// current-thread engine has then shut its tasks down), else nil.
	Exit(cx *future.Context) error
	// BlockOn is a whole BlockOn, for when Enter reported false: it
	// returns nil once main.PollMain reports true, or Wait's errors.
	BlockOn(ctx context.Context, main MainFuture) error

	// FireTimers fires the timers that became due after a paused clock
	// was moved, where the engine needs them fired (see Advance in
	// package weft).
	FireTimers()

	// NumWorkers returns the number of workers (1 for current-thread).
	NumWorkers() int
	// ReadWorker returns worker i's published counters, all from one
	// publish; hist has the histogram's number of buckets when it is on
	// (it is overwritten and returned as PollTimes), else it is nil.
	ReadWorker(i int, hist []uint64) WorkerCounters
	// RemoteSchedules counts tasks scheduled from outside a worker.
	RemoteSchedules() uint64
	// InjectLen returns the number of tasks in the inject queue.
	InjectLen() int
}

// MainFuture is the future of a BlockOn that Enter turned away (a slow
// path: a paused clock, another goroutine driving), seen by the engine: PollMain
// polls it with cx and reports whether it completed (the caller keeps the
// output). It is called only on the goroutine inside BlockOn.
type MainFuture interface {
	PollMain(cx *future.Context) bool
}

// Errors are the error values an engine returns and cancels with. The
// runtime gives its own (package weft's sentinels), so that each error is
// defined once; every field must be set.
type Errors struct {
	// Shutdown is the Cause of the tasks the shutdown cancels, and what
	// BlockOn (Exit, Continue) returns once the engine is shut down.
	Shutdown error
	// Nested is returned by BlockOn called from inside one of the
	// engine's own tasks.
	Nested error
	// Stuck is returned by a current-thread simulation's BlockOn
	// (FailWhenStuck) when no task can ever run again.
	Stuck error
}

// Check panics unless every field is set: an engine built without the
// runtime's errors would return nil where an error is due.
func (e Errors) Check(pkg string) {
	if e.Shutdown == nil || e.Nested == nil || e.Stuck == nil {
		panic(pkg + ": Config.Errors must have every field set")
	}
}

// WorkerCounters is one reading of a worker's published counters. Fields a
// flavour does not count stay zero (a current-thread runtime does not
// steal, overflow nor tune its global queue interval).
type WorkerCounters struct {
	Polls, Steals, StealOperations, Overflows uint64
	Parks, Unparks, NoopParks, LocalSchedules uint64
	BudgetForcedYields                        uint64
	Busy, MeanPoll                            time.Duration
	LocalQueueDepth                           int
	PollTimes                                 []uint64 // nil when the histogram is off
	PollTimeTotal                             time.Duration
}
