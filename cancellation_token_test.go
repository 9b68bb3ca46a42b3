package weft_test

import (
	"context"
	"errors"
	"math/rand/v2"
	"runtime"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/weftrt/weft"
	"github.com/weftrt/weft/future"
	"github.com/weftrt/weft/internal/mocktask"
)

// The first tests port tokio-util's tests/sync_cancellation_token.rs, one
// test for each there, with the same tree, the same polls and the same wake
// counts. Tokio drops a token; weft calls Detach or lets the handle become
// unreachable.

// ctPoll polls f once with a waker that counts into w.
func ctPoll(f *weft.CancelledFuture, w *asyncCountWaker) bool {
	_, ok := f.Poll(future.NewContext(future.NewWaker(w)))
	return ok
}

func TestCancellationTokenCancelWakesAndCompletesEveryWaiter(t *testing.T) {
	// Reference: tokio-util tests/sync_cancellation_token.rs cancel_token
	// (and cancel_token_owned: weft has one kind of Cancelled future).
	w := &asyncCountWaker{}
	tok := weft.NewCancellationToken()
	if tok.IsCancelled() {
		t.Fatal("new token is cancelled")
	}
	f1 := tok.Cancelled()
	if ctPoll(f1, w) {
		t.Fatal("ready before Cancel")
	}
	if w.n.Load() != 0 {
		t.Fatalf("woken %d times before Cancel", w.n.Load())
	}
	f2 := tok.Cancelled() // never polled before Cancel
	tok.Cancel()
	if w.n.Load() != 1 {
		t.Fatalf("woken %d times; want 1", w.n.Load())
	}
	if !tok.IsCancelled() {
		t.Fatal("not cancelled after Cancel")
	}
	if !ctPoll(f1, w) || !ctPoll(f2, w) {
		t.Fatal("a Cancelled future is not ready after Cancel")
	}
	tok.Cancel() // idempotent
	if w.n.Load() != 1 {
		t.Fatalf("second Cancel woke again: %d", w.n.Load())
	}
}

func TestCancellationTokenDropWhileWaitingLeavesNoWaiter(t *testing.T) {
	// Reference: cancel_token_owned_drop_test, plus the check Go needs:
	// the waiter is unlinked, and Cancel does not wake a dropped future.
	w := &asyncCountWaker{}
	tok := weft.NewCancellationToken()
	f := tok.Cancelled()
	ctPoll(f, w)
	ctPoll(f, w) // a second poll does not link twice
	if n := weft.CancellationTokenWaitersForTest(tok); n != 1 {
		t.Fatalf("%d waiters after two polls; want 1", n)
	}
	f.Drop()
	if n := weft.CancellationTokenWaitersForTest(tok); n != 0 {
		t.Fatalf("%d waiters after Drop; want 0", n)
	}
	tok.Cancel()
	if w.n.Load() != 0 {
		t.Fatalf("dropped future woken %d times", w.n.Load())
	}
}

func TestCancellationTokenCompletedFutureLeavesNoWaiter(t *testing.T) {
	tok := weft.NewCancellationToken()
	mt := mocktask.Spawn[struct{}](tok.Cancelled())
	mt.Poll()
	tok.Cancel()
	if _, ok := mt.Poll(); !ok {
		t.Fatal("not ready after Cancel")
	}
	if n := weft.CancellationTokenWaitersForTest(tok); n != 0 {
		t.Fatalf("%d waiters after completion; want 0", n)
	}
}

func TestCancellationTokenParentCancelsChild(t *testing.T) {
	// Reference: cancel_child_token_through_parent.
	w := &asyncCountWaker{}
	tok := weft.NewCancellationToken()
	child := tok.Child()
	if child.IsCancelled() {
		t.Fatal("new child is cancelled")
	}
	childF, parentF := child.Cancelled(), tok.Cancelled()
	if ctPoll(childF, w) || ctPoll(parentF, w) || w.n.Load() != 0 {
		t.Fatal("ready or woken before Cancel")
	}
	tok.Cancel()
	if w.n.Load() != 2 {
		t.Fatalf("woken %d times; want 2", w.n.Load())
	}
	if !tok.IsCancelled() || !child.IsCancelled() {
		t.Fatal("parent or child not cancelled")
	}
	if !ctPoll(childF, w) || !ctPoll(parentF, w) {
		t.Fatal("futures not ready after Cancel")
	}
}

