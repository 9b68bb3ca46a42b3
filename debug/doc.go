// Package debug serves a weft runtime's task dump and metrics over HTTP, with
// a page that shows them live, in the way net/http/pprof serves a Go
// program's profiles.
//
// [Handler] returns an http.Handler with three endpoints:
//
//   - /tasks: the runtime's task dump (weft.Runtime.Dump): JSON by default,
//     text in the style of a goroutine dump with ?format=text or an Accept
//     header that asks for text/plain. ?stacks=0 leaves out the goroutine
//     stacks of Async bodies, which cost a stop-the-world each.
//   - /metrics: the runtime's metrics (weft.Runtime.Metrics) as indented
//     JSON meant to be read: the flavor by name, durations as Go duration
//     strings ("1.25s", with the nanoseconds in a *_ns field beside them),
//     each worker's counters under per_worker, and the poll-time histogram
//     as a list of buckets ({"from", "to", "polls"}) only when it is on
//     (weft.WithPollTimeHistogram).
//   - /: an HTML page, with no external assets, that polls both every second
//     and shows the tasks in a table that can be sorted and filtered by
//     state, and each worker's queue depth and busy time over the last minute
//     as small charts.
//
// Mount it under a prefix with http.StripPrefix:
//
//	mux.Handle("/debug/weft/", http.StripPrefix("/debug/weft", debug.Handler(rt)))
//
// The endpoints expose what the program's tasks are doing, where they were
// spawned (file paths) and their stacks: serve them on a private address
// only, as with net/http/pprof. The command "weft dump URL" prints the text
// dump of a program that serves them.
package debug
