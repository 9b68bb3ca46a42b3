package task

import (
	"strconv"
	"sync/atomic"

	"github.com/weftrt/weft/future"
)

// ID identifies a task for the life of the process.
//
// IDs come from one process-wide counter that starts at 1; 0 is never a
// task's ID. An ID is never reused: IDs stay below 2^61 (a JoinHandle keeps
// flags in the top bits of its ID word), and a process that spawned 2^61
// tasks, 73 years at one spawn a nanosecond, panics rather than reuse one.
// Treat IDs as opaque: that they count up is not a promise.
type ID uint64

// idBits is how many bits a task ID uses; maxID is the largest ID.
const (
	idBits    = 61
	maxID  ID = 1<<idBits - 1
)

// String returns the ID as a decimal number.
func (id ID) String() string { return strconv.FormatUint(uint64(id), 10) }

var nextID atomic.Uint64

// reserveIDs reserves n consecutive fresh IDs and returns the first.
func reserveIDs(n uint64) ID {
	return checkID(nextID.Add(n)) - ID(n) + 1
}

// checkID returns last, the last ID a reservation took, and panics when
// the IDs have run out.
func checkID(last uint64) ID {
	if last > uint64(maxID) {
		panic("task: task IDs exhausted (2^61 spawns)")
	}
	return ID(last)
}

// NextID returns a fresh ID. Schedulers that build tasks with [Bind],
// [BindLocal] or [NewUnowned] get one assigned; NextID is for code that
// needs an ID ahead of the task.
func NextID() ID { return checkID(nextID.Add(1)) }

// CurrentID returns the ID of the task whose poll cx belongs to, and false
// when cx is not a task's (a future driven by future.Block, or the main future
// of a BlockOn).
func CurrentID(cx *future.Context) (ID, bool) {
	id := cx.TaskID()
	return ID(id), id != 0
}
