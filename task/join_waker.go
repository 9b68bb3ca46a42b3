package task

/*
The join waker is the Waker of whoever awaits a JoinHandle. It lives in the
JoinHandle (joinSlot, which Header.join points at: a task without a handle
spends 8 header bytes on it rather than the 24 of a Waker), and two parties
want it: the JoinHandle, which stores and
replaces it, and the completing goroutine, which wakes it. The JOIN_WAKER bit
decides who may touch the slot:

 1. JOIN_WAKER starts clear.
 2. While JOIN_WAKER is clear, the JoinHandle has exclusive access to the slot:
    it may read and write it.
 3. While JOIN_WAKER is set, the JoinHandle may only read the slot.
 4. While JOIN_WAKER and COMPLETE are both set, the completing goroutine may
    read the slot (to wake it).
 5. To write the slot the JoinHandle (i) clears JOIN_WAKER if it is set, with
    a CAS that fails if COMPLETE is set, (ii) writes the slot, and (iii) sets
    JOIN_WAKER with a CAS that fails if COMPLETE is set. When letting go of the
    task it does only (i) and then clears the slot.
 6. The JoinHandle changes JOIN_WAKER only while COMPLETE is clear; the
    completing goroutine changes it only once COMPLETE is set.
 7. If JOIN_INTEREST is already clear in the word toComplete returns, the
    completing goroutine has exclusive access to the output and drops it.
    The completing goroutine has the slot only if it saw JOIN_WAKER set in
    toComplete and JOIN_INTEREST clear in unsetWakerAfterComplete; then it
    clears the slot. Otherwise the output and the slot stay the JoinHandle's
    (the slot by rule 2 once JOIN_WAKER is clear), and the handle takes or
    drops them when it lets go, also when that is after COMPLETE was set.

What can fail in a race: if the task completes between steps (i) and (iii),
step (iii) fails; the slot was never published, so the handle clears it itself
and reads the output, which is ready. The completing goroutine never touches
the slot unless it saw JOIN_WAKER set in the same atomic operation that set
COMPLETE (transitionToComplete's snapshot).

In Go memory-model terms: the handle's write of the slot happens before its
CAS that sets JOIN_WAKER (program order), and that CAS is observed by the
completing goroutine's toComplete, so the write happens before the wake reads
the slot. Conversely the completer's output store happens before toComplete,
which the handle observes before it reads the output.

Mirrors tokio runtime/task/harness.rs can_read_output and set_join_waker.
*/

import "github.com/weftrt/weft/future"

// joinSlot is the join-waker slot, kept in the JoinHandle.
type joinSlot struct {
	waker future.Waker
}

// canReadOutput reports whether the output is ready to be taken; if not, it
// leaves w registered so that completion wakes it. Called only by the
// JoinHandle.
func (h *Header) canReadOutput(w future.Waker) bool {
	s := h.state.load()
	if s.IsComplete() {
		return true
	}
	var registered bool
	if s.IsJoinWakerSet() {
		// Rule 3: reading is allowed.
		if h.join.waker.WillWake(w) {
			return false
		}
		// Rule 5 (i): take the slot back; fails if COMPLETE meanwhile.
		registered = h.state.unsetWaker() && h.setJoinWaker(w)
	} else {
		// Rule 2: the slot is ours.
		registered = h.setJoinWaker(w)
	}
	if registered {
		return false
	}
	// Every failure above means the task completed meanwhile.
	return true
}

// setJoinWaker does rule 5 (ii) and (iii): write the slot and publish it. If
// the task completed meanwhile the slot was never published, so the handle
// still owns it and clears it.
func (h *Header) setJoinWaker(w future.Waker) bool {
	h.join.waker = w
	if h.state.setJoinWaker() {
		return true
	}
	h.join.waker = future.Waker{}
	return false
}
