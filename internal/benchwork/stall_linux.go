package benchwork

import (
	"syscall"
	"time"
)

// Stall holds the calling goroutine's thread for StallDur, spinning on
// sched_yield like Tokio's stall() spins on std::thread::yield_now: it gives
// the OS thread away but keeps the worker (and the P), so the task does not
// yield to the scheduler.
func Stall() {
	start := time.Now()
	for time.Since(start) < StallDur {
		syscall.RawSyscall(syscall.SYS_SCHED_YIELD, 0, 0, 0)
	}
}
