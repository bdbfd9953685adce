package testutil

import (
	"math/rand/v2"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// FreePorts returns n distinct loopback ports that were free a moment ago,
// for processes a test starts and wires together by port.
//
// Ports come from below the kernel's ephemeral range: an outgoing connection
// (any client in the test, or in a collector it started) takes its source
// port from that range, so a port picked there can be taken between the
// pick and the child's bind. Below it only listeners compete, and the
// picks are random so that test binaries running side by side rarely meet.
func FreePorts(tb testing.TB, n int) []int {
	tb.Helper()
	portsMu.Lock()
	defer portsMu.Unlock()
	lo, hi := staticPortRange()
	ports := make([]int, 0, n)
	for tries := 0; len(ports) < n; tries++ {
		if tries > 1000*n {
			tb.Fatalf("no free loopback port in %d..%d", lo, hi-1)
		}
		p := lo + rand.IntN(hi-lo)
		if portsGiven[p] || !bindable(p) {
			continue
		}
		portsGiven[p] = true
		ports = append(ports, p)
	}
	return ports
}

var (
	portsMu    sync.Mutex
	portsGiven = map[int]bool{} // never handed out twice in one test binary
)

// staticPortRange is [lo, hi): 10000 up to the first ephemeral port, or
// 20000..30000 when the range cannot be read or leaves too little room.
func staticPortRange() (lo, hi int) {
	lo, hi = 20000, 30000
	b, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range")
	if err != nil {
		return lo, hi
	}
	f := strings.Fields(string(b))
	if len(f) != 2 {
		return lo, hi
	}
	first, err := strconv.Atoi(f[0])
	if err != nil || first < 12000 {
		return lo, hi
	}
	return 10000, first
}

func bindable(port int) bool {
	l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
	if err != nil {
		return false
	}
	l.Close()
	return true
}
