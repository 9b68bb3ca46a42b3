package task

import "github.com/weftrt/weft/future"

// rawTask is an untyped pointer to a task, Tokio's RawTask: it owns no
// reference and reaches the typed harness operations through the task's
// taskType. Task, Notified, LocalNotified and UnownedTask are the handles
// that own references; they hold a *Header and dispatch through rawTask.
type rawTask struct {
	h *Header
}

// raw returns the untyped pointer to h's task.
func (h *Header) raw() rawTask { return rawTask{h: h} }

// poll runs the harness for a Notified's reference (see harness.poll).
func (r rawTask) poll(cx *future.Context) { r.h.typ.poll(r.h, cx) }

// shutdown cancels the task for a shutdown, with one reference.
func (r rawTask) shutdown(cause error) { r.h.typ.shutdown(r.h, cause) }

// dealloc releases the task once its count is zero.
func (r rawTask) dealloc() { r.h.typ.dealloc(r.h) }

// cancel cancels a task whose RUNNING lock the caller holds (a dump that saw
// CANCELLED appear while it held the task).
func (r rawTask) cancel() { r.h.typ.cancel(r.h) }

// future returns the future while the caller holds RUNNING.
func (r rawTask) future() any { return r.h.typ.future(r.h) }
