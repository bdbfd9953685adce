package genaievalprocessor

import (
	"context"
	"sort"
	"strings"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"

	"github.com/periscope-otel/periscope/internal/eval"
	"github.com/periscope-otel/periscope/internal/eval/safety"
)

// redactor masks PII and secrets in content values. Replacements contain no
// quote or backslash and a masked range never contains one either, so a
// JSON document stored in a string attribute stays valid JSON.
type redactor struct {
	repl    map[string]string
	pii     map[string]bool
	secrets string // replacement for secrets; "" = keep
}

func newRedactor(cfg map[string]string) *redactor {
	r := &redactor{repl: map[string]string{}, pii: map[string]bool{}}
	for t, v := range cfg {
		if t == RedactSecrets {
			r.secrets = v
			continue
		}
		r.repl[t] = v
		r.pii[t] = true
	}
	return r
}

// contentKey reports attribute keys that may carry message content. Ids,
// models, addresses and counters are left alone.
func contentKey(k string) bool {
	for _, m := range contentMarkers {
		if strings.Contains(k, m) {
			return true
		}
	}
	return false
}

var contentMarkers = []string{"message", "prompt", "completion", "content", "input", "output", "instruction",
	"document", "text", "query", "value", "body", "request_data", "response_data", "arguments", "result",
	"choice", "args", "tool", "context", "system"}

type span struct {
	a, b int
	repl string
	typ  string
}

// redactString returns s with every configured PII type and secret masked
// and the number of values masked per type.
func (r *redactor) redactString(s string, counts map[string]int) (string, bool) {
	if len(s) < 5 {
		return s, false
	}
	var found []span
	if len(r.pii) > 0 {
		for _, f := range safety.ScanPII(s, eval.SideInput, r.pii, nil) {
			found = append(found, span{f.Start, f.End, r.repl[f.Rule], f.Rule})
		}
	}
	if r.secrets != "" {
		fs, _ := safety.ScanSecrets(s, eval.SideInput, nil, nil)
		for _, f := range fs {
			found = append(found, span{f.Start, f.End, r.secrets, RedactSecrets})
		}
	}
	if len(found) == 0 {
		return s, false
	}
	sort.Slice(found, func(i, j int) bool { return found[i].a < found[j].a })
	var b strings.Builder
	b.Grow(len(s))
	pos := 0
	n := 0
	for _, f := range found {
		a, e := f.a, f.b
		if a < pos {
			a = pos
		}
		// Never cut through a JSON escape or a quote: a range that starts
		// on an escaped character begins after the escape sequence.
		if escapedAt(s, a) {
			if s[a] == 'u' {
				a += 5
			} else {
				a++
			}
		}
		if a >= e {
			continue
		}
		if k := strings.IndexAny(s[a:e], "\"\\"); k >= 0 {
			e = a + k
		}
		if e <= a {
			continue
		}
		b.WriteString(s[pos:a])
		b.WriteString(f.repl)
		pos = e
		n++
		counts[f.typ]++
	}
	if n == 0 {
		return s, false
	}
	b.WriteString(s[pos:])
	return b.String(), true
}

// redactValue masks strings inside v (recursing into maps and slices).
func (r *redactor) redactValue(v pcommon.Value, counts map[string]int, depth int) {
	if depth > 16 {
		return
	}
	switch v.Type() {
	case pcommon.ValueTypeStr:
		if out, ok := r.redactString(v.Str(), counts); ok {
			v.SetStr(out)
		}
	case pcommon.ValueTypeMap:
		v.Map().Range(func(_ string, x pcommon.Value) bool {
			r.redactValue(x, counts, depth+1)
			return true
		})
	case pcommon.ValueTypeSlice:
		sl := v.Slice()
		for i := 0; i < sl.Len(); i++ {
			r.redactValue(sl.At(i), counts, depth+1)
		}
	}
}

func (r *redactor) redactAttrs(m pcommon.Map, counts map[string]int, all bool) {
	m.Range(func(k string, v pcommon.Value) bool {
		if all || contentKey(k) {
			r.redactValue(v, counts, 0)
		}
		return true
	})
}

func (p *evalProcessor) count(ctx context.Context, counts map[string]int) {
	for t, n := range counts {
		p.redacted.Add(ctx, int64(n), metric.WithAttributes(attribute.String("type", t)))
	}
}

func (p *evalProcessor) redactSpan(ctx context.Context, s ptrace.Span) {
	counts := map[string]int{}
	p.redactor.redactAttrs(s.Attributes(), counts, false)
	evs := s.Events()
	for i := 0; i < evs.Len(); i++ {
		p.redactor.redactAttrs(evs.At(i).Attributes(), counts, false)
	}
	p.count(ctx, counts)
}

func (p *evalProcessor) redactLog(ctx context.Context, lr plog.LogRecord) {
	counts := map[string]int{}
	p.redactor.redactValue(lr.Body(), counts, 0)
	p.redactor.redactAttrs(lr.Attributes(), counts, false)
	p.count(ctx, counts)
}

// escapedAt reports whether s[i] follows an odd number of backslashes, i.e.
// is the letter of an escape sequence.
func escapedAt(s string, i int) bool {
	n := 0
	for j := i - 1; j >= 0 && s[j] == '\\'; j-- {
		n++
	}
	return n%2 == 1
}
