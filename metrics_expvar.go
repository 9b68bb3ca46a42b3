package weft

import (
	"errors"
	"expvar"
	"fmt"
	"sync"
)

// ErrExpvarNameTaken is returned by PublishExpvar when the name is already
// published in package expvar.
var ErrExpvarNameTaken = errors.New("weft: expvar name already published")

// expvarMu serializes PublishExpvar's check-then-publish.
var expvarMu sync.Mutex

// PublishExpvar publishes the runtime's metrics in package expvar under
// name: an expvar.Func that takes a snapshot (Metrics) each time it is read,
// so /debug/vars shows it as a JSON object. Durations are in nanoseconds and
// Flavor is its number (0 multi-thread, 1 current-thread).
//
// Where expvar.Publish panics on a name in use, PublishExpvar returns an
// error wrapping ErrExpvarNameTaken. (A concurrent expvar.Publish of the same
// name by other code can still win the race between the check and the
// publish, and then panics as expvar does.) expvar cannot unpublish: the
// variable, and through it the Runtime, stay reachable for the life of the
// process, and after Close it shows the final counts.
func (rt *Runtime) PublishExpvar(name string) error {
	if name == "" {
		return errors.New("weft: PublishExpvar with an empty name")
	}
	expvarMu.Lock()
	defer expvarMu.Unlock()
	if expvar.Get(name) != nil {
		return fmt.Errorf("%w: %q", ErrExpvarNameTaken, name)
	}
	expvar.Publish(name, expvar.Func(func() any { return rt.Metrics() }))
	return nil
}
