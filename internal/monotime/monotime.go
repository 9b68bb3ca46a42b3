// Package monotime is the monotonic clock of the runtime's bookkeeping: task
// stats (spawn and poll times) and the current-thread scheduler's busy time.
// Its readings are int64 nanoseconds since the process loaded the package,
// so that they fit an atomic word; Time turns one into a time.Time for
// public APIs.
package monotime

import "time"

var start = time.Now()

// Now returns the nanoseconds elapsed since the package was loaded, on the
// monotonic clock.
func Now() int64 { return int64(time.Since(start)) }

// Time returns the time.Time of a reading of Now (it keeps the monotonic
// clock reading, so differences of its results are monotonic too).
func Time(ns int64) time.Time { return start.Add(time.Duration(ns)) }
