package multithread

import (
	"context"
	"sync/atomic"
	"testing"
	"time"
)

// A LIFO task cut because tasks from outside the workers wait runs after
// every one of them, not after the first ("Remote tasks" in worker.go): it
// waits aside until the worker has nothing else to run. At the back of the
// local queue it ran after the first task of the worker's share, and each
// share of remote tasks cost a poll of the chain.
func TestACutLIFOTaskWaitsUntilTheRemoteTasksHaveRun(t *testing.T) {
	s := oneWorker(t)
	order := make(chan string, 5)
	spawnOn(t, s, func() {
		for _, name := range []string{"injected1", "injected2", "injected3"} {
			s.scheduleRemote(bindOn(s, func() { order <- name }))
		}
		s.Spawn(bindOn(s, func() { order <- "lifo" })) // on the worker: the LIFO slot
		order <- "first"
	})
	want := []string{"first", "injected1", "injected2", "injected3", "lifo"}
	for i, w := range want {
		if got := <-order; got != w {
			t.Fatalf("poll %d was %q, want %q (want the order %v)", i, got, w, want)
		}
	}
}

// A chain cut for remote tasks goes on while remote tasks keep coming: its
// task waits aside for at most yieldSlice, not until the inject queue is
// empty, which here it never is (every remote task schedules another from
// outside the workers before it ends).
func TestACutLIFOChainGoesOnWhileRemoteTasksKeepComing(t *testing.T) {
	s := oneWorker(t)
	var stop atomic.Bool
	defer stop.Store(true)
	var remote func()
	remote = func() {
		if !stop.Load() {
			s.scheduleRemote(bindOn(s, remote))
		}
	}
	const links = 20
	var chained atomic.Int32
	done := make(chan struct{})
	var link func()
	link = func() {
		if chained.Add(1) == links {
			close(done)
			return
		}
		s.Spawn(bindOn(s, link)) // on the worker: the LIFO slot
	}
	spawnOn(t, s, func() {
		for range 4 {
			s.scheduleRemote(bindOn(s, remote))
		}
		s.Spawn(bindOn(s, link))
	})
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatalf("the chain made %d of %d links in 30 s while remote tasks kept coming", chained.Load(), links)
	}
}

// A worker whose task woke a goroutine sleeping in BlockOn, and that has
// nothing left to run but the chain it cut for remote tasks, gives its P
// up before the chain goes on ("Sharing the Ps" in worker.go): the chain's
// next poll may take long, and the BlockOn waits on this P. Giving the P up
// starts a new batch, with no hand-off pending.
func TestAWorkerGivesItsPUpToAWokenBlockOnBeforeItsCutChain(t *testing.T) {
	s, cx := sleepingBlockOn(t)
	woke := make(chan bool, 1)
	chain := make(chan bool, 1)
	spawnOn(t, s, func() {
		w := s.currentWorker()
		s.scheduleRemote(bindOn(s, func() {
			cx.Waker().Wake()
			woke <- w.handOffPending
		}))
		s.Spawn(bindOn(s, func() { chain <- w.handOffPending })) // the LIFO slot: cut
	})
	if !<-woke {
		t.Fatal("the wake, with a cut chain waiting, set no hand-off")
	}
	if <-chain {
		t.Fatal("the cut chain went on with the hand-off still pending")
	}
	if err := s.Wait(context.Background(), cx); err != nil {
		t.Fatalf("Wait: %v", err)
	}
}
