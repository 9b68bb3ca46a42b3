package weft_test

import "github.com/weftrt/weft/future"

// syncBenchDriver blocks a goroutine on futures, like future.Block, but
// reuses one Signal and Context so that the benchmarks measure the
// primitive, not the driver's allocations.
type syncBenchDriver struct {
	sig *future.Signal
	cx  *future.Context
}

func newSyncBenchDriver() *syncBenchDriver {
	sig := future.NewSignal()
	return &syncBenchDriver{sig: sig, cx: future.NewContext(sig.Waker())}
}

// block polls f until it is ready, sleeping on the signal in between, and
// drops it.
func syncBenchBlock[T any](d *syncBenchDriver, f future.Future[T]) T {
	for {
		if v, ok := f.Poll(d.cx); ok {
			future.Drop(f)
			return v
		}
		<-d.sig.C()
	}
}
