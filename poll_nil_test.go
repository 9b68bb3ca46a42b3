package weft_test

import (
	"context"
	"testing"
	"time"

	"github.com/weftrt/weft"
	"github.com/weftrt/weft/broadcast"
	"github.com/weftrt/weft/future"
	"github.com/weftrt/weft/mpsc"
	"github.com/weftrt/weft/oneshot"
	"github.com/weftrt/weft/watch"
)

// poller is any future, for a table of different output types.
type poller interface{ poll(cx *future.Context) }

type anyFuture[T any] struct{ f future.Future[T] }

func (a anyFuture[T]) poll(cx *future.Context) { a.f.Poll(cx) }

func poll[T any](f future.Future[T]) poller { return anyFuture[T]{f} }

// Poll(nil) on weft's futures was a bare nil-pointer dereference somewhere
// inside. Every future here reaches a future.Context method before it can
// wait (combinators through their children), which now panics saying what
// is wrong.
func TestPollWithANilContextPanicsWithAMessage(t *testing.T) {
	rt := newRuntime(t, weft.WithCurrentThread())
	jh := weft.Spawn(rt, future.Pending[int]())
	defer jh.Abort()
	tx, rx := mpsc.New[int](1)
	defer tx.Close()
	_, orx := oneshot.New[int]()
	wtx, wrx := watch.New(0)
	defer wtx.Close()
	btx, brx := broadcast.New[int](1)
	defer btx.Close()
	mu := weft.NewMutex(0)
	rw := weft.NewRwLock(0)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	futures := map[string]poller{
		"Sleep":                       poll(weft.Sleep(time.Second)),
		"Timeout":                     poll(weft.Timeout(time.Second, future.Pending[int]())),
		"YieldNow":                    poll(weft.YieldNow()),
		"Notify.Notified":             poll(weft.NewNotify().Notified()),
		"Mutex.Lock":                  poll(mu.Lock()),
		"RwLock.Read":                 poll(rw.Read()),
		"Semaphore.Acquire":           poll(weft.NewSemaphore(0).Acquire(1)),
		"Barrier.Wait":                poll(weft.NewBarrier(2).Wait()),
		"CancellationToken.Cancelled": poll(weft.NewCancellationToken().Cancelled()),
		"Done":                        poll(weft.Done(ctx)),
		"JoinHandle":                  poll(jh),
		"mpsc.Recv":                   poll(rx.Recv()),
		"mpsc.Send":                   poll(tx.Send(1)),
		"oneshot.Receiver":            poll(orx),
		"watch.Changed":               poll(wrx.Changed()),
		"broadcast.Recv":              poll(brx.Recv()),
		"Select2":                     poll(future.Select2(weft.Sleep(time.Second), weft.Sleep(time.Second))),
		"Async":                       poll(weft.Async(func(a *weft.A) struct{} { return weft.Await(a, weft.Sleep(time.Second)) })),
	}
	for name, f := range futures {
		t.Run(name, func(t *testing.T) {
			syncMustPanic(t, "future: a future was polled with a nil *future.Context", func() { f.poll(nil) })
		})
	}
}
