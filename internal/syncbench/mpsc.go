package syncbench

import (
	"context"
	"runtime"
	"strconv"

	"github.com/weftrt/weft"
	"github.com/weftrt/weft/future"
	"github.com/weftrt/weft/mpsc"
)

// The workloads of Tokio's benches/sync_mpsc.rs.
//
// Goroutine twins: a bounded mpsc channel is a buffered Go channel. Go has no
// unbounded channel, and a Go channel allocates its whole buffer when it is
// made, so the twin of a channel that never fills (Tokio's unbounded channel,
// and its bounded one of capacity 10^6, which allocates blocks of 32 slots as
// they fill) is a channel with room for every value of the operation (5,000).
// RecvMany's twin is one blocking receive followed by non-blocking receives
// until the channel is empty or the limit is reached.

// Medium is Tokio's Medium: 64 words, 512 bytes.
type Medium [64]uint

// Large is Tokio's Large: 64 Mediums, 32 KiB.
type Large [64]Medium

const (
	mpscProducers   = 5
	mpscPerProducer = 1_000
	mpscTotal       = mpscProducers * mpscPerProducer
	mpscBigCap      = 1_000_000 // Tokio's "roomy" bounded channel
	mpscFullCap     = 100       // Tokio's bounded_full channel
	mpscSendCap     = 1_000     // capacity of the send_medium/large channel
)

func mpscWorkloads() []Workload {
	var ws []Workload
	for _, size := range []int{1, 100, 100_000} {
		ws = append(ws, Workload{
			Name: "mpsc_create_medium_" + strconv.Itoa(size), Items: 1, Item: "chan",
			Mirrors: "sync_mpsc.rs create_medium/" + strconv.Itoa(size),
			setup: [2]func() *Case{
				// last keeps each channel alive past its creation, as
				// Tokio's black_box does.
				Weft: func() *Case {
					var last *mpsc.Sender[Medium]
					return &Case{Op: func() {
						tx, rx := mpsc.New[Medium](size)
						last = tx
						tx.Close()
						rx.Close()
					}, Close: func() { runtime.KeepAlive(last) }}
				},
				Goroutine: func() *Case {
					var last chan Medium
					return &Case{
						Op:    func() { last = make(chan Medium, size) },
						Close: func() { runtime.KeepAlive(last) },
					}
				},
			},
		})
	}
	ws = append(ws,
		sendWorkload[Medium]("mpsc_send_medium_1000", "sync_mpsc.rs send/medium_1000"),
		sendWorkload[Large]("mpsc_send_large_1000", "sync_mpsc.rs send/large_1000"))
	type variant struct {
		name      string
		cap       int // 0: unbounded
		contended bool
	}
	for _, v := range []variant{
		{"mpsc_contention_bounded", mpscBigCap, true},
		{"mpsc_contention_bounded_full", mpscFullCap, true},
		{"mpsc_contention_unbounded", 0, true},
		{"mpsc_uncontended_bounded", mpscBigCap, false},
		{"mpsc_uncontended_unbounded", 0, false},
	} {
		for _, many := range []bool{false, true} {
			name, group := v.name, "contention/"
			if !v.contended {
				group = "uncontented/" // sic, Tokio's group name
			}
			mirrors := "sync_mpsc.rs " + group
			switch v.cap {
			case 0:
				mirrors += "unbounded"
			case mpscFullCap:
				mirrors += "bounded_full"
			default:
				mirrors += "bounded"
			}
			if many {
				name += "_recv_many"
				mirrors += "_recv_many"
			}
			ws = append(ws, Workload{
				Name: name, Items: mpscTotal, Item: "msg", Mirrors: mirrors,
				setup: [2]func() *Case{
					Weft: func() *Case {
						return runtimeCase(false, func() future.Future[struct{}] {
							return newMPSCRoot(v.cap, v.contended, many)
						})
					},
					Goroutine: func() *Case {
						return &Case{Op: func() { goMPSC(v.cap, v.contended, many) }, Close: noClose}
					},
				},
			})
		}
	}
	return ws
}

