package mpmc_test

// Unit tests of every state transition, polled by hand (internal/mocktask):
// empty, full and closed channels; waiting senders and receivers served
// oldest first; a waiter dropped after it was handed room or a value; the
// budget; Reset; misuse.

import (
	"context"
	"errors"
	"math"
	"runtime"
	"strings"
	"testing"

	"github.com/weftrt/weft/future"
	"github.com/weftrt/weft/mpmc"
)

func TestNewPanicsOnCapacityBelowOne(t *testing.T) {
	for _, c := range []int{0, -1, math.MinInt} {
		mustPanic(t, "capacity must be at least 1", func() { mpmc.New[int](c) })
	}
}

func TestZeroAndNilHandlesPanicWithAMessage(t *testing.T) {
	var zs mpmc.Sender[int]
	var zr mpmc.Receiver[int]
	var ns *mpmc.Sender[int]
	var nr *mpmc.Receiver[int]
	mustPanic(t, "zero Sender", func() { _ = zs.TrySend(1) })
	mustPanic(t, "zero Sender", func() { zs.Send(1) }) //weftvet:ignore panics before it returns a future
	mustPanic(t, "zero Sender", func() { ns.Close() })
	mustPanic(t, "zero Sender", func() { ns.Len() })
	mustPanic(t, "zero Receiver", func() { _, _ = zr.TryRecv() })
	mustPanic(t, "zero Receiver", func() { nr.Recv() }) //weftvet:ignore panics before it returns a future
	mustPanic(t, "zero Receiver", func() { nr.IsClosed() })
	var sf mpmc.SendFuture[int]
	var rf mpmc.RecvFuture[int]
	cx := future.NewContext(future.Noop())
	mustPanic(t, "zero SendFuture", func() { sf.Poll(cx) })
	mustPanic(t, "zero RecvFuture", func() { rf.Poll(cx) })
	mustPanic(t, "zero Sender", func() { sf.Reset(nil, 1) })
	mustPanic(t, "zero Receiver", func() { rf.Reset(nil) })
	if sf.String() == "" || rf.String() == "" {
		t.Fatal("zero futures do not describe themselves")
	}
	sf.Drop() // dropping a zero future does nothing
	rf.Drop()
}

func TestTrySendTryRecvEmptyFullFIFO(t *testing.T) {
	tx, rx := mpmc.New[int](3)
	if tx.Cap() != 3 || rx.Cap() != 3 {
		t.Fatalf("Cap = %d, %d; want 3", tx.Cap(), rx.Cap())
	}
	mustTryRecvErr(t, rx, mpmc.ErrEmpty)
	for i := range 3 {
		mustTrySend(t, tx, i, nil)
	}
	mustTrySend(t, tx, 9, mpmc.ErrFull)
	if tx.Len() != 3 || rx.Len() != 3 {
		t.Fatalf("Len = %d, %d; want 3", tx.Len(), rx.Len())
	}
	mustStats(t, rx, mpmc.Stats{Buffered: 3})
	for i := range 3 {
		mustTryRecv(t, rx, i)
	}
	mustTryRecvErr(t, rx, mpmc.ErrEmpty)
	mustStats(t, rx, mpmc.Stats{Free: 3})
}

// A Send on a full channel waits; a receive hands the freed slot to the
// oldest waiting Send, whose value follows the buffered ones.
func TestSendWaitsWhileFullAndIsGrantedTheFreedSlot(t *testing.T) {
	tx, rx := mpmc.New[int](1)
	mustTrySend(t, tx, 1, nil)
	s := spawnSend(tx, 2)
	mustPending(t, s, "send on a full channel")
	mustStats(t, rx, mpmc.Stats{Buffered: 1, SendWaiters: 1})
	mustTryRecv(t, rx, 1)
	if !s.IsWoken() {
		t.Fatal("the waiting Send was not woken by the receive")
	}
	// The slot is the waiting Send's: a newcomer cannot take it.
	mustStats(t, rx, mpmc.Stats{Held: 1})
	mustTrySend(t, tx, 3, mpmc.ErrFull)
	mustTryRecvErr(t, rx, mpmc.ErrEmpty)
	mustSent(t, s, "granted send")
	mustStats(t, rx, mpmc.Stats{Buffered: 1})
	mustTryRecv(t, rx, 2)
}

