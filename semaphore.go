package weft

import (
	"context"
	"errors"
	"strconv"

	"github.com/weftrt/weft/future"
	"github.com/weftrt/weft/internal/gowait"
	"github.com/weftrt/weft/internal/semaphore"
)

// MaxSemaphorePermits is the largest number of permits a [Semaphore] can
// hold, and the largest number one call may ask for or add.
const MaxSemaphorePermits = semaphore.MaxPermits

// ErrSemaphoreClosed is the error of an acquire on a closed [Semaphore].
var ErrSemaphoreClosed = errors.New("weft: semaphore closed")

// ErrNoPermits is the error of [Semaphore.TryAcquire] when the permits are
// not available right away.
var ErrNoPermits = errors.New("weft: no semaphore permits available")

// Semaphore is a counting semaphore for tasks: it limits how many tasks use
// a resource at once. Acquiring is a future, so a waiting task yields its
// worker, and a waiting acquire can be abandoned (dropped) at any time. It
// mirrors tokio sync/semaphore.rs.
//
// The semaphore is fair: requests are served in the order in which they
// started waiting, and a request for many permits holds back the later ones,
// however small, until it is served, so it is never starved. Permits released
// while requests wait go to the oldest request first, even partially.
//
// Acquired permits are held by a [SemaphorePermit] and returned with its
// Release method (or given up for good with Forget).
//
// The zero Semaphore is usable and has no permits (add some with
// [Semaphore.AddPermits]). A Semaphore must not be copied after first use.
type Semaphore struct {
	sem semaphore.Semaphore
}

func semaphoreCheck(n int, what string) {
	if n < 0 || int64(n) > MaxSemaphorePermits {
		panic("weft: Semaphore." + what + " of " + strconv.Itoa(n) +
			" permits, want between 0 and MaxSemaphorePermits")
	}
}

// NewSemaphore returns a semaphore with n permits. It panics if n is
// negative or larger than MaxSemaphorePermits.
func NewSemaphore(n int) *Semaphore {
	semaphoreCheck(n, "NewSemaphore")
	s := &Semaphore{}
	s.sem.Init(int64(n))
	return s
}

// Available returns the number of permits that could be acquired right now.
// It is a snapshot that may be out of date when it returns.
func (s *Semaphore) Available() int { return int(s.sem.Available()) }

// AddPermits adds n permits. They go to the waiting requests first, oldest
// first; the rest become available. It panics if n is negative or the
// available permits would exceed MaxSemaphorePermits.
//
// AddPermits (and [SemaphorePermit.Release]) synchronizes before the
// completion of every acquire that receives some of the permits it added.
func (s *Semaphore) AddPermits(n int) {
	semaphoreCheck(n, "AddPermits")
	s.sem.Release(int64(n))
}

// ForgetPermits removes up to n available permits for good and returns how
// many it removed. Permits that are held, or already assigned to a waiting
// request, are not touched. It panics if n is negative.
func (s *Semaphore) ForgetPermits(n int) int {
	semaphoreCheck(n, "ForgetPermits")
	return int(s.sem.ForgetPermits(int64(n)))
}

// Close closes the semaphore: every waiting acquire completes with
// ErrSemaphoreClosed, and so does every later one, including those that were
// served but not polled yet. Permits held elsewhere stay valid and may still
// be released; Available counts them. Closing twice is harmless.
func (s *Semaphore) Close() { s.sem.Close() }

// IsClosed reports whether Close was called.
func (s *Semaphore) IsClosed() bool { return s.sem.IsClosed() }

// TryAcquire takes n permits if they are available now and no request is
// waiting before it. It returns ErrNoPermits when they are not, and
// ErrSemaphoreClosed when the semaphore is closed. Asking for zero permits
// succeeds unless the semaphore is closed. It panics if n is negative or
// larger than MaxSemaphorePermits.
func (s *Semaphore) TryAcquire(n int) (*SemaphorePermit, error) {
	semaphoreCheck(n, "TryAcquire")
	if err := s.sem.TryAcquire(int64(n)); err != nil {
		return nil, semaphoreError(err)
	}
	return &SemaphorePermit{s: s, n: n}, nil
}

func semaphoreError(err error) error {
	switch err {
	case nil:
		return nil
	case semaphore.ErrClosed:
		return ErrSemaphoreClosed
	case semaphore.ErrNoPermits:
		return ErrNoPermits
	}
	return err
}

// Acquire returns a future that completes once it holds n permits, with the
// permit, or with ErrSemaphoreClosed if the semaphore is closed first. The
// request starts waiting on the future's first poll. It panics if n is
// negative or larger than MaxSemaphorePermits (a request for more permits
// than the semaphore will ever have simply waits).
func (s *Semaphore) Acquire(n int) *SemaphoreAcquireFuture {
	semaphoreCheck(n, "Acquire")
	f := &SemaphoreAcquireFuture{permit: SemaphorePermit{s: s, n: n}}
	f.acq.Reset(&s.sem, int64(n))
	return f
}

