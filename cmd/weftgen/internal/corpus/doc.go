// Package corpus is weftgen's differential test corpus: marked functions
// that run both as weft.Async bodies and as their generated state machines,
// with the same inputs and events, and must give the same outputs, side
// effects and deferred calls.
package corpus
