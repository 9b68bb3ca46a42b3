package debug_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/weftrt/weft"
	"github.com/weftrt/weft/debug"
	"github.com/weftrt/weft/future"
	"github.com/weftrt/weft/task"
)

// fixture is a running runtime with three tasks that wait: for a Notify,
// for an hour-long Sleep, and in an Async body.
type fixture struct {
	rt     *weft.Runtime
	notify *weft.Notify
	ids    map[string]task.ID // "notify", "sleep", "async"
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	rt, err := weft.New(weft.WithWorkers(2), weft.WithSpawnSites(true))
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{rt: rt, notify: weft.NewNotify(), ids: map[string]task.ID{}}
	hs := map[string]*task.JoinHandle[int]{
		"notify": weft.Spawn(rt, future.Map(f.notify.Notified(), func(struct{}) int { return 0 })),
		"sleep":  weft.Spawn(rt, future.Map(weft.Sleep(time.Hour), func(struct{}) int { return 0 })),
		"async": weft.Spawn(rt, weft.Async(func(a *weft.A) int {
			weft.Await(a, f.notify.Notified())
			return 0
		})),
	}
	for k, h := range hs {
		f.ids[k] = h.ID()
	}
	t.Cleanup(func() {
		for _, h := range hs {
			h.Abort()
		}
		if err := rt.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	// Wait until all three are idle, so that every request sees traces.
	deadline := time.Now().Add(10 * time.Second)
	for {
		d, err := rt.Dump(context.Background(), weft.DumpStacks(false))
		if err != nil {
			t.Fatal(err)
		}
		idle := 0
		for _, td := range d.Tasks {
			if td.Status == weft.TaskIdle && td.Trace != nil && td.Trace.Label != "Async(not started)" {
				idle++
			}
		}
		if idle == len(hs) {
			return f
		}
		if time.Now().After(deadline) {
			t.Fatalf("tasks never went idle:\n%s", d)
		}
	}
}

// get serves one request on h and returns the response.
func get(t *testing.T, h http.Handler, method, target string, header map[string]string) (*http.Response, string) {
	t.Helper()
	req := httptest.NewRequest(method, target, nil)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	res := rec.Result()
	body, _ := io.ReadAll(res.Body)
	return res, string(body)
}

// jsonDump is what the tests read of /tasks.
type jsonDump struct {
	Flavor string `json:"flavor"`
	Tasks  []struct {
		ID        uint64 `json:"id"`
		Status    string `json:"status"`
		TraceLine string `json:"trace_line"`
		Trace     *struct {
			Children []struct {
				Label     string `json:"label"`
				Goroutine uint64 `json:"goroutine"`
				Stack     string `json:"stack"`
			} `json:"children"`
		} `json:"trace"`
		Spawn *struct {
			File string `json:"file"`
		} `json:"spawn"`
	} `json:"tasks"`
}

func TestTasksServesTheDumpAsJSON(t *testing.T) {
	f := newFixture(t)
	h := debug.Handler(f.rt)
	res, body := get(t, h, "GET", "/tasks", nil)
	if res.StatusCode != 200 || res.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("status %d, content type %q", res.StatusCode, res.Header.Get("Content-Type"))
	}
	if res.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("Cache-Control %q", res.Header.Get("Cache-Control"))
	}
	var d jsonDump
	if err := json.Unmarshal([]byte(body), &d); err != nil {
		t.Fatalf("invalid JSON: %v\n%s", err, body)
	}
	want := map[task.ID]string{
		f.ids["notify"]: "Map{Notify.Notified (waiting, ",
		f.ids["sleep"]:  "Map{Sleep(",
		f.ids["async"]:  "Async{Notify.Notified (waiting, ",
	}
	found := 0
	for _, td := range d.Tasks {
		prefix, ok := want[task.ID(td.ID)]
		if !ok {
			continue
		}
		found++
		if td.Status != "idle" || !strings.HasPrefix(td.TraceLine, prefix) || td.Spawn == nil || !strings.HasSuffix(td.Spawn.File, "handler_test.go") {
			t.Errorf("task %d: status %s, trace %q, spawn %+v", td.ID, td.Status, td.TraceLine, td.Spawn)
		}
		if task.ID(td.ID) == f.ids["async"] {
			if c := td.Trace; c == nil || len(c.Children) != 0 && c.Children[0].Label == "" {
				t.Errorf("async trace %+v", c)
			}
		}
	}
	if found != len(want) || d.Flavor != "multi-thread" {
		t.Fatalf("found %d of %d tasks, flavor %q:\n%s", found, len(want), d.Flavor, body)
	}
}

