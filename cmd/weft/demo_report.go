package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/weftrt/weft"
	"github.com/weftrt/weft/future"
	"github.com/weftrt/weft/task"
)

// progress prints the one-line progress reports: rewritten in place (\r)
// when out is a terminal, one line each otherwise.
type progress struct {
	out io.Writer
	s   *service
	rt  *weft.Runtime
	tty bool

	last         time.Time
	lastFinished uint64
	lines        int
	width        int // of the last line written in place, to blank its tail
}

func newProgress(out io.Writer, s *service, rt *weft.Runtime) *progress {
	return &progress{out: out, s: s, rt: rt, tty: isTerminal(out), last: s.start}
}

// isTerminal reports whether w is a character device (a terminal).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// line prints one progress report. The final one, printed when the run
// ends, is skipped when the last report is less than half an interval old;
// in a terminal it ends the line.
func (p *progress) line(final bool) {
	now := time.Now()
	if final && p.lines > 0 && now.Sub(p.last) < p.s.cfg.progress/2 {
		if p.tty {
			fmt.Fprintln(p.out)
		}
		return
	}
	c := p.s.c
	m := p.rt.Metrics()
	finished := c.finished()
	rate := 0.0
	if dt := now.Sub(p.last).Seconds(); dt > 0 {
		rate = float64(finished-p.lastFinished) / dt
	}
	p.last, p.lastFinished = now, finished
	queued := 0
	for _, rx := range p.s.rxs {
		queued += rx.Len()
	}
	runq := m.GlobalQueueDepth
	for _, w := range m.PerWorker {
		runq += w.LocalQueueDepth
	}
	text := fmt.Sprintf("%5.1fs %7s req/s  in flight %s  tasks %s  queued %s  runq %s  ok %s  cancelled %s  panicked %s",
		now.Sub(p.s.start).Seconds(), count(uint64(rate)), count(max(c.produced.Load(), finished)-finished),
		count(uint64(m.AliveTasks)), count(uint64(queued)), count(uint64(runq)),
		count(c.ok.Load()), count(c.clientCancelled.Load()+c.aborted.Load()), count(c.panicked.Load()))
	if from, to := p.s.cfg.burstWindow(); p.s.cfg.burst > 1 && p.s.cfg.cycleTime(now.Sub(p.s.start)) > from && p.s.cfg.cycleTime(now.Sub(p.s.start))-p.s.cfg.progress < to {
		text += "  (burst)"
	}
	p.lines++
	if !p.tty {
		fmt.Fprintln(p.out, text)
		return
	}
	pad := ""
	if n := p.width - len(text); n > 0 {
		pad = strings.Repeat(" ", n)
	}
	p.width = len(text)
	end := ""
	if final {
		end = "\n"
	}
	fmt.Fprintf(p.out, "\r%s%s%s", text, pad, end)
}

// count formats n with thousands separators.
func count(n uint64) string {
	s := strconv.FormatUint(n, 10)
	if len(s) <= 3 {
		return s
	}
	var b strings.Builder
	first := len(s) % 3
	if first > 0 {
		b.WriteString(s[:first])
	}
	for i := first; i < len(s); i += 3 {
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		b.WriteString(s[i : i+3])
	}
	return b.String()
}

// bytesIEC formats a byte count.
func bytesIEC(n uint64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}

// memStats is what the monitor saw of memory and tasks.
type memStats struct {
	peakGo    uint64 // Go heap objects plus goroutine stacks, sampled
	peakAlive int    // tasks alive, sampled
	peakRSS   uint64 // the process's peak resident set (Linux), 0 if unknown
}

var memSamples = []metrics.Sample{
	{Name: "/memory/classes/heap/objects:bytes"},
	{Name: "/memory/classes/heap/stacks:bytes"},
}

// sample takes one reading.
func (m *memStats) sample(rt *weft.Runtime) {
	metrics.Read(memSamples)
	var b uint64
	for _, s := range memSamples {
		if s.Value.Kind() == metrics.KindUint64 {
			b += s.Value.Uint64()
		}
	}
	m.peakGo = max(m.peakGo, b)
	m.peakAlive = max(m.peakAlive, rt.Metrics().AliveTasks)
}

// readPeakRSS reads the peak resident set size from /proc (Linux only).
func (m *memStats) readPeakRSS() {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, err := strconv.ParseUint(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			if err == nil {
				m.peakRSS = kb << 10
			}
			return
		}
	}
}

// idleCost compares the memory of n idle weft tasks with n parked
// goroutines.
type idleCost struct {
	n               int
	task, goroutine float64 // bytes each
}

// liveBytes returns the heap in use plus goroutine stacks, after collecting
// garbage twice (the second pass frees what the first one's sweep found).
func liveBytes() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc + m.StackInuse
}

// idleTask waits for a token: a request parked on its cancellation.
type idleTask struct {
	c       *weft.CancelledFuture
	started *sync.WaitGroup
	polled  bool
}