func TestCancellationTokenGrandchildFollowsGrandparentAfterChildDetached(t *testing.T) {
	// Reference: cancel_grandchild_token_through_parent_if_child_was_dropped.
	w := &asyncCountWaker{}
	tok := weft.NewCancellationToken()
	intermediate := tok.Child()
	child := intermediate.Child()
	intermediate.Detach()
	if child.IsCancelled() {
		t.Fatal("Detach cancelled a child")
	}
	childF, parentF := child.Cancelled(), tok.Cancelled()
	if ctPoll(childF, w) || ctPoll(parentF, w) || w.n.Load() != 0 {
		t.Fatal("ready or woken before Cancel")
	}
	tok.Cancel()
	if w.n.Load() != 2 {
		t.Fatalf("woken %d times; want 2", w.n.Load())
	}
	if !tok.IsCancelled() || !child.IsCancelled() {
		t.Fatal("parent or grandchild not cancelled")
	}
	if intermediate.IsCancelled() {
		t.Fatal("the detached token was cancelled through its former parent")
	}
	if !ctPoll(childF, w) || !ctPoll(parentF, w) {
		t.Fatal("futures not ready after Cancel")
	}
}

func TestCancellationTokenChildCancelDoesNotReachParent(t *testing.T) {
	// Reference: cancel_child_token_without_parent.
	w := &asyncCountWaker{}
	tok := weft.NewCancellationToken()
	child1 := tok.Child()
	childF, parentF := child1.Cancelled(), tok.Cancelled()
	if ctPoll(childF, w) || ctPoll(parentF, w) || w.n.Load() != 0 {
		t.Fatal("ready or woken before Cancel")
	}
	child1.Cancel()
	if w.n.Load() != 1 {
		t.Fatalf("woken %d times; want 1", w.n.Load())
	}
	if tok.IsCancelled() || !child1.IsCancelled() {
		t.Fatalf("parent cancelled %v, child %v; want false, true", tok.IsCancelled(), child1.IsCancelled())
	}
	if !ctPoll(childF, w) {
		t.Fatal("child future not ready")
	}
	if ctPoll(parentF, w) {
		t.Fatal("parent future ready after the child's Cancel")
	}
	child2 := tok.Child()
	child2F := child2.Cancelled()
	if ctPoll(child2F, w) || ctPoll(parentF, w) {
		t.Fatal("ready before the parent's Cancel")
	}
	tok.Cancel()
	if w.n.Load() != 3 {
		t.Fatalf("woken %d times; want 3", w.n.Load())
	}
	if !tok.IsCancelled() || !child2.IsCancelled() {
		t.Fatal("parent or second child not cancelled")
	}
	if !ctPoll(child2F, w) || !ctPoll(parentF, w) {
		t.Fatal("futures not ready after Cancel")
	}
}

func TestCancellationTokenChildOfCancelledTokenStartsCancelled(t *testing.T) {
	// Reference: create_child_token_after_parent_was_cancelled.
	for _, detachChildFirst := range []bool{true, false} {
		w := &asyncCountWaker{}
		tok := weft.NewCancellationToken()
		tok.Cancel()
		child := tok.Child()
		if !child.IsCancelled() {
			t.Fatal("child of a cancelled token is not cancelled")
		}
		childF, parentF := child.Cancelled(), tok.Cancelled()
		if !ctPoll(childF, w) || !ctPoll(parentF, w) {
			t.Fatal("futures not ready at once")
		}
		if w.n.Load() != 0 {
			t.Fatalf("woken %d times; want 0", w.n.Load())
		}
		childF.Drop()
		parentF.Drop()
		if detachChildFirst {
			child.Detach()
			tok.Detach()
		} else {
			tok.Detach()
			child.Detach()
		}
		if !child.IsCancelled() || !tok.IsCancelled() {
			t.Fatal("Detach un-cancelled a token")
		}
	}
}

