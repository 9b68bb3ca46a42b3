package weft

import (
	"context"
	"testing"

	"github.com/weftrt/weft/future"
)

// A task that completes after its entry registered as the join waker but
// before the entry is linked (an insert racing the task) must still be
// reported: the wake finds the entry joinSetInserting, and link then puts it
// straight into the notified list. If link ignored the early wake the entry
// would sit in idle forever and JoinNext would never return it. The window
// is too narrow for the stress test to hit reliably, so this test opens it
// by hand.
func TestJoinSetWakeBetweenRegisterAndLinkIsNotLost(t *testing.T) {
	rt, err := New(WithCurrentThread())
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close()
	n := NewNotify()
	nf := n.Notified()
	h := Spawn(rt, future.PollFunc(func(cx *future.Context) (int, bool) {
		_, ok := nf.Poll(cx)
		return 7, ok
	}))
	js := NewJoinSet[int]()
	defer js.Close()

	e := js.register(h) // the task has not run: the entry waker is registered
	if e.early != nil || e.state != joinSetInserting {
		t.Fatalf("after register: early %v, state %d", e.early, e.state)
	}
	n.NotifyOne()
	// Run the task to completion; its completion wakes the unlinked entry.
	_, err = BlockOn(context.Background(), rt, future.PollFunc(func(cx *future.Context) (struct{}, bool) {
		js.mu.Lock()
		woke := e.state == joinSetWokeEarly
		js.mu.Unlock()
		if !woke {
			cx.Waker().Wake()
		}
		return struct{}{}, woke
	}))
	if err != nil {
		t.Fatal(err)
	}
	if ah := js.link(e); ah.ID() != h.ID() {
		t.Fatalf("link returned the AbortHandle of %v, want %v", ah.ID(), h.ID())
	}
	if got := JoinSetFinishedForTest(js); got != 1 {
		t.Fatalf("%d notified entries after link, want 1", got)
	}
	id, v, err := js.TryJoinNext()
	if err != nil || v != 7 || id != h.ID() {
		t.Fatalf("TryJoinNext: %v %v %v", id, v, err)
	}
}

// A second wake of a notified entry, and a wake that arrives after the entry
// left the set, change nothing: no entry is linked twice, the counts stay
// right, and the consumer is not woken for nothing.
func TestJoinSetExtraWakesOfAnEntryAreIgnored(t *testing.T) {
	rt, err := New(WithCurrentThread())
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close()
	js := NewJoinSet[int]()
	defer js.Close()
	SpawnInto(js, rt, future.Ready(1))
	if _, err := BlockOn(context.Background(), rt, js.JoinNext()); err != nil {
		t.Fatal(err)
	}
	SpawnInto(js, rt, future.Ready(2))
	consumer := &countWaker{}
	cx := future.NewContext(future.NewWaker(consumer))
	// Register the consumer, then let the task finish.
	if _, ok := js.PollJoinNext(cx); ok {
		t.Fatal("ready before the task ran")
	}
	if _, err := BlockOn(context.Background(), rt, future.PollFunc(func(cx *future.Context) (struct{}, bool) {
		if JoinSetFinishedForTest(js) == 1 {
			return struct{}{}, true
		}
		cx.Waker().Wake()
		return struct{}{}, false
	})); err != nil {
		t.Fatal(err)
	}
	if consumer.n != 1 {
		t.Fatalf("consumer woken %d times by one completion", consumer.n)
	}
	js.mu.Lock()
	e := js.mu.notified.tail
	js.mu.Unlock()
	e.Wake(0) // a second wake while notified
	if js.Len() != 1 || JoinSetFinishedForTest(js) != 1 || consumer.n != 1 {
		t.Fatalf("second wake: Len %d, finished %d, consumer woken %d times", js.Len(), JoinSetFinishedForTest(js), consumer.n)
	}
	if r, ok := js.PollJoinNext(cx); !ok || r.Value != 2 {
		t.Fatalf("PollJoinNext: %+v %v", r, ok)
	}
	e.Wake(0) // a wake after removal
	if js.Len() != 0 || JoinSetFinishedForTest(js) != 0 || e.prev != nil || e.next != nil || consumer.n != 1 {
		t.Fatalf("late wake: Len %d, finished %d, consumer woken %d times", js.Len(), JoinSetFinishedForTest(js), consumer.n)
	}
}

type countWaker struct{ n int }

func (w *countWaker) Wake(uint64) { w.n++ }
