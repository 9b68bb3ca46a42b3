package weft

// localExecutor is the executor seen by tasks of a LocalSet: Spawn from
// such a task goes to the runtime, SpawnLocal to the set.
type localExecutor struct {
	h *Handle
}
