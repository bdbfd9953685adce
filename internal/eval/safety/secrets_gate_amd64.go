package safety

import (
	"unsafe"

	"golang.org/x/sys/cpu"
)

// vectorScan: the CPU runs the vector scans (the secrets gate, byteSet).
var vectorScan = cpu.X86.HasAVX2

// gateBlocksAVX2 scans p[:n] in 32-byte blocks while a block and the two
// bytes after it are there, and stops at the first block that holds an
// anchor prefix or ends 12 gateRun bytes in a row (counting the block
// before it in this call). It returns the block's offset (or where it
// stopped) and flags: the anchor-prefix positions in bits 0-31, bit 32 for
// a run.
//
//go:noescape
func gateBlocksAVX2(p *byte, n int, t *gateTables) (off int, flags uint64)

func gateBlocks(s string, t *gateTables) (int, uint64) {
	return gateBlocksAVX2(unsafe.StringData(s), len(s), t)
}
