package oneshot_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/weftrt/weft/future"
	"github.com/weftrt/weft/oneshot"
)

// A goroutine computes a value and hands it back through a oneshot channel.
func ExampleNew() {
	tx, rx := oneshot.New[string]()
	go func() {
		defer tx.Close() // harmless after Send; reports ErrClosed if we bail out early
		_ = tx.Send("done")
	}()
	v, err := rx.BlockingRecv(context.Background())
	fmt.Println(v, err)
	// Output: done <nil>
}

// A Sender gets its value back when nobody listens any more.
func ExampleSender() {
	tx, rx := oneshot.New[int]()
	rx.Close()
	err := tx.Send(7)
	var se *oneshot.SendError[int]
	if errors.As(err, &se) {
		fmt.Println("not delivered:", se.Value, errors.Is(err, oneshot.ErrClosed))
	}
	// Output: not delivered: 7 true
}

// The Receiver is a future: a task (here future.Block) awaits it directly.
func ExampleReceiver() {
	tx, rx := oneshot.New[int]()
	go func() { _ = tx.Send(42) }()
	r, _ := future.Block[future.Result[int]](context.Background(), rx)
	fmt.Println(r.Value, r.Err)
	// Output: 42 <nil>
}

// A Sender stops working on a result that nobody waits for.
func ExampleClosedFuture() {
	tx, rx := oneshot.New[int]()
	go rx.Close() // the receiver gives up
	_, _ = future.Block(context.Background(), tx.Closed())
	fmt.Println("receiver gone:", tx.IsClosed())
	// Output: receiver gone: true
}

// A closed Sender makes the receiver fail instead of waiting forever.
func ExampleSender_Close() {
	tx, rx := oneshot.New[int]()
	tx.Close()
	_, err := rx.BlockingRecv(context.Background())
	fmt.Println(err)
	// Output: oneshot: channel closed
}

// SendError carries the value that could not be delivered.
func ExampleSendError() {
	tx, rx := oneshot.New[string]()
	rx.Close()
	if err := tx.Send("late"); err != nil {
		fmt.Printf("%v (value %q)\n", err, err.(*oneshot.SendError[string]).Value)
	}
	// Output: oneshot: channel closed (value "late")
}