func TestTasksStacksCanBeLeftOut(t *testing.T) {
	f := newFixture(t)
	h := debug.Handler(f.rt)
	stackOf := func(target string) (uint64, string) {
		_, body := get(t, h, "GET", target, nil)
		var raw struct {
			Tasks []struct {
				ID    uint64 `json:"id"`
				Trace struct {
					Goroutine uint64 `json:"goroutine"`
					Stack     string `json:"stack"`
				} `json:"trace"`
			} `json:"tasks"`
		}
		if err := json.Unmarshal([]byte(body), &raw); err != nil {
			t.Fatal(err)
		}
		for _, td := range raw.Tasks {
			if task.ID(td.ID) == f.ids["async"] {
				return td.Trace.Goroutine, td.Trace.Stack
			}
		}
		t.Fatalf("no async task in %s", body)
		return 0, ""
	}
	if g, s := stackOf("/tasks"); g == 0 || !strings.Contains(s, "[coroutine]") {
		t.Errorf("default: goroutine %d, stack %q; want the body's stack", g, s)
	}
	if g, s := stackOf("/tasks?stacks=0"); g == 0 || s != "" {
		t.Errorf("stacks=0: goroutine %d, stack %q; want the ID only", g, s)
	}
}

func TestTasksServesTextWhenAsked(t *testing.T) {
	f := newFixture(t)
	h := debug.Handler(f.rt)
	for _, c := range []struct {
		target, accept string
		text           bool
	}{
		{"/tasks?format=text", "", true},
		{"/tasks?format=json", "text/plain", false},
		{"/tasks", "text/plain", true},
		{"/tasks", "text/plain, application/json", true},
		{"/tasks", "application/json, text/plain", false},
		{"/tasks", "*/*", false},
	} {
		res, body := get(t, h, "GET", c.target, map[string]string{"Accept": c.accept})
		ct := res.Header.Get("Content-Type")
		if c.text {
			if ct != "text/plain; charset=utf-8" || !strings.HasPrefix(body, "weft task dump: ") ||
				!strings.Contains(body, "\ntask "+f.ids["sleep"].String()+" [idle") {
				t.Errorf("%s (Accept %q): %q\n%s", c.target, c.accept, ct, body)
			}
		} else if ct != "application/json" || !json.Valid([]byte(body)) {
			t.Errorf("%s (Accept %q): %q, valid JSON %v", c.target, c.accept, ct, json.Valid([]byte(body)))
		}
	}
	if res, _ := get(t, h, "GET", "/tasks?format=xml", nil); res.StatusCode != http.StatusBadRequest {
		t.Errorf("format=xml: status %d, want 400", res.StatusCode)
	}
}

// metricsDoc is what a reader of /metrics sees (the fields the tests check).
type metricsDoc struct {
	Flavor      string `json:"flavor"`
	Workers     int    `json:"workers"`
	Uptime      string `json:"uptime"`
	UptimeNs    int64  `json:"uptime_ns"`
	AliveTasks  int    `json:"alive_tasks"`
	Spawned     uint64 `json:"spawned_tasks"`
	Polls       uint64 `json:"polls"`
	PollBuckets []struct {
		From  string `json:"from"`
		To    string `json:"to"`
		Polls uint64 `json:"polls"`
	} `json:"poll_time_histogram"`
	PerWorker []struct {
		Polls        uint64 `json:"polls"`
		Busy         string `json:"busy"`
		BusyNs       int64  `json:"busy_ns"`
		MeanPollTime string `json:"mean_poll_time"`
	} `json:"per_worker"`
}

