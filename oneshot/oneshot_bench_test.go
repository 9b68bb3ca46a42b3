package oneshot_test

import (
	"context"
	"testing"

	"github.com/weftrt/weft/future"
	"github.com/weftrt/weft/oneshot"
)

// Each weft benchmark has a Go-channel twin right after it.

// Create a channel, send, receive, on one goroutine (what a task that answers
// a request does, without the scheduler).
func BenchmarkCreateSendRecv(b *testing.B) {
	b.ReportAllocs()
	cx := future.NewContext(future.Noop())
	for b.Loop() {
		tx, rx := oneshot.New[int]()
		sink = rx
		_ = tx.Send(1)
		if r, ok := rx.Poll(cx); !ok || r.Value != 1 {
			b.Fatal("not ready")
		}
	}
}

func BenchmarkCreateSendRecvGoChan(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		ch := make(chan int, 1)
		sink = ch
		ch <- 1
		if v := <-ch; v != 1 {
			b.Fatal("wrong value")
		}
	}
}

// Poll a receiver that waits (the cost of one spurious wake).
func BenchmarkPollPending(b *testing.B) {
	b.ReportAllocs()
	_, rx := oneshot.New[int]()
	cx := future.NewContext(future.Noop())
	for b.Loop() {
		rx.Poll(cx)
	}
}

// Two goroutines play ping-pong; every round trip creates two channels, as
// Tokio's ping_pong benchmark does with tasks.
func BenchmarkPingPong(b *testing.B) {
	b.ReportAllocs()
	type req struct{ reply *oneshot.Sender[int] }
	reqs := make(chan *oneshot.Receiver[req], 1)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for rx := range reqs {
			r, err := rx.BlockingRecv(context.Background())
			if err != nil {
				b.Error(err)
				return
			}
			_ = r.reply.Send(1)
		}
	}()
	ctx := context.Background()
	for b.Loop() {
		tx1, rx1 := oneshot.New[req]()
		tx2, rx2 := oneshot.New[int]()
		reqs <- rx1
		_ = tx1.Send(req{reply: tx2})
		if _, err := rx2.BlockingRecv(ctx); err != nil {
			b.Fatal(err)
		}
	}
	close(reqs)
	<-done
}

func BenchmarkPingPongGoChan(b *testing.B) {
	b.ReportAllocs()
	type req struct{ reply chan int }
	reqs := make(chan chan req, 1)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for rx := range reqs {
			r := <-rx
			r.reply <- 1
		}
	}()
	for b.Loop() {
		c1 := make(chan req, 1)
		c2 := make(chan int, 1)
		reqs <- c1
		c1 <- req{reply: c2}
		<-c2
	}
	close(reqs)
	<-done
}
