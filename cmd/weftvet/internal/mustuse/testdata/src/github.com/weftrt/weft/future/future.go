// Package future is a stand-in for weft's future package: only what the
// analysis looks at.
package future

// Context is the poll context; the analysis recognizes futures by it.
type Context struct{}

// Future is the future interface.
type Future[T any] interface {
	Poll(cx *Context) (T, bool)
}

// ReadyFuture is a future held by value.
type ReadyFuture[T any] struct{ v T }

// Poll is ready at once.
func (r ReadyFuture[T]) Poll(*Context) (T, bool) { return r.v, true }

// Ready returns a ready future.
func Ready[T any](v T) ReadyFuture[T] { return ReadyFuture[T]{v} }

// PollFn is a function that is a future.
type PollFn[T any] func(cx *Context) (T, bool)

// Poll calls f.
func (f PollFn[T]) Poll(cx *Context) (T, bool) { return f(cx) }

// Drop drops v if it has a Drop method.
func Drop(v any) {
	if d, ok := v.(interface{ Drop() }); ok {
		d.Drop()
	}
}
