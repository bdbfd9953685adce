package safety

import "unsafe"

//go:noescape
func indexSetAVX2(p *byte, n int, t *nibbleTables) int

// indexSet returns the offset of the first byte of s in the set, or where
// fewer than 32 bytes were left to scan.
func indexSet(s string, t *nibbleTables) int { return indexSetAVX2(unsafe.StringData(s), len(s), t) }
