package iodriver

import (
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/weftrt/weft/internal/statespace"
)

/*
This file is an exhaustive interleaving checker for the protocol between the
waiters of a registration and the driver (the four rules at the top of
registration.go), and for the lifetime of the fd (users, CLOSED, RELEASED in
readiness.go). Go has no loom; as task/interleave_test.go does for the task
harness, each actor runs a short script of atomic steps, and the search tries
every order of the steps of all actors (a DFS that memoizes the states it has
seen and counts the interleavings through them).

A step is one atomic operation on the readiness word, made with the real
pure functions of readiness.go (checkWait, wokenBy and the transitions; a
CAS loop's effect is that of its successful CAS), or one access to what mu
guards (the waker slots, the waiter list), taken only by the actor holding
mu, or one system call on the fd. The actors:

  - peer: the other end of the socket; each send makes data readable and
    queues an edge-triggered event (coalesced with one not yet delivered,
    as epoll does).
  - driver: takes the queued event and delivers it (rule 3): the word's CAS,
    then under mu it takes every slot waker and list waiter the new bits
    satisfy, then wakes them. It delivers nothing once the driver has shut
    down.
  - slot reader: a task reading through PollReady (the waker slot), then
    the operation: Acquire, read, Release, then Clear on EAGAIN (and wait
    again) or ClearDrained after data (net's short read).
  - list reader, list writer: the same through Await (the waiter list); the
    writer's socket never has room, so only Close or shutdown ends its
    wait.
  - dropper: a task waiting through Await that is dropped once it waits
    (Cancel), while events, Close and shutdown race it.
  - closer: Close (rule 4), then the fd's release if no operation was in
    flight; shutdown: the driver's shutdown (rule 4).

Checked at every step: the fd is released at most once, and no system call
is made on it after its release; mu is taken and released by one actor at a
time. Checked when no actor can move:
  - no lost wake-up: no task waits (with no wake pending) while data is
    readable for a reader, or the registration is closed or shut down;
  - the fd was released exactly once if the registration was closed, never
    otherwise, and no operation is left in flight;
  - no ended task is left in the waiter list;
  - each read ended with the data, ErrClosed only after a Close, or the
    shutdown error only after a shutdown; data was read at most once per
    send.
*/

// Actor kinds.
const (
	akPeer uint8 = iota + 1
	akDriver
	akSlotReader
	akListReader
	akListWriter
	akDropper
	akCloser
	akShutdown
)

var ioActorNames = [...]string{akPeer: "peer", akDriver: "driver", akSlotReader: "slot reader",
	akListReader: "list reader", akListWriter: "list writer", akDropper: "dropper", akCloser: "closer",
	akShutdown: "shutdown"}

// Steps; pcEnd ends a script.
const (
	pcEnd uint8 = iota
	// A waiting task (PollReady or Await), then its operation.
	pcLoad1   // rule 1: read the word
	pcLock    // rule 2: take mu
	pcLink    // store the waker in the slot, or link into the list
	pcLoad2   // rule 2: read the word again, under mu; unlink if done
	pcUnlock  // release mu, go on to next
	pcWait    // wait for a wake
	pcCancelL // Await after a wake, or Drop: take mu to unlink
	pcCancel  // unlink
	pcAcquire // the operation: acquire
	pcSyscall // read or write
	pcRelease // release (hand the fd back if last after Close)
	pcClear   // EAGAIN: Clear(ev)
	pcDrained // data: ClearDrained(ev)
	pcRelFD   // a releasing user closes the fd
	// Peer.
	pcSend
	// Driver.
	pcDeliver
	pcDLock
	pcDCollect
	pcDUnlock
	pcDWake
	// Closer and shutdown.
	pcClose
	pcShut
	pcALock
	pcATake
	pcAUnlock
	pcAWake
	pcCount
)

var ioPCNames = [pcCount]string{
	pcEnd: "end", pcLoad1: "load (rule 1)", pcLock: "lock mu", pcLink: "store waker / link",
	pcLoad2: "load under mu (rule 2)", pcUnlock: "unlock mu", pcWait: "wait for a wake",
	pcCancelL: "lock mu to cancel", pcCancel: "unlink (Cancel)", pcAcquire: "Acquire",
	pcSyscall: "system call", pcRelease: "Release", pcClear: "Clear (EAGAIN)", pcDrained: "ClearDrained",
	pcRelFD: "close the fd", pcSend: "send", pcDeliver: "deliver CAS (rule 3)", pcDLock: "lock mu",
	pcDCollect: "collect satisfied waiters", pcDUnlock: "unlock mu", pcDWake: "wake them",
	pcClose: "Close CAS (rule 4)", pcShut: "shutdown CAS (rule 4)", pcALock: "lock mu",
	pcATake: "take every waiter", pcAUnlock: "unlock mu", pcAWake: "wake them",
}

