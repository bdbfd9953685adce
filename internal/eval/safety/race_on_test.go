//go:build race

package safety

// raceEnabled: the race detector makes sync.Pool drop items at random, so
// allocation counts are not measured under it.
const raceEnabled = true
