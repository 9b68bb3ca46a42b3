package multithread

import (
	"testing"

	"github.com/weftrt/weft/internal/interleave"
)

// The BlockOn waiter (blockon.go, rules 1-3).

func TestBlockOnWaiterIgnoresAWakerOfAnEarlierUse(t *testing.T) {
	w := new(blockOnWaiter)
	w.begin(&Scheduler{gmap: newGtable(1)})
	stale := w.cx.Waker()
	w.end()
	w.begin(&Scheduler{gmap: newGtable(1)})
	stale.Wake()
	if w.woken.Load() {
		t.Fatal("a Waker of the waiter's previous use woke the current one")
	}
	w.cx.Waker().Wake()
	if !w.woken.Load() {
		t.Fatal("the current Waker did not wake the waiter")
	}
}

func TestBlockOnWaiterWakeBeforeArmIsNotLost(t *testing.T) {
	w := new(blockOnWaiter)
	w.begin(&Scheduler{gmap: newGtable(1)})
	w.cx.Waker().Wake() // between the Pending poll and arm
	sig := w.arm()
	select {
	case <-sig.C():
	default:
		t.Fatal("a wake before arm was lost")
	}
}

func TestBlockOnWaiterWakeAfterArmReachesTheSignal(t *testing.T) {
	w := new(blockOnWaiter)
	w.begin(&Scheduler{gmap: newGtable(1)})
	sig := w.arm()
	w.cx.Waker().Wake()
	select {
	case <-sig.C():
	default:
		t.Fatal("a wake after arm did not reach the Signal")
	}
}

// TestBlockOnWaiterNoLostWakeInAnyInterleaving checks rule 2 on a model of
// the waiter: the steps of Wake (with the waiter's current generation) and
// of arm, each one atomic operation on the model, in every order. In each,
// the Signal must end up woken: the wake is never lost. With a stale
// generation, nothing may reach the Signal.
func TestBlockOnWaiterNoLostWakeInAnyInterleaving(t *testing.T) {
	for _, stale := range []bool{false, true} {
		type model struct {
			gen, tag   uint64
			woken      bool
			sig        bool // arm stored the Signal
			sigWoken   bool // the Signal holds a wake
			genMatched bool // Wake's local: its generation check passed
			sawSig     bool // Wake's local: it loaded the Signal
			sawWoken   bool // arm's local: what its swap returned
		}
		runs := 0
		interleave.Each([]int{4, 3}, func(order []int) {
			runs++
			m := model{gen: 1, tag: 1}
			if stale {
				m.tag = 0
			}
			wake := []func(){
				func() { m.genMatched = m.gen == m.tag }, // w.gen.Load() != tag
				func() {
					if m.genMatched {
						m.woken = true // w.woken.Store(true)
					}
				},
				func() { m.sawSig = m.genMatched && m.sig }, // w.sig.Load()
				func() {
					if m.sawSig {
						m.sigWoken = true // s.Wake(0)
					}
				},
			}
			arm := []func(){
				func() { m.sig = true },                         // w.sig.Store(sig)
				func() { m.sawWoken, m.woken = m.woken, false }, // w.woken.Swap(false)
				func() {
					if m.sawWoken {
						m.sigWoken = true // sig.Wake(0)
					}
				},
			}
			interleave.Replay(order, wake, arm)
			if !stale && !m.sigWoken {
				t.Errorf("order %v: the wake was lost", order)
			}
			if stale && m.sigWoken {
				t.Errorf("order %v: a stale wake reached the Signal", order)
			}
		})
		if runs != 35 { // 7! / (4! 3!)
			t.Fatalf("%d interleavings, want 35", runs)
		}
	}
}