// Waiting senders get room in the order they started to wait, one slot at
// a time, and each wake goes to exactly one of them.
func TestWaitingSendersServedOldestFirst(t *testing.T) {
	tx, rx := mpmc.New[int](1)
	mustTrySend(t, tx, 0, nil)
	ss := []*sendTask{spawnSend(tx, 1), spawnSend(tx, 2), spawnSend(tx, 3)}
	for i, s := range ss {
		mustPending(t, s, "send "+string(rune('1'+i)))
	}
	for i, s := range ss {
		mustTryRecv(t, rx, i)
		for j, o := range ss[i:] {
			if o.IsWoken() != (j == 0) {
				t.Fatalf("after receive %d: send %d woken %v", i, i+j+1, o.IsWoken())
			}
		}
		mustSent(t, s, "oldest send")
	}
	mustTryRecv(t, rx, 3)
	clean(t, rx)
}

// A Recv on an empty channel waits; a send promises its value to the
// oldest waiting Recv, and a newcomer cannot take it.
func TestRecvWaitsWhileEmptyAndIsPromisedTheNextValue(t *testing.T) {
	tx, rx := mpmc.New[int](4)
	r := spawnRecv(rx)
	mustPending(t, r, "recv on an empty channel")
	mustStats(t, rx, mpmc.Stats{Free: 4, RecvWaiters: 1})
	mustTrySend(t, tx, 7, nil)
	if !r.IsWoken() {
		t.Fatal("the waiting Recv was not woken by the send")
	}
	mustStats(t, rx, mpmc.Stats{Free: 3, Buffered: 1, Promised: 1})
	mustTryRecvErr(t, rx, mpmc.ErrEmpty)
	late := spawnRecv(rx)
	mustPending(t, late, "recv after a promise")
	mustGot(t, r, 7, "promised recv")
	late.Drop()
	clean(t, rx)
}

// Waiting receivers are served in the order they started to wait: each
// send wakes exactly the oldest one still waiting.
func TestWaitingReceiversServedOldestFirst(t *testing.T) {
	tx, rx := mpmc.New[int](8)
	rs := []*recvTask{spawnRecv(rx), spawnRecv(rx), spawnRecv(rx)}
	for _, r := range rs {
		mustPending(t, r, "recv")
	}
	for i := range rs {
		mustTrySend(t, tx, 10+i, nil)
		for j, r := range rs {
			if r.IsWoken() != (j <= i) {
				t.Fatalf("after send %d: receiver %d woken %v", i, j, r.IsWoken())
			}
		}
	}
	// Values leave in order whichever promised receiver runs first.
	mustGot(t, rs[2], 10, "third receiver, run first")
	mustGot(t, rs[0], 11, "first receiver")
	mustGot(t, rs[1], 12, "second receiver")
	clean(t, rx)
}

// A receiver dropped after it was promised a value (an aborted task) passes
// the value to the next waiting receiver.
func TestDroppedPromisedReceiverPassesValueToNextWaiter(t *testing.T) {
	tx, rx := mpmc.New[int](2)
	a, b := spawnRecv(rx), spawnRecv(rx)
	mustPending(t, a, "a")
	mustPending(t, b, "b")
	mustTrySend(t, tx, 5, nil)
	if !a.IsWoken() || b.IsWoken() {
		t.Fatalf("woken: a %v, b %v; want a only", a.IsWoken(), b.IsWoken())
	}
	a.Drop()
	if !b.IsWoken() {
		t.Fatal("the next receiver was not woken when the promised one was dropped")
	}
	mustStats(t, rx, mpmc.Stats{Free: 1, Buffered: 1, Promised: 1})
	mustGot(t, b, 5, "b after a's drop")
	clean(t, rx)
}

