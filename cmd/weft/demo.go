package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"sync"
	"time"

	"github.com/weftrt/weft"
	"github.com/weftrt/weft/mpsc"
	"github.com/weftrt/weft/task"
)

func init() {
	register(&command{
		name:    "demo",
		summary: "run an order-intake service on weft, with a live page (-serve: until Ctrl-C)",
		run:     runDemoIO,
	})
}

// demoConfig is what the flags set. The fields after onServe have no flag.
type demoConfig struct {
	duration       time.Duration
	rate           float64
	burst          float64 // rate multiplier during the burst window
	workers        int     // worker tasks (the service's pool)
	rtWorkers      int     // the runtime's worker goroutines
	producers      int
	queue          int // capacity of each worker's queue
	inflight       int // requests a worker runs at once
	downstream     int // permits of the downstream semaphore
	callTimeout    time.Duration
	stragglerAfter time.Duration
	panicRate      float64
	stragglerRate  float64
	blockingRate   float64
	fanout         int
	batchEvery     time.Duration
	chaosEvery     time.Duration
	progress       time.Duration
	addr           string
	serve          bool // run until interrupted, the burst every duration
	noPage         bool
	compare        bool
	seed           uint64

	// onServe, if set, is called with the live page's URL once it serves
	// and the service's tasks are spawned.
	onServe func(url string)
	// drainTimeout bounds the graceful drain before requests are
	// cancelled outright.
	drainTimeout time.Duration
}

