package weft

import (
	"fmt"
	"runtime/debug"

	"github.com/weftrt/weft/task"
)

// guardHook wraps a worker hook (WithWorkerHooks) so that a panic in it is
// handled like a task's: reported to the runtime's panic policy, after which
// the worker carries on. kind names the hook in the report. A hook is user
// code; unwrapped, its panic reached the worker's own recover, which takes
// every panic for a bug in weft and re-panics, killing the process.
func (h *Handle) guardHook(kind string, f func(worker int)) func(worker int) {
	if f == nil {
		return nil
	}
	return func(worker int) {
		defer func() {
			if r := recover(); r != nil {
				h.hookPanicked(&hookPanic{hook: kind, worker: worker, value: r}, debug.Stack())
			}
		}()
		f(worker)
	}
}

// hookPanicked reports a worker hook's panic as a task panic of no task (ID
// 0): with CapturePanics nothing more happens (there is no JoinHandle to
// carry it); with ShutdownOnPanic the runtime shuts down, and BlockOn and
// Shutdown return a *PanicShutdownError holding it.
func (h *Handle) hookPanicked(p *hookPanic, stack []byte) {
	h.onPanic(task.NewPanicError(0, p, stack))
}

// hookPanic is the panic value reported for a worker hook that panicked. It
// unwraps to the hook's panic value when that is an error.
type hookPanic struct {
	hook   string
	worker int
	value  any
}

func (p *hookPanic) Error() string {
	return fmt.Sprintf("weft: the %s hook of worker %d panicked: %v", p.hook, p.worker, p.value)
}

func (p *hookPanic) Unwrap() error {
	err, _ := p.value.(error)
	return err
}
