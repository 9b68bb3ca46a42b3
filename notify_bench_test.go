package weft_test

import (
	"sync"
	"testing"

	"github.com/weftrt/weft"
	"github.com/weftrt/weft/future"
)

// Ping-pong: two goroutines wake each other in turn, so every round trip is
// two notifications and two waits. Twins: sync.Cond with a flag, and a pair
// of unbuffered channels.

func BenchmarkNotifyPingPong(b *testing.B) {
	ping, pong := weft.NewNotify(), weft.NewNotify()
	stop := false // written before the last ping, read after it
	done := make(chan struct{})
	go func() {
		defer close(done)
		d := newSyncBenchDriver()
		var f weft.NotifiedFuture
		for {
			f.Reset(ping)
			syncBenchBlock(d, future.Future[struct{}](&f))
			if stop {
				return
			}
			pong.NotifyOne()
		}
	}()
	d := newSyncBenchDriver()
	var f weft.NotifiedFuture
	b.ReportAllocs()
	for b.Loop() {
		f.Reset(pong)
		ping.NotifyOne()
		syncBenchBlock(d, future.Future[struct{}](&f))
	}
	stop = true
	ping.NotifyOne()
	<-done
}

func BenchmarkNotifyPingPongCond(b *testing.B) {
	var mu sync.Mutex
	cond := sync.NewCond(&mu)
	turn := 0 // 0: main's turn, 1: the other's, 2: stop
	done := make(chan struct{})
	go func() {
		defer close(done)
		mu.Lock()
		defer mu.Unlock()
		for {
			for turn == 0 {
				cond.Wait()
			}
			if turn == 2 {
				return
			}
			turn = 0
			cond.Broadcast()
		}
	}()
	b.ReportAllocs()
	mu.Lock()
	for b.Loop() {
		turn = 1
		cond.Broadcast()
		for turn == 1 {
			cond.Wait()
		}
	}
	turn = 2
	cond.Broadcast()
	mu.Unlock()
	<-done
}

func BenchmarkNotifyPingPongChannel(b *testing.B) {
	ping, pong := make(chan struct{}), make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		for range ping {
			pong <- struct{}{}
		}
	}()
	b.ReportAllocs()
	for b.Loop() {
		ping <- struct{}{}
		<-pong
	}
	close(ping)
	<-done
}

// Stored permit: notify with nobody waiting, then a wait that completes at
// once. Twin: a one-slot channel used as a flag.

func BenchmarkNotifyStoredPermit(b *testing.B) {
	n := weft.NewNotify()
	cx := syncNoopCx()
	var f weft.NotifiedFuture
	b.ReportAllocs()
	for b.Loop() {
		n.NotifyOne()
		f.Reset(n)
		f.Poll(cx)
	}
}

func BenchmarkNotifyStoredPermitChannel(b *testing.B) {
	ch := make(chan struct{}, 1)
	b.ReportAllocs()
	for b.Loop() {
		select {
		case ch <- struct{}{}:
		default:
		}
		<-ch
	}
}

// Broadcast: 8 registered waiters released at once and then polled, on one
// goroutine. Twin: closing a channel that 8 receivers then read.

func BenchmarkNotifyWaitersBroadcast8(b *testing.B) {
	n := weft.NewNotify()
	cx := syncNoopCx()
	var fs [8]weft.NotifiedFuture
	b.ReportAllocs()
	for b.Loop() {
		for i := range fs {
			fs[i].Reset(n)
			fs[i].Enable()
		}
		n.NotifyWaiters()
		for i := range fs {
			fs[i].Poll(cx)
		}
	}
}

func BenchmarkNotifyWaitersBroadcast8ChannelClose(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		ch := make(chan struct{})
		close(ch)
		for range 8 {
			<-ch
		}
	}
}
