package selector

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

func TestSpans(t *testing.T) {
	set := componenttest.NewNopTelemetrySettings()
	none, err := NewSpans(nil, set)
	require.NoError(t, err)
	assert.Nil(t, none)

	td := ptrace.NewTraces()
	rs := td.ResourceSpans().AppendEmpty()
	rs.Resource().Attributes().PutStr("service.name", "checkout")
	ss := rs.ScopeSpans().AppendEmpty()
	span := ss.Spans().AppendEmpty()
	span.SetName("chat gpt-4o")
	span.Attributes().PutStr("gen_ai.operation.name", "chat")
	assert.True(t, none.Match(context.Background(), rs, ss, span), "nil selects all")

	sel, err := NewSpans([]string{`resource.attributes["service.name"] == "billing"`, `attributes["gen_ai.operation.name"] == "chat"`}, set)
	require.NoError(t, err)
	assert.True(t, sel.Match(context.Background(), rs, ss, span), "conditions are OR-ed")
	span.Attributes().PutStr("gen_ai.operation.name", "embeddings")
	assert.False(t, sel.Match(context.Background(), rs, ss, span))

	_, err = NewSpans([]string{`attributes[ == `}, set)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "conditions")
}

func TestLogs(t *testing.T) {
	set := componenttest.NewNopTelemetrySettings()
	sel, err := NewLogs([]string{`event_name == "gen_ai.choice"`}, set)
	require.NoError(t, err)
	ld := plog.NewLogs()
	rl := ld.ResourceLogs().AppendEmpty()
	sl := rl.ScopeLogs().AppendEmpty()
	lr := sl.LogRecords().AppendEmpty()
	lr.SetEventName("gen_ai.choice")
	assert.True(t, sel.Match(context.Background(), rl, sl, lr))
	lr.SetEventName("gen_ai.user.message")
	assert.False(t, sel.Match(context.Background(), rl, sl, lr))
	var none *Logs
	assert.True(t, none.Match(context.Background(), rl, sl, lr))
}
