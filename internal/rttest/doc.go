// Package rttest holds the helpers of the tests that run weft's primitives
// on a real runtime (issue #4) rather than under internal/mocktask or
// future.Block: a probe future that counts the polls and drops the runtime
// makes, a driver that waits on the runtime for a condition without sleeping,
// and a runner that spawns tasks waiting on a primitive, aborts them while
// they wait, and checks that nothing is left behind.
//
// The root package and each channel package use it from their tests; it is
// imported by tests only.
package rttest