// sendWorkload is send/medium_1000 and send/large_1000: make a channel of
// capacity 1,000, send one zero value with one BlockOn and receive it with
// another.
func sendWorkload[T any](name, mirrors string) Workload {
	return Workload{
		Name: name, Items: 1, Item: "msg", Mirrors: mirrors,
		setup: [2]func() *Case{
			Weft: func() *Case {
				rt := newMultiThread(NumWorkers)
				// The send future is kept by value (see keptRoot); Tokio's
				// lives on block_on's stack.
				send := new(mpsc.SendFuture[T])
				return &Case{
					Op: func() {
						tx, rx := mpsc.New[T](mpscSendCap)
						var zero T
						send.Reset(tx, zero)
						if err := blockOn[error](rt, send); err != nil {
							panic("syncbench: send: " + err.Error())
						}
						// weft.BlockOn itself, not blockOn: with a 32 KiB
						// value every function the result passes through
						// costs a zeroing and copies (Tokio's bench calls
						// block_on directly too).
						r, err := weft.BlockOn(context.Background(), rt, rx.Recv())
						if err != nil {
							panic("syncbench: BlockOn: " + err.Error())
						}
						if r.Err != nil {
							panic("syncbench: recv: " + r.Err.Error())
						}
						tx.Close()
						rx.Close()
					},
					Close: func() { closeRuntime(rt) },
				}
			},
			Goroutine: func() *Case {
				return &Case{Op: func() {
					ch := make(chan T, mpscSendCap)
					var zero T
					ch <- zero
					<-ch
				}, Close: noClose}
			},
		},
	}
}

// mpscProducer is a task that sends 0..999 into a bounded channel, awaiting
// each send (one send future kept by value, renewed with Reset for each
// value: see keptRoot), and then closes its Sender.
type mpscProducer struct {
	tx      *mpsc.Sender[int]
	n       int // values to send
	i       int
	send    mpsc.SendFuture[int]
	sending bool // send holds value i and was not completed
	done    bool // tx is closed
}

// sendAll sends values i..n-1, returning false while a send waits.
func (p *mpscProducer) sendAll(cx *future.Context) bool {
	for p.i < p.n {
		if !p.sending {
			p.send.Reset(p.tx, p.i)
			p.sending = true
		}
		err, ok := p.send.Poll(cx)
		if !ok {
			return false
		}
		p.sending = false
		if err != nil {
			panic("syncbench: send: " + err.Error())
		}
		p.i++
	}
	return true
}

// Poll sends until the channel is full or every value is sent.
func (p *mpscProducer) Poll(cx *future.Context) (struct{}, bool) {
	if !p.sendAll(cx) {
		return struct{}{}, false
	}
	p.close()
	return struct{}{}, true
}

func (p *mpscProducer) close() {
	if !p.done {
		p.done = true
		p.tx.Close()
	}
}

// Drop abandons the send in flight and closes the Sender.
func (p *mpscProducer) Drop() {
	if p.sending {
		p.send.Drop()
		p.sending = false
	}
	p.close()
}

// unboundedProducer is a task that sends 0..999 into an unbounded channel
// (no await) and closes its Sender.
type unboundedProducer struct {
	tx *mpsc.UnboundedSender[int]
}

// Poll sends everything at once.
func (p *unboundedProducer) Poll(*future.Context) (struct{}, bool) {
	for i := range mpscPerProducer {
		if err := p.tx.Send(i); err != nil {
			panic("syncbench: send: " + err.Error())
		}
	}
	p.tx.Close()
	return struct{}{}, true
}