// Outcomes of a task's operation.
const (
	outNone uint8 = iota
	outData
	outClosed
	outShutdown
)

const ioMaxActors = 6

type ioActor struct {
	kind   uint8
	pc     uint8
	next   uint8 // where pcUnlock continues
	after  uint8 // where a Cancel (pcCancelL, pcCancel, pcUnlock) continues
	dir    Direction
	s      Readiness // the word as last read
	ev     Event     // the readiness the operation runs on
	queued bool      // Await's Waiter.queued (poller-owned)
	permit bool      // a wake not yet consumed
	got    bool      // the system call returned data
	out    uint8
	left   uint8 // peer: sends left; reader: reads left after this one
	ready  Readiness
	wake   uint8 // driver, closer, shutdown: the actors (bit per index) to wake
	relFD  bool  // closer: Close said to release the fd
}

// ioWorld is one state of the model; comparable, so that the search copies
// it per branch and memoizes it.
type ioWorld struct {
	word   Readiness
	mu     int8    // holder, -1 for none
	slot   [3]int8 // by Direction: the actor whose waker is stored, -1 for none
	linked [ioMaxActors]bool
	data   bool // bytes are readable in the kernel
	event  bool // an edge-triggered event is queued, not yet delivered
	sends  uint8
	reads  uint8 // reads that returned data
	closed bool  // a Close succeeded
	shut   bool  // the driver shut down
	fdRels uint8 // times the fd was handed back

	act  [ioMaxActors]ioActor
	nact uint8
}

type ioScenario struct {
	name   string
	actors []ioActor
	// Deliberately broken protocols, to show the checker catches them.
	noRecheck      bool // rule 2 without its second read
	collectFirst   bool // rule 3 collecting before the CAS
	releaseOnClose bool // Close releases the fd even with a user in flight
	short          bool
	wantFailure    string // for a broken protocol: what the checker must report
}

var (
	waitNames    = [...]string{waitPending: "pending", waitReady: "ready", waitClosed: "closed", waitShutdown: "shutdown"}
	acquireNames = [...]string{acquireOK: "ok", acquireClosed: "closed", acquireShutdown: "shutdown"}
	closeNames   = [...]string{closeAgain: "again", closeFirst: "first, a user in flight", closeFirstRelease: "first, release"}
)

type ioChecker struct {
	statespace.Explorer[ioWorld, ioTraceStep]
	sc    ioScenario
	cover map[string]int
}

// newIOChecker makes a checker of sc that also fails on a cycle of states
// without progress: the protocol's retry loops must end.
func newIOChecker(sc ioScenario, cover map[string]int) *ioChecker {
	c := &ioChecker{sc: sc, cover: cover}
	c.DetectLivelock = true
	return c
}

type ioTraceStep struct {
	actor uint8
	pc    uint8
	word  Readiness
}

func newIOWorld(sc ioScenario) ioWorld {
	var w ioWorld
	w.word = initialReadiness
	w.mu = -1
	w.slot = [3]int8{-1, -1, -1}
	for i, a := range sc.actors {
		switch a.kind {
		case akPeer:
			a.pc = pcSend
		case akDriver:
			a.pc = pcDeliver
		case akSlotReader, akListReader, akDropper:
			a.dir = Read
			a.pc = pcLoad1
		case akListWriter:
			a.dir = Write
			a.pc = pcLoad1
		case akCloser:
			a.pc = pcClose
		case akShutdown:
			a.pc = pcShut
		}
		w.act[i] = a
	}
	w.nact = uint8(len(sc.actors))
	return w
}

// fail records the first failure with the interleaving that led to it.
func (c *ioChecker) fail(format string, args ...any) { c.Fail(format, args...) }

// The Model methods the explorer drives; the transitions are step, enabled
// and checkDone below.

