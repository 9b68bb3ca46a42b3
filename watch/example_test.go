package watch_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/weftrt/weft/future"
	"github.com/weftrt/weft/watch"
)

// A configuration is published to a worker that reacts to each change.
func ExampleNew() {
	tx, rx := watch.New("v1")
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer rx.Close()
		for rx.BlockingChanged(context.Background()) == nil {
			cfg, _ := rx.BorrowAndUpdate()
			fmt.Println("reload", cfg)
			if cfg == "v2" {
				return
			}
		}
	}()
	_ = tx.Send("v2")
	<-done
	tx.Close()
	// Output: reload v2
}

// A Sender replaces or edits the value; receivers see versions, not every
// value.
func ExampleSender() {
	tx, rx := watch.New(0)
	defer tx.Close()
	defer rx.Close()
	tx.SendModify(func(v *int) { *v += 10 })
	old := tx.SendReplace(5)
	changed := tx.SendIfModified(func(v *int) bool { return false })
	v, seen := rx.BorrowAndUpdate()
	fmt.Println(old, changed, v, seen)
	// Output: 10 false 5 true
}

// A Receiver reads the latest value and learns whether it is new.
func ExampleReceiver() {
	tx, rx := watch.New("a")
	defer rx.Close()
	fmt.Println(rx.HasChanged())
	_ = tx.Send("b")
	fmt.Println(rx.HasChanged())
	fmt.Println(rx.BorrowAndUpdate())
	tx.Close()
	_, err := rx.HasChanged()
	fmt.Println(err)
	// Output:
	// false <nil>
	// true <nil>
	// b true
	// watch: channel closed
}

// Changed is a future; a task awaits it (future.Block stands in for one).
func ExampleChangedFuture() {
	tx, rx := watch.New(1)
	defer rx.Close()
	go func() { _ = tx.Send(2); tx.Close() }()
	err, _ := future.Block[error](context.Background(), rx.Changed())
	v, _ := rx.BorrowAndUpdate()
	fmt.Println(err, v)
	// Output: <nil> 2
}

// WaitFor waits for a state, such as "ready".
func ExampleWaitForFuture() {
	tx, rx := watch.New("starting")
	defer rx.Close()
	go func() {
		_ = tx.Send("loading")
		_ = tx.Send("ready")
		tx.Close()
	}()
	r, _ := future.Block[future.Result[string]](context.Background(),
		rx.WaitFor(func(s string) bool { return s == "ready" }))
	fmt.Println(r.Value, r.Err)
	// Output: ready <nil>
}

// A Sender stops publishing once nobody watches.
func ExampleClosedFuture() {
	tx, rx := watch.New(0)
	defer tx.Close()
	go rx.Close()
	_, _ = future.Block[struct{}](context.Background(), tx.Closed())
	fmt.Println(errors.Is(tx.Send(1), watch.ErrClosed))
	// Output: true
}
