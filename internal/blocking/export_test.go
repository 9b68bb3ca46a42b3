package blocking

// SetKeepAliveFiredHook makes every pool goroutine call f after its
// keep-alive timer fires and before it takes the pool's lock, and returns a
// function that removes the hook. Tests set it while no pool runs.
func SetKeepAliveFiredHook(f func()) (restore func()) {
	testHookKeepAliveFired = f
	return func() { testHookKeepAliveFired = nil }
}
