package genaidatasetexporter

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/confmap/confmaptest"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/periscope-otel/periscope/internal/contract"
)

// chatTraces builds n chat spans with content; every failEvery-th is
// flagged (periscope.eval.failed) as genai_eval would.
func chatTraces(n, failEvery int, tracePrefix byte) ptrace.Traces {
	td := ptrace.NewTraces()
	rs := td.ResourceSpans().AppendEmpty()
	rs.Resource().Attributes().PutStr("service.name", "svc")
	ss := rs.ScopeSpans().AppendEmpty()
	for i := 0; i < n; i++ {
		s := ss.Spans().AppendEmpty()
		s.SetName("chat gpt-4o-mini")
		s.SetTraceID(pcommon.TraceID{tracePrefix, byte(i >> 8), byte(i), 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, byte(i)})
		s.SetSpanID(pcommon.SpanID{tracePrefix, byte(i >> 8), byte(i), 1, 1, 1, 1, 1})
		s.SetStartTimestamp(pcommon.Timestamp(1_700_000_000_000_000_000 + int64(i)*1e6))
		s.SetEndTimestamp(pcommon.Timestamp(1_700_000_000_100_000_000 + int64(i)*1e6))
		a := s.Attributes()
		a.PutStr("gen_ai.operation.name", "chat")
		a.PutStr("gen_ai.provider.name", "openai")
		a.PutStr("gen_ai.request.model", "gpt-4o-mini")
		a.PutInt("gen_ai.usage.input_tokens", 12)
		a.PutInt("gen_ai.usage.output_tokens", 5)
		a.PutStr("gen_ai.input.messages", fmt.Sprintf(`[{"role":"user","parts":[{"type":"text","content":"question %d"}]}]`, i))
		a.PutStr("gen_ai.output.messages", fmt.Sprintf(`[{"role":"assistant","parts":[{"type":"text","content":"answer %d"}],"finish_reason":"stop"}]`, i))
		if failEvery > 0 && i%failEvery == 0 {
			a.PutDouble(contract.AttrEvalPrefix+contract.EvalPII, 0.9)
			a.PutEmptySlice(contract.AttrEvalFailed).AppendEmpty().SetStr(contract.EvalPII)
		}
	}
	return td
}

func TestConfigValidate(t *testing.T) {
	require.NoError(t, createDefaultConfig().Validate())
	for _, tc := range []struct {
		mut  func(*Config)
		want string
	}{
		{func(c *Config) { c.Directory = "" }, "directory:"},
		{func(c *Config) { c.FilePrefix = "a/b" }, "file_prefix:"},
		{func(c *Config) { c.Select = "some" }, "select:"},
		{func(c *Config) { c.SampleRatio = 1.5 }, "sample_ratio:"},
		{func(c *Config) { c.MaxContentBytes = 0 }, "max_content_bytes:"},
		{func(c *Config) { c.MaxBytes = 0 }, "max_bytes:"},
		{func(c *Config) { c.MaxAge = 0 }, "max_age:"},
		{func(c *Config) { c.Compression = "zstd" }, "compression:"},
		{func(c *Config) { c.MaxTotalBytes = -1 }, "max_total_bytes:"},
		{func(c *Config) { c.MaxTotalBytes = 10 }, "max_total_bytes:"},
		{func(c *Config) { c.DedupSlots = 3 }, "dedup_slots:"},
		{func(c *Config) { c.Conditions = []string{""} }, "conditions[0]:"},
	} {
		c := createDefaultConfig()
		tc.mut(c)
		err := c.Validate()
		require.Error(t, err)
		assert.True(t, strings.HasPrefix(err.Error(), tc.want), err.Error())
	}
}

func TestConfigUnmarshal(t *testing.T) {
	cm, err := confmaptest.LoadConf(filepath.Join("testdata", "config.yaml"))
	require.NoError(t, err)
	sub, err := cm.Sub("genai_dataset/full")
	require.NoError(t, err)
	cfg := createDefaultConfig()
	require.NoError(t, sub.Unmarshal(cfg))
	require.NoError(t, confmap.Validate(cfg))
	assert.Equal(t, "/var/lib/periscope/datasets", cfg.Directory)
	assert.Equal(t, SelectFlagged, cfg.Select)
	assert.Equal(t, 0.01, cfg.SampleRatio)
	assert.Equal(t, CompressionGzip, cfg.Compression)
	assert.Equal(t, int64(16<<20), cfg.MaxBytes)
	assert.Equal(t, 15*time.Minute, cfg.MaxAge)
	assert.Equal(t, int64(1<<30), cfg.MaxTotalBytes)
	assert.Len(t, cfg.Conditions, 1)
	assert.True(t, cfg.QueueConfig.HasValue())

	bad, err := cm.Sub("genai_dataset/bad_key")
	require.NoError(t, err)
	err = bad.Unmarshal(createDefaultConfig())
	require.Error(t, err)
	assert.Contains(t, err.Error(), "selekt")
}

