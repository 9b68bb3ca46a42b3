package weft

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/weftrt/weft/future"
	"github.com/weftrt/weft/task"
)

/*
How a dump is taken.

 1. The runtime's tasks: OwnedTasks.Each, with every shard lock held, copies
    each task's header, ID and stats pointer (spawns and completions wait for
    the copy, nothing more). The set is consistent: every task in it was
    alive at that instant, and every task alive at that instant is in it.
    A current-thread runtime's list has no lock (ARCHITECTURE.md item 39):
    the copy is made by the goroutine driving it, between two polls, or by
    the dumping goroutine when nobody drives (currentthread.EachTask); a
    driver that does not answer before ctx ends (a task stuck in its poll)
    leaves the runtime's tasks out, named in Dump.Incomplete.
 2. Without any list lock, each task is inspected (task.Header.Trace): an
    idle one is locked for the length of future.TraceOf, which calls the
    futures' Trace and String methods; running, queued and finished ones are
    reported without a trace. The scheduler keeps running meanwhile.
    Before each task the dump looks at ctx, and stops when it has ended.
 3. Each LocalSet is asked for its tasks: its driver answers between two
    polls (LocalOwnedTasks.Trace, no locking needed, since the driver owns
    its tasks' futures between polls); a set nobody drives is read by the
    dumping goroutine itself, which takes the driver role for the purpose.
    A set whose driver does not answer before ctx ends is listed in
    Dump.Incomplete.
 4. If a trace names a goroutine (a suspended Async body), one
    runtime.Stack of all goroutines supplies the stacks.
 5. Spawn sites are symbolised (runtime.CallersFrames) once per distinct PC.

Blocking tasks (SpawnBlocking) are in no task list and are not dumped, as in
Tokio; Metrics counts them.
*/

// TaskStatus says what a task was doing when the dump looked at it.
type TaskStatus uint8

const (
	// TaskIdle: the task waits to be woken; its trace says for what.
	TaskIdle TaskStatus = iota
	// TaskQueued: the task was woken and waits in a run queue.
	TaskQueued
	// TaskRunning: a worker was polling the task (or cancelling it).
	TaskRunning
	// TaskFinished: the task completed after the dump found it.
	TaskFinished
)

// String returns "idle", "queued", "running" or "finished".
func (s TaskStatus) String() string {
	switch s {
	case TaskIdle:
		return "idle"
	case TaskQueued:
		return "queued"
	case TaskRunning:
		return "running"
	case TaskFinished:
		return "finished"
	}
	return "TaskStatus(" + strconv.Itoa(int(s)) + ")"
}

// MarshalText encodes the status as its String.
func (s TaskStatus) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// TaskDump is one task of a [Dump].
type TaskDump struct {
	// ID is the task's ID.
	ID task.ID
	// Scheduler is where the task runs: "multi-thread", "current-thread",
	// or "local-set N" for the N-th LocalSet made in the process.
	Scheduler string
	// Status is what the task was doing; State is its state word at that
	// moment (for a TaskFinished task, the last word the dump saw).
	Status TaskStatus
	State  task.Snapshot
	// SpawnFunc, SpawnFile and SpawnLine locate the call that spawned the
	// task; empty unless the runtime records spawn sites (WithSpawnSites).
	SpawnFunc string
	SpawnFile string
	SpawnLine int
	// HasStats reports whether the runtime keeps task stats
	// (WithTaskStats); Polls, Age and SinceLastPoll are zero otherwise.
	HasStats bool
	// Polls is how many times the task was polled; Age the time since it
	// was spawned; SinceLastPoll the time since its last poll began (zero
	// when Polls is zero).
	Polls         uint64
	Age           time.Duration
	SinceLastPoll time.Duration
	// Trace is where an idle task waits: its future's trace tree, with the
	// stack of any goroutine a node names (an Async body's). Nil unless
	// Status is TaskIdle, or the task is a LocalSet's (whose queued tasks
	// are traced too).
	Trace *future.TraceNode

	spawnPC uintptr
}

