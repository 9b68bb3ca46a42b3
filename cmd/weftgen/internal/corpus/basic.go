package corpus

import (
	"errors"
	"fmt"

	"github.com/weftrt/weft"
	"github.com/weftrt/weft/future"
	"github.com/weftrt/weft/mpsc"
)

// Sum awaits n values in a loop; a negative one returns early.
//
//weft:async
func Sum(a *weft.A, env *Env, n int) (total int) {
	defer env.Log("sum: defer")
	for i := 0; i < n; i++ {
		v := weft.Await(a, env.Next())
		if v < 0 {
			return -1
		}
		total += v
		env.Log(fmt.Sprint("sum: got ", v))
	}
	return total
}

// Branches awaits in nested branches and returns early from one.
//
//weft:async
func Branches(a *weft.A, env *Env, x int) string {
	s := "start"
	if x > 0 {
		v := weft.Await(a, env.Next())
		if v%2 == 0 {
			s += "-even"
		} else if v > 5 {
			w := weft.Await(a, env.Next())
			s += fmt.Sprint("-big", w)
		} else {
			return "early"
		}
	} else {
		s += "-neg"
	}
	env.Log(s)
	return s
}

// Defers registers deferred calls in a loop, with arguments evaluated at
// the defer statement, and one that changes the named result.
//
//weft:async
func Defers(a *weft.A, env *Env, n int) (out int) {
	defer func() {
		env.Log(fmt.Sprint("defer out=", out))
		out *= 10
	}()
	for i := range n {
		defer env.Log(fmt.Sprint("defer i=", i))
		out += weft.Await(a, env.Next())
	}
	return out + 1
}

// PanicMiddle panics after an await when the value is positive; a deferred
// call recovers when asked to.
//
//weft:async
func PanicMiddle(a *weft.A, env *Env, recoverIt bool) (res string) {
	defer env.Log("outer defer")
	if recoverIt {
		defer func() {
			if r := recover(); r != nil {
				env.Log(fmt.Sprint("recovered: ", r))
				res = "recovered"
			}
		}()
	}
	defer env.Recoverer("named")
	v := weft.Await(a, env.Next())
	if v > 0 {
		panic(fmt.Sprint("boom ", v))
	}
	return "no panic"
}

// Closures captures loop variables and variables live across awaits.
//
//weft:async
func Closures(a *weft.A, env *Env, n int) int {
	var fs []func() int
	total := 0
	add := func(d int) { total += d }
	for i := 0; i < n; i++ {
		x := weft.Await(a, env.Next())
		fs = append(fs, func() int { return i*100 + x })
		add(x)
	}
	weft.Await(a, env.Next())
	sum := 0
	for _, f := range fs {
		sum += f()
	}
	env.Log(fmt.Sprint("total ", total))
	return sum + total
}

// Pointers takes the address of a variable declared in a loop with an
// await.
//
//weft:async
func Pointers(a *weft.A, env *Env) int {
	var ps []*int
	for i := 0; i < 3; i++ {
		x := i
		ps = append(ps, &x)
		weft.Await(a, env.Next())
		x += 10
	}
	s := 0
	for _, p := range ps {
		s += *p
	}
	return s
}

// Switches awaits inside a type switch and an expression switch, with a
// labelled break and continue and a fallthrough.
//
//weft:async
func Switches(a *weft.A, env *Env, vals []any) string {
	out := ""
outer:
	for i, v := range vals {
		switch x := v.(type) {
		case int:
			if x < 0 {
				break outer
			}
			y := weft.Await(a, env.Next())
			out += fmt.Sprint("i", x+y)
		case string:
			if x == "skip" {
				continue outer
			}
			out += "s" + x
		default:
			out += "?"
		}
		switch n := weft.Await(a, env.Next()); {
		case n > 10:
			out += "big"
			fallthrough
		case n > 5:
			out += "mid"
		default:
			out += fmt.Sprint(i)
		}
	}
	return out
}

// Gotos loops with goto.
//
//weft:async
func Gotos(a *weft.A, env *Env, n int) int {
	i := 0
loop:
	if i >= n {
		goto done
	}
	i += weft.Await(a, env.Next())
	goto loop
done:
	return i
}

// Caller calls other marked functions: they run inline as child frames.
//
//weft:async
func Caller(a *weft.A, env *Env, n int) (int, error) {
	s := Sum(a, env, n)
	v, err := Checked(a, env, s)
	if err != nil {
		return 0, err
	}
	return v + Fib(a, env, 3), nil
}

// Checked returns an error for an unlucky value.
//
//weft:async
func Checked(a *weft.A, env *Env, x int) (int, error) {
	defer env.Log("checked done")
	v := weft.Await(a, env.Next())
	if v == 13 {
		return 0, errors.New("unlucky")
	}
	return x + v, nil
}

// Fib calls itself (its child frames are held by pointer), two awaits in
// one expression.
//
//weft:async
func Fib(a *weft.A, env *Env, n int) int {
	if n < 2 {
		return weft.Await(a, env.Next())
	}
	return Fib(a, env, n-1) + Fib(a, env, n-2)
}

