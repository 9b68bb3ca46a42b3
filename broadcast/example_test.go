package broadcast_test

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/weftrt/weft/broadcast"
	"github.com/weftrt/weft/future"
)

// Every subscriber sees every event.
func ExampleNew() {
	tx, rx1 := broadcast.New[string](16)
	rx2 := tx.Subscribe()
	var wg sync.WaitGroup
	var mu sync.Mutex
	seen := map[string]int{}
	for _, rx := range []*broadcast.Receiver[string]{rx1, rx2} {
		wg.Go(func() {
			defer rx.Close()
			for {
				ev, err := rx.BlockingRecv(context.Background())
				if err != nil {
					return
				}
				mu.Lock()
				seen[ev]++
				mu.Unlock()
			}
		})
	}
	_, _ = tx.Send("started")
	_, _ = tx.Send("stopped")
	tx.Close()
	wg.Wait()
	fmt.Println(seen["started"], seen["stopped"])
	// Output: 2 2
}

// Send reports how many receivers will see the value.
func ExampleSender() {
	tx := broadcast.NewSender[int](4)
	defer tx.Close()
	_, err := tx.Send(1)
	fmt.Println(err)
	rx := tx.Subscribe()
	defer rx.Close()
	n, _ := tx.Send(2)
	fmt.Println(n)
	// Output:
	// broadcast: no receivers
	// 1
}

// A receiver that falls behind learns how much it missed.
func ExampleLaggedError() {
	tx, rx := broadcast.New[int](2)
	defer tx.Close()
	defer rx.Close()
	for v := range 5 {
		_, _ = tx.Send(v)
	}
	_, err := rx.TryRecv()
	var lag *broadcast.LaggedError
	if errors.As(err, &lag) {
		fmt.Println("skipped", lag.Skipped)
	}
	v, _ := rx.TryRecv()
	fmt.Println("next", v)
	// Output:
	// skipped 3
	// next 3
}

// A Receiver reads values sent after it subscribed, then the end.
func ExampleReceiver() {
	tx, rx := broadcast.New[int](4)
	_, _ = tx.Send(1)
	late := rx.Resubscribe() // misses 1
	_, _ = tx.Send(2)
	tx.Close()
	for _, r := range []*broadcast.Receiver[int]{rx, late} {
		for {
			v, err := r.TryRecv()
			if err != nil {
				fmt.Println(err)
				break
			}
			fmt.Println(v)
		}
		r.Close()
	}
	// Output:
	// 1
	// 2
	// broadcast: channel closed
	// 2
	// broadcast: channel closed
}

// Recv is a future; a task awaits it (future.Block stands in for one).
func ExampleRecvFuture() {
	tx, rx := broadcast.New[string](4)
	defer rx.Close()
	go func() { _, _ = tx.Send("hi"); tx.Close() }()
	r, _ := future.Block[future.Result[string]](context.Background(), rx.Recv())
	fmt.Println(r.Value, r.Err)
	// Output: hi <nil>
}

// A Sender stops producing once nobody listens.
func ExampleClosedFuture() {
	tx, rx := broadcast.New[int](4)
	defer tx.Close()
	go rx.Close()
	_, _ = future.Block[struct{}](context.Background(), tx.Closed())
	fmt.Println(tx.ReceiverCount())
	// Output: 0
}
