package weft

import (
	"iter"
	"runtime/debug"

	"github.com/weftrt/weft/future"
	"github.com/weftrt/weft/internal/gident"
	"github.com/weftrt/weft/internal/unwind"
	"github.com/weftrt/weft/task"
)

/*
How Async works.

An AsyncFuture runs its body on a coroutine made by iter.Pull: a goroutine
that runs only while the poller is blocked in the coroutine switch, so that
exactly one of the two runs at any time and control passes between them
without the scheduler. The body is the coroutine; the poller is whoever calls
Poll (a task's worker, future.Block, another Async body).

  - Poll resumes the coroutine (next) with the poll's Context stored in the A.
  - Await polls the awaited future with that Context. Ready: Await drops it
    and returns its value. Pending: the future has registered the outer task's
    waker; Await yields, and the outer Poll returns pending. The next Poll
    resumes the body inside that yield, with the new Context, and Await polls
    the same future again.
  - When the body returns, next reports that the sequence ended and Poll
    returns the value.
  - Drop of a suspended AsyncFuture marks the body unwinding and stops the
    coroutine: the yield the body is suspended in returns false, Await drops
    the future it was waiting for and panics with asyncCancelled, the body's
    deferred calls run, and run's deferred asyncExit recovers the sentinel
    so the coroutine ends normally. A body that recovers the sentinel itself
    and awaits again gets the same panic at once, because the A stays
    unwinding; so the body can only unwind or return.
  - While the body runs, its coroutine is recorded as acting for the
    goroutine that resumed it (gident.SetOwner, cleared when the body
    suspends or ends): a scheduler that does not recognise the coroutine
    asks gident.Owner, so the tasks the body wakes or spawns go to the
    polling worker's queue, and a BlockOn in the body is seen as nested.
    It costs about 20 ns per resume.
  - A panic in the body (not the sentinel) ends the coroutine; iter.Pull
    re-raises it from next, on the poller, so the task harness records it as
    the task's panic like any other.

The coroutine is created at the first Poll rather than in Async, for two
reasons. The Go runtime requires a coroutine to be resumed on a goroutine
with the OS-thread locking state of the goroutine that created it (it throws
otherwise), so it must be created where it will be polled (a LocalSet locks
its thread). And an AsyncFuture that is built but never polled then holds no
goroutine.

State of the two structs. AsyncFuture.state and every field of A are touched
only by the goroutine that holds the coroutine "baton": the poller outside
next/stop, the coroutine inside. The switches in iter.Pull order those
accesses (they are race-detector synchronization points), so no field needs
a lock or an atomic. Two goroutines polling one AsyncFuture at once is a data
race, as for every future.

Rejected alternatives. A goroutine plus channels per Async costs the same
stack but a scheduler round trip per switch (1.5-3x the time, see Async's
Cost section), and cannot be unwound by Drop without the body's
cooperation. Letting a dropped body stay parked forever instead of
unwinding it would leak its goroutine and skip its deferred cleanups, which
is what Drop exists to prevent.
*/

// asyncState is where an AsyncFuture is in its life, as seen by its owner.
type asyncState uint8

const (
	asyncIdle      asyncState = iota // built, never polled: no coroutine yet
	asyncSuspended                   // the body waits in Await for a pending future
	asyncPolling                     // inside Poll; stays so if the body panicked
	asyncDone                        // the body returned and Poll returned its value
	asyncDropped                     // Drop ran; the coroutine is gone
)

// asyncBodyState is where the body is, as seen by Await.
type asyncBodyState uint8

const (
	asyncBodyParked    asyncBodyState = iota // not running: before the first poll, or suspended
	asyncBodyRunning                         // running; Await may be called
	asyncBodyAwaiting                        // Await is polling a future (Await with this A is misuse)
	asyncBodyUnwinding                       // dropped while suspended; every Await panics asyncCancelled
	asyncBodyFinished                        // returned or panicked
)

// asyncCancelled is the panic value Await raises in a body whose AsyncFuture
// was dropped while it was suspended. The coroutine wrapper recovers it. The
// futures cmd/weftgen generates unwind with the same value (package weftgen),
// so a deferred call that recovers sees the same thing either way.
var asyncCancelled = unwind.Cancelled

