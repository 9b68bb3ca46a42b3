package weft_test

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/weftrt/weft"
	"github.com/weftrt/weft/future"
	"github.com/weftrt/weft/mpsc"
)

// A dump lists the live tasks and, for the idle ones, what they wait for.
func ExampleRuntime_Dump() {
	rt, err := weft.New(weft.WithCurrentThread(), weft.WithPausedClock(), weft.WithTaskStats(true))
	if err != nil {
		panic(err)
	}
	defer rt.Close()

	tx, rx := mpsc.New[string](1)
	defer tx.Close()
	waiter := weft.Spawn(rt, future.Select2(weft.Sleep(time.Minute), rx.Recv()))
	defer waiter.Abort()
	n := weft.NewNotify()
	body := weft.Spawn(rt, weft.Async(func(a *weft.A) int {
		weft.Await(a, n.Notified())
		return 1
	}))
	defer body.Abort()
	// Let both tasks run until they wait.
	if _, err := weft.BlockOn(context.Background(), rt, weft.YieldNow()); err != nil {
		panic(err)
	}

	d, err := rt.Dump(context.Background())
	if err != nil {
		panic(err)
	}
	// d.WriteText writes all of it in the style of a goroutine dump, and
	// d.WriteJSON as JSON.
	for _, t := range d.Tasks {
		fmt.Printf("%s, %s, %d poll: %s\n", t.Scheduler, t.Status, t.Polls, t.Trace)
		if t.Trace.Stack != "" {
			// The Async body's own goroutine stack, as runtime.Stack
			// prints it.
			fmt.Println("  body stack starts with", strings.Fields(t.Trace.Stack)[0])
		}
	}
	// Output:
	// current-thread, idle, 1 poll: Select{Sleep(1m0s left), mpsc.Recv}
	// current-thread, idle, 1 poll: Async{Notify.Notified (waiting, 0 ahead)}
	//   body stack starts with goroutine
}