func getMetrics(t *testing.T, rt *weft.Runtime) (metricsDoc, string) {
	t.Helper()
	res, body := get(t, debug.Handler(rt), "GET", "/metrics", nil)
	if res.StatusCode != 200 || res.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("status %d, content type %q", res.StatusCode, res.Header.Get("Content-Type"))
	}
	var m metricsDoc
	if err := json.Unmarshal([]byte(body), &m); err != nil {
		t.Fatalf("invalid JSON: %v\n%s", err, body)
	}
	return m, body
}

// TestMetricsSpeakToPeople checks /metrics as a person reads it: the flavor
// by name, durations that parse as Go durations and agree with their _ns
// twins, per-worker counters, and no null for the histogram that is off.
func TestMetricsSpeakToPeople(t *testing.T) {
	f := newFixture(t)
	m, body := getMetrics(t, f.rt)
	if m.Flavor != "multi-thread" || m.Workers != 2 || len(m.PerWorker) != 2 || m.AliveTasks < 3 || m.Spawned < 3 {
		t.Fatalf("metrics %+v\n%s", m, body)
	}
	// Uptime is rounded to the millisecond: a fixture younger than 0.5 ms
	// shows "0s".
	if d, err := time.ParseDuration(m.Uptime); err != nil || m.UptimeNs <= 0 || (d-time.Duration(m.UptimeNs)).Abs() > time.Millisecond/2 {
		t.Errorf("uptime %q against uptime_ns %d", m.Uptime, m.UptimeNs)
	}
	var polls uint64
	for i, w := range m.PerWorker {
		if d, err := time.ParseDuration(w.Busy); err != nil || d != time.Duration(w.BusyNs) {
			t.Errorf("worker %d: busy %q against busy_ns %d", i, w.Busy, w.BusyNs)
		}
		if _, err := time.ParseDuration(w.MeanPollTime); err != nil {
			t.Errorf("worker %d: mean_poll_time %q", i, w.MeanPollTime)
		}
		polls += w.Polls
	}
	if polls != m.Polls {
		t.Errorf("polls %d, per-worker sum %d", m.Polls, polls)
	}
	if strings.Contains(body, "null") || m.PollBuckets != nil {
		t.Errorf("a histogram that is off shows up:\n%s", body)
	}
}

// TestMetricsShowThePollTimeHistogramAsBuckets turns the histogram on: its
// buckets come with duration bounds, the last one open-ended, and their
// counts add up to the polls.
func TestMetricsShowThePollTimeHistogramAsBuckets(t *testing.T) {
	rt, err := weft.New(weft.WithWorkers(1), weft.WithPollTimeHistogram(weft.HistogramConfig{}))
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close()
	for range 10 {
		if _, err := weft.BlockOn(context.Background(), rt, weft.Spawn(rt, future.Ready(1))); err != nil {
			t.Fatal(err)
		}
	}
	// Counters are published at maintenance points and parks: wait for
	// the ten polls to show.
	var m metricsDoc
	var body string
	for deadline := time.Now().Add(10 * time.Second); ; {
		if m, body = getMetrics(t, rt); m.Polls >= 10 || time.Now().After(deadline) {
			break
		}
		runtime.Gosched()
	}
	if len(m.PollBuckets) < 2 {
		t.Fatalf("poll_time_histogram has %d buckets:\n%s", len(m.PollBuckets), body)
	}
	var sum uint64
	for i, b := range m.PollBuckets {
		if _, err := time.ParseDuration(b.From); err != nil {
			t.Errorf("bucket %d: from %q", i, b.From)
		}
		last := i == len(m.PollBuckets)-1
		if _, err := time.ParseDuration(b.To); (err != nil) != last {
			t.Errorf("bucket %d of %d: to %q", i, len(m.PollBuckets), b.To)
		}
		sum += b.Polls
	}
	if sum != m.Polls || m.Polls < 10 {
		t.Errorf("buckets sum to %d, polls %d (want at least 10):\n%s", sum, m.Polls, body)
	}
}

