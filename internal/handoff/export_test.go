package handoff

import (
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/periscope-otel/periscope/internal/genai"
)

// SetVerify installs fn to see every view handed on (nil removes it).
func SetVerify(fn func(span ptrace.Span, opts genai.Options, v *genai.View)) {
	verify = fn
}
