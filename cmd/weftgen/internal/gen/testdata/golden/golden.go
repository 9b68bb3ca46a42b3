// Package golden holds representative marked functions whose generated
// code is kept in golden files (golden_weft.go.golden).
package golden

import (
	"fmt"
	"time"

	"github.com/weftrt/weft"
	"github.com/weftrt/weft/mpsc"
)

// Handle receives requests until the channel is closed, with a deferred
// log and a timeout on each reply.
//
//weft:async
func Handle(a *weft.A, rx *mpsc.Receiver[string], reply func(string) error) (handled int, err error) {
	defer func() { fmt.Println("handled", handled) }()
	for {
		r := weft.Await(a, rx.Recv())
		if r.Err != nil {
			return handled, nil
		}
		weft.Await(a, weft.Sleep(time.Millisecond))
		if err := reply(r.Value); err != nil {
			return handled, err
		}
		handled++
	}
}

// Retry calls Handle, with the closure it passes capturing a counter that
// lives across awaits.
//
//weft:async
func Retry(a *weft.A, rx *mpsc.Receiver[string]) int {
	tries := 0
	n, err := Handle(a, rx, func(s string) error {
		tries++
		return nil
	})
	if err != nil {
		return -1
	}
	return n + tries
}