func TestSelectFlaggedAndDuplicates(t *testing.T) {
	cfg := testConfig(t)
	p := newPair(t, cfg)
	ctx := context.Background()
	td := chatTraces(30, 3, 1)
	require.NoError(t, p.traces.ConsumeTraces(ctx, td))
	require.NoError(t, p.traces.ConsumeTraces(ctx, td)) // redelivered: written once
	p.stop(t)
	rows := decodeRows(t, readDir(t, cfg.Directory))
	require.Len(t, rows, 10)
	for _, r := range rows {
		assert.Equal(t, []string{"pii"}, r.Failed)
		assert.InDelta(t, 0.9, *r.Evaluations["pii"].Score, 1e-9)
		assert.Equal(t, "svc", r.Service)
		assert.Equal(t, int64(12), *r.Usage.InputTokens)
	}
}

func TestSampleRatioDeterministic(t *testing.T) {
	count := func(ratio float64) map[string]bool {
		cfg := testConfig(t)
		cfg.SampleRatio = ratio
		p := newPair(t, cfg)
		require.NoError(t, p.traces.ConsumeTraces(context.Background(), chatTraces(2000, 0, 2)))
		p.stop(t)
		got := map[string]bool{}
		for _, r := range decodeRows(t, readDir(t, cfg.Directory)) {
			got[r.TraceID] = true
		}
		return got
	}
	a, b := count(0.1), count(0.1)
	assert.Equal(t, a, b, "sampling must depend on the trace id only")
	assert.InDelta(t, 200, len(a), 60)
	assert.Empty(t, count(0))
	assert.Len(t, count(1), 2000)
}

func TestConditions(t *testing.T) {
	cfg := testConfig(t)
	cfg.Select = SelectAll
	cfg.Conditions = []string{`attributes["gen_ai.input.messages"] == "never"`}
	p := newPair(t, cfg)
	require.NoError(t, p.traces.ConsumeTraces(context.Background(), chatTraces(5, 1, 3)))
	p.stop(t)
	assert.Empty(t, readDir(t, cfg.Directory))

	cfg = testConfig(t)
	cfg.Select = SelectAll
	cfg.Conditions = []string{`resource.attributes["service.name"] == "svc"`}
	p = newPair(t, cfg)
	require.NoError(t, p.traces.ConsumeTraces(context.Background(), chatTraces(5, 0, 3)))
	p.stop(t)
	assert.Len(t, readDir(t, cfg.Directory), 5)

	cfg = testConfig(t)
	cfg.Conditions = []string{`attributes[`}
	_, err := NewFactory().CreateTraces(context.Background(), newSettings(), cfg)
	require.ErrorContains(t, err, "conditions")
}

