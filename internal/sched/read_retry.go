package sched

import (
	"runtime"
	"time"
)

// ReadRetry is called by a reader of seqlock-published metrics before retry
// number try of a reading that a publish tore. It yields, then sleeps
// briefly (a publisher whose thread the OS took off the CPU mid-publish can
// take milliseconds to finish), and reports false, settling for the torn
// reading, after about a second.
func ReadRetry(try int) bool {
	switch {
	case try < 64:
		runtime.Gosched()
	case try < 64+10000:
		time.Sleep(100 * time.Microsecond)
	default:
		return false
	}
	return true
}