// mpscRoot is the future BlockOn runs: it starts the producers (spawned
// tasks, or, uncontended, its own sends), then receives all 5,000 values,
// one at a time or with RecvMany.
type mpscRoot struct {
	contended, many bool

	tx  *mpsc.Sender[int]          // bounded, or nil
	utx *mpsc.UnboundedSender[int] // unbounded, or nil
	rx  *mpsc.Receiver[int]

	started bool
	own     *mpscProducer // uncontended bounded: the sends of the root itself
	left    int           // values still to receive
	buf     []int         // RecvMany's buffer
}

func newMPSCRoot(capacity int, contended, many bool) *mpscRoot {
	r := &mpscRoot{contended: contended, many: many, left: mpscTotal}
	if capacity > 0 {
		r.tx, r.rx = mpsc.New[int](capacity)
	} else {
		r.utx, r.rx = mpsc.NewUnbounded[int]()
	}
	if many {
		r.buf = make([]int, 0, mpscTotal)
	}
	return r
}

// Poll runs the phases: start, (uncontended bounded: send), receive.
func (r *mpscRoot) Poll(cx *future.Context) (struct{}, bool) {
	if !r.started {
		r.started = true
		switch {
		case r.contended && r.tx != nil:
			for range mpscProducers {
				weft.SpawnDetached(cx, &mpscProducer{tx: r.tx.Clone(), n: mpscPerProducer})
			}
			r.tx.Close()
		case r.contended:
			for range mpscProducers {
				weft.SpawnDetached(cx, &unboundedProducer{tx: r.utx.Clone()})
			}
			r.utx.Close()
		case r.tx != nil:
			// Uncontended: the root sends all 5,000 values itself.
			r.own = &mpscProducer{tx: r.tx, n: mpscTotal}
		default:
			for i := range mpscTotal {
				if err := r.utx.Send(i); err != nil {
					panic("syncbench: send: " + err.Error())
				}
			}
			r.utx.Close()
		}
	}
	if r.own != nil && !r.own.sendAll(cx) {
		return struct{}{}, false
	}
	for r.left > 0 {
		if r.many {
			n := len(r.buf)
			buf, ok := r.rx.RecvMany(r.buf, mpscTotal).Poll(cx)
			if !ok {
				return struct{}{}, false
			}
			if len(buf) == n {
				panic("syncbench: channel closed early")
			}
			r.left -= len(buf) - n
			r.buf = buf
			continue
		}
		res, ok := r.rx.Recv().Poll(cx)
		if !ok {
			return struct{}{}, false
		}
		if res.Err != nil {
			panic("syncbench: recv: " + res.Err.Error())
		}
		r.left--
	}
	return struct{}{}, true
}

// Drop releases the channel ends the root holds; BlockOn calls it after the
// last poll.
func (r *mpscRoot) Drop() {
	if r.own != nil {
		r.own.Drop()
	}
	r.rx.Recv().Drop()
	r.rx.Close()
}

// goMPSC is the goroutine twin of one operation of the contention and
// uncontended workloads.
func goMPSC(capacity int, contended, many bool) {
	if capacity != mpscFullCap {
		capacity = mpscTotal // never full; see the comment at the top
	}
	ch := make(chan int, capacity)
	if contended {
		for range mpscProducers {
			go func() {
				for i := range mpscPerProducer {
					ch <- i
				}
			}()
		}
	} else {
		for i := range mpscTotal {
			ch <- i
		}
	}
	if !many {
		for range mpscTotal {
			<-ch
		}
		return
	}
	buf := make([]int, 0, mpscTotal)
	for len(buf) < mpscTotal {
		buf = goRecvMany(ch, buf, mpscTotal)
	}
}

// goRecvMany appends at least one and up to limit values from ch to buf.
func goRecvMany(ch chan int, buf []int, limit int) []int {
	buf = append(buf, <-ch)
	for n := 1; n < limit; n++ {
		select {
		case v := <-ch:
			buf = append(buf, v)
		default:
			return buf
		}
	}
	return buf
}
