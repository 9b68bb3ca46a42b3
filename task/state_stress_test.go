package task

import (
	"sync"
	"sync/atomic"
	"testing"

	"github.com/weftrt/weft/future"
)

// The CAS loops of state.go retry only under contention, which the
// sequential tests never create. These tests race real goroutines on one
// word; run them with -race.

func stressRounds(n int) int {
	if testing.Short() {
		return n / 10
	}
	return n
}

// TestConcurrentWakesOfAnIdleTaskSubmitOnce: of many wakes racing on an idle
// task, exactly one schedules it, and only one reference is added.
func TestConcurrentWakesOfAnIdleTaskSubmitOnce(t *testing.T) {
	const wakers = 8
	for round := range stressRounds(2000) {
		var st state
		st.v.Store(uint64(word(2, tJI)))
		var submits atomic.Int32
		var start, done sync.WaitGroup
		start.Add(1)
		for range wakers {
			done.Add(1)
			go func() {
				defer done.Done()
				start.Wait()
				if st.toNotifiedByRef(0) == notifySubmit {
					submits.Add(1)
				}
			}()
		}
		start.Done()
		done.Wait()
		if n := submits.Load(); n != 1 {
			t.Fatalf("round %d: %d wakes submitted", round, n)
		}
		if got, want := st.load(), word(3, tN, tJI); got != want {
			t.Fatalf("round %d: word %v, want %v", round, got, want)
		}
	}
}

// TestConcurrentWakeAbortShutdownAndPollKeepTheCount runs, on the real
// atomic word, a worker that polls the task whenever it holds a Notified,
// wakers and an aborter that create Notifieds, and a shutdown that takes the
// list entry. Whatever the interleaving, the task ends complete and
// cancelled, exactly one goroutine completed it, every Notified was run, and
// the count is the JoinHandle's one reference.
func TestConcurrentWakeAbortShutdownAndPollKeepTheCount(t *testing.T) {
	const wakers, wakes = 3, 40
	totalPolls, totalStale, byShutdown := 0, 0, 0
	for round := range stressRounds(300) {
		var st state
		st.v.Store(uint64(initialState)) // list entry, first Notified, JoinHandle
		var listed atomic.Bool           // the list entry; whoever clears it owns its reference
		listed.Store(true)
		queue := make(chan struct{}, wakers*wakes+8)
		queue <- struct{}{}
		var inFlight atomic.Int64 // Notifieds created and not yet run
		inFlight.Store(1)
		submit := func() {
			inFlight.Add(1)
			queue <- struct{}{}
		}
		var completions atomic.Int32
		// complete is the end of harness.go's complete() for a holder of
		// RUNNING: the list's reference goes with ours if still listed.
		complete := func() {
			st.toComplete()
			n := uint64(1)
			if listed.CompareAndSwap(true, false) {
				n = 2
			}
			if st.toTerminal(n) {
				t.Errorf("round %d: completion released the JoinHandle's reference", round)
			}
			completions.Add(1)
		}

		var actors sync.WaitGroup
		wake := func(k int) {
			for range k {
				if st.toNotifiedByRef(0) == notifySubmit {
					submit()
				}
			}
		}
		for range wakers {
			actors.Add(1)
			go func() {
				defer actors.Done()
				wake(wakes)
			}()
		}
		actors.Add(2)
		go func() {
			defer actors.Done()
			wake(wakes / 2)
			if st.toNotifiedAndCancel(0) {
				submit()
			}
		}()
		shutdownCompleted := false
		go func() {
			defer actors.Done()
			wake(wakes / 2)
			if !listed.CompareAndSwap(true, false) {
				return // completed and released already
			}
			if st.toShutdown() {
				complete()
				shutdownCompleted = true
				return
			}
			if st.refDec() {
				t.Errorf("round %d: the list entry held the last reference", round)
			}
		}()

		stopped := make(chan struct{})
		go func() {
			actors.Wait()
			close(stopped)
		}()

		polls, stale := 0, 0
	worker:
		for {
			select {
			case <-queue:
			case <-stopped:
				if inFlight.Load() == 0 {
					break worker
				}
				<-queue
			}
			inFlight.Add(-1)
			switch st.toRunning() {
			case runningSuccess:
				polls++
				switch st.toIdle() {
				case idleOK:
				case idleOKNotified:
					submit()
				case idleCancelled:
					complete()
				default:
					t.Fatalf("round %d: the poll reference was the last", round)
				}
			case runningCancelled:
				complete()
			case runningFailed:
				stale++
			case runningDealloc:
				t.Fatalf("round %d: a stale run released the task", round)
			}
		}
		s := st.load()
		if !s.IsComplete() || !s.IsCancelled() || s.IsRunning() || s.RefCount() != 1 || !s.IsJoinInterested() ||
			completions.Load() != 1 || listed.Load() {
			t.Fatalf("round %d: final word %v, %d completions, listed %v, after %d polls and %d stale runs",
				round, s, completions.Load(), listed.Load(), polls, stale)
		}
		totalPolls += polls
		totalStale += stale
		if shutdownCompleted {
			byShutdown++
		}
	}
	t.Logf("%d polls, %d stale runs, %d tasks completed by the shutdown", totalPolls, totalStale, byShutdown)
}

// TestConcurrentJoinWakerSwapsAgainstCompletion polls a real JoinHandle in a
// tight loop, alternating two wakers so that every poll takes the slot back
// (unsetWaker) and publishes it again (setJoinWaker), while another goroutine
// runs the task to completion. The race detector checks the accesses to the
// slot (a plain field guarded only by JOIN_WAKER); the test checks that the
// handle gets the value and that nothing is left behind.
func TestConcurrentJoinWakerSwapsAgainstCompletion(t *testing.T) {
	for round := range stressRounds(2000) {
		e := &seqEnv{mode: futReadyAtOnce}
		o := NewOwnedTasks(1)
		s := &seqScheduler{o: o, e: e}
		jh, n, ok := Bind[*seqFuture, *seqOut](o, &seqFuture{e: e}, s, Options{})
		if !ok {
			t.Fatal("bind refused")
		}
		var w [2]countWaker
		cx := [2]*future.Context{future.NewContext(future.NewWaker(&w[0])), future.NewContext(future.NewWaker(&w[1]))}

		ran := make(chan struct{})
		go func() {
			defer close(ran)
			o.AssertOwner(n).Run(future.NewContext(future.Noop()))
		}()
		for polls := 0; ; polls++ {
			res, ready := jh.Poll(cx[polls%2])
			if ready {
				if res.Err != nil || res.Value == nil {
					t.Fatalf("round %d: joined %v", round, res)
				}
				break
			}
		}
		<-ran
		if !jh.slot.waker.IsZero() || jh.c.hdr.join != nil {
			t.Fatalf("round %d: join-waker slot not empty", round)
		}
		if st := jh.c.hdr.State(); st.RefCount() != 0 || jh.c.hdr.sched != nil {
			t.Fatalf("round %d: not released: %v", round, st)
		}
		if e.futDrops != 1 || e.outDrops != 0 {
			t.Fatalf("round %d: future dropped %d times, output %d", round, e.futDrops, e.outDrops)
		}
	}
}
