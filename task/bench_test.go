package task_test

// Benchmarks of the task core (issue #2), each next to a goroutine twin so
// that the ratio is visible in one run:
//
//	go test -run=^$ -bench=. -benchmem -count=6 ./task/ > task.txt
//	benchstat -col /impl task.txt
//
// The tasks run on benchSched, the smallest possible scheduler: one
// goroutine, one task.Queue, no locks. What is timed is therefore the task
// core (state word, harness, queue links), not a runtime.

import (
	"context"
	"runtime"
	"testing"

	"github.com/weftrt/weft/future"
	"github.com/weftrt/weft/task"
)

// Each benchmark below runs its goroutine twin as the sub-benchmark
// impl=goroutine and the weft version as impl=weft, so that
// benchstat -col /impl shows the two side by side with their ratio.

// BenchmarkSpawnCycle compares a task's whole life (spawn, run, join)
// with a goroutine's.
func BenchmarkSpawnCycle(b *testing.B) {
	b.Run("impl=goroutine", benchGoroutineSpawnCycle)
	b.Run("impl=weft", benchTaskSpawnCycle)
}

// BenchmarkYield compares one task yield with runtime.Gosched.
func BenchmarkYield(b *testing.B) {
	b.Run("impl=goroutine", benchGoroutineYield)
	b.Run("impl=weft", benchTaskYield)
}

// BenchmarkWakeAndRun compares waking a waiting task and polling it with
// a goroutine ping-pong round trip.
func BenchmarkWakeAndRun(b *testing.B) {
	b.Run("impl=goroutine", benchGoroutinePingPong)
	b.Run("impl=weft", benchTaskWakeAndPoll)
}

// BenchmarkPollCycle compares one poll of a woken task with a buffered
// channel send and receive.
func BenchmarkPollCycle(b *testing.B) {
	b.Run("impl=goroutine", benchGoroutineChanSendRecv)
	b.Run("impl=weft", benchTaskPollCycle)
}

// BenchmarkWakeIdle compares Header.Wake of an idle task with a buffered
// channel send and receive.
func BenchmarkWakeIdle(b *testing.B) {
	b.Run("impl=goroutine", benchGoroutineChanSendRecv)
	b.Run("impl=weft", benchTaskWakeIdle)
}

// BenchmarkWakeNotified compares Header.Wake of a queued task with a
// buffered channel send and receive.
func BenchmarkWakeNotified(b *testing.B) {
	b.Run("impl=goroutine", benchGoroutineChanSendRecv)
	b.Run("impl=weft", benchTaskWakeNotified)
}

// BenchmarkWakeRunning compares Header.Wake from inside the task's own
// poll with a buffered channel send and receive.
func BenchmarkWakeRunning(b *testing.B) {
	b.Run("impl=goroutine", benchGoroutineChanSendRecv)
	b.Run("impl=weft", benchTaskWakeRunning)
}

// benchSched is a single-goroutine task.Scheduler: woken and yielding tasks
// go to the back of one FIFO, and runAll drains it.
type benchSched struct {
	q     task.Queue
	owned *task.OwnedTasks
	cx    *future.Context
}

func newBenchSched() *benchSched {
	return &benchSched{owned: task.NewOwnedTasks(1), cx: future.NewContext(future.Waker{})}
}

func (s *benchSched) Schedule(n task.Notified)       { s.q.Push(n) }
func (s *benchSched) Yield(n task.Notified)          { s.q.Push(n) }
func (s *benchSched) Release(t task.Task) bool       { return s.owned.Remove(t) }
func (s *benchSched) Hooks() *task.Hooks             { return nil }
func (s *benchSched) UnhandledPanic(*task.JoinError) {}

// runOne runs the first queued task and reports whether there was one.
func (s *benchSched) runOne() bool {
	n, ok := s.q.Pop()
	if !ok {
		return false
	}
	s.owned.AssertOwner(n).Run(s.cx)
	return true
}

func (s *benchSched) runAll() {
	for s.runOne() {
	}
}

// benchSpawn binds f and queues its first Notified.
func benchSpawn[F future.Future[T], T any](s *benchSched, f F) (*task.JoinHandle[T], *task.Header) {
	jh, n, ok := task.Bind[F, T](s.owned, f, s, task.Options{})
	if !ok {
		panic("bench: owned list closed")
	}
	h := n.Header()
	s.Schedule(n)
	return jh, h
}

// shutdown cancels every task left and drops the queued Notifieds.
func (s *benchSched) shutdown() {
	s.owned.CloseAndShutdownAll(0, nil)
	s.q.DropAll()
}

// readyFut completes on its first poll: the cheapest possible task body.
type readyFut struct{}

func (readyFut) Poll(*future.Context) (int, bool) { return 1, true }

// idleFut never completes and registers nothing: the task sits idle until
// someone calls its Header's Wake.
type idleFut struct{}

