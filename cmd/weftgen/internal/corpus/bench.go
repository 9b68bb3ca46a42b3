package corpus

import (
	"github.com/weftrt/weft"
	"github.com/weftrt/weft/future"
	"github.com/weftrt/weft/mpsc"
)

// RecvLoop sums what a channel delivers until it is closed: the task the
// memory benchmarks leave idle in an await.
//
//weft:async
func RecvLoop(a *weft.A, rx *mpsc.Receiver[int]) int {
	n := 0
	for {
		r := weft.Await(a, rx.Recv())
		if r.Err != nil {
			return n
		}
		n += r.Value
	}
}

// Flips awaits f for ever: each poll of its future resumes one await and
// suspends in the next (the suspend-and-resume benchmark).
//
//weft:async
func Flips(a *weft.A, f *Flip) int {
	n := 0
	for {
		n += weft.Await(a, f)
	}
}

// Flip is pending and ready in turn.
type Flip struct{ ready bool }

// Poll is ready every other time.
func (f *Flip) Poll(*future.Context) (int, bool) {
	if f.ready {
		f.ready = false
		return 1, true
	}
	f.ready = true
	return 0, false
}

// String describes the future.
func (f *Flip) String() string { return "Flip" }

// Bounces awaits b n times: each await suspends, b wakes the task, and the
// scheduler polls it again (the suspend-and-resume benchmark on a runtime).
//
//weft:async
func Bounces(a *weft.A, b *Bounce, n int) int {
	s := 0
	for i := 0; i < n; i++ {
		s += weft.Await(a, b)
	}
	return s
}

// Bounce is pending at every other poll, and wakes its task when it is.
type Bounce struct{ ready bool }

// Poll wakes the task and is pending, or is ready.
func (b *Bounce) Poll(cx *future.Context) (int, bool) {
	if b.ready {
		b.ready = false
		return 1, true
	}
	b.ready = true
	cx.Waker().Wake()
	return 0, false
}

// String describes the future.
func (b *Bounce) String() string { return "Bounce" }
