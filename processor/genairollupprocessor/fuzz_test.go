package genairollupprocessor

import (
	"bytes"
	"context"
	"encoding/json"
	"strconv"
	"testing"

	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/processor/processortest"

	"github.com/periscope-otel/periscope/processor/genairollupprocessor/internal/metadata"
)

// FuzzRollup feeds arbitrary trace shapes (any parent links: cycles, self
// parents, duplicate ids, dangling parents, remote flags, spans of several
// services) and arbitrary tool arguments, in arbitrary batch splits. It
// checks that nothing panics, every span passes, and no rollup exceeds what
// the input holds or goes negative.
func FuzzRollup(f *testing.F) {
	f.Add([]byte{0, 16, 0, 1, 0, 1, 2, 0, 2, 3, 0, 2, 4, 3, 3, 5, 4, 1}, `{"q": "x"}`, uint8(2))
	f.Add([]byte{0, 1, 0, 1, 0, 0, 2, 2, 1}, "{", uint8(0))
	f.Add([]byte{5, 16, 5, 5, 16, 5, 6, 5, 2, 6, 5, 2, 6, 5, 2}, "\"\\\"", uint8(7))
	f.Fuzz(func(t *testing.T, shape []byte, args string, split uint8) {
		if len(shape) > 3*64 {
			shape = shape[:3*64]
		}
		var specs []spec
		models, tools := int64(0), int64(0)
		for i := 0; i+2 < len(shape); i += 3 {
			s := spec{trace: "t" + strconv.Itoa(int(shape[i+2]>>7)), id: strconv.Itoa(int(shape[i] % 16))}
			if p := shape[i+1] % 17; p < 16 {
				s.parent = strconv.Itoa(int(p))
			}
			s.name = "s" + strconv.Itoa(i/3)
			if shape[i+1]&0x80 != 0 {
				s.svc = "other"
				s.flags = flagHasIsRemote | uint32(shape[i+1]&0x40)<<3
			}
			switch shape[i+2] % 7 {
			case 0:
				s.attrs = semconvAgent("a")
			case 1:
				s.attrs = priced(float64(shape[i])/7, semconvChat(int64(shape[i]), int64(shape[i+1])))
				models++
			case 2:
				s.attrs = semconvTool("tool"+strconv.Itoa(int(shape[i]%2)), args)
				s.err = shape[i]&1 == 1
				tools++
			case 3:
				s.attrs = map[string]any{"openinference.span.kind": "CHAIN"}
			case 4:
				s.kind = ptrace.SpanKindServer
			case 5:
				s.attrs = map[string]any{"openinference.span.kind": "TOOL", "tool.name": args, "input.value": args}
				tools++
			case 6:
				s.attrs = map[string]any{"gen_ai.operation.name": "chat", "gen_ai.usage.input_tokens": args, "gen_ai.usage.cost": args}
				models++
			}
			specs = append(specs, s)
		}
		cfg := createDefaultConfig()
		cfg.LoopThreshold = 2
		p, err := newRollupProcessor(processortest.NewNopSettings(metadata.Type), cfg)
		if err != nil {
			t.Fatal(err)
		}
		defer func() { _ = p.shutdown(context.Background()) }()
		n := int(split%4) + 1
		for b := 0; b < n; b++ {
			var part []spec
			for i := b; i < len(specs); i += n {
				part = append(part, specs[i])
			}
			td := toTraces(part)
			out, err := p.processTraces(context.Background(), td)
			if err != nil {
				t.Fatal(err)
			}
			if out.SpanCount() != len(part) {
				t.Fatalf("spans: got %d, want %d", out.SpanCount(), len(part))
			}
			for name, r := range rollups(out) {
				if r.Model < 0 || r.Model > models || r.Tools < 0 || r.Tools > tools || r.ToolErrors > r.Tools ||
					r.Cost < 0 || r.In < 0 || r.Out < 0 || r.Unpriced > r.Model {
					t.Fatalf("%s: impossible rollup %+v (models %d, tools %d)", name, r, models, tools)
				}
			}
		}
		p.mu.Lock()
		defer p.mu.Unlock()
		if p.st.bytes < 0 || int64(len(p.st.traces)) != int64(p.st.open.Len()+p.st.done.Len()) {
			t.Fatalf("state accounting broken: bytes %d, traces %d, lists %d+%d", p.st.bytes, len(p.st.traces), p.st.open.Len(), p.st.done.Len())
		}
	})
}

// FuzzFingerprint: tool arguments that differ only in JSON whitespace are the
// same call; the name is part of the call.
func FuzzFingerprint(f *testing.F) {
	for _, s := range []string{`{"a":1}`, `{"q":"a b","n":[1,2,{"x":"\"y\""}]}`, `"\\"`, `[]`, `{`, "\xff"} {
		f.Add("search", s)
	}
	f.Fuzz(func(t *testing.T, name, args string) {
		h := fingerprint(name, args)
		if !json.Valid([]byte(args)) {
			return
		}
		var ind bytes.Buffer
		if err := json.Indent(&ind, []byte(args), " ", "\t"); err != nil {
			return
		}
		if fingerprint(name, ind.String()) != h {
			t.Fatalf("whitespace changed the fingerprint: %q vs %q", args, ind.String())
		}
		if fingerprint(name+"x", args) == h && len(name) < 8 {
			t.Logf("name collision (possible, not expected): %q", name)
		}
	})
}