// TestLogsCallWrittenOnce: a call whose span has no content and whose
// content and evaluation results arrive as log records is written once,
// from the records, with the span's usage and cost, whichever comes first.
func TestLogsCallWrittenOnce(t *testing.T) {
	for _, spanFirst := range []bool{true, false} {
		cfg := testConfig(t)
		p := newPair(t, cfg)
		ctx := context.Background()
		tid := pcommon.TraceID{9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9}
		sid := pcommon.SpanID{7, 7, 7, 7, 7, 7, 7, 7}
		td := ptrace.NewTraces()
		s := td.ResourceSpans().AppendEmpty().ScopeSpans().AppendEmpty().Spans().AppendEmpty()
		s.SetTraceID(tid)
		s.SetSpanID(sid)
		s.Attributes().PutStr("gen_ai.operation.name", "chat")
		s.Attributes().PutStr("gen_ai.provider.name", "openai")
		s.Attributes().PutStr("gen_ai.request.model", "gpt-4o-mini")
		s.Attributes().PutInt("gen_ai.usage.input_tokens", 30)
		s.Attributes().PutDouble(contract.AttrCost, 0.001)
		ld := plog.NewLogs()
		rl := ld.ResourceLogs().AppendEmpty()
		rl.Resource().Attributes().PutStr("service.name", "py")
		sl := rl.ScopeLogs().AppendEmpty()
		add := func(name string, body map[string]any) plog.LogRecord {
			lr := sl.LogRecords().AppendEmpty()
			lr.SetEventName(name)
			lr.SetTraceID(tid)
			lr.SetSpanID(sid)
			lr.SetTimestamp(pcommon.Timestamp(1_700_000_000_000_000_000))
			if body != nil {
				require.NoError(t, lr.Body().SetEmptyMap().FromRaw(body))
			}
			return lr
		}
		add("gen_ai.user.message", map[string]any{"content": "my card is 4111 1111 1111 1111"})
		add("gen_ai.choice", map[string]any{"index": 0, "finish_reason": "stop", "message": map[string]any{"content": "ok"}})
		res := add(contract.EventEvaluationResult, nil)
		res.Attributes().PutStr(contract.AttrEvalName, "pii")
		res.Attributes().PutDouble(contract.AttrEvalScoreValue, 0.95)
		res.Attributes().PutStr(contract.AttrEvalScoreLabel, "fail")
		if spanFirst {
			require.NoError(t, p.traces.ConsumeTraces(ctx, td))
			require.NoError(t, p.logs.ConsumeLogs(ctx, ld))
		} else {
			require.NoError(t, p.logs.ConsumeLogs(ctx, ld))
			require.NoError(t, p.traces.ConsumeTraces(ctx, td))
		}
		require.NoError(t, p.logs.ConsumeLogs(ctx, ld)) // redelivery
		p.stop(t)
		raw := readDir(t, cfg.Directory)
		validateRows(t, rowSchema(t), raw)
		rows := decodeRows(t, raw)
		require.Len(t, rows, 1)
		r := rows[0]
		assert.Equal(t, "logs", r.Source)
		assert.Equal(t, []string{"pii"}, r.Failed)
		assert.Equal(t, "fail", r.Evaluations["pii"].Label)
		assert.Equal(t, "user", r.InputMessages[0].Role)
		assert.Equal(t, "ok", r.OutputText())
		if spanFirst {
			require.NotNil(t, r.Usage)
			assert.Equal(t, int64(30), *r.Usage.InputTokens)
			require.NotNil(t, r.Cost)
			assert.InDelta(t, 0.001, *r.Cost.USD, 1e-12)
		}
	}
}

func TestBadInputNeverFails(t *testing.T) {
	cfg := testConfig(t)
	cfg.Select = SelectAll
	p := newPair(t, cfg)
	td := ptrace.NewTraces()
	ss := td.ResourceSpans().AppendEmpty().ScopeSpans().AppendEmpty()
	s := ss.Spans().AppendEmpty()
	a := s.Attributes()
	a.PutStr("gen_ai.operation.name", "chat")
	a.PutStr("gen_ai.input.messages", `[{"role":"user","parts":[{"type":"text","content":"`+strings.Repeat("x", 3<<20)+`"}]}`)
	a.PutStr("gen_ai.output.messages", "{not json")
	a.PutStr(contract.AttrEvalFailed, "pii, toxicity")
	a.PutStr(contract.AttrCost, "free")
	s2 := ss.Spans().AppendEmpty()
	s2.Attributes().PutInt("gen_ai.input.messages", 3)
	s2.Attributes().PutStr("gen_ai.output.messages", "\xff\xfe")
	s3 := ss.Spans().AppendEmpty()
	s3.Attributes().PutStr("gen_ai.input.messages", `[{"role":"user","parts":[{"type":"tool_call","name":"x","arguments":"{bad"}]}]`)
	require.NoError(t, p.traces.ConsumeTraces(context.Background(), td))
	p.stop(t)
	raw := readDir(t, cfg.Directory)
	validateRows(t, rowSchema(t), raw)
	for _, r := range decodeRows(t, raw) {
		if r.Truncated {
			assert.LessOrEqual(t, len(r.InputText()), cfg.MaxContentBytes)
		}
	}
}

