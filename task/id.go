package task

import (
	"strconv"
	"sync/atomic"

	"github.com/weftrt/weft/future"
)

// ID identifies a task for the life of the process.
//
// IDs come from one process-wide counter that starts at 1; 0 is never a
// task's ID. An ID is never reused (the counter would need 2^64 spawns to
// wrap). Treat IDs as opaque: that they count up is not a promise.
type ID uint64

// String returns the ID as a decimal number.
func (id ID) String() string { return strconv.FormatUint(uint64(id), 10) }

var nextID atomic.Uint64

// reserveIDs reserves n consecutive fresh IDs and returns the first.
func reserveIDs(n uint64) ID {
	for {
		if last := nextID.Add(n); last >= n {
			return ID(last - n + 1)
		}
		// The counter wrapped through 0 (after 2^64 IDs): skip the block.
	}
}

// NextID returns a fresh ID. Schedulers that build tasks with [Bind],
// [BindLocal] or [NewUnowned] get one assigned; NextID is for code that
// needs an ID ahead of the task.
func NextID() ID {
	for {
		if id := ID(nextID.Add(1)); id != 0 {
			return id
		}
	}
}

// CurrentID returns the ID of the task whose poll cx belongs to, and false
// when cx is not a task's (a future driven by future.Block, or the main future
// of a BlockOn).
func CurrentID(cx *future.Context) (ID, bool) {
	id := cx.TaskID()
	return ID(id), id != 0
}