func (idleFut) Poll(*future.Context) (int, bool) { return 0, false }

// yieldFut wakes itself and returns Pending on every poll until stop is set:
// one poll is one yield.
type yieldFut struct{ stop *bool }

func (y yieldFut) Poll(cx *future.Context) (int, bool) {
	if *y.stop {
		return 0, true
	}
	cx.Waker().Wake()
	return 0, false
}

// benchTaskSpawnCycle is the whole life of a task: Bind (one
// allocation: header, JoinHandle and future in one cell), Schedule, run to
// completion, and Join of the output.
func benchTaskSpawnCycle(b *testing.B) {
	s := newBenchSched()
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		jh, _ := benchSpawn[readyFut, int](s, readyFut{})
		s.runAll()
		if v, err := jh.BlockingJoin(ctx); v != 1 || err != nil {
			b.Fatalf("Join = %v, %v", v, err)
		}
	}
	s.shutdown()
}

// benchGoroutineSpawnCycle is the goroutine twin: start a goroutine that
// sends its result, and receive it.
func benchGoroutineSpawnCycle(b *testing.B) {
	ch := make(chan int)
	b.ReportAllocs()
	for b.Loop() {
		go func() { ch <- 1 }()
		if <-ch != 1 {
			b.Fatal("wrong value")
		}
	}
}

// benchTaskYield is one yield of a task: a poll in which the future wakes
// itself (Wake finds the task RUNNING and only sets NOTIFIED), toIdle hands
// the reference to a new Notified and Scheduler.Yield queues it, and the next
// iteration pops and runs it (toRunning).
func benchTaskYield(b *testing.B) {
	s := newBenchSched()
	stop := false
	jh, _ := benchSpawn[yieldFut, int](s, yieldFut{stop: &stop})
	b.ReportAllocs()
	for b.Loop() {
		s.runOne()
	}
	b.StopTimer()
	stop = true
	s.runAll()
	if _, err := jh.BlockingJoin(context.Background()); err != nil {
		b.Fatal(err)
	}
	s.shutdown()
}

// benchGoroutineYield is the goroutine twin: runtime.Gosched.
func benchGoroutineYield(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		runtime.Gosched()
	}
}

// benchTaskWakeAndPoll is the cycle of a task that waits for an event:
// Header.Wake of the idle task (toNotifiedByRef takes a reference,
// Scheduler.Schedule queues it), then pop and run: toRunning, one Pending
// poll, toIdle.
func benchTaskWakeAndPoll(b *testing.B) {
	s := newBenchSched()
	_, h := benchSpawn[idleFut, int](s, idleFut{})
	s.runAll() // now idle
	b.ReportAllocs()
	for b.Loop() {
		h.Wake(0)
		s.runOne()
	}
	s.shutdown()
}

// benchGoroutinePingPong is the goroutine twin of a wake that makes
// another party run: one op is a round trip between two goroutines over
// unbuffered channels (two wakes, two switches).
func benchGoroutinePingPong(b *testing.B) {
	ping, pong := make(chan struct{}), make(chan struct{})
	go func() {
		for range ping {
			pong <- struct{}{}
		}
		close(pong)
	}()
	b.ReportAllocs()
	for b.Loop() {
		ping <- struct{}{}
		<-pong
	}
	close(ping)
	<-pong
}

// batch is how many tasks the isolated transition benchmarks cycle through
// before they stop the timer to reset them.
const batch = 4096

// benchTaskPollCycle isolates the poll cycle of a notified task:
// toRunning, one Pending poll of the future, toIdle. The wakes that queue the
// tasks again happen with the timer stopped, once per batch.
func benchTaskPollCycle(b *testing.B) {
	s := newBenchSched()
	hs := make([]*task.Header, batch)
	for i := range hs {
		_, hs[i] = benchSpawn[idleFut, int](s, idleFut{})
	}
	b.ReportAllocs()
	for b.Loop() {
		if !s.runOne() {
			b.StopTimer()
			for _, h := range hs {
				h.Wake(0)
			}
			b.StartTimer()
			s.runOne()
		}
	}
	s.shutdown()
}

// benchTaskWakeIdle isolates Header.Wake of an idle task: one CAS that
// sets NOTIFIED and takes a reference, and Scheduler.Schedule (a queue push
// through the interface). The polls that make the tasks idle again happen
// with the timer stopped, once per batch.
func benchTaskWakeIdle(b *testing.B) {
	s := newBenchSched()
	hs := make([]*task.Header, batch)
	for i := range hs {
		_, hs[i] = benchSpawn[idleFut, int](s, idleFut{})
	}
	s.runAll()
	i := 0
	b.ReportAllocs()
	for b.Loop() {
		if i == batch {
			b.StopTimer()
			s.runAll()
			i = 0
			b.StartTimer()
		}
		hs[i].Wake(0)
		i++
	}
	s.shutdown()
}

