package weft_test

// Behaviour cases ported from tokio tests/sync_notify.rs and
// src/sync/tests/notify.rs (names follow what each checks), then cases of
// our own for Drop, budget, allocation and the Go-specific API.

import (
	"context"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/weftrt/weft"
	"github.com/weftrt/weft/future"
	"github.com/weftrt/weft/internal/mocktask"
)

type notifyTask = mocktask.Task[struct{}]

func notifySpawn(n *weft.Notify) (*notifyTask, *weft.NotifiedFuture) {
	f := n.Notified()
	return mocktask.Spawn[struct{}](f), f
}

func notifyReady(t *testing.T, task *notifyTask, what string) {
	t.Helper()
	if _, ok := task.Poll(); !ok {
		t.Fatalf("%s: pending, want ready", what)
	}
}

func notifyPending(t *testing.T, task *notifyTask, what string) {
	t.Helper()
	if _, ok := task.Poll(); ok {
		t.Fatalf("%s: ready, want pending", what)
	}
}

func TestNotifyOneBeforeFirstPollIsReceived(t *testing.T) {
	var n weft.Notify // the zero Notify is usable
	task, _ := notifySpawn(&n)
	n.NotifyOne()
	notifyReady(t, task, "notified")
}

func TestNotifyOneWakesOldestWaiter(t *testing.T) {
	n := weft.NewNotify()
	t1, _ := notifySpawn(n)
	t2, _ := notifySpawn(n)
	notifyPending(t, t1, "t1")
	notifyPending(t, t2, "t2")
	n.NotifyOne()
	if !t1.IsWoken() || t2.IsWoken() {
		t.Fatalf("woken: t1 %v t2 %v, want only t1", t1.IsWoken(), t2.IsWoken())
	}
	notifyReady(t, t1, "t1")
	notifyPending(t, t2, "t2")
	t2.Drop()
}

func TestNotifyLastWakesNewestWaiter(t *testing.T) {
	n := weft.NewNotify()
	t1, _ := notifySpawn(n)
	t2, _ := notifySpawn(n)
	notifyPending(t, t1, "t1")
	notifyPending(t, t2, "t2")
	n.NotifyLast()
	if t1.IsWoken() || !t2.IsWoken() {
		t.Fatalf("woken: t1 %v t2 %v, want only t2", t1.IsWoken(), t2.IsWoken())
	}
	notifyPending(t, t1, "t1")
	notifyReady(t, t2, "t2")
	t1.Drop()
}

func TestNotifiedThenNotifyOneWakes(t *testing.T) {
	n := weft.NewNotify()
	task, _ := notifySpawn(n)
	notifyPending(t, task, "notified")
	n.NotifyOne()
	if !task.IsWoken() {
		t.Fatal("not woken")
	}
	notifyReady(t, task, "notified")
}

func TestNotifyOneStoresOnePermitForTheNextNotified(t *testing.T) {
	n := weft.NewNotify()
	n.NotifyOne()
	n.NotifyOne() // still one permit
	t1, _ := notifySpawn(n)
	t2, _ := notifySpawn(n)
	notifyReady(t, t1, "t1 takes the permit")
	notifyPending(t, t2, "t2 finds none")
	n.NotifyOne()
	if !t2.IsWoken() {
		t.Fatal("t2 not woken")
	}
	notifyReady(t, t2, "t2")
}

func TestDroppedWaiterDoesNotTakeTheNextNotification(t *testing.T) {
	n := weft.NewNotify()
	t1, _ := notifySpawn(n)
	t2, _ := notifySpawn(n)
	notifyPending(t, t1, "t1")
	t1.Drop()
	notifyPending(t, t2, "t2")
	n.NotifyOne()
	if !t2.IsWoken() {
		t.Fatal("t2 not woken")
	}
	notifyReady(t, t2, "t2")
	if n.Waiters() != 0 {
		t.Fatalf("Waiters() = %d", n.Waiters())
	}
}

