package syncbench

import (
	"time"

	"github.com/weftrt/weft"
	"github.com/weftrt/weft/future"
	"github.com/weftrt/weft/task"
)

// The workloads of Tokio's benches/time_timeout.rs. One task per worker
// (one task on a current-thread runtime) runs its share of 10,000
// operations: await Timeout(1s, a future that is ready at once), or make a
// Sleep(1s) and drop it unpolled. Tokio's bench lets criterion choose the
// count (iter_custom); one operation here is the whole batch of 10,000.
//
// Goroutine twins, one goroutine per P (GOMAXPROCS 1 for the current-thread
// ones): a timeout is a select between a buffered channel that already holds
// the job's result and time.After(1s); a sleep that is made and dropped is
// time.NewTimer(1s) followed by Stop.

const (
	timeBatch = 10_000
	timeLimit = time.Second
)

func timeWorkloads() []Workload {
	mk := func(name, mirrors, item string, sleep, currentThread bool) Workload {
		procs := NumWorkers
		if currentThread {
			procs = 1
		}
		return Workload{
			Name: name, Items: timeBatch, Item: item, Mirrors: mirrors, CurrentThread: currentThread,
			setup: [2]func() *Case{
				Weft: func() *Case {
					return runtimeCase(currentThread, func() future.Future[struct{}] {
						return &spawnAndJoin{n: procs, spawn: func(cx *future.Context) *task.JoinHandle[struct{}] {
							return weft.Spawn(cx, &timeLoop{n: timeBatch / procs, sleep: sleep})
						}}
					})
				},
				Goroutine: func() *Case {
					return &Case{Op: func() { goTimeLoops(procs, sleep) }, Close: noClose}
				},
			},
		}
	}
	return []Workload{
		mk("time_timeout_ct", "time_timeout.rs single_thread_timeout", "timeout", false, true),
		mk("time_timeout_mt", "time_timeout.rs multi_thread_timeout-8 (2 workers)", "timeout", false, false),
		mk("time_sleep_ct", "time_timeout.rs single_thread_sleep", "sleep", true, true),
		mk("time_sleep_mt", "time_timeout.rs multi_thread_sleep-8 (2 workers)", "sleep", true, false),
	}
}

// timeLoop is one task of a time workload: n timeouts, or n sleeps made and
// dropped. The Timeout and Sleep futures are kept by value and renewed with
// Reset and ResetAfter (see keptRoot): Tokio's live on the task's stack.
type timeLoop struct {
	n       int
	sleep   bool
	timeout weft.TimeoutFuture[int]
	s       weft.SleepFuture
}

// quickJob is the future each timeout limits: ready at once (Tokio's
// quick_job is an async fn returning 1).
var quickJob future.Future[int] = future.Ready(1)

// Poll runs all n operations; each timeout completes at its first poll.
func (l *timeLoop) Poll(cx *future.Context) (struct{}, bool) {
	for range l.n {
		if l.sleep {
			l.s.ResetAfter(timeLimit)
			l.s.Drop()
			continue
		}
		l.timeout.Reset(timeLimit, quickJob)
		r, ok := l.timeout.Poll(cx)
		l.timeout.Drop()
		if !ok || r.Err != nil || r.Value != 1 {
			panic("syncbench: the quick job did not complete at once")
		}
	}
	return struct{}{}, true
}

// goTimeLoops is the goroutine twin of one operation.
func goTimeLoops(procs int, sleep bool) {
	done := make(chan struct{}, procs)
	for range procs {
		go func() {
			res := make(chan int, 1)
			for range timeBatch / procs {
				if sleep {
					time.NewTimer(timeLimit).Stop()
					continue
				}
				res <- 1
				select {
				case v := <-res:
					if v != 1 {
						panic("syncbench: wrong result")
					}
				case <-time.After(timeLimit):
					panic("syncbench: the quick job timed out")
				}
			}
			done <- struct{}{}
		}()
	}
	for range procs {
		<-done
	}
}