func TestCancellationTokenDetachingChildrenInAnyOrderReleasesThem(t *testing.T) {
	// Reference: drop_multiple_child_tokens.
	for _, firstFirst := range []bool{true, false} {
		tok := weft.NewCancellationToken()
		children := []*weft.CancellationToken{tok.Child(), tok.Child(), tok.Child()}
		if tok.IsCancelled() || children[0].IsCancelled() {
			t.Fatal("cancelled at start")
		}
		for i := range children {
			j := i
			if !firstFirst {
				j = len(children) - 1 - i
			}
			children[j].Detach()
			if tok.IsCancelled() {
				t.Fatal("Detach of a child cancelled the parent")
			}
			if n := weft.CancellationTokenChildrenForTest(tok); n != len(children)-1-i {
				t.Fatalf("parent links %d children after %d Detach calls", n, i+1)
			}
		}
	}
}

func TestCancellationTokenCancelReachesAllDescendantsAndNothingElse(t *testing.T) {
	// Reference: cancel_only_all_descendants.
	w := &asyncCountWaker{}
	parent := weft.NewCancellationToken()
	tok := parent.Child()
	sibling := parent.Child()
	child1 := tok.Child()
	child2 := tok.Child()
	grandchild := child1.Child()
	grandchild2 := child1.Child()
	greatGrandchild := grandchild.Child()
	all := []*weft.CancellationToken{parent, tok, sibling, child1, child2, grandchild, grandchild2, greatGrandchild}
	var fs []*weft.CancelledFuture
	for i, x := range all {
		if x.IsCancelled() {
			t.Fatalf("token %d cancelled at start", i)
		}
		f := x.Cancelled()
		if ctPoll(f, w) {
			t.Fatalf("future %d ready at start", i)
		}
		fs = append(fs, f)
	}
	if w.n.Load() != 0 {
		t.Fatal("woken before Cancel")
	}
	tok.Cancel()
	if w.n.Load() != 6 {
		t.Fatalf("woken %d times; want 6", w.n.Load())
	}
	wantCancelled := []bool{false, true, false, true, true, true, true, true}
	for i, x := range all {
		if x.IsCancelled() != wantCancelled[i] {
			t.Fatalf("token %d cancelled %v; want %v", i, x.IsCancelled(), wantCancelled[i])
		}
		if wantCancelled[i] && !ctPoll(fs[i], w) {
			t.Fatalf("future %d not ready", i)
		}
	}
	if w.n.Load() != 6 {
		t.Fatalf("woken %d times after the polls; want 6", w.n.Load())
	}
	for _, i := range []int{0, 2} {
		if ctPoll(fs[i], w) {
			t.Fatalf("future %d ready though its token was not cancelled", i)
		}
	}
}

func TestCancellationTokenUnreferencedParentLeavesChildrenUncancelled(t *testing.T) {
	// Reference: drop_parent_before_child_tokens.
	tok := weft.NewCancellationToken()
	child1, child2 := tok.Child(), tok.Child()
	tok = nil // dropped: the children keep it alive, uncancelled
	runtime.GC()
	if child1.IsCancelled() || child2.IsCancelled() {
		t.Fatal("losing the parent cancelled its children")
	}
	child1.Cancel()
	if child2.IsCancelled() {
		t.Fatal("cancelling one child cancelled its sibling")
	}
}

// The tests below cover what the port does not: Go's release of children,
// contexts, budgets and allocations.

func TestCancellationTokenCancelledChildLeavesItsParent(t *testing.T) {
	tok := weft.NewCancellationToken()
	child := tok.Child()
	grandchild := child.Child()
	child.Cancel()
	if n := weft.CancellationTokenChildrenForTest(tok); n != 0 {
		t.Fatalf("parent still links %d children after the child was cancelled", n)
	}
	if weft.CancellationTokenHasParentForTest(grandchild) || weft.CancellationTokenChildrenForTest(child) != 0 {
		t.Fatal("the cancelled subtree is still linked")
	}
	if !grandchild.IsCancelled() {
		t.Fatal("grandchild not cancelled")
	}
}

