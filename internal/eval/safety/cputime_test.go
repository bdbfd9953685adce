package safety

import (
	"syscall"
	"testing"
)

// cpuNanos is the process's user+system CPU time. Benchmarks report it as
// cpu-ns/op beside wall time: the project machine is shared, and CPU time
// moves far less with the load of other processes.
func cpuNanos() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}

// cpuLoop runs fn b.N times (b.Loop) and reports CPU ns per run. One run
// before the clock starts pays for one-time set-up (automaton builds).
func cpuLoop(b *testing.B, fn func()) {
	fn()
	c0 := cpuNanos()
	n := 0
	for b.Loop() {
		fn()
		n++
	}
	if n > 0 {
		b.ReportMetric(float64(cpuNanos()-c0)/float64(n), "cpu-ns/op")
	}
}
