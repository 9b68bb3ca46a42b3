package semaphore_test

import (
	"errors"
	"testing"

	"pgregory.net/rapid"

	"github.com/weftrt/weft/internal/mocktask"
	"github.com/weftrt/weft/internal/semaphore"
)

// The model: a FIFO of requests, permits assigned to the head a part at a
// time, leftovers counted as available only when nobody waits. Random
// sequences of operations run against the semaphore and the model; after
// every step the available count, the queue length, the results of polls
// and exactly who was woken must agree.

type modelState uint8

const (
	mQueued  modelState = iota // in the queue, missing > 0
	mGranted                   // served by a Release, not polled since
	mClosed                    // unlinked by Close, not polled since
	mDone                      // completed or dropped
)

type modelWaiter struct {
	task    *mocktask.Task[error]
	want    int64
	missing int64
	state   modelState
}

type semModel struct {
	s       *semaphore.Semaphore
	avail   int64
	held    int64 // permits owned by completed acquires and TryAcquires
	closed  bool
	queue   []*modelWaiter
	waiters []*modelWaiter
}

func (m *semModel) assign(n int64) {
	for n > 0 && len(m.queue) > 0 {
		w := m.queue[0]
		give := min(w.missing, n)
		w.missing -= give
		n -= give
		if w.missing == 0 {
			w.state = mGranted
			m.queue = m.queue[1:]
		}
	}
	m.avail += n
}

func (m *semModel) remove(w *modelWaiter) {
	for i, q := range m.queue {
		if q == w {
			m.queue = append(m.queue[:i:i], m.queue[i+1:]...)
			return
		}
	}
}

func (m *semModel) check(t *rapid.T) {
	if got := m.s.Available(); got != m.avail {
		t.Fatalf("Available() = %d, model %d", got, m.avail)
	}
	if got := m.s.Waiters(); got != len(m.queue) {
		t.Fatalf("Waiters() = %d, model %d", got, len(m.queue))
	}
	for i, w := range m.waiters {
		switch w.state {
		case mQueued:
			if w.task.IsWoken() {
				t.Fatalf("waiter %d woken while still missing %d permits", i, w.missing)
			}
		case mGranted, mClosed:
			if !w.task.IsWoken() {
				t.Fatalf("waiter %d (state %d) not woken", i, w.state)
			}
		}
	}
}

func (m *semModel) pick(t *rapid.T, label string) *modelWaiter {
	var live []*modelWaiter
	for _, w := range m.waiters {
		if w.state != mDone {
			live = append(live, w)
		}
	}
	if len(live) == 0 {
		t.Skip("no live waiter")
	}
	return rapid.SampledFrom(live).Draw(t, label)
}

func TestSemaphoreMatchesFIFOModel(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		initial := rapid.Int64Range(0, 4).Draw(t, "initial")
		m := &semModel{s: semaphore.New(initial), avail: initial}
		t.Repeat(map[string]func(*rapid.T){
			"acquire": func(t *rapid.T) {
				n := rapid.Int64Range(0, 5).Draw(t, "n")
				w := &modelWaiter{task: spawn(m.s, n), want: n}
				m.waiters = append(m.waiters, w)
				err, ok := w.task.Poll()
				switch {
				case m.closed:
					if !ok || !errors.Is(err, semaphore.ErrClosed) {
						t.Fatalf("acquire on closed = %v, %v", err, ok)
					}
					w.state = mDone
				case n == 0 || (len(m.queue) == 0 && m.avail >= n):
					if !ok || err != nil {
						t.Fatalf("acquire(%d) with %d available = %v, %v", n, m.avail, err, ok)
					}
					m.avail -= n
					m.held += n
					w.state = mDone
				default:
					if ok {
						t.Fatalf("acquire(%d) ready, model says wait", n)
					}
					w.missing = n - m.avail
					m.avail = 0
					m.queue = append(m.queue, w)
				}
				m.check(t)
			},
			"poll": func(t *rapid.T) {
				w := m.pick(t, "waiter")
				err, ok := w.task.Poll()
				switch w.state {
				case mQueued:
					if ok {
						t.Fatalf("waiter missing %d permits is ready", w.missing)
					}
				case mGranted, mClosed:
					if !ok {
						t.Fatal("served or closed waiter still pending")
					}
					if m.closed {
						if !errors.Is(err, semaphore.ErrClosed) {
							t.Fatalf("poll after close = %v", err)
						}
						m.assign(w.want - w.missing)
					} else {
						if err != nil {
							t.Fatalf("served waiter failed: %v", err)
						}
						m.held += w.want
					}
					w.state = mDone
				}
				m.check(t)
			},
			"drop": func(t *rapid.T) {
				w := m.pick(t, "waiter")
				w.task.Drop()
				m.remove(w)
				m.assign(w.want - w.missing)
				w.state = mDone
				m.check(t)
			},
			"release": func(t *rapid.T) {
				n := rapid.Int64Range(0, 4).Draw(t, "n")
				m.s.Release(n)
				m.assign(n)
				m.check(t)
			},
			"releaseHeld": func(t *rapid.T) {
				if m.held == 0 {
					t.Skip("nothing held")
				}
				n := rapid.Int64Range(1, m.held).Draw(t, "n")
				m.s.Release(n)
				m.held -= n
				m.assign(n)
				m.check(t)
			},
			"tryAcquire": func(t *rapid.T) {
				n := rapid.Int64Range(0, 4).Draw(t, "n")
				err := m.s.TryAcquire(n)
				switch {
				case m.closed:
					if !errors.Is(err, semaphore.ErrClosed) {
						t.Fatalf("TryAcquire on closed = %v", err)
					}
				case m.avail >= n:
					if err != nil {
						t.Fatalf("TryAcquire(%d) with %d available = %v", n, m.avail, err)
					}
					m.avail -= n
					m.held += n
				default:
					if !errors.Is(err, semaphore.ErrNoPermits) {
						t.Fatalf("TryAcquire(%d) with %d available = %v", n, m.avail, err)
					}
				}
				m.check(t)
			},
			"forget": func(t *rapid.T) {
				n := rapid.Int64Range(0, 4).Draw(t, "n")
				if got, want := m.s.ForgetPermits(n), min(n, m.avail); got != want {
					t.Fatalf("ForgetPermits(%d) = %d, want %d", n, got, want)
				}
				m.avail -= min(n, m.avail)
				m.check(t)
			},
			"close": func(t *rapid.T) {
				m.s.Close()
				m.closed = true
				for _, w := range m.queue {
					w.state = mClosed
				}
				m.queue = nil
				m.check(t)
			},
		})
		// Abandon everything still waiting: nothing may stay queued.
		for _, w := range m.waiters {
			w.task.Drop()
		}
		if m.s.Waiters() != 0 {
			t.Fatalf("Waiters() = %d after dropping all", m.s.Waiters())
		}
	})
}
