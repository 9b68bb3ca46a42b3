//go:build !linux

package invariants

// ThreadID returns a stand-in for the calling OS thread's id on systems where
// weft does not read it: always 1, so thread checks never fire.
func ThreadID() int { return 1 }