// A is the capability of one running Async body: the body receives it and
// passes it to [Await]. It is valid only on the body's own coroutine, while
// the body runs; keeping it after the body returned, or handing it to another
// goroutine or another body, is misuse, and Await detects the cases it can
// (it panics with a "weft: " message).
type A struct {
	cx    *future.Context     // the Context of the Poll in progress; nil while parked
	yield func(struct{}) bool // the coroutine's yield; set when the body starts
	state asyncBodyState
	// For task dumps (AsyncFuture.Trace), both written by the body:
	g       uintptr // the coroutine's goroutine identity (gident.Current); 0 before it starts
	waiting any     // the future Await is suspended on; nil unless suspended

	// The coroutine acts for the goroutine that resumes it (see actFor).
	owner   uintptr // whom the next resume acts for
	aliased bool    // g is recorded as acting for owner
}

// Context returns the Context of the poll that is running the body, for code
// that needs the task's id or executor. It is valid only until the body's next
// Await, and nil when the body is not running.
func (a *A) Context() *future.Context {
	if a.state != asyncBodyRunning {
		return nil
	}
	return a.cx
}

// asyncExit is deferred by the coroutine around the body. It marks the body
// finished and, when the body was unwinding because of a Drop, recovers the
// asyncCancelled panic; any other panic goes on to iter.Pull, which re-raises
// it to the caller of Poll or Drop.
func (a *A) asyncExit() {
	// Before the coroutine ends: its identity may be reused.
	a.stopActing()
	unwinding := a.state == asyncBodyUnwinding
	inTask := a.cx != nil && a.cx.TaskID() != 0
	a.state = asyncBodyFinished
	a.cx, a.yield = nil, nil
	r := recover()
	switch {
	case r == nil:
		// Returned normally (or runtime.Goexit, which goes on).
	case unwinding && r == asyncCancelled:
		// The unwinding of a Drop is complete.
	case !inTask:
		panic(r)
	default:
		if _, ok := r.(*task.StackedPanic); ok {
			panic(r) // a nested Async already recorded where it happened
		}
		// Polled by a task: carry the body's stack to the harness, which
		// puts it in the task's JoinError (the body's goroutine is gone
		// by the time the polling goroutine recovers).
		panic(&task.StackedPanic{Value: r, Stack: debug.Stack()})
	}
}

// actFor makes the next resume of the body act for the calling goroutine (or
// for whom it acts, when it is itself a body): a scheduler then treats the
// wakes, spawns and BlockOn calls of the body as made by that goroutine, which
// is blocked in the coroutine switch while the body runs. Without it, a wake
// from a body on a worker would take the remote path. Called by the poller
// before each resume; the body's first resume records itself in run.
func (a *A) actFor() {
	a.owner = gident.Effective()
	if a.g != 0 && !a.aliased {
		a.aliased = gident.SetOwner(a.g, a.owner)
	}
}

// stopActing undoes actFor once the body has suspended or ended.
func (a *A) stopActing() {
	if a.aliased {
		gident.ClearOwner(a.g)
		a.aliased = false
	}
}

// AsyncFuture is the future returned by [Async]: its output is the body's
// return value. It implements [future.Dropper]; dropping it while the body is
// suspended unwinds the body.
type AsyncFuture[T any] struct {
	a     A
	body  func(*A) T
	out   T
	next  func() (struct{}, bool) // the coroutine; nil until the first poll and after the end
	stop  func()
	state asyncState
}

