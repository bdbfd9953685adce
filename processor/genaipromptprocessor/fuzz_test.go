package genaipromptprocessor

import (
	"testing"

	"github.com/periscope-otel/periscope/processor/genaipromptprocessor/internal/miner"
	"github.com/periscope-otel/periscope/processor/genaipromptprocessor/internal/registry"
	"github.com/periscope-otel/periscope/processor/genaipromptprocessor/internal/textmask"
)

// FuzzMaskAndMine feeds arbitrary text to the masker, the template parser,
// the registry and the miner (which keeps state across inputs) and checks
// that the same text always gets the same template.
func FuzzMaskAndMine(f *testing.F) {
	for _, s := range []string{
		"",
		"Summarize the following support ticket in one sentence.\nTicket: Customer 1182 cannot log in.",
		"My first request is \"```go\nfunc main() {}\n```\" and \"unclosed",
		"email jane.doe@example.com url https://x.io/a?b=1 id 3f2a9c1e-0000-4000-8000-1234567890ab 2024-06-01 $12.50",
		"{{question}} {name} ${var} {{ unclosed",
		"caf\xc3\x28 \xff\xfe\r\n\r\n\t\x00",
		"```",
		"\"\"\"\"``` ` `",
	} {
		f.Add(s, s+" extra words here")
	}
	m := miner.New(miner.Params{MaxTemplates: 64})
	f.Fuzz(func(t *testing.T, a, b string) {
		ta, _ := textmask.Append(nil, a, textmask.Options{MaxBytes: 4096})
		ta2, _ := textmask.Append(nil, a, textmask.Options{MaxBytes: 4096, MaskQuoted: true})
		_ = ta2
		tmpl, _ := textmask.AppendTemplate(nil, b, textmask.Options{MaxBytes: 4096})
		_ = textmask.Glob(tmpl, ta)
		reg := registry.New([]registry.Entry{{Name: "n", Version: "1", Template: b}})
		_, _ = reg.Lookup(ta)
		x := append(append(ta, textmask.Sep()), tmpl...)
		r1 := m.Match(x)
		r2 := m.Match(x)
		if r1.ID != r2.ID {
			t.Fatalf("same call, two templates: %x %x", r1.ID, r2.ID)
		}
		if _, ok := m.Template(r1.ID); !ok && m.Len() > 0 {
			t.Fatalf("matched template %x not held", r1.ID)
		}
		snap := m.Snapshot(1 << 20)
		m2 := miner.New(miner.Params{MaxTemplates: 64})
		if _, err := m2.Restore(snap); err != nil {
			t.Fatalf("restore own snapshot: %v", err)
		}
		_, _ = m2.Restore([]byte(a)) // corrupt input must not panic
	})
}
