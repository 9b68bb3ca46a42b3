package blocking

import "github.com/weftrt/weft/task"

// taskQueue is the pool's FIFO of tasks that wait for a goroutine: a ring
// buffer that doubles when full. The zero value is empty. It is not safe for
// concurrent use; the pool guards it with Pool.mu.
//
// A ring of UnownedTask values rather than the intrusive task.Queue: that one
// holds Notifieds, and an UnownedTask (two references, run once) must not be
// turned into a Notified (one reference, may be rescheduled) and back.
type taskQueue struct {
	buf  []task.UnownedTask // len(buf) is 0 or a power of two
	head int                // index of the oldest task
	n    int                // number of queued tasks
}

// shrinkAbove is the capacity above which an emptied queue gives its buffer
// back, so that one burst does not pin a large array for the pool's life.
const shrinkAbove = 1024

// Len returns the number of queued tasks.
func (q *taskQueue) Len() int { return q.n }

// push appends t.
func (q *taskQueue) push(t task.UnownedTask) {
	if q.n == len(q.buf) {
		q.grow()
	}
	q.buf[(q.head+q.n)&(len(q.buf)-1)] = t
	q.n++
}

// pop removes and returns the oldest task; ok is false when the queue is
// empty.
func (q *taskQueue) pop() (t task.UnownedTask, ok bool) {
	if q.n == 0 {
		return task.UnownedTask{}, false
	}
	t = q.buf[q.head]
	q.buf[q.head] = task.UnownedTask{} // let the task go once it has run
	q.head = (q.head + 1) & (len(q.buf) - 1)
	q.n--
	if q.n == 0 {
		q.head = 0
		if len(q.buf) > shrinkAbove {
			q.buf = nil
		}
	}
	return t, true
}

// grow doubles the buffer (at least 16 slots), keeping the order.
func (q *taskQueue) grow() {
	size := 2 * len(q.buf)
	if size < 16 {
		size = 16
	}
	buf := make([]task.UnownedTask, size)
	for i := 0; i < q.n; i++ {
		buf[i] = q.buf[(q.head+i)&(len(q.buf)-1)]
	}
	q.buf, q.head = buf, 0
}
