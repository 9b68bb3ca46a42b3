package gident

import (
	"runtime"
	"strconv"
	"sync"
	"unsafe"
)

/*
Goroutine IDs for task dumps.

A dump of an Async task shows the stack of the coroutine its body is suspended
on. The Go runtime prints stacks keyed by goroutine ID ("goroutine 57
[coroutine]:"), an ID it does not expose; the coroutine only knows its
identity (Current). GoID turns an identity into the ID by reading the goid
field of the runtime's g structure, whose offset is found once at run time
rather than assumed:

  - a few goroutines each parse their own ID from the first line of
    runtime.Stack and record their identity;
  - the offset is the one 8-byte word, among the first goidScanWords of the
    g structure, that holds each goroutine's ID;
  - if no word or more than one qualifies (a future Go moved or changed the
    field), GoID reports false forever and dumps show no coroutine stacks.

This reads the runtime's memory, so it is confined to this package. It is
safe because a g is allocated by the runtime's heap (never freed: dead ones
are reused), is larger than the words scanned, and the caller guarantees that
the goroutine is alive (a suspended coroutine held by the dumper), so its
goid is not being rewritten by a reuse.

Cost: the discovery runs once, at the first GoID (a few goroutines and
runtime.Stack calls, ~20 µs); each GoID after that is one load.
*/

// goidScanWords bounds the scan: goid sits at about 150 bytes into the g
// structure of Go 1.2x; g itself is several hundred bytes.
const goidScanWords = 48

var goidOffset = sync.OnceValue(findGoidOffset)

// GoID returns the ID the runtime prints in stack traces for the goroutine
// whose identity (from [Current], called on that goroutine) is g, and false
// when g is 0 or the ID cannot be read on this platform or Go version. The
// goroutine must still be alive: an identity outlives its goroutine and is
// reused by later ones.
func GoID(g uintptr) (uint64, bool) {
	off := goidOffset()
	if g == 0 || off < 0 {
		return 0, false
	}
	return readWord(g, off), true
}

// readWord reads the 8-byte word at offset off of the g structure at g.
func readWord(g uintptr, off int) uint64 {
	// g is the address of a runtime-allocated structure, carried as an
	// integer by Current; turn it back into a pointer without the
	// uintptr-to-Pointer conversion vet rightly distrusts elsewhere.
	p := *(*unsafe.Pointer)(unsafe.Pointer(&g))
	return *(*uint64)(unsafe.Add(p, off))
}

// currentGoID parses the calling goroutine's ID from the first line of its
// stack trace, "goroutine 57 [running]:".
func currentGoID() (uint64, bool) {
	var buf [64]byte
	n := runtime.Stack(buf[:], false)
	line := string(buf[:n])
	const prefix = "goroutine "
	if len(line) <= len(prefix) || line[:len(prefix)] != prefix {
		return 0, false
	}
	line = line[len(prefix):]
	end := 0
	for end < len(line) && line[end] >= '0' && line[end] <= '9' {
		end++
	}
	id, err := strconv.ParseUint(line[:end], 10, 64)
	return id, err == nil
}

// findGoidOffset returns the byte offset of goid in the g structure, or -1.
func findGoidOffset() int {
	if !Supported {
		return -1
	}
	type sample struct {
		g  uintptr
		id uint64
		ok bool
	}
	const n = 4
	samples := make([]sample, n)
	var started, release, done sync.WaitGroup
	started.Add(n)
	release.Add(1)
	done.Add(n)
	for i := range samples {
		go func() {
			defer done.Done()
			id, ok := currentGoID()
			samples[i] = sample{g: Current(), id: id, ok: ok}
			started.Done()
			release.Wait() // alive while the scan reads its g
		}()
	}
	started.Wait()
	// The calling goroutine is a fifth sample.
	self, ok := currentGoID()
	samples = append(samples, sample{g: Current(), id: self, ok: ok})
	found := -1
	for w := range goidScanWords {
		off := w * 8
		match := true
		for _, s := range samples {
			if !s.ok || s.g == 0 || readWord(s.g, off) != s.id {
				match = false
				break
			}
		}
		if match {
			if found >= 0 {
				found = -2 // ambiguous
				break
			}
			found = off
		}
	}
	release.Done()
	done.Wait()
	if found < 0 {
		return -1
	}
	return found
}