// A receiver dropped after it was promised a value, with nobody else
// waiting, leaves the value buffered for the next receive.
func TestDroppedPromisedReceiverLeavesValueBuffered(t *testing.T) {
	tx, rx := mpmc.New[int](2)
	a := spawnRecv(rx)
	mustPending(t, a, "a")
	mustTrySend(t, tx, 5, nil)
	a.Drop()
	mustStats(t, rx, mpmc.Stats{Free: 1, Buffered: 1})
	mustTryRecv(t, rx, 5)
}

// A receiver dropped while it waits (nothing promised) just leaves: the
// next value goes to the receiver behind it.
func TestDroppedWaitingReceiverLeavesTheLine(t *testing.T) {
	tx, rx := mpmc.New[int](2)
	a, b := spawnRecv(rx), spawnRecv(rx)
	mustPending(t, a, "a")
	mustPending(t, b, "b")
	a.Drop()
	mustStats(t, rx, mpmc.Stats{Free: 2, RecvWaiters: 1})
	mustTrySend(t, tx, 1, nil)
	if !b.IsWoken() {
		t.Fatal("b not woken")
	}
	mustGot(t, b, 1, "b")
}

// A Send dropped after it was granted a slot sends nothing and passes the
// slot to the next waiting Send.
func TestDroppedGrantedSenderPassesSlotToNextSender(t *testing.T) {
	tx, rx := mpmc.New[int](1)
	mustTrySend(t, tx, 0, nil)
	a, b := spawnSend(tx, 1), spawnSend(tx, 2)
	mustPending(t, a, "a")
	mustPending(t, b, "b")
	mustTryRecv(t, rx, 0)
	if !a.IsWoken() || b.IsWoken() {
		t.Fatalf("woken: a %v, b %v; want a only", a.IsWoken(), b.IsWoken())
	}
	a.Drop()
	if !b.IsWoken() {
		t.Fatal("the next sender was not woken when the granted one was dropped")
	}
	mustStats(t, rx, mpmc.Stats{Held: 1})
	mustSent(t, b, "b")
	mustTryRecv(t, rx, 2) // a's value was never sent
	mustTryRecvErr(t, rx, mpmc.ErrEmpty)
	clean(t, rx)
}

// A granted Send dropped with nobody behind it frees its slot.
func TestDroppedGrantedSenderFreesSlot(t *testing.T) {
	tx, rx := mpmc.New[int](1)
	mustTrySend(t, tx, 0, nil)
	a := spawnSend(tx, 1)
	mustPending(t, a, "a")
	mustTryRecv(t, rx, 0)
	a.Drop()
	mustStats(t, rx, mpmc.Stats{Free: 1})
	mustTrySend(t, tx, 3, nil)
}

// A Send dropped while it waits leaves the line; the slot goes to the one
// behind it.
func TestDroppedWaitingSenderLeavesTheLine(t *testing.T) {
	tx, rx := mpmc.New[int](1)
	mustTrySend(t, tx, 0, nil)
	a, b := spawnSend(tx, 1), spawnSend(tx, 2)
	mustPending(t, a, "a")
	mustPending(t, b, "b")
	a.Drop()
	mustStats(t, rx, mpmc.Stats{Buffered: 1, SendWaiters: 1})
	mustTryRecv(t, rx, 0)
	mustSent(t, b, "b")
	mustTryRecv(t, rx, 2)
}

