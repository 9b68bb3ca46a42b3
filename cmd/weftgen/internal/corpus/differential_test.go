package corpus

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/weftrt/weft"
	"github.com/weftrt/weft/future"
	"github.com/weftrt/weft/internal/mocktask"
	"github.com/weftrt/weft/simtest"
	"github.com/weftrt/weft/task"
)

// A diffCase is one corpus function with its inputs: run builds the
// future either way (Async body or generated state machine) around a
// fresh Env.
type diffCase struct {
	name string
	vals []int
	run  func(env *Env, generated bool) future.Future[string]
}

// both makes a case from the Async body and the generated constructor.
func both[T any](name string, vals []int, body func(a *weft.A, env *Env) T, gen func(env *Env) future.Future[T]) diffCase {
	return diffCase{name: name, vals: vals, run: func(env *Env, generated bool) future.Future[string] {
		var f future.Future[T]
		if generated {
			f = gen(env)
		} else {
			f = weft.Async(func(a *weft.A) T { return body(a, env) })
		}
		return future.Map(f, func(v T) string { return fmt.Sprint(v) })
	}}
}

func ready(v int) future.Future[int] { return future.Ready(v) }

// cases is the corpus with its inputs. Each function appears with inputs
// that take each of its paths.
func cases() []diffCase {
	var cs []diffCase
	for _, vals := range [][]int{{1, 2, 3}, {4, -1, 5}, {}} {
		cs = append(cs, both("Sum", vals,
			func(a *weft.A, e *Env) int { return Sum(a, e, 3) },
			func(e *Env) future.Future[int] { return SumFuture(e, 3) }))
	}
	for _, x := range []int{1, -1} {
		for _, vals := range [][]int{{2}, {7, 9}, {3}} {
			x := x
			cs = append(cs, both(fmt.Sprint("Branches/", x), vals,
				func(a *weft.A, e *Env) string { return Branches(a, e, x) },
				func(e *Env) future.Future[string] { return BranchesFuture(e, x) }))
		}
	}
	for _, n := range []int{0, 1, 3} {
		n := n
		cs = append(cs, both(fmt.Sprint("Defers/", n), []int{5, 6, 7},
			func(a *weft.A, e *Env) int { return Defers(a, e, n) },
			func(e *Env) future.Future[int] { return DefersFuture(e, n) }))
	}
	for _, rec := range []bool{false, true} {
		for _, vals := range [][]int{{0}, {3}} {
			rec := rec
			cs = append(cs, both(fmt.Sprint("PanicMiddle/", rec), vals,
				func(a *weft.A, e *Env) string { return PanicMiddle(a, e, rec) },
				func(e *Env) future.Future[string] { return PanicMiddleFuture(e, rec) }))
		}
	}
	cs = append(cs,
		both("Closures", []int{1, 2, 3, 4},
			func(a *weft.A, e *Env) int { return Closures(a, e, 3) },
			func(e *Env) future.Future[int] { return ClosuresFuture(e, 3) }),
		both("Pointers", nil,
			func(a *weft.A, e *Env) int { return Pointers(a, e) },
			func(e *Env) future.Future[int] { return PointersFuture(e) }),
		both("Switches", []int{1, 12, 6, 0, 3, 4},
			func(a *weft.A, e *Env) string { return Switches(a, e, []any{1, "x", "skip", 2.5, 3, -1, 4}) },
			func(e *Env) future.Future[string] { return SwitchesFuture(e, []any{1, "x", "skip", 2.5, 3, -1, 4}) }),
		both("Gotos", []int{2, 2, 3},
			func(a *weft.A, e *Env) int { return Gotos(a, e, 5) },
			func(e *Env) future.Future[int] { return GotosFuture(e, 5) }),
		both("Ranges", []int{1, 2, 3, 4, 5, 6, 7, 8, 9},
			func(a *weft.A, e *Env) string { return Ranges(a, e, []int{10, 20}, "hé!") },
			func(e *Env) future.Future[string] { return RangesFuture(e, []int{10, 20}, "hé!") }),
		both("Shadow", []int{4, 5},
			func(a *weft.A, e *Env) int { return Shadow(a, e) },
			func(e *Env) future.Future[int] { return ShadowFuture(e) }),
		both("Contexts", nil,
			func(a *weft.A, e *Env) uint64 { return Contexts(a, e) },
			func(e *Env) future.Future[uint64] { return ContextsFuture(e) }),
		both("Either/first", []int{3},
			func(a *weft.A, e *Env) int { return Either(a, e, future.Pending[int](), ready(1)) },
			func(e *Env) future.Future[int] { return EitherFuture(e, future.Pending[int](), ready(1)) }),
		both("Either/second", []int{3},
			func(a *weft.A, e *Env) int { return Either(a, e, ready(5), ready(1)) },
			func(e *Env) future.Future[int] { return EitherFuture(e, ready(5), ready(1)) }),
	)
	callAll := func(fs []func() int) string {
		var out []int
		for _, f := range fs {
			out = append(out, f())
		}
		return fmt.Sprint(out)
	}
	cs = append(cs,
		both("Outlives", []int{7, 9},
			func(a *weft.A, e *Env) string { return callAll(Outlives(a, e, 3)) },
			func(e *Env) future.Future[string] { return future.Map(OutlivesFuture(e, 3), callAll) }),
		both("Nested", []int{1, 2, 3, 4, 5, 6, 7, 8, 9},
			func(a *weft.A, e *Env) int { return Nested(a, e, &Counter{n: 1}) },
			func(e *Env) future.Future[int] { return NestedFuture(e, &Counter{n: 1}) }),
		both("Again", []int{1, 2, 3},
			func(a *weft.A, e *Env) int { return Again(a, e) },
			func(e *Env) future.Future[int] { return AgainFuture(e) }),
		both("RunsOn", []int{1, 2, 3},
			func(a *weft.A, e *Env) int { return RunsOn(a, e) },
			func(e *Env) future.Future[int] { return RunsOnFuture(e) }),
		both("DeferLoop", []int{4, 5, 6},
			func(a *weft.A, e *Env) struct{} { DeferLoop(a, e); return struct{}{} },
			func(e *Env) future.Future[struct{}] { return DeferLoopFuture(e) }),
	)
	for _, vals := range [][]int{{1, 2, 3, 4, 5, 6, 7, 8}, {1, 2, 3, 13}, {-1, 0, 0, 0, 0, 0}} {
		cs = append(cs, both("Caller", vals,
			func(a *weft.A, e *Env) future.Result[int] {
				v, err := Caller(a, e, 3)
				return future.Result[int]{Value: v, Err: err}
			},
			func(e *Env) future.Future[future.Result[int]] { return CallerFuture(e, 3) }))
	}
	return cs
}

