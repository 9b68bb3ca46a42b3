package weft_test

import (
	"context"
	"errors"
	"runtime"
	"testing"

	"github.com/weftrt/weft"
	"github.com/weftrt/weft/broadcast"
	"github.com/weftrt/weft/future"
	"github.com/weftrt/weft/mpmc"
	"github.com/weftrt/weft/mpsc"
	"github.com/weftrt/weft/oneshot"
)

// The Blocking forms of Mutex, RwLock and Semaphore take a context like the
// channels' Blocking methods: a goroutine queued for a lock or for permits can
// give up. Before, BlockingLock, BlockingRead, BlockingWrite and
// BlockingAcquire waited for ever.

// mustGiveUp starts wait on a goroutine with a context, cancels the context
// once the goroutine is queued (queued reports that), and fails the test
// unless wait returned context.Canceled.
func mustGiveUp(t *testing.T, name string, queued func() bool, wait func(ctx context.Context) error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- wait(ctx) }()
	for !queued() {
		runtime.Gosched()
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("%s with a cancelled context = %v, want context.Canceled", name, err)
	}
}

func TestMutexBlockingLockReturnsCtxErrAndLeavesTheQueue(t *testing.T) {
	m := weft.NewMutex(0)
	g, _ := m.TryLock()
	mustGiveUp(t, "BlockingLock", func() bool { return weft.MutexWaitersForTest(m) > 0 }, func(ctx context.Context) error {
		g, err := m.BlockingLock(ctx)
		if err == nil {
			g.Unlock()
		}
		return err
	})
	g.Unlock()
	// The cancelled goroutine left the queue holding nothing: the lock is free.
	g, ok := m.TryLock()
	if !ok {
		t.Fatal("the lock is not free after the cancelled BlockingLock")
	}
	g.Unlock()
}

func TestRwLockBlockingReadAndWriteReturnCtxErrAndLeaveTheQueue(t *testing.T) {
	l := weft.NewRwLock(0)
	w, _ := l.TryWrite()
	mustGiveUp(t, "BlockingRead", func() bool { return weft.RwLockWaitersForTest(l) > 0 }, func(ctx context.Context) error {
		_, err := l.BlockingRead(ctx)
		return err
	})
	mustGiveUp(t, "BlockingWrite", func() bool { return weft.RwLockWaitersForTest(l) > 0 }, func(ctx context.Context) error {
		_, err := l.BlockingWrite(ctx)
		return err
	})
	w.Unlock()
	w, ok := l.TryWrite()
	if !ok {
		t.Fatal("the lock is not free after the cancelled Blocking calls")
	}
	w.Unlock()
}

func TestSemaphoreBlockingAcquireReturnsCtxErrAndHoldsNothing(t *testing.T) {
	s := weft.NewSemaphore(1)
	mustGiveUp(t, "BlockingAcquire", func() bool { return weft.SemaphoreWaitersForTest(s) > 0 }, func(ctx context.Context) error {
		_, err := s.BlockingAcquire(ctx, 2)
		return err
	})
	// The waiter had been assigned the one free permit; it gave it back.
	semAvailable(t, s, 1)
}

func TestSyncBlockingMethodsPanicOnANilContext(t *testing.T) {
	m := weft.NewMutex(0)
	l := weft.NewRwLock(0)
	s := weft.NewSemaphore(1)
	const want = "weft: a Blocking method called with a nil context.Context"
	// Even when the lock is free, so that the mistake shows on every call.
	//lint:ignore SA1012 the nil context is what is tested
	syncMustPanic(t, want, func() { _, _ = m.BlockingLock(nil) })
	//lint:ignore SA1012 the nil context is what is tested
	syncMustPanic(t, want, func() { _, _ = l.BlockingRead(nil) })
	//lint:ignore SA1012 the nil context is what is tested
	syncMustPanic(t, want, func() { _, _ = l.BlockingWrite(nil) })
	//lint:ignore SA1012 the nil context is what is tested
	syncMustPanic(t, want, func() { _, _ = s.BlockingAcquire(nil, 1) })
}

// From inside a task, a Blocking lock that would have to wait panics like the
// channels' (it blocked the worker, for ever on a current-thread runtime when
// the holder was a task of it); one that need not wait still works.
func TestMutexBlockingLockFromInsideATaskPanicsWhenItWouldWait(t *testing.T) {
	eachTaskKind(t, func(t *testing.T, rt *weft.Runtime, spawn spawnBody) {
		m := weft.NewMutex(0)
		held, _ := m.TryLock()
		h := spawn(func(*future.Context) error {
			_, err := m.BlockingLock(context.Background())
			return err
		})
		mustTaskPanicWith(t, awaitTask(t, rt, h), "await the future instead")
		held.Unlock()
		h = spawn(func(*future.Context) error {
			g, err := m.BlockingLock(context.Background())
			if err == nil {
				g.Unlock()
			}
			return err
		})
		if r := awaitTask(t, rt, h); r.Err != nil || r.Value != nil {
			t.Fatalf("free BlockingLock in a task: %+v", r)
		}
	})
}

// The channels' Blocking methods and BlockingJoinNext checked their context
// only on the way to sleeping: a nil context passed while a value was
// buffered went unnoticed (and BlockingJoinNext's wait failed with a bare nil
// dereference). Every Blocking method now refuses it on every call.
func TestBlockingMethodsPanicOnANilContextEvenWhenTheyNeedNotWait(t *testing.T) {
	const want = "weft: a Blocking method called with a nil context.Context"
	tx, rx := mpsc.New[int](2)
	defer tx.Close()
	if err := tx.TrySend(1); err != nil {
		t.Fatal(err)
	}
	//lint:ignore SA1012 the nil context is what is tested
	syncMustPanic(t, want, func() { _, _ = rx.BlockingRecv(nil) })
	//lint:ignore SA1012 the nil context is what is tested
	syncMustPanic(t, want, func() { _ = tx.BlockingSend(nil, 2) })
	mtx, mrx := mpmc.New[int](2)
	defer mtx.Close()
	if err := mtx.TrySend(1); err != nil {
		t.Fatal(err)
	}
	//lint:ignore SA1012 the nil context is what is tested
	syncMustPanic(t, want, func() { _, _ = mrx.BlockingRecv(nil) })
	//lint:ignore SA1012 the nil context is what is tested
	syncMustPanic(t, want, func() { _ = mtx.BlockingSend(nil, 2) })
	otx, orx := oneshot.New[int]()
	if err := otx.Send(1); err != nil {
		t.Fatal(err)
	}
	//lint:ignore SA1012 the nil context is what is tested
	syncMustPanic(t, want, func() { _, _ = orx.BlockingRecv(nil) })
	btx, brx := broadcast.New[int](2)
	defer btx.Close()
	if _, err := btx.Send(1); err != nil {
		t.Fatal(err)
	}
	//lint:ignore SA1012 the nil context is what is tested
	syncMustPanic(t, want, func() { _, _ = brx.BlockingRecv(nil) })
	js := weft.NewJoinSet[int]()
	defer js.Close()
	//lint:ignore SA1012 the nil context is what is tested
	syncMustPanic(t, want, func() { _, _, _ = js.BlockingJoinNext(nil) })
	// The values are still there: the refused calls took nothing.
	if v, err := rx.TryRecv(); err != nil || v != 1 {
		t.Fatalf("mpsc value after the refused calls: %v, %v", v, err)
	}
	if v, err := orx.TryRecv(); err != nil || v != 1 {
		t.Fatalf("oneshot value after the refused call: %v, %v", v, err)
	}
}