func TestCancellationTokenUnreferencedChildIsCollectedAndForgotten(t *testing.T) {
	tok := weft.NewCancellationToken()
	func() {
		c := tok.Child()
		c.Child()
	}()
	if n := weft.CancellationTokenChildrenForTest(tok); n != 1 {
		t.Fatalf("%d live children before collection; want 1", n)
	}
	runtime.GC()
	if n := weft.CancellationTokenChildrenForTest(tok); n != 0 {
		t.Fatalf("%d live children after the child became unreachable; want 0", n)
	}
}

func TestCancellationTokenGrandchildKeepsUnreferencedParentInTheTree(t *testing.T) {
	// Tokio's grandchild case with the intermediate token dropped rather
	// than detached: in Go it stays alive through the grandchild's link.
	tok := weft.NewCancellationToken()
	grandchild := func() *weft.CancellationToken {
		intermediate := tok.Child()
		return intermediate.Child() // intermediate is unreferenced from here
	}()
	runtime.GC()
	w := &asyncCountWaker{}
	f := grandchild.Cancelled()
	ctPoll(f, w)
	tok.Cancel()
	if !grandchild.IsCancelled() || w.n.Load() != 1 {
		t.Fatal("grandchild not cancelled through the grandparent after its parent became unreferenced")
	}
}

func TestCancellationTokenStaysWhileAFutureOrContextUsesIt(t *testing.T) {
	tok := weft.NewCancellationToken()
	w := &asyncCountWaker{}
	f := tok.Child().Cancelled() // only the future refers to this child
	ctPoll(f, w)
	ctx := tok.Child().Context() // only the context refers to this one
	_ = tok.Child()              // nothing refers to this one
	ctx2, cancel2 := tok.Child().WithContext(context.Background())
	defer cancel2()
	runtime.GC()
	if n := weft.CancellationTokenChildrenForTest(tok); n != 3 {
		t.Fatalf("parent links %d live children; want 3 (the ones still observed)", n)
	}
	tok.Cancel()
	if w.n.Load() != 1 {
		t.Fatalf("future of a child kept only by it woken %d times; want 1", w.n.Load())
	}
	select {
	case <-ctx.Done():
	default:
		t.Fatal("context of a child kept only by it is not done")
	}
	<-ctx2.Done()
	runtime.KeepAlive(f)
}

func TestCancellationTokenContextDoneChannelAloneStillGetsClosed(t *testing.T) {
	// Regression: the context was held weakly, so code keeping only its Done
	// channel lost the cancellation once the collector freed the token.
	tok := weft.NewCancellationToken()
	done := tok.Child().Context().Done()
	movedDone := func() <-chan struct{} {
		mid := tok.Child()
		d := mid.Child().Context().Done()
		mid.Detach() // the pinned grandchild moves up, still pinned
		return d
	}()
	runtime.GC()
	runtime.GC()
	tok.Cancel()
	for i, d := range []<-chan struct{}{done, movedDone} {
		select {
		case <-d:
		default:
			t.Fatalf("Done channel %d not closed by the parent's Cancel", i)
		}
	}
}

func TestCancellationTokenPinnedChildIsReleasedByCancelOrDetach(t *testing.T) {
	tok := weft.NewCancellationToken()
	a, b := tok.Child(), tok.Child()
	a.Context()
	b.Context()
	a.Cancel()
	b.Detach()
	a, b = nil, nil
	runtime.GC()
	if n := weft.CancellationTokenSlotsForTest(tok); n != 0 {
		t.Fatalf("parent keeps %d slots after its pinned children were cancelled and detached", n)
	}
}

func TestCancellationTokenChurnOfUnreferencedChildrenKeepsSlotsBounded(t *testing.T) {
	tok := weft.NewCancellationToken()
	for i := range 20_000 {
		tok.Child()
		if i%1000 == 999 {
			runtime.GC()
		}
	}
	if n := weft.CancellationTokenSlotsForTest(tok); n > 4096 {
		t.Fatalf("parent keeps %d slots for 20,000 collected children; want at most 4096", n)
	}
	if n := weft.CancellationTokenChildrenForTest(tok); n != 0 {
		t.Fatalf("%d live children; want 0", n)
	}
}

