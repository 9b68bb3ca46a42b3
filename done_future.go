package weft

import (
	"context"
	"sync"

	"github.com/weftrt/weft/future"
)

// DoneFuture is the future returned by [Done]. It implements
// [future.Dropper]: dropping it releases its hold on the context.
type DoneFuture struct {
	ctx  context.Context
	stop func() bool // stops the AfterFunc; nil when ctx can never be done

	mu    sync.Mutex
	waker future.Waker // guarded by mu
}

// Done returns a future that completes with ctx.Err() once ctx is done, so a
// task can await a context (and select between it and other futures). The
// future watches ctx with context.AfterFunc, which holds no goroutine until
// ctx is done; Drop stops it, so a dropped DoneFuture leaves nothing behind.
// A DoneFuture of a context that can never be done (context.Background) never
// completes and registers nothing. Done panics if ctx is nil.
//
// The cancellation of ctx happens before the poll that reports it.
func Done(ctx context.Context) *DoneFuture {
	if ctx == nil {
		panic("weft: Done of a nil context")
	}
	d := &DoneFuture{ctx: ctx}
	if ctx.Done() != nil && ctx.Err() == nil {
		d.stop = context.AfterFunc(ctx, d.wake)
	}
	return d
}

// wake runs once ctx is done, on a goroutine of its own.
func (d *DoneFuture) wake() {
	d.mu.Lock()
	w := d.waker
	d.mu.Unlock()
	w.Wake()
}

// Poll reports ctx.Err() once ctx is done; before that it registers cx's
// waker. Poll consumes one unit of the task's budget when it completes.
func (d *DoneFuture) Poll(cx *future.Context) (error, bool) {
	done := d.ctx.Done()
	if !doneFutureClosed(done) {
		if d.stop == nil {
			return nil, false // ctx can never be done
		}
		w := cx.Waker()
		d.mu.Lock()
		if !d.waker.WillWake(w) {
			d.waker = w
		}
		d.mu.Unlock()
		// If the AfterFunc ran before the waker was stored, it woke the old
		// one; look again so that this poll's waker is not missed.
		if !doneFutureClosed(done) {
			return nil, false
		}
	}
	if !cx.ConsumeBudget() {
		return nil, false
	}
	return d.ctx.Err(), true
}

// Drop stops watching the context.
func (d *DoneFuture) Drop() {
	if d.stop != nil {
		d.stop()
	}
	d.mu.Lock()
	d.waker = future.Waker{}
	d.mu.Unlock()
}

// String describes the future for task dumps: "Done(ctx)", or
// "Done(ctx: context canceled)" once the context is done.
func (d *DoneFuture) String() string {
	if err := d.ctx.Err(); err != nil {
		return "Done(ctx: " + err.Error() + ")"
	}
	return "Done(ctx)"
}

// doneFutureClosed reports whether a Done channel is closed.
func doneFutureClosed(done <-chan struct{}) bool {
	select {
	case <-done:
		return true
	default:
		return false
	}
}