func TestDroppingANotifiedWaiterForwardsNotifyOne(t *testing.T) {
	n := weft.NewNotify()
	t1, _ := notifySpawn(n)
	t2, _ := notifySpawn(n)
	notifyPending(t, t1, "t1")
	notifyPending(t, t2, "t2")
	n.NotifyOne()
	if !t1.IsWoken() || t2.IsWoken() {
		t.Fatal("NotifyOne did not pick t1 alone")
	}
	t1.Drop() // received, never seen: passes on
	if !t2.IsWoken() {
		t.Fatal("the dropped waiter's notification was lost")
	}
	notifyReady(t, t2, "t2")
}

func TestDroppingANotifiedWaiterForwardsNotifyOneInFIFOOrder(t *testing.T) {
	n := weft.NewNotify()
	t1, _ := notifySpawn(n)
	t2, _ := notifySpawn(n)
	t3, _ := notifySpawn(n)
	notifyPending(t, t1, "t1")
	notifyPending(t, t2, "t2")
	notifyPending(t, t3, "t3")
	n.NotifyOne()
	t1.Drop()
	notifyReady(t, t2, "t2, the next oldest")
	notifyPending(t, t3, "t3")
	t3.Drop()
}

func TestDroppingANotifiedWaiterForwardsNotifyLastInLIFOOrder(t *testing.T) {
	n := weft.NewNotify()
	t1, _ := notifySpawn(n)
	t2, _ := notifySpawn(n)
	t3, _ := notifySpawn(n)
	notifyPending(t, t1, "t1")
	notifyPending(t, t2, "t2")
	notifyPending(t, t3, "t3")
	n.NotifyLast()
	t3.Drop()
	notifyReady(t, t2, "t2, the next newest")
	notifyPending(t, t1, "t1")
	t1.Drop()
}

func TestDroppingTheOnlyNotifiedWaiterStoresThePermit(t *testing.T) {
	n := weft.NewNotify()
	t1, _ := notifySpawn(n)
	notifyPending(t, t1, "t1")
	n.NotifyOne()
	t1.Drop()
	t2, _ := notifySpawn(n)
	notifyReady(t, t2, "t2 takes the forwarded permit")
}

func TestDroppingAWaiterNotifiedByNotifyWaitersForwardsNothing(t *testing.T) {
	n := weft.NewNotify()
	t1, _ := notifySpawn(n)
	notifyPending(t, t1, "t1")
	n.NotifyWaiters()
	t2, _ := notifySpawn(n) // created after: not part of that NotifyWaiters
	notifyPending(t, t2, "t2")
	t1.Drop()
	if t2.IsWoken() {
		t.Fatal("a NotifyWaiters notification was forwarded")
	}
	notifyPending(t, t2, "t2")
	t2.Drop()
}

func TestWakerThatNotifiesDoesNotDeadlock(t *testing.T) {
	// Go form of Tokio's notify_in_drop_after_wake: a waker that calls back
	// into the Notify. Wakers run after the lock is released, so this must
	// not deadlock.
	n := weft.NewNotify()
	f := n.Notified()
	calls := 0
	cx := syncCallbackCx(func() {
		calls++
		n.NotifyWaiters()
		n.NotifyOne()
	})
	if _, ok := f.Poll(cx); ok {
		t.Fatal("ready")
	}
	n.NotifyWaiters()
	if calls != 1 {
		t.Fatalf("waker called %d times", calls)
	}
	if _, ok := f.Poll(cx); !ok {
		t.Fatal("not ready after NotifyWaiters")
	}
	// The waker's NotifyOne stored a permit.
	g := n.Notified()
	if !g.Enable() {
		t.Fatal("the permit stored from inside the waker is missing")
	}
}

func TestNotifyOneAfterNotifyWaitersAndDropIsStored(t *testing.T) {
	n := weft.NewNotify()
	t1, _ := notifySpawn(n)
	notifyPending(t, t1, "t1")
	n.NotifyWaiters()
	n.NotifyOne()
	t1.Drop()
	t2, _ := notifySpawn(n)
	notifyReady(t, t2, "t2")
}

func TestNotifyOneBeforeEnableIsReceived(t *testing.T) {
	n := weft.NewNotify()
	task, _ := notifySpawn(n)
	n.NotifyOne()
	notifyReady(t, task, "notified")
}

