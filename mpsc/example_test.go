package mpsc_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/weftrt/weft"
	"github.com/weftrt/weft/future"
	"github.com/weftrt/weft/mpsc"
)

// Several producers, one consumer; the channel ends when every producer has
// closed its Sender.
func ExampleNew() {
	tx, rx := mpsc.New[int](2)
	for p := range 3 {
		s := tx.Clone()
		go func() {
			defer s.Close()
			_ = s.BlockingSend(context.Background(), p)
		}()
	}
	tx.Close() // the original handle is not used to send
	sum := 0
	for {
		v, err := rx.BlockingRecv(context.Background())
		if errors.Is(err, mpsc.ErrClosed) {
			break
		}
		sum += v
	}
	fmt.Println("sum:", sum)
	// Output: sum: 3
}

// A Sender applies back-pressure: TrySend fails while the buffer is full.
func ExampleSender() {
	tx, rx := mpsc.New[string](1)
	defer tx.Close()
	fmt.Println(tx.TrySend("a"))
	fmt.Println(tx.TrySend("b"))
	v, _ := rx.TryRecv()
	fmt.Println(v, tx.TrySend("b"))
	// Output:
	// <nil>
	// mpsc: channel full
	// a <nil>
}

// The Send future waits for room; here future.Block drives it.
func ExampleSendFuture() {
	tx, rx := mpsc.New[int](1)
	defer tx.Close()
	_ = tx.TrySend(1)
	go func() { _, _ = rx.BlockingRecv(context.Background()) }() // makes room
	err, _ := future.Block[error](context.Background(), tx.Send(2))
	fmt.Println("sent:", err == nil)
	// Output: sent: true
}

// A Permit reserves a slot before the value exists, so the send cannot fail.
func ExamplePermit() {
	tx, rx := mpsc.New[string](4)
	defer tx.Close()
	p, err := tx.TryReserveMany(2)
	if err != nil {
		panic(err)
	}
	p.Send("first")
	p.Release() // the second slot is not needed
	v, _ := rx.TryRecv()
	fmt.Println(v, tx.Capacity())
	// Output: first 4
}

// Reserve waits for a slot and returns it in a Permit.
func ExampleReserveFuture() {
	tx, rx := mpsc.New[int](1)
	defer tx.Close()
	r, _ := future.Block[future.Result[*mpsc.Permit[int]]](context.Background(), tx.Reserve())
	r.Value.Send(42)
	v, _ := rx.TryRecv()
	fmt.Println(v)
	// Output: 42
}

// An unbounded channel never makes a sender wait.
func ExampleUnboundedSender() {
	tx, rx := mpsc.NewUnbounded[int]()
	for i := range 1000 {
		_ = tx.Send(i)
	}
	tx.Close()
	fmt.Println(rx.Len())
	// Output: 1000
}

// The receiver drains buffered values after closing, then sees the end.
func ExampleReceiver() {
	tx, rx := mpsc.New[int](4)
	defer tx.Close()
	_ = tx.TrySend(1)
	_ = tx.TrySend(2)
	rx.Close()
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
	// mpsc: channel closed
	// 1
	// 2
	// mpsc: channel closed
}

// The Recv future completes with each value and then with ErrClosed.
func ExampleRecvFuture() {
	tx, rx := mpsc.NewUnbounded[string]()
	_ = tx.Send("hello")
	tx.Close()
	for {
		r, _ := future.Block[future.Result[string]](context.Background(), rx.Recv())
		if r.Err != nil {
			fmt.Println(r.Err)
			return
		}
		fmt.Println(r.Value)
	}
	// Output:
	// hello
	// mpsc: channel closed
}

// RecvMany takes what is buffered, up to a limit, in one step.
func ExampleRecvManyFuture() {
	tx, rx := mpsc.NewUnbounded[int]()
	for i := range 5 {
		_ = tx.Send(i)
	}
	tx.Close()
	batch, _ := future.Block[[]int](context.Background(), rx.RecvMany(nil, 3))
	fmt.Println(batch)
	// Output: [0 1 2]
}

// A producer learns that nobody listens any more.
func ExampleClosedFuture() {
	tx, rx := mpsc.New[int](1)
	defer tx.Close()
	go rx.Close()
	_, _ = future.Block[struct{}](context.Background(), tx.Closed())
	fmt.Println(tx.IsClosed())
	// Output: true
}

// A SendError hands back the value the Send future could not deliver.
func ExampleSendError() {
	tx, rx := mpsc.New[string](1)
	defer tx.Close()
	rx.Close()
	err, _ := future.Block[error](context.Background(), tx.Send("undelivered"))
	var se *mpsc.SendError[string]
	if errors.As(err, &se) {
		fmt.Println(se.Value, errors.Is(err, mpsc.ErrClosed))
	}
	// Output: undelivered true
}

// A WeakSender does not keep the channel open.
func ExampleWeakSender() {
	tx, rx := mpsc.New[int](1)
	weak := tx.Downgrade()
	if s, ok := weak.Upgrade(); ok {
		_ = s.TrySend(1)
		s.Close()
	}
	tx.Close()
	_, ok := weak.Upgrade()
	v, _ := rx.TryRecv()
	_, err := rx.TryRecv()
	fmt.Println(v, ok, err)
	// Output: 1 false mpsc: channel closed
}

// The unbounded form of WeakSender.
func ExampleWeakUnboundedSender() {
	tx, _ := mpsc.NewUnbounded[int]()
	weak := tx.Downgrade()
	fmt.Println(weak.StrongCount())
	tx.Close()
	_, ok := weak.Upgrade()
	fmt.Println(ok)
	// Output:
	// 1
	// false
}

// A task that sends many values keeps one SendFuture by value and resets it
// for each send, so that sending allocates nothing per value.
func ExampleSendFuture_Reset() {
	rt, _ := weft.New(weft.WithCurrentThread())
	defer rt.Close()

	tx, rx := mpsc.New[int](2)
	producer := weft.Spawn(rt, weft.Async(func(a *weft.A) error {
		defer tx.Close()
		var send mpsc.SendFuture[int]
		for i := range 5 {
			send.Reset(tx, i) // the previous send has completed
			if err := weft.Await(a, &send); err != nil {
				return err
			}
		}
		return nil
	}))
	sum, _ := weft.BlockOn(context.Background(), rt, weft.Async(func(a *weft.A) int {
		sum := 0
		for {
			r := weft.Await(a, rx.Recv())
			if r.Err != nil {
				return sum
			}
			sum += r.Value
		}
	}))
	r, _ := weft.BlockOn(context.Background(), rt, producer)
	fmt.Println("sum:", sum, "producer error:", r.Err)
	// Output: sum: 10 producer error: <nil>
}