// Dump is a snapshot of the live tasks of a runtime and its LocalSets,
// returned by [Runtime.Dump]. The set of the runtime's tasks is consistent
// (they were all alive at one instant); each task's state and trace are read
// just after, one task at a time.
type Dump struct {
	// Time is when the dump was taken.
	Time time.Time
	// Flavor is the runtime's scheduler.
	Flavor Flavor
	// Tasks are the live tasks, by increasing ID.
	Tasks []TaskDump
	// Incomplete names the parts of the runtime the dump could not read,
	// with the reason ("local-set 3: context deadline exceeded"); empty
	// when the dump is complete.
	Incomplete []string
}

// DumpOption configures [Runtime.Dump].
type DumpOption func(*dumpConfig)

type dumpConfig struct {
	stacks bool
}

// DumpStacks says whether a dump attaches goroutine stacks to the traces
// that name a goroutine (the bodies of Async tasks); default true. Taking
// them costs one runtime.Stack of every goroutine, which stops the world for
// a few microseconds per goroutine (about 45 ms with 10,000 goroutines,
// BenchmarkGoroutineStackDumpParked); a page that refreshes every second may
// prefer to leave them out.
func DumpStacks(on bool) DumpOption { return func(c *dumpConfig) { c.stacks = on } }

// Dump returns the live tasks of the runtime and of its LocalSets: for each,
// its ID, state, where it was spawned and how often it was polled (when the
// runtime keeps them: WithSpawnSites, WithTaskStats), and for an idle task
// the trace of what it waits for, with the stack of an Async body. The
// runtime keeps running while the dump is taken: each idle task is locked
// only while its trace is built, and a wake or abort that arrives meanwhile
// is delivered right after (an abort then cancels the task on the calling
// goroutine).
//
// Dump may be called from any goroutine, including from inside a task (that
// task appears as running). It waits for the driver of each LocalSet to
// answer, between two of its polls, until ctx ends: sets that have not
// answered by then are named in Dump.Incomplete and the dump is returned
// with ctx.Err(). It returns a nil Dump and ctx.Err() when ctx is done
// before it starts. A dump of a runtime that is shut down is empty.
//
// A current-thread runtime's tasks are listed by the goroutine that drives
// it, between two polls (or by Dump itself when nobody drives): when a task
// blocks that goroutine inside its poll, Dump waits until ctx ends and
// returns without the runtime's tasks, saying so in Dump.Incomplete, with
// ctx.Err(). Pass a ctx with a deadline when the runtime may be stuck.
//
// Dump honours ctx throughout: when ctx ends while the runtime's tasks are
// inspected, it stops there and returns what it has with ctx.Err(), the
// tasks not inspected left out and counted in Dump.Incomplete ("tasks: 9000
// of 10000 not inspected: context deadline exceeded"), and no goroutine
// stacks. Its cost grows linearly with the number of tasks, also when many
// of them wait on one primitive (each describes its place in line in
// constant time).
func (rt *Runtime) Dump(ctx context.Context, opts ...DumpOption) (*Dump, error) {
	return rt.h.Dump(ctx, opts...)
}

