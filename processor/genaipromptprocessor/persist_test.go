package genaipromptprocessor

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/extension"
	"go.opentelemetry.io/collector/processor/processortest"

	"github.com/periscope-otel/periscope/internal/statestore"
	"github.com/periscope-otel/periscope/internal/testutil"
	"github.com/periscope-otel/periscope/processor/genaipromptprocessor/internal/metadata"
)

type hostWith struct {
	exts map[component.ID]component.Component
}

func (h hostWith) GetExtensions() map[component.ID]component.Component { return h.exts }

var _ extension.Extension = (*testutil.MemStorage)(nil)

// TestRestartKeepsVersions: versions inferred before a restart keep their
// hash after it, and are not marked new again.
func TestRestartKeepsVersions(t *testing.T) {
	storeID := component.MustNewIDWithName("file_storage", "prompts")
	disk := testutil.NewMemStorage()
	host := hostWith{exts: map[component.ID]component.Component{storeID: disk}}
	cfg := defaultCfg()
	cfg.Storage = &storeID
	cfg.Registry = []RegistryPrompt{{Name: "greet", Versions: []RegistryVersion{{Version: "1", Template: "Say hello to {{name}} in French."}}}}

	calls := func() []out {
		set := processortest.NewNopSettings(metadata.Type)
		p, err := newPromptProcessor(set, cfg, "traces")
		require.NoError(t, err)
		require.NoError(t, p.start(context.Background(), host))
		td, ss := newTraces("svc")
		chatSpan(ss, "", "Classify the sentiment of this review as positive or negative.\nReview: The kettle broke after 3 days and support never answered.", nil)
		chatSpan(ss, "", "Classify the sentiment of this review as positive or negative.\nReview: Lovely design, boils fast, quiet.", nil)
		chatSpan(ss, "", "Say hello to Ingrid in French.", nil)
		p.processTraces(context.Background(), td)
		require.NoError(t, p.shutdown(context.Background()))
		var res []out
		spans := td.ResourceSpans().At(0).ScopeSpans().At(0).Spans()
		for i := 0; i < spans.Len(); i++ {
			res = append(res, attrsOf(spans.At(i).Attributes()))
		}
		return res
	}
	before := calls()
	require.NotEmpty(t, disk.Value(keyState), "state saved at shutdown")
	after := calls()
	for i := range before {
		assert.Equal(t, before[i].hash, after[i].hash, "call %d keeps its hash across the restart", i)
		assert.Equal(t, before[i].version, after[i].version)
		assert.False(t, after[i].isNew, "call %d: not new after restart", i)
	}
	assert.True(t, before[0].isNew)
	assert.True(t, before[2].isNew)

	// a corrupt state starts empty instead of failing
	disk.Put(keyState, []byte{0xff, 0x01, 0x02})
	p, err := newPromptProcessor(processortest.NewNopSettings(metadata.Type), cfg, "traces")
	require.NoError(t, err)
	require.NoError(t, p.start(context.Background(), host))
	require.NoError(t, p.shutdown(context.Background()))
}

func TestStorageMisconfigured(t *testing.T) {
	id := component.MustNewID("file_storage")
	cfg := defaultCfg()
	cfg.Storage = &id
	p, err := newPromptProcessor(processortest.NewNopSettings(metadata.Type), cfg, "traces")
	require.NoError(t, err)
	require.ErrorContains(t, p.start(context.Background(), hostWith{}), "not found")
	require.NoError(t, p.shutdown(context.Background()))
}

