//go:build !linux

package iodriver

import (
	"errors"
	"runtime"
	"time"
)

// ErrUnsupported is the error of Register on systems without epoll.
var ErrUnsupported = errors.New("weft/net: not supported on " + runtime.GOOS)

const wakeToken = ^uint64(0)

type eventBuf []struct{}

func newEventBuf() eventBuf                   { return nil }
func (b eventBuf) at(int) (uint64, Readiness) { return wakeToken, 0 }
func readinessOf(uint32) Readiness            { return 0 }
func closeFD(int)                             {}

type sysState struct{}

func (s *sysState) open() error                       { return ErrUnsupported }
func (s *sysState) add(int, uint64) error             { return ErrUnsupported }
func (s *sysState) del(int)                           {}
func (s *sysState) wait(*eventBuf, time.Duration) int { return 0 }
func (s *sysState) wake()                             {}
func (s *sysState) close()                            {}
