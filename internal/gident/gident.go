// Package gident tells goroutines apart.
//
// A waker has no context: when a task's future wakes another task, the
// scheduler must find out whether the wake comes from one of its own worker
// goroutines (then the woken task goes to that worker's local queue, the
// cheap path) or from elsewhere (then it goes through the shared inject
// queue). Go has no goroutine-local storage, so weft reads the identity of the
// running goroutine (its runtime g pointer) with two instructions of
// assembly on amd64 and arm64. The value is compared for equality with
// identities recorded by the same goroutines; the one exception is [GoID],
// which reads the goroutine ID out of it for task dumps (see goid.go).
// On other architectures Current returns 0 ("unknown") and schedulers take
// the shared path, which is correct, only slower.
package gident
