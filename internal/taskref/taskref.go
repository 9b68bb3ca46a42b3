// Package taskref turns a *task.Header back into the task.Notified it was
// taken from, for the multi-thread scheduler's run queue: a lock-free ring
// of atomic pointers, which can hold a *Header but not a Notified (a struct).
//
// Package task exports no such conversion: anyone could forge a Notified
// (a counted reference) from a header and run or drop it twice. The ring
// owns the reference each header in it stands for, since every header in it
// came from a Notified pushed into it and not yet taken out; this package is
// how it hands the reference back. A Notified is a struct holding only the
// *Header, so the conversion reinterprets the pointer in place and inlines;
// TestNotifiedIsOneHeaderPointer checks that layout with reflect.
package taskref

import (
	"unsafe"

	"github.com/weftrt/weft/task"
)

// FromHeader returns the Notified whose Header is h. The caller must own the
// reference h stands for (it took h out of a queue that a Notified went
// into), and gives it to the result.
func FromHeader(h *task.Header) task.Notified {
	return *(*task.Notified)(unsafe.Pointer(&h))
}
