package net

import (
	stdnet "net"
	"os"
	"syscall"

	"github.com/weftrt/weft"
	"github.com/weftrt/weft/internal/iodriver"
)

// Conversions from and to the standard library's sockets, for interop with
// code written against net.Conn and net.Listener. A socket lives in one
// world at a time: each conversion takes the socket over (the fd is
// duplicated and the original closed), so Go's netpoller and weft's driver
// never wait on the same descriptor.

// takeFD duplicates c's fd as a non-blocking fd of our own, then closes c.
func takeFD(c interface {
	syscall.Conn
	Close() error
}) (int, error) {
	rc, err := c.SyscallConn()
	if err != nil {
		return -1, err
	}
	fd := -1
	var derr error
	if err := rc.Control(func(s uintptr) { fd, derr = dupNonblock(int(s)) }); err != nil {
		return -1, err
	}
	if derr != nil {
		return -1, derr
	}
	c.Close()
	return fd, nil
}

// adopt finds the I/O driver behind s and takes c's fd for it: the first
// half of every FromStd.
func adopt(s weft.Spawner, c interface {
	syscall.Conn
	Close() error
}) (*iodriver.Driver, int, error) {
	d, err := driverOf(s)
	if err != nil {
		return nil, -1, err
	}
	fd, err := takeFD(c)
	if err != nil {
		return nil, -1, err
	}
	return d, fd, nil
}

// giveConn hands the socket to the standard library as a net.Conn: the
// common part of the streams' IntoStd.
func (s *socket) giveConn(name string) (stdnet.Conn, error) {
	f, err := s.giveFile(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return stdnet.FileConn(f)
}

// giveFile duplicates the socket's fd into an *os.File for the standard
// library and closes the socket.
func (s *socket) giveFile(name string) (*os.File, error) {
	fd, err := s.dupFD()
	if err != nil {
		return nil, err
	}
	s.closeSocket()
	return os.NewFile(uintptr(fd), name), nil
}

// TCPStreamFromStd takes over a standard-library TCP connection: on success
// c is closed and the returned stream, on the runtime behind s, owns the
// connection.
func TCPStreamFromStd(s weft.Spawner, c *stdnet.TCPConn) (*TCPStream, error) {
	d, fd, err := adopt(s, c)
	if err != nil {
		return nil, err
	}
	st, _, err := newTCPStream(d, fd)
	return st, err
}

// IntoStd hands the connection to the standard library: on success s is
// closed and the returned *net.TCPConn owns the connection.
func (s *TCPStream) IntoStd() (*stdnet.TCPConn, error) {
	c, err := s.giveConn("weft-tcp")
	if err != nil {
		return nil, err
	}
	return c.(*stdnet.TCPConn), nil
}

// TCPListenerFromStd takes over a standard-library TCP listener: on success
// l is closed and the returned listener owns the socket.
func TCPListenerFromStd(s weft.Spawner, l *stdnet.TCPListener) (*TCPListener, error) {
	d, fd, err := adopt(s, l)
	if err != nil {
		return nil, err
	}
	out := &TCPListener{}
	if err := out.register(d, fd); err != nil {
		return nil, err
	}
	return out, nil
}

// IntoStd hands the listener to the standard library: on success l is
// closed and the returned *net.TCPListener owns the socket.
func (l *TCPListener) IntoStd() (*stdnet.TCPListener, error) {
	f, err := l.giveFile("weft-tcp-listener")
	if err != nil {
		return nil, err
	}
	defer f.Close()
	sl, err := stdnet.FileListener(f)
	if err != nil {
		return nil, err
	}
	return sl.(*stdnet.TCPListener), nil
}

// UnixStreamFromStd takes over a standard-library Unix connection; see
// TCPStreamFromStd.
func UnixStreamFromStd(s weft.Spawner, c *stdnet.UnixConn) (*UnixStream, error) {
	d, fd, err := adopt(s, c)
	if err != nil {
		return nil, err
	}
	st, _, err := newUnixStream(d, fd)
	return st, err
}

// IntoStd hands the connection to the standard library; see
// TCPStream.IntoStd.
func (s *UnixStream) IntoStd() (*stdnet.UnixConn, error) {
	c, err := s.giveConn("weft-unix")
	if err != nil {
		return nil, err
	}
	return c.(*stdnet.UnixConn), nil
}