func TestEnableThenNotifyOne(t *testing.T) {
	n := weft.NewNotify()
	task, f := notifySpawn(n)
	if f.Enable() {
		t.Fatal("Enable reported ready with nothing sent")
	}
	if n.Waiters() != 1 {
		t.Fatalf("Waiters() = %d after Enable, want 1", n.Waiters())
	}
	n.NotifyOne()
	notifyReady(t, task, "notified")
	if !f.Enable() {
		t.Fatal("Enable after completion reported not ready")
	}
}

func TestPollAfterEnableIsPending(t *testing.T) {
	n := weft.NewNotify()
	task, f := notifySpawn(n)
	if f.Enable() {
		t.Fatal("Enable ready")
	}
	notifyPending(t, task, "notified")
	task.Drop()
}

func TestEnableAfterPollIsNotReady(t *testing.T) {
	n := weft.NewNotify()
	task, f := notifySpawn(n)
	notifyPending(t, task, "notified")
	if f.Enable() {
		t.Fatal("Enable ready")
	}
	task.Drop()
}

func TestEnableConsumesThePermit(t *testing.T) {
	n := weft.NewNotify()
	n.NotifyOne()
	f1, f2 := n.Notified(), n.Notified()
	if !f1.Enable() {
		t.Fatal("first Enable did not take the permit")
	}
	if f2.Enable() {
		t.Fatal("second Enable found a permit")
	}
	f2.Drop()
}

func TestEnableRegistersNoWakerButKeepsThePolledOne(t *testing.T) {
	n := weft.NewNotify()
	task, f := notifySpawn(n)
	notifyPending(t, task, "notified")
	f.Enable() // must not replace the task's waker with the zero one
	n.NotifyOne()
	if !task.IsWoken() {
		t.Fatal("Enable after Poll lost the waker")
	}
	notifyReady(t, task, "notified")
}

func TestRepollReplacesTheWaker(t *testing.T) {
	n := weft.NewNotify()
	task, f := notifySpawn(n)
	if _, ok := f.Poll(syncNoopCx()); ok {
		t.Fatal("ready")
	}
	notifyPending(t, task, "notified")
	n.NotifyOne()
	if !task.IsWoken() {
		t.Fatal("the waker of the latest poll was not woken")
	}
	notifyReady(t, task, "notified")
}

func TestUnpolledNotifiedCompletedByNotifyWaitersLeavesThePermit(t *testing.T) {
	n := weft.NewNotify()
	f1 := n.Notified()
	n.NotifyWaiters()
	n.NotifyOne()
	if _, ok := f1.Poll(syncNoopCx()); !ok {
		t.Fatal("a Notified created before NotifyWaiters is pending")
	}
	f2 := n.Notified()
	if _, ok := f2.Poll(syncNoopCx()); !ok {
		t.Fatal("the permit was taken by the future NotifyWaiters completed")
	}
}

func TestNotifiedCreatedAfterNotifyWaitersWaits(t *testing.T) {
	n := weft.NewNotify()
	n.NotifyWaiters()
	task, _ := notifySpawn(n)
	notifyPending(t, task, "NotifyWaiters stores no permit")
	task.Drop()
}

func TestNotifyWaitersWakesEveryWaiter(t *testing.T) {
	n := weft.NewNotify()
	var tasks []*notifyTask
	for range 40 { // more than fit in the inline wake list
		task, _ := notifySpawn(n)
		notifyPending(t, task, "waiter")
		tasks = append(tasks, task)
	}
	n.NotifyWaiters()
	if n.Waiters() != 0 {
		t.Fatalf("Waiters() = %d after NotifyWaiters", n.Waiters())
	}
	for i, task := range tasks {
		if !task.IsWoken() {
			t.Fatalf("waiter %d not woken", i)
		}
		notifyReady(t, task, "waiter")
	}
}

func TestNotifyWaitersWithAPanickingWakerStillServesTheOthers(t *testing.T) {
	n := weft.NewNotify()
	bad := n.Notified()
	if _, ok := bad.Poll(syncCallbackCx(func() { panic("waker panicked") })); ok {
		t.Fatal("ready")
	}
	var tasks []*notifyTask
	for range 32 {
		task, _ := notifySpawn(n)
		notifyPending(t, task, "waiter")
		tasks = append(tasks, task)
	}
	syncMustPanic(t, "waker panicked", n.NotifyWaiters)
	for _, task := range tasks {
		notifyReady(t, task, "waiter")
	}
	if _, ok := bad.Poll(syncNoopCx()); !ok {
		t.Fatal("the future with the panicking waker is not complete")
	}
	if n.Waiters() != 0 {
		t.Fatal("waiters left behind")
	}
}