// Close wakes every waiting sender, which fails and hands its value back
// (also one that was granted a slot but had not run), and frees the slots.
func TestCloseFailsWaitingAndGrantedSendersWithTheirValues(t *testing.T) {
	tx, rx := mpmc.New[int](1)
	mustTrySend(t, tx, 0, nil)
	a, b := spawnSend(tx, 1), spawnSend(tx, 2)
	mustPending(t, a, "a")
	mustPending(t, b, "b")
	mustTryRecv(t, rx, 0) // grants a
	tx.Close()
	if !a.IsWoken() || !b.IsWoken() {
		t.Fatalf("woken: a %v, b %v; want both", a.IsWoken(), b.IsWoken())
	}
	mustSendFail(t, a, 1, "granted send after close")
	mustSendFail(t, b, 2, "waiting send after close")
	mustStats(t, rx, mpmc.Stats{Free: 1, Closed: true})
	mustTryRecvErr(t, rx, mpmc.ErrClosed)
}

// Close wakes every waiting receiver of an empty channel with ErrClosed.
func TestCloseWakesWaitingReceiversOfAnEmptyChannel(t *testing.T) {
	tx, rx := mpmc.New[int](4)
	rs := make([]*recvTask, 20) // more than one wake batch
	for i := range rs {
		rs[i] = spawnRecv(rx)
		mustPending(t, rs[i], "recv")
	}
	tx.Close()
	if !tx.IsClosed() || !rx.IsClosed() {
		t.Fatal("IsClosed false after Close")
	}
	for i, r := range rs {
		if !r.IsWoken() {
			t.Fatalf("receiver %d not woken by Close", i)
		}
		mustEnd(t, r, "recv after close")
	}
	clean(t, rx)
}

// After Close, receivers get every buffered value, then ErrClosed; sends
// fail with the value handed back (the future) or ErrClosed (TrySend,
// BlockingSend); a second Close does nothing.
func TestCloseDrainsBufferedValuesThenReportsClosed(t *testing.T) {
	tx, rx := mpmc.New[int](4)
	mustTrySend(t, tx, 1, nil)
	mustTrySend(t, tx, 2, nil)
	tx.Close()
	tx.Close()
	mustTrySend(t, tx, 3, mpmc.ErrClosed)
	mustSendFail(t, spawnSend(tx, 4), 4, "send after close")
	if err := tx.BlockingSend(context.Background(), 5); err != mpmc.ErrClosed {
		t.Fatalf("BlockingSend after close = %v", err)
	}
	mustGot(t, spawnRecv(rx), 1, "first buffered")
	mustTryRecv(t, rx, 2)
	mustEnd(t, spawnRecv(rx), "recv after drain")
	mustTryRecvErr(t, rx, mpmc.ErrClosed)
	if _, err := rx.BlockingRecv(context.Background()); err != mpmc.ErrClosed {
		t.Fatalf("BlockingRecv after drain = %v", err)
	}
}

// On a closed channel whose buffered values are all promised, a newcomer
// waits instead of reporting the end, because a promised value may come
// back to it: it gets the value if the promised receiver is dropped, and
// ErrClosed once the last value is taken.
func TestClosedChannelWithPromisedValuesEndsOnlyWhenEmpty(t *testing.T) {
	for _, drop := range []bool{false, true} {
		tx, rx := mpmc.New[int](2)
		a := spawnRecv(rx)
		mustPending(t, a, "a")
		mustTrySend(t, tx, 8, nil)
		tx.Close()
		b := spawnRecv(rx)
		mustPending(t, b, "newcomer on a closed channel with a promised value")
		mustTryRecvErr(t, rx, mpmc.ErrEmpty)
		if drop {
			a.Drop()
			if !b.IsWoken() {
				t.Fatal("b not woken by a's drop")
			}
			mustGot(t, b, 8, "b gets the value a gave back")
		} else {
			mustGot(t, a, 8, "a")
			if !b.IsWoken() {
				t.Fatal("b not woken when the last value was taken")
			}
			mustEnd(t, b, "b at the end")
		}
		mustTryRecvErr(t, rx, mpmc.ErrClosed)
		clean(t, rx)
	}
}