// Async returns a future that runs body as straight-line code: inside it,
// [Await] waits for any future as if it were a blocking call, and the future
// returned by Async completes with body's return value. It is the Go form of
// Rust's async block.
//
//	f := weft.Async(func(a *weft.A) int {
//		n := weft.Await(a, fetchCount)
//		weft.Await(a, weft.Sleep(time.Second))
//		return n + 1
//	})
//
// Nothing runs until the first Poll. Each Poll runs the body until it returns,
// or until it awaits a future that is not ready; the awaited future has then
// registered the waker of the poll, so the task is woken exactly when a
// state-machine future in its place would be, and the next Poll continues the
// body where it stopped. The body runs on the polling goroutine's turn, so it
// must not block (no channel operations, mutex waits or sleeps that can wait:
// await futures instead); a body that blocks stalls the worker that polls it.
//
// # Dropping
//
// Dropping the future (a task abort, the losing side of a select, a timeout)
// while the body is suspended in Await unwinds the body: the awaited future is
// dropped, then Await panics with a private value, so every deferred call of
// the body runs, once, on the goroutine that called Drop, before Drop returns.
// Code after the Await does not run. A body that recovers that panic and
// awaits again gets the same panic at once; it can only unwind or return. A
// panic raised by the body while unwinding propagates out of Drop. Dropping a
// future that was never polled runs nothing; dropping one that completed does
// nothing.
//
// # Panics
//
// A panic in the body propagates out of Poll on the polling goroutine. When a
// task polls the future, the panic travels as a *task.StackedPanic carrying
// the body's stack, taken where it panicked, and the task fails with the
// original value and that stack in its JoinError; anyone else polling it
// (BlockOn, a test) sees the original value. After a panic the
// future must not be polled again. runtime.Goexit in the body likewise exits
// the polling goroutine.
//
// # Cost
//
// An Async future is the convenient path, not the dense one. It holds a
// goroutine from its first poll to its end, with that goroutine's stack:
// measured, about 2.8 KiB of heap and stack per suspended Async, against about
// 2.6 KiB per goroutine parked on a channel (BenchmarkAsyncMemorySuspended and
// BenchmarkGoroutineMemoryParked, 10,000 of each). Each suspension costs two
// coroutine switches: about 160-300 ns for an Await of a pending future, from
// suspend to resume, against 360-570 ns for a ping-pong between two
// goroutines over unbuffered channels (BenchmarkAsyncSuspendResume and
// BenchmarkGoroutinePingPong on a shared 2-core amd64, Go 1.26; the ratio,
// 1.5-3x, is steadier than the times). Starting one costs about twice a go
// statement (0.9-1.8 us against 0.45-0.55 us, BenchmarkAsyncStartFinish):
// Async and its first poll allocate 8 objects, about 280 B, and create the
// coroutine; later polls and awaits allocate nothing. State-machine futures
// cost a few hundred bytes and tens of nanoseconds; prefer them for tasks
// that number in the hundreds of thousands. What Async buys over a goroutine
// is not speed but the runtime's control: abort that runs the body's
// cleanups, cancellation by select and timeout, and scheduling by the
// runtime.
//
// Coroutines are tied to the OS-thread locking of the goroutine that first
// polls them: a future first polled on a locked thread (a LocalSet) must be
// polled and dropped on that thread only, and one first polled elsewhere must
// never be polled or dropped on a locked thread; the Go runtime aborts the
// program otherwise.
//
// Async panics if body is nil.
func Async[T any](body func(a *A) T) *AsyncFuture[T] {
	if body == nil {
		panic("weft: Async of a nil function")
	}
	return &AsyncFuture[T]{body: body}
}

// run is the coroutine: it runs the body to its end.
func (f *AsyncFuture[T]) run(yield func(struct{}) bool) {
	a := &f.a
	a.yield = yield
	a.g = gident.Current()
	a.aliased = gident.SetOwner(a.g, a.owner)
	defer a.asyncExit()
	f.out = f.body(a)
}

// Poll runs the body until it returns (ready, with its value) or awaits a
// future that is not ready (pending; the awaited future holds cx's waker). A
// panic in the body propagates out of Poll. Poll panics when the future is
// polled again after it completed, panicked or was dropped, or from inside its
// own body.
//
// Successive polls may run on different goroutines, as long as they are
// ordered (as a runtime orders the polls of a task): everything the body did
// before it suspended happens before it resumes, and everything the poller
// did before a Poll happens before the body continues in it.
func (f *AsyncFuture[T]) Poll(cx *future.Context) (T, bool) {
	var zero T
	switch f.state {
	case asyncIdle:
		f.next, f.stop = iter.Pull(f.run)
	case asyncSuspended:
	case asyncPolling:
		if f.a.state == asyncBodyFinished {
			panic("weft: AsyncFuture polled after its body panicked")
		}
		panic("weft: AsyncFuture polled from inside its own body or by two goroutines at once")
	case asyncDone:
		panic("weft: AsyncFuture polled after completion")
	case asyncDropped:
		panic("weft: AsyncFuture polled after Drop")
	}
	f.state = asyncPolling
	f.a.cx = cx
	f.a.state = asyncBodyRunning
	f.a.actFor()
	// A panic in the body propagates from next, leaving the state
	// asyncPolling with the body finished: poisoned (asyncExit has undone
	// actFor).
	_, suspended := f.next()
	f.a.stopActing()
	f.a.cx = nil
	if suspended {
		f.state = asyncSuspended
		return zero, false
	}
	out := f.out
	f.out = zero
	f.state = asyncDone
	f.release()
	return out, true
}

// Drop abandons the future. If the body is suspended in Await, it is unwound:
// the awaited future is dropped and the body's deferred calls run before Drop
// returns. A panic raised while unwinding propagates out of Drop. Dropping a
// future that was never polled, or that completed or panicked, only lets go of
// its references. Drop panics when called from inside the future's own body.
func (f *AsyncFuture[T]) Drop() {
	switch f.state {
	case asyncIdle:
		f.state = asyncDropped
		f.release()
	case asyncSuspended:
		f.state = asyncDropped
		f.a.state = asyncBodyUnwinding
		defer f.release()
		f.a.actFor() // the deferred calls may wake tasks; asyncExit undoes it
		f.stop()     // resumes the body with yield reporting false; see Await
	case asyncPolling:
		if f.a.state != asyncBodyFinished {
			panic("weft: AsyncFuture dropped from inside its own body or while another goroutine polls it")
		}
		// The body panicked during Poll: the coroutine has ended.
		f.state = asyncDropped
		f.release()
	case asyncDone, asyncDropped:
	}
}