// Ranges awaits in range loops over a slice, a string and an int.
//
//weft:async
func Ranges(a *weft.A, env *Env, s []int, str string) string {
	out := ""
	for i, v := range s {
		out += fmt.Sprint(i, v, weft.Await(a, env.Next()), ";")
	}
	for i, r := range str {
		x := weft.Await(a, env.Next())
		out += fmt.Sprintf("%d%c%d", i, r, x)
	}
	for i := range 3 {
		out += fmt.Sprint(i + weft.Await(a, env.Next()))
	}
	return out
}

// Shadow declares shadowing variables on both sides of awaits.
//
//weft:async
func Shadow(a *weft.A, env *Env) int {
	x := 1
	{
		x := weft.Await(a, env.Next())
		x++
		env.Log(fmt.Sprint("inner ", x))
	}
	if x := x * 10; x > 5 {
		y := weft.Await(a, env.Next())
		return x + y
	}
	return x
}

// Contexts reads the task's Context through a.
//
//weft:async
func Contexts(a *weft.A, env *Env) uint64 {
	id := a.Context().TaskID()
	weft.Await(a, env.Next())
	return id - a.Context().TaskID()
}

// Drain sums what a channel delivers until it is closed; a value of 99
// panics, and a deferred call logs the total either way.
//
//weft:async
func Drain(a *weft.A, env *Env, rx *mpsc.Receiver[int]) int {
	total := 0
	defer func() { env.Log(fmt.Sprint("drain defer ", total)) }()
	for {
		r := weft.Await(a, rx.Recv())
		if r.Err != nil {
			return total
		}
		if r.Value == 99 {
			panic("drain: 99")
		}
		total += r.Value
		env.Log(fmt.Sprint("drain got ", r.Value))
	}
}

// Either awaits a combinator and a marked function whose future is an
// interface value.
//
//weft:async
func Either(a *weft.A, env *Env, f, g future.Future[int]) int {
	e := weft.Await(a, future.Select2[int, int](env.Next(), f))
	if e.Which == 0 {
		env.Log("either: first")
		return e.A
	}
	return weft.Await(a, g) + e.B
}

// Outlives returns closures that capture a parameter, the named result
// and loop variables, called after the function has returned.
//
//weft:async
func Outlives(a *weft.A, env *Env, n int) (fs []func() int) {
	base := n * 100
	for i := range 2 {
		v := weft.Await(a, env.Next())
		fs = append(fs, func() int { return base + n + i + v + len(fs) })
	}
	return fs
}

// DeferLoop defers closures that capture per-iteration variables, and
// aborts report which ran.
//
//weft:async
func DeferLoop(a *weft.A, env *Env) {
	for i := 0; i < 3; i++ {
		x := weft.Await(a, env.Next())
		defer func() { env.Log(fmt.Sprint("deferred ", i, x)) }()
	}
}

// Counter has a marked method.
type Counter struct{ n int }

// Add is a marked method: the receiver is kept like a parameter, and a
// variadic list is summed across awaits.
//
//weft:async
func (c *Counter) Add(a *weft.A, env *Env, extra ...int) int {
	for _, e := range extra {
		c.n += e + weft.Await(a, env.Next())
	}
	return c.n
}

// Nested calls a marked method and a result-less marked function, and
// continues an outer flattened loop from inside an inner loop kept whole.
//
//weft:async
func Nested(a *weft.A, env *Env, c *Counter) int {
	total := 0
outer:
	for i := 0; i < 3; i++ {
		for j := 0; j < 3; j++ {
			if j == i {
				continue outer
			}
			total += j
		}
		total += c.Add(a, env, i, 1)
		Note(a, env, total)
	}
	return total
}

// Note logs after an await and returns nothing.
//
//weft:async
func Note(a *weft.A, env *Env, v int) {
	w := weft.Await(a, env.Next())
	env.Log(fmt.Sprint("note ", v, " ", w))
}

// Again goes back with goto over a declaration a closure captures: each
// pass declares a new variable.
//
//weft:async
func Again(a *weft.A, env *Env) int {
	var fs []func() int
	n := 0
again:
	v := weft.Await(a, env.Next())
	fs = append(fs, func() int { return v })
	n++
	if n < 3 {
		goto again
	}
	s := 0
	for _, f := range fs {
		s = s*10 + f()
	}
	return s
}

// Guarded recovers every panic, the unwinding of an abort included, and
// then returns normally.
//
//weft:async
func Guarded(a *weft.A, env *Env) (r int) {
	defer func() {
		if x := recover(); x != nil {
			env.Log(fmt.Sprint("guarded recovered: ", x))
			r = -7
		}
	}()
	return weft.Await(a, env.Next()) + weft.Await(a, env.Next())
}

// RunsOn calls Guarded: dropped while Guarded waits, Guarded recovers and
// returns, and RunsOn runs on (as an Async body does) until its next
// await, which unwinds it at once.
//
//weft:async
func RunsOn(a *weft.A, env *Env) int {
	defer env.Log("runs-on defer")
	g := Guarded(a, env)
	env.Log(fmt.Sprint("after guarded ", g))
	h := weft.Await(a, env.Next())
	env.Log("after the last await")
	return g + h
}