func TestDroppedNotifiedLeavesNoWaiter(t *testing.T) {
	n := weft.NewNotify()
	never := n.Notified()
	never.Drop() // never polled
	task, _ := notifySpawn(n)
	notifyPending(t, task, "waiter")
	task.Drop()
	if n.Waiters() != 0 {
		t.Fatalf("Waiters() = %d after drop", n.Waiters())
	}
	// The Notify is back to empty: a NotifyOne stores a permit.
	n.NotifyOne()
	t2, _ := notifySpawn(n)
	notifyReady(t, t2, "permit")
}

func TestNotifiedIsFused(t *testing.T) {
	n := weft.NewNotify()
	f := n.Notified()
	n.NotifyOne()
	cx := syncNoopCx()
	for i := range 3 {
		if _, ok := f.Poll(cx); !ok {
			t.Fatalf("poll %d after completion is pending", i)
		}
	}
	f.Drop()
}

func TestNotifiedExhaustedBudgetKeepsTheNotification(t *testing.T) {
	n := weft.NewNotify()
	task, _ := notifySpawn(n)
	notifyPending(t, task, "notified")
	n.NotifyOne()
	task.SetBudget(0)
	notifyPending(t, task, "no budget")
	if !task.IsWoken() {
		t.Fatal("a budget-forced yield must wake the task")
	}
	task.SetBudget(1)
	notifyReady(t, task, "the notification waited for the budget")
	if left, _ := task.Context().Budget(); left != 0 {
		t.Fatalf("budget left %d, want 0", left)
	}
}

func TestNotifiedPendingPollRefundsBudget(t *testing.T) {
	n := weft.NewNotify()
	task, _ := notifySpawn(n)
	task.SetBudget(3)
	notifyPending(t, task, "first")
	notifyPending(t, task, "second")
	if left, _ := task.Context().Budget(); left != 3 {
		t.Fatalf("budget %d after pending polls, want 3", left)
	}
	task.Drop()
}

func TestNotifyPollDoesNotAllocate(t *testing.T) {
	n := weft.NewNotify()
	f := n.Notified()
	cx := syncNoopCx()
	f.Poll(cx)
	if a := testing.AllocsPerRun(100, func() { f.Poll(cx) }); a != 0 {
		t.Fatalf("re-polling a waiting Notified allocates %v times", a)
	}
	if a := testing.AllocsPerRun(100, func() { n.NotifyOne(); n.NotifyOne() }); a != 0 {
		t.Fatalf("NotifyOne allocates %v times", a)
	}
	f.Drop()
}

func TestNotifiedStringSaysWhatItWaitsFor(t *testing.T) {
	n := weft.NewNotify()
	f1, f2 := n.Notified(), n.Notified()
	if s := f1.String(); !strings.HasPrefix(s, "Notify.Notified") || !strings.Contains(s, "not polled") {
		t.Fatalf("String before poll = %q", s)
	}
	cx := syncNoopCx()
	f1.Poll(cx)
	f2.Poll(cx)
	if s := f2.String(); s != "Notify.Notified (waiting, 1 ahead)" {
		t.Fatalf("String of second waiter = %q", s)
	}
	n.NotifyOne()
	if s := f1.String(); !strings.Contains(s, "notified") {
		t.Fatalf("String of served waiter = %q", s)
	}
	f1.Drop()
	f2.Drop()
}

