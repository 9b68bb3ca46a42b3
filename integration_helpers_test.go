package weft_test

// Helpers of the integration tests (integration_*_test.go), which run the
// primitives on a real runtime (issue #4). They carry the integ prefix
// because other files of this test package come from other parts of weft;
// the shared machinery is in internal/rttest.

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/weftrt/weft/future"
)

// integShort picks the smaller of two sizes under -short.
func integShort(full, short int) int {
	if testing.Short() {
		return short
	}
	return full
}

// integGateValue waits for a gate and then returns v.
type integGateValue struct {
	g *gate
	v int
}

func (f integGateValue) Poll(cx *future.Context) (int, bool) {
	if _, ok := f.g.Poll(cx); !ok {
		return 0, false
	}
	return f.v, true
}

func (f integGateValue) Drop() { f.g.Drop() }

// integCountingCtx is a context whose AfterFunc registrations are counted:
// context.AfterFunc on it goes through its AfterFunc method (its Value hides
// the parent's cancelCtx, so the context package cannot bypass the method),
// so a test can tell that every registration was stopped or has run.
type integCountingCtx struct {
	context.Context
	live atomic.Int64 // registrations neither stopped nor run
}

func (c *integCountingCtx) Value(any) any { return nil }

func (c *integCountingCtx) AfterFunc(f func()) func() bool {
	c.live.Add(1)
	var once sync.Once
	end := func() { once.Do(func() { c.live.Add(-1) }) }
	stop := context.AfterFunc(c.Context, func() {
		end()
		f()
	})
	return func() bool {
		stopped := stop()
		if stopped {
			end()
		}
		return stopped
	}
}
