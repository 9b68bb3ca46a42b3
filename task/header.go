package task

import (
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/weftrt/weft/future"
	"github.com/weftrt/weft/internal/list"
	"github.com/weftrt/weft/internal/monotime"
)

// Header is the part of a task that untyped code works with: the state word,
// the run-queue link, the identity, and the dispatch to the typed cell. Every
// handle type (Task, Notified, JoinHandle, AbortHandle, Waker) points at one.
//
// A *Header stays valid for as long as anything refers to it (Go's collector
// keeps it); what a task releases when its last counted reference goes is its
// contents, not the header. Its exported methods are safe for concurrent use.
type Header struct {
	// state is the atomic state word; see state.go.
	state state
	// queueNext links the task in an intrusive run queue ([Queue]). Owned by
	// whoever holds the task's Notified.
	queueNext *Header
	// typ dispatches to the typed cell and holds its pool. Immutable.
	typ *taskType
	// sched is the task's binding: the scheduler that runs it (calls on
	// sched reach it) and the id of the list it was bound to (sched.id, 0
	// for unowned tasks). Immutable after bind; cleared by dealloc, when no
	// counted reference is left (a wake can only read it after a successful
	// Submit, which takes a reference).
	sched *binding
	// owned links the task into its owner's list; guarded by that list's
	// shard lock.
	owned list.Links[Header]
	// join is the join-waker slot, in the task's JoinHandle; nil for a
	// task bound without one. Set before the task is published, cleared by
	// dealloc; access to the slot follows the JOIN_WAKER protocol in
	// join_waker.go.
	join *joinSlot
	// idHi is the high half of the task's ID; the low half is the
	// generation in the state word (ID). Immutable after bind.
	idHi uint32
	// site is the spawn site's index in the site table (site.go), 0 when
	// not captured. Immutable after bind.
	site uint16
	// stage says what the cell holds (harness.go); see "Field ownership"
	// in state.go. It lives here, in what would be padding, rather than
	// next to the output.
	stage stage
	// cached says that the cell came from a CellCache (or was made for
	// one) and goes back to one when released; see cell_cache.go. Owned
	// like the stage.
	cached bool
}

// Stats is per-task bookkeeping that a runtime turns on for task dumps and
// metrics (Options.Stats). It costs an allocation per spawn and a clock read
// per poll, so it is off unless asked for. The harness fills it in: the spawn
// time at bind, and a count and time for each poll; the rest of the world
// only reads it.
type Stats struct {
	spawnedAt int64 // monotime.Now at bind
	polls     atomic.Uint64
	lastPoll  atomic.Int64 // monotime.Now at the start of the last poll, 0 before the first
}

// SpawnedAt returns when the task was spawned.
func (s *Stats) SpawnedAt() time.Time { return monotime.Time(s.spawnedAt) }

// Polls returns how many times the task was polled.
func (s *Stats) Polls() uint64 { return s.polls.Load() }

// LastPoll returns when the task's last poll began, or the zero Time if it
// was never polled.
func (s *Stats) LastPoll() time.Time {
	ns := s.lastPoll.Load()
	if ns == 0 {
		return time.Time{}
	}
	return monotime.Time(ns)
}

// recordPoll counts a poll at time now (monotime.Now). The harness calls it
// before each poll.
func (s *Stats) recordPoll(now int64) {
	s.polls.Add(1)
	s.lastPoll.Store(now)
}

// ID returns the task's ID. The header keeps its high half; the low half is
// the generation in the state word, which does not change while the task
// lives.
func (h *Header) ID() ID { return ID(h.idHi)<<32 | ID(h.state.load().gen()) }

// State returns the current state word.
func (h *Header) State() Snapshot { return h.state.load() }

// OwnerID returns the id of the task list the task was bound to, or 0 for a
// blocking task.
func (h *Header) OwnerID() uint64 { return uint64(h.sched.id) }

// SpawnPC returns the program counter of the call that spawned the task, or
// 0 when the runtime does not capture spawn sites.
func (h *Header) SpawnPC() uintptr { return sitePC(h.site) }

// Stats returns the task's bookkeeping, or nil when the runtime keeps none.
func (h *Header) Stats() *Stats {
	if off := h.typ.statsOff; off != 0 {
		return *h.statsSlot(off)
	}
	return nil
}

// statsSlot returns the address of the Stats pointer of a cell made with
// stats (statsCell), which sits off bytes from the header.
func (h *Header) statsSlot(off uintptr) **Stats {
	return (**Stats)(unsafe.Add(unsafe.Pointer(h), off))
}

// Wake schedules the task to be polled again if it is still the task with
// the given ID (the tag of the task's Waker; 0 means whichever task owns the
// header now). Waking a running task makes its poller reschedule it; waking a
// queued or completed task, or one whose memory now belongs to another task,
// does nothing. It never blocks and, unless it has to schedule the task, does
// one atomic operation.
func (h *Header) Wake(tag uint64) {
	gen := uint32(tag)
	if tag == 0 {
		gen = h.state.load().gen()
	}
	if h.state.toNotifiedByRef(gen) == notifySubmit {
		h.sched.Schedule(Notified{h: h})
	}
}

// Waker returns the Waker that wakes this task (and never a later task that
// reuses its memory).
func (h *Header) Waker() future.Waker { return future.NewTaggedWaker(h, uint64(h.ID())) }

// abort asks for the task with the given ID to be cancelled at its next
// chance: see [JoinHandle.Abort] for the cases.
func (h *Header) abort(id ID) {
	if h.state.toNotifiedAndCancel(uint32(id)) {
		// Cancellation always happens on the scheduler's side, so a task
		// bound to one thread is cancelled on that thread.
		h.sched.Schedule(Notified{h: h})
	}
}

// dropRef releases one counted reference, deallocating at zero.
func (h *Header) dropRef() {
	if h.state.refDec() {
		h.raw().dealloc()
	}
}
