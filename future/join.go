package future

import "strconv"

// Pair holds the outputs of the two futures of [Join2].
type Pair[A, B any] struct {
	A A
	B B
}

// Joined2 is the future returned by [Join2].
type Joined2[A, B any] struct {
	a     Future[A]
	b     Future[B]
	out   Pair[A, B]
	aDone bool
	bDone bool
	done  bool
}

// Join2 returns a future that polls a and b until both are ready, and outputs
// both values. Each child is polled only until it completes and is dropped
// right then; dropping the Joined2 future drops the children still running.
func Join2[A, B any](a Future[A], b Future[B]) *Joined2[A, B] {
	if a == nil || b == nil {
		panic("future: Join2 of a nil future")
	}
	return &Joined2[A, B]{a: a, b: b}
}

// Poll polls the children that have not completed yet, a before b.
func (j *Joined2[A, B]) Poll(cx *Context) (Pair[A, B], bool) {
	if j.done {
		panic("future: Joined2 polled after completion")
	}
	if !j.aDone {
		if v, ok := j.a.Poll(cx); ok {
			j.out.A, j.aDone = v, true
			f := j.a
			j.a = nil
			Drop(f)
		}
	}
	if !j.bDone {
		if v, ok := j.b.Poll(cx); ok {
			j.out.B, j.bDone = v, true
			f := j.b
			j.b = nil
			Drop(f)
		}
	}
	if j.aDone && j.bDone {
		out := j.out
		j.out = Pair[A, B]{}
		j.done = true
		return out, true
	}
	return Pair[A, B]{}, false
}

// Drop drops the children that have not completed.
func (j *Joined2[A, B]) Drop() {
	if f := j.a; !j.aDone && f != nil {
		j.a, j.aDone = nil, true
		Drop(f)
	}
	if f := j.b; !j.bDone && f != nil {
		j.b, j.bDone = nil, true
		Drop(f)
	}
}

// Trace describes the future for task dumps: "Join{<a>, <b>}", with a child
// that has completed shown as "done".
func (j *Joined2[A, B]) Trace(t *Trace) {
	t.Push("Join")
	if j.aDone {
		t.Leaf("done")
	} else {
		t.Future(j.a)
	}
	if j.bDone {
		t.Leaf("done")
	} else {
		t.Future(j.b)
	}
	t.Pop()
}

// JoinedAll is the future returned by [JoinAll].
type JoinedAll[T any] struct {
	fs   []Future[T]
	out  []T
	left int
	done bool
}

// JoinAll returns a future that polls every future in fs until all are ready
// and outputs their values in the order of fs. Each child is dropped when it
// completes; dropping the JoinedAll future drops the children still running.
// Every poll visits each unfinished child once, so JoinAll suits tens of
// futures, not thousands (spawn tasks for those).
func JoinAll[T any](fs []Future[T]) *JoinedAll[T] {
	for _, f := range fs {
		if f == nil {
			panic("future: JoinAll of a nil future")
		}
	}
	own := make([]Future[T], len(fs))
	copy(own, fs)
	return &JoinedAll[T]{fs: own, out: make([]T, len(fs)), left: len(fs)}
}

// Poll polls every unfinished child once.
func (j *JoinedAll[T]) Poll(cx *Context) ([]T, bool) {
	if j.done {
		panic("future: JoinedAll polled after completion")
	}
	for i, f := range j.fs {
		if f == nil {
			continue
		}
		if v, ok := f.Poll(cx); ok {
			j.out[i] = v
			j.fs[i] = nil
			j.left--
			Drop(f)
		}
	}
	if j.left == 0 {
		out := j.out
		j.out = nil
		j.done = true
		return out, true
	}
	return nil, false
}

// Drop drops the children that have not completed.
func (j *JoinedAll[T]) Drop() {
	for i, f := range j.fs {
		if f != nil {
			j.fs[i] = nil
			Drop(f)
		}
	}
	j.left = 0
}

// Trace describes the future for task dumps, with the children that have not
// completed: "JoinAll(2 of 5 left){<child>, <child>}".
func (j *JoinedAll[T]) Trace(t *Trace) {
	t.Push("JoinAll(" + strconv.Itoa(j.left) + " of " + strconv.Itoa(len(j.fs)) + " left)")
	for _, f := range j.fs {
		if f != nil {
			t.Future(f)
		}
	}
	t.Pop()
}
