// Package gen is cmd/weftgen's compiler: it finds the functions marked
// //weft:async in Go packages and writes, beside each source file that has
// some, a file with their state-machine futures. The transformation is
// described in the weftgen section of the repository's ARCHITECTURE.md.
package gen
