package main

import (
	"errors"
	"net"
	"syscall"
)

// dialer opens connections to one address, moving to the next loopback
// source address (127.0.0.2, 127.0.0.3, ...) when the current one has no
// ephemeral port left.
type dialer struct {
	addr string
	src  int // last octet of the source address; 1 means the default
}

func newDialer(addr string) *dialer { return &dialer{addr: addr, src: 1} }

// maxSrc bounds the source addresses tried.
const maxSrc = 250

func (d *dialer) dial() (net.Conn, error) {
	for {
		var nd net.Dialer
		if d.src > 1 {
			nd.LocalAddr = &net.TCPAddr{IP: net.IPv4(127, 0, 0, byte(d.src))}
		}
		c, err := nd.Dial("tcp", d.addr)
		if err == nil {
			return c, nil
		}
		if !errors.Is(err, syscall.EADDRNOTAVAIL) || d.src >= maxSrc {
			return nil, err
		}
		d.src++
	}
}

// sources is the number of source addresses used so far.
func (d *dialer) sources() int { return d.src }
