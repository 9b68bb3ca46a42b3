#include "textflag.h"

// func getg() uintptr
// The g pointer lives in thread-local storage; (TLS) is the assembler's
// portable spelling of its slot.
TEXT ·getg(SB),NOSPLIT,$0-8
	MOVQ (TLS), AX
	MOVQ AX, ret+0(FP)
	RET