// TestNotifyStressSingleConsumerLosesNoWakeup is the mpsc pattern from
// Tokio's Notify docs on goroutines: producers push and NotifyOne; one
// consumer drains and otherwise awaits Notified. A lost wake-up would leave
// the consumer blocked forever (the test would time out).
func TestNotifyStressSingleConsumerLosesNoWakeup(t *testing.T) {
	producers, items := 4, 2000
	if testing.Short() {
		items = 200
	}
	n := weft.NewNotify()
	var mu sync.Mutex
	var queue []int
	var wg sync.WaitGroup
	for range producers {
		wg.Go(func() {
			for i := range items {
				mu.Lock()
				queue = append(queue, i)
				mu.Unlock()
				n.NotifyOne()
			}
		})
	}
	got := 0
	for got < producers*items {
		mu.Lock()
		k := len(queue)
		queue = queue[:0]
		mu.Unlock()
		got += k
		if k == 0 {
			if _, err := future.Block(context.Background(), n.Notified()); err != nil {
				t.Fatal(err)
			}
		}
	}
	wg.Wait()
	if n.Waiters() != 0 {
		t.Fatalf("Waiters() = %d at the end", n.Waiters())
	}
}

// TestNotifyStressMultiConsumerWithEnable is the mpmc pattern from Tokio's
// Notified.Enable docs: each consumer enables its Notified before it checks
// the queue, so two NotifyOne calls that race two consumers wake both. Every
// item is received exactly once and no consumer hangs.
func TestNotifyStressMultiConsumerWithEnable(t *testing.T) {
	const consumers = 4
	producers, items := 4, 1000
	if testing.Short() {
		items = 100
	}
	n := weft.NewNotify()
	var mu sync.Mutex
	var queue []int
	recv := func() int {
		f := n.Notified()
		for {
			f.Enable()
			mu.Lock()
			if len(queue) > 0 {
				v := queue[0]
				queue = queue[1:]
				mu.Unlock()
				f.Drop() // forwards a notification it received but did not use
				return v
			}
			mu.Unlock()
			if _, err := future.Block(context.Background(), f); err != nil {
				t.Error(err)
				return -1
			}
			f = n.Notified()
		}
	}
	var sum atomic.Int64
	var wg sync.WaitGroup
	total := producers * items
	var taken atomic.Int64
	for range consumers {
		wg.Go(func() {
			for taken.Add(1) <= int64(total) {
				sum.Add(int64(recv()))
			}
		})
	}
	for range producers {
		wg.Go(func() {
			for i := 1; i <= items; i++ {
				mu.Lock()
				queue = append(queue, i)
				mu.Unlock()
				n.NotifyOne()
			}
		})
	}
	wg.Wait()
	if want := int64(producers * items * (items + 1) / 2); sum.Load() != want {
		t.Fatalf("sum of received items %d, want %d", sum.Load(), want)
	}
	if n.Waiters() != 0 {
		t.Fatalf("Waiters() = %d at the end", n.Waiters())
	}
}

// TestNotifyStressNotifyWaitersReachesEveryRegisteredWaiter races
// NotifyWaiters against goroutines that create a Notified, signal that it
// exists, and wait on it: every Notified created before a NotifyWaiters
// completes.
func TestNotifyStressNotifyWaitersReachesEveryRegisteredWaiter(t *testing.T) {
	rounds := 300
	if testing.Short() {
		rounds = 30
	}
	for range rounds {
		n := weft.NewNotify()
		const waiters = 6
		var created sync.WaitGroup
		var done sync.WaitGroup
		for i := range waiters {
			created.Add(1)
			done.Go(func() {
				f := n.Notified()
				if i%2 == 0 {
					f.Enable()
				}
				created.Done()
				if _, err := future.Block(context.Background(), f); err != nil {
					t.Error(err)
				}
			})
		}
		created.Wait()
		n.NotifyWaiters()
		done.Wait()
	}
}

func TestNotifiedResetDropsAndRearms(t *testing.T) {
	n := weft.NewNotify()
	cx := syncNoopCx()
	var f weft.NotifiedFuture
	f.Reset(n)
	if _, ok := f.Poll(cx); ok {
		t.Fatal("ready")
	}
	n.NotifyOne() // picks f
	other := n.Notified()
	other.Enable()
	f.Reset(n) // drops f, which forwards the notification to other
	if !other.Enable() {
		t.Fatal("Reset lost the notification f had received")
	}
	if a := testing.AllocsPerRun(100, func() {
		f.Reset(n)
		n.NotifyOne()
		if _, ok := f.Poll(cx); !ok {
			t.Fatal("not ready")
		}
	}); a != 0 {
		t.Fatalf("Reset+NotifyOne+Poll allocates %v times", a)
	}
	f.Drop()
}

