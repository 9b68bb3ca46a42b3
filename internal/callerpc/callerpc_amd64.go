package callerpc

// PC returns a return address skip frames above the function that calls
// it: PC(0) is a PC in the calling function, PC(1) a PC in that function's
// caller, and so on, the value runtime.Callers(skip+1, pcs) stores in pcs[0]
// when every frame in between is a real (not inlined) call. It returns 0
// when the stack has fewer frames. It never allocates.
func PC(skip int) uintptr
