package iodriver

import "sync/atomic"

// The table maps an event's token to its registration. epoll hands back the
// 64 bits it was given at registration; a Go pointer cannot be stored there
// (the collector would not see it, and a stale event could name freed
// memory), so the token holds the fd, which indexes this table, and a
// registration number that the entry must match (a stale event for an fd
// that was closed and reused fails the match). Entries hold the
// registrations, which keeps every registered one reachable.
//
// fd numbers are small and dense, so the table is a directory of pages of
// entries, allocated on first use and never freed: the poller reads it with
// two atomic loads and no lock while register and release (under the
// driver's mu) write it.

const (
	pageBits = 10
	pageSize = 1 << pageBits
	dirSize  = 2048
	// maxFD is the largest fd the table can hold (2M, above Linux's
	// default nr_open of 1M).
	maxFD = dirSize * pageSize
)

type tablePage [pageSize]atomic.Pointer[Registration]

type table struct {
	dir *[dirSize]atomic.Pointer[tablePage] // set at open, under the driver's mu
}

func (t *table) init() { t.dir = new([dirSize]atomic.Pointer[tablePage]) }

// store publishes r at fd; the caller holds the driver's mu.
func (t *table) store(fd uint32, r *Registration) {
	p := t.dir[fd>>pageBits].Load()
	if p == nil {
		p = new(tablePage)
		t.dir[fd>>pageBits].Store(p)
	}
	p[fd&(pageSize-1)].Store(r)
}

// clear removes r from fd's entry if it is still there; the caller holds the
// driver's mu.
func (t *table) clear(fd uint32, r *Registration) {
	if p := t.dir[fd>>pageBits].Load(); p != nil {
		p[fd&(pageSize-1)].CompareAndSwap(r, nil)
	}
}

// load returns the registration at fd, or nil. Lock-free.
func (t *table) load(fd uint32) *Registration {
	if fd >= maxFD {
		return nil
	}
	p := t.dir[fd>>pageBits].Load()
	if p == nil {
		return nil
	}
	return p[fd&(pageSize-1)].Load()
}

// all returns every registration; the caller holds the driver's mu.
func (t *table) all() []*Registration {
	var out []*Registration
	for i := range t.dir {
		p := t.dir[i].Load()
		if p == nil {
			continue
		}
		for j := range p {
			if r := p[j].Load(); r != nil {
				out = append(out, r)
			}
		}
	}
	return out
}
