package syncbench

import (
	"github.com/weftrt/weft"
	"github.com/weftrt/weft/future"
	"github.com/weftrt/weft/mpsc"
	"github.com/weftrt/weft/oneshot"
)

// The workloads of Tokio's benches/sync_mpsc_oneshot.rs: a server task
// answers requests that arrive over a bounded mpsc channel of capacity 10,
// each carrying the oneshot Sender of its reply; one operation sends 1,000
// requests one after the other and awaits each reply. Tokio runs it on a
// current-thread runtime and on a multi-thread runtime with one worker.
//
// Goroutine twin: a server goroutine ranges over a channel of reply
// channels (capacity 10) and answers on each; a request makes a reply
// channel of capacity 1, sends it and receives from it. The current-thread
// twin runs with GOMAXPROCS 1, the one-worker twin with 2 (Tokio's
// block_on thread and its worker thread).

const (
	requests     = 1_000
	requestQueue = 10
)

type reply = oneshot.Sender[struct{}]

func requestReplyWorkloads() []Workload {
	mk := func(name, mirrors string, currentThread bool) Workload {
		return Workload{
			Name: name, Items: requests, Item: "req", Mirrors: mirrors, CurrentThread: currentThread,
			setup: [2]func() *Case{
				Weft: func() *Case {
					var rt *weft.Runtime
					if currentThread {
						rt = newCurrentThread()
					} else {
						rt = newMultiThread(1)
					}
					tx, rx := mpsc.New[*reply](requestQueue)
					weft.SpawnDetached(rt, &replyServer{rx: rx})
					q := &requester{tx: tx}
					return &Case{
						Op: func() {
							q.reset()
							blockOn[struct{}](rt, q)
						},
						Close: func() { tx.Close(); closeRuntime(rt) },
					}
				},
				Goroutine: func() *Case {
					reqs := make(chan chan struct{}, requestQueue)
					done := make(chan struct{})
					go func() {
						for r := range reqs {
							r <- struct{}{}
						}
						close(done)
					}()
					return &Case{
						Op: func() {
							for range requests {
								r := make(chan struct{}, 1)
								reqs <- r
								<-r
							}
						},
						Close: func() { close(reqs); <-done },
					}
				},
			},
		}
	}
	return []Workload{
		mk("mpsc_oneshot_request_reply_ct", "sync_mpsc_oneshot.rs request_reply (current_thread)", true),
		mk("mpsc_oneshot_request_reply_mt1", "sync_mpsc_oneshot.rs request_reply (multi_thread, 1 worker)", false),
	}
}

// replyServer is the server task: it answers every request until the
// channel closes.
type replyServer struct {
	rx *mpsc.Receiver[*reply]
}

// Poll answers the requests that are there and waits for more.
func (s *replyServer) Poll(cx *future.Context) (struct{}, bool) {
	for {
		r, ok := s.rx.Recv().Poll(cx)
		if !ok {
			return struct{}{}, false
		}
		if r.Err != nil {
			return struct{}{}, true // every Sender closed
		}
		if err := r.Value.Send(struct{}{}); err != nil {
			panic("syncbench: reply: " + err.Error())
		}
	}
}

// Drop withdraws the receiver.
func (s *replyServer) Drop() {
	s.rx.Recv().Drop()
	s.rx.Close()
}

// requester is one operation: 1,000 requests, each awaited. It is kept
// between operations, with its send future by value (see keptRoot); each
// request makes a oneshot channel, as Tokio's does.
type requester struct {
	tx      *mpsc.Sender[*reply]
	i       int
	send    mpsc.SendFuture[*reply]
	sending bool                        // send holds the request being sent
	recv    *oneshot.Receiver[struct{}] // the reply awaited, or nil
}

func (q *requester) reset() { q.i = 0 }

// Poll sends the next request, awaits its reply, and so on.
func (q *requester) Poll(cx *future.Context) (struct{}, bool) {
	for q.i < requests {
		if !q.sending && q.recv == nil {
			otx, orx := oneshot.New[struct{}]()
			q.send.Reset(q.tx, otx)
			q.sending, q.recv = true, orx
		}
		if q.sending {
			err, ok := q.send.Poll(cx)
			if !ok {
				return struct{}{}, false
			}
			q.sending = false
			if err != nil {
				panic("syncbench: request: " + err.Error())
			}
		}
		r, ok := q.recv.Poll(cx)
		if !ok {
			return struct{}{}, false
		}
		q.recv.Drop()
		q.recv = nil
		if r.Err != nil {
			panic("syncbench: reply: " + r.Err.Error())
		}
		q.i++
	}
	return struct{}{}, true
}

// Drop abandons the request in flight.
func (q *requester) Drop() {
	if q.sending {
		q.send.Drop()
		q.sending = false
	}
	if q.recv != nil {
		q.recv.Drop()
		q.recv = nil
	}
}
