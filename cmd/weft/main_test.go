package main

import (
	"testing"

	"go.uber.org/goleak"
)

// signalLoop is the goroutine os/signal starts, for the life of the process,
// at the first signal.Notify (runDemoIO listens for Ctrl-C): not a leak.
var signalLoop = goleak.IgnoreTopFunction("os/signal.signal_recv")

func TestMain(m *testing.M) { goleak.VerifyTestMain(m, signalLoop) }
