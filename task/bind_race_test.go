package task

import (
	"errors"
	"sync"
	"testing"

	"github.com/weftrt/weft/future"
)

// listScheduler is the smallest Scheduler over an OwnedTasks: it drops what it
// is asked to schedule (the tests here never run tasks) and releases through
// the list.
type listScheduler struct{ o *OwnedTasks }

func (s *listScheduler) Schedule(n Notified)       { n.Drop() }
func (s *listScheduler) Yield(n Notified)          { n.Drop() }
func (s *listScheduler) Release(t Task) bool       { return s.o.Remove(t) }
func (s *listScheduler) Hooks() *Hooks             { return nil }
func (s *listScheduler) UnhandledPanic(*JoinError) {}

// TestBindRacingCloseDoesNotReadCauseUnsynchronized binds tasks while another
// goroutine closes the list. Bind used to read the list's close cause on
// every call, even when the task was added, and that read is not ordered with
// the closer's write of the cause: the race detector reports it. Bind must
// read the cause only after it has seen the list closed.
func TestBindRacingCloseDoesNotReadCauseUnsynchronized(t *testing.T) {
	cause := errors.New("test: closed")
	rounds := 200
	if testing.Short() {
		rounds = 50
	}
	for range rounds {
		o := NewOwnedTasks(1)
		s := &listScheduler{o: o}
		var wg sync.WaitGroup
		wg.Add(2)
		errs := make(chan error, 16)
		go func() {
			defer wg.Done()
			for range 16 {
				jh, n, ok := Bind(o, future.Ready(1), s, Options{})
				if ok {
					n.Drop()
					jh.Detach()
					continue
				}
				// Refused: the handle must report the close's cause.
				_, err := jh.BlockingJoin(t.Context())
				var je *JoinError
				if !errors.As(err, &je) || !je.IsCancelled() || !errors.Is(err, cause) {
					errs <- err
				}
			}
		}()
		go func() {
			defer wg.Done()
			o.CloseAndShutdownAll(0, cause)
		}()
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatalf("task bound after close reported %v, want a cancellation caused by %v", err, cause)
		}
		if !o.IsEmpty() {
			t.Fatalf("closed list still holds %d tasks", o.Len())
		}
	}
}
