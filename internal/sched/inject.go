package sched

import (
	"sync"
	"sync/atomic"

	"github.com/weftrt/weft/task"
)

// Inject is the global run queue: tasks scheduled from outside a worker, and
// a worker's overflow. It is an intrusive FIFO under one mutex, with its
// length mirrored in an atomic so that emptiness checks need no lock. Once
// closed it drops whatever is pushed. Mirrors tokio scheduler/inject.
type Inject struct {
	mu struct {
		sync.Mutex
		q      task.Queue // guarded by mu
		closed bool       // guarded by mu
	}
	// n is the queue length; written under mu, read without it (a reader
	// may see a value that is already out of date).
	n atomic.Int64
	// closed mirrors mu.closed for lock-free checks; set under mu.
	closed atomic.Bool
}

// Len returns the number of queued tasks.
func (q *Inject) Len() int { return int(q.n.Load()) }

// IsEmpty reports whether the queue looked empty.
func (q *Inject) IsEmpty() bool { return q.n.Load() == 0 }

// Push appends n, or drops it (releasing its reference) when the queue is
// closed. It reports whether n was queued.
func (q *Inject) Push(n task.Notified) bool {
	if !q.TryPush(n) {
		n.Drop()
		return false
	}
	return true
}

// PushBatch appends every task of b (under one lock), leaving b empty; when
// the queue is closed the tasks are dropped.
func (q *Inject) PushBatch(b *task.Queue) {
	q.mu.Lock()
	if q.mu.closed {
		q.mu.Unlock()
		b.DropAll()
		return
	}
	n := b.Len()
	q.mu.q.Append(b)
	q.n.Add(int64(n))
	q.mu.Unlock()
}

// Pop removes the first task.
func (q *Inject) Pop() (task.Notified, bool) {
	if q.IsEmpty() {
		return task.Notified{}, false
	}
	q.mu.Lock()
	n, ok := q.mu.q.Pop()
	if ok {
		q.n.Add(-1)
	}
	q.mu.Unlock()
	return n, ok
}

// PopN moves up to max tasks into dst under one lock and returns how many it
// moved.
func (q *Inject) PopN(dst *task.Queue, max int) int {
	if max <= 0 || q.IsEmpty() {
		return 0
	}
	q.mu.Lock()
	moved := 0
	for moved < max {
		n, ok := q.mu.q.Pop()
		if !ok {
			break
		}
		dst.Push(n)
		moved++
	}
	q.n.Add(int64(-moved))
	q.mu.Unlock()
	return moved
}

// PopAll moves every task to the end of dst under one lock, in constant
// time, and reports whether there was any.
func (q *Inject) PopAll(dst *task.Queue) bool {
	if q.IsEmpty() {
		return false
	}
	q.mu.Lock()
	n := q.mu.q.Len()
	dst.Append(&q.mu.q)
	q.n.Add(int64(-n))
	q.mu.Unlock()
	return n > 0
}

// Close closes the queue and reports whether this call closed it. Tasks
// already queued stay until DropAll.
func (q *Inject) Close() bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.mu.closed {
		return false
	}
	q.mu.closed = true
	q.closed.Store(true)
	return true
}

// IsClosed reports whether the queue is closed.
func (q *Inject) IsClosed() bool { return q.closed.Load() }

// Walk calls fn with the queue of waiting tasks, under the queue's lock: fn
// may look at the tasks (a current-thread driver binds those spawned from
// other goroutines) but must not push or pop.
func (q *Inject) Walk(fn func(*task.Queue)) {
	q.mu.Lock()
	defer q.mu.Unlock()
	fn(&q.mu.q)
}

// TryPush appends n and reports true, or, when the queue is closed, leaves
// n to the caller and reports false (Push would drop it).
func (q *Inject) TryPush(n task.Notified) bool {
	q.mu.Lock()
	if q.mu.closed {
		q.mu.Unlock()
		return false
	}
	q.mu.q.Push(n)
	q.n.Add(1)
	q.mu.Unlock()
	return true
}

// DropAll drops every queued task.
func (q *Inject) DropAll() {
	q.mu.Lock()
	var all task.Queue
	all.Append(&q.mu.q)
	q.n.Store(0)
	q.mu.Unlock()
	all.DropAll()
}