// Dump is [Runtime.Dump] through a handle.
func (h *Handle) Dump(ctx context.Context, opts ...DumpOption) (*Dump, error) {
	if ctx == nil {
		panic("weft: Dump with a nil context.Context (use context.Background())")
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	cfg := dumpConfig{stacks: true}
	for _, o := range opts {
		if o != nil {
			o(&cfg)
		}
	}
	d := &Dump{Time: time.Now(), Flavor: h.cfg.flavor}
	now := time.Now()

	// 1. Collect the runtime's tasks under the list locks.
	type entry struct {
		h  *task.Header
		id task.ID
		st *task.Stats
		pc uintptr
	}
	owned := h.eng.Owned()
	// Sized ahead, so that the copy under the locks rarely allocates.
	es := make([]entry, 0, owned.Len()+owned.Len()/8+16)
	collect := func(th *task.Header) {
		es = append(es, entry{h: th, id: th.ID(), st: th.Stats(), pc: th.SpawnPC()})
	}
	var err error
	if w, ok := h.eng.(driverWalker); ok {
		if err = w.EachTask(ctx, collect); err != nil {
			d.Incomplete = append(d.Incomplete, "tasks: the runtime's driver did not answer: "+err.Error())
		}
	} else {
		owned.Each(collect)
	}
	// 2. Inspect them without the locks. A shutdown waits for this part
	// (waitDumps), so that a task it cancels while we hold it completes
	// before Shutdown returns.
	sched := h.cfg.flavor.String()
	d.Tasks = make([]TaskDump, 0, len(es))
	func() {
		h.beginDump()
		defer h.endDump()
		done := ctx.Done()
		for i, e := range es {
			select {
			case <-done:
				// Give up: a dump must not outlive its caller's patience.
				err = ctx.Err()
				d.Incomplete = append(d.Incomplete, "tasks: "+strconv.Itoa(len(es)-i)+" of "+
					strconv.Itoa(len(es))+" not inspected: "+err.Error())
				return
			default:
			}
			tr, s, r := e.h.Trace(e.id)
			td := TaskDump{ID: e.id, Scheduler: sched, State: s, Trace: tr}
			switch r {
			case task.TraceIdle:
				td.Status = TaskIdle
			case task.TraceRunning:
				td.Status = TaskRunning
			case task.TraceQueued:
				td.Status = TaskQueued
			case task.TraceComplete, task.TraceGone:
				td.Status = TaskFinished
			}
			td.spawnPC = e.pc
			td.setStats(e.st, now)
			d.Tasks = append(d.Tasks, td)
		}
	}()

	// 3. LocalSets (each refuses at once when ctx has ended).
	for _, ls := range h.liveLocalSets() {
		tds, lerr := ls.dumpTasks(ctx, now)
		if lerr != nil {
			d.Incomplete = append(d.Incomplete, ls.name()+": "+lerr.Error())
			err = lerr
			continue
		}
		d.Tasks = append(d.Tasks, tds...)
	}
	slices.SortFunc(d.Tasks, func(a, b TaskDump) int { return cmpID(a.ID, b.ID) })

	// 4 and 5. Stacks (not once ctx has ended: one runtime.Stack of every
	// goroutine is not quick) and spawn sites.
	if cfg.stacks && ctx.Err() == nil {
		attachStacks(d.Tasks)
	}
	symbolizeSpawnSites(d.Tasks)
	return d, err
}

// driverWalker is an engine whose task list only its driver may walk (the
// current-thread scheduler's): EachTask calls fn for every task there, or
// returns ctx's error when the driver does not answer in time.
type driverWalker interface {
	EachTask(ctx context.Context, fn func(*task.Header)) error
}

func cmpID(a, b task.ID) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// setStats copies what the task's stats say, as of now.
func (td *TaskDump) setStats(st *task.Stats, now time.Time) {
	if st == nil {
		return
	}
	td.HasStats = true
	td.Polls = st.Polls()
	td.Age = max(0, now.Sub(st.SpawnedAt()))
	if td.Polls > 0 {
		td.SinceLastPoll = max(0, now.Sub(st.LastPoll()))
	}
}

// beginDump and endDump count the dumps that may hold tasks of the runtime;
// waitDumps waits until there are none. A new dump may start at any time,
// also while someone waits.
//
// Under a paused clock a dump also counts as work in progress while it may
// hold tasks (U5 in internal/timer/activity.go): a wake that reaches a held
// task is scheduled only when the dump lets go of it.
func (h *Handle) beginDump() {
	if h.act != nil {
		h.act.Acquire()
	}
	h.dumps.Lock()
	h.dumps.n++
	h.dumps.Unlock()
}

func (h *Handle) endDump() {
	if h.act != nil {
		defer h.act.Release()
	}
	h.dumps.Lock()
	h.dumps.n--
	if h.dumps.n == 0 && h.dumps.idle != nil {
		close(h.dumps.idle)
		h.dumps.idle = nil
	}
	h.dumps.Unlock()
}

func (h *Handle) waitDumps() {
	h.dumps.Lock()
	for h.dumps.n > 0 {
		if h.dumps.idle == nil {
			h.dumps.idle = make(chan struct{})
		}
		ch := h.dumps.idle
		h.dumps.Unlock()
		<-ch
		h.dumps.Lock()
	}
	h.dumps.Unlock()
}

// liveLocalSets returns the runtime's LocalSets that are not closed.
func (h *Handle) liveLocalSets() []*LocalSet {
	h.localSets.Lock()
	sets := make([]*LocalSet, 0, len(h.localSets.m))
	for ls := range h.localSets.m {
		sets = append(sets, ls)
	}
	h.localSets.Unlock()
	slices.SortFunc(sets, func(a, b *LocalSet) int { return int(a.seq) - int(b.seq) })
	return sets
}

// attachStacks fills the Stack of every trace node that names a goroutine,
// from one runtime.Stack of all goroutines.
func attachStacks(tasks []TaskDump) {
	var nodes []*future.TraceNode
	for i := range tasks {
		if tr := tasks[i].Trace; tr != nil {
			tr.Walk(func(n *future.TraceNode) {
				if n.Goroutine != 0 {
					nodes = append(nodes, n)
				}
			})
		}
	}
	if len(nodes) == 0 {
		return
	}
	stacks := goroutineStacks()
	for _, n := range nodes {
		n.Stack = stacks[n.Goroutine]
	}
}

// goroutineStacks returns the stack of every goroutine by ID, each in
// runtime.Stack's format ("goroutine 57 [coroutine]:\n..."), growing the
// buffer until the whole dump fits.
func goroutineStacks() map[uint64]string {
	buf := make([]byte, 64<<10)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		if len(buf) >= 64<<20 {
			break // keep what fits
		}
		buf = make([]byte, 2*len(buf))
	}
	stacks := map[uint64]string{}
	for block := range strings.SplitSeq(string(buf), "\n\n") {
		rest, ok := strings.CutPrefix(block, "goroutine ")
		if !ok {
			continue
		}
		num, _, _ := strings.Cut(rest, " ")
		if id, err := strconv.ParseUint(num, 10, 64); err == nil {
			stacks[id] = strings.TrimRight(block, "\n")
		}
	}
	return stacks
}

