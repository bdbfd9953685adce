package genaipromptprocessor

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/processor/processortest"

	"github.com/periscope-otel/periscope/internal/contract"
	"github.com/periscope-otel/periscope/internal/genai"
	"github.com/periscope-otel/periscope/internal/testutil"
	"github.com/periscope-otel/periscope/processor/genaipromptprocessor/internal/metadata"
)

// TestLogsRealClient: the official OpenAI instrumentation carries content
// as log events; every record of a call with a prompt gets the identity,
// and the template renderings share one version.
func TestLogsRealClient(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(testutil.SharedDir(t), "data", "genai-samples", "real-clients", "otel-logs.json"))
	require.NoError(t, err)
	ld, err := (&plog.JSONUnmarshaler{}).UnmarshalLogs(b)
	require.NoError(t, err)
	groups := genai.GroupLogRecords(ld)
	require.NotEmpty(t, groups)
	var users []string
	for _, g := range groups {
		v := genai.ReadLogRecords(g.Records, g.Resource, genai.Options{Content: true})
		users = append(users, v.LastUserText())
	}
	n := ld.LogRecordCount()
	sink := new(consumertest.LogsSink)
	p, err := NewFactory().CreateLogs(context.Background(), processortest.NewNopSettings(metadata.Type), defaultCfg(), sink)
	require.NoError(t, err)
	require.NoError(t, p.ConsumeLogs(context.Background(), ld))
	require.NoError(t, p.Shutdown(context.Background()))
	require.Equal(t, n, sink.LogRecordCount())

	// groups keep pointing at the (mutated in place) records
	versions := map[string]bool{}
	identified := 0
	for i, g := range groups {
		if users[i] == "" {
			continue
		}
		for _, lr := range g.Records {
			o := attrsOf(lr.Attributes())
			assert.Equal(t, contract.VersionSourceInferred, o.source)
			assert.Regexp(t, hash16, o.hash)
		}
		identified++
		if len(users[i]) > 40 && users[i][:40] == "Summarize the following support ticket i" {
			versions[attrsOf(g.Records[0].Attributes()).version] = true
		}
	}
	assert.Positive(t, identified)
	assert.Len(t, versions, 1, "three renderings of one template share one version")
}
