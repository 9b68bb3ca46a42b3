package task

import "testing"

// TestHandleWordKeepsTheIDApartFromItsFlags checks that the busy flag and
// the handle state, kept above the ID in one word, never change the ID a
// JoinHandle reports, for the largest ID too.
func TestHandleWordKeepsTheIDApartFromItsFlags(t *testing.T) {
	for _, id := range []ID{1, 12345, maxID} {
		var w handleWord
		w.init(id)
		check := func(step string, st handleState) {
			t.Helper()
			if w.id() != id || w.state() != st {
				t.Fatalf("id %d after %s: word reports id %d, state %d; want state %d", id, step, w.id(), w.state(), st)
			}
		}
		check("init", handleLive)
		w.enter()
		check("enter", handleLive)
		w.setState(handleDetached)
		check("setState", handleDetached)
		w.exit()
		check("exit", handleDetached)
		w.enter()
		w.exitAs(handleJoined)
		check("exitAs", handleJoined)
	}
}

// TestHandleWordDetectsASecondUser checks that enter panics while the
// handle is in use, and not after exit.
func TestHandleWordDetectsASecondUser(t *testing.T) {
	var w handleWord
	w.init(7)
	w.enter()
	func() {
		defer func() {
			if r := recover(); r != "task: JoinHandle used by two goroutines at once" {
				t.Fatalf("second enter panicked with %v", r)
			}
		}()
		w.enter()
	}()
	w.exit()
	w.enter() // free again
	w.exit()
	if w.id() != 7 {
		t.Fatalf("id %d after a refused enter, want 7", w.id())
	}
}

// TestTaskIDsRunOutWithAPanicRatherThanAReuse checks the ID bound that the
// JoinHandle's word relies on: an ID above maxID is refused.
func TestTaskIDsRunOutWithAPanicRatherThanAReuse(t *testing.T) {
	if got := checkID(uint64(maxID)); got != maxID {
		t.Fatalf("checkID(maxID) = %d", got)
	}
	defer func() {
		if r := recover(); r != "task: task IDs exhausted (2^61 spawns)" {
			t.Fatalf("checkID(maxID+1) panicked with %v", r)
		}
	}()
	checkID(uint64(maxID) + 1)
	t.Fatal("checkID(maxID+1) returned")
}
