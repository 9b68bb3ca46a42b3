//go:build !amd64 && !arm64

package gident

// Current returns 0: goroutine identity is not available on this
// architecture.
func Current() uintptr { return 0 }

// Supported reports whether Current returns real identities.
const Supported = false