// The next three tests run tokio's loom_notify.rs scenarios for
// notify_waiters many times on real goroutines (Go has no loom); each round
// races one NotifyWaiters against the checks.

func notifyRounds() int {
	if testing.Short() {
		return 100
	}
	return 1000
}

func TestNotifyWaitersPollConsistency(t *testing.T) {
	// If the first future was completed by a NotifyWaiters, the second,
	// created before that call, must be complete too.
	for round := range notifyRounds() {
		for _, many := range []bool{false, true} {
			n := weft.NewNotify()
			polled := [2]bool{round%2 == 0, round%4 < 2}
			f0, f1 := mocktask.Spawn[struct{}](n.Notified()), mocktask.Spawn[struct{}](n.Notified())
			var pile []*notifyTask
			if polled[0] {
				notifyPending(t, f0, "f0")
			}
			if many {
				for range 9 { // more than one wake batch
					p, _ := notifySpawn(n)
					notifyPending(t, p, "pile")
					pile = append(pile, p)
				}
			}
			if polled[1] {
				notifyPending(t, f1, "f1")
			}
			done := make(chan struct{})
			go func() {
				n.NotifyWaiters()
				close(done)
			}()
			_, r0 := f0.Poll()
			_, r1 := f1.Poll()
			if r0 && !r1 {
				t.Fatalf("round %d: the first future saw NotifyWaiters, the second did not", round)
			}
			<-done
			for _, task := range []*notifyTask{f0, f1} {
				task.Drop()
			}
			for _, p := range pile {
				p.Drop()
			}
		}
	}
}

// notifyPollUntilReady polls task until it is ready, yielding the processor
// in between. done is closed when the NotifyWaiters that must complete task
// has returned; after that, one more poll must be ready.
func notifyPollUntilReady(t *testing.T, task *notifyTask, done <-chan struct{}) {
	t.Helper()
	for {
		if _, ok := task.Poll(); ok {
			return
		}
		select {
		case <-done:
			notifyReady(t, task, "after NotifyWaiters returned")
			return
		default:
			runtime.Gosched()
		}
	}
}

func TestNotifyWaitersIsAtomicWithNotifyOne(t *testing.T) {
	// Once one future completes through NotifyWaiters, every older future is
	// complete too, so a later NotifyOne goes to a new future and is not
	// swallowed by an old one.
	for round := range notifyRounds() {
		n := weft.NewNotify()
		futs := make([]*notifyTask, 10)
		for i := range futs {
			futs[i], _ = notifySpawn(n)
			notifyPending(t, futs[i], "old")
		}
		done := make(chan struct{})
		go func() {
			n.NotifyWaiters()
			close(done)
		}()
		tested := round % 2 * 9 // the oldest or the newest waiter
		notifyPollUntilReady(t, futs[tested], done)
		newFut, _ := notifySpawn(n)
		notifyPending(t, newFut, "new")
		n.NotifyOne()
		notifyReady(t, newFut, "new future takes the NotifyOne")
		<-done
		for _, f := range futs {
			f.Drop()
		}
	}
}

func TestNotifyWaitersDoesNotReachANotifiedCreatedAfterIt(t *testing.T) {
	// notify_waiters_sequential_notified_await: a NotifyWaiters that wakes
	// the first of two sequential waits does not also complete the second.
	for range notifyRounds() {
		n := weft.NewNotify()
		first, _ := notifySpawn(n)
		notifyPending(t, first, "first")
		var pile []*notifyTask
		for range 9 {
			p, _ := notifySpawn(n)
			notifyPending(t, p, "pile")
			pile = append(pile, p)
		}
		done := make(chan struct{})
		go func() {
			n.NotifyWaiters()
			close(done)
		}()
		notifyPollUntilReady(t, first, done)
		second, _ := notifySpawn(n)
		notifyPending(t, second, "second")
		<-done
		notifyPending(t, second, "second after NotifyWaiters returned")
		second.Drop()
		for _, p := range pile {
			p.Drop()
		}
	}
}

