package handoff

import (
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/periscope-otel/periscope/internal/genai"
)

// SetVerify installs fn to see every view handed on (nil removes it).
func SetVerify(fn func(span ptrace.Span, opts genai.Options, v *genai.View)) {
	if fn == nil {
		verify.Store(nil)
		return
	}
	verify.Store(&fn)
}

// SetVerifyCall installs fn to see every call's view handed on.
func SetVerifyCall(fn func(records []plog.LogRecord, opts genai.Options, v *genai.View)) {
	if fn == nil {
		verifyCall.Store(nil)
		return
	}
	verifyCall.Store(&fn)
}