func (c *ioChecker) Actors(w *ioWorld) int                 { return int(w.nact) }
func (c *ioChecker) Enabled(w *ioWorld, i int) bool        { return c.enabled(w, i) }
func (c *ioChecker) Step(w *ioWorld, i int)                { c.step(w, i) }
func (c *ioChecker) Check(w *ioWorld)                      {}
func (c *ioChecker) Checked(before, after *ioWorld, i int) {}
func (c *ioChecker) Done(w *ioWorld)                       { c.checkDone(w) }
func (c *ioChecker) Trace(b, a *ioWorld, i int) ioTraceStep {
	return ioTraceStep{actor: uint8(i), pc: b.act[i].pc, word: a.word}
}
func (c *ioChecker) Describe(s ioTraceStep) string {
	return fmt.Sprintf("%-12s %-28s -> %v", ioActorNames[c.sc.actors[s.actor].kind], ioPCNames[s.pc], s.word)
}

// enabled reports whether actor i can take a step.
func (c *ioChecker) enabled(w *ioWorld, i int) bool {
	a := &w.act[i]
	switch a.pc {
	case pcEnd:
		return false
	case pcLock, pcCancelL, pcDLock, pcALock:
		return w.mu == -1
	case pcWait:
		return a.permit
	case pcDeliver:
		return w.event && !w.shut
	}
	return true
}

// list waiters are the actors of these kinds.
func (a *ioActor) usesList() bool { return a.kind != akSlotReader }

// isReader reports whether the actor reads (data ends its wait).
func (a *ioActor) isReader() bool {
	return a.kind == akSlotReader || a.kind == akListReader || a.kind == akDropper
}

// outcome ends actor a's wait with the result of checkWait, or goes on to
// the operation.
func (c *ioChecker) outcome(a *ioActor, res waitResult) {
	switch res {
	case waitReady:
		a.ev = a.s.event(a.dir)
		a.pc = pcAcquire
	case waitClosed:
		a.out, a.pc = outClosed, pcEnd
	case waitShutdown:
		a.out, a.pc = outShutdown, pcEnd
	case waitPending:
		a.pc = pcWait
	}
}

