package sched

import "time"

// IODriver is what a scheduler needs from the I/O driver
// (internal/iodriver.Driver); the contract is in that package's doc.
type IODriver interface {
	// Active reports whether the driver is open: only then does a parker
	// block in it.
	Active() bool
	// Pending reports whether an fd is registered (an event may come).
	Pending() bool
	// Poll dispatches ready events without blocking; it reports how many
	// registrations got events.
	Poll() int
	// Block waits up to timeout for events (negative: without limit) and
	// dispatches them; gate runs just before it blocks, and a false
	// result turns the wait into a poll.
	Block(timeout time.Duration, gate func() bool) int
	// Wake interrupts a Block, or makes the next one return at once.
	Wake()
	// SetOnOpen sets what the driver calls once it has opened.
	SetOnOpen(func())
	// Shutdown fails every wait and closes the driver.
	Shutdown()
}
