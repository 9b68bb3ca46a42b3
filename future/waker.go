package future

// Wakeable is what a [Waker] wakes: a task, a goroutine waiting on a
// [Signal], a combinator's child slot.
//
// Wake receives the tag the Waker was made with ([NewTaggedWaker]), or 0 for
// a Waker from [NewWaker]; most implementations ignore it. weft's tasks use
// it: a task's memory is reused after the task ends, and the tag (the task's
// ID) keeps a Waker kept past the end of its task from waking the next task
// that uses the memory.
//
// Implementations must be pointer types (so that Wakers compare by identity)
// and Wake must be safe to call from any goroutine, any number of times, and
// must neither block nor allocate.
type Wakeable interface {
	Wake(tag uint64)
}

// Waker wakes whoever waits for a future: a task, or a goroutine blocked on a
// [Signal]. The zero Waker wakes nothing.
//
// Wakers are small values that are copied freely. Two Wakers are equal exactly
// when they wake the same thing, so [Waker.WillWake] is ==. A Waker does not
// keep a task from finishing: waking a task that has already completed does
// nothing, even when its memory has been reused by another task.
type Waker struct {
	w   Wakeable
	tag uint64
}

// NewWaker returns a Waker that calls w.Wake(0).
func NewWaker(w Wakeable) Waker { return Waker{w: w} }

// NewTaggedWaker returns a Waker that calls w.Wake(tag). tag must not be 0.
func NewTaggedWaker(w Wakeable, tag uint64) Waker {
	if tag == 0 {
		panic("future: NewTaggedWaker with tag 0")
	}
	if w == nil {
		panic("future: NewTaggedWaker of a nil Wakeable")
	}
	return Waker{w: w, tag: tag}
}

// Wake schedules whatever the Waker stands for to be polled again. It never
// blocks and never allocates. Everything the caller did before Wake happens
// before the poll that the wake causes.
func (w Waker) Wake() {
	if w.w != nil {
		w.w.Wake(w.tag)
	}
}

// WillWake reports whether w and o wake the same thing, so that a future that
// already holds o can keep it instead of storing w.
func (w Waker) WillWake(o Waker) bool { return w == o }

// IsZero reports whether w is the zero Waker, which wakes nothing.
func (w Waker) IsZero() bool { return w.w == nil }

type noopWaker struct{ _ byte }

func (*noopWaker) Wake(uint64) {}

var noop = &noopWaker{}

// Noop returns a Waker that does nothing when woken. It is meant for tests and
// for polling a future once to see whether it is ready.
func Noop() Waker { return Waker{w: noop} }
