package future

// Mapped is the future returned by [Map].
type Mapped[A, B any] struct {
	f    Future[A]
	fn   func(A) B
	done bool
}

// Map returns a future that polls f and passes its output through fn. f is
// dropped as soon as it completes; dropping the Mapped future before then
// drops f.
func Map[A, B any](f Future[A], fn func(A) B) *Mapped[A, B] {
	if f == nil || fn == nil {
		panic("future: Map of a nil future or function")
	}
	return &Mapped[A, B]{f: f, fn: fn}
}

// Poll polls the inner future and maps its output.
func (m *Mapped[A, B]) Poll(cx *Context) (B, bool) {
	var zero B
	if m.done {
		panic("future: Mapped polled after completion")
	}
	a, ok := m.f.Poll(cx)
	if !ok {
		return zero, false
	}
	m.done = true
	Drop(m.f)
	m.f = nil
	return m.fn(a), true
}

// Drop drops the inner future if it has not completed.
func (m *Mapped[A, B]) Drop() {
	if !m.done && m.f != nil {
		f := m.f
		m.f = nil
		m.done = true
		Drop(f)
	}
}

// Trace describes the future for task dumps: "Map{<inner>}".
func (m *Mapped[A, B]) Trace(t *Trace) {
	if m.done {
		t.Leaf("Map(done)")
		return
	}
	t.Node("Map", m.f)
}

// Chained is the future returned by [Then].
type Chained[A, B any] struct {
	first  Future[A]
	fn     func(A) Future[B]
	second Future[B]
	done   bool
}

// Then returns a future that runs f, passes its output to fn, and then runs
// the future fn returns. Each stage is dropped when it completes; dropping the
// Chained future drops the stage in progress.
func Then[A, B any](f Future[A], fn func(A) Future[B]) *Chained[A, B] {
	if f == nil || fn == nil {
		panic("future: Then of a nil future or function")
	}
	return &Chained[A, B]{first: f, fn: fn}
}

// Poll advances the current stage.
func (c *Chained[A, B]) Poll(cx *Context) (B, bool) {
	var zero B
	if c.done {
		panic("future: Chained polled after completion")
	}
	if c.first != nil {
		a, ok := c.first.Poll(cx)
		if !ok {
			return zero, false
		}
		Drop(c.first)
		c.first = nil
		c.second = c.fn(a)
		if c.second == nil {
			panic("future: Then function returned a nil future")
		}
	}
	b, ok := c.second.Poll(cx)
	if !ok {
		return zero, false
	}
	c.done = true
	Drop(c.second)
	c.second = nil
	return b, true
}

// Drop drops the stage in progress.
func (c *Chained[A, B]) Drop() {
	c.done = true
	if f := c.first; f != nil {
		c.first = nil
		Drop(f)
	}
	if s := c.second; s != nil {
		c.second = nil
		Drop(s)
	}
}

// Trace describes the future for task dumps, with the stage in progress:
// "Then(1 of 2){<first>}" or "Then(2 of 2){<second>}".
func (c *Chained[A, B]) Trace(t *Trace) {
	switch {
	case c.done:
		t.Leaf("Then(done)")
	case c.first != nil:
		t.Node("Then(1 of 2)", c.first)
	default:
		t.Node("Then(2 of 2)", c.second)
	}
}
