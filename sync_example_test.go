package weft_test

// Examples for Notify, Mutex, RwLock, Semaphore and Barrier. No runtime
// exists yet, so they drive the futures from goroutines with future.Block;
// inside a task the same futures are simply awaited.

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/weftrt/weft"
	"github.com/weftrt/weft/future"
)

func ExampleNotify() {
	n := weft.NewNotify()
	done := make(chan struct{})
	go func() {
		defer close(done)
		future.Block(context.Background(), n.Notified())
		fmt.Println("received notification")
	}()
	fmt.Println("sending notification")
	n.NotifyOne() // received even if the goroutine has not started waiting yet
	<-done
	// Output:
	// sending notification
	// received notification
}

func ExampleNotify_NotifyWaiters() {
	n := weft.NewNotify()
	// Notified futures take part in NotifyWaiters from the moment they are
	// created, even before they are polled.
	f1, f2 := n.Notified(), n.Notified()
	n.NotifyWaiters()
	future.Block(context.Background(), f1)
	future.Block(context.Background(), f2)
	fmt.Println("both notified")
	// Output: both notified
}

func ExampleNotifiedFuture_Enable() {
	// A multi-consumer queue: enable the Notified before looking at the
	// queue, so that a NotifyOne sent after the look is not lost.
	n := weft.NewNotify()
	var mu sync.Mutex
	var queue []string
	recv := func() string {
		for {
			f := n.Notified()
			f.Enable()
			mu.Lock()
			if len(queue) > 0 {
				v := queue[0]
				queue = queue[1:]
				mu.Unlock()
				f.Drop() // passes on a notification it may have received
				return v
			}
			mu.Unlock()
			future.Block(context.Background(), f)
		}
	}
	go func() {
		mu.Lock()
		queue = append(queue, "hello")
		mu.Unlock()
		n.NotifyOne()
	}()
	fmt.Println(recv())
	// Output: hello
}

func ExampleMutex() {
	m := weft.NewMutex(0)
	var wg sync.WaitGroup
	for range 10 {
		wg.Go(func() {
			g, _ := future.Block(context.Background(), m.Lock())
			*g.Ptr()++
			g.Unlock()
		})
	}
	wg.Wait()
	g, _ := m.BlockingLock(context.Background())
	fmt.Println(g.Get())
	g.Unlock()
	// Output: 10
}

func ExampleMutex_TryLock() {
	m := weft.NewMutex("data")
	g, ok := m.TryLock()
	fmt.Println(ok, g.Get())
	_, ok = m.TryLock()
	fmt.Println(ok)
	g.Unlock()
	// Output:
	// true data
	// false
}

func ExampleRwLock() {
	l := weft.NewRwLock(map[string]int{})
	w, _ := l.BlockingWrite(context.Background())
	w.Get()["answer"] = 42
	r := w.Downgrade() // keep reading without letting another writer in
	fmt.Println(r.Get()["answer"])
	r.Unlock()

	// Many readers at once.
	r1, _ := future.Block(context.Background(), l.Read())
	r2, _ := future.Block(context.Background(), l.Read())
	_, canWrite := l.TryWrite()
	fmt.Println(r1.Get()["answer"]+r2.Get()["answer"], canWrite)
	r1.Unlock()
	r2.Unlock()
	// Output:
	// 42
	// 84 false
}

func ExampleSemaphore() {
	// At most 3 workers at a time.
	sem := weft.NewSemaphore(3)
	var inFlight, peak atomic.Int64
	var wg sync.WaitGroup
	for range 10 {
		wg.Go(func() {
			r, _ := future.Block(context.Background(), sem.Acquire(1))
			permit := r.Value
			v := inFlight.Add(1)
			for {
				p := peak.Load()
				if v <= p || peak.CompareAndSwap(p, v) {
					break
				}
			}
			inFlight.Add(-1)
			permit.Release()
		})
	}
	wg.Wait()
	fmt.Println(peak.Load() <= 3, sem.Available())
	// Output: true 3
}

func ExampleSemaphore_TryAcquire() {
	sem := weft.NewSemaphore(2)
	p, err := sem.TryAcquire(2)
	fmt.Println(p.Num(), err)
	_, err = sem.TryAcquire(1)
	fmt.Println(err)
	p.Release()
	sem.Close()
	_, err = sem.TryAcquire(1)
	fmt.Println(err)
	// Output:
	// 2 <nil>
	// weft: no semaphore permits available
	// weft: semaphore closed
}

func ExampleBarrier() {
	b := weft.NewBarrier(3)
	var leaders atomic.Int64
	var wg sync.WaitGroup
	for range 3 {
		wg.Go(func() {
			r, _ := future.Block(context.Background(), b.Wait())
			if r.IsLeader() {
				leaders.Add(1)
			}
		})
	}
	wg.Wait()
	fmt.Println("leaders:", leaders.Load())
	// Output: leaders: 1
}