func TestNotifyWaitersWithNobodyQueuedCompletesAFirstPollRacingIt(t *testing.T) {
	// NotifyWaiters counts its call without the lock when nobody is queued;
	// a first poll that queues itself at the same moment must still be
	// completed by it (the future was created before the call), and a
	// stored permit must survive the call.
	for round := range notifyRounds() {
		n := weft.NewNotify()
		withPermit := round%2 == 1
		if withPermit {
			n.NotifyOne()
		}
		f0, _ := notifySpawn(n)
		f1, _ := notifySpawn(n)
		done := make(chan struct{})
		go func() {
			n.NotifyWaiters()
			close(done)
		}()
		notifyPollUntilReady(t, f0, done)
		notifyPollUntilReady(t, f1, done)
		<-done
		if withPermit {
			// f0 or f1 may have taken the permit before the call counted;
			// otherwise it is still stored. Either way there was one, so a
			// second new future must wait.
			late, _ := notifySpawn(n)
			late.Poll()
			later, _ := notifySpawn(n)
			notifyPending(t, later, "a second future after one stored permit")
			late.Drop()
			later.Drop()
		}
		if got := n.Waiters(); got != 0 {
			t.Fatalf("round %d: %d waiters left queued, want 0", round, got)
		}
	}
}

func TestNotifyWaitersServesWithoutLockAfterTheWake(t *testing.T) {
	// A waiter woken by NotifyWaiters completes on its next poll (which
	// reads the served mark without the lock), its entry can be reused at
	// once by Reset, and a NotifyOne after that goes to the reset future.
	n := weft.NewNotify()
	var f weft.NotifiedFuture
	f.Reset(n)
	task := mocktask.Spawn[struct{}](&f)
	for range 100 {
		notifyPending(t, task, "queued")
		n.NotifyWaiters()
		notifyReady(t, task, "after NotifyWaiters")
		f.Reset(n)
		task = mocktask.Spawn[struct{}](&f)
	}
	notifyPending(t, task, "queued")
	n.NotifyOne()
	notifyReady(t, task, "after NotifyOne")
	if got := n.Waiters(); got != 0 {
		t.Fatalf("%d waiters left, want 0", got)
	}
}

// notifyWaitersMidDrain queues a future whose waker runs during, then
// 40 more waiters (more than one batch of 32), and calls NotifyWaiters;
// during is run by the first wake, while the other waiters are still in
// the call's drain queue. It returns the 40 waiters.
func notifyWaitersMidDrain(t *testing.T, n *weft.Notify, during func(rest []*notifyTask)) []*notifyTask {
	t.Helper()
	first := n.Notified()
	var rest []*notifyTask
	ran := false
	cx := syncCallbackCx(func() {
		ran = true
		during(rest)
	})
	if _, ok := first.Poll(cx); ok {
		t.Fatal("first: ready, want pending")
	}
	for range 40 {
		task, _ := notifySpawn(n)
		notifyPending(t, task, "waiter")
		rest = append(rest, task)
	}
	n.NotifyWaiters()
	if !ran {
		t.Fatal("the first waiter was not woken")
	}
	if _, ok := first.Poll(syncNoopCx()); !ok {
		t.Fatal("first: pending after NotifyWaiters")
	}
	return rest
}

func TestNotifyWaitersWaiterPolledBeforeItsBatchCompletes(t *testing.T) {
	// Rule 3 of notify.go: a waiter still in the drain queue of a
	// NotifyWaiters call is notified; polling it completes it and takes it
	// out, and dropping one forwards nothing.
	n := weft.NewNotify()
	rest := notifyWaitersMidDrain(t, n, func(rest []*notifyTask) {
		last := rest[len(rest)-1] // in the second batch
		notifyReady(t, last, "a waiter of a later batch, polled early")
		rest[len(rest)-2].Drop()
	})
	for _, task := range rest[:len(rest)-2] { // the last two were done above
		notifyReady(t, task, "waiter")
	}
	// The dropped waiter forwarded nothing: a new future waits.
	late, _ := notifySpawn(n)
	notifyPending(t, late, "new future after the call")
	late.Drop()
	if got := n.Waiters(); got != 0 {
		t.Fatalf("%d waiters left, want 0", got)
	}
}