// A Send polled while Close is waking the queue, and a receiver polled
// after the end, complete at once (the closed flag is checked before the
// waiter's state).
func TestWaitersPolledAfterCloseWithoutAWakeComplete(t *testing.T) {
	tx, rx := mpmc.New[int](1)
	mustTrySend(t, tx, 0, nil)
	s := spawnSend(tx, 1)
	mustPending(t, s, "s")
	tx.Close()
	mustSendFail(t, s, 1, "s")
	mustTryRecv(t, rx, 0)
	clean(t, rx)
}

// A spent budget makes Send and Recv return pending and wake the task,
// without changing the channel.
func TestSpentBudgetYieldsWithoutChangingTheChannel(t *testing.T) {
	tx, rx := mpmc.New[int](1)
	s := spawnSend(tx, 1)
	s.SetBudget(0)
	mustPending(t, s, "send without budget")
	if !s.IsWoken() {
		t.Fatal("send without budget did not wake its task")
	}
	mustStats(t, rx, mpmc.Stats{Free: 1})
	s.SetBudget(1)
	mustSent(t, s, "send with budget")
	r := spawnRecv(rx)
	r.SetBudget(0)
	mustPending(t, r, "recv without budget")
	mustStats(t, rx, mpmc.Stats{Buffered: 1})
	r.SetBudget(1)
	mustGot(t, r, 1, "recv with budget")
	// A pending poll refunds its unit.
	w := spawnRecv(rx)
	w.SetBudget(1)
	mustPending(t, w, "recv on empty")
	if n, _ := w.Context().Budget(); n != 1 {
		t.Fatalf("budget after a pending Recv = %d, want 1", n)
	}
	w.Drop()
}

// Polling a completed future, and resetting a waiting one, panic.
func TestMisusedFuturesPanic(t *testing.T) {
	tx, rx := mpmc.New[int](1)
	cx := future.NewContext(future.Noop())
	sf := tx.Send(1)
	sf.Poll(cx)
	mustPanic(t, "after it completed", func() { sf.Poll(cx) })
	rf := rx.Recv()
	rf.Poll(cx)
	mustPanic(t, "after it completed", func() { rf.Poll(cx) })

	w := rx.Recv()
	w.Poll(cx)
	mustPanic(t, "while it waits", func() { w.Reset(rx) })
	w.Drop()
	mustTrySend(t, tx, 1, nil)
	ws := tx.Send(2)
	ws.Poll(cx)
	mustPanic(t, "while it waits", func() { ws.Reset(tx, 3) })
	ws.Drop()
	clean(t, rx)
}

// Kept futures renewed with Reset send and receive with no allocation,
// through waits and wakes too.
func TestResetFuturesAllocateNothing(t *testing.T) {
	tx, rx := mpmc.New[int](1)
	cx := future.NewContext(future.Noop())
	var sf, sf2 mpmc.SendFuture[int]
	var rf mpmc.RecvFuture[int]
	round := func() {
		// A receive that waits and is woken by a send.
		rf.Reset(rx)
		if _, ok := rf.Poll(cx); ok {
			t.Fatal("recv on empty ready")
		}
		sf.Reset(tx, 1)
		if err, ok := sf.Poll(cx); !ok || err != nil {
			t.Fatal("send not ready")
		}
		if r, ok := rf.Poll(cx); !ok || r.Value != 1 {
			t.Fatal("recv not ready")
		}
		rf.Drop()
		// A send that waits and is granted room by a receive.
		sf.Reset(tx, 2)
		sf.Poll(cx)
		sf2.Reset(tx, 3)
		if _, ok := sf2.Poll(cx); ok {
			t.Fatal("send on full ready")
		}
		rf.Reset(rx)
		if r, ok := rf.Poll(cx); !ok || r.Value != 2 {
			t.Fatal("recv not ready")
		}
		if err, ok := sf2.Poll(cx); !ok || err != nil {
			t.Fatal("granted send not ready")
		}
		rf.Reset(rx)
		rf.Poll(cx)
	}
	round() // grows the buffer
	if n := testing.AllocsPerRun(100, round); n != 0 {
		t.Fatalf("%v allocations per round of kept futures", n)
	}
	clean(t, rx)
}

