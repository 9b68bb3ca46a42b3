//go:build !amd64

package callerpc

import "runtime"

// PC returns a return address skip frames above the function that calls
// it: PC(0) is a PC in the calling function, PC(1) a PC in that function's
// caller, and so on, the value runtime.Callers(skip+1, pcs) stores in pcs[0].
// It returns 0 when the stack has fewer frames. On this architecture it is
// runtime.Callers itself.
//
//go:noinline
func PC(skip int) uintptr {
	var pcs [1]uintptr
	if runtime.Callers(skip+2, pcs[:]) == 0 {
		return 0
	}
	return pcs[0]
}
