package iodriver

import "testing"

// TestReadinessReachable walks every word reachable from a new
// registration's through the transitions themselves (bounded to two users
// and a few ticks) and checks the bit algebra on each: RELEASED only with
// CLOSED and no user, users never negative, the closed bits never cleared
// by clear, and at most one transition ever returns "hand the fd back".
func TestReadinessReachable(t *testing.T) {
	type node struct {
		s        Readiness
		released int // how many transitions told their caller to release
	}
	start := node{s: initialReadiness}
	seen := map[node]bool{start: true}
	queue := []node{start}
	events := []Readiness{readable, writable, readClosed, writeClosed, errorBit | readable | writable}
	for len(queue) > 0 {
		n := queue[0]
		queue = queue[1:]
		s := n.s
		if s.IsReleased() && (!s.IsClosed() || s.Users() != 0) {
			t.Fatalf("RELEASED without CLOSED and no user: %v", s)
		}
		if n.released > 1 {
			t.Fatalf("fd released twice reaching %v", s)
		}
		var next []node
		if s.Tick() < 3 {
			for _, ev := range events {
				ns := s.transitionDeliver(ev)
				if ns.Tick() != s.Tick()+1 || ns&ev != ev {
					t.Fatalf("deliver %v to %v gave %v", ev, s, ns)
				}
				next = append(next, node{ns, n.released})
			}
		}
		for _, d := range []Direction{Read, Write} {
			if ev := s.event(d); ev.Ready != 0 {
				ns, _ := s.transitionClear(ev)
				if ns&(readClosed|writeClosed|closedBit|shutdownBit) != s&(readClosed|writeClosed|closedBit|shutdownBit) {
					t.Fatalf("clear changed final bits: %v -> %v", s, ns)
				}
				next = append(next, node{ns, n.released})
				// A stale event (older tick) clears nothing.
				stale := ev
				stale.tick--
				if ns2, w := s.transitionClear(stale); w || ns2 != s {
					t.Fatalf("stale clear wrote %v -> %v", s, ns2)
				}
			}
		}
		if s.Users() < 2 {
			if ns, res := s.transitionAcquire(); res == acquireOK {
				if s.IsClosed() || s.IsShutdown() {
					t.Fatalf("acquire succeeded on %v", s)
				}
				next = append(next, node{ns, n.released})
			}
		}
		if s.Users() > 0 {
			ns, rel := s.transitionRelease()
			r := n.released
			if rel {
				r++
			}
			next = append(next, node{ns, r})
		}
		if ns, res := s.transitionClose(); res != closeAgain {
			r := n.released
			if res == closeFirstRelease {
				r++
			}
			next = append(next, node{ns, r})
		} else if !s.IsClosed() {
			t.Fatalf("close of an open registration did nothing: %v", s)
		}
		if ns, first := s.transitionShutdown(); first {
			next = append(next, node{ns, n.released})
		}
		for _, m := range next {
			if !seen[m] {
				seen[m] = true
				queue = append(queue, m)
			}
		}
	}
	// Every closed word with no user must have released exactly once.
	for n := range seen {
		if n.s.IsClosed() && n.s.Users() == 0 && n.released != 1 {
			t.Fatalf("closed with no user, released %d times: %v", n.released, n.s)
		}
	}
	t.Logf("%d reachable (word, releases) nodes", len(seen))
}

// TestClearDrained: a short read or write clears only READABLE or WRITABLE
// (an ERROR stays for the next operation to report), and only when no event
// came in since the readiness was read.
func TestClearDrained(t *testing.T) {
	var r Registration
	r.state.Store(uint64(readable | writable | errorBit | readClosed))
	ev := r.Load().event(Read)
	r.ClearDrained(ev)
	if got, want := r.Load(), writable|errorBit|readClosed; got != want {
		t.Fatalf("after ClearDrained(read): %v, want %v", got, want)
	}
	ev = r.Load().event(Write)
	r.state.Store(uint64(r.Load().transitionDeliver(readable)))
	r.ClearDrained(ev) // stale: an event came in after ev was read
	if got := r.Load(); !got.IsWritable() || !got.IsReadable() {
		t.Fatalf("a stale ClearDrained cleared %v", got)
	}
	r.ClearDrained(r.Load().event(Write))
	if got := r.Load(); got.IsWritable() || !got.IsReadable() || got&errorBit == 0 {
		t.Fatalf("after ClearDrained(write): %v; want only WRITABLE cleared", got)
	}
}
