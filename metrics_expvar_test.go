package weft_test

import (
	"context"
	"encoding/json"
	"errors"
	"expvar"
	"strconv"
	"sync/atomic"
	"testing"

	"github.com/weftrt/weft"
	"github.com/weftrt/weft/future"
)

// expvarName returns a name not used before in this process: expvar is
// global and cannot unpublish, and tests may run with -count > 1.
func expvarName(prefix string) string {
	return prefix + strconv.FormatInt(expvarSeq.Add(1), 10)
}

var expvarSeq atomic.Int64

func TestPublishExpvarServesASnapshotAsJSON(t *testing.T) {
	rt := newRuntime(t, weft.WithCurrentThread())
	name := expvarName("weft_test_publish")
	if err := rt.PublishExpvar(name); err != nil {
		t.Fatal(err)
	}
	v := expvar.Get(name)
	if v == nil {
		t.Fatal("not published")
	}
	var before weft.Metrics
	if err := json.Unmarshal([]byte(v.String()), &before); err != nil {
		t.Fatalf("%v in %s", err, v.String())
	}
	if _, err := weft.BlockOn(context.Background(), rt, weft.Spawn(rt, future.Ready(1))); err != nil {
		t.Fatal(err)
	}
	// Each read is a fresh snapshot.
	var after weft.Metrics
	if err := json.Unmarshal([]byte(v.String()), &after); err != nil {
		t.Fatal(err)
	}
	if before.SpawnedTasks != 0 || after.SpawnedTasks != 1 || after.Flavor != weft.CurrentThread ||
		len(after.PerWorker) != 1 || after.PerWorker[0].Polls != 1 {
		t.Fatalf("before %+v, after %+v", before, after)
	}
}

func TestPublishExpvarRefusesATakenName(t *testing.T) {
	taken, twice := expvarName("weft_test_taken"), expvarName("weft_test_twice")
	expvar.NewInt(taken)
	rt := newRuntime(t, weft.WithCurrentThread())
	if err := rt.PublishExpvar(taken); !errors.Is(err, weft.ErrExpvarNameTaken) {
		t.Fatalf("over an expvar.Int: %v", err)
	}
	if err := rt.PublishExpvar(twice); err != nil {
		t.Fatal(err)
	}
	if err := rt.PublishExpvar(twice); !errors.Is(err, weft.ErrExpvarNameTaken) {
		t.Fatalf("second publish: %v", err)
	}
	if err := rt.PublishExpvar(""); err == nil {
		t.Fatal("empty name accepted")
	}
}
