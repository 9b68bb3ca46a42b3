package oneshot

import "github.com/weftrt/weft/future"

// StoredWakers returns the channel's two waker cells, so that tests can check
// that a dropped or closed end left no waker behind.
func StoredWakers[T any](tx *Sender[T]) (rxWaker, txWaker future.Waker) {
	c := tx.ch()
	return c.rxWaker, c.txWaker
}
