package mpsc_test

import (
	"context"
	"sync"
	"testing"

	"github.com/weftrt/weft"
	"github.com/weftrt/weft/future"
	"github.com/weftrt/weft/internal/futurecx"
	"github.com/weftrt/weft/mpsc"
	"github.com/weftrt/weft/task"
)

// Every weft benchmark is followed by its Go-channel twin.

// Send and receive on one goroutine through the futures (what a task does,
// without the scheduler). The Send future is allocated per send.
func BenchmarkBoundedSendRecvFutures(b *testing.B) {
	b.ReportAllocs()
	tx, rx := mpsc.New[int](64)
	cx := future.NewContext(future.Noop())
	for b.Loop() {
		f := tx.Send(1)
		if err, ok := f.Poll(cx); !ok || err != nil {
			b.Fatal("send not ready")
		}
		if r, ok := rx.Recv().Poll(cx); !ok || r.Value != 1 {
			b.Fatal("recv not ready")
		}
	}
}

// The same with one SendFuture kept by value and Reset for each send: what a
// hand-written future or an Async body does to send without allocating.
func BenchmarkBoundedSendRecvFuturesReset(b *testing.B) {
	b.ReportAllocs()
	tx, rx := mpsc.New[int](64)
	cx := future.NewContext(future.Noop())
	var f mpsc.SendFuture[int]
	for b.Loop() {
		f.Reset(tx, 1)
		if err, ok := f.Poll(cx); !ok || err != nil {
			b.Fatal("send not ready")
		}
		if r, ok := rx.Recv().Poll(cx); !ok || r.Value != 1 {
			b.Fatal("recv not ready")
		}
	}
}

// Send and receive on one goroutine with the non-waiting forms.
func BenchmarkBoundedTrySendTryRecv(b *testing.B) {
	b.ReportAllocs()
	tx, rx := mpsc.New[int](64)
	for b.Loop() {
		if err := tx.TrySend(1); err != nil {
			b.Fatal(err)
		}
		if _, err := rx.TryRecv(); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkBoundedSendRecvGoChan(b *testing.B) {
	b.ReportAllocs()
	ch := make(chan int, 64)
	for b.Loop() {
		ch <- 1
		<-ch
	}
}

func BenchmarkUnboundedSendRecv(b *testing.B) {
	b.ReportAllocs()
	tx, rx := mpsc.NewUnbounded[int]()
	cx := future.NewContext(future.Noop())
	for b.Loop() {
		_ = tx.Send(1)
		if _, ok := rx.Recv().Poll(cx); !ok {
			b.Fatal("recv not ready")
		}
	}
}

// Go has no unbounded channel; a large buffer is the closest twin.
func BenchmarkUnboundedSendRecvGoChan(b *testing.B) {
	b.ReportAllocs()
	ch := make(chan int, 1024)
	for b.Loop() {
		ch <- 1
		<-ch
	}
}

// The receiver's waiting path as a task takes it: a Recv on the empty
// channel registers the task's waker, a send takes and wakes it, the next
// Recv receives. This is the path of the check for a second waiter
// (setRxWakerLocked), which must cost nothing measurable.
func BenchmarkBoundedRecvWaitWake(b *testing.B) {
	b.ReportAllocs()
	tx, rx := mpsc.New[int](64)
	cx := future.NewContext(future.Noop())
	futurecx.SetWaker(cx, future.NewTaggedWaker(&benchWaker{}, 7))
	futurecx.SetTaskID(cx, 7)
	for b.Loop() {
		if _, ok := rx.Recv().Poll(cx); ok {
			b.Fatal("recv ready on an empty channel")
		}
		if err := tx.TrySend(1); err != nil {
			b.Fatal(err)
		}
		if r, ok := rx.Recv().Poll(cx); !ok || r.Value != 1 {
			b.Fatal("recv not ready")
		}
	}
}

// benchWaker is a Wakeable that does nothing.
type benchWaker struct{ _ byte }

func (*benchWaker) Wake(uint64) {}

// The Go-channel twin: a receive that finds nothing (select with default),
// a send, a receive.
func BenchmarkBoundedRecvWaitWakeGoChan(b *testing.B) {
	b.ReportAllocs()
	ch := make(chan int, 64)
	for b.Loop() {
		select {
		case <-ch:
			b.Fatal("receive on an empty channel")
		default:
		}
		ch <- 1
		<-ch
	}
}

// One producer goroutine, one consumer goroutine, a small bounded buffer:
// both sides block often.
func BenchmarkBoundedSPSCBlocking(b *testing.B) {
	b.ReportAllocs()
	tx, rx := mpsc.New[int](16)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			if _, err := rx.BlockingRecv(context.Background()); err != nil {
				return
			}
		}
	}()
	for b.Loop() {
		_ = tx.BlockingSend(context.Background(), 1)
	}
	tx.Close()
	<-done
}

