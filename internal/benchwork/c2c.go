package benchwork

import (
	"runtime"
	"sync/atomic"
	"time"
)

// C2CProbe measures the cross-core cache-line round trip in nanoseconds:
// two goroutines, each locked to its own thread, hand a counter back and
// forth 20,000 times. It is the tables' noise indicator: on a 2-vCPU guest
// the round trip flips between about 35, 130 and 500 ns as the host moves
// the vCPUs, and every mt_ workload swings with it. It needs GOMAXPROCS ≥ 2
// to mean anything (both goroutines spin).
func C2CProbe() int64 {
	const n = 20_000
	var x atomic.Int64
	done := make(chan struct{})
	go func() {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		for i := int64(0); i <= n; i++ {
			for x.Load() != 2*i+1 {
			}
			x.Store(2*i + 2)
		}
		close(done)
	}()
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	// Round trip 0 is the handshake, not timed.
	x.Store(1)
	for x.Load() != 2 {
	}
	start := time.Now()
	for i := int64(1); i <= n; i++ {
		x.Store(2*i + 1)
		for x.Load() != 2*i+2 {
		}
	}
	ns := time.Since(start).Nanoseconds() / n
	<-done
	return ns
}
