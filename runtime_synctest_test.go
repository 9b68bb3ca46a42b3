package weft_test

import (
	"context"
	"runtime/pprof"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/weftrt/weft"
)

// A runtime works inside a testing/synctest bubble: its workers and blocking
// goroutines park on channels and timers from package time, so the bubble's
// fake clock advances when they are all idle, and an hour-long sleep takes
// no real time.
func TestRuntimeInsideSynctestBubble(t *testing.T) {
	flavors(t, func(t *testing.T, opts ...weft.Option) {
		synctest.Test(t, func(t *testing.T) {
			rt, err := weft.New(opts...)
			if err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			h := weft.Spawn(rt, weft.Sleep(time.Hour))
			b := weft.SpawnBlocking(rt, func() int { time.Sleep(time.Minute); return 1 })
			if _, err := weft.BlockOn(context.Background(), rt, h); err != nil {
				t.Fatal(err)
			}
			if v, err := b.BlockingJoin(context.Background()); err != nil || v != 1 {
				t.Fatalf("blocking task: %v %v", v, err)
			}
			if el := time.Since(start); el < time.Hour {
				t.Fatalf("fake clock moved %v, want an hour", el)
			}
			if err := rt.Close(); err != nil {
				t.Fatal(err)
			}
			synctest.Wait() // every goroutine of the runtime has exited
		})
	})
}

// Worker goroutines carry the pprof label weft.worker=N, so CPU profiles
// split by worker.
func TestWorkersCarryPprofLabels(t *testing.T) {
	started := make(chan int, 2)
	newRuntime(t, weft.WithWorkers(2), weft.WithWorkerHooks(func(w int) { started <- w }, nil, nil, nil))
	// The start hook runs inside the labelled region.
	<-started
	<-started
	var b strings.Builder
	if err := pprof.Lookup("goroutine").WriteTo(&b, 1); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"weft.worker":"0"`, `"weft.worker":"1"`} {
		if !strings.Contains(b.String(), want) {
			t.Fatalf("goroutine profile has no %s label:\n%s", want, b.String())
		}
	}
}
