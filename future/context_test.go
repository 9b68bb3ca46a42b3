package future_test

import (
	"math"
	"testing"

	"github.com/weftrt/weft/future"
	"github.com/weftrt/weft/internal/futurecx"
)

func TestContextAccessors(t *testing.T) {
	c := &countWaker{}
	cx := future.NewContext(future.NewWaker(c))
	if !cx.Waker().WillWake(future.NewWaker(c)) || cx.TaskID() != 0 || cx.Executor() != nil {
		t.Fatal("NewContext: want the given waker, task id 0, nil executor")
	}
	other := &countWaker{}
	futurecx.SetWaker(cx, future.NewWaker(other))
	futurecx.SetTaskID(cx, 7)
	futurecx.SetExecutor(cx, "exec")
	if !cx.Waker().WillWake(future.NewWaker(other)) || cx.TaskID() != 7 || cx.Executor() != "exec" {
		t.Fatal("Set methods did not take effect")
	}
}

func TestContextBudgetUnconstrainedByDefault(t *testing.T) {
	c := &countWaker{}
	cx := future.NewContext(future.NewWaker(c))
	if _, constrained := cx.Budget(); constrained {
		t.Fatal("NewContext must start unconstrained")
	}
	for range 10 * future.DefaultBudget {
		if !cx.ConsumeBudget() {
			t.Fatal("ConsumeBudget returned false on an unconstrained Context")
		}
	}
	cx.RefundBudget()
	if _, constrained := cx.Budget(); constrained || !cx.HasBudget() {
		t.Fatal("RefundBudget must leave an unconstrained budget unconstrained")
	}
	if c.n != 0 || cx.ForcedYields() != 0 {
		t.Fatalf("unconstrained budget woke %d times, forced %d yields", c.n, cx.ForcedYields())
	}
}

func TestConsumeBudgetRunsOutAndWakes(t *testing.T) {
	c := &countWaker{}
	cx := future.NewContext(future.NewWaker(c))
	futurecx.SetBudget(cx, 3)
	for i := range 3 {
		if !cx.ConsumeBudget() {
			t.Fatalf("ConsumeBudget %d returned false with budget left", i+1)
		}
		if c.n != 0 {
			t.Fatal("ConsumeBudget woke the task while budget was left")
		}
	}
	if left, constrained := cx.Budget(); left != 0 || !constrained || cx.HasBudget() {
		t.Fatalf("Budget = %d, %v, HasBudget %v; want 0, true, false", left, constrained, cx.HasBudget())
	}
	if cx.ConsumeBudget() {
		t.Fatal("ConsumeBudget returned true with the budget spent")
	}
	if c.n != 1 {
		t.Fatalf("spent budget woke the task %d times, want 1", c.n)
	}
	if cx.ConsumeBudget() {
		t.Fatal("ConsumeBudget returned true with the budget spent")
	}
	if c.n != 2 || cx.ForcedYields() != 2 {
		t.Fatalf("after two refusals: %d wakes, %d forced yields; want 2, 2", c.n, cx.ForcedYields())
	}
}

func TestRefundBudgetGivesUnitBack(t *testing.T) {
	cx := future.NewContext(future.Noop())
	futurecx.SetBudget(cx, 1)
	if !cx.ConsumeBudget() {
		t.Fatal("ConsumeBudget with budget 1 returned false")
	}
	cx.RefundBudget()
	if left, _ := cx.Budget(); left != 1 {
		t.Fatalf("budget after refund = %d, want 1", left)
	}
	if !cx.ConsumeBudget() {
		t.Fatal("refunded unit could not be consumed")
	}
	if cx.ConsumeBudget() {
		t.Fatal("budget not spent after consuming the refunded unit")
	}
}

func TestSetBudgetEdges(t *testing.T) {
	cx := future.NewContext(future.Noop())
	futurecx.SetBudget(cx, 0)
	if cx.ConsumeBudget() {
		t.Fatal("budget 0 must refuse the first operation")
	}
	futurecx.SetBudget(cx, future.DefaultBudget)
	if left, constrained := cx.Budget(); left != future.DefaultBudget || !constrained {
		t.Fatalf("Budget = %d, %v; want %d, true", left, constrained, future.DefaultBudget)
	}
	futurecx.SetBudget(cx, -5)
	if _, constrained := cx.Budget(); constrained {
		t.Fatal("a negative budget must mean unconstrained")
	}
	futurecx.SetBudget(cx, math.MaxInt)
	if left, constrained := cx.Budget(); !constrained || left != 1<<30 {
		t.Fatalf("huge budget = %d, %v; want clamped to %d", left, constrained, 1<<30)
	}
}

func TestForcedYieldsAccumulateAcrossPolls(t *testing.T) {
	// A scheduler resets the budget before each poll; the forced-yield count
	// is a metric and keeps growing.
	cx := future.NewContext(future.Noop())
	for range 3 {
		futurecx.SetBudget(cx, 0)
		cx.ConsumeBudget()
	}
	if cx.ForcedYields() != 3 {
		t.Fatalf("ForcedYields = %d, want 3", cx.ForcedYields())
	}
}
