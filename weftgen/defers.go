package weftgen

import (
	"fmt"

	"github.com/weftrt/weft/internal/unwind"
)

/*
How deferred calls keep Go's semantics in a state machine.

A marked function's deferred calls must outlive the Poll that registered
them, so they cannot be the Poll's own defers; and a deferred function must
still be called by a Go defer statement while the panic unwinds, or recover
in it returns nil (recover works only when called directly by a deferred
function that the panic runs). So each registration is a small function,
generated at the defer statement:

	func(next func()) { defer fn(args...); next() }

and running the list is a chain of calls: the first-registered item defers
its call and calls the second, ..., and the last-registered item calls the
end of the chain, which returns (a normal return), or panics with the
panic's value (a panic in the body, re-raised after Poll's deferred handler
recovered it; on Drop, that value is Async's own unwinding value, raised at
the await the future waits in, see Cancel). The panic then
runs the deferred calls of the chain's frames innermost first: last
registered, first run, each made by its own defer statement. A deferred call
that recovers stops the panic in its frame; the frames outside return
normally and run their calls, as the rest of a Go function's deferred calls
run after a recover. A deferred call that panics replaces the panic, as in
Go.

Rejected: calling the deferred functions in a loop from a deferred handler
(recover in them returns nil), and registering them as defers of each Poll
(they would run at every suspension).
*/

// Defers is the list of the deferred calls a generated future has
// registered and not run yet. The zero Defers is empty. It is used only by
// the goroutine that polls or drops its future.
type Defers struct {
	list []func(next func())
}

// Push registers a deferred call: fn must defer the call and then call next
// (see the package documentation of cmd/weftgen's output).
func (d *Defers) Push(fn func(next func())) {
	d.list = append(d.list, fn)
}

// Pending reports whether deferred calls are registered.
func (d *Defers) Pending() bool { return len(d.list) > 0 }

// take empties the list and returns what it held, so that a call that runs
// the list runs each item once even when an item panics.
func (d *Defers) take() []func(next func()) {
	l := d.list
	d.list = nil
	return l
}

// Return runs the deferred calls of a function that returns: last
// registered first. A panic that a deferred call raises and no later one
// recovers propagates out of Return.
func (d *Defers) Return() {
	if l := d.take(); len(l) > 0 {
		chain(l, nil)
	}
}

// Panic runs the deferred calls of a function that panicked with value v,
// which the caller has just recovered in its deferred handler (Poll's): v is
// raised again beneath the deferred calls, so that recover in them returns
// it. dropChild, if not nil, is called first (a panic from it is discarded),
// as Await drops the future it polled when that Poll panics. Panic reports
// whether a deferred call recovered; when none did, the panic propagates out
// of Panic. A nil v means runtime.Goexit is unwinding the goroutine (recover
// returns nil then): the calls run without a panic and Goexit goes on.
func (d *Defers) Panic(v any, dropChild func()) (recovered bool) {
	l := d.take()
	if v == nil {
		dropQuietly(dropChild)
		chain(l, nil)
		return false
	}
	chain(l, func() {
		dropQuietly(dropChild)
		panic(v)
	})
	return true
}

// chain calls l[0] with a next that calls l[1], and so on; the last item's
// next calls end (when not nil). See the comment at the top of the file.
func chain(l []func(next func()), end func()) {
	var step func(i int)
	step = func(i int) {
		if i == len(l) {
			if end != nil {
				end()
			}
			return
		}
		l[i](func() { step(i + 1) })
	}
	step(0)
}

// dropQuietly calls drop, if not nil, and discards a panic it raises: the
// panic being handled already says more.
func dropQuietly(drop func()) {
	if drop == nil {
		return
	}
	defer func() { _ = recover() }()
	drop()
}

// Cancel panics with the value a weft.Async body unwinds with when its
// future is dropped: a generated future calls it at an await it reaches
// while it is being dropped, as Async's Await does.
func Cancel() { panic(unwind.Cancelled) }

// Aborted is called with what a generated future recovered at the end of
// its unwinding on Drop: the unwinding value ends there, any other panic
// (raised by a deferred call or by a dropped future) is raised again.
func Aborted(r any) {
	if r != unwind.Cancelled {
		panic(r)
	}
}

// BadPoll panics with a message that says why the generated future of
// function fn may not be polled: pc is its program counter, negative once
// it stopped (-1 running, -2 completed, -3 panicked, -4 dropped).
func BadPoll(fn string, pc int32) {
	var why string
	switch pc {
	case -1:
		why = "polled from inside its own poll or by two goroutines at once"
	case -2:
		why = "polled after completion"
	case -3:
		why = "polled after it panicked"
	case -4:
		why = "polled after Drop"
	default:
		why = fmt.Sprintf("polled in an unknown state %d", pc)
	}
	panic("weft: future of " + fn + " " + why)
}
