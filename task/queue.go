package task

// Queue is an intrusive FIFO of Notified tasks, linked through their headers,
// so pushing and popping never allocate. A task is in at most one Queue at a
// time, which the Notified's uniqueness guarantees. The zero Queue is empty
// and ready to use. A Queue is not safe for concurrent use; schedulers guard
// shared ones with a lock.
type Queue struct {
	head, tail *Header
	n          int
}

// Len returns the number of queued tasks.
func (q *Queue) Len() int { return q.n }

// Push appends n; the queue takes over its reference.
func (q *Queue) Push(n Notified) {
	h := n.h
	if h.queueNext != nil { // nil but for a task fresh from a cell cache's stack
		h.queueNext = nil
	}
	if q.tail == nil {
		q.head = h
	} else {
		q.tail.queueNext = h
	}
	q.tail = h
	q.n++
}

// Pop removes and returns the first task, handing its reference to the
// caller; ok is false when the queue is empty.
func (q *Queue) Pop() (n Notified, ok bool) {
	h := q.head
	if h == nil {
		return Notified{}, false
	}
	q.head = h.queueNext
	if q.head == nil {
		q.tail = nil
	}
	h.queueNext = nil
	q.n--
	return Notified{h: h}, true
}

// Append moves every task of o to the end of q, leaving o empty.
func (q *Queue) Append(o *Queue) {
	if o.head == nil {
		return
	}
	if q.tail == nil {
		q.head = o.head
	} else {
		q.tail.queueNext = o.head
	}
	q.tail = o.tail
	q.n += o.n
	*o = Queue{}
}

// DropAll drops every queued Notified (see Notified.Drop).
func (q *Queue) DropAll() {
	for {
		n, ok := q.Pop()
		if !ok {
			return
		}
		n.Drop()
	}
}
