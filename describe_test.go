package weft_test

import (
	"context"
	"testing"
	"time"

	"github.com/weftrt/weft"
	"github.com/weftrt/weft/future"
)

func TestLeafFuturesDescribeWhatTheyWaitFor(t *testing.T) {
	rt := newRuntime(t, weft.WithCurrentThread())
	jh := weft.Spawn(rt, future.Pending[int]())
	if got, want := jh.String(), "JoinHandle(task "+jh.ID().String()+": queued)"; got != want {
		t.Errorf("JoinHandle.String = %q, want %q", got, want)
	}
	jh.Abort()
	if _, err := weft.BlockOn(context.Background(), rt, jh); err != nil {
		t.Fatal(err)
	}
	if got, want := jh.String(), "JoinHandle(task "+jh.ID().String()+": joined)"; got != want {
		t.Errorf("JoinHandle.String after Join = %q, want %q", got, want)
	}

	tok := weft.NewCancellationToken()
	cf := tok.Cancelled()
	defer cf.Drop()
	ctx, cancel := context.WithCancel(context.Background())
	df := weft.Done(ctx)
	defer df.Drop()
	iv := weft.Interval(time.Second)
	tick := iv.Tick()
	defer tick.Drop()
	for _, c := range []struct {
		got, want string
	}{
		{cf.String(), "CancellationToken.Cancelled"},
		{df.String(), "Done(ctx)"},
		{tick.String(), iv.String()},
		{future.TraceOf(weft.Timeout(time.Hour, future.Pending[int]())).String(), "Timeout(1h0m0s, not polled){Pending (never completes)}"},
	} {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
	tok.Cancel()
	cancel()
	if got := cf.String(); got != "CancellationToken.Cancelled (cancelled)" {
		t.Errorf("after Cancel: %q", got)
	}
	if got := df.String(); got != "Done(ctx: context canceled)" {
		t.Errorf("after cancel: %q", got)
	}
}

func TestAsyncTraceFollowsTheBodysLife(t *testing.T) {
	rt := newRuntime(t, weft.WithCurrentThread())
	n := weft.NewNotify()
	f := weft.Async(func(a *weft.A) int { return asyncDumpWaiter(a, n) })
	if got := future.TraceOf(f).String(); got != "Async(not started)" {
		t.Errorf("before the first poll: %q", got)
	}
	// Poll it once inside the runtime, where it suspends.
	jh := weft.Spawn(rt, future.Select2[int, struct{}](f, weft.YieldNow()))
	if _, err := weft.BlockOn(context.Background(), rt, jh); err != nil {
		t.Fatal(err)
	}
	// Select dropped the Async when YieldNow won.
	if got := future.TraceOf(f).String(); got != "Async(dropped)" {
		t.Errorf("after Drop: %q", got)
	}
	g := weft.Async(func(a *weft.A) int { return 7 })
	if _, err := weft.BlockOn(context.Background(), rt, g); err != nil {
		t.Fatal(err)
	}
	if got := future.TraceOf(g).String(); got != "Async(done)" {
		t.Errorf("after completion: %q", got)
	}
}