// step advances actor i by one atomic step.
func (c *ioChecker) step(w *ioWorld, i int) {
	a := &w.act[i]
	switch a.pc {
	// ---- a waiting task ----
	case pcLoad1:
		a.s = w.word
		res := a.s.checkWait(a.dir)
		c.cover[fmt.Sprintf("rule 1: %s waiter finds %s", a.dir, waitNames[res])]++
		if res == waitPending {
			a.pc = pcLock
			return
		}
		c.outcome(a, res)
		if a.usesList() && a.queued {
			// Await after a wake: unlink (a no-op if the driver did),
			// then go on.
			a.after, a.pc = a.pc, pcCancelL
		}
	case pcLock, pcCancelL, pcDLock, pcALock:
		w.mu = int8(i)
		switch a.pc {
		case pcLock:
			a.pc = pcLink
		case pcCancelL:
			a.pc = pcCancel
		case pcDLock:
			a.pc = pcDCollect
		case pcALock:
			a.pc = pcATake
		}
	case pcLink:
		c.mustHoldMu(w, i)
		if a.usesList() {
			a.queued = true
			w.linked[i] = true // (re)linked, or its waker refreshed
		} else {
			w.slot[a.dir] = int8(i)
		}
		a.pc = pcLoad2
		if c.sc.noRecheck {
			a.next, a.pc = pcWait, pcUnlock
		}
	case pcLoad2:
		c.mustHoldMu(w, i)
		a.s = w.word
		res := a.s.checkWait(a.dir)
		c.cover[fmt.Sprintf("rule 2: %s waiter finds %s", a.dir, waitNames[res])]++
		if res != waitPending && a.usesList() {
			w.linked[i] = false
			a.queued = false
		}
		c.outcome(a, res)
		if a.kind == akDropper && res == waitPending {
			// It waits; then its task is dropped: Cancel.
			a.after = pcEnd
			a.next, a.pc = pcCancelL, pcUnlock
			return
		}
		a.next, a.pc = a.pc, pcUnlock
	case pcUnlock, pcDUnlock, pcAUnlock:
		c.mustHoldMu(w, i)
		w.mu = -1
		switch a.pc {
		case pcUnlock:
			a.pc = a.next
		case pcDUnlock:
			a.pc = pcDWake
		case pcAUnlock:
			a.pc = pcAWake
		}
	case pcWait:
		a.permit = false
		a.pc = pcLoad1
	case pcCancel:
		c.mustHoldMu(w, i)
		if a.kind == akDropper {
			c.cover[fmt.Sprintf("dropper cancels, linked %v", w.linked[i])]++
		}
		w.linked[i] = false
		a.queued = false
		a.next, a.pc = a.after, pcUnlock
	case pcAcquire:
		if a.kind == akDropper {
			// A dropper that found its direction ready is dropped
			// instead of reading.
			a.pc = pcEnd
			return
		}
		next, res := w.word.transitionAcquire()
		switch res {
		case acquireOK:
			w.word = next
			a.pc = pcSyscall
		case acquireClosed:
			a.out, a.pc = outClosed, pcEnd
		case acquireShutdown:
			a.out, a.pc = outShutdown, pcEnd
		}
		c.cover["acquire: "+acquireNames[res]]++
	case pcSyscall:
		if w.fdRels != 0 {
			c.fail("%s makes a system call on a released fd", ioActorNames[a.kind])
		}
		a.got = false
		if a.dir == Read && w.data {
			w.data = false
			w.reads++
			a.got = true
		}
		a.pc = pcRelease
	case pcRelease:
		next, release := w.word.transitionRelease()
		w.word = next
		a.pc = pcClear
		if a.got {
			a.pc = pcDrained
		}
		if release {
			c.cover["the last user hands the fd back"]++
			a.next, a.pc = a.pc, pcRelFD
		}
	case pcRelFD:
		c.releaseFD(w)
		a.pc = a.next
		if a.kind == akCloser {
			a.pc = pcEnd
		}
	case pcClear:
		next, write := w.word.transitionClear(a.ev)
		if write {
			w.word = next
		}
		c.cover[fmt.Sprintf("EAGAIN clear writes %v", write)]++
		a.pc = pcLoad1
	case pcDrained:
		ev := a.ev
		ev.Ready &= readable | writable
		next, write := w.word.transitionClear(ev)
		if write {
			w.word = next
		}
		a.out = outData
		a.pc = pcEnd
		if a.left > 0 {
			a.left--
			a.out = outNone
			a.pc = pcLoad1
		}
	// ---- peer ----
	case pcSend:
		w.data = true
		w.event = true
		w.sends++
		a.pc = pcEnd
		if a.left > 0 {
			a.left--
			a.pc = pcSend
		}
	// ---- driver ----
	case pcDeliver:
		w.event = false
		a.ready = readable
		if c.sc.collectFirst {
			// Broken: collect under mu first, deliver after.
			a.pc = pcDLock
			return
		}
		w.word = w.word.transitionDeliver(a.ready)
		a.pc = pcDLock
	case pcDCollect:
		c.mustHoldMu(w, i)
		a.wake = 0
		for d := Read; d <= Write; d++ {
			if d.wokenBy(a.ready) && w.slot[d] >= 0 {
				a.wake |= 1 << w.slot[d]
				w.slot[d] = -1
			}
		}
		for j := 0; j < int(w.nact); j++ {
			if w.linked[j] && w.act[j].dir.wokenBy(a.ready) {
				w.linked[j] = false
				a.wake |= 1 << j
			}
		}
		a.pc = pcDUnlock
	case pcDWake, pcAWake:
		if a.pc == pcDWake && c.sc.collectFirst {
			w.word = w.word.transitionDeliver(a.ready)
		}
		for j := 0; j < int(w.nact); j++ {
			if a.wake&(1<<j) != 0 {
				if w.act[j].pc == pcWait {
					c.cover["wake of a waiting task"]++
				}
				w.act[j].permit = true
			}
		}
		a.wake = 0
		switch {
		case a.kind == akDriver:
			a.pc = pcDeliver
		case a.relFD:
			a.pc = pcRelFD
		default:
			a.pc = pcEnd
		}
	// ---- closer and shutdown ----
	case pcClose:
		next, res := w.word.transitionClose()
		c.cover["close: "+closeNames[res]]++
		if res == closeAgain {
			a.pc = pcEnd
			return
		}
		w.word = next
		w.closed = true
		a.relFD = res == closeFirstRelease || c.sc.releaseOnClose
		a.pc = pcALock
	case pcShut:
		next, first := w.word.transitionShutdown()
		if !first {
			a.pc = pcEnd
			return
		}
		w.word = next
		w.shut = true
		a.pc = pcALock
	case pcATake:
		c.mustHoldMu(w, i)
		a.wake = 0
		for d := Read; d <= Write; d++ {
			if w.slot[d] >= 0 {
				a.wake |= 1 << w.slot[d]
				w.slot[d] = -1
			}
		}
		for j := 0; j < int(w.nact); j++ {
			if w.linked[j] {
				w.linked[j] = false
				a.wake |= 1 << j
			}
		}
		a.pc = pcAUnlock
	default:
		c.fail("unknown step %d", a.pc)
	}
}