// benchTaskWakeNotified is Header.Wake of a task that is already queued:
// nothing to schedule, the word is written back with one CAS so that the
// waker's writes happen before the queued poll.
func benchTaskWakeNotified(b *testing.B) {
	s := newBenchSched()
	_, h := benchSpawn[idleFut, int](s, idleFut{}) // notified from the start
	b.ReportAllocs()
	for b.Loop() {
		h.Wake(0)
	}
	s.shutdown()
}

// wakeInPoll runs its loop inside its first poll: every iteration wakes the
// task that is polling it.
type wakeInPoll struct{ b *testing.B }

func (w wakeInPoll) Poll(cx *future.Context) (int, bool) {
	if w.b == nil {
		return 0, true
	}
	wk := cx.Waker()
	for w.b.Loop() {
		wk.Wake()
	}
	return 0, false
}

// benchTaskWakeRunning is Header.Wake of a task from inside its own
// poll. The first wake sets NOTIFIED (one CAS); every later one finds it set
// and writes the word back (one CAS), so this is the cost of a wake that has
// nothing to schedule while the task runs.
func benchTaskWakeRunning(b *testing.B) {
	s := newBenchSched()
	benchSpawn[wakeInPoll, int](s, wakeInPoll{b: b})
	b.ReportAllocs()
	s.runOne()
	s.shutdown()
}

// benchGoroutineChanSendRecv is the goroutine twin of a wake that does
// not switch: a send to a buffered channel and the matching receive on one
// goroutine (what future.Signal does).
func benchGoroutineChanSendRecv(b *testing.B) {
	ch := make(chan struct{}, 1)
	b.ReportAllocs()
	for b.Loop() {
		ch <- struct{}{}
		<-ch
	}
}

// TestPollAndWakeDoNotAllocate checks, outside the timed loops, the promise
// that polls and wakes never allocate: a wake of an idle, a queued and a
// running task, a poll of a pending task, and a yield allocate nothing.
//
// Converting a uint64 to an interface allocates only for values of 256 and
// up (smaller ones come from a static table), so a test that ran with the
// first few task IDs would miss an ID that the hot path boxes. The test
// therefore moves the ID counter past that first.
func TestPollAndWakeDoNotAllocate(t *testing.T) {
	for task.NextID() < 1000 {
	}
	const runs = 100

	t.Run("wake idle", func(t *testing.T) {
		s := newBenchSched()
		defer s.shutdown()
		hs := make([]*task.Header, runs+1)
		for i := range hs {
			_, hs[i] = benchSpawn[idleFut, int](s, idleFut{})
		}
		s.runAll()
		i := 0
		checkNoAllocs(t, runs, func() { hs[i].Wake(0); i++ })
		if s.q.Len() != runs+1 {
			t.Fatalf("queue holds %d tasks after %d wakes of idle tasks", s.q.Len(), runs+1)
		}
	})
	t.Run("wake queued", func(t *testing.T) {
		s := newBenchSched()
		defer s.shutdown()
		_, h := benchSpawn[idleFut, int](s, idleFut{})
		checkNoAllocs(t, runs, func() { h.Wake(0) })
		if s.q.Len() != 1 {
			t.Fatalf("queue holds %d entries, want 1: waking a queued task must not queue it again", s.q.Len())
		}
	})
	t.Run("wake running", func(t *testing.T) {
		s := newBenchSched()
		defer s.shutdown()
		var allocs float64
		f := future.PollFunc(func(cx *future.Context) (int, bool) {
			w := cx.Waker()
			allocs = testing.AllocsPerRun(runs, w.Wake)
			return 0, true
		})
		benchSpawn[future.PollFn[int], int](s, f)
		s.runAll()
		if allocs != 0 {
			t.Fatalf("Wake from inside the poll allocates %v times", allocs)
		}
	})
	t.Run("wake idle and poll pending", func(t *testing.T) {
		s := newBenchSched()
		defer s.shutdown()
		_, h := benchSpawn[idleFut, int](s, idleFut{})
		s.runAll()
		checkNoAllocs(t, runs, func() {
			h.Wake(0)
			if !s.runOne() {
				t.Fatal("Wake of an idle task queued nothing")
			}
		})
	})
	t.Run("yield", func(t *testing.T) {
		s := newBenchSched()
		stop := false
		defer func() { stop = true; s.runAll(); s.shutdown() }()
		benchSpawn[yieldFut, int](s, yieldFut{stop: &stop})
		checkNoAllocs(t, runs, func() {
			if !s.runOne() {
				t.Fatal("yielding task was not queued again")
			}
		})
	})
}

func checkNoAllocs(t *testing.T, runs int, f func()) {
	t.Helper()
	if n := testing.AllocsPerRun(runs, f); n != 0 {
		t.Fatalf("allocates %v times per op", n)
	}
}