func (t *idleTask) Poll(cx *future.Context) (struct{}, bool) {
	if !t.polled {
		t.polled = true
		t.started.Done()
	}
	return t.c.Poll(cx)
}

func (t *idleTask) Drop() { t.c.Drop() }

// measureIdle measures n weft tasks waiting on a cancellation token against
// n goroutines blocked on a channel, on a runtime of its own.
func measureIdle(n, workers int) (idleCost, error) {
	cost := idleCost{n: n}
	rt, err := weft.New(weft.WithWorkers(workers))
	if err != nil {
		return cost, err
	}
	defer rt.Close()
	tok := weft.NewCancellationToken()
	hs := make([]*task.JoinHandle[struct{}], n)
	var started sync.WaitGroup
	started.Add(n)
	before := liveBytes()
	for i := range hs {
		hs[i] = weft.Spawn(rt, &idleTask{c: tok.Cancelled(), started: &started})
	}
	started.Wait() // every task has registered with the token
	cost.task = float64(liveBytes()-before) / float64(n)
	tok.Cancel()
	for _, h := range hs {
		if _, err := h.BlockingJoin(context.Background()); err != nil {
			return cost, err
		}
	}
	hs = nil

	release := make(chan struct{})
	var parked, exited sync.WaitGroup
	parked.Add(n)
	exited.Add(n)
	before = liveBytes()
	for range n {
		go func() {
			parked.Done()
			<-release
			exited.Done()
		}()
	}
	parked.Wait()
	cost.goroutine = float64(liveBytes()-before) / float64(n)
	close(release)
	exited.Wait()
	return cost, nil
}

// demoSummary is the outcome of a run.
type demoSummary struct {
	cfg                    *demoConfig
	ran, drained, shutdown time.Duration
	interrupted, forced    bool
	permitsLeft            int // downstream permits available after the drain
	closeErr               error
	c                      *demoCounters
	lat, batch, poll       histSnapshot
	before, after          weft.Metrics // just before and after the runtime's Close
	mem                    memStats
	progress               int // progress lines printed
	idle                   idleCost
	idleErr                error
	net                    *netDemo // the order-status service (demo_net.go)
}

// problems lists the checks the run failed: every request and every task
// accounted for once, nothing alive after shutdown.
func (s *demoSummary) problems() []string {
	var ps []string
	c := s.c
	spawned, done := c.tasksSpawned.Load(), c.tasksCompleted.Load()+c.tasksCancelled.Load()+c.tasksPanicked.Load()
	if spawned != done {
		ps = append(ps, fmt.Sprintf("tasks spawned %d != completed+cancelled+panicked %d", spawned, done))
	}
	if got := s.after.SpawnedTasks; got != spawned {
		ps = append(ps, fmt.Sprintf("the runtime counted %d spawned tasks, the demo %d", got, spawned))
	}
	if s.after.AliveTasks != 0 {
		ps = append(ps, fmt.Sprintf("%d tasks alive after shutdown", s.after.AliveTasks))
	}
	if p, f := c.produced.Load(), c.finished(); p != f {
		ps = append(ps, fmt.Sprintf("requests produced %d != finished %d", p, f))
	}
	if s.permitsLeft != s.cfg.downstream {
		ps = append(ps, fmt.Sprintf("%d of %d downstream permits came back", s.permitsLeft, s.cfg.downstream))
	}
	if n := c.batchMismatches.Load(); n > 0 {
		ps = append(ps, fmt.Sprintf("%d fan-out batches summed wrong", n))
	}
	if s.closeErr != nil {
		ps = append(ps, "runtime shutdown: "+s.closeErr.Error())
	}
	if s.net != nil {
		ps = append(ps, s.net.problems()...)
	}
	return ps
}

