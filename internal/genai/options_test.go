package genai

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// SkipOutputMessages changes nothing on the request side of any sample:
// genai_prompt reads with it and must see what a full read sees.
func TestSkipOutputMessagesKeepsRequestSide(t *testing.T) {
	full := Options{Content: true, SkipToolDefinitions: true}
	skip := full
	skip.SkipOutputMessages = true
	outputs := 0
	for _, path := range sampleFiles(t) {
		td, _ := readSample(t, path)
		for _, rs := range td.ResourceSpans().All() {
			for _, ss := range rs.ScopeSpans().All() {
				for _, sp := range ss.Spans().All() {
					a := ReadSpan(sp, rs.Resource(), full)
					b := ReadSpan(sp, rs.Resource(), skip)
					name := path + ":" + sp.Name()
					if a.Category != CategoryTool {
						assert.Empty(t, b.OutputMessages, name)
					}
					outputs += len(a.OutputMessages)
					assert.Equal(t, a.InputMessages, b.InputMessages, name)
					assert.Equal(t, a.SystemInstructions, b.SystemInstructions, name)
					assert.Equal(t, a.Prompt, b.Prompt, name)
					assert.Equal(t, a.Documents, b.Documents, name)
					assert.Equal(t, a.Operation, b.Operation, name)
					assert.Equal(t, a.RequestModel, b.RequestModel, name)
					assert.Equal(t, a.Dialect, b.Dialect, name)
					assert.Equal(t, a.Category, b.Category, name)
					assert.Equal(t, a.LastUserText(), b.LastUserText(), name)
				}
			}
		}
	}
	assert.Greater(t, outputs, 20, "the samples have output messages to skip")
}
