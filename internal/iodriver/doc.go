// Package iodriver is weft's I/O driver: one epoll instance per runtime
// (edge-triggered, opened when the first fd registers), an eventfd that
// wakes a goroutine blocked in it, and per registered fd a readiness word and
// its waiters. Package net builds sockets on it; the schedulers drive it from
// their park path, beside the timer driver. It mirrors tokio/src/runtime/io.
//
// # Pieces
//
//   - [Readiness]: the state word of one fd (readiness bits, a tick, the
//     closed and shutdown flags and the count of system calls in flight),
//     with its transitions as pure functions; see readiness.go.
//   - [Registration]: the word plus the waiters: two waker slots (one task
//     per direction, nothing to unlink: what a hand-written future uses) and
//     an intrusive list of [Waiter]s (any number of futures); the protocol
//     between waiters and the driver is at the top of registration.go.
//   - [Driver]: the epoll instance, the eventfd, and a table from event
//     tokens (fd and registration number) to registrations.
//
// # Integration contract for the schedulers
//
//  1. The driver opens lazily, at the first [Driver.Register]; until then
//     [Driver.Active] is false and a scheduler parks as it would without
//     it. When it opens it calls the function given to [Driver.SetOnOpen]:
//     the scheduler's unpark of the goroutine that owns the timed wait, so
//     that it parks again, this time in epoll.
//  2. The parked goroutine that owns the timer driver's timed wait (one at a
//     time) parks in [Driver.Block] with the timer's next deadline as
//     timeout, through sched.Parker.ParkOn: the Parker records that it
//     sleeps in epoll, and its Unpark then calls [Driver.Wake], which writes
//     the eventfd. Other idle goroutines park on their channels.
//  3. Busy goroutines call [Driver.Poll] (no blocking) every event interval,
//     with the timer's Process; it does nothing while another goroutine is
//     blocked in epoll (that one sees the events at once).
//  4. Events are dispatched on the polling goroutine: each wakes the tasks
//     waiting on its fd, so on a multi-thread runtime they land in that
//     worker's queue, as timers do.
//  5. Paused clock: before it auto-advances the clock, an idle scheduler
//     polls (Poll) first, and advances only if no event was delivered.
//     A simulation with a registered fd ([Driver.Pending]) is not stuck: it
//     blocks in epoll instead of reporting a deadlock.
//  6. At shutdown, after the tasks were cancelled (their futures dropped and
//     unlinked), the scheduler calls [Driver.Shutdown]: every registration
//     left fails its waits and operations with the shutdown error, and the
//     epoll fd and eventfd are closed. Registered fds stay open until their
//     owners close them.
//
// Other systems than Linux compile: Register fails with an error that says
// the system is not supported, and the driver never becomes active.
package iodriver
