package weft_test

import (
	"strings"
	"testing"
	"time"

	"github.com/weftrt/weft/internal/syncbench"
)

// The workloads of Tokio's sync and time benches (issue #4) on a weft runtime
// and as goroutine twins, from internal/syncbench, the package behind
// `go run ./bench/syncbench` and bench/syncbench/compare.sh. Each workload is
// a sub-benchmark with impl=goroutine and impl=weft under it, so that
//
//	go test -run '^$' -bench 'Sync|Time|Sleepers' -benchmem -count 6 . > sync.txt
//	benchstat -col /impl sync.txt
//
// prints the two side by side. One op is one iteration of Tokio's bench (for
// example 5,000 messages); the ns/<item> metric divides by the items in it.

// benchWorkloads runs every workload whose name starts with prefix but not
// with exclude (when exclude is not empty).
func benchWorkloads(b *testing.B, prefix, exclude string) {
	found := false
	for _, w := range syncbench.Workloads() {
		if !strings.HasPrefix(w.Name, prefix) || exclude != "" && strings.HasPrefix(w.Name, exclude) {
			continue
		}
		found = true
		for _, impl := range []syncbench.Impl{syncbench.Goroutine, syncbench.Weft} {
			b.Run(strings.TrimPrefix(w.Name, prefix)+"/impl="+impl.String(), func(b *testing.B) {
				c := w.Setup(impl)
				defer c.Close()
				b.ReportAllocs()
				for b.Loop() {
					c.Op()
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(w.Items), "ns/"+w.Item)
			})
		}
	}
	if !found {
		b.Fatalf("no workload starts with %q", prefix)
	}
}

// BenchmarkSyncMPSC is Tokio's benches/sync_mpsc.rs: channel creation,
// one send and receive of a 512 B or 32 KiB value, and 5,000 values through
// a channel from 5 producer tasks (contention) or from the receiving task
// itself (uncontended).
func BenchmarkSyncMPSC(b *testing.B) { benchWorkloads(b, "mpsc_", "mpsc_oneshot_") }

// BenchmarkSyncMPSCOneshot is Tokio's benches/sync_mpsc_oneshot.rs: 1,000
// requests to a server task over an mpsc channel, each answered over a
// oneshot.
func BenchmarkSyncMPSCOneshot(b *testing.B) { benchWorkloads(b, "mpsc_oneshot_", "") }

// BenchmarkSyncNotify is Tokio's benches/sync_notify.rs: 500 wake-ups of N
// looping waiters through NotifyOne or NotifyWaiters.
func BenchmarkSyncNotify(b *testing.B) { benchWorkloads(b, "notify_", "") }

// BenchmarkSyncSemaphore is Tokio's benches/sync_semaphore.rs: six
// acquire-release pairs, in a row, in spawned tasks, or joined.
func BenchmarkSyncSemaphore(b *testing.B) { benchWorkloads(b, "semaphore_", "") }

// BenchmarkSyncRwLock is Tokio's benches/sync_rwlock.rs: six reads in a row,
// spawned or joined, and five reads behind a writer.
func BenchmarkSyncRwLock(b *testing.B) { benchWorkloads(b, "rwlock_", "") }

// BenchmarkSyncWatch is Tokio's benches/sync_watch.rs: 100 sends, each seen
// by N receiving tasks that do a little work and count down.
func BenchmarkSyncWatch(b *testing.B) { benchWorkloads(b, "watch_", "") }

// BenchmarkTimeTimeout is Tokio's benches/time_timeout.rs: 10,000 timeouts
// around a ready future, or 10,000 sleeps made and dropped.
func BenchmarkTimeTimeout(b *testing.B) { benchWorkloads(b, "time_", "") }

// BenchmarkSleepers100k is the sleepers test of bench/syncbench at 10^5
// (the command runs 10^6 in a child process): the tasks are spawned and wait
// at a gate; when it opens, each sleeps until one deadline at least 1 s
// later. It reports the time to spawn them (spawn-ns/task), to start every
// sleep after the gate opened (register-ns/task), the live heap, goroutine
// stack and RSS growth per sleeping task, and the time from the deadline
// until all had finished (fire-ns/timer). Twin: 10^5 goroutines in
// time.Sleep.
func BenchmarkSleepers100k(b *testing.B) {
	const n = 100_000
	for _, impl := range []syncbench.Impl{syncbench.Goroutine, syncbench.Weft} {
		b.Run("impl="+impl.String(), func(b *testing.B) {
			var spawn, reg, fire, heap, stack, rss float64
			for b.Loop() {
				r := syncbench.Sleepers(impl, n, time.Second)
				if r.Early != 0 {
					b.Fatalf("%d sleepers finished before all had registered", r.Early)
				}
				spawn += float64(r.Spawn.Nanoseconds()) / n
				reg += float64(r.Register.Nanoseconds()) / n
				fire += float64(r.Fire.Nanoseconds()) / n
				heap += r.HeapPerTask
				stack += r.StackPerTask
				rss += r.RSSPerTask()
			}
			k := float64(b.N)
			b.ReportMetric(spawn/k, "spawn-ns/task")
			b.ReportMetric(reg/k, "register-ns/task")
			b.ReportMetric(fire/k, "fire-ns/timer")
			b.ReportMetric(heap/k, "heap-B/task")
			b.ReportMetric(stack/k, "stack-B/task")
			b.ReportMetric(rss/k, "rss-B/task")
		})
	}
}
