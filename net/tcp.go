package net

import (
	"errors"
	stdnet "net"
	"net/netip"
	"strconv"
	"strings"

	"github.com/weftrt/weft"
	"github.com/weftrt/weft/internal/iodriver"
)

// listenBacklog is the accept queue length asked of the kernel (which caps
// it at net.core.somaxconn).
const listenBacklog = 4096

// TCPListener is a listening TCP socket on a weft runtime. Accept
// connections with Accept; Close it when done. Mirrors tokio's TcpListener.
type TCPListener struct {
	socket
}

// TCPStream is a TCP connection on a weft runtime: Read, Write and the
// other operations return futures to await in a task (or to drive from a
// hand-written future with PollRead/PollWrite and TryRead/TryWrite). Any
// number of tasks may use it at once; Split gives a reading and a writing
// half. Close it when done: a TCPStream dropped without Close keeps its file
// descriptor open. Mirrors tokio's TcpStream; like the standard library's
// connections, it starts with TCP_NODELAY on.
type TCPStream struct {
	stream
}

// parseAddr parses "host:port" where host is an IP address, "localhost"
// or empty (which listen takes as every address and connect as the
// loopback). Names are not resolved: resolving blocks, so resolve them with
// the standard library (in SpawnBlocking) and pass the address.
func parseAddr(addr string, connect bool) (netip.AddrPort, error) {
	if ap, err := netip.ParseAddrPort(addr); err == nil {
		return ap, nil
	}
	host, port, err := stdnet.SplitHostPort(addr)
	if err != nil {
		return netip.AddrPort{}, errors.New("weft/net: bad address " + addr + ": " + err.Error())
	}
	var ip netip.Addr
	switch strings.ToLower(host) {
	case "":
		ip = netip.IPv4Unspecified()
		if connect {
			ip = netip.AddrFrom4([4]byte{127, 0, 0, 1})
		}
	case "localhost":
		ip = netip.AddrFrom4([4]byte{127, 0, 0, 1})
	default:
		return netip.AddrPort{}, errors.New("weft/net: address " + addr + ": the host must be an IP address or localhost (resolve names with the standard library)")
	}
	p, err := strconv.ParseUint(port, 10, 16)
	if err != nil {
		return netip.AddrPort{}, errors.New("weft/net: bad port in " + addr)
	}
	return netip.AddrPortFrom(ip, uint16(p)), nil
}

// ListenTCP opens a TCP listener on addr ("127.0.0.1:8080", "[::1]:0",
// ":0"; port 0 picks a free port) on the runtime behind s (a *weft.Runtime,
// *weft.Handle, *weft.LocalSet or a task's *future.Context).
func ListenTCP(s weft.Spawner, addr string) (*TCPListener, error) {
	d, err := driverOf(s)
	if err != nil {
		return nil, err
	}
	ap, err := parseAddr(addr, false)
	if err != nil {
		return nil, err
	}
	fd, err := listenSocket(inetTarget(ap), listenBacklog)
	if err != nil {
		return nil, err
	}
	l := &TCPListener{}
	if err := l.register(d, fd); err != nil {
		return nil, err
	}
	return l, nil
}

// Accept returns a future that waits for the next connection; its output is
// the connection or an error. An error such as EMFILE (too many open files)
// leaves the listener as it was: the connection stays queued, and a later
// Accept takes it once descriptors are free. Keep the future and Reset it to
// accept again without allocating. Any number of tasks may accept at once.
func (l *TCPListener) Accept() *AcceptFuture[*TCPStream] {
	return &AcceptFuture[*TCPStream]{l: &l.socket, wrap: newTCPStream}
}

// LocalAddr returns the address the listener is bound to (a *net.TCPAddr).
func (l *TCPListener) LocalAddr() (stdnet.Addr, error) { return l.localAddr() }

// Close closes the listener; pending Accepts complete with ErrClosed.
func (l *TCPListener) Close() error { return l.closeSocket() }

// newTCPStream registers a connected fd as a TCPStream, with TCP_NODELAY.
func newTCPStream(d *iodriver.Driver, fd int) (*TCPStream, *socket, error) {
	s := &TCPStream{}
	if err := s.register(d, fd); err != nil {
		return nil, nil, err
	}
	if err := s.setNoDelay(1); err != nil {
		s.Close()
		return nil, nil, err
	}
	return s, &s.socket, nil
}

// ConnectTCP returns a future that connects to addr (an IP address and
// port, or localhost) on the runtime behind s. Its output is the connection,
// or the error (an *os.SyscallError wrapping ECONNREFUSED, say). See
// ConnectFuture.Timeout for a deadline on the runtime's clock.
func ConnectTCP(s weft.Spawner, addr string) *ConnectFuture[*TCPStream] {
	f := &ConnectFuture[*TCPStream]{wrap: newTCPStream, addr: addr}
	d, err := driverOf(s)
	if err != nil {
		f.err = err
		return f
	}
	f.d = d
	ap, err := parseAddr(addr, true)
	if err != nil {
		f.err = err
		return f
	}
	f.target = inetTarget(ap)
	return f
}

// SetNoDelay turns TCP_NODELAY (no Nagle delay for small writes) on or off.
func (s *TCPStream) SetNoDelay(on bool) error {
	v := 0
	if on {
		v = 1
	}
	return s.setNoDelay(v)
}

// LocalAddr returns the connection's local address (a *net.TCPAddr).
func (s *TCPStream) LocalAddr() (stdnet.Addr, error) { return s.localAddr() }

// RemoteAddr returns the peer's address (a *net.TCPAddr).
func (s *TCPStream) RemoteAddr() (stdnet.Addr, error) { return s.remoteAddr() }
