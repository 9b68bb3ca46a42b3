package a

import (
	"context"
	"time"

	"github.com/weftrt/weft"
	"github.com/weftrt/weft/future"
	"github.com/weftrt/weft/mpsc"
	"github.com/weftrt/weft/task"
	"other"
)

// ---- findings ----

func bareStatements(rt *weft.Runtime, m *weft.Mutex, tx *mpsc.Sender[int]) {
	m.Lock()                         // want `^m.Lock\(\) creates a future \(\*weft.LockFuture\) that is dropped as a statement: await it with weft.Await, spawn it, or store it; a future does nothing until polled$`
	tx.Send(1)                       // want `^tx.Send\(1\) creates a future \(\*mpsc.SendFuture\[int\]\) that is dropped as a statement`
	weft.Sleep(time.Second)          // want `^weft.Sleep\(time.Second\) creates a future \(\*weft.SleepFuture\) that is dropped as a statement`
	(weft.Sleep(time.Second))        // want `dropped as a statement`
	future.Ready(1)                  // want `creates a future \(future.ReadyFuture\[int\]\) that is dropped as a statement`
	weft.Spawn(rt, weft.Sleep(1))    // want `^weft.Spawn\(rt, weft.Sleep\(1\)\) returns a JoinHandle that is dropped as a statement: await it or BlockingJoin it, Detach it or Abort it \(use weft.SpawnDetached when nobody joins\)$`
	weft.Spawn(rt, future.Ready(10)) // want `returns a JoinHandle that is dropped as a statement`
}

func blankAssignments(rt *weft.Runtime, m *weft.Mutex) {
	_ = m.Lock()                                   // want `m.Lock\(\) creates a future \(\*weft.LockFuture\) that is dropped by assigning it to _`
	_ = weft.Spawn(rt, m.Lock())                   // want `returns a JoinHandle that is dropped by assigning it to _`
	var _ = weft.Sleep(1)                          // want `dropped by assigning it to _`
	n, _ := 1, weft.Sleep(1)                       // want `dropped by assigning it to _`
	_, _ = weft.Sleep(1), weft.Spawn(rt, m.Lock()) // want `weft.Sleep\(1\) creates a future` `returns a JoinHandle that is dropped by assigning it to _`
	_ = &weft.SleepFuture{}                        // want `&weft.SleepFuture{} creates a future \(\*weft.SleepFuture\) that is dropped by assigning it to _`
	_ = weft.ValueFuture{}                         // want `weft.ValueFuture{} creates a future \(weft.ValueFuture\)`
	_ = n
}

func goAndDefer(m *weft.Mutex) {
	defer m.Lock()   // want `m.Lock\(\) creates a future .* dropped by the defer statement`
	go weft.Sleep(1) // want `dropped by the go statement`
}

func observersOnly(rt *weft.Runtime) string {
	weft.Sleep(1).Reset(time.Now())                       // want `weft.Sleep\(1\) creates a future .* dropped after calling only its Reset method`
	_, _ = weft.Sleep(1).Deadline()                       // want `after calling only its Deadline method`
	_ = weft.Spawn(rt, future.Ready(1)).ID()              // want `returns a JoinHandle that is dropped after calling only its ID method`
	_ = weft.Spawn(rt, future.Ready(1)).IsFinished()      // want `dropped after calling only its IsFinished method`
	weft.Spawn(rt, future.Ready(1)).AbortHandle().Abort() // want `dropped after calling only its AbortHandle method`
	return weft.Sleep(1).String()                         // want `dropped after calling only its String method`
}

func locals(rt *weft.Runtime, m *weft.Mutex) {
	s := weft.Sleep(1) // want `^future s from weft.Sleep\(1\) is never awaited, polled, spawned or stored: await it with weft.Await, spawn it, or store it; a future does nothing until polled$`
	_ = s
	h := weft.Spawn(rt, future.Ready(1)) // want `^JoinHandle h from weft.Spawn\(rt, future.Ready\(1\)\) is never joined, detached or aborted: await it or BlockingJoin it, Detach it or Abort it \(use weft.SpawnDetached when nobody joins\)$`
	println(h.ID(), h.IsFinished(), h.String())
	var g *weft.SleepFuture
	g = weft.Sleep(2) // want `future g from weft.Sleep\(2\) is never awaited`
	g.Reset(time.Now())
	g = weft.Sleep(3)
	var l = m.Lock() // want `future l from m.Lock\(\) is never awaited`
	_ = (l)
	long := weft.Spawn(rt, weft.Sleep(time.Duration(1+2+3+4+5+6+7+8+9+10))) // want `JoinHandle long from weft.Spawn\(...\) is never joined`
	_ = long.AbortHandle()
}

