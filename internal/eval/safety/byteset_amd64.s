#include "textflag.h"

// func indexSetAVX2(p *byte, n int, t *tables) int
//
// 32 bytes per step: the low and high nibble of each byte look up its
// groups in the set's tables; a byte whose two lookups share a bit is in
// the set.
TEXT ·indexSetAVX2(SB), NOSPLIT, $0-32
	MOVQ    p+0(FP), SI
	MOVQ    n+8(FP), CX
	MOVQ    t+16(FP), DX
	VMOVDQU 0(DX), Y15
	VMOVDQU 32(DX), Y13
	VMOVDQU 64(DX), Y12
	VPXOR   Y14, Y14, Y14
	XORQ    AX, AX

loop:
	LEAQ 32(AX), BX
	CMPQ BX, CX
	JGT  done

	VMOVDQU   (SI)(AX*1), Y0
	VPSRLW    $4, Y0, Y1
	VPAND     Y15, Y1, Y1
	VPAND     Y15, Y0, Y0
	VPSHUFB   Y0, Y13, Y2
	VPSHUFB   Y1, Y12, Y3
	VPAND     Y2, Y3, Y2
	VPCMPEQB  Y14, Y2, Y2
	VPMOVMSKB Y2, R8
	NOTL      R8
	TESTL     R8, R8
	JNZ       found
	MOVQ      BX, AX
	JMP       loop

found:
	BSFL R8, R8
	ADDQ R8, AX

done:
	MOVQ AX, ret+24(FP)
	VZEROUPPER
	RET
