package safety

import (
	"sort"
	"strings"

	"github.com/periscope-otel/periscope/internal/eval"
)

// MaskSecretType is the type Mask reports for a masked secret.
const MaskSecretType = "secret"

// Mask returns plain text s with every PII value of the given types (nil:
// every type in PIITypes) and, when secrets is set, every detected secret
// replaced by a placeholder naming its type ("[REDACTED:email]",
// "[REDACTED:secret]"), and the number of values masked. It is meant for
// text that leaves the pipeline (a judge prompt, a replayed request); it
// does not decode JSON escapes, so pass decoded text, not JSON documents.
func Mask(s string, pii map[string]bool, secrets bool) (string, int) {
	if len(s) < 5 {
		return s, 0
	}
	found := ScanPII(s, eval.SideInput, pii, nil)
	if secrets {
		fs, _ := ScanSecrets(s, eval.SideInput, nil, nil)
		for _, f := range fs {
			f.Rule = MaskSecretType
			found = append(found, f)
		}
	}
	if len(found) == 0 {
		return s, 0
	}
	sort.Slice(found, func(i, j int) bool { return found[i].Start < found[j].Start })
	var b strings.Builder
	b.Grow(len(s))
	pos, n := 0, 0
	for _, f := range found {
		a, e := max(f.Start, pos), min(f.End, len(s))
		if e <= a {
			// Inside a range already masked (a key inside a PEM block
			// that also looks like a phone number): extend the mask.
			continue
		}
		if a > pos || n == 0 {
			b.WriteString(s[pos:a])
			b.WriteString("[REDACTED:")
			b.WriteString(f.Rule)
			b.WriteString("]")
			n++
		}
		pos = e
	}
	b.WriteString(s[pos:])
	return b.String(), n
}
