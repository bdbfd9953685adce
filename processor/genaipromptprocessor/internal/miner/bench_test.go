package miner

import (
	"fmt"
	"strings"
	"testing"

	"github.com/periscope-otel/periscope/processor/genaipromptprocessor/internal/textmask"
)

// BenchmarkInfer1KB is prompt inference for one call of about 1 KB (system
// prompt plus a user turn with two slots) against a miner holding 200
// templates, the call's own template established: masking plus matching,
// distinct slot values on every call. Issue #13's target: ≤ 10 µs.
func BenchmarkInfer1KB(b *testing.B) {
	m := New(Params{})
	sys := "You are a support assistant for Acme. Answer in the customer's language, never promise refunds, and escalate anything about security to the on-call engineer. Sign as Acme Support."
	user := func(i int) string {
		return fmt.Sprintf("Summarize the following support ticket in two sentences for the weekly report, then list the follow-ups.\nTicket: Customer %s (id %d) %s. Opened %d days ago, priority P%d.\n\nHistory:\n%s\n\nKeep it under 80 words.",
			randomWords(uint64(i), 2), 10000+i*7, randomWords(uint64(i)+1e6, 14), i%30, i%4, strings.Repeat(randomWords(uint64(i)+2e6, 9)+".\n", 8))
	}
	mask := func(s, u string, buf []textmask.Token) []textmask.Token {
		buf, _ = textmask.Append(buf[:0], s, textmask.Options{MaxBytes: 16 << 10})
		buf = append(buf, textmask.Sep())
		buf, _ = textmask.Append(buf, u, textmask.Options{MaxBytes: 16 << 10})
		return buf
	}
	var buf []textmask.Token
	for i := range 200 { // other templates
		for j := range 3 {
			buf = mask("", fmt.Sprintf("%s: %s", randomWords(uint64(i)+3e6, 12), randomWords(uint64(i*3+j)+4e6, 20)), buf)
			m.Match(buf)
		}
	}
	for i := range 100 {
		buf = mask(sys, user(i), buf)
		m.Match(buf)
	}
	const n = 256
	calls := make([]string, n)
	size := 0
	for i := range calls {
		calls[i] = user(1000 + i)
		size += len(sys) + len(calls[i])
	}
	b.SetBytes(int64(size / n))
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		buf = mask(sys, calls[i%n], buf)
		m.Match(buf)
		i++
	}
}