func byType(rt *weft.Runtime) {
	weft.MakeZq()         // want `weft.MakeZq\(\) creates a future \(\*weft.Zq\)`
	_ = weft.Iface()      // want `weft.Iface\(\) creates a future \(future.Future\[int\]\)`
	weft.MakeNotAFuture() // Poll of another shape: not a future
	other.Make()          // a future of another module: not checked
}

// ---- not findings ----

type holder struct {
	f  *weft.SleepFuture
	fs []future.Future[struct{}]
	h  *task.JoinHandle[int]
}

var pkgLevel = weft.Sleep(1) // stored in a package variable

var _ future.Future[struct{}] = (*weft.SleepFuture)(nil) // interface assertion
var _ future.Future[struct{}] = &weft.SleepFuture{}      // interface assertion with a literal

func consume(f future.Future[struct{}]) {}

func awaited(a *weft.A, m *weft.Mutex) *weft.Mutex {
	weft.Await(a, weft.Sleep(1))
	return weft.Await(a, m.Lock())
}

func polled(cx *future.Context, m *weft.Mutex) {
	f := m.Lock()
	f.Poll(cx)
	m.Lock().Poll(cx)
}

func spawnedJoinedDetachedAborted(ctx context.Context, rt *weft.Runtime) {
	weft.SpawnDetached(rt, weft.Sleep(1))
	h := weft.Spawn(rt, weft.Sleep(1))
	h.Detach()
	weft.Spawn(rt, future.Ready(1)).Detach()
	weft.Spawn(rt, future.Ready(1)).Abort()
	_, _ = weft.Spawn(rt, future.Ready(1)).BlockingJoin(ctx)
	j := weft.Spawn(rt, future.Ready(1))
	_, _ = j.BlockingJoin(ctx)
	k := weft.Spawn(rt, future.Ready(1))
	println(k.ID())
	k.Abort()
}

func stored(h *holder, ch chan *weft.SleepFuture, rt *weft.Runtime) map[int]*weft.SleepFuture {
	h.f = weft.Sleep(1)
	h.fs = append(h.fs, weft.Sleep(1))
	h.h = weft.Spawn(rt, future.Ready(1))
	ch <- weft.Sleep(1)
	arr := [1]*weft.SleepFuture{}
	arr[0] = weft.Sleep(1)
	_ = arr
	return map[int]*weft.SleepFuture{1: weft.Sleep(1)}
}

func returned() *weft.SleepFuture { return weft.Sleep(1) }

func namedResult() (s *weft.SleepFuture) {
	s = weft.Sleep(1)
	return
}

func parameterReassigned(s *weft.SleepFuture) {
	s = weft.Sleep(1)
	_ = s
}

func passed() {
	consume(weft.Sleep(1))
	f := weft.Sleep(1)
	consume(f)
}

func capturedAndAddressed() {
	f := weft.Sleep(1)
	go func() { consume(f) }()
	g := weft.Sleep(1)
	p := &g
	_ = p
}

func explicitDrop() {
	f := weft.Sleep(1)
	f.Drop()
	weft.Sleep(1).Drop()
	future.Drop(weft.Sleep(1))
}

func reassignedThenUsed(a *weft.A) {
	f := weft.Sleep(1)
	f = weft.Sleep(2)
	weft.Await(a, f)
}

func conversionsAndTuples() {
	_ = future.PollFn[int](nil) // a conversion creates nothing
	_, _ = weft.Pair()          // several results: not checked
	n, f := weft.Pair()
	_, _ = n, f
}

func typeParameter[F future.Future[int]](mk func() F) {
	mk() // a type parameter is not known to be a weft future
}

func otherModule() {
	f := other.Make()
	_ = f
}