func BenchmarkBoundedSPSCGoChan(b *testing.B) {
	b.ReportAllocs()
	ch := make(chan int, 16)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for range ch {
		}
	}()
	for b.Loop() {
		ch <- 1
	}
	close(ch)
	<-done
}

// Contended: 4 producer goroutines share the channel, one consumer.
func BenchmarkBoundedMPSCContended(b *testing.B) {
	b.ReportAllocs()
	const prod = 4
	tx, rx := mpsc.New[int](64)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			if _, err := rx.BlockingRecv(context.Background()); err != nil {
				return
			}
		}
	}()
	var wg sync.WaitGroup
	n := b.N
	b.ResetTimer()
	for p := range prod {
		s := tx.Clone()
		wg.Go(func() {
			defer s.Close()
			for i := p; i < n; i += prod {
				_ = s.BlockingSend(context.Background(), i)
			}
		})
	}
	wg.Wait()
	tx.Close()
	<-done
}

func BenchmarkBoundedMPSCContendedGoChan(b *testing.B) {
	b.ReportAllocs()
	const prod = 4
	ch := make(chan int, 64)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for range ch {
		}
	}()
	var wg sync.WaitGroup
	n := b.N
	b.ResetTimer()
	for p := range prod {
		wg.Go(func() {
			for i := p; i < n; i += prod {
				ch <- i
			}
		})
	}
	wg.Wait()
	close(ch)
	<-done
}

// Batch receive: RecvMany drains up to 64 values per poll.
func BenchmarkUnboundedRecvMany(b *testing.B) {
	b.ReportAllocs()
	tx, rx := mpsc.NewUnbounded[int]()
	cx := future.NewContext(future.Noop())
	buf := make([]int, 0, 64)
	for b.Loop() {
		for i := range 64 {
			_ = tx.Send(i)
		}
		out, _ := rx.RecvMany(buf[:0], 64).Poll(cx)
		if len(out) != 64 {
			b.Fatal(len(out))
		}
	}
}

func BenchmarkUnboundedRecvManyGoChan(b *testing.B) {
	b.ReportAllocs()
	ch := make(chan int, 64)
	buf := make([]int, 0, 64)
	for b.Loop() {
		for i := range 64 {
			ch <- i
		}
		buf = buf[:0]
		for range 64 {
			buf = append(buf, <-ch)
		}
	}
}

// medium is a 512-byte value, the size of Tokio's "medium" benchmark value.
type medium [512]byte

// Creating a bounded channel of medium values with room for 1,000 and
// sending one value through it: what the buffer costs when a channel is made
// for a short exchange.
func BenchmarkBoundedCreateSendMedium(b *testing.B) {
	b.ReportAllocs()
	cx := future.NewContext(future.Noop())
	for b.Loop() {
		tx, rx := mpsc.New[medium](1000)
		if err := tx.TrySend(medium{1}); err != nil {
			b.Fatal(err)
		}
		if r, ok := rx.Recv().Poll(cx); !ok || r.Value[0] != 1 {
			b.Fatal("recv not ready")
		}
		tx.Close()
	}
}

