package testutil

import (
	"syscall"
	"testing"
	"time"
)

// CPUTime is the process's user+system CPU time. Benchmarks report it
// beside wall time: the project machine is shared, and CPU time moves far
// less with the load of other processes.
func CPUTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// CPULoop runs fn b.N times (b.Loop) and reports CPU ns per run as
// cpu-ns/op. One run before the clock starts pays for one-time set-up.
func CPULoop(b *testing.B, fn func()) {
	fn()
	c0 := CPUTime()
	n := 0
	for b.Loop() {
		fn()
		n++
	}
	if n > 0 {
		b.ReportMetric(float64(CPUTime()-c0)/float64(n), "cpu-ns/op")
	}
}
