package net

import (
	stdnet "net"
	"net/netip"

	"github.com/weftrt/weft"
	"github.com/weftrt/weft/future"
	"github.com/weftrt/weft/internal/iodriver"
)

// UDPSocket is a UDP socket on a weft runtime. Mirrors tokio's UdpSocket
// (send_to and recv_from).
type UDPSocket struct {
	socket
}

// ListenUDP opens a UDP socket bound to addr (port 0: any free port) on the
// runtime behind s.
func ListenUDP(s weft.Spawner, addr string) (*UDPSocket, error) {
	d, err := driverOf(s)
	if err != nil {
		return nil, err
	}
	ap, err := parseAddr(addr, false)
	if err != nil {
		return nil, err
	}
	fd, err := bindDatagram(inetTarget(ap))
	if err != nil {
		return nil, err
	}
	u := &UDPSocket{}
	if err := u.register(d, fd); err != nil {
		return nil, err
	}
	return u, nil
}

// LocalAddr returns the address the socket is bound to (a *net.UDPAddr).
func (u *UDPSocket) LocalAddr() (stdnet.Addr, error) {
	a, err := u.localAddr()
	if t, ok := a.(*stdnet.TCPAddr); ok {
		return stdnet.UDPAddrFromAddrPort(t.AddrPort()), err
	}
	return a, err
}

// Close closes the socket; pending sends and receives see ErrClosed.
func (u *UDPSocket) Close() error { return u.closeSocket() }

// SendTo returns a future that sends p as one datagram to addr; its output
// is the number of bytes sent or the error.
func (u *UDPSocket) SendTo(p []byte, addr netip.AddrPort) *SendToFuture {
	return &SendToFuture{u: u, p: p, to: addr}
}

// RecvFrom returns a future that receives one datagram into p; its output
// says how many bytes and from whom. A datagram longer than p is cut.
func (u *UDPSocket) RecvFrom(p []byte) *RecvFromFuture { return &RecvFromFuture{u: u, p: p} }

// Datagram is the output of RecvFrom.
type Datagram struct {
	N    int
	From netip.AddrPort
	Err  error
}

// SendToFuture is the future of SendTo.
type SendToFuture struct {
	u    *UDPSocket
	p    []byte
	to   netip.AddrPort
	w    iodriver.Waiter
	done bool
}

// Poll sends once the socket is writable.
func (f *SendToFuture) Poll(cx *future.Context) (future.Result[int], bool) {
	if f.done {
		panic("weft/net: SendTo future polled after completion")
	}
	n, _, err, ok := f.u.dgram(cx, &f.w, iodriver.Write, f.p, f.to)
	if !ok {
		return future.Result[int]{}, false
	}
	f.done = true
	return future.Result[int]{Value: n, Err: err}, true
}

// Drop stops waiting. It implements future.Dropper.
func (f *SendToFuture) Drop() { f.u.drop(&f.w) }

// String describes the future for task dumps.
func (f *SendToFuture) String() string { return f.u.describe("SendTo("+f.to.String()+")", len(f.p)) }

// RecvFromFuture is the future of RecvFrom.
type RecvFromFuture struct {
	u    *UDPSocket
	p    []byte
	w    iodriver.Waiter
	done bool
}

// Poll receives once a datagram is there.
func (f *RecvFromFuture) Poll(cx *future.Context) (Datagram, bool) {
	if f.done {
		panic("weft/net: RecvFrom future polled after completion (Reset it to use it again)")
	}
	n, from, err, ok := f.u.dgram(cx, &f.w, iodriver.Read, f.p, netip.AddrPort{})
	if !ok {
		return Datagram{}, false
	}
	f.done = true
	return Datagram{N: n, From: from, Err: err}, true
}

// Reset makes f receive again into p. It panics if f is waiting.
func (f *RecvFromFuture) Reset(p []byte) {
	resetCheck(&f.w, "RecvFrom")
	f.p, f.done = p, false
}

// Drop stops waiting. It implements future.Dropper.
func (f *RecvFromFuture) Drop() { f.u.drop(&f.w) }

// String describes the future for task dumps.
func (f *RecvFromFuture) String() string { return f.u.describe("RecvFrom", len(f.p)) }

// dgram waits for direction d and sends p to `to` (Write) or receives into
// p (Read), until it does not find EAGAIN.
func (u *UDPSocket) dgram(cx *future.Context, w *iodriver.Waiter, d iodriver.Direction, p []byte, to netip.AddrPort) (int, netip.AddrPort, error, bool) {
	if !cx.ConsumeBudget() {
		return 0, netip.AddrPort{}, nil, false
	}
	for {
		ev, err, ok := u.r.Await(cx, w, d)
		if !ok {
			cx.RefundBudget()
			return 0, netip.AddrPort{}, nil, false
		}
		if err != nil {
			return 0, netip.AddrPort{}, err, true
		}
		if err := u.r.Acquire(); err != nil {
			return 0, netip.AddrPort{}, err, true
		}
		var n int
		var from netip.AddrPort
		if d == iodriver.Write {
			n, err = sysSendTo(u.r.FD(), p, inetTarget(to))
		} else {
			n, from, err = sysRecvFrom(u.r.FD(), p)
		}
		u.r.Release()
		if err != nil && isAgain(err) {
			u.r.Clear(ev)
			continue
		}
		if err != nil {
			err = wrapSyscall("sendto/recvfrom", err)
		}
		return n, from, err, true
	}
}
