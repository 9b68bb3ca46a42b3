package task_test

import (
	"testing"

	"github.com/weftrt/weft/future"
	"github.com/weftrt/weft/task"
)

// spender takes k units of budget on each poll and records what its Context
// had left at the start of the poll; it is done after polls polls.
type spender struct {
	k, polls int
	left     []int
}

func (s *spender) Poll(cx *future.Context) (int, bool) {
	left, constrained := cx.Budget()
	if !constrained {
		left = -1
	}
	s.left = append(s.left, left)
	for range s.k {
		cx.ConsumeBudget()
	}
	if len(s.left) == s.polls {
		return 0, true
	}
	cx.Waker().Wake()
	return 0, false
}

// TestRunGivesEachPollAFreshBudget: a scheduler built on task alone gets the
// budget for free (it cannot set one: future.Context has no setters), and
// the budget a task spent does not follow it, or the next task, into the
// next poll.
func TestRunGivesEachPollAFreshBudget(t *testing.T) {
	s := newTestSched(t, 1)
	a := &spender{k: 100, polls: 2}
	b := &spender{k: 100, polls: 2}
	ja, jb := spawn(s, a), spawn(s, b)
	s.RunUntilIdle()
	for _, sp := range []*spender{a, b} {
		if len(sp.left) != 2 || sp.left[0] != future.DefaultBudget || sp.left[1] != future.DefaultBudget {
			t.Fatalf("budget at the start of each poll = %v, want [%d %d]", sp.left, future.DefaultBudget, future.DefaultBudget)
		}
	}
	ja.Detach()
	jb.Detach()
	s.Shutdown(0, nil)
}

// TestRunInBudgetSharesTheBudgetOfThePollBefore: the LIFO chain of a
// multi-thread worker polls on what the task before it left.
func TestRunInBudgetSharesTheBudgetOfThePollBefore(t *testing.T) {
	s := newTestSched(t, 1)
	o := s.owned
	a := &spender{k: 100, polls: 1}
	b := &spender{k: 10, polls: 1}
	ja, na, ok1 := task.Bind(o, a, s, task.Options{})
	jb, nb, ok2 := task.Bind(o, b, s, task.Options{})
	if !ok1 || !ok2 {
		t.Fatal("Bind on an open list failed")
	}
	cx := future.NewContext(future.Noop())
	o.AssertOwner(na).Run(cx)
	o.AssertOwner(nb).RunInBudget(cx)
	if a.left[0] != future.DefaultBudget || b.left[0] != future.DefaultBudget-100 {
		t.Fatalf("budget at the start: first task %v, chained task %v; want %d and %d",
			a.left, b.left, future.DefaultBudget, future.DefaultBudget-100)
	}
	if left, _ := cx.Budget(); left != future.DefaultBudget-110 {
		t.Fatalf("budget after the chain = %d, want %d", left, future.DefaultBudget-110)
	}
	for _, jh := range []*task.JoinHandle[int]{ja, jb} {
		if !jh.IsFinished() {
			t.Fatal("task not finished after its one poll")
		}
		jh.Detach()
	}
	s.Shutdown(0, nil)
}
