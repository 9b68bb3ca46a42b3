package weft_test

import (
	"context"
	"testing"

	"github.com/weftrt/weft"
	"github.com/weftrt/weft/future"
)

// nilFut is a future type whose nil pointer, put in an interface, is a
// typed nil.
type nilFut struct{ v int }

func (f *nilFut) Poll(*future.Context) (int, bool) { return f.v, true }

// A typed nil future (a nil *nilFut in a future.Future[int]) passed Spawn's
// nil check and failed the task at its first poll with a nil dereference.
// Every entry point now refuses it at the call, with the message a plain nil
// gets.
func TestSpawnOfATypedNilFuturePanicsAtTheSpawn(t *testing.T) {
	rt := newRuntime(t, weft.WithCurrentThread())
	ls := weft.NewLocalSet(rt)
	defer ls.Close()
	js := weft.NewJoinSet[int]()
	defer js.Close()
	var p *nilFut
	var f future.Future[int] = p
	const spawnNil = "task: spawn of a nil future"
	syncMustPanic(t, spawnNil, func() { weft.Spawn(rt, f).Detach() })
	syncMustPanic(t, spawnNil, func() { weft.Spawn(rt, p).Detach() })
	syncMustPanic(t, spawnNil, func() { weft.SpawnDetached(rt, f) })
	syncMustPanic(t, spawnNil, func() { weft.SpawnLocal(ls, f).Detach() })
	syncMustPanic(t, spawnNil, func() { weft.SpawnInto(js, rt, f) })
	syncMustPanic(t, "weft: BlockOn of a nil future", func() { _, _ = weft.BlockOn(context.Background(), rt, f) })
	// A real future in the same interface type still runs.
	f = &nilFut{v: 5}
	if r, err := weft.BlockOn(context.Background(), rt, weft.Spawn(rt, f)); err != nil || r.Value != 5 {
		t.Fatalf("a non-nil future in an interface: %+v, %v", r, err)
	}
}
