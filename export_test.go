package weft

import "github.com/weftrt/weft/internal/timer"

// TimerDriverOf returns rt's timer driver, for tests that count its
// entries (Handle no longer exports it).
func TimerDriverOf(rt *Runtime) *timer.Driver { return rt.h.timer }

// JoinSetFinishedForTest returns how many entries of js are in its notified
// list: tasks whose completion has reached the set. A task's IsFinished turns
// true a moment before its completion wakes the entry, so tests that need a
// result to be waiting wait for this count instead.
func JoinSetFinishedForTest[T any](js *JoinSet[T]) int {
	js.mu.Lock()
	defer js.mu.Unlock()
	return js.mu.notified.n
}
