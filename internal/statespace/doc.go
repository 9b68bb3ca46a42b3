// Package statespace walks every interleaving of a small model of
// concurrent actors: the exhaustive checkers of the task state word
// (task/interleave_test.go) and of the I/O driver's readiness protocol
// (internal/iodriver/interleave_test.go) describe their actors and shared
// words as a Model and let an Explorer visit each distinct state once.
//
// A model's world must be a comparable value (fixed-size arrays, no
// slices or maps) so that the explorer can remember the states it has
// seen; a step copies the world and changes the copy. The explorer counts
// the complete interleavings below each state (shared subtrees are
// counted once per way of reaching them, computed once), keeps the trail
// of steps from the start to the state being explored, and stops at the
// first failure, which carries that trail.
package statespace
