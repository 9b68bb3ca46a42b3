//go:build linux && race

package net

import (
	"runtime"
	"unsafe"
)

// ioSync stands for the data that passes through sockets, for the race
// detector: a send releases it and a read acquires it, as golang.org/x/sys
// does for its Read and Write, so that what a goroutine wrote before
// sending happens before what the reader does after reading.
var ioSync int64

// raceRead tells the race detector that a send read p.
func raceRead(p []byte) {
	runtime.RaceReleaseMerge(unsafe.Pointer(&ioSync))
	runtime.RaceReadRange(unsafe.Pointer(&p[0]), len(p))
}

// raceWrite tells the race detector that a read wrote p.
func raceWrite(p []byte) {
	if len(p) > 0 {
		runtime.RaceWriteRange(unsafe.Pointer(&p[0]), len(p))
	}
	runtime.RaceAcquire(unsafe.Pointer(&ioSync))
}