func BenchmarkBoundedCreateSendMediumGoChan(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		ch := make(chan medium, 1000)
		ch <- medium{1}
		if v := <-ch; v[0] != 1 {
			b.Fatal("wrong value")
		}
		close(ch)
	}
}

// allocProducer sends next .. end-1 with a new Send future per value, the
// plain use of the API, and closes its Sender at the end.
type allocProducer struct {
	tx        *mpsc.Sender[int]
	send      *mpsc.SendFuture[int]
	next, end int
}

func (p *allocProducer) Poll(cx *future.Context) (error, bool) {
	for p.next < p.end {
		if p.send == nil {
			p.send = p.tx.Send(p.next)
		}
		err, ok := p.send.Poll(cx)
		if !ok {
			return nil, false
		}
		p.send = nil
		if err != nil {
			return err, true
		}
		p.next++
	}
	p.tx.Close()
	return nil, true
}

func (p *allocProducer) Drop() {
	if p.send != nil {
		p.send.Drop()
	}
	p.tx.Close()
}

// benchTaskContention runs 4 producer tasks into one bounded channel of 64
// slots and a consumer task, on a 2-worker runtime, for b.N values in all:
// the shape of the contention_bounded workload. reuse picks the producer.
func benchTaskContention(b *testing.B, reuse bool) {
	b.ReportAllocs()
	const prod = 4
	rt, err := weft.New(weft.WithWorkers(2))
	if err != nil {
		b.Fatal(err)
	}
	defer rt.Close()
	for b.Loop() {
		// One op is 1,000 messages, so that the runtime's per-task costs
		// stay small next to the sends.
		const n = 1000
		tx, rx := mpsc.New[int](64)
		hs := make([]*task.JoinHandle[error], prod)
		for p := range prod {
			s := tx.Clone()
			lo, hi := p*n/prod, (p+1)*n/prod
			if reuse {
				hs[p] = weft.Spawn(rt, &closingProducer{resetProducer{tx: s, next: lo, end: hi}})
			} else {
				hs[p] = weft.Spawn(rt, &allocProducer{tx: s, next: lo, end: hi})
			}
		}
		tx.Close()
		got, _ := weft.BlockOn(context.Background(), rt, weft.Async(func(a *weft.A) int {
			k := 0
			for weft.Await(a, rx.Recv()).Err == nil {
				k++
			}
			return k
		}))
		if got != n {
			b.Fatalf("received %d of %d", got, n)
		}
		for _, h := range hs {
			if r, _ := weft.BlockOn(context.Background(), rt, h); r.Err != nil {
				b.Fatal(r.Err)
			}
		}
	}
}

// Per op: 1,000 messages from 4 producer tasks, a new Send future per value.
func BenchmarkTaskContentionSend(b *testing.B) { benchTaskContention(b, false) }

// Per op: 1,000 messages from 4 producer tasks, one reused Send future each.
func BenchmarkTaskContentionSendReset(b *testing.B) { benchTaskContention(b, true) }

// Per op: 1,000 messages from 4 producer goroutines through a Go channel of
// 64 slots to a consumer goroutine.
func BenchmarkTaskContentionGoChan(b *testing.B) {
	b.ReportAllocs()
	const prod = 4
	for b.Loop() {
		const n = 1000
		ch := make(chan int, 64)
		var wg sync.WaitGroup
		for p := range prod {
			lo, hi := p*n/prod, (p+1)*n/prod
			wg.Go(func() {
				for i := lo; i < hi; i++ {
					ch <- i
				}
			})
		}
		go func() { wg.Wait(); close(ch) }()
		k := 0
		for range ch {
			k++
		}
		if k != n {
			b.Fatalf("received %d of %d", k, n)
		}
	}
}
