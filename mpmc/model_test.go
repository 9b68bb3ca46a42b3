package mpmc_test

import (
	"errors"
	"slices"
	"testing"

	"pgregory.net/rapid"

	"github.com/weftrt/weft/mpmc"
)

// The reference model: the channel as slices. The buffer is a slice of
// values; senders and receivers waiting are slices in arrival order; room
// freed goes to the first waiting sender, a value sent goes (as a promise)
// to the first waiting receiver; close fails every sender and, once the
// buffer is empty, ends every receiver. Random sequences of operations run
// against the channel and the model; after every step the results, the
// accounting and exactly which futures were woken must agree.

type mState uint8

const (
	mQueued  mState = iota // in its queue
	mGranted               // given room (send) or a promise (recv), not polled since
	mClosed                // woken by the close (send) or the end (recv), not polled since
	mDone                  // completed or dropped
)

type mSend struct {
	task *sendTask
	v    int
	st   mState
}

type mRecv struct {
	task *recvTask
	st   mState
}

type chanModel struct {
	tx *mpmc.Sender[int]
	rx *mpmc.Receiver[int]

	capacity int
	buf      []int
	held     int // sends in mGranted
	promised int // receivers in mGranted
	closed   bool
	sendq    []*mSend
	recvq    []*mRecv
	sends    []*mSend
	recvs    []*mRecv
	next     int
}

func (m *chanModel) free() int { return m.capacity - len(m.buf) - m.held }

func (m *chanModel) push(v int) {
	m.buf = append(m.buf, v)
	m.promise()
}

func (m *chanModel) promise() {
	if len(m.recvq) > 0 {
		m.recvq[0].st = mGranted
		m.recvq = m.recvq[1:]
		m.promised++
	}
}

func (m *chanModel) releaseSlot() {
	if len(m.sendq) > 0 {
		m.sendq[0].st = mGranted
		m.sendq = m.sendq[1:]
		m.held++
	}
}

func (m *chanModel) end() {
	if m.closed && len(m.buf) == 0 {
		for _, r := range m.recvq {
			r.st = mClosed
		}
		m.recvq = nil
	}
}

func (m *chanModel) pop() int {
	v := m.buf[0]
	m.buf = m.buf[1:]
	m.releaseSlot()
	m.end()
	return v
}

func (m *chanModel) close() {
	if m.closed {
		return
	}
	m.closed = true
	for _, s := range m.sendq {
		s.st = mClosed
	}
	m.sendq = nil
	m.end()
}

func (m *chanModel) check(t *rapid.T) {
	want := mpmc.Stats{
		Free: m.free(), Held: m.held, Buffered: len(m.buf), Promised: m.promised,
		SendWaiters: len(m.sendq), RecvWaiters: len(m.recvq), Closed: m.closed,
	}
	if got := mpmc.StatsOf(m.rx); got != want {
		t.Fatalf("stats %+v, model %+v", got, want)
	}
	if m.rx.Len() != len(m.buf) || m.tx.IsClosed() != m.closed {
		t.Fatalf("Len %d, IsClosed %v; model %d, %v", m.rx.Len(), m.tx.IsClosed(), len(m.buf), m.closed)
	}
	for i, s := range m.sends {
		if s.st != mDone && s.task.IsWoken() != (s.st != mQueued) {
			t.Fatalf("send %d (state %d) woken %v", i, s.st, s.task.IsWoken())
		}
	}
	for i, r := range m.recvs {
		if r.st != mDone && r.task.IsWoken() != (r.st != mQueued) {
			t.Fatalf("recv %d (state %d) woken %v", i, r.st, r.task.IsWoken())
		}
	}
}

func liveOf[W interface{ state() mState }](ws []W) []W {
	var live []W
	for _, w := range ws {
		if w.state() != mDone {
			live = append(live, w)
		}
	}
	return live
}

func (s *mSend) state() mState { return s.st }
func (r *mRecv) state() mState { return r.st }

// pollSend polls a send future and checks the outcome against the model.
func (m *chanModel) pollSend(t *rapid.T, s *mSend) {
	err, ok := s.task.Poll()
	var se *mpmc.SendError[int]
	failed := ok && errors.As(err, &se) && se.Value == s.v
	switch s.st {
	case mQueued:
		if ok {
			t.Fatalf("queued send of %d ready with %v", s.v, err)
		}
		return
	case mGranted:
		m.held--
		if m.closed {
			if !failed {
				t.Fatalf("granted send of %d after close = %v, %v", s.v, err, ok)
			}
			m.releaseSlot()
		} else {
			if !ok || err != nil {
				t.Fatalf("granted send of %d = %v, %v", s.v, err, ok)
			}
			m.push(s.v)
		}
	case mClosed:
		if !failed {
			t.Fatalf("send of %d woken by close = %v, %v", s.v, err, ok)
		}
	}
	s.st = mDone
}

// pollRecv polls a receive future and checks the outcome against the model.
func (m *chanModel) pollRecv(t *rapid.T, r *mRecv) {
	res, ok := r.task.Poll()
	switch r.st {
	case mQueued:
		if ok {
			t.Fatalf("queued recv ready with %+v", res)
		}
		return
	case mGranted:
		m.promised--
		if want := m.pop(); !ok || res.Err != nil || res.Value != want {
			t.Fatalf("promised recv = %+v, %v; model %d", res, ok, want)
		}
	case mClosed:
		if !ok || !errors.Is(res.Err, mpmc.ErrClosed) {
			t.Fatalf("recv at the end = %+v, %v", res, ok)
		}
	}
	r.st = mDone
}

