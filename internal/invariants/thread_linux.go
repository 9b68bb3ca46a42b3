//go:build linux

package invariants

import "syscall"

// ThreadID returns the id of the calling OS thread.
func ThreadID() int { return syscall.Gettid() }
