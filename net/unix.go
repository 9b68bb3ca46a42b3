package net

import (
	stdnet "net"

	"github.com/weftrt/weft"
	"github.com/weftrt/weft/internal/iodriver"
)

// UnixListener is a listening Unix-domain stream socket; see TCPListener.
// Mirrors tokio's UnixListener.
type UnixListener struct {
	socket
}

// UnixStream is a Unix-domain stream connection; it has the operations of
// TCPStream except the TCP options. Mirrors tokio's UnixStream.
type UnixStream struct {
	stream
}

// ListenUnix opens a Unix-domain stream listener at path on the runtime
// behind s. The path must not exist; remove it after Close.
func ListenUnix(s weft.Spawner, path string) (*UnixListener, error) {
	d, err := driverOf(s)
	if err != nil {
		return nil, err
	}
	fd, err := listenSocket(unixTarget(path), listenBacklog)
	if err != nil {
		return nil, err
	}
	l := &UnixListener{}
	if err := l.register(d, fd); err != nil {
		return nil, err
	}
	return l, nil
}

// Accept returns a future that waits for the next connection; see
// TCPListener.Accept.
func (l *UnixListener) Accept() *AcceptFuture[*UnixStream] {
	return &AcceptFuture[*UnixStream]{l: &l.socket, wrap: newUnixStream}
}

// LocalAddr returns the listener's address (a *net.UnixAddr).
func (l *UnixListener) LocalAddr() (stdnet.Addr, error) { return l.localAddr() }

// Close closes the listener; pending Accepts complete with ErrClosed.
func (l *UnixListener) Close() error { return l.closeSocket() }

func newUnixStream(d *iodriver.Driver, fd int) (*UnixStream, *socket, error) {
	s := &UnixStream{}
	if err := s.register(d, fd); err != nil {
		return nil, nil, err
	}
	return s, &s.socket, nil
}

// ConnectUnix returns a future that connects to the Unix-domain socket at
// path on the runtime behind s; see ConnectTCP.
func ConnectUnix(s weft.Spawner, path string) *ConnectFuture[*UnixStream] {
	f := &ConnectFuture[*UnixStream]{wrap: newUnixStream, addr: path}
	d, err := driverOf(s)
	if err != nil {
		f.err = err
		return f
	}
	f.d = d
	f.target = unixTarget(path)
	return f
}

// LocalAddr returns the connection's local address (a *net.UnixAddr).
func (s *UnixStream) LocalAddr() (stdnet.Addr, error) { return s.localAddr() }

// RemoteAddr returns the peer's address (a *net.UnixAddr).
func (s *UnixStream) RemoteAddr() (stdnet.Addr, error) { return s.remoteAddr() }
