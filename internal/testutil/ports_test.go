package testutil

import (
	"net"
	"testing"
)

func TestFreePortsAreDistinctBindableAndNotEphemeral(t *testing.T) {
	lo, hi := staticPortRange()
	seen := map[int]bool{}
	for range 20 {
		for _, p := range FreePorts(t, 5) {
			if seen[p] {
				t.Fatalf("port %d handed out twice", p)
			}
			seen[p] = true
			if p < lo || p >= hi {
				t.Fatalf("port %d outside %d..%d", p, lo, hi-1)
			}
		}
	}
	// A port someone listens on is never handed out.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if bindable(l.Addr().(*net.TCPAddr).Port) {
		t.Fatal("bindable reports a listening port free")
	}
	if !bindable(FreePorts(t, 1)[0]) {
		t.Fatal("a handed-out port is not bindable")
	}
}