func TestPageIsServedAtTheRoot(t *testing.T) {
	f := newFixture(t)
	h := debug.Handler(f.rt)
	for _, target := range []string{"/", ""} {
		req := httptest.NewRequest("GET", "/", nil)
		req.URL.Path = target // what StripPrefix leaves for the prefix itself
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		body := rec.Body.String()
		if rec.Code != 200 || rec.Header().Get("Content-Type") != "text/html; charset=utf-8" ||
			!strings.Contains(body, "<title>weft runtime</title>") || !strings.Contains(body, `fetch(base + "tasks?stacks=0")`) {
			t.Errorf("path %q: status %d, content type %q", target, rec.Code, rec.Header().Get("Content-Type"))
		}
		for _, external := range []string{"http://", "https://", "//cdn"} {
			if strings.Contains(strings.ReplaceAll(body, "http://www.w3.org/2000/svg", ""), external) {
				t.Errorf("the page refers to an external asset (%q)", external)
			}
		}
	}
}

func TestUnknownPathsAndMethods(t *testing.T) {
	f := newFixture(t)
	h := debug.Handler(f.rt)
	if res, _ := get(t, h, "GET", "/tasks/1", nil); res.StatusCode != 404 {
		t.Errorf("/tasks/1: %d, want 404", res.StatusCode)
	}
	if res, _ := get(t, h, "GET", "/pprof", nil); res.StatusCode != 404 {
		t.Errorf("/pprof: %d, want 404", res.StatusCode)
	}
	res, _ := get(t, h, "POST", "/tasks", nil)
	if res.StatusCode != http.StatusMethodNotAllowed || res.Header.Get("Allow") != "GET, HEAD" {
		t.Errorf("POST: %d, Allow %q", res.StatusCode, res.Header.Get("Allow"))
	}
	res, body := get(t, h, "HEAD", "/metrics", nil)
	if res.StatusCode != 200 || body != "" {
		t.Errorf("HEAD: %d with %d bytes of body", res.StatusCode, len(body))
	}
}

func TestTasksWithAGoneClientIsUnavailable(t *testing.T) {
	f := newFixture(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	req := httptest.NewRequestWithContext(ctx, "GET", "/tasks", nil)
	rec := httptest.NewRecorder()
	debug.Handler(f.rt).ServeHTTP(rec, req)
	if rec.Code != http.StatusServiceUnavailable {
		t.Fatalf("status %d, want 503", rec.Code)
	}
}

func TestHandlerMountedUnderAPrefix(t *testing.T) {
	f := newFixture(t)
	mux := http.NewServeMux()
	mux.Handle("/debug/weft/", http.StripPrefix("/debug/weft", debug.Handler(f.rt)))
	srv := httptest.NewServer(mux)
	defer srv.Close()
	client := srv.Client()
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	for path, want := range map[string]int{
		"/debug/weft/":        200,
		"/debug/weft/tasks":   200,
		"/debug/weft/metrics": 200,
		"/debug/weft":         http.StatusTemporaryRedirect, // the mux adds the slash
		"/debug/weft/nope":    404,
		"/tasks":              404,
	} {
		res, err := client.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != want {
			t.Errorf("%s: %d, want %d", path, res.StatusCode, want)
		}
		if want == http.StatusTemporaryRedirect && res.Header.Get("Location") != "/debug/weft/" {
			t.Errorf("%s redirects to %q", path, res.Header.Get("Location"))
		}
	}
}

func TestHandlerOfNilPanics(t *testing.T) {
	defer func() {
		if r := recover(); r == nil || !strings.HasPrefix(r.(string), "debug: ") {
			t.Fatalf("panic %v", r)
		}
	}()
	debug.Handler(nil)
}
