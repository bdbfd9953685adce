//go:build !amd64

package safety

// vectorScan: no vector scans on this architecture (every text goes to
// the secrets automaton, byteSet looks at each byte).
var vectorScan = false

func gateBlocks(s string, t *gateTables) (int, uint64) { return 0, 0 }
