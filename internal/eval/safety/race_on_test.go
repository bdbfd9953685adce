//go:build race

package safety

// underRace: the race detector makes the exhaustive equivalence tests about
// ten times dearer; under it they check a sample (make test runs with it,
// plain go test without).
const underRace = true
