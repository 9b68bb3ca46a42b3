package gowait_test

import (
	"context"
	"errors"
	"testing"

	"github.com/weftrt/weft/future"
	"github.com/weftrt/weft/internal/gowait"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// gate is a future that becomes ready when opened from another goroutine.
type gate struct {
	open    chan struct{}
	waker   chan future.Waker
	dropped int
}

func (g *gate) Poll(cx *future.Context) (int, bool) {
	select {
	case <-g.open:
		return 7, true
	default:
	}
	select {
	case g.waker <- cx.Waker():
	default:
	}
	return 0, false
}

func (g *gate) Drop() { g.dropped++ }

func TestWaitSleepsUntilWokenAndDrops(t *testing.T) {
	g := &gate{open: make(chan struct{}), waker: make(chan future.Waker, 1)}
	go func() {
		w := <-g.waker
		close(g.open)
		w.Wake()
	}()
	v, err := gowait.Wait[int](context.Background(), g)
	if v != 7 || err != nil || g.dropped != 1 {
		t.Fatalf("Wait = %v, %v, dropped %d", v, err, g.dropped)
	}
}

func TestWaitReturnsContextErrorAndDrops(t *testing.T) {
	g := &gate{open: make(chan struct{}), waker: make(chan future.Waker, 1)}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := gowait.Wait[int](ctx, g); !errors.Is(err, context.Canceled) || g.dropped != 1 {
		t.Fatalf("Wait = %v, dropped %d", err, g.dropped)
	}
}

func TestStaleWakeOfPooledSignalOnlyCausesAnExtraPoll(t *testing.T) {
	g := &gate{open: make(chan struct{}), waker: make(chan future.Waker, 1)}
	close(g.open)
	stale := make(chan future.Waker, 1)
	// Capture a pooled waker, then wake it after Wait returned.
	_, _ = gowait.Wait[int](context.Background(), future.PollFunc(func(cx *future.Context) (int, bool) {
		stale <- cx.Waker()
		return 0, true
	}))
	(<-stale).Wake()
	if v, err := gowait.Wait[int](context.Background(), g); v != 7 || err != nil {
		t.Fatal(v, err)
	}
}

func TestWaitDoesNotAllocateWhenReadyAtOnce(t *testing.T) {
	f := future.Ready(3)
	n := testing.AllocsPerRun(100, func() {
		_, _ = gowait.Wait[int](context.Background(), f)
	})
	if n > 1 {
		t.Fatalf("Wait allocates %v times", n)
	}
}
