package weft

// Test hooks into the cancellation token tree, for cancellation_token_test.go.

// CancellationTokenChildrenForTest returns how many live children t links
// (slots of collected children are not counted).
func CancellationTokenChildrenForTest(t *CancellationToken) int {
	tr := t.treeOf()
	tr.mu.Lock()
	defer tr.mu.Unlock()
	n := 0
	for _, s := range t.children {
		if s.get() != nil {
			n++
		}
	}
	return n
}

// CancellationTokenSlotsForTest returns how many child slots t keeps, live
// or not.
func CancellationTokenSlotsForTest(t *CancellationToken) int {
	tr := t.treeOf()
	tr.mu.Lock()
	defer tr.mu.Unlock()
	return len(t.children)
}

// CancellationTokenHasParentForTest reports whether t is linked to a parent.
func CancellationTokenHasParentForTest(t *CancellationToken) bool {
	tr := t.treeOf()
	tr.mu.Lock()
	defer tr.mu.Unlock()
	return t.parent != nil
}

// CancellationTokenWaitersForTest returns how many Cancelled futures wait on
// t.
func CancellationTokenWaitersForTest(t *CancellationToken) int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.waiters.Len()
}
