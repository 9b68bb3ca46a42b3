package main

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/weftrt/weft"
	"github.com/weftrt/weft/debug"
)

// serveDebugPage serves rt's live page (package debug: the page at /, the
// task dump at /tasks, the metrics at /metrics) at addr until stop is
// called, and returns its URL (with the port the system chose when addr ends
// in ":0"). stop closes the listener and every connection and returns once
// the server's goroutine has exited.
func serveDebugPage(rt *weft.Runtime, addr string) (url string, stop func(), err error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", nil, err
	}
	mux := debug.Handler(rt)
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