// Once the buffer has grown, TrySend and TryRecv allocate nothing, and New
// allocates no buffer up front for a huge capacity.
func TestBufferIsLazyAndSteadyStateDoesNotAllocate(t *testing.T) {
	type page [4096]byte
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	tx, rx := mpmc.New[page](math.MaxInt)
	runtime.ReadMemStats(&after)
	if d := after.TotalAlloc - before.TotalAlloc; d > 1<<10 {
		t.Fatalf("New[[4096]byte](math.MaxInt) allocated %d bytes", d)
	}
	if mpmc.RingCap(rx) != 0 {
		t.Fatal("New allocated a buffer")
	}
	cycle := func() {
		for range 64 {
			if err := tx.TrySend(page{}); err != nil {
				t.Fatal(err)
			}
		}
		for range 64 {
			if _, err := rx.TryRecv(); err != nil {
				t.Fatal(err)
			}
		}
	}
	cycle()
	if n := testing.AllocsPerRun(10, cycle); n != 0 {
		t.Fatalf("%v allocations per fill-and-drain after warm-up", n)
	}
	if c := mpmc.RingCap(rx); c != 64 {
		t.Fatalf("buffer of %d slots after a backlog of 64", c)
	}
}

// BlockingRecv and BlockingSend return ctx.Err() when ctx ends first, and
// leave nothing waiting behind.
func TestBlockingCallsHonourContext(t *testing.T) {
	tx, rx := mpmc.New[int](1)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := rx.BlockingRecv(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("BlockingRecv with a done ctx = %v", err)
	}
	mustTrySend(t, tx, 1, nil)
	if err := tx.BlockingSend(ctx, 2); !errors.Is(err, context.Canceled) {
		t.Fatalf("BlockingSend with a done ctx = %v", err)
	}
	clean(t, rx)
	mustTryRecv(t, rx, 1) // the cancelled send sent nothing
	mustTryRecvErr(t, rx, mpmc.ErrEmpty)
}

// BlockingRecv and BlockingSend wait for each other across goroutines.
func TestBlockingCallsWaitForEachOther(t *testing.T) {
	tx, rx := mpmc.New[int](1)
	done := make(chan error)
	go func() {
		for i := range 100 {
			if err := tx.BlockingSend(context.Background(), i); err != nil {
				done <- err
				return
			}
		}
		tx.Close()
		done <- nil
	}()
	for i := range 100 {
		if v, err := rx.BlockingRecv(context.Background()); err != nil || v != i {
			t.Fatalf("BlockingRecv = %d, %v; want %d", v, err, i)
		}
	}
	if _, err := rx.BlockingRecv(context.Background()); err != mpmc.ErrClosed {
		t.Fatalf("BlockingRecv at the end = %v", err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// The futures describe themselves for task dumps with the channel's state.
func TestFuturesDescribeThemselves(t *testing.T) {
	tx, rx := mpmc.New[int](2)
	r := rx.Recv()
	if s := r.String(); !strings.HasPrefix(s, "mpmc.Recv (not polled") {
		t.Fatalf("String = %q", s)
	}
	r.Poll(future.NewContext(future.Noop()))
	if s := r.String(); s != "mpmc.Recv (waiting; 0/2 buffered, 0 senders and 1 receivers waiting)" {
		t.Fatalf("String = %q", s)
	}
	r.Drop()
	tx.Close()
	send := tx.Send(1)
	if s := send.String(); s != "mpmc.Send (not polled; 0/2 buffered, 0 senders and 0 receivers waiting, closed)" {
		t.Fatalf("String = %q", s)
	}
	send.Drop()
}

// SendError hands the value back and matches ErrClosed.
func TestSendErrorHoldsValueAndIsErrClosed(t *testing.T) {
	err := error(&mpmc.SendError[string]{Value: "x"})
	if !errors.Is(err, mpmc.ErrClosed) || err.Error() != "mpmc: channel closed" {
		t.Fatalf("SendError = %v", err)
	}
}