func (c *ioChecker) mustHoldMu(w *ioWorld, i int) {
	if int(w.mu) != i {
		c.fail("%s touches what mu guards without holding it", ioActorNames[w.act[i].kind])
	}
}

func (c *ioChecker) releaseFD(w *ioWorld) {
	w.fdRels++
	if w.fdRels > 1 {
		c.fail("the fd is released twice")
	}
	if !w.word.IsReleased() && !c.sc.releaseOnClose {
		c.fail("the fd is released but the word says %v", w.word)
	}
}

// checkDone checks a final state.
func (c *ioChecker) checkDone(w *ioWorld) {
	for i := 0; i < int(w.nact); i++ {
		a := &w.act[i]
		name := ioActorNames[a.kind]
		switch {
		case a.pc == pcWait && !a.permit && a.isReader() && w.data:
			c.fail("lost wake-up: the %s waits while data is readable (word %v)", name, w.word)
		case a.pc == pcWait && !a.permit && (w.closed || w.shut):
			c.fail("lost wake-up: the %s waits after Close or shutdown (word %v)", name, w.word)
		case a.kind == akDriver && a.pc == pcDeliver:
			// Idle: no event is queued (or the driver shut down).
		case a.pc != pcWait && a.pc != pcEnd:
			c.fail("the %s is stuck at %q", name, ioPCNames[a.pc])
		case a.pc == pcEnd && w.linked[i]:
			c.fail("the %s ended but is still in the waiter list", name)
		case a.out == outClosed && !w.closed, a.out == outShutdown && !w.shut:
			c.fail("the %s ended with %d without a Close or shutdown", name, a.out)
		}
	}
	switch {
	case w.closed && w.fdRels != 1:
		c.fail("closed, and the fd was released %d times", w.fdRels)
	case !w.closed && w.fdRels != 0:
		c.fail("the fd was released without a Close")
	case w.word.Users() != 0:
		c.fail("%d operations left in flight", w.word.Users())
	case w.reads > w.sends:
		c.fail("%d reads of data from %d sends", w.reads, w.sends)
	}
}

// explore returns the number of interleavings from w to a final state.
func peer(sends uint8) ioActor        { return ioActor{kind: akPeer, left: sends - 1} }
func driver() ioActor                 { return ioActor{kind: akDriver} }
func slotReader(reads uint8) ioActor  { return ioActor{kind: akSlotReader, left: reads - 1} }
func listReader() ioActor             { return ioActor{kind: akListReader} }
func listWriter() ioActor             { return ioActor{kind: akListWriter} }
func dropper() ioActor                { return ioActor{kind: akDropper} }
func closer() ioActor                 { return ioActor{kind: akCloser} }
func shutdown() ioActor               { return ioActor{kind: akShutdown} }
func ioActors(a ...ioActor) []ioActor { return a }

func (sc ioScenario) summary() string {
	var parts []string
	for _, a := range sc.actors {
		parts = append(parts, ioActorNames[a.kind])
	}
	return strings.Join(parts, ", ")
}

