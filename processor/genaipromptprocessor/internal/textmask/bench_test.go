package textmask

import (
	"strings"
	"testing"
)

func BenchmarkAppend1KB(b *testing.B) {
	text := strings.Repeat("Customer Ingrid Okafor (id 58970) cannot export reports to CSV; the button spins forever. Opened 5 days ago, priority P3.\n", 8)
	buf := make([]Token, 0, 512)
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	for b.Loop() {
		buf, _ = Append(buf[:0], text, Options{MaxBytes: 16 << 10})
	}
}
