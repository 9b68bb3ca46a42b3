package main

import (
	"context"
	"testing"
	"time"

	"github.com/weftrt/weft"
	"github.com/weftrt/weft/future"
	"github.com/weftrt/weft/mpsc"
)

// sendAll sends n requests whose token is cancelled (their client went
// away, so their handler ends at its first poll), then closes the queue.
type sendAll struct {
	s    *service
	tx   *mpsc.Sender[*request]
	tok  *weft.CancellationToken
	n, i int
	send *mpsc.SendFuture[*request]
}

func (p *sendAll) Poll(cx *future.Context) (struct{}, bool) {
	for p.i < p.n {
		if p.send == nil {
			p.send = p.tx.Send(&request{id: uint64(p.i), token: p.tok})
		}
		if _, ok := p.send.Poll(cx); !ok {
			return struct{}{}, false
		}
		p.send.Drop()
		p.send = nil
		p.i++
		if p.i%1024 == 0 {
			// The watchdog's list of in-flight handlers: forget the
			// finished ones, as the watchdog would.
			p.s.inflight[0].sweep(time.Time{}, p.s.c)
		}
	}
	p.tx.Close()
	return struct{}{}, true
}

// BenchmarkDemoWorker runs the demo's worker over b.N requests whose
// handler ends at once, so that the worker's own work is what is measured:
// receive a request, spawn its handler into the JoinSet, join it. The
// worker is the weftgen state machine, the hand-written one it replaced,
// and the marked function as an Async body.
func BenchmarkDemoWorker(b *testing.B) {
	for _, v := range []struct {
		name string
		mk   func(s *service) future.Future[uint64]
	}{
		{"generated", func(s *service) future.Future[uint64] { return workerFuture(s, 0) }},
		{"hand", func(s *service) future.Future[uint64] {
			return &handWorker{s: s, idx: 0, rx: s.rxs[0], open: true}
		}},
		{"async", func(s *service) future.Future[uint64] {
			return weft.Async(func(a *weft.A) uint64 { return worker(a, s, 0) })
		}},
	} {
		b.Run(v.name, func(b *testing.B) {
			rt, err := weft.New(weft.WithCurrentThread())
			if err != nil {
				b.Fatal(err)
			}
			defer rt.Close()
			tx, rx := mpsc.New[*request](128)
			tok := weft.NewCancellationToken()
			tok.Cancel()
			s := &service{
				cfg:      &demoConfig{inflight: 64},
				c:        &demoCounters{},
				rxs:      []*mpsc.Receiver[*request]{rx},
				inflight: []*stragglerList{{}},
			}
			b.ReportAllocs()
			b.ResetTimer()
			weft.SpawnDetached(rt, &sendAll{s: s, tx: tx, tok: tok, n: b.N})
			r, err := weft.BlockOn(context.Background(), rt, weft.Spawn(rt, v.mk(s)))
			if err != nil || r.Err != nil || r.Value != uint64(b.N) {
				b.Fatalf("worker took %d of %d: %v %v", r.Value, b.N, r.Err, err)
			}
			if got := s.c.clientCancelled.Load(); got != uint64(b.N) {
				b.Fatalf("%d handlers joined, want %d", got, b.N)
			}
		})
	}
}