// outcome is everything observable of one run.
type outcome struct {
	Out   string
	Panic string
	Logs  []string
	Polls int
}

// drive polls f by hand until it is ready, at most limit polls (-1: no
// limit), then drops it; panics of Poll and Drop are recorded.
func drive(f future.Future[string], env *Env, limit int) (o outcome) {
	t := mocktask.Spawn(f)
	defer func() {
		if r := recover(); r != nil {
			// A task's harness drops a future whose Poll panicked.
			func() {
				defer func() { _ = recover() }()
				t.Drop()
			}()
			// An Async body polled with a task id carries its stack to
			// the task harness, which unwraps it; do the same.
			if sp, ok := r.(*task.StackedPanic); ok {
				r = sp.Value
			}
			o.Panic = fmt.Sprint(r)
		}
		o.Logs = env.Logs
	}()
	for limit < 0 || o.Polls < limit {
		o.Polls++
		if v, ok := t.Poll(); ok {
			o.Out = v
			return o
		}
	}
	t.Drop()
	return o
}

// TestDifferentialByHand runs each case both ways, polled by hand: to the
// end, and dropped after each number of polls (an abort at every await
// point). Outputs, panics, the order of side effects and the deferred
// calls that ran must match.
func TestDifferentialByHand(t *testing.T) {
	for _, c := range cases() {
		t.Run(c.name, func(t *testing.T) {
			full := func(gen bool) outcome {
				env := &Env{Vals: c.vals}
				return drive(c.run(env, gen), env, -1)
			}
			want, got := full(false), full(true)
			if !reflect.DeepEqual(want, got) {
				t.Fatalf("full run differs:\nAsync:     %+v\ngenerated: %+v", want, got)
			}
			for k := 0; k < want.Polls; k++ {
				run := func(gen bool) outcome {
					env := &Env{Vals: c.vals}
					return drive(c.run(env, gen), env, k)
				}
				w, g := run(false), run(true)
				if !reflect.DeepEqual(w, g) {
					t.Fatalf("dropped after %d polls:\nAsync:     %+v\ngenerated: %+v", k, w, g)
				}
			}
		})
	}
}

// runOn spawns the case on rt and joins it.
func runOn(rt *weft.Runtime, c diffCase, gen bool) outcome {
	env := &Env{Vals: c.vals}
	h := weft.Spawn(rt, c.run(env, gen))
	return joined(rt, h, env)
}