// symbolizeSpawnSites resolves each task's spawn PC to function, file and
// line, once per distinct PC.
func symbolizeSpawnSites(tasks []TaskDump) {
	type site struct {
		fn, file string
		line     int
	}
	cache := map[uintptr]site{}
	for i := range tasks {
		pc := tasks[i].spawnPC
		if pc == 0 {
			continue
		}
		s, ok := cache[pc]
		if !ok {
			fr, _ := runtime.CallersFrames([]uintptr{pc}).Next()
			s = site{fn: fr.Function, file: fr.File, line: fr.Line}
			cache[pc] = s
		}
		tasks[i].SpawnFunc, tasks[i].SpawnFile, tasks[i].SpawnLine = s.fn, s.file, s.line
	}
}

// WriteText writes the dump in the style of a goroutine profile: a header,
// then one block per task, its first line saying what the task does, then
// its trace as an indented tree (with the stack of an Async body under its
// node), then where it was spawned.
//
//	task 12 [idle, 1.2s since last poll, 7 polls, age 5s] multi-thread:
//	state JOIN_INTEREST|JOIN_WAKER refs=2
//	Select
//	    Sleep(2.1s left)
//	    mpsc.Recv
//	spawned by main.main
//	    /src/app/main.go:42
func (d *Dump) WriteText(w io.Writer) error {
	bw := bufio.NewWriter(w)
	bw.WriteString("weft task dump: " + strconv.Itoa(len(d.Tasks)) + " tasks, " + d.Flavor.String() +
		" runtime, at " + d.Time.UTC().Format(time.RFC3339Nano) + "\n")
	for _, part := range d.Incomplete {
		bw.WriteString("incomplete: " + part + "\n")
	}
	for i := range d.Tasks {
		t := &d.Tasks[i]
		bw.WriteString("\ntask " + t.ID.String() + " [" + t.Status.String())
		if t.HasStats {
			if t.Polls > 0 {
				bw.WriteString(", " + fmtDuration(t.SinceLastPoll) + " since last poll")
			}
			polls := " polls"
			if t.Polls == 1 {
				polls = " poll"
			}
			bw.WriteString(", " + strconv.FormatUint(t.Polls, 10) + polls + ", age " + fmtDuration(t.Age))
		}
		bw.WriteString("] " + t.Scheduler + ":\n")
		bw.WriteString("state " + t.State.String() + "\n")
		if t.Trace != nil {
			writeTraceText(bw, t.Trace, 0)
		}
		if t.SpawnFunc != "" {
			bw.WriteString("spawned by " + t.SpawnFunc + "\n    " + t.SpawnFile + ":" + strconv.Itoa(t.SpawnLine) + "\n")
		}
	}
	return bw.Flush()
}