// TestBadInput: megabyte templates, invalid UTF-8, variables of every type,
// many distinct prompts against a small cap.
func TestBadInput(t *testing.T) {
	cfg := defaultCfg()
	cfg.Inference.MaxTemplates = 50
	cfg.Inference.MaxVersions = 50
	cfg.MaxContentBytes = 8 << 20 // let the reader hand over the huge prompt; max_template_bytes cuts it
	p, err := newPromptProcessor(processortest.NewNopSettings(metadata.Type), cfg, "traces")
	require.NoError(t, err)
	td, ss := newTraces("svc")
	huge := strings.Repeat("Summarize the incident timeline carefully. ", 50000) // ~2 MB
	chatSpan(ss, huge, "what happened?", nil)
	chatSpan(ss, "", "caf\xc3\x28 \xff\xfe broken \x80 bytes {{", map[string]any{
		"traceloop.prompt.template":                       "Hello {{name",
		"traceloop.prompt.template_variables.n":           int64(3),
		"traceloop.prompt.template_variables.f":           1.5,
		"traceloop.prompt.template_variables.b":           true,
		"traceloop.prompt.template_variables.l":           []any{"a", int64(1)},
		"traceloop.prompt.template_variables.m":           map[string]any{"k": "v"},
		"llm.prompt_template.variables":                   "{not json",
		"gen_ai.prompt.version":                           int64(5),
		"traceloop.prompt.template_variables.\xff\xfe":    "x",
		"traceloop.prompt.template_variables.empty_bytes": []byte{},
	})
	r := rand.New(rand.NewPCG(5, 5))
	for range 2000 {
		var b strings.Builder
		for range 12 {
			b.WriteString(words[r.IntN(len(words))])
			b.WriteByte(' ')
		}
		chatSpan(ss, "", b.String(), nil)
	}
	n := td.SpanCount()
	require.NotPanics(t, func() { p.processTraces(context.Background(), td) })
	assert.Equal(t, n, td.SpanCount())
	spans := td.ResourceSpans().At(0).ScopeSpans().At(0).Spans()
	first := attrsOf(spans.At(0).Attributes())
	assert.Regexp(t, hash16, first.hash)
	tr, ok := spans.At(0).Attributes().Get(attrTruncated)
	assert.True(t, ok && tr.Bool(), "huge prompt marked truncated")
	assert.Equal(t, "5", attrsOf(spans.At(1).Attributes()).version)
	assert.LessOrEqual(t, p.miner.Len(), 50, "state stays within its cap")
	assert.LessOrEqual(t, p.miner.Bytes(), cfg.Inference.MaxStateBytes)
	assert.Positive(t, p.miner.Evicted())
	for i := 0; i < spans.Len(); i++ {
		assert.NotEmpty(t, attrsOf(spans.At(i).Attributes()).hash, "span %d", i)
	}
}

func TestConcurrent(t *testing.T) {
	p, err := newPromptProcessor(processortest.NewNopSettings(metadata.Type), defaultCfg(), "traces")
	require.NoError(t, err)
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 50 {
				td, ss := newTraces("svc")
				chatSpan(ss, "You answer billing questions.", fmt.Sprintf("Why was invoice %d charged twice in month %d?", i*31+g, i%12), nil)
				chatSpan(ss, "", fmt.Sprintf("Translate to German: order %d shipped", i), nil)
				p.processTraces(context.Background(), td)
			}
		}()
	}
	wg.Wait()
	assert.LessOrEqual(t, p.miner.Len(), 10)
}

var words = strings.Fields("alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo lima mike november oscar papa quebec romeo sierra tango uniform victor whiskey xray yankee zulu kettle invoice refund router cable ticket warranty station")

// TestContentBudgetCut: a prompt the reader could not read within its
// budget is marked truncated, never dropped.
func TestContentBudgetCut(t *testing.T) {
	p, err := newPromptProcessor(processortest.NewNopSettings(metadata.Type), defaultCfg(), "traces")
	require.NoError(t, err)
	td, ss := newTraces("svc")
	chatSpan(ss, strings.Repeat("Summarize the incident timeline carefully. ", 50000), "what happened?", nil)
	p.processTraces(context.Background(), td)
	require.Equal(t, 1, td.SpanCount())
	v, ok := td.ResourceSpans().At(0).ScopeSpans().At(0).Spans().At(0).Attributes().Get(attrTruncated)
	assert.True(t, ok && v.Bool())
}

// TestStateSavedBeforeStatestore: a state saved without the statestore
// envelope (the format before it) is read once: versions keep their hash
// and are not new again; the next save writes the envelope.
func TestStateSavedBeforeStatestore(t *testing.T) {
	storeID := component.MustNewID("file_storage")
	disk := testutil.NewMemStorage()
	host := hostWith{exts: map[component.ID]component.Component{storeID: disk}}
	cfg := defaultCfg()
	cfg.Storage = &storeID
	run := func() out {
		p, err := newPromptProcessor(processortest.NewNopSettings(metadata.Type), cfg, "traces")
		require.NoError(t, err)
		require.NoError(t, p.start(context.Background(), host))
		td, ss := newTraces("svc")
		chatSpan(ss, "", "Classify the sentiment of this review as positive or negative.\nReview: Great kettle.", nil)
		p.processTraces(context.Background(), td)
		require.NoError(t, p.shutdown(context.Background()))
		return attrsOf(td.ResourceSpans().At(0).ScopeSpans().At(0).Spans().At(0).Attributes())
	}
	first := run()
	require.True(t, first.isNew)
	version, payload, err := statestore.Decode(disk.Value(keyState))
	require.NoError(t, err)
	require.Equal(t, uint64(stateVersion), version)
	disk.Put(keyState, payload) // as the previous release stored it

	again := run()
	assert.Equal(t, first.hash, again.hash)
	assert.False(t, again.isNew, "restored from the old format")
	version, _, err = statestore.Decode(disk.Value(keyState))
	require.NoError(t, err)
	assert.Equal(t, uint64(stateVersion), version, "rewritten in the new format")

	// A damaged envelope: the processor starts empty (the version is new
	// again) and start does not fail.
	b := disk.Value(keyState)
	b[len(b)-1] ^= 0xff
	disk.Put(keyState, b)
	assert.True(t, run().isNew)
}