// parseDemoFlags parses the demo's arguments; usage and errors go to stderr.
func parseDemoFlags(args []string, stderr io.Writer) (*demoConfig, error) {
	cfg := &demoConfig{drainTimeout: 5 * time.Second}
	fs := flag.NewFlagSet("weft demo", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, "Usage: weft demo [flags]\n\n"+
			"Runs an order-intake service on a weft runtime: producers feed bounded\n"+
			"queues, worker tasks run one task per request with timeouts, retries,\n"+
			"a semaphore, blocking calls, cancellation and the odd panic, and a batch\n"+
			"job fans out thousands of tasks. It prints progress every second and a\n"+
			"summary at the end, and serves a live page while it runs: its tasks\n"+
			"with their spawn sites and what each waits on, and the metrics. The run\n"+
			"lasts -duration; with -serve it goes on until Ctrl-C, so that there is\n"+
			"time to open the page.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	fs.DurationVar(&cfg.duration, "duration", 5*time.Second, "how long to produce requests (then drain and stop); with -serve, the period of the burst")
	fs.BoolVar(&cfg.serve, "serve", false, "run until interrupted (Ctrl-C) instead of for -duration, keeping the live page up")
	fs.Float64Var(&cfg.rate, "rate", 10000, "requests per second, over all producers")
	fs.Float64Var(&cfg.burst, "burst", 3, "rate multiplier during a burst from 40% to 60% of the run (1: no burst)")
	fs.IntVar(&cfg.workers, "workers", 8, "worker tasks, each with its own bounded queue")
	fs.IntVar(&cfg.rtWorkers, "rt-workers", runtime.GOMAXPROCS(0), "worker goroutines of the weft runtime")
	fs.IntVar(&cfg.producers, "producers", 2, "producer tasks")
	fs.IntVar(&cfg.queue, "queue", 128, "capacity of each worker's queue")
	fs.IntVar(&cfg.inflight, "inflight", 64, "requests each worker runs at once")
	fs.IntVar(&cfg.downstream, "downstream", 128, "concurrent downstream calls (semaphore permits)")
	fs.DurationVar(&cfg.callTimeout, "call-timeout", 25*time.Millisecond, "timeout of one downstream call")
	fs.DurationVar(&cfg.stragglerAfter, "straggler-after", 250*time.Millisecond, "the watchdog aborts requests older than this")
	fs.Float64Var(&cfg.panicRate, "panic-rate", 0.002, "fraction of requests whose handler panics")
	fs.Float64Var(&cfg.stragglerRate, "straggler-rate", 0.003, "fraction of requests that hang until aborted")
	fs.Float64Var(&cfg.blockingRate, "blocking-rate", 0.1, "fraction of calls made with SpawnBlocking")
	fs.IntVar(&cfg.fanout, "fanout", 2000, "tasks per fan-out batch")
	fs.DurationVar(&cfg.batchEvery, "batch-every", 250*time.Millisecond, "time between fan-out batches")
	fs.DurationVar(&cfg.chaosEvery, "chaos-every", 100*time.Millisecond, "mean time between cancelled client sessions")
	fs.DurationVar(&cfg.progress, "progress", time.Second, "time between progress lines")
	fs.StringVar(&cfg.addr, "addr", "127.0.0.1:0", "address of the live page")
	fs.BoolVar(&cfg.noPage, "no-page", false, "do not serve the live page")
	fs.BoolVar(&cfg.compare, "compare", true, "measure idle weft tasks against parked goroutines at the end")
	fs.Uint64Var(&cfg.seed, "seed", 1, "seed of the workload and the scheduler")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	return cfg, cfg.check()
}

// check rejects values the demo cannot run with.
func (c *demoConfig) check() error {
	switch {
	case c.duration <= 0:
		return errors.New("-duration must be positive")
	case c.rate <= 0:
		return errors.New("-rate must be positive")
	case c.burst < 1:
		return errors.New("-burst must be at least 1")
	case c.workers < 1, c.rtWorkers < 1, c.producers < 1:
		return errors.New("-workers, -rt-workers and -producers must be at least 1")
	case c.queue < 1, c.inflight < 1, c.downstream < 1:
		return errors.New("-queue, -inflight and -downstream must be at least 1")
	case c.callTimeout <= 0, c.stragglerAfter <= 0, c.batchEvery <= 0, c.chaosEvery <= 0, c.progress <= 0:
		return errors.New("durations must be positive")
	case c.fanout < 0:
		return errors.New("-fanout must not be negative")
	}
	for _, r := range []float64{c.panicRate, c.stragglerRate, c.blockingRate} {
		if r < 0 || r > 1 {
			return errors.New("rates must be between 0 and 1")
		}
	}
	return nil
}

// burstWindow returns when the burst starts and ends, from the start of
// the run (with -serve, of every period of -duration).
func (c *demoConfig) burstWindow() (from, to time.Duration) {
	return c.duration * 4 / 10, c.duration * 6 / 10
}

// cycleTime returns where t after the start falls in the burst's cycle:
// t itself, or with -serve t modulo -duration.
func (c *demoConfig) cycleTime(t time.Duration) time.Duration {
	if c.serve {
		return t % c.duration
	}
	return t
}

// due returns the number of requests due over all producers t after the
// start: the rate integrated over time, with the burst (with -serve, one
// burst in every period of -duration).
func (c *demoConfig) due(t time.Duration) float64 {
	from, to := c.burstWindow()
	inWindow := func(t time.Duration) time.Duration { return min(max(t, from), to) - from }
	in := inWindow(c.cycleTime(t)) // time spent inside the windows
	if c.serve {
		in += time.Duration(t/c.duration) * (to - from)
	}
	return c.rate*t.Seconds() + (c.burst-1)*c.rate*in.Seconds()
}

// runDemo runs the demo command with the process's standard streams and
// returns its exit code.
func runDemo(args []string) int { return runDemoIO(args, os.Stdout, os.Stderr) }

// runDemoIO is the demo command: exit code 0 when the run ended cleanly, 1
// when it did not (an accounting check failed), 2 for bad flags. An
// interrupt (Ctrl-C) ends the run early and still drains and summarises.
func runDemoIO(args []string, stdout, stderr io.Writer) int {
	cfg, err := parseDemoFlags(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintln(stderr, "weft demo:", err)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	go func() {
		<-ctx.Done()
		stop() // a second Ctrl-C kills the process
	}()
	sum, err := runDemoConfig(ctx, cfg, stdout)
	if err != nil {
		fmt.Fprintln(stderr, "weft demo:", err)
		return 1
	}
	if problems := sum.problems(); len(problems) > 0 {
		for _, p := range problems {
			fmt.Fprintln(stderr, "weft demo: check failed:", p)
		}
		return 1
	}
	return 0
}

// runDemoConfig runs the service for cfg.duration (or until ctx ends),
// drains it, shuts the runtime down and prints the summary to out.
func runDemoConfig(ctx context.Context, cfg *demoConfig, out io.Writer) (*demoSummary, error) {
	pt := newPollTimer()
	rt, err := weft.New(
		weft.WithWorkers(cfg.rtWorkers),
		weft.WithSeed(cfg.seed),
		weft.WithTaskHooks(pt.hooks()),
		// The dump on the live page then says where each task was spawned.
		weft.WithSpawnSites(true),
	)
	if err != nil {
		return nil, err
	}
	closed := false
	defer func() {
		if !closed {
			rt.Close()
		}
	}()

	s := &service{
		cfg:        cfg,
		c:          new(demoCounters),
		lat:        new(histogram),
		batch:      new(histogram),
		downstream: weft.NewSemaphore(cfg.downstream),
		inflight:   make([]*stragglerList, cfg.workers),
		stop:       weft.NewCancellationToken(),
		stopDogs:   weft.NewCancellationToken(),
		root:       weft.NewCancellationToken(),
		sessions:   &sessionTable{tokens: make([]*weft.CancellationToken, cfg.producers*sessionsPerProducer)},
	}
	// One bounded queue per worker; each producer holds a clone of every
	// sender, so a queue ends when the last producer closes its clone.
	txs := make([]*mpsc.Sender[*request], cfg.workers)
	s.rxs = make([]*mpsc.Receiver[*request], cfg.workers)
	for i := range txs {
		txs[i], s.rxs[i] = mpsc.New[*request](cfg.queue)
		s.inflight[i] = new(stragglerList)
	}
	ptxs := make([][]*mpsc.Sender[*request], cfg.producers)
	for p := range ptxs {
		for _, tx := range txs {
			ptxs[p] = append(ptxs[p], tx.Clone())
		}
	}
	for _, tx := range txs {
		tx.Close()
	}

	length := "for " + cfg.duration.String()
	if cfg.serve {
		length = "until Ctrl-C"
	}
	fmt.Fprintf(out, "weft demo: an order-intake service on weft %s (%g req/s, %d worker tasks, runtime of %d workers, seed %d)\n",
		length, cfg.rate, cfg.workers, cfg.rtWorkers, cfg.seed)
	fmt.Fprintf(out, "  %d producers -> %d bounded queues (%d each) -> %d workers -> one task per request\n",
		cfg.producers, cfg.workers, cfg.queue, cfg.workers)
	if cfg.burst > 1 {
		from, to := cfg.burstWindow()
		every := ""
		if cfg.serve {
			every = " of every " + cfg.duration.String()
		}
		fmt.Fprintf(out, "  the rate bursts to %gx from %v to %v%s: watch the queues fill and the producers wait;\n",
			cfg.burst, from.Round(time.Millisecond), to.Round(time.Millisecond), every)
	}
	fmt.Fprintf(out, "  each request: semaphore (%d calls), %v timeout, %d tries with backoff, %.0f%% blocking calls;\n",
		cfg.downstream, cfg.callTimeout, maxAttempts, 100*cfg.blockingRate)
	fmt.Fprintf(out, "  a watchdog aborts requests older than %v; an Async task cancels client sessions;\n", cfg.stragglerAfter)
	fmt.Fprintf(out, "  a batch job fans out %d tasks every %v.\n", cfg.fanout, cfg.batchEvery)

	var stopPage func()
	var pageURL string
	if !cfg.noPage {
		url, stopFn, err := serveDebugPage(rt, cfg.addr)
		if err != nil {
			return nil, fmt.Errorf("live page: %w", err)
		}
		stopPage = stopFn
		defer func() {
			if stopPage != nil {
				stopPage()
			}
		}()
		fmt.Fprintf(out, "live page: %s  (task dump: weft dump %s; metrics at %smetrics)\n", url, url, url)
		if !cfg.serve {
			fmt.Fprintf(out, "  it stops with the run in %v: use -serve to keep it up until Ctrl-C, or a longer -duration\n", cfg.duration)
		}
		pageURL = url
	}
	fmt.Fprintln(out)

	// Start the service. Every task is counted when spawned and when joined.
	s.start = time.Now()
	spawn := func(h *task.JoinHandle[uint64]) *task.JoinHandle[uint64] {
		s.c.tasksSpawned.Add(1)
		return h
	}
	var workers, stoppers []*task.JoinHandle[uint64] // stoppers end on the stop token
	for i := range s.rxs {
		workers = append(workers, spawn(weft.Spawn(rt, workerFuture(s, i))))
	}
	for p := range cfg.producers {
		stoppers = append(stoppers, spawn(weft.Spawn(rt, newProducer(s, p, ptxs[p]))))
	}
	stoppers = append(stoppers, spawn(weft.Spawn(rt, newBatcher(s))), spawn(weft.Spawn(rt, chaos(s))))
	nd, netTasks, err := startNetDemo(rt, s, spawn) // demo_net.go
	if err != nil {
		return nil, fmt.Errorf("order-status service: %w", err)
	}
	stoppers = append(stoppers, netTasks...)
	if nd != nil {
		fmt.Fprintf(out, "  and %s.\n\n", nd.describe())
	}
	dog := spawn(weft.Spawn(rt, newWatchdog(s)))
	if cfg.onServe != nil && pageURL != "" {
		cfg.onServe(pageURL)
	}

	mon := startMonitor(rt, s, out)

	// Run, for the duration or (-serve) until interrupted.
	var runFor <-chan time.Time
	if !cfg.serve {
		t := time.NewTimer(cfg.duration)
		defer t.Stop()
		runFor = t.C
	}
	interrupted := false
	select {
	case <-runFor:
	case <-ctx.Done():
		interrupted = true
	}
	ran := time.Since(s.start)
	mon.stopProgress()

	// Drain: stop producing, let the workers finish what is queued and in
	// flight, then stop the watchdog. If the drain overruns, cancel every
	// request; if even that overruns, the runtime's shutdown cancels the
	// rest, and their handles are joined after it.
	drainStart := time.Now()
	s.stop.Cancel()
	late := joinAll(s.c, stoppers, cfg.drainTimeout)
	late = append(late, joinAll(s.c, workers, cfg.drainTimeout)...)
	forced := false
	if len(late) > 0 {
		forced = true
		s.root.Cancel()
		late = joinAll(s.c, late, 2*time.Second)
	}
	s.stopDogs.Cancel()
	late = append(late, joinAll(s.c, []*task.JoinHandle[uint64]{dog}, 2*time.Second)...)
	drained := time.Since(drainStart)
	// Every handler has ended: each permit must be back, including those
	// of handlers aborted or panicked while holding one (their Drop).
	permitsLeft := s.downstream.Available()

	before := rt.Metrics()
	if stopPage != nil {
		stopPage()
		stopPage = nil
	}
	shutdownStart := time.Now()
	closeErr := rt.Close()
	closed = true
	shutdown := time.Since(shutdownStart)
	// After Close every handle reports; count those that were late.
	joinAll(s.c, late, time.Minute)
	after := rt.Metrics()
	mem := mon.finish()

	sum := &demoSummary{
		cfg:         cfg,
		ran:         ran,
		drained:     drained,
		shutdown:    shutdown,
		interrupted: interrupted,
		forced:      forced,
		permitsLeft: permitsLeft,
		closeErr:    closeErr,
		c:           s.c,
		lat:         s.lat.snapshot(),
		batch:       s.batch.snapshot(),
		poll:        pt.hist.snapshot(),
		before:      before,
		after:       after,
		mem:         mem,
		progress:    mon.lines,
		net:         nd,
	}
	if cfg.compare {
		n := min(max(mem.peakAlive, 10_000), 100_000)
		sum.idle, sum.idleErr = measureIdle(n, cfg.rtWorkers)
	}
	sum.print(out)
	return sum, nil
}

// joinAll joins hs, each within what is left of timeout, classifies what it
// joined, and returns the handles it could not join in time.
func joinAll(c *demoCounters, hs []*task.JoinHandle[uint64], timeout time.Duration) []*task.JoinHandle[uint64] {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	var late []*task.JoinHandle[uint64]
	for _, h := range hs {
		if _, err := h.BlockingJoin(ctx); isCtxErr(err) {
			late = append(late, h)
		} else {
			c.classify(err)
		}
	}
	return late
}

func isCtxErr(err error) bool {
	return errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled)
}

// monitor is the goroutine that prints a progress line every cfg.progress
// until stopProgress, and samples memory every 100 ms until finish.
type monitor struct {
	stopProg chan struct{} // closed by stopProgress
	progDone chan struct{} // closed once the last progress line is out
	stopAll  chan struct{} // closed by finish
	done     sync.WaitGroup

	// Written by the monitor goroutine; read after finish.
	lines int // progress lines printed
	mem   memStats
}

func startMonitor(rt *weft.Runtime, s *service, out io.Writer) *monitor {
	m := &monitor{stopProg: make(chan struct{}), progDone: make(chan struct{}), stopAll: make(chan struct{})}
	p := newProgress(out, s, rt)
	m.done.Add(1)
	go func() {
		defer m.done.Done()
		prog := time.NewTicker(s.cfg.progress)
		defer prog.Stop()
		sample := time.NewTicker(100 * time.Millisecond)
		defer sample.Stop()
		stopProg := m.stopProg
		for {
			select {
			case <-prog.C:
				if stopProg != nil {
					p.line(false)
				}
			case <-sample.C:
				m.mem.sample(rt)
			case <-stopProg:
				p.line(true)
				m.lines = p.lines
				stopProg = nil
				close(m.progDone)
			case <-m.stopAll:
				m.mem.sample(rt)
				return
			}
		}
	}()
	return m
}

// stopProgress prints the last progress line and stops printing; it returns
// once that line is out.
func (m *monitor) stopProgress() {
	close(m.stopProg)
	<-m.progDone
}

// finish stops the monitor and returns the memory it saw. It must be called
// once, after stopProgress.
func (m *monitor) finish() memStats {
	close(m.stopAll)
	m.done.Wait()
	m.mem.readPeakRSS()
	return m.mem
}
