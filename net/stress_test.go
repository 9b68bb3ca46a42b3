//go:build linux

package net_test

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/weftrt/weft"
	"github.com/weftrt/weft/internal/rttest"
	"github.com/weftrt/weft/mpsc"
	"github.com/weftrt/weft/net"
	"github.com/weftrt/weft/task"
)

// report is one echoed round trip, sent by a client task to the collector.
type report struct{ client, round int }

// TestStressIOTimersChannelsAborts mixes everything that can race on a
// socket, on 2 and on 8 workers: client tasks echo messages through an echo
// server on the same runtime, each read under a timeout that is sometimes
// too short (the timer and the readiness event race; the client then drops
// the connection and connects again), with sleeps between rounds, and report
// every round trip on a small bounded channel whose sends wait; idle tasks
// wait in Read, Readable and Accept; an aborter task aborts a random quarter
// of the clients and every idle task at random moments. Checked: every
// JoinHandle resolves (a value or a cancellation, and a cancellation only
// for a task that was aborted), every message comes back intact, each
// client's reports arrive complete and in order (up to its abort), and no
// descriptor is left open (newRT).
func TestStressIOTimersChannelsAborts(t *testing.T) {
	clients, rounds := 64, 100
	if testing.Short() {
		clients, rounds = 16, 20
	}
	for _, workers := range []int{2, 8} {
		t.Run(fmt.Sprintf("workers=%d", workers), func(t *testing.T) {
			stressIO(t, workers, clients, rounds)
		})
	}
}

