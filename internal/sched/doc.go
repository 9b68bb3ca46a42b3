// Package sched holds what weft's schedulers share: the inject queue (the
// global FIFO for tasks scheduled from outside a worker), the parker a worker
// sleeps on, the interface to the timer driver, and Engine, the one
// interface through which the runtime drives either scheduler (with the
// error values it gives them, Errors). The schedulers themselves are in the
// currentthread and multithread sub-packages.
package sched