func ioScenarios() []ioScenario {
	return []ioScenario{
		{name: "event-vs-slot-register", actors: ioActors(peer(1), driver(), slotReader(1)), short: true},
		{name: "event-vs-list-register", actors: ioActors(peer(1), driver(), listReader()), short: true},
		{name: "two-sends-two-reads", actors: ioActors(peer(2), driver(), slotReader(2)), short: true},
		{name: "two-list-readers", actors: ioActors(peer(1), driver(), listReader(), listReader())},
		{name: "event-vs-drop", actors: ioActors(peer(1), driver(), listReader(), dropper()), short: true},
		{name: "directions", actors: ioActors(peer(1), driver(), listWriter(), slotReader(1))},
		{name: "close-vs-slot-wait", actors: ioActors(peer(1), driver(), slotReader(1), closer()), short: true},
		{name: "close-vs-list-waits", actors: ioActors(peer(1), driver(), listReader(), listWriter(), closer())},
		{name: "close-vs-operation-in-flight", actors: ioActors(driver(), listReader(), closer()), short: true},
		{name: "close-vs-drop", actors: ioActors(peer(1), driver(), dropper(), closer())},
		{name: "two-closers", actors: ioActors(slotReader(1), closer(), closer()), short: true},
		{name: "shutdown-vs-waits", actors: ioActors(peer(1), driver(), slotReader(1), listWriter(), shutdown())},
		{name: "close-and-shutdown", actors: ioActors(peer(1), driver(), listReader(), closer(), shutdown())},
		{name: "event-vs-drop-vs-close", actors: ioActors(peer(1), driver(), slotReader(1), dropper(), closer())},
		{name: "two-sends-vs-close", actors: ioActors(peer(2), driver(), listReader(), closer())},
	}
}

// brokenScenarios are the same protocol with one rule broken: the checker
// must find the failure, or it proves nothing.
func brokenScenarios() []ioScenario {
	return []ioScenario{
		{name: "broken/rule-2-without-second-read", noRecheck: true,
			actors: ioActors(peer(1), driver(), slotReader(1)), wantFailure: "lost wake-up"},
		{name: "broken/rule-3-collects-before-delivering", collectFirst: true,
			actors: ioActors(peer(1), driver(), listReader()), wantFailure: "lost wake-up"},
		{name: "broken/close-releases-with-a-user", releaseOnClose: true,
			actors: ioActors(driver(), listReader(), closer()), wantFailure: "released"},
	}
}

func TestIOInterleavings(t *testing.T) {
	cover := map[string]int{}
	var total, states uint64
	for _, sc := range ioScenarios() {
		if testing.Short() && !sc.short {
			continue
		}
		c := newIOChecker(sc, cover)
		n := c.Explore(c, newIOWorld(sc))
		name := sc.name + " (" + sc.summary() + ")"
		if c.Failure() != "" {
			t.Errorf("%s: %s", name, c.Failure())
			continue
		}
		if n == 0 {
			t.Errorf("%s: no interleaving explored", name)
		}
		t.Logf("%-100s %9d interleavings, %6d states", name, n, c.States())
		total += n
		states += uint64(c.States())
	}
	t.Logf("total: %d interleavings, %d distinct states", total, states)
	// The races the scenarios are named after must happen.
	for _, ev := range []string{
		"rule 1: read waiter finds pending", "rule 1: read waiter finds ready", "rule 1: read waiter finds closed",
		"rule 1: read waiter finds shutdown", "rule 2: read waiter finds pending", "rule 2: read waiter finds ready",
		"rule 2: read waiter finds closed", "rule 2: read waiter finds shutdown", "rule 2: write waiter finds pending",
		"wake of a waiting task", "dropper cancels, linked true", "dropper cancels, linked false",
		"the last user hands the fd back", "EAGAIN clear writes true", "EAGAIN clear writes false",
		"close: first, a user in flight", "close: first, release", "close: again", "acquire: closed",
	} {
		if cover[ev] == 0 && !testing.Short() {
			t.Errorf("no scenario reaches %q", ev)
		}
	}
	var evs []string
	for ev, n := range cover {
		evs = append(evs, fmt.Sprintf("%s: %d", ev, n))
	}
	sort.Strings(evs)
	t.Logf("events:\n  %s", strings.Join(evs, "\n  "))
}

// TestIOInterleavingsCatchBrokenRules: with rule 2's second read left out,
// with the driver collecting waiters before its CAS, or with Close releasing
// the fd under an operation in flight, the checker finds the failure.
func TestIOInterleavingsCatchBrokenRules(t *testing.T) {
	for _, sc := range brokenScenarios() {
		c := newIOChecker(sc, map[string]int{})
		c.Explore(c, newIOWorld(sc))
		if !strings.Contains(c.Failure(), sc.wantFailure) {
			t.Errorf("%s: the checker reported %q, want a failure mentioning %q", sc.name, c.Failure(), sc.wantFailure)
			continue
		}
		t.Logf("%s: found: %s", sc.name, c.Failure())
	}
}
