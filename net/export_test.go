package net

import "github.com/weftrt/weft/internal/iodriver"

// NumWaiters returns the number of futures waiting in a socket's list.
func NumWaiters(s interface{ sock() *socket }) int { return s.sock().r.NumWaiters() }

// DriverStats returns the I/O driver's counters of the socket's runtime.
func DriverStats(s interface{ sock() *socket }) iodriver.Stats { return s.sock().r.Driver().Stats() }

// SetBuffers sets a socket's SO_SNDBUF and SO_RCVBUF.
func SetBuffers(s interface{ sock() *socket }, snd, rcv int) error {
	return s.sock().setBuffers(snd, rcv)
}

// Readiness returns a socket's readiness word.
func Readiness(s interface{ sock() *socket }) iodriver.Readiness { return s.sock().r.Load() }
