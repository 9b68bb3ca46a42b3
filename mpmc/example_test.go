package mpmc_test

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/weftrt/weft"
	"github.com/weftrt/weft/future"
	"github.com/weftrt/weft/mpmc"
	"github.com/weftrt/weft/task"
)

// A pool of worker tasks fed from one channel: the fan-out that Go programs
// write with one channel and many goroutines. Each job is done by exactly
// one worker; Close lets the workers drain the channel and stop.
func ExampleNew() {
	rt, err := weft.New(weft.WithWorkers(4))
	if err != nil {
		panic(err)
	}
	defer rt.Close()

	jobs, queue := mpmc.New[int](16)
	workers := make([]*task.JoinHandle[int], 8)
	for i := range workers {
		workers[i] = weft.Spawn(rt, weft.Async(func(a *weft.A) int {
			sum := 0
			for {
				r := weft.Await(a, queue.Recv())
				if errors.Is(r.Err, mpmc.ErrClosed) {
					return sum // closed and drained
				}
				sum += r.Value * r.Value
			}
		}))
	}
	for n := 1; n <= 100; n++ {
		if err := jobs.BlockingSend(context.Background(), n); err != nil {
			panic(err)
		}
	}
	jobs.Close()

	total := 0
	for _, w := range workers {
		part, err := w.BlockingJoin(context.Background())
		if err != nil {
			panic(err)
		}
		total += part
	}
	fmt.Println("sum of squares:", total)
	// Output: sum of squares: 338350
}

// Goroutines share one Sender and one Receiver, as they would share a Go
// channel; the producers close it once they are all done.
func ExampleSender_BlockingSend() {
	tx, rx := mpmc.New[string](2)
	var producers sync.WaitGroup
	for _, word := range []string{"a", "b", "c"} {
		producers.Go(func() { _ = tx.BlockingSend(context.Background(), word) })
	}
	go func() {
		producers.Wait()
		tx.Close()
	}()

	var consumers sync.WaitGroup
	var mu sync.Mutex
	n := 0
	for range 2 {
		consumers.Go(func() {
			for {
				if _, err := rx.BlockingRecv(context.Background()); err != nil {
					return // ErrClosed
				}
				mu.Lock()
				n++
				mu.Unlock()
			}
		})
	}
	consumers.Wait()
	fmt.Println("received:", n)
	// Output: received: 3
}

// TrySend never waits, and never overtakes senders that wait.
func ExampleSender_TrySend() {
	tx, rx := mpmc.New[int](1)
	fmt.Println(tx.TrySend(1))
	fmt.Println(tx.TrySend(2))
	v, _ := rx.TryRecv()
	fmt.Println(v, tx.TrySend(2))
	// Output:
	// <nil>
	// mpmc: channel full
	// 1 <nil>
}

// Close lets receivers drain what is buffered; then they get ErrClosed, and
// sends fail.
func ExampleSender_Close() {
	tx, rx := mpmc.New[int](4)
	_ = tx.TrySend(1)
	_ = tx.TrySend(2)
	tx.Close()
	fmt.Println(tx.TrySend(3))
	for {
		v, err := rx.TryRecv()
		if err != nil {
			fmt.Println(err)
			break
		}
		fmt.Println(v)
	}
	// Output:
	// mpmc: channel closed
	// 1
	// 2
	// mpmc: channel closed
}

// The Send future hands its value back in a SendError when the channel is
// closed before the value could be buffered.
func ExampleSendError() {
	tx, _ := mpmc.New[string](1)
	_ = tx.TrySend("first")
	send := tx.Send("second") // waits: the channel is full
	cx := future.NewContext(future.Noop())
	send.Poll(cx)
	tx.Close()
	err, _ := send.Poll(cx)
	var se *mpmc.SendError[string]
	if errors.As(err, &se) {
		fmt.Println(err, "-", se.Value, "came back")
	}
	// Output: mpmc: channel closed - second came back
}

// TryRecv takes a value if one is there, and never waits.
func ExampleReceiver_TryRecv() {
	tx, rx := mpmc.New[int](2)
	_, err := rx.TryRecv()
	fmt.Println(err)
	_ = tx.TrySend(5)
	fmt.Println(rx.TryRecv())
	// Output:
	// mpmc: channel empty
	// 5 <nil>
}

// BlockingRecv waits from a plain goroutine, for a value or for ctx.
func ExampleReceiver_BlockingRecv() {
	_, rx := mpmc.New[int](1)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := rx.BlockingRecv(ctx)
	fmt.Println(err)
	// Output: context canceled
}

// counter is a hand-written task that receives until the channel ends. It
// keeps one RecvFuture by value and Resets it for each receive, so that
// receiving allocates nothing.
type counter struct {
	rx      *mpmc.Receiver[int]
	recv    mpmc.RecvFuture[int]
	waiting bool
	n       int
}

func (c *counter) Poll(cx *future.Context) (int, bool) {
	for {
		if !c.waiting {
			c.recv.Reset(c.rx)
			c.waiting = true
		}
		r, ok := c.recv.Poll(cx)
		if !ok {
			return 0, false
		}
		c.waiting = false
		if r.Err != nil {
			return c.n, true
		}
		c.n++
	}
}

// Drop gives up a pending receive (and any value promised to it).
func (c *counter) Drop() { c.recv.Drop() }

func ExampleRecvFuture_Reset() {
	rt, err := weft.New(weft.WithCurrentThread())
	if err != nil {
		panic(err)
	}
	defer rt.Close()
	tx, rx := mpmc.New[int](8)
	for v := range 5 {
		_ = tx.TrySend(v)
	}
	tx.Close()
	n, _ := weft.BlockOn(context.Background(), rt, &counter{rx: rx})
	fmt.Println("received:", n)
	// Output: received: 5
}

// A SendFuture kept by value and Reset sends again and again without
// allocating.
func ExampleSendFuture_Reset() {
	tx, rx := mpmc.New[int](4)
	cx := future.NewContext(future.Noop())
	var send mpmc.SendFuture[int]
	for v := range 3 {
		send.Reset(tx, v)
		if err, ok := send.Poll(cx); !ok || err != nil {
			panic("no room")
		}
	}
	fmt.Println(rx.Len())
	// Output: 3
}

// Recv, awaited in a task; here driven by BlockOn.
func ExampleReceiver_Recv() {
	rt, err := weft.New(weft.WithCurrentThread())
	if err != nil {
		panic(err)
	}
	defer rt.Close()
	tx, rx := mpmc.New[string](1)
	weft.Spawn(rt, tx.Send("hello")).Detach()
	r, _ := weft.BlockOn(context.Background(), rt, rx.Recv())
	fmt.Println(r.Value)
	// Output: hello
}
