//go:build linux

package net

import (
	"errors"
	stdnet "net"
	"net/netip"
	"os"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// supported reports whether this system has weft's I/O driver.
const supported = true

// newSocket returns a non-blocking, close-on-exec socket.
func newSocket(family, typ int) (int, error) {
	fd, err := unix.Socket(family, typ|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return -1, wrapSyscall("socket", err)
	}
	return fd, nil
}

// The hot system calls of a stream, read and send, are made with
// RawSyscall: the socket is non-blocking, so the call never sleeps in the
// kernel, and the Go scheduler need not be told (Syscall's entersyscall and
// exitsyscall). Told, it hands the worker's P to another thread whenever the
// OS preempts the worker inside the call (sysmon sees a P "in a system call"
// for 20 µs), and keeps sysmon waking every 20 µs to look; on the loaded
// 2-core machine of BENCHMARKS.md that happened to about 1 in 300 reads and
// writes, and sysmon's wake-ups were half the echo server's context
// switches. A raw call holds the P like any running goroutine. The race
// detector's view of the buffers is kept by raceRead/raceWrite.

// sysRead reads into p; it returns EAGAIN as an error like the system call.
func sysRead(fd int, p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	for {
		n, _, e := unix.RawSyscall(unix.SYS_READ, uintptr(fd), uintptr(unsafe.Pointer(&p[0])), uintptr(len(p)))
		switch e {
		case 0:
			raceWrite(p[:n])
			return int(n), nil
		case unix.EINTR:
			continue
		}
		return 0, e
	}
}

// sysWrite sends p; MSG_NOSIGNAL keeps a write to a reset connection from
// raising SIGPIPE.
func sysWrite(fd int, p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	raceRead(p)
	for {
		n, _, e := unix.RawSyscall6(unix.SYS_SENDTO, uintptr(fd), uintptr(unsafe.Pointer(&p[0])), uintptr(len(p)),
			unix.MSG_NOSIGNAL, 0, 0)
		switch e {
		case 0:
			return int(n), nil
		case unix.EINTR:
			continue
		}
		return 0, e
	}
}

// sysAccept accepts a connection without asking for its address (which
// would allocate); the address is read later if someone asks.
func sysAccept(fd int) (int, error) {
	for {
		nfd, _, e := unix.Syscall6(unix.SYS_ACCEPT4, uintptr(fd), 0, 0,
			unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0, 0)
		switch e {
		case 0:
			return int(nfd), nil
		case unix.EINTR, unix.ECONNABORTED:
			// A connection reset before it was accepted: take the
			// next one (as Go's net package does).
			continue
		}
		return -1, e
	}
}

func isAgain(err error) bool { return err == unix.EAGAIN }

// sockaddrOf converts an address and port to a sockaddr of the matching
// family.
func sockaddrOf(ap netip.AddrPort) (unix.Sockaddr, int) {
	a := ap.Addr()
	if a.Is4() || a.Is4In6() {
		return &unix.SockaddrInet4{Port: int(ap.Port()), Addr: a.Unmap().As4()}, unix.AF_INET
	}
	sa := &unix.SockaddrInet6{Port: int(ap.Port()), Addr: a.As16()}
	if z := a.Zone(); z != "" {
		if ifi, err := stdnet.InterfaceByName(z); err == nil {
			sa.ZoneId = uint32(ifi.Index)
		}
	}
	return sa, unix.AF_INET6
}

// addrPortOf converts an inet sockaddr back.
func addrPortOf(sa unix.Sockaddr) netip.AddrPort {
	switch sa := sa.(type) {
	case *unix.SockaddrInet4:
		return netip.AddrPortFrom(netip.AddrFrom4(sa.Addr), uint16(sa.Port))
	case *unix.SockaddrInet6:
		return netip.AddrPortFrom(netip.AddrFrom16(sa.Addr), uint16(sa.Port))
	}
	return netip.AddrPort{}
}

func stdAddr(sa unix.Sockaddr) stdnet.Addr {
	switch sa := sa.(type) {
	case *unix.SockaddrInet4, *unix.SockaddrInet6:
		return stdnet.TCPAddrFromAddrPort(addrPortOf(sa))
	case *unix.SockaddrUnix:
		return &stdnet.UnixAddr{Name: sa.Name, Net: "unix"}
	}
	return nil
}

// sockTarget is an address to bind or connect to, in the system's form.
type sockTarget struct {
	family int
	sa     unix.Sockaddr
}

// inetTarget is the target for an IP address and port.
func inetTarget(ap netip.AddrPort) sockTarget {
	sa, family := sockaddrOf(ap)
	return sockTarget{family: family, sa: sa}
}

// unixTarget is the target for a Unix socket path.
func unixTarget(path string) sockTarget {
	return sockTarget{family: unix.AF_UNIX, sa: &unix.SockaddrUnix{Name: path}}
}

// listenSocket makes a bound, listening stream socket.
func listenSocket(t sockTarget, backlog int) (int, error) {
	family, sa := t.family, t.sa
	fd, err := newSocket(family, unix.SOCK_STREAM)
	if err != nil {
		return -1, err
	}
	if family != unix.AF_UNIX {
		if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_REUSEADDR, 1); err != nil {
			unix.Close(fd)
			return -1, wrapSyscall("setsockopt", err)
		}
	}
	if err := unix.Bind(fd, sa); err != nil {
		unix.Close(fd)
		return -1, wrapSyscall("bind", err)
	}
	if err := unix.Listen(fd, backlog); err != nil {
		unix.Close(fd)
		return -1, wrapSyscall("listen", err)
	}
	return fd, nil
}