func TestCancellationTokenDetachMovesChildrenToTheParent(t *testing.T) {
	tok := weft.NewCancellationToken()
	mid := tok.Child()
	kids := []*weft.CancellationToken{mid.Child(), mid.Child(), mid.Child()}
	sibling := tok.Child()
	mid.Detach()
	if weft.CancellationTokenHasParentForTest(mid) || weft.CancellationTokenChildrenForTest(mid) != 0 {
		t.Fatal("detached token still linked")
	}
	if n := weft.CancellationTokenChildrenForTest(tok); n != 4 {
		t.Fatalf("parent links %d children after Detach; want 4 (sibling and three moved up)", n)
	}
	kids[1].Cancel() // removal by index must still work after the move
	sibling.Detach()
	if n := weft.CancellationTokenChildrenForTest(tok); n != 2 {
		t.Fatalf("parent links %d children; want 2", n)
	}
	tok.Cancel()
	if !kids[0].IsCancelled() || !kids[2].IsCancelled() || mid.IsCancelled() || sibling.IsCancelled() {
		t.Fatal("cancellation reached the wrong tokens after Detach")
	}
}

func TestCancellationTokenZeroValueIsUsable(t *testing.T) {
	var tok weft.CancellationToken
	if tok.IsCancelled() {
		t.Fatal("zero token cancelled")
	}
	child := tok.Child()
	f := tok.Cancelled()
	w := &asyncCountWaker{}
	ctPoll(f, w)
	tok.Cancel()
	if !tok.IsCancelled() || !child.IsCancelled() || w.n.Load() != 1 {
		t.Fatal("zero token did not cancel its child and waiter")
	}
	var unused weft.CancellationToken
	unused.Detach() // nothing to do, must not panic
}

func TestCancellationTokenContextIsDoneWithCause(t *testing.T) {
	defer goleak.VerifyNone(t)
	tok := weft.NewCancellationToken()
	child := tok.Child()
	ctx := child.Context()
	if ctx != child.Context() {
		t.Fatal("Context returned a different context while the first is in use")
	}
	if ctx.Err() != nil {
		t.Fatal("context done before Cancel")
	}
	tok.Cancel()
	select {
	case <-ctx.Done():
	default:
		t.Fatal("context not done when Cancel returned")
	}
	if !errors.Is(ctx.Err(), context.Canceled) || !errors.Is(context.Cause(ctx), weft.ErrTokenCancelled) {
		t.Fatalf("Err %v, Cause %v", ctx.Err(), context.Cause(ctx))
	}
	if late := tok.Context(); late.Err() == nil {
		t.Fatal("context made after Cancel is not done")
	}
}

type ctKey struct{}

func TestCancellationTokenWithContextFollowsBothTokenAndParent(t *testing.T) {
	defer goleak.VerifyNone(t)
	t.Run("token cancelled", func(t *testing.T) {
		tok := weft.NewCancellationToken()
		parent := context.WithValue(context.Background(), ctKey{}, "v")
		ctx, cancel := tok.WithContext(parent)
		defer cancel()
		if ctx.Value(ctKey{}) != "v" {
			t.Fatal("parent's value lost")
		}
		tok.Cancel()
		<-ctx.Done()
		if !errors.Is(context.Cause(ctx), weft.ErrTokenCancelled) {
			t.Fatalf("Cause %v", context.Cause(ctx))
		}
	})
	t.Run("parent cancelled", func(t *testing.T) {
		tok := weft.NewCancellationToken()
		parent, cancelParent := context.WithCancel(context.Background())
		ctx, cancel := tok.WithContext(parent)
		defer cancel()
		cancelParent()
		<-ctx.Done()
		if tok.IsCancelled() {
			t.Fatal("parent context cancelled the token")
		}
	})
	t.Run("released", func(t *testing.T) {
		tok := weft.NewCancellationToken()
		ctx, cancel := tok.WithContext(context.Background())
		cancel()
		tok.Cancel()
		if !errors.Is(context.Cause(ctx), context.Canceled) {
			t.Fatalf("Cause %v; want context.Canceled from the CancelFunc", context.Cause(ctx))
		}
	})
}

