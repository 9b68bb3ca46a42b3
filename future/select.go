package future

// Either is the output of [Select2]: Which is 0 when the first future won and
// A holds its value, 1 when the second won and B holds its value.
type Either[A, B any] struct {
	Which int
	A     A
	B     B
}

// Selected2 is the future returned by [Select2].
type Selected2[A, B any] struct {
	a    Future[A]
	b    Future[B]
	done bool
}

// Select2 returns a future that polls a and then b, and completes with the
// output of the first one to be ready. The other one is dropped at that moment
// (its registrations are released), and both are dropped if the Selected2
// future is dropped first. The order is biased: when both are ready in the same
// poll, a wins.
func Select2[A, B any](a Future[A], b Future[B]) *Selected2[A, B] {
	if a == nil || b == nil {
		panic("future: Select2 of a nil future")
	}
	return &Selected2[A, B]{a: a, b: b}
}

// Poll polls a, then b.
func (s *Selected2[A, B]) Poll(cx *Context) (Either[A, B], bool) {
	if s.done {
		panic("future: Selected2 polled after completion")
	}
	if v, ok := s.a.Poll(cx); ok {
		s.finish()
		return Either[A, B]{Which: 0, A: v}, true
	}
	if v, ok := s.b.Poll(cx); ok {
		s.finish()
		return Either[A, B]{Which: 1, B: v}, true
	}
	return Either[A, B]{}, false
}

func (s *Selected2[A, B]) finish() {
	s.done = true
	a, b := s.a, s.b
	s.a, s.b = nil, nil
	Drop(a)
	Drop(b)
}

// Drop drops both children if the select has not completed.
func (s *Selected2[A, B]) Drop() {
	if !s.done {
		s.finish()
	}
}

// Trace describes the future for task dumps: "Select{<a>, <b>}".
func (s *Selected2[A, B]) Trace(t *Trace) {
	if s.done {
		t.Leaf("Select(done)")
		return
	}
	t.Node("Select", s.a, s.b)
}
