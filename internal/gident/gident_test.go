package gident

import (
	"iter"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestCurrentIsStableAndDistinct(t *testing.T) {
	if !Supported {
		t.Skip("no goroutine identity on this architecture")
	}
	a, b := Current(), Current()
	if a == 0 || a != b {
		t.Fatalf("identity not stable: %#x %#x", a, b)
	}
	const n = 64
	ids := make([]uintptr, n)
	var stored, release, done sync.WaitGroup
	release.Add(1)
	for i := range n {
		stored.Add(1)
		done.Add(1)
		go func() {
			defer done.Done()
			ids[i] = Current()
			stored.Done()
			release.Wait() // stay alive until every goroutine has read its id
		}()
	}
	stored.Wait()
	release.Done()
	done.Wait()
	seen := map[uintptr]bool{a: true}
	for _, id := range ids {
		if seen[id] {
			t.Fatalf("identity %#x shared by two live goroutines", id)
		}
		seen[id] = true
	}
}

func TestOwnerIsRecordedUntilCleared(t *testing.T) {
	if !Supported {
		t.Skip("no goroutine identity on this architecture")
	}
	me := Current()
	if Owner(me) != 0 || Effective() != me {
		t.Fatal("a goroutine nobody recorded has an owner")
	}
	const owner = 0x1000
	if !SetOwner(me, owner) {
		t.Fatal("SetOwner found no room in an empty table")
	}
	if Owner(me) != owner || Effective() != owner {
		t.Fatalf("Owner %#x, Effective %#x, want %#x", Owner(me), Effective(), owner)
	}
	ClearOwner(me)
	if Owner(me) != 0 || Effective() != me {
		t.Fatal("ClearOwner left the owner")
	}
	if SetOwner(0, owner) || SetOwner(me, 0) {
		t.Fatal("SetOwner accepted an unknown identity")
	}
}

// When every slot near a goroutine's hash is taken, SetOwner records
// nothing and reports it; clearing the others frees the room again.
func TestOwnerTableFullRecordsNothing(t *testing.T) {
	if !Supported {
		t.Skip("no goroutine identity on this architecture")
	}
	me := Current()
	// Fake identities that hash to the same window as me.
	var taken []uintptr
	for g := uintptr(16); len(taken) < ownerWindow; g += 16 {
		if g != me && ownerHash(g)&(ownerSlots-1) == ownerHash(me)&(ownerSlots-1) {
			if !SetOwner(g, 1) {
				t.Fatal("no room for a fake identity")
			}
			taken = append(taken, g)
		}
	}
	if SetOwner(me, 2) {
		t.Fatal("SetOwner reported success in a full window")
	}
	if Owner(me) != 0 {
		t.Fatal("a goroutine without room has an owner")
	}
	for _, g := range taken {
		ClearOwner(g)
	}
	if !SetOwner(me, 2) || Owner(me) != 2 {
		t.Fatal("no room after the window was cleared")
	}
	ClearOwner(me)
}

func TestGoIDMatchesTheRuntimesStackHeader(t *testing.T) {
	if !Supported {
		if _, ok := GoID(Current()); ok {
			t.Fatal("GoID reports an ID without goroutine identities")
		}
		t.Skip("no goroutine identity on this architecture")
	}
	check := func() {
		want, ok := currentGoID()
		if !ok {
			t.Error("cannot parse the stack header")
			return
		}
		got, ok := GoID(Current())
		if !ok || got != want {
			t.Errorf("GoID = %d, %v; runtime.Stack says goroutine %d", got, ok, want)
		}
	}
	check()
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(check)
	}
	wg.Wait()
	if _, ok := GoID(0); ok {
		t.Error("GoID(0) reports an ID")
	}
}

func TestGoIDOfASuspendedCoroutine(t *testing.T) {
	if !Supported {
		t.Skip("no goroutine identity on this architecture")
	}
	var g uintptr
	var want uint64
	next, stop := iter.Pull(func(yield func(int) bool) {
		g = Current()
		want, _ = currentGoID()
		yield(1)
	})
	defer stop()
	next() // the coroutine is now suspended in yield
	got, ok := GoID(g)
	if !ok || got != want {
		t.Fatalf("GoID of the suspended coroutine = %d, %v; it is goroutine %d", got, ok, want)
	}
	buf := make([]byte, 1<<20)
	all := string(buf[:runtime.Stack(buf, true)])
	if !strings.Contains(all, "goroutine "+strconv.FormatUint(got, 10)+" [coroutine]") {
		t.Fatalf("no goroutine %d [coroutine] in the dump of all stacks", got)
	}
}

func TestRunnerIsRecordedUntilUnmarked(t *testing.T) {
	if !Supported {
		if InTask() {
			t.Fatal("InTask without goroutine identities")
		}
		t.Skip("no goroutine identity on this architecture")
	}
	me := Current()
	if IsRunner(me) || InTask() {
		t.Fatal("a goroutine nobody marked runs tasks")
	}
	MarkRunner(me)
	if !IsRunner(me) || !InTask() {
		t.Fatal("MarkRunner did not take")
	}
	// Another goroutine is not a runner because this one is.
	other := make(chan bool)
	go func() { other <- InTask() }()
	if <-other {
		t.Fatal("an unmarked goroutine reports InTask")
	}
	UnmarkRunner(me)
	if IsRunner(me) || InTask() {
		t.Fatal("UnmarkRunner left the mark")
	}
	MarkRunner(0)
	if IsRunner(0) {
		t.Fatal("identity 0 recorded")
	}
}

// An Async body acts for the goroutine that resumes it: it is in a task when
// that goroutine is a runner.
func TestInTaskFollowsTheOwner(t *testing.T) {
	if !Supported {
		t.Skip("no goroutine identity on this architecture")
	}
	me := Current()
	MarkRunner(me)
	defer UnmarkRunner(me)
	in := make(chan bool)
	release := make(chan struct{})
	go func() {
		g := Current()
		SetOwner(g, me)
		in <- InTask()
		ClearOwner(g)
		in <- InTask()
		<-release
	}()
	if !<-in {
		t.Fatal("a goroutine acting for a runner is not InTask")
	}
	if <-in {
		t.Fatal("InTask after ClearOwner")
	}
	close(release)
}

// When every slot near a goroutine's hash is taken, MarkRunner records it
// in the overflow map, which IsRunner and UnmarkRunner consult.
func TestRunnerTableFullUsesTheMap(t *testing.T) {
	if !Supported {
		t.Skip("no goroutine identity on this architecture")
	}
	me := Current()
	var taken []uintptr
	for g := uintptr(16); len(taken) < runnerWindow; g += 16 {
		if g != me && ownerHash(g)&(runnerSlots-1) == ownerHash(me)&(runnerSlots-1) {
			MarkRunner(g)
			taken = append(taken, g)
		}
	}
	MarkRunner(me)
	if runners.n.Load() != 1 || !IsRunner(me) {
		t.Fatalf("overflow entries %d, IsRunner %v; want 1 and true", runners.n.Load(), IsRunner(me))
	}
	UnmarkRunner(me)
	if runners.n.Load() != 0 || IsRunner(me) {
		t.Fatal("UnmarkRunner left the overflow entry")
	}
	for _, g := range taken {
		UnmarkRunner(g)
		if IsRunner(g) {
			t.Fatalf("fake identity %#x still marked", g)
		}
	}
}
