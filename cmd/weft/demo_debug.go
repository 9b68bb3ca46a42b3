package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/weftrt/weft"
)

// serveDebugPage serves rt's live page at addr until stop is called, and
// returns its URL (with the port the system chose when addr ends in ":0").
// For now it serves rt.Metrics() as JSON at /metrics and a placeholder at /;
// the debug package's handler (debug.Handler(rt)) takes its place when it is
// merged. stop closes the listener and every connection and returns once
// the server's goroutine has exited.
func serveDebugPage(rt *weft.Runtime, addr string) (url string, stop func(), err error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", nil, err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /metrics", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		_ = enc.Encode(rt.Metrics())
	})
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintln(w, "weft demo: the live page arrives with the debug package; runtime metrics are at /metrics")
	})
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			fmt.Fprintln(os.Stderr, "weft demo: live page:", err)
		}
	}()
	stop = func() {
		_ = srv.Close()
		<-done
	}
	return "http://" + ln.Addr().String() + "/", stop, nil
}
