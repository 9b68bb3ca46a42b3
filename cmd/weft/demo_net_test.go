//go:build linux

package main

import (
	"context"
	"regexp"
	"testing"

	"github.com/weftrt/weft"
	"github.com/weftrt/weft/internal/rttest"
	"github.com/weftrt/weft/task"
)

// idleStatusConn is how the task dump shows an idle connection task of the
// order-status service: its peer and the fd it waits on.
var idleStatusConn = regexp.MustCompile(`^order-status connection from 127\.0\.0\.1:\d+, \d+ answered: net\.Readable on fd \d+ \[`)

// TestStatusServiceShowsConnectionsInTheDump runs the demo's network part
// alone: every client connects and is answered, the task dump shows the
// idle connection tasks waiting in Readable on their fd with their peer's
// address, and after the stop token every task is joined and accounted
// for, every reply checked, and no descriptor left open.
func TestStatusServiceShowsConnectionsInTheDump(t *testing.T) {
	before := openFDs(t)
	rt, err := weft.New(weft.WithWorkers(2))
	if err != nil {
		t.Fatal(err)
	}
	s := &service{cfg: &demoConfig{seed: 5}, c: new(demoCounters), stop: weft.NewCancellationToken()}
	spawn := func(h *task.JoinHandle[uint64]) *task.JoinHandle[uint64] {
		s.c.tasksSpawned.Add(1)
		return h
	}
	nd, hs, err := startNetDemo(rt, s, spawn)
	if err != nil {
		t.Fatal(err)
	}
	// Every client has had a reply (the idle ones' first tick comes
	// within statusIdleEvery).
	rttest.Until(t, rt, "a reply on every connection", func() bool {
		return nd.conns.Load() == statusClients && nd.checked.Load() >= statusClients
	})
	var idle int
	rttest.Until(t, rt, "the idle connections in the dump", func() bool {
		d, err := rt.Dump(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		idle = 0
		for _, td := range d.Tasks {
			if td.Status == weft.TaskIdle && td.Trace != nil && idleStatusConn.MatchString(td.Trace.Label) {
				idle++
			}
		}
		// The busy connections may be running at the instant of the
		// dump; the idle ones wait for their next tick.
		return idle >= statusClients-statusBusy
	})

	s.stop.Cancel()
	_, errs := rttest.JoinAll(t, rt, hs)
	for i, err := range errs {
		if err != nil {
			t.Errorf("task %d: %v", i, err)
		}
		s.c.classify(err)
	}
	if ps := nd.problems(); len(ps) > 0 {
		t.Errorf("problems: %q", ps)
	}
	c := s.c
	if spawned, done := c.tasksSpawned.Load(), c.tasksCompleted.Load()+c.tasksCancelled.Load()+c.tasksPanicked.Load(); spawned != done || spawned != 1+2*statusClients {
		t.Errorf("spawned %d tasks, accounted for %d; want %d (server, clients, connections)", spawned, done, 1+2*statusClients)
	}
	if n := rt.Metrics().AliveTasks; n != 0 {
		t.Errorf("%d tasks alive after the service stopped", n)
	}
	if err := rt.Close(); err != nil {
		t.Fatal(err)
	}
	if after := openFDs(t); after > before {
		t.Errorf("fd leak: %d open fds before, %d after", before, after)
	}
}