func TestCancelledFutureCountsBudgetAndYieldsWhenSpent(t *testing.T) {
	tok := weft.NewCancellationToken()
	tok.Cancel()
	mt := mocktask.Spawn[struct{}](tok.Cancelled())
	mt.SetBudget(0)
	if _, ok := mt.Poll(); ok {
		t.Fatal("ready with no budget")
	}
	if !mt.IsWoken() {
		t.Fatal("budget-forced pending did not wake the task")
	}
	mt.SetBudget(3)
	if _, ok := mt.Poll(); !ok {
		t.Fatal("not ready")
	}
	if left, _ := mt.Context().Budget(); left != 2 {
		t.Fatalf("budget left %d; want 2", left)
	}
}

func TestCancelledFuturePollDoesNotAllocate(t *testing.T) {
	tok := weft.NewCancellationToken()
	f := tok.Cancelled()
	cx := future.NewContext(future.Noop())
	allocs := testing.AllocsPerRun(1000, func() { f.Poll(cx) })
	if allocs != 0 {
		t.Fatalf("pending poll allocates %.1f times", allocs)
	}
	tok.Cancel()
	allocs = testing.AllocsPerRun(1000, func() { f.Poll(cx) })
	if allocs != 0 {
		t.Fatalf("ready poll allocates %.1f times", allocs)
	}
}

func TestCancelledFutureInAsyncBody(t *testing.T) {
	defer goleak.VerifyNone(t)
	tok := weft.NewCancellationToken()
	f := weft.Async(func(a *weft.A) string {
		weft.Await(a, tok.Child().Cancelled())
		return "stopped"
	})
	mt := mocktask.Spawn[string](f)
	if _, ok := mt.Poll(); ok {
		t.Fatal("ready early")
	}
	tok.Cancel()
	if v, ok := mt.Poll(); !ok || v != "stopped" || mt.WakeCount() != 1 {
		t.Fatalf("Poll = %q, %v after %d wakes", v, ok, mt.WakeCount())
	}
}

// TestCancellationTokenStressNoLostWakeup races Cancel against Cancelled
// polls, Child creation, Context and drops: every future polled must complete
// after a wake (a lost wake-up hangs the waiter until the test's guard
// fails), every child made must end cancelled, and no waiter may be left.
func TestCancellationTokenStressNoLostWakeup(t *testing.T) {
	defer goleak.VerifyNone(t)
	rounds, waiters := 300, 8
	if testing.Short() {
		rounds = 50
	}
	for round := range rounds {
		root := weft.NewCancellationToken()
		mid := root.Child()
		var wg sync.WaitGroup
		start := make(chan struct{})
		children := make([][]*weft.CancellationToken, waiters)
		for i := range waiters {
			wg.Add(1)
			go func() {
				defer wg.Done()
				rng := rand.New(rand.NewPCG(uint64(round), uint64(i)))
				<-start
				tok := mid
				if rng.IntN(2) == 0 {
					tok = mid.Child()
					children[i] = append(children[i], tok)
				}
				if rng.IntN(4) == 0 {
					ctx := tok.Context()
					<-ctx.Done()
					return
				}
				f := tok.Cancelled()
				s := future.NewSignal()
				cx := future.NewContext(s.Waker())
				if rng.IntN(4) == 0 {
					f.Poll(cx)
					f.Drop() // abandoned wait: must leave no waiter
					f = tok.Cancelled()
				}
				for {
					if _, ok := f.Poll(cx); ok {
						break
					}
					children[i] = append(children[i], tok.Child())
					guard, cancel := context.WithTimeout(context.Background(), 20*time.Second)
					err := s.BlockingWait(guard)
					cancel()
					if err != nil {
						t.Errorf("round %d: waiter %d never woken (lost wake-up)", round, i)
						f.Drop()
						return
					}
				}
			}()
		}
		close(start)
		if round%2 == 0 {
			runtime.Gosched()
		}
		root.Cancel()
		wg.Wait()
		if t.Failed() {
			return
		}
		for _, cs := range children {
			for _, c := range cs {
				if !c.IsCancelled() {
					t.Fatalf("round %d: a child made during Cancel is not cancelled", round)
				}
			}
		}
		for _, tok := range []*weft.CancellationToken{root, mid} {
			if n := weft.CancellationTokenWaitersForTest(tok); n != 0 {
				t.Fatalf("round %d: %d waiters left", round, n)
			}
		}
	}
}