// startConnect makes a socket and starts a non-blocking connect. done reports
// whether the connection completed at once.
func startConnect(t sockTarget) (fd int, done bool, err error) {
	fd, err = newSocket(t.family, unix.SOCK_STREAM)
	if err != nil {
		return -1, false, err
	}
	switch err := unix.Connect(fd, t.sa); err {
	case nil:
		return fd, true, nil
	case unix.EINPROGRESS, unix.EAGAIN, unix.EINTR:
		return fd, false, nil
	default:
		unix.Close(fd)
		return -1, false, wrapSyscall("connect", err)
	}
}

// errInProgress is connectResult's "not yet".
var errInProgress = unix.EINPROGRESS

// connectResult reads the outcome of a non-blocking connect once the socket
// is writable: nil, an error, or errInProgress when it is still going on.
func (s *socket) connectResult() error {
	if err := s.r.Acquire(); err != nil {
		return err
	}
	defer s.r.Release()
	fd := s.r.FD()
	v, err := unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_ERROR)
	if err != nil {
		return wrapSyscall("getsockopt", err)
	}
	switch e := syscall.Errno(v); e {
	case 0:
		// Writable and no error: connected, unless the peer is not
		// there yet (getpeername fails while it is in progress).
		if _, err := unix.Getpeername(fd); err != nil {
			return unix.EINPROGRESS
		}
		return nil
	case unix.EINPROGRESS, unix.EALREADY, unix.EINTR:
		return unix.EINPROGRESS
	default:
		return wrapSyscall("connect", e)
	}
}

func closeFD(fd int) { unix.Close(fd) }

// wrapSyscall names the system call in the error (an *os.SyscallError),
// keeping the errno reachable with errors.Is.
func wrapSyscall(call string, err error) error {
	var errno syscall.Errno
	if errors.As(err, &errno) {
		return os.NewSyscallError(call, errno)
	}
	return err
}

// shutdownWrite shuts the socket's writing side.
func (s *socket) shutdownWrite() error {
	if err := s.r.Acquire(); err != nil {
		return err
	}
	err := unix.Shutdown(s.r.FD(), unix.SHUT_WR)
	s.r.Release()
	return wrapSyscall("shutdown", err)
}

// setIntOpt sets an integer socket option.
func (s *socket) setIntOpt(level, opt, v int) error {
	if err := s.r.Acquire(); err != nil {
		return err
	}
	err := unix.SetsockoptInt(s.r.FD(), level, opt, v)
	s.r.Release()
	return wrapSyscall("setsockopt", err)
}

// localAddr and remoteAddr read the socket's addresses.
func (s *socket) localAddr() (stdnet.Addr, error) {
	if err := s.r.Acquire(); err != nil {
		return nil, err
	}
	sa, err := unix.Getsockname(s.r.FD())
	s.r.Release()
	if err != nil {
		return nil, wrapSyscall("getsockname", err)
	}
	return stdAddr(sa), nil
}

func (s *socket) remoteAddr() (stdnet.Addr, error) {
	if err := s.r.Acquire(); err != nil {
		return nil, err
	}
	sa, err := unix.Getpeername(s.r.FD())
	s.r.Release()
	if err != nil {
		return nil, wrapSyscall("getpeername", err)
	}
	return stdAddr(sa), nil
}

// dupFD returns a blocking-mode duplicate of the socket's fd, for handing
// it to the standard library.
func (s *socket) dupFD() (int, error) {
	if err := s.r.Acquire(); err != nil {
		return -1, err
	}
	fd, err := unix.FcntlInt(uintptr(s.r.FD()), unix.F_DUPFD_CLOEXEC, 0)
	s.r.Release()
	if err != nil {
		return -1, wrapSyscall("fcntl", err)
	}
	return fd, nil
}

// dupNonblock duplicates fd (close-on-exec, non-blocking): how a socket
// taken from the standard library gets an fd of its own.
func dupNonblock(fd int) (int, error) {
	nfd, err := unix.FcntlInt(uintptr(fd), unix.F_DUPFD_CLOEXEC, 0)
	if err != nil {
		return -1, wrapSyscall("fcntl", err)
	}
	if err := unix.SetNonblock(nfd, true); err != nil {
		unix.Close(nfd)
		return -1, wrapSyscall("fcntl", err)
	}
	return nfd, nil
}

func (s *socket) setNoDelay(v int) error { return s.setIntOpt(unix.IPPROTO_TCP, unix.TCP_NODELAY, v) }

// setBuffers sets SO_SNDBUF and SO_RCVBUF (tests shrink them).
func (s *socket) setBuffers(snd, rcv int) error {
	if err := s.setIntOpt(unix.SOL_SOCKET, unix.SO_SNDBUF, snd); err != nil {
		return err
	}
	return s.setIntOpt(unix.SOL_SOCKET, unix.SO_RCVBUF, rcv)
}

// bindDatagram makes a bound datagram socket.
func bindDatagram(t sockTarget) (int, error) {
	fd, err := newSocket(t.family, unix.SOCK_DGRAM)
	if err != nil {
		return -1, err
	}
	if err := unix.Bind(fd, t.sa); err != nil {
		unix.Close(fd)
		return -1, wrapSyscall("bind", err)
	}
	return fd, nil
}

func sysSendTo(fd int, p []byte, t sockTarget) (int, error) {
	if err := unix.Sendto(fd, p, unix.MSG_NOSIGNAL, t.sa); err != nil {
		return 0, err
	}
	return len(p), nil
}

func sysRecvFrom(fd int, p []byte) (int, netip.AddrPort, error) {
	n, sa, err := unix.Recvfrom(fd, p, 0)
	if err != nil {
		return 0, netip.AddrPort{}, err
	}
	return n, addrPortOf(sa), nil
}