func TestRotationBySize(t *testing.T) {
	for _, comp := range []string{CompressionNone, CompressionGzip} {
		t.Run(comp, func(t *testing.T) {
			cfg := testConfig(t)
			cfg.Select = SelectAll
			cfg.Compression = comp
			cfg.MaxBytes = 4096
			cfg.MaxTotalBytes = 0
			p := newPair(t, cfg)
			for i := 0; i < 5; i++ {
				require.NoError(t, p.traces.ConsumeTraces(context.Background(), chatTraces(20, 0, byte(10+i))))
			}
			p.stop(t)
			entries, err := os.ReadDir(cfg.Directory)
			require.NoError(t, err)
			require.Greater(t, len(entries), 3, "expected rotation")
			for _, e := range entries {
				info, err := e.Info()
				require.NoError(t, err)
				assert.Equal(t, os.FileMode(0o600), info.Mode().Perm(), e.Name())
				assert.True(t, strings.HasPrefix(e.Name(), "genai-dataset-"), e.Name())
				if comp == CompressionGzip {
					assert.True(t, strings.HasSuffix(e.Name(), ".jsonl.gz"), e.Name())
				} else {
					assert.True(t, strings.HasSuffix(e.Name(), ".jsonl"), e.Name())
					// A file holds whole rows, at most one row past max_bytes.
					assert.Less(t, info.Size(), int64(4096+1024))
				}
			}
			raw := readDir(t, cfg.Directory) // gzip files decode, every line parses
			validateRows(t, rowSchema(t), raw)
			assert.Len(t, raw, 100)
		})
	}
}

func TestRotationByAgeAndRetention(t *testing.T) {
	cfg := testConfig(t)
	cfg.MaxBytes = 1 << 20
	cfg.MaxAge = time.Minute
	cfg.MaxTotalBytes = 1 << 20
	w := newRotatingWriter(cfg)
	now := time.Date(2026, 12, 5, 6, 0, 0, 0, time.UTC)
	w.now = func() time.Time { return now }
	rotated, deleted := 0, 0
	w.onRotate = func() { rotated++ }
	w.onDelete = func(n int) { deleted += n }
	row := []byte(strings.Repeat("a", 1000) + "\n")
	for i := 0; i < 3; i++ {
		require.NoError(t, w.writeRows(row, []int{len(row)}))
		now = now.Add(2 * time.Minute)
	}
	require.NoError(t, w.close())
	assert.Equal(t, 2, rotated)
	names := listNames(t, cfg.Directory)
	require.Len(t, names, 3)
	assert.Equal(t, "genai-dataset-20261205T060000.000Z-000001.jsonl", names[0])

	// Retention: a budget of 2.5 rows keeps the newest two files.
	w.maxTotal = 2500
	require.NoError(t, w.writeRows(row, []int{len(row)}))
	require.NoError(t, w.close())
	names = listNames(t, cfg.Directory)
	assert.Len(t, names, 2)
	assert.Equal(t, 2, deleted)
	assert.True(t, strings.HasSuffix(names[1], "-000004.jsonl"), names[1])
}

func listNames(t *testing.T, dir string) []string {
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	var out []string
	for _, e := range entries {
		out = append(out, e.Name())
	}
	return out
}

func TestWriteErrorIsRetried(t *testing.T) {
	cfg := testConfig(t)
	cfg.Directory = filepath.Join(t.TempDir(), "file")
	require.NoError(t, os.WriteFile(cfg.Directory, nil, 0o600)) // a file, not a directory
	p := newPair(t, cfg)
	err := p.traces.ConsumeTraces(context.Background(), chatTraces(3, 1, 5))
	require.Error(t, err)
	require.NoError(t, os.Remove(cfg.Directory))
	require.NoError(t, p.traces.ConsumeTraces(context.Background(), chatTraces(3, 1, 5)))
	p.stop(t)
	assert.Len(t, readDir(t, cfg.Directory), 3)
}

// TestQueueDefaults: the shipped defaults (sending queue on, retries on)
// write everything accepted by shutdown, into one file.
func TestQueueDefaults(t *testing.T) {
	cfg := createDefaultConfig()
	cfg.Directory = t.TempDir()
	p := newPair(t, cfg)
	ctx := context.Background()
	for i := 0; i < 10; i++ {
		require.NoError(t, p.traces.ConsumeTraces(ctx, chatTraces(10, 2, byte(20+i))))
	}
	p.stop(t)
	rows := readDir(t, cfg.Directory)
	assert.Len(t, rows, 50)
	assert.Len(t, listNames(t, cfg.Directory), 1)
}

func TestFactory(t *testing.T) {
	f := NewFactory()
	assert.Equal(t, "genai_dataset", f.Type().String())
	cfg := f.CreateDefaultConfig().(*Config)
	require.NoError(t, cfg.Validate())
	assert.Equal(t, SelectFlagged, cfg.Select)
	assert.Zero(t, cfg.SampleRatio)
}

