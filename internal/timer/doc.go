// Package timer is weft's time driver: a hierarchical timing wheel, the clock
// it reads (real or paused), and the mutex-guarded [Driver] a runtime owns.
// The user-facing futures (weft.Sleep, weft.Timeout, weft.Interval) are built
// on it; it knows nothing about runtimes, and a runtime plugs it in through
// the contract below. It mirrors tokio/src/runtime/time.
//
// # Pieces
//
//   - [Wheel]: six levels of 64 slots, one tick per millisecond, with an
//     occupied bitmap per level; O(1) insert and remove, O(levels) search for
//     the next expiration. Not safe for concurrent use.
//   - [Entry]: the intrusive timer node a future embeds; registering one
//     allocates nothing.
//   - [Clock] and [Instant]: the time source, real (time.Now, so it follows a
//     testing/synctest bubble) or paused, and readings in nanoseconds since
//     the clock's origin. Deadlines round up to the next tick, so a timer
//     never fires early.
//   - [Driver]: wheel, clock and lock together, plus the firing paths.
//   - [Provider]: how a future finds the driver: the executor a runtime puts
//     in the [future.Context] implements it.
//
// # Integration contract for the runtime
//
// The driver fires nothing by itself. The runtime's workers drive it:
//
//  1. Before parking, a worker calls [Driver.NextDeadline] and parks with
//     that timeout (no timeout when it reports false). At most one parked
//     worker at a time owns this timed wait; the other idle workers park
//     without a timeout, as Tokio's workers do when another one holds the
//     driver.
//  2. The runtime installs a callback with [Driver.SetUnpark] that wakes the
//     worker owning the timed wait. [Driver.Register] and [Driver.Reset] call
//     it, outside the driver's lock, when they arm a timer earlier than the
//     deadline that worker sleeps towards. The callback must leave a token
//     when that worker has called NextDeadline but not yet parked, so the
//     park returns at once (a lost unpark would oversleep the new timer).
//  3. After every park, timed out or unparked, the worker calls
//     [Driver.Process], which fires the due timers and calls their wakers
//     (outside the lock). Busy workers also call Process now and then (Tokio
//     does it every 61 scheduler ticks) so that timers fire while no worker
//     is idle.
//  4. With a paused clock, time only moves on request. The runtime counts
//     everything that can still run in the driver's [Activity] (see
//     activity.go for the rule and its argument), and the worker that owns
//     the timed wait calls [Driver.AutoAdvance] instead of sleeping: it
//     jumps the clock to the next deadline and fires what is due there, but
//     only when the count is zero. If it reports false, something can run
//     (the worker sleeps until the count drops to zero, which unparks it
//     through [Activity.SetOnIdle]) or there is no timer, and the runtime
//     is idle for good (a deadlock in a test, or the end of the work).
//     Timer passes on a paused clock hold a unit of the count while their
//     wakes are in flight. Tests move the clock by hand with
//     [Driver.Advance].
//  5. At shutdown, after the tasks have been cancelled (which deregisters
//     their timers through Drop), the runtime calls [Driver.Shutdown]. Any
//     timer still registered is woken and sees [ErrShutdown]; later
//     registrations fail with it.
//
// [Driver.Len] counts the timers the driver holds; it returns to 0 when every
// timer future has completed or been dropped, which leak tests check.
//
// # Futures
//
// A timer future embeds an [Entry], looks up the driver on its first poll,
// and then: Register on the first poll (or reports ready at once when the
// deadline has passed), Poll on later polls (lock-free unless the waker
// changed), and Deregister in its Drop. See the rules at the top of driver.go.
package timer
