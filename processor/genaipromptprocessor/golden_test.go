package genaipromptprocessor

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/golden"
	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/pdatatest/ptracetest"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

// goldenInput builds the fixture of testdata/golden/input.yaml: an explicit
// identity, a registry hit, three renderings of one template and its edit,
// and a span that is not GenAI.
func goldenInput() ptrace.Traces {
	td, ss := newTraces("support-bot")
	chatSpan(ss, "", "Hello Ingrid", map[string]any{"traceloop.prompt.key": "greeting", "traceloop.prompt.version": "7"})
	chatSpan(ss, "", "Translate into German:\nThe parcel left the warehouse on Monday.", nil)
	for _, tk := range []string{
		"Customer 1182 cannot log in since the password reset.",
		"Invoice #5521 was charged twice; the customer wants a refund.",
		"The mobile app crashes when opening the camera on Android 14.\nReported by 3 users.",
	} {
		chatSpan(ss, "", "Summarize the following support ticket in one sentence for the on-call engineer.\nTicket: "+tk, nil)
	}
	chatSpan(ss, "", "Summarize the following support ticket in one sentence for the on-call manager.\nTicket: Delivery tracking has not updated for six days.", nil)
	ss.Spans().AppendEmpty().SetName("GET /healthz")
	return td
}

func TestGolden(t *testing.T) {
	dir := filepath.Join("testdata", "golden")
	if os.Getenv("PERISCOPE_GOLDEN_INPUT") != "" {
		golden.WriteTraces(t, filepath.Join(dir, "input.yaml"), goldenInput())
	}
	in, err := golden.ReadTraces(filepath.Join(dir, "input.yaml"))
	require.NoError(t, err)
	cfg := defaultCfg()
	cfg.EmitTemplate = true
	cfg.Registry = []RegistryPrompt{{Name: "translate-de", Versions: []RegistryVersion{{Version: "3", Template: "Translate into German:\n{{text}}"}}}}
	h := newHarness(t, cfg)
	require.NoError(t, h.proc.ConsumeTraces(context.Background(), in))
	got := h.sink.AllTraces()[0]
	if os.Getenv("PERISCOPE_GOLDEN_UPDATE") != "" {
		golden.WriteTraces(t, filepath.Join(dir, "expected.yaml"), got)
	}
	want, err := golden.ReadTraces(filepath.Join(dir, "expected.yaml"))
	require.NoError(t, err)
	require.NoError(t, ptracetest.CompareTraces(want, got))
}