func TestNotifyWaitersDuringAnotherCallsDrainServesEveryone(t *testing.T) {
	// Rule 4: a NotifyWaiters that starts while another one wakes its
	// batches serves the new waiters itself; a future queued after the
	// first call is not completed by it, and a NotifyOne goes to a new
	// future, never to one still in the first call's drain queue.
	n := weft.NewNotify()
	var fresh, afterOne *notifyTask
	rest := notifyWaitersMidDrain(t, n, func(rest []*notifyTask) {
		fresh, _ = notifySpawn(n)
		notifyPending(t, fresh, "future queued after the first call")
		afterOne, _ = notifySpawn(n)
		notifyPending(t, afterOne, "second future queued after the first call")
		n.NotifyOne()
		notifyReady(t, fresh, "the NotifyOne's future (the oldest new one)")
		notifyPending(t, afterOne, "second new future before the second call")
		n.NotifyWaiters()
		notifyReady(t, afterOne, "second new future after the second call")
	})
	for _, task := range rest {
		notifyReady(t, task, "waiter of the first call")
	}
	if got := n.Waiters(); got != 0 {
		t.Fatalf("%d waiters left, want 0", got)
	}
	// Both calls are over: the drain state is clean, and another
	// NotifyWaiters with a full batch works as usual.
	again := notifyWaitersMidDrain(t, n, func([]*notifyTask) {})
	for _, task := range again {
		notifyReady(t, task, "waiter of the third call")
	}
}

func TestNotifyWaitersDoesNotAllocateForManyWaiters(t *testing.T) {
	// The batches live on the caller's stack: serving 100 waiters
	// allocates nothing (a growing wake list did).
	n := weft.NewNotify()
	futs := make([]weft.NotifiedFuture, 100)
	cx := syncNoopCx()
	allocs := testing.AllocsPerRun(20, func() {
		for i := range futs {
			futs[i].Reset(n)
			if _, ok := futs[i].Poll(cx); ok {
				t.Fatal("ready before NotifyWaiters")
			}
		}
		n.NotifyWaiters()
	})
	if allocs != 0 {
		t.Fatalf("%v allocations per NotifyWaiters of 100 waiters, want 0", allocs)
	}
	for i := range futs {
		if _, ok := futs[i].Poll(cx); !ok {
			t.Fatalf("waiter %d pending after NotifyWaiters", i)
		}
	}
}

func TestNotifiedCreatedWhileOthersWaitIsCompletedByALaterNotifyWaiters(t *testing.T) {
	// A future created while the Notify has waiters does not mark the count
	// observed itself; after the waiters left (dropped, or served by
	// NotifyOne) the mark must still be there, or a NotifyWaiters with
	// nobody queued would skip the count and leave the future waiting.
	for _, leave := range []string{"drop", "notify_one"} {
		t.Run(leave, func(t *testing.T) {
			n := weft.NewNotify()
			waiter, _ := notifySpawn(n)
			notifyPending(t, waiter, "waiter")
			f, _ := notifySpawn(n) // created, not polled
			if leave == "drop" {
				waiter.Drop()
			} else {
				n.NotifyOne()
				notifyReady(t, waiter, "waiter after NotifyOne")
			}
			n.NotifyWaiters()
			notifyReady(t, f, "future created before NotifyWaiters")
			g, _ := notifySpawn(n)
			notifyPending(t, g, "future created after NotifyWaiters")
			g.Drop()
		})
	}
}

func TestNotifyWaitersSeesEveryFutureCreatedBeforeIt(t *testing.T) {
	// Stress of the NotifyWaiters that returns without writing when no
	// future read the count: a future created on one goroutine before a
	// NotifyWaiters on another (ordered by a channel) always completes,
	// while a third goroutine stores and takes permits.
	rounds := 2000
	if testing.Short() {
		rounds = 200
	}
	n := weft.NewNotify()
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			select {
			case <-stop:
				return
			default:
			}
			n.NotifyOne()
			f := n.Notified()
			f.Poll(syncNoopCx())
			f.Drop()
		}
	})
	for range rounds {
		created := make(chan *notifyTask)
		go func() {
			task, _ := notifySpawn(n)
			created <- task
		}()
		task := <-created
		n.NotifyWaiters()
		notifyReady(t, task, "future created before NotifyWaiters")
	}
	close(stop)
	wg.Wait()
}
