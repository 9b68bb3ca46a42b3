// Package realapi uses weft's real API, so that the analysis is checked
// against the types it is meant for and not only against the stand-ins of
// testdata/src. When the API changes, update this file with it.
package realapi

import (
	"context"
	"time"

	"github.com/weftrt/weft"
	"github.com/weftrt/weft/future"
	"github.com/weftrt/weft/mpsc"
)

func dropped(rt *weft.Runtime, m *weft.Mutex[int], tx *mpsc.Sender[int]) {
	m.Lock()                                             // want `m.Lock\(\) creates a future \(\*weft.MutexLockFuture\[int\]\) that is dropped as a statement`
	tx.Send(1)                                           // want `tx.Send\(1\) creates a future \(\*mpsc.SendFuture\[int\]\) that is dropped as a statement`
	weft.Sleep(time.Millisecond)                         // want `weft.Sleep\(time.Millisecond\) creates a future \(\*weft.SleepFuture\)`
	_ = weft.Timeout(time.Second, m.Lock())              // want `weft.Timeout\(time.Second, m.Lock\(\)\) creates a future`
	weft.Spawn(rt, future.Ready(1))                      // want `weft.Spawn\(rt, future.Ready\(1\)\) returns a JoinHandle that is dropped as a statement`
	h := weft.SpawnBlocking(rt, func() int { return 1 }) // want `JoinHandle h from weft.SpawnBlocking\(...\) is never joined, detached or aborted`
	_ = h.ID()
}

// The futures renamed by the public line are still recognised by their Poll
// method.
func droppedRenamed(n *weft.Notify, js *weft.JoinSet[int], iv *weft.IntervalTimer) {
	n.Notified()  // want `n.Notified\(\) creates a future \(\*weft.NotifiedFuture\) that is dropped as a statement`
	js.JoinNext() // want `js.JoinNext\(\) creates a future \(\*weft.JoinNextFuture\[int\]\) that is dropped as a statement`
	js.JoinAll()  // want `js.JoinAll\(\) creates a future \(\*weft.JoinAllFuture\[int\]\) that is dropped as a statement`
	iv.Tick()     // want `iv.Tick\(\) creates a future \(weft.TickFuture\) that is dropped as a statement`
	iv.Close()    // a handle, not a future: nothing to report
}

func handled(ctx context.Context, rt *weft.Runtime, m *weft.Mutex[int]) (int, error) {
	weft.SpawnDetached(rt, weft.Sleep(time.Millisecond))
	lock := weft.Spawn(rt, weft.Async(func(a *weft.A) int {
		g := weft.Await(a, m.Lock())
		defer g.Unlock()
		weft.Await(a, weft.Sleep(time.Millisecond))
		return g.Get()
	}))
	return lock.BlockingJoin(ctx)
}