// modelRounds is how many times the model test runs rapid's default number
// of cases: a barging TrySend needs four steps in a row to show, which 100
// random cases of 10 kinds of step often miss.
const modelRounds = 10

func TestChannelMatchesReferenceModel(t *testing.T) {
	rounds := modelRounds
	if testing.Short() {
		rounds = 1
	}
	for range rounds {
		if rapid.Check(t, modelCase); t.Failed() {
			return
		}
	}
}

func modelCase(t *rapid.T) {
	capacity := rapid.IntRange(1, 4).Draw(t, "capacity")
	tx, rx := mpmc.New[int](capacity)
	m := &chanModel{tx: tx, rx: rx, capacity: capacity}
	t.Repeat(map[string]func(*rapid.T){
		"TrySend": func(t *rapid.T) {
			v := m.next
			m.next++
			err := tx.TrySend(v)
			switch {
			case m.closed:
				if err != mpmc.ErrClosed {
					t.Fatalf("TrySend on closed = %v", err)
				}
			case m.free() == 0:
				if err != mpmc.ErrFull {
					t.Fatalf("TrySend with no free slot = %v", err)
				}
			default:
				if err != nil {
					t.Fatalf("TrySend with %d free = %v", m.free(), err)
				}
				m.push(v)
			}
		},
		"TryRecv": func(t *rapid.T) {
			v, err := rx.TryRecv()
			switch {
			case len(m.buf) > m.promised:
				if want := m.pop(); err != nil || v != want {
					t.Fatalf("TryRecv = %d, %v; model %d", v, err, want)
				}
			case m.closed && len(m.buf) == 0:
				if err != mpmc.ErrClosed {
					t.Fatalf("TryRecv at the end = %v", err)
				}
			default:
				if err != mpmc.ErrEmpty {
					t.Fatalf("TryRecv with nothing open = %d, %v", v, err)
				}
			}
		},
		"Send": func(t *rapid.T) {
			s := &mSend{task: spawnSend(tx, m.next), v: m.next}
			m.next++
			m.sends = append(m.sends, s)
			switch {
			case m.closed:
				s.st = mClosed
			case m.free() > 0:
				s.st, m.held = mGranted, m.held+1 // takes a free slot
			default:
				s.st = mQueued
				m.sendq = append(m.sendq, s)
			}
			m.pollSend(t, s)
		},
		"Recv": func(t *rapid.T) {
			r := &mRecv{task: spawnRecv(rx)}
			m.recvs = append(m.recvs, r)
			switch {
			case len(m.buf) > m.promised:
				r.st, m.promised = mGranted, m.promised+1 // takes an open value
			case m.closed && len(m.buf) == 0:
				r.st = mClosed
			default:
				r.st = mQueued
				m.recvq = append(m.recvq, r)
			}
			m.pollRecv(t, r)
		},
		"PollSend": func(t *rapid.T) {
			live := liveOf(m.sends)
			if len(live) == 0 {
				t.Skip("no live send")
			}
			m.pollSend(t, rapid.SampledFrom(live).Draw(t, "send"))
		},
		"PollRecv": func(t *rapid.T) {
			live := liveOf(m.recvs)
			if len(live) == 0 {
				t.Skip("no live recv")
			}
			m.pollRecv(t, rapid.SampledFrom(live).Draw(t, "recv"))
		},
		"DropSend": func(t *rapid.T) {
			live := liveOf(m.sends)
			if len(live) == 0 {
				t.Skip("no live send")
			}
			s := rapid.SampledFrom(live).Draw(t, "send")
			s.task.Drop()
			switch s.st {
			case mQueued:
				m.sendq = slices.DeleteFunc(m.sendq, func(o *mSend) bool { return o == s })
			case mGranted:
				m.held--
				m.releaseSlot()
			}
			s.st = mDone
		},
		"DropRecv": func(t *rapid.T) {
			live := liveOf(m.recvs)
			if len(live) == 0 {
				t.Skip("no live recv")
			}
			r := rapid.SampledFrom(live).Draw(t, "recv")
			r.task.Drop()
			switch r.st {
			case mQueued:
				m.recvq = slices.DeleteFunc(m.recvq, func(o *mRecv) bool { return o == r })
			case mGranted:
				m.promised--
				m.promise()
			}
			r.st = mDone
		},
		"Close": func(t *rapid.T) {
			tx.Close()
			m.close()
		},
		"": func(t *rapid.T) { m.check(t) },
	})
	// Whatever happened, dropping every live future leaves nothing
	// waiting or held, and every slot free or buffered.
	for _, s := range m.sends {
		s.task.Drop()
	}
	for _, r := range m.recvs {
		r.task.Drop()
	}
	s := mpmc.StatsOf(rx)
	if s.Held != 0 || s.Promised != 0 || s.SendWaiters != 0 || s.RecvWaiters != 0 || s.Free+s.Buffered != capacity {
		t.Fatalf("after dropping every future: %+v", s)
	}
}
