package genainormalizeprocessor

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/golden"
	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"
)

// semconvSchemas are the JSON schemas of the content attributes, written
// from the semconv text (testdata/semconv), by attribute key.
func semconvSchemas(t *testing.T) map[string]*jsonschema.Schema {
	c := jsonschema.NewCompiler()
	out := map[string]*jsonschema.Schema{}
	for key, file := range map[string]string{
		keyInputMessages:   "gen-ai-input-messages.json",
		keyOutputMessages:  "gen-ai-output-messages.json",
		keySystemInstr:     "gen-ai-system-instructions.json",
		keyToolDefinitions: "gen-ai-tool-definitions.json",
	} {
		path, err := filepath.Abs(filepath.Join("testdata", "semconv", file))
		require.NoError(t, err)
		s, err := c.Compile(path)
		require.NoError(t, err)
		out[key] = s
	}
	return out
}

// validateContent checks every content attribute of m against its schema;
// it returns how many it checked.
func validateContent(t *testing.T, schemas map[string]*jsonschema.Schema, where string, m pcommon.Map) int {
	n := 0
	for key, s := range schemas {
		v, ok := m.Get(key)
		if !ok {
			continue
		}
		var doc any
		if v.Type() == pcommon.ValueTypeStr {
			if err := json.Unmarshal([]byte(v.Str()), &doc); err != nil {
				t.Errorf("%s %s: not JSON: %v", where, key, err)
				continue
			}
		} else {
			b, _ := json.Marshal(v.AsRaw()) // structured on log events
			_ = json.Unmarshal(b, &doc)
		}
		err := s.Validate(doc)
		if err != nil && key == keyOutputMessages && !hasFinishReasons(m) && onlyMissingFinishReason(err) {
			// Deliberate deviation: an output message carries finish_reason
			// whenever the call reported one; none is invented.
			err = nil
		}
		if err != nil {
			t.Errorf("%s %s does not validate: %v", where, key, err)
		}
		n++
	}
	return n
}

// TestGoldenContentValidates: every content attribute of every golden
// output validates against the semconv message schemas.
func TestGoldenContentValidates(t *testing.T) {
	schemas := semconvSchemas(t)
	files, _ := filepath.Glob(filepath.Join("testdata", "golden", "*.yaml"))
	require.NotEmpty(t, files)
	checked := 0
	for _, f := range files {
		name := filepath.Base(f)
		if strings.HasSuffix(f, ".traces.yaml") {
			td, err := golden.ReadTraces(f)
			require.NoError(t, err)
			for _, rs := range td.ResourceSpans().All() {
				for _, ss := range rs.ScopeSpans().All() {
					for _, sp := range ss.Spans().All() {
						checked += validateContent(t, schemas, name+" "+sp.Name(), sp.Attributes())
					}
				}
			}
			continue
		}
		ld, err := golden.ReadLogs(f)
		require.NoError(t, err)
		for _, rl := range ld.ResourceLogs().All() {
			for _, sl := range rl.ScopeLogs().All() {
				for _, lr := range sl.LogRecords().All() {
					checked += validateContent(t, schemas, name+" record", lr.Attributes())
				}
			}
		}
	}
	t.Logf("%d content attributes validated in %d golden files", checked, len(files))
	require.Greater(t, checked, 50)
}

// TestSchemasRejectNonConformingContent: the schemas are not vacuous.
func TestSchemasRejectNonConformingContent(t *testing.T) {
	schemas := semconvSchemas(t)
	for key, bad := range map[string]string{
		keyInputMessages:   `[{"role":"user","parts":[{"type":"text"}]}]`,
		keyOutputMessages:  `[{"role":"assistant","parts":[{"type":"text","content":"x"}]}]`,
		keySystemInstr:     `[{"type":"uri","uri":"https://x"}]`,
		keyToolDefinitions: `[{"type":"function"}]`,
	} {
		var doc any
		require.NoError(t, json.Unmarshal([]byte(bad), &doc))
		require.Error(t, schemas[key].Validate(doc), key)
	}
}

func hasFinishReasons(m pcommon.Map) bool {
	_, ok := m.Get(keyFinishReasons)
	return ok
}

// onlyMissingFinishReason reports whether every violation is a missing
// finish_reason.
func onlyMissingFinishReason(err error) bool {
	for _, line := range strings.Split(err.Error(), "\n") {
		line = strings.TrimSpace(line)
		if strings.HasPrefix(line, "- at") && !strings.Contains(line, "missing property 'finish_reason'") {
			return false
		}
	}
	return true
}
