#include "textflag.h"

// func PC(skip int) uintptr
//
// No frame of our own: BP still holds the frame pointer of our caller, and
// 0(SP) is our return address. Each frame pointer F points at the caller's
// saved frame pointer, with F's return address one word above it.
TEXT ·PC(SB), NOSPLIT, $0-16
	MOVQ	skip+0(FP), CX
	MOVQ	0(SP), AX	// a PC in our caller
	MOVQ	BP, DX		// our caller's frame pointer
loop:
	TESTQ	CX, CX
	JLE	done
	TESTQ	DX, DX
	JZ	none		// the top of the stack
	MOVQ	8(DX), AX	// the return address of that frame
	MOVQ	0(DX), DX	// one frame up
	DECQ	CX
	JMP	loop
none:
	XORQ	AX, AX
done:
	MOVQ	AX, ret+8(FP)
	RET