// BlockingAcquire acquires n permits from a plain goroutine, blocking it
// until they are available (the permit is returned), the semaphore is closed
// (ErrSemaphoreClosed) or ctx is done (ctx.Err(); the goroutine has left the
// queue and holds nothing). It must not be called from inside a task, which
// awaits Acquire instead; like [Mutex.BlockingLock] it panics there when it
// would have to wait, and when ctx is nil. Tokio has no blocking acquire on
// its Semaphore; this is the blocking form of Semaphore::acquire_many.
func (s *Semaphore) BlockingAcquire(ctx context.Context, n int) (*SemaphorePermit, error) {
	gowait.CheckContext(ctx)
	if p, err := s.TryAcquire(n); err != ErrNoPermits {
		return p, err
	}
	r, err := gowait.Wait[future.Result[*SemaphorePermit]](ctx, s.Acquire(n))
	if err != nil {
		return nil, err
	}
	return r.Value, r.Err
}

// SemaphoreAcquireFuture is the future returned by [Semaphore.Acquire]. Its
// output is the permit, or ErrSemaphoreClosed as Err. It is fused: polls
// after completion return the same result. It is polled by one goroutine at a
// time.
//
// SemaphoreAcquireFuture implements future.Dropper: dropping it while it
// waits leaves the queue and gives back the permits it was already assigned,
// which may complete the requests behind it. Dropping it after it completed
// does not release the permit: the permit does that.
type SemaphoreAcquireFuture struct {
	acq    semaphore.AcquireFuture
	permit SemaphorePermit
}

// Poll implements future.Future. It consumes one unit of the caller's budget
// when it completes.
func (f *SemaphoreAcquireFuture) Poll(cx *future.Context) (future.Result[*SemaphorePermit], bool) {
	err, ok := f.acq.Poll(cx)
	if !ok {
		return future.Result[*SemaphorePermit]{}, false
	}
	if err != nil {
		return future.Result[*SemaphorePermit]{Err: semaphoreError(err)}, true
	}
	return future.Result[*SemaphorePermit]{Value: &f.permit}, true
}

// Reset makes f an unpolled Acquire of n permits of s, so that a future kept
// by value inside a larger future can acquire again without allocating
// (Acquire allocates a new future each time). The zero
// SemaphoreAcquireFuture may be Reset. Reset panics if f is waiting (Drop it
// first), if the permit it yielded has not been released or forgotten, or if
// n is out of range. The permit pointer f yielded before becomes the permit
// of the new acquire, so it must not be kept.
func (f *SemaphoreAcquireFuture) Reset(s *Semaphore, n int) {
	semaphoreCheck(n, "Acquire")
	if f.acq.Acquired() && !f.permit.done {
		panic("weft: SemaphoreAcquireFuture.Reset while its permit is held")
	}
	f.acq.Reset(&s.sem, int64(n))
	f.permit = SemaphorePermit{s: s, n: n}
}

// Drop abandons the future; see [SemaphoreAcquireFuture].
func (f *SemaphoreAcquireFuture) Drop() { f.acq.Drop() }

// String describes what f waits for, for task dumps: for example
// "Semaphore.Acquire(3) (2 waiters ahead)".
// It takes the primitive's lock; it must not run concurrently with Poll,
// Reset or Drop of the same future.
func (f *SemaphoreAcquireFuture) String() string {
	return f.acq.Describe("Semaphore.Acquire(" + strconv.FormatInt(f.acq.Permits(), 10) + ")")
}

// SemaphorePermit holds permits of a [Semaphore] until it releases or
// forgets them. A permit is used by one goroutine at a time; using it after
// Release or Forget panics.
type SemaphorePermit struct {
	s    *Semaphore
	n    int
	done bool
}

func (p *SemaphorePermit) check(op string) {
	if p.done {
		panic("weft: SemaphorePermit." + op + " after Release or Forget")
	}
}

// Num returns the number of permits held.
func (p *SemaphorePermit) Num() int { return p.n }

// Release gives the permits back to the semaphore (see
// [Semaphore.AddPermits]). Calling it twice panics.
func (p *SemaphorePermit) Release() {
	p.check("Release")
	p.done = true
	p.s.sem.Release(int64(p.n))
}

// Forget gives the permits up without returning them, so the semaphore has
// that many fewer for good. Calling it after Release panics.
func (p *SemaphorePermit) Forget() {
	p.check("Forget")
	p.done = true
}

// Merge moves the permits of other into p; other is unusable afterwards. It
// panics if the two permits belong to different semaphores.
func (p *SemaphorePermit) Merge(other *SemaphorePermit) {
	p.check("Merge")
	other.check("Merge")
	if p.s != other.s {
		panic("weft: SemaphorePermit.Merge of permits from different semaphores")
	}
	p.n += other.n
	other.n, other.done = 0, true
}

// Split moves n of p's permits into a new permit. It reports false, and
// changes nothing, if p holds fewer than n.
func (p *SemaphorePermit) Split(n int) (*SemaphorePermit, bool) {
	p.check("Split")
	if n < 0 || n > p.n {
		return nil, false
	}
	p.n -= n
	return &SemaphorePermit{s: p.s, n: n}, true
}
