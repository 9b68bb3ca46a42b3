package weft_test

import (
	"context"
	"path/filepath"
	"runtime"
	"sync"
	"testing"

	"github.com/weftrt/weft"
	"github.com/weftrt/weft/future"
	"github.com/weftrt/weft/task"
)

// here returns the line it is called from; a spawn call written on the same
// line as here() must report that line as its spawn site.
func here() int {
	_, _, line, _ := runtime.Caller(1)
	return line
}

// siteLog records, from the task hooks, the spawn site each task reports.
type siteLog struct {
	mu    sync.Mutex
	sites map[task.ID]string
}

func (l *siteLog) record(m task.Meta) {
	file, line := m.SpawnSite()
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.sites == nil {
		l.sites = map[task.ID]string{}
	}
	l.sites[m.ID] = filepath.Base(file) + ":" + itoa(line)
}

func (l *siteLog) get(id task.ID) string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.sites[id]
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b []byte
	for ; n > 0; n /= 10 {
		b = append([]byte{byte('0' + n%10)}, b...)
	}
	return string(b)
}

// TestSpawnSitesAreTheCallersLine spawns through every entry point that
// records a spawn site and checks that each task reports the test's own
// line. The spawn site is found by walking frame pointers, which sees only
// real frames: this fails if a spawn function gets inlined or the skip
// counts are off by one.
func TestSpawnSitesAreTheCallersLine(t *testing.T) {
	flavors(t, func(t *testing.T, opts ...weft.Option) {
		var log siteLog
		rt := newRuntime(t, append(opts, weft.WithSpawnSites(true), weft.WithTaskHooks(task.Hooks{
			OnSpawn:     log.record,
			OnTerminate: log.record, // the only hook blocking tasks run
		}))...)
		want := map[task.ID]int{}
		var hs []*task.JoinHandle[int]

		jh, line := weft.Spawn(rt, future.Ready(1)), here()
		want[jh.ID()] = line
		hs = append(hs, jh)

		ah, line := weft.SpawnDetached(rt, future.Ready(1)), here()
		want[ah.ID()] = line

		jh, line = weft.SpawnInline(rt, &yielder{v: 1}), here()
		want[jh.ID()] = line
		hs = append(hs, jh)

		ah, line = weft.SpawnDetachedInline(rt, &yielder{v: 1}), here()
		want[ah.ID()] = line

		jh, line = weft.SpawnBlocking(rt, func() int { return 1 }), here()
		want[jh.ID()] = line
		hs = append(hs, jh)

		js := weft.NewJoinSet[int]()
		ah, line = weft.SpawnInto(js, rt, future.Ready(1)), here()
		want[ah.ID()] = line

		ls := weft.NewLocalSet(rt)
		jh, line = weft.SpawnLocal(ls, future.Ready(1)), here()
		want[jh.ID()] = line
		hs = append(hs, jh)
		ah, line = weft.SpawnLocalInto(js, ls, future.Ready(1)), here()
		want[ah.ID()] = line

		// From inside a task, through its Context.
		inner := make(chan task.ID, 1)
		outer := weft.Spawn(rt, fn[int](func(cx *future.Context) int {
			jh, line := weft.Spawn(cx, future.Ready(1)), here()
			want[jh.ID()] = line // read after outer is joined
			jh.Detach()
			inner <- jh.ID()
			return 1
		}))
		hs = append(hs, outer)

		if sum, err := weft.BlockOn(context.Background(), rt, &awaitAll{hs: hs}); err != nil || sum != len(hs) {
			t.Fatalf("sum %d err %v", sum, err)
		}
		<-inner
		js.Close()
		rt.Close() // every hook has run
		for id, line := range want {
			if got, w := log.get(id), "spawn_site_test.go:"+itoa(line); got != w {
				t.Errorf("task %d: spawn site %q, want %q", id, got, w)
			}
		}
	})
}
