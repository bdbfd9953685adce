// Package traffic makes the GenAI load of `make bench` and of in-process
// benchmarks: every span of the OTLP/JSON samples in turn, with its own ids,
// a per-span nonce in each content string and padding, so nothing can be
// cached by content.
package traffic

import (
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

// Template is one span of a sample with its resource and scope.
type Template struct {
	res   pcommon.Resource
	scope pcommon.InstrumentationScope
	span  ptrace.Span
}

// LoadTemplates reads every OTLP/JSON trace file of the given paths (files
// or directories).
func LoadTemplates(paths []string) ([]Template, error) {
	var files []string
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			return nil, err
		}
		if st.IsDir() {
			m, _ := filepath.Glob(filepath.Join(p, "*.json"))
			files = append(files, m...)
			continue
		}
		files = append(files, p)
	}
	var out []Template
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		td, err := (&ptrace.JSONUnmarshaler{}).UnmarshalTraces(b)
		if err != nil || td.SpanCount() == 0 {
			continue // a logs sample, or not OTLP
		}
		for _, rs := range td.ResourceSpans().All() {
			for _, ss := range rs.ScopeSpans().All() {
				for _, sp := range ss.Spans().All() {
					out = append(out, Template{rs.Resource(), ss.Scope(), sp})
				}
			}
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no spans in %v", paths)
	}
	return out, nil
}

// Generator makes batches of spans whose content is distinct per span (so
// nothing can be cached by content) and padded to a target size.
type Generator struct {
	templates []Template
	pad       int
	filler    string
}

func NewGenerator(t []Template, pad int) *Generator {
	words := []string{"invoice", "refund", "customer", "shipment", "warranty", "account", "ticket", "order", "billing", "support"}
	var b strings.Builder
	for i := 0; b.Len() < pad; i++ {
		b.WriteString(words[(i*7)%len(words)])
		b.WriteByte(' ')
	}
	return &Generator{templates: t, pad: pad, filler: b.String()}
}

// Batch appends n spans, numbered from seq, to a new Traces.
func (g *Generator) Batch(seq uint64, n int) ptrace.Traces {
	td := ptrace.NewTraces()
	for i := 0; i < n; i++ {
		id := seq + uint64(i)
		t := g.templates[int(id%uint64(len(g.templates)))]
		rs := td.ResourceSpans().AppendEmpty()
		t.res.CopyTo(rs.Resource())
		ss := rs.ScopeSpans().AppendEmpty()
		t.scope.CopyTo(ss.Scope())
		sp := ss.Spans().AppendEmpty()
		t.span.CopyTo(sp)
		var tid [16]byte
		var sid [8]byte
		binary.BigEndian.PutUint64(tid[8:], id+1)
		binary.BigEndian.PutUint64(sid[:], id+1)
		sp.SetTraceID(tid)
		sp.SetSpanID(sid)
		sp.SetParentSpanID(pcommon.SpanID{})
		g.distinct(sp.Attributes(), id)
	}
	return td
}

// distinct writes a per-span nonce (and the padding, once) into the content
// strings of a span, keeping JSON content valid.
func (g *Generator) distinct(attrs pcommon.Map, id uint64) {
	nonce := fmt.Sprintf("ref-%d ", id)
	padded := false
	for k, v := range attrs.All() {
		if v.Type() != pcommon.ValueTypeStr || !contentKey(k) {
			continue
		}
		extra := nonce
		if !padded {
			extra += g.filler
		}
		if s, ok := insertText(v.Str(), extra); ok {
			v.SetStr(s)
			padded = padded || extra != nonce
		}
	}
}

func contentKey(k string) bool {
	if identityKey(k) {
		return false
	}
	for _, w := range []string{"content", "messages", "prompt", "completion", "input", "output", "text", "instructions"} {
		if strings.Contains(k, w) {
			return true
		}
	}
	return false
}

// identityKey: keys that name or classify (prompt name, version and key,
// roles, finish reasons, MIME types) rather than carry text. A nonce there
// would turn every span into its own prompt and its own metric series, which
// real traffic never does (it filled the metrics connector to its
// cardinality cap and dominated the full pipeline's memory).
func identityKey(k string) bool {
	for _, suf := range []string{".name", ".key", ".version", ".version_name", ".version_hash", ".managed",
		".role", ".finish_reason", ".type", "mime_type", ".toolChoice", "_time"} {
		if strings.HasSuffix(k, suf) {
			return true
		}
	}
	return false
}

// insertText puts extra at the start of the first text of s: inside the
// first "content"/"text" JSON string of a JSON document, else in front.
func insertText(s, extra string) (string, bool) {
	t := strings.TrimSpace(s)
	if t == "" {
		return s, false
	}
	if t[0] != '[' && t[0] != '{' {
		return extra + s, true
	}
	for _, marker := range []string{`"content":"`, `"content": "`, `"text":"`, `"text": "`} {
		if i := strings.Index(s, marker); i >= 0 {
			j := i + len(marker)
			return s[:j] + extra + s[j:], true
		}
	}
	return s, false
}