func stressIO(t *testing.T, workers, clients, rounds int) {
	rt := newRT(t, weft.WithWorkers(workers))
	addr := echoServer(t, rt)
	quiet, _ := listen(t, rt) // a listener nobody connects to

	tx, rx := mpsc.New[report](4)
	collector := weft.Spawn(rt, weft.Async(func(a *weft.A) [][]int {
		got := make([][]int, clients)
		for {
			r, err := weft.Await(a, rx.Recv()).Get()
			if err != nil { // every sender closed
				return got
			}
			got[r.client] = append(got[r.client], r.round)
		}
	}))

	// Client i: connect, then rounds of write, read under a timeout, sleep,
	// report. It returns the number of timeouts it met.
	client := func(i int, tx *mpsc.Sender[report]) *weft.AsyncFuture[int] {
		return weft.Async(func(a *weft.A) int {
			defer tx.Close()
			rng := rand.New(rand.NewPCG(uint64(i), 7))
			connect := func() *net.TCPStream {
				c, err := weft.Await(a, net.ConnectTCP(a.Context(), addr).Timeout(time.Minute)).Get()
				if err != nil {
					panic(fmt.Sprintf("client %d: connect: %v", i, err))
				}
				return c
			}
			c := connect()
			defer func() { c.Close() }()
			timeouts := 0
			buf := make([]byte, 64)
			for r := range rounds {
				msg := fmt.Appendf(nil, "client %d round %d", i, r)
				if err := weft.Await(a, c.WriteAll(msg)); err != nil {
					panic(fmt.Sprintf("client %d: write: %v", i, err))
				}
				limit := time.Minute
				if rng.IntN(6) == 0 {
					limit = time.Duration(rng.IntN(100)) * time.Microsecond
				}
				n, err := weft.Await(a, weft.Timeout(limit, c.ReadFull(buf[:len(msg)]))).Get()
				switch {
				case errors.Is(err, weft.ErrElapsed):
					// Part of the echo may be unread: start afresh.
					timeouts++
					c.Close()
					c = connect()
				case err != nil:
					panic(fmt.Sprintf("client %d: read: %v", i, err))
				case !bytes.Equal(buf[:n.Value], msg):
					panic(fmt.Sprintf("client %d: echo %q of %q", i, buf[:n.Value], msg))
				}
				if rng.IntN(3) == 0 {
					weft.Await(a, weft.Sleep(time.Duration(rng.IntN(300))*time.Microsecond))
				}
				if err := weft.Await(a, tx.Send(report{i, r})); err != nil {
					panic(fmt.Sprintf("client %d: send: %v", i, err))
				}
			}
			return timeouts
		})
	}
	hs := make([]*task.JoinHandle[int], clients)
	txs := make([]*mpsc.Sender[report], clients)
	for i := range hs {
		txs[i] = tx.Clone()
		hs[i] = weft.Spawn(rt, client(i, txs[i]))
	}
	tx.Close()

	// Idle tasks, each waiting in a different kind of wait until aborted.
	idle := []*task.JoinHandle[int]{
		weft.Spawn(rt, weft.Async(func(a *weft.A) int {
			c, err := weft.Await(a, net.ConnectTCP(a.Context(), addr)).Get()
			if err != nil {
				panic(err)
			}
			defer c.Close()
			weft.Await(a, c.Read(make([]byte, 8))) // the echo server never writes first
			panic("Read of a silent connection completed")
		})),
		weft.Spawn(rt, weft.Async(func(a *weft.A) int {
			c, err := weft.Await(a, net.ConnectTCP(a.Context(), addr)).Get()
			if err != nil {
				panic(err)
			}
			defer c.Close()
			// A new socket is assumed ready (readiness may be spurious):
			// TryRead finds nothing, and then Readable waits.
			for {
				if err := weft.Await(a, c.Readable()); err != nil {
					panic(err)
				}
				if n, err := c.TryRead(make([]byte, 8)); err != net.ErrWouldBlock {
					panic(fmt.Sprintf("TryRead of a silent connection: %d, %v", n, err))
				}
			}
		})),
		weft.Spawn(rt, weft.Async(func(a *weft.A) int {
			weft.Await(a, quiet.Accept())
			panic("Accept on a listener nobody connects to completed")
		})),
	}

	// The aborter: a random quarter of the clients and every idle task, at
	// random moments.
	aborted := make([]bool, clients)
	rng := rand.New(rand.NewPCG(uint64(workers), 11))
	var victims []task.AbortHandle
	for i := range aborted {
		if rng.IntN(4) == 0 {
			aborted[i] = true
			victims = append(victims, hs[i].AbortHandle())
		}
	}
	for _, h := range idle {
		victims = append(victims, h.AbortHandle())
	}
	rng.Shuffle(len(victims), func(i, j int) { victims[i], victims[j] = victims[j], victims[i] })
	aborter := weft.Spawn(rt, weft.Async(func(a *weft.A) int {
		for _, v := range victims {
			weft.Await(a, weft.Sleep(time.Duration(rng.IntN(2000))*time.Microsecond))
			v.Abort()
		}
		return len(victims)
	}))

	vals, errs := rttest.JoinAll(t, rt, hs)
	// A client aborted before its first poll never ran its body, so its
	// deferred Close never ran either (Go has no drop): close every clone
	// here, which is a no-op for the others (Close is idempotent), or the
	// collector would wait for that sender for ever.
	for _, c := range txs {
		c.Close()
	}
	timeouts := 0
	for i, err := range errs {
		switch {
		case err == nil:
			timeouts += vals[i]
		case rttest.IsCancelled(err) && aborted[i]:
		default:
			t.Errorf("client %d (aborted: %v): %v", i, aborted[i], err)
		}
	}
	_, idleErrs := rttest.JoinAll(t, rt, idle)
	for i, err := range idleErrs {
		if !rttest.IsCancelled(err) {
			t.Errorf("idle task %d: %v; want a cancellation by the aborter", i, err)
		}
	}
	rttest.MustSucceed(t, rt, []*task.JoinHandle[int]{aborter})
	got := rttest.MustSucceed(t, rt, []*task.JoinHandle[[][]int]{collector})[0]
	for i, rs := range got {
		for j, r := range rs {
			if r != j {
				t.Fatalf("client %d: report %d is round %d", i, j, r)
			}
		}
		if errs[i] == nil && len(rs) != rounds {
			t.Errorf("client %d completed with %d of %d rounds reported", i, len(rs), rounds)
		}
	}
	t.Logf("%d workers: %d clients (%d aborted before they finished), %d reads timed out", workers, clients, countErrs(errs), timeouts)
}

func countErrs(errs []error) int {
	n := 0
	for _, err := range errs {
		if err != nil {
			n++
		}
	}
	return n
}
