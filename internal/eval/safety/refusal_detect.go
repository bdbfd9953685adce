package safety

import (
	"sync"
	"unicode/utf8"

	"github.com/periscope-otel/periscope/internal/eval"
)

// RefusalThreshold is the refusal evaluator's default threshold: a score
// at or above it labels the answer a refusal.
const RefusalThreshold = 0.5

var shippedRefusal = sync.OnceValue(func() *Refusal { return NewRefusal(Options{}) })

// IsRefusal reports whether the refusal evaluator, as shipped, labels the
// first maxBytes of answer a refusal. Components that need a refusal signal
// without a genai_eval result (genai_metrics' drift) use it, so that there
// is one refusal detector.
func IsRefusal(answer string, maxBytes int) bool {
	if answer == "" {
		return false
	}
	if maxBytes > 0 && len(answer) > maxBytes {
		n := maxBytes
		for n > 0 && !utf8.RuneStart(answer[n]) {
			n--
		}
		answer = answer[:n]
	}
	in := eval.Input{Output: answer}
	return shippedRefusal().Evaluate(&in).Score >= RefusalThreshold
}