// print writes the summary table.
func (s *demoSummary) print(out io.Writer) {
	c := s.c
	secs := s.ran.Seconds()
	perSec := func(n uint64) string {
		if secs <= 0 {
			return ""
		}
		return count(uint64(float64(n)/secs)) + "/s"
	}
	how := "ran"
	if s.interrupted {
		how = "interrupted after"
	}
	fmt.Fprintf(out, "\n%s %.2fs; drained in %v, runtime shut down in %v\n\n", how, secs,
		s.drained.Round(time.Millisecond), s.shutdown.Round(time.Microsecond))
	row := func(name, v, note string) {
		fmt.Fprintf(out, "  %-22s %10s  %s\n", name, v, note)
	}
	section := func(name string) { fmt.Fprintln(out, name) }
	section("requests")
	row("produced", count(c.produced.Load()), perSec(c.produced.Load())+fmt.Sprintf("; %s sends found a full queue and waited", count(c.backpressure.Load())))
	row("ok", count(c.ok.Load()), fmt.Sprintf("latency p50 %v  p99 %v", rnd(s.lat.quantile(0.50)), rnd(s.lat.quantile(0.99))))
	row("failed", count(c.failed.Load()), fmt.Sprintf("all %d tries timed out or failed", maxAttempts))
	row("cancelled by client", count(c.clientCancelled.Load()), fmt.Sprintf("%s sessions cancelled (CancellationToken tree)", count(c.sessionsCancelled.Load())))
	row("aborted stragglers", count(c.aborted.Load()), fmt.Sprintf("AbortHandle.Abort after %v by the watchdog", s.cfg.stragglerAfter))
	row("panicked", count(c.panicked.Load()), "captured in JoinErrors; the service kept going")
	row("downstream calls", count(c.calls.Load()), fmt.Sprintf("%s retries, %s timeouts, %s fast failures",
		count(c.retries.Load()), count(c.timeouts.Load()), count(c.transient.Load())))
	row("blocking calls", count(c.blockingCalls.Load()), fmt.Sprintf("SpawnBlocking; %s abandoned by their timeout", count(c.blockingDropped.Load())))
	row("fan-out batches", count(c.batches.Load()), fmt.Sprintf("%s tasks in all; a batch took p50 %v  p99 %v",
		count(c.batchTasks.Load()), rnd(s.batch.quantile(0.50)), rnd(s.batch.quantile(0.99))))
	if s.net != nil {
		s.net.print(out)
	}
	section("tasks")
	spawned := c.tasksSpawned.Load()
	row("spawned", count(spawned), perSec(spawned)+fmt.Sprintf("; the runtime counted %s", count(s.after.SpawnedTasks)))
	row("completed", count(c.tasksCompleted.Load()), "returned an output (a request ok, failed, or cancelled by its token)")
	row("cancelled", count(c.tasksCancelled.Load()), "aborted: the JoinError says IsCancelled")
	row("panicked", count(c.tasksPanicked.Load()), "the JoinError holds the panic value and stack")
	check := "= completed + cancelled + panicked"
	if spawned != c.tasksCompleted.Load()+c.tasksCancelled.Load()+c.tasksPanicked.Load() {
		check = "!= completed + cancelled + panicked"
	}
	row("", "", "spawned "+check)
	row("alive after shutdown", count(uint64(s.after.AliveTasks)), "")
	row("poll time", "", fmt.Sprintf("p50 %v  p99 %v  (%s polls)", rnd(s.poll.quantile(0.50)), rnd(s.poll.quantile(0.99)), count(s.poll.n)))
	var steals, parks, forced uint64
	for _, w := range s.before.PerWorker {
		steals += w.Steals
		parks += w.Parks
	}
	forced = s.before.BudgetForcedYields
	row("scheduler", "", fmt.Sprintf("%s steals, %s parks, %s budget-forced yields, %d blocking threads",
		count(steals), count(parks), count(forced), s.before.BlockingThreads))
	section("memory")
	row("peak tasks alive", count(uint64(s.mem.peakAlive)), "sampled every 100ms")
	row("peak Go heap+stacks", bytesIEC(s.mem.peakGo), "sampled every 100ms")
	if s.mem.peakRSS > 0 {
		row("peak RSS", bytesIEC(s.mem.peakRSS), "")
	}
	switch {
	case s.idleErr != nil:
		row("idle cost", "", "not measured: "+s.idleErr.Error())
	case s.idle.n > 0:
		ratio := ""
		if s.idle.task > 0 {
			ratio = fmt.Sprintf(" (%.1fx)", s.idle.goroutine/s.idle.task)
		}
		row("idle weft task", fmt.Sprintf("%.0f B", s.idle.task), fmt.Sprintf("each of %s tasks waiting on a CancellationToken", count(uint64(s.idle.n))))
		row("parked goroutine", fmt.Sprintf("%.0f B", s.idle.goroutine), fmt.Sprintf("each of %s goroutines blocked on a channel%s", count(uint64(s.idle.n)), ratio))
	}
	if p := c.firstPanic.Load(); p != nil {
		fmt.Fprintf(out, "\nfirst captured panic: %s\n", *p)
	}
	if s.forced {
		fmt.Fprintln(out, "\nthe drain overran its deadline: the remaining requests were cancelled")
	}
	if ps := s.problems(); len(ps) > 0 {
		fmt.Fprintf(out, "\nchecks failed:\n  %s\n", strings.Join(ps, "\n  "))
	} else {
		fmt.Fprintln(out, "\nchecks passed: every request and task accounted for once, every permit back, no task alive after shutdown")
	}
}

// rnd rounds a duration for display.
func rnd(d time.Duration) time.Duration {
	switch {
	case d >= time.Second:
		return d.Round(10 * time.Millisecond)
	case d >= time.Millisecond:
		return d.Round(10 * time.Microsecond)
	case d >= time.Microsecond:
		return d.Round(10 * time.Nanosecond)
	}
	return d
}
