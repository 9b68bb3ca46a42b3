//go:build !linux

package net

import (
	"errors"
	stdnet "net"
	"net/netip"
)

// supported reports whether this system has weft's I/O driver: every
// constructor fails with ErrUnsupported before reaching the stubs below.
const supported = false

type sockTarget struct{}

var errInProgress = errors.New("weft/net: connect in progress")

func inetTarget(netip.AddrPort) sockTarget           { return sockTarget{} }
func unixTarget(string) sockTarget                   { return sockTarget{} }
func listenSocket(sockTarget, int) (int, error)      { return -1, ErrUnsupported }
func bindDatagram(sockTarget) (int, error)           { return -1, ErrUnsupported }
func startConnect(sockTarget) (int, bool, error)     { return -1, false, ErrUnsupported }
func sysRead(int, []byte) (int, error)               { return 0, ErrUnsupported }
func sysWrite(int, []byte) (int, error)              { return 0, ErrUnsupported }
func sysAccept(int) (int, error)                     { return -1, ErrUnsupported }
func sysSendTo(int, []byte, sockTarget) (int, error) { return 0, ErrUnsupported }
func sysRecvFrom(int, []byte) (int, netip.AddrPort, error) {
	return 0, netip.AddrPort{}, ErrUnsupported
}
func dupNonblock(int) (int, error)                 { return -1, ErrUnsupported }
func isAgain(error) bool                           { return false }
func closeFD(int)                                  {}
func wrapSyscall(_ string, err error) error        { return err }
func (s *socket) shutdownWrite() error             { return ErrUnsupported }
func (s *socket) setNoDelay(int) error             { return ErrUnsupported }
func (s *socket) setBuffers(int, int) error        { return ErrUnsupported }
func (s *socket) localAddr() (stdnet.Addr, error)  { return nil, ErrUnsupported }
func (s *socket) remoteAddr() (stdnet.Addr, error) { return nil, ErrUnsupported }
func (s *socket) dupFD() (int, error)              { return -1, ErrUnsupported }
func (s *socket) connectResult() error             { return ErrUnsupported }