// Trace describes the future for task dumps. A suspended body is shown as
// "Async" with the future its Await waits for as its child; the node carries
// the ID of the body's goroutine, and a task dump attaches that goroutine's
// stack: the body's own frames down to the Await it is suspended in.
//
// How the stack is found: the body records its goroutine identity
// (internal/gident) when it starts, one load and one store; Trace turns it
// into the goroutine ID the runtime prints, and the dump takes one
// runtime.Stack of all goroutines and keeps the blocks of the IDs its traces
// name. Nothing is resumed: the body is never run by a dump, so a body
// bound to a locked OS thread (a LocalSet's) is safe to trace from any
// goroutine. The cost falls on the dump: runtime.Stack(all) stops the world
// for a time proportional to the number of goroutines (a few µs each), once
// per dump that contains a suspended Async. The body itself pays two stores
// per suspension and 24 bytes of fields.
//
// Like Poll, Trace must not run concurrently with another use of f.
func (f *AsyncFuture[T]) Trace(t *future.Trace) {
	switch f.state {
	case asyncIdle:
		t.Leaf("Async(not started)")
	case asyncSuspended:
		t.Push("Async")
		if id, ok := gident.GoID(f.a.g); ok {
			t.Goroutine(id)
		}
		t.Future(f.a.waiting)
		t.Pop()
	case asyncPolling:
		if f.a.state == asyncBodyFinished {
			t.Leaf("Async(panicked)")
		} else {
			t.Leaf("Async(running)")
		}
	case asyncDone:
		t.Leaf("Async(done)")
	case asyncDropped:
		t.Leaf("Async(dropped)")
	}
}

// release lets go of the body and the coroutine, so that a finished future
// keeps nothing reachable.
func (f *AsyncFuture[T]) release() {
	var zero T
	f.body, f.next, f.stop, f.out = nil, nil, nil, zero
}

// Await waits inside an Async body for f and returns its output: it polls f
// with the Context of the poll running the body and, while f is pending,
// suspends the body until the task is polled again. Await takes ownership of
// f: it drops f (future.Drop) once f is ready, when the body is unwound while
// waiting for f, and when f's Poll panics.
//
// Await adds no cooperative budget of its own; the futures it awaits consume
// budget as they would in a state-machine task.
//
// Await panics with a "weft: " message when a or f is nil, or when it is not
// called by the body a belongs to while that body runs (an A kept after its
// body returned, used by a nested body, or used from inside a future's Poll).
// While the body is unwinding after its future was dropped, Await drops f and
// panics at once (see [Async]).
func Await[T any](a *A, f future.Future[T]) T {
	if a == nil {
		panic("weft: Await with a nil *A")
	}
	if f == nil {
		panic("weft: Await of a nil future")
	}
	switch a.state {
	case asyncBodyRunning:
	case asyncBodyUnwinding:
		future.Drop(f)
		panic(asyncCancelled)
	case asyncBodyAwaiting:
		panic("weft: Await with an A that is awaiting: an A may be used only by its own body, not by a nested body or a future's Poll")
	default:
		panic("weft: Await outside its Async body: the A is not running (the body returned, or the A belongs to another body)")
	}
	settled := false
	defer func() {
		if !settled {
			// f.Poll panicked: leave the body able to run its deferred
			// calls (and to await in them), and drop f as unwinding
			// would in Rust. A panic of that Drop is discarded: the
			// panic of Poll is already on its way and says more.
			if a.state == asyncBodyAwaiting {
				a.state = asyncBodyRunning
			}
			func() {
				defer func() { _ = recover() }()
				future.Drop(f)
			}()
		}
	}()
	for {
		a.state = asyncBodyAwaiting
		v, ok := f.Poll(a.cx)
		a.state = asyncBodyRunning
		if ok {
			settled = true
			future.Drop(f)
			return v
		}
		a.state = asyncBodyParked
		a.waiting = f // an interface-to-any conversion: no allocation
		resumed := a.yield(struct{}{})
		a.waiting = nil
		if !resumed {
			// Stopped by Drop, which set the state to unwinding.
			settled = true
			future.Drop(f)
			panic(asyncCancelled)
		}
		// Resumed by Poll, which set a.cx and the running state.
	}
}
