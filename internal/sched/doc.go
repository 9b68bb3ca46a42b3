// Package sched holds what weft's schedulers share: the inject queue (the
// global FIFO for tasks scheduled from outside a worker), the parker a worker
// sleeps on, and the interface to the timer driver. The schedulers themselves
// are in the currentthread and multithread sub-packages.
package sched