func writeTraceText(w *bufio.Writer, n *future.TraceNode, depth int) {
	indent := strings.Repeat("    ", depth)
	w.WriteString(indent + n.Label + "\n")
	if n.Stack != "" {
		for line := range strings.SplitSeq(n.Stack, "\n") {
			w.WriteString(indent + "  | " + line + "\n")
		}
	} else if n.Goroutine != 0 {
		w.WriteString(indent + "  | goroutine " + strconv.FormatUint(n.Goroutine, 10) + " (stack not taken)\n")
	}
	for _, c := range n.Children {
		writeTraceText(w, c, depth+1)
	}
}

// fmtDuration rounds d for reading: to the millisecond above a second, to
// the microsecond below.
func fmtDuration(d time.Duration) string {
	switch {
	case d >= time.Second:
		return d.Round(time.Millisecond).String()
	case d >= time.Millisecond:
		return d.Round(10 * time.Microsecond).String()
	}
	return d.Round(time.Microsecond).String()
}

// String returns the dump as WriteText writes it.
func (d *Dump) String() string {
	var b strings.Builder
	_ = d.WriteText(&b)
	return b.String()
}

// The JSON form of a dump. Durations are integers of nanoseconds, named
// with an _ns suffix; fields the runtime does not keep are left out.
type jsonDump struct {
	Time       time.Time  `json:"time"`
	Flavor     string     `json:"flavor"`
	Tasks      []jsonTask `json:"tasks"`
	Incomplete []string   `json:"incomplete,omitempty"`
}

type jsonTask struct {
	ID              uint64            `json:"id"`
	Scheduler       string            `json:"scheduler"`
	Status          TaskStatus        `json:"status"`
	State           string            `json:"state"`
	Refs            uint64            `json:"refs"`
	Spawn           *jsonSpawn        `json:"spawn,omitempty"`
	Polls           *uint64           `json:"polls,omitempty"`
	AgeNs           *int64            `json:"age_ns,omitempty"`
	SinceLastPollNs *int64            `json:"since_last_poll_ns,omitempty"`
	Trace           *future.TraceNode `json:"trace,omitempty"`
	TraceLine       string            `json:"trace_line,omitempty"`
}

type jsonSpawn struct {
	Function string `json:"function"`
	File     string `json:"file"`
	Line     int    `json:"line"`
}

// MarshalJSON encodes the dump as an object with "time", "flavor", "tasks"
// and, when not empty, "incomplete". Each task has "id", "scheduler",
// "status", "state" (the flags with Tokio's names), "refs", and when known
// "spawn" {function, file, line}, "polls", "age_ns", "since_last_poll_ns",
// "trace" (a tree of {label, goroutine, stack, children}) and "trace_line"
// (the same tree on one line).
func (d *Dump) MarshalJSON() ([]byte, error) {
	jd := jsonDump{Time: d.Time, Flavor: d.Flavor.String(), Tasks: make([]jsonTask, len(d.Tasks)), Incomplete: d.Incomplete}
	for i := range d.Tasks {
		t := &d.Tasks[i]
		flags, _, _ := strings.Cut(t.State.String(), " ")
		jt := jsonTask{
			ID: uint64(t.ID), Scheduler: t.Scheduler, Status: t.Status,
			State: flags, Refs: t.State.RefCount(), Trace: t.Trace,
		}
		if t.Trace != nil {
			jt.TraceLine = t.Trace.String()
		}
		if t.SpawnFunc != "" {
			jt.Spawn = &jsonSpawn{Function: t.SpawnFunc, File: t.SpawnFile, Line: t.SpawnLine}
		}
		if t.HasStats {
			polls, age := t.Polls, int64(t.Age)
			jt.Polls, jt.AgeNs = &polls, &age
			if polls > 0 {
				since := int64(t.SinceLastPoll)
				jt.SinceLastPollNs = &since
			}
		}
		jd.Tasks[i] = jt
	}
	return json.Marshal(jd)
}

// WriteJSON writes the dump as MarshalJSON encodes it, followed by a
// newline.
func (d *Dump) WriteJSON(w io.Writer) error {
	b, err := d.MarshalJSON()
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

// dumpsInFlight is the part of Handle that counts dumps; see beginDump.
type dumpsInFlight struct {
	sync.Mutex
	n    int           // guarded by the mutex: dumps inspecting the runtime's tasks
	idle chan struct{} // guarded by the mutex: closed when n drops to 0; nil when nobody waits
}
