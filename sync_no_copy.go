package weft

// syncNoCopy makes go vet's copylocks check report copies of the futures
// that embed it: a future copied while it waits would corrupt its waiter
// list.
type syncNoCopy struct{}

func (*syncNoCopy) Lock()   {}
func (*syncNoCopy) Unlock() {}