// TestRowAllFields: tools, tool calls and results, media parts, sampling
// parameters, cache and reasoning tokens, and the documents of the trace's
// retrieval span all land in a schema-valid row.
func TestRowAllFields(t *testing.T) {
	cfg := testConfig(t)
	cfg.Select = SelectAll
	p := newPair(t, cfg)
	td := ptrace.NewTraces()
	ss := td.ResourceSpans().AppendEmpty().ScopeSpans().AppendEmpty()
	tid := pcommon.TraceID{4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4}
	ret := ss.Spans().AppendEmpty()
	ret.SetTraceID(tid)
	ret.SetSpanID(pcommon.SpanID{1, 1, 1, 1, 1, 1, 1, 1})
	ret.Attributes().PutStr("openinference.span.kind", "RETRIEVER")
	ret.Attributes().PutStr("retrieval.documents.0.document.id", "kb-1")
	ret.Attributes().PutStr("retrieval.documents.0.document.content", "Refunds within 30 days.")
	ret.Attributes().PutDouble("retrieval.documents.0.document.score", 0.8)
	s := ss.Spans().AppendEmpty()
	s.SetTraceID(tid)
	s.SetSpanID(pcommon.SpanID{2, 2, 2, 2, 2, 2, 2, 2})
	a := s.Attributes()
	a.PutStr("gen_ai.operation.name", "chat")
	a.PutStr("gen_ai.provider.name", "openai")
	a.PutStr("gen_ai.request.model", "gpt-4o")
	a.PutDouble("gen_ai.request.temperature", 0.3)
	a.PutInt("gen_ai.request.max_tokens", 200)
	a.PutInt("gen_ai.usage.input_tokens", 100)
	a.PutInt("gen_ai.usage.output_tokens", 50)
	a.PutInt("gen_ai.usage.cache_read.input_tokens", 40)
	a.PutInt("gen_ai.usage.reasoning.output_tokens", 20)
	a.PutStr("gen_ai.system_instructions", `[{"type":"text","content":"Be brief."}]`)
	a.PutStr("gen_ai.tool.definitions", `[{"type":"function","name":"refund","description":"Refund an order","parameters":{"type":"object","properties":{"id":{"type":"string"}}}}]`)
	a.PutStr("gen_ai.input.messages", `[{"role":"user","parts":[{"type":"text","content":"Refund order 7"},{"type":"uri","modality":"image","mime_type":"image/png","uri":"https://x/y.png"}]},`+
		`{"role":"assistant","parts":[{"type":"tool_call","id":"c1","name":"refund","arguments":{"id":"7"}}]},`+
		`{"role":"tool","parts":[{"type":"tool_call_response","id":"c1","response":"done"}]}]`)
	a.PutStr("gen_ai.output.messages", `[{"role":"assistant","parts":[{"type":"text","content":"Refunded."}],"finish_reason":"stop"}]`)
	require.NoError(t, p.traces.ConsumeTraces(context.Background(), td))
	p.stop(t)
	raw := readDir(t, cfg.Directory)
	validateRows(t, rowSchema(t), raw)
	rows := decodeRows(t, raw)
	require.Len(t, rows, 1)
	r := rows[0]
	assert.Equal(t, "Be brief.", r.SystemText())
	require.Len(t, r.ToolDefinitions, 1)
	assert.JSONEq(t, `{"type":"object","properties":{"id":{"type":"string"}}}`, string(r.ToolDefinitions[0].Parameters))
	require.Len(t, r.InputMessages, 3)
	assert.Equal(t, "uri", r.InputMessages[0].Parts[1].Type)
	assert.Equal(t, "https://x/y.png", r.InputMessages[0].Parts[1].URI)
	assert.JSONEq(t, `{"id":"7"}`, string(r.InputMessages[1].Parts[0].Arguments))
	assert.Equal(t, "done", r.InputMessages[2].Parts[0].Response)
	assert.InDelta(t, 0.3, *r.Request.Temperature, 1e-9)
	assert.Equal(t, int64(200), *r.Request.MaxTokens)
	assert.Equal(t, int64(40), *r.Usage.CacheReadTokens)
	assert.Equal(t, int64(20), *r.Usage.ReasoningTokens)
	require.Len(t, r.RetrievalDocuments, 1, "the trace's retrieval documents")
	assert.Equal(t, "kb-1", r.RetrievalDocuments[0].ID)
	assert.InDelta(t, 0.8, *r.RetrievalDocuments[0].Score, 1e-9)
}
