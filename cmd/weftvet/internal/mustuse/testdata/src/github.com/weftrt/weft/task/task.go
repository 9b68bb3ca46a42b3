// Package task is a stand-in for weft's task package.
package task

import (
	"context"

	"github.com/weftrt/weft/future"
)

// ID identifies a task.
type ID uint64

// AbortHandle aborts a task; it is not a future.
type AbortHandle struct{ id ID }

// Abort aborts the task.
func (a AbortHandle) Abort() {}

// JoinHandle is a future that also has Detach: a handle.
type JoinHandle[T any] struct{ id ID }

// Poll polls the task's output.
func (j *JoinHandle[T]) Poll(*future.Context) (T, bool) {
	var z T
	return z, false
}

// BlockingJoin waits for the output.
func (j *JoinHandle[T]) BlockingJoin(context.Context) (T, error) {
	var z T
	return z, nil
}

// Detach lets the task run on without a handle.
func (j *JoinHandle[T]) Detach() {}

// Abort aborts the task.
func (j *JoinHandle[T]) Abort() {}

// ID returns the task's ID.
func (j *JoinHandle[T]) ID() ID { return j.id }

// IsFinished reports whether the task ended.
func (j *JoinHandle[T]) IsFinished() bool { return false }

// AbortHandle returns an abort handle.
func (j *JoinHandle[T]) AbortHandle() AbortHandle { return AbortHandle{j.id} }

// String describes the handle.
func (j *JoinHandle[T]) String() string { return "JoinHandle" }
