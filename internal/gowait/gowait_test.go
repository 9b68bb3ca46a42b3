package gowait_test

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"

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
	g := &gate{open: make(chan struct{}), waker: make(chan future.Waker, 2)}
	go func() {
		w := <-g.waker
		for w.IsZero() { // the first poll's waker wakes nothing
			w = <-g.waker
		}
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

// TestWaitInsideAndOutsideSynctestBubbles waits in a bubble, wakes the
// bubble's waker late, and waits outside: with Signals shared between Waits
// the runtime would abort with "send on synctest channel from outside bubble".
func TestWaitInsideAndOutsideSynctestBubbles(t *testing.T) {
	var late future.Waker
	for range 3 {
		synctest.Test(t, func(t *testing.T) {
			g := &gate{open: make(chan struct{}), waker: make(chan future.Waker, 2)}
			go func() {
				<-g.waker // the first poll's waker (wakes nothing)
				w := <-g.waker
				close(g.open)
				w.Wake()
			}()
			if v, err := gowait.Wait[int](context.Background(), g); v != 7 || err != nil {
				t.Fatal(v, err)
			}
		})
		g := &gate{open: make(chan struct{}), waker: make(chan future.Waker, 2)}
		done := make(chan struct{})
		go func() {
			<-g.waker
			w := <-g.waker
			late = w
			close(g.open)
			w.Wake()
			close(done)
		}()
		if v, err := gowait.Wait[int](context.Background(), g); v != 7 || err != nil {
			t.Fatal(v, err)
		}
		<-done
	}
	late.Wake() // a late wake of an outside Signal: harmless
}

// TestWaitRepollsWithARealWaker checks that a future pending at the first
// poll is polled again with a waker that wakes the waiting goroutine.
func TestWaitRepollsWithARealWaker(t *testing.T) {
	g := &gate{open: make(chan struct{}), waker: make(chan future.Waker, 2)}
	go func() {
		first := <-g.waker
		if !first.IsZero() {
			panic("first poll should carry the zero waker")
		}
		w := <-g.waker
		close(g.open)
		w.Wake()
	}()
	if v, err := gowait.Wait[int](context.Background(), g); v != 7 || err != nil || g.dropped != 1 {
		t.Fatal(v, err, g.dropped)
	}
}

func TestWaitDoesNotAllocateWhenReadyAtOnce(t *testing.T) {
	f := future.Ready(3)
	n := testing.AllocsPerRun(100, func() {
		_, _ = gowait.Wait[int](context.Background(), f)
	})
	if n != 0 {
		t.Fatalf("Wait allocates %v times", n)
	}
}
