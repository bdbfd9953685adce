package safety

import (
	"strings"
	"testing"
)

func TestMask(t *testing.T) {
	in := "Mail maria.lopez@example.org, card 4111 1111 1111 1111, key GITHUB_TOKEN=ghp_" + "R8z3mQ1vL0pX7kW2nB5tY9cJ4hF6gD1sA0eU please."
	out, n := Mask(in, nil, true)
	for _, leak := range []string{"maria.lopez@example.org", "4111 1111 1111 1111", "R8z3mQ1vL0pX7kW2nB5tY9cJ4hF6gD1sA0eU"} {
		if strings.Contains(out, leak) {
			t.Errorf("Mask left %q in %q", leak, out)
		}
	}
	if n < 3 || !strings.Contains(out, "[REDACTED:email]") || !strings.Contains(out, "[REDACTED:credit_card]") ||
		!strings.Contains(out, "[REDACTED:"+MaskSecretType+"]") || !strings.HasPrefix(out, "Mail ") || !strings.HasSuffix(out, " please.") {
		t.Errorf("Mask = %q, %d", out, n)
	}
	// Only the requested types.
	out, n = Mask(in, map[string]bool{PIIEmail: true}, false)
	if n != 1 || !strings.Contains(out, "4111 1111 1111 1111") || strings.Contains(out, "maria.lopez") {
		t.Errorf("email only: %q, %d", out, n)
	}
	// Nothing to mask: the same string.
	if out, n := Mask("nothing to see here", nil, true); n != 0 || out != "nothing to see here" {
		t.Errorf("clean text changed: %q, %d", out, n)
	}
}

func FuzzMask(f *testing.F) {
	f.Add("a@b.co 4111111111111111 AKIAIOSFODNN7EXAMPLE")
	f.Add("")
	f.Fuzz(func(t *testing.T, s string) {
		out, n := Mask(s, nil, true)
		if n == 0 && out != s {
			t.Fatalf("changed without masking: %q -> %q", s, out)
		}
	})
}
