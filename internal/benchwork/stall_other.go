//go:build !linux

package benchwork

import "time"

// Stall holds the calling goroutine's thread for StallDur. Off Linux it
// spins without sched_yield.
func Stall() {
	start := time.Now()
	for time.Since(start) < StallDur {
	}
}
