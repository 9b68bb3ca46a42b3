package oneshot_test

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/weftrt/weft/future"
	"github.com/weftrt/weft/oneshot"
)

// Stress tests: many goroutines race the two ends of many channels. Run them
// with -race; a hang is a lost wakeup.

func stressRounds(t *testing.T) int {
	if testing.Short() {
		return 500
	}
	return 5000
}

// parallel runs body(worker, i) for rounds iterations on each of 8 workers.
func parallel(rounds int, body func(worker, i int)) {
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Go(func() {
			for i := range rounds {
				body(w, i)
			}
		})
	}
	wg.Wait()
}

func TestStressSendRacingBlockingRecvDeliversEveryValue(t *testing.T) {
	parallel(stressRounds(t), func(w, i int) {
		tx, rx := oneshot.New[int]()
		want := w*1_000_000 + i
		go func() {
			if err := tx.Send(want); err != nil {
				t.Errorf("Send: %v", err)
			}
		}()
		if v, err := rx.BlockingRecv(context.Background()); err != nil || v != want {
			t.Errorf("BlockingRecv = %v, %v; want %v", v, err, want)
		}
	})
}

func TestStressSendRacingReceiverCloseHasExactlyOneOwner(t *testing.T) {
	parallel(stressRounds(t), func(_, i int) {
		tx, rx := oneshot.New[int]()
		sendErr := make(chan error, 1)
		go func() { sendErr <- tx.Send(i) }()
		rx.Close()
		err := <-sendErr
		got, recvErr := rx.TryRecv()
		var se *oneshot.SendError[int]
		switch {
		case err == nil && recvErr == nil && got == i:
			// Sent before the close: still receivable.
		case errors.As(err, &se) && se.Value == i && errors.Is(recvErr, oneshot.ErrClosed):
			// Closed first: the sender kept the value.
		default:
			t.Errorf("send=%v recv=(%v, %v): value lost or duplicated", err, got, recvErr)
		}
	})
}

func TestStressClosedRacingReceiverCloseIsWoken(t *testing.T) {
	parallel(stressRounds(t), func(_, i int) {
		tx, rx := oneshot.New[int]()
		go func() {
			if i%2 == 0 {
				rx.Close()
			} else {
				rx.Drop()
			}
		}()
		if _, err := future.Block(context.Background(), tx.Closed()); err != nil {
			t.Error(err)
		}
	})
}

func TestStressSenderCloseRacingRecvReportsClosed(t *testing.T) {
	parallel(stressRounds(t), func(_, _ int) {
		tx, rx := oneshot.New[int]()
		go tx.Close()
		if _, err := rx.BlockingRecv(context.Background()); !errors.Is(err, oneshot.ErrClosed) {
			t.Errorf("BlockingRecv = %v, want ErrClosed", err)
		}
	})
}

func TestStressCancelledRecvRacingSendNeverLosesValue(t *testing.T) {
	parallel(stressRounds(t), func(_, i int) {
		tx, rx := oneshot.New[int]()
		ctx, cancel := context.WithCancel(context.Background())
		go cancel()
		go func() { _ = tx.Send(i) }()
		v, err := rx.BlockingRecv(ctx)
		if err != nil {
			if !errors.Is(err, context.Canceled) {
				t.Errorf("BlockingRecv = %v", err)
				return
			}
			v, err = rx.BlockingRecv(context.Background())
		}
		if err != nil || v != i {
			t.Errorf("value lost: %v, %v; want %v", v, err, i)
		}
	})
}

// A receiver that moves between wakers (a task migrating, or polled by a
// select with a new waker) must be woken through the last one it registered.
func TestStressReceiverSwitchingWakersIsWoken(t *testing.T) {
	parallel(stressRounds(t), func(_, i int) {
		tx, rx := oneshot.New[int]()
		a, b := future.NewSignal(), future.NewSignal()
		cxA, cxB := future.NewContext(a.Waker()), future.NewContext(b.Waker())
		go func() { _ = tx.Send(i) }()
		for {
			if r, ok := rx.Poll(cxA); ok {
				if r.Value != i {
					t.Errorf("got %v", r.Value)
				}
				return
			}
			if r, ok := rx.Poll(cxB); ok {
				if r.Value != i {
					t.Errorf("got %v", r.Value)
				}
				return
			}
			<-b.C()
		}
	})
}

// The same for a sender waiting in Closed.
func TestStressClosedSwitchingWakersIsWoken(t *testing.T) {
	parallel(stressRounds(t), func(_, _ int) {
		tx, rx := oneshot.New[int]()
		a, b := future.NewSignal(), future.NewSignal()
		cxA, cxB := future.NewContext(a.Waker()), future.NewContext(b.Waker())
		go rx.Close()
		f := tx.Closed()
		for {
			if _, ok := f.Poll(cxA); ok {
				return
			}
			if _, ok := f.Poll(cxB); ok {
				return
			}
			<-b.C()
		}
	})
}
