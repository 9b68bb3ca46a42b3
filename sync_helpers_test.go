package weft_test

// Helpers shared by the tests of Notify, Mutex, RwLock, Semaphore and
// Barrier. They carry the sync prefix because other files of this test
// package come from other parts of weft.

import (
	"strings"
	"testing"

	"github.com/weftrt/weft/future"
)

// syncMustPanic runs f and fails unless it panics with a message that
// contains want.
func syncMustPanic(t *testing.T, want string, f func()) {
	t.Helper()
	defer func() {
		t.Helper()
		r := recover()
		if r == nil {
			t.Fatalf("no panic, want one containing %q", want)
		}
		msg, _ := r.(string)
		if err, ok := r.(error); ok {
			msg = err.Error()
		}
		if !strings.Contains(msg, want) {
			t.Fatalf("panic %v, want one containing %q", r, want)
		}
	}()
	f()
}

// syncNoopCx returns a Context whose waker does nothing, for polling a
// future once by hand.
func syncNoopCx() *future.Context { return future.NewContext(future.Noop()) }

// syncCallbackWaker runs fn when woken.
type syncCallbackWaker struct{ fn func() }

func (w *syncCallbackWaker) Wake(uint64) { w.fn() }

func syncCallbackCx(fn func()) *future.Context {
	return future.NewContext(future.NewWaker(&syncCallbackWaker{fn: fn}))
}
