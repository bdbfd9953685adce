#include "textflag.h"

// func gateBlocksAVX2(p *byte, n int, t *gateTables) (off int, flags uint64)
//
// Per block: the low and high nibble of the bytes at +0, +1 and +2 index
// the bucket tables (Teddy); a position whose three lookups share a bucket
// bit is an anchor prefix. The +0 nibbles also index gateRun's tables; the
// run mask of the block and the one before it show 12 bytes in a row by
// shifting and AND-ing.
TEXT ·gateBlocksAVX2(SB), NOSPLIT, $0-40
	MOVQ p+0(FP), SI
	MOVQ n+8(FP), CX
	MOVQ t+16(FP), DX
	VMOVDQU 0(DX), Y15
	VPXOR   Y14, Y14, Y14
	XORQ    AX, AX
	XORQ    R8, R8

loop:
	LEAQ 34(AX), BX
	CMPQ BX, CX
	JGT  done

	// Byte +0: buckets A in Y5, B in Y6; the run mask in R9.
	VMOVDQU   (SI)(AX*1), Y0
	VPSRLW    $4, Y0, Y4
	VPAND     Y15, Y4, Y4
	VPAND     Y15, Y0, Y3
	VMOVDQU   32(DX), Y7
	VPSHUFB   Y3, Y7, Y5
	VMOVDQU   64(DX), Y7
	VPSHUFB   Y4, Y7, Y7
	VPAND     Y7, Y5, Y5
	VMOVDQU   96(DX), Y7
	VPSHUFB   Y3, Y7, Y6
	VMOVDQU   128(DX), Y7
	VPSHUFB   Y4, Y7, Y7
	VPAND     Y7, Y6, Y6
	VMOVDQU   416(DX), Y7
	VPSHUFB   Y3, Y7, Y9
	VMOVDQU   448(DX), Y7
	VPSHUFB   Y4, Y7, Y7
	VPAND     Y7, Y9, Y9
	VPCMPEQB  Y14, Y9, Y9
	VPMOVMSKB Y9, R9
	NOTL      R9

	// Byte +1.
	VMOVDQU 1(SI)(AX*1), Y0
	VPSRLW  $4, Y0, Y4
	VPAND   Y15, Y4, Y4
	VPAND   Y15, Y0, Y3
	VMOVDQU 160(DX), Y7
	VPSHUFB Y3, Y7, Y9
	VMOVDQU 192(DX), Y7
	VPSHUFB Y4, Y7, Y7
	VPAND   Y7, Y9, Y9
	VPAND   Y9, Y5, Y5
	VMOVDQU 224(DX), Y7
	VPSHUFB Y3, Y7, Y9
	VMOVDQU 256(DX), Y7
	VPSHUFB Y4, Y7, Y7
	VPAND   Y7, Y9, Y9
	VPAND   Y9, Y6, Y6

	// Byte +2.
	VMOVDQU 2(SI)(AX*1), Y0
	VPSRLW  $4, Y0, Y4
	VPAND   Y15, Y4, Y4
	VPAND   Y15, Y0, Y3
	VMOVDQU 288(DX), Y7
	VPSHUFB Y3, Y7, Y9
	VMOVDQU 320(DX), Y7
	VPSHUFB Y4, Y7, Y7
	VPAND   Y7, Y9, Y9
	VPAND   Y9, Y5, Y5
	VMOVDQU 352(DX), Y7
	VPSHUFB Y3, Y7, Y9
	VMOVDQU 384(DX), Y7
	VPSHUFB Y4, Y7, Y7
	VPAND   Y7, Y9, Y9
	VPAND   Y9, Y6, Y6

	// Anchor prefixes: positions with a bucket bit left.
	VPOR      Y5, Y6, Y5
	VPCMPEQB  Y14, Y5, Y5
	VPMOVMSKB Y5, R10
	NOTL      R10

	// Runs: w holds the block before (bits 0-31) and this one (32-63) in
	// text order; a set bit of r4 starts 12 set bits.
	MOVQ R9, R11
	SHLQ $32, R11
	ORQ  R8, R11
	MOVQ R11, R12
	SHRQ $1, R12
	ANDQ R11, R12
	MOVQ R12, R13
	SHRQ $2, R13
	ANDQ R13, R12
	MOVQ R12, R13
	SHRQ $4, R13
	ANDQ R12, R13
	SHRQ $8, R12
	ANDQ R12, R13

	XORQ   BX, BX
	TESTQ  R13, R13
	SETNE  BL
	SHLQ   $32, BX
	ORQ    R10, BX
	TESTQ  BX, BX
	JNZ    found

	MOVQ R9, R8
	ADDQ $32, AX
	JMP  loop

found:
	MOVQ AX, off+24(FP)
	MOVQ BX, flags+32(FP)
	VZEROUPPER
	RET

done:
	MOVQ AX, off+24(FP)
	MOVQ $0, flags+32(FP)
	VZEROUPPER
	RET