// joined waits for h by driving rt (BlockOn), and returns its outcome.
func joined[T any](rt *weft.Runtime, h *task.JoinHandle[T], env *Env) outcome {
	r, err := weft.BlockOn(context.Background(), rt, h)
	if err == nil {
		err = r.Err
	}
	o := outcome{Out: fmt.Sprint(r.Value), Logs: env.Logs}
	if err != nil {
		o.Panic = panicText(err)
	}
	return o
}

// panicText describes how a task failed, without its id: the panic value,
// or that it was cancelled.
func panicText(err error) string {
	var je *task.JoinError
	switch {
	case errors.As(err, &je) && je.IsPanic():
		return fmt.Sprint("panic: ", je.PanicValue())
	case errors.As(err, &je):
		return "cancelled"
	}
	return err.Error()
}

// TestDifferentialOnRuntimes runs each case as a task both ways on a
// current-thread and a multi-thread runtime.
func TestDifferentialOnRuntimes(t *testing.T) {
	for _, flavour := range []struct {
		name string
		opts []weft.Option
	}{
		{"current-thread", []weft.Option{weft.WithCurrentThread()}},
		{"multi-thread", []weft.Option{weft.WithWorkers(2)}},
	} {
		t.Run(flavour.name, func(t *testing.T) {
			rt, err := weft.New(flavour.opts...)
			if err != nil {
				t.Fatal(err)
			}
			defer rt.Close()
			for _, c := range cases() {
				want, got := runOn(rt, c, false), runOn(rt, c, true)
				if !reflect.DeepEqual(want, got) {
					t.Errorf("%s differs:\nAsync:     %+v\ngenerated: %+v", c.name, want, got)
				}
			}
		})
	}
}

// TestDifferentialSimulated runs both forms of each case side by side as
// tasks of one simulated runtime, over many seeds: the seeded scheduler
// interleaves them differently at each seed, and each must still give its
// own outputs and side effects in the same order.
func TestDifferentialSimulated(t *testing.T) {
	simtest.Run(t, func(rt *weft.Runtime) error {
		for _, c := range cases() {
			envA, envG := &Env{Vals: c.vals}, &Env{Vals: c.vals}
			ha := weft.Spawn(rt, c.run(envA, false))
			hg := weft.Spawn(rt, c.run(envG, true))
			og := joined(rt, hg, envG)
			oa := joined(rt, ha, envA)
			if !reflect.DeepEqual(oa, og) {
				return fmt.Errorf("%s differs:\nAsync:     %+v\ngenerated: %+v", c.name, oa, og)
			}
		}
		return nil
	}, simtest.Seeds(20))
}

// TestDifferentialChannelEvents feeds the same channel sends to Drain both
// ways, on a simulated runtime whose producer task sleeps on the paused
// clock between sends, and aborts a second pair while they wait: the
// deferred call must log the same total.
func TestDifferentialChannelEvents(t *testing.T) {
	simtest.Run(t, func(rt *weft.Runtime) error {
		run := func(gen bool, vals []int, abort bool) (outcome, error) {
			tx, rx := mpscNew(4)
			env := &Env{}
			var f future.Future[int]
			if gen {
				f = DrainFuture(env, rx)
			} else {
				f = weft.Async(func(a *weft.A) int { return Drain(a, env, rx) })
			}
			h := weft.Spawn(rt, f)
			prod := weft.Spawn(rt, weft.Async(func(a *weft.A) struct{} {
				for _, v := range vals {
					weft.Await(a, weft.Sleep(time.Millisecond))
					weft.Await(a, tx.Send(v))
				}
				if abort {
					weft.Await(a, weft.Sleep(time.Millisecond))
					h.Abort()
				} else {
					tx.Close()
				}
				return struct{}{}
			}))
			if r, err := weft.BlockOn(context.Background(), rt, prod); err != nil || r.Err != nil {
				return outcome{}, fmt.Errorf("producer: %v %v", err, r.Err)
			}
			return joined(rt, h, env), nil
		}
		for _, sc := range []struct {
			vals  []int
			abort bool
		}{{[]int{1, 2, 3}, false}, {[]int{4, 5}, true}, {[]int{6, 99, 7}, false}} {
			want, err := run(false, sc.vals, sc.abort)
			if err != nil {
				return err
			}
			got, err := run(true, sc.vals, sc.abort)
			if err != nil {
				return err
			}
			if !reflect.DeepEqual(want, got) {
				return fmt.Errorf("Drain %v abort=%v differs:\nAsync:     %+v\ngenerated: %+v", sc.vals, sc.abort, want, got)
			}
		}
		return nil
	}, simtest.Seeds(20))
}
