//go:build !amd64

package safety

// gateVector: no vector scan on this architecture; every text goes to the
// automaton.
var gateVector = false

func gateBlocks(s string, t *gateTables) (int, uint64) { return 0, 0 }
