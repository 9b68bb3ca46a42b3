//go:build linux

package iodriver

import (
	"time"

	"golang.org/x/sys/unix"
)

// wakeToken is the eventfd's token: no registration has it (its registration
// number would be 0, and numbers start at 1).
const wakeToken = ^uint64(0)

// maxEvents is how many events one epoll_wait returns at most (Tokio's 1024).
const maxEvents = 1024

type eventBuf []unix.EpollEvent

func newEventBuf() eventBuf { return make(eventBuf, maxEvents) }

// at returns event i's token and readiness.
func (b eventBuf) at(i int) (uint64, Readiness) {
	e := &b[i]
	tok := uint64(uint32(e.Fd)) | uint64(uint32(e.Pad))<<32
	return tok, readinessOf(e.Events)
}

// readinessOf maps epoll's bits to the word's, as mio does: HUP closes both
// directions, RDHUP the read side; an error wakes both directions so that the
// next operation reports it.
func readinessOf(ev uint32) Readiness {
	var r Readiness
	if ev&(unix.EPOLLIN|unix.EPOLLPRI) != 0 {
		r |= readable
	}
	if ev&unix.EPOLLOUT != 0 {
		r |= writable
	}
	if ev&unix.EPOLLHUP != 0 {
		r |= readClosed | writeClosed
	}
	if ev&unix.EPOLLRDHUP != 0 {
		r |= readClosed
	}
	if ev&unix.EPOLLERR != 0 {
		r |= errorBit | readable | writable
	}
	return r
}

type sysState struct {
	epfd, evfd int
}

func (s *sysState) open() error {
	ep, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return err
	}
	ev, err := unix.Eventfd(0, unix.EFD_NONBLOCK|unix.EFD_CLOEXEC)
	if err != nil {
		unix.Close(ep)
		return err
	}
	e := unix.EpollEvent{Events: unix.EPOLLIN | unix.EPOLLET, Fd: -1, Pad: -1}
	if err := unix.EpollCtl(ep, unix.EPOLL_CTL_ADD, ev, &e); err != nil {
		unix.Close(ev)
		unix.Close(ep)
		return err
	}
	s.epfd, s.evfd = ep, ev
	return nil
}

func (s *sysState) add(fd int, tok uint64) error {
	e := unix.EpollEvent{
		Events: unix.EPOLLIN | unix.EPOLLOUT | unix.EPOLLRDHUP | unix.EPOLLET,
		Fd:     int32(uint32(tok)),
		Pad:    int32(uint32(tok >> 32)),
	}
	return unix.EpollCtl(s.epfd, unix.EPOLL_CTL_ADD, fd, &e)
}

func (s *sysState) del(fd int) {
	var e unix.EpollEvent
	_ = unix.EpollCtl(s.epfd, unix.EPOLL_CTL_DEL, fd, &e)
}

// wait returns the number of events epoll_wait put in buf; timeout < 0 waits
// without limit, and is otherwise rounded up to milliseconds (a timer must
// never be woken early; the wheel's resolution is 1 ms anyway).
func (s *sysState) wait(buf *eventBuf, timeout time.Duration) int {
	ms := -1
	if timeout >= 0 {
		ms = int((timeout + time.Millisecond - 1) / time.Millisecond)
		if timeout > time.Duration(1<<31-1)*time.Millisecond {
			ms = 1<<31 - 1
		}
	}
	n, err := unix.EpollWait(s.epfd, *buf, ms)
	if err != nil || n < 0 {
		// EINTR: a signal came in; the caller looks around and parks
		// again.
		return 0
	}
	return n
}

// one is the eventfd increment, a global so that writing it allocates
// nothing.
var one = [8]byte{1}

func (s *sysState) wake() {
	// EAGAIN means the counter is full, so a wake is pending anyway.
	_, _ = unix.Write(s.evfd, one[:])
}

func (s *sysState) close() {
	unix.Close(s.evfd)
	unix.Close(s.epfd)
}

func closeFD(fd int) { _ = unix.Close(fd) }
