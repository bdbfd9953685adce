package genaidatasetexporter

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite golden files")

// Real samples of every instrumentation family, through the shipped
// pipeline (normalize -> cost -> prompt -> eval) into genai_dataset.
var (
	traceSamples = []string{
		"real-clients/otel-traces.json", "real-clients/openllmetry-traces.json",
		"real-clients/openinference-traces.json", "real-clients/vercel-traces.json",
		"semconv-current.json", "semconv-legacy-span-events.json", "openllmetry.json",
		"openinference-rag.json", "openlit.json", "vercel-ai-sdk.json", "langfuse-sdk.json",
	}
	logSamples = []string{"real-clients/otel-logs.json", "semconv-current-events-logs.json", "semconv-legacy-events-logs.json"}
)

func runSamples(t *testing.T, cfg *Config) [][]byte {
	pl := newPipeline(t, cfg)
	ctx := context.Background()
	for _, n := range traceSamples {
		require.NoError(t, pl.traces.ConsumeTraces(ctx, readSampleTraces(t, n)), n)
	}
	for _, n := range logSamples {
		require.NoError(t, pl.logs.ConsumeLogs(ctx, readSampleLogs(t, n)), n)
	}
	pl.stop(t)
	raw := readDir(t, cfg.Directory)
	validateRows(t, rowSchema(t), raw)
	out := make([][]byte, len(raw))
	for i, r := range raw {
		out[i] = r
	}
	return out
}

// TestGolden writes every model call of the samples (select: all) and
// compares the rows with testdata/golden/all.jsonl (-update rewrites it).
func TestGolden(t *testing.T) {
	cfg := testConfig(t)
	cfg.Select = SelectAll
	got := append(bytes.Join(runSamples(t, cfg), []byte("\n")), '\n')
	path := filepath.Join("testdata", "golden", "all.jsonl")
	if *update {
		require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
		require.NoError(t, os.WriteFile(path, got, 0o644))
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err)
	wantLines := bytes.Split(bytes.TrimSpace(want), []byte("\n"))
	gotLines := bytes.Split(bytes.TrimSpace(got), []byte("\n"))
	require.Len(t, gotLines, len(wantLines))
	for i := range wantLines {
		assert.Equal(t, normalizeRow(t, wantLines[i]), normalizeRow(t, gotLines[i]), "row %d", i)
	}
}

// normalizeRow keeps what the exporter maps exactly, and only the presence
// of the figures other processors compute (evaluation scores and
// explanations, cost in USD, inferred prompt versions): their own golden
// tests pin those, and a tuned evaluator must not break this one. Labels
// and failed evaluators are compared exactly.
func normalizeRow(t *testing.T, line []byte) map[string]any {
	var m map[string]any
	require.NoError(t, json.Unmarshal(line, &m))
	if evs, ok := m["evaluations"].(map[string]any); ok {
		for _, e := range evs {
			e := e.(map[string]any)
			for _, k := range []string{"score", "explanation"} {
				if _, ok := e[k]; ok {
					e[k] = "present"
				}
			}
		}
	}
	if c, ok := m["cost"].(map[string]any); ok {
		if _, ok := c["usd"]; ok {
			c["usd"] = "present"
		}
	}
	if p, ok := m["prompt"].(map[string]any); ok {
		for _, k := range []string{"version", "template_hash", "name"} {
			if _, ok := p[k]; ok {
				p[k] = "present"
			}
		}
	}
	return m
}

// TestFlaggedOnly: with the default select, exactly the calls with a
// failed evaluation land in the dataset, of every instrumentation family,
// with their full input, output and evaluations; clean calls do not.
func TestFlaggedOnly(t *testing.T) {
	all := testConfig(t)
	all.Select = SelectAll
	allRows := decodeRows(t, toRaw(runSamples(t, all)))
	flagged := testConfig(t)
	rows := decodeRows(t, toRaw(runSamples(t, flagged)))

	want := map[string]bool{}
	for _, r := range allRows {
		if len(r.Failed) > 0 {
			want[r.SpanID] = true
		}
	}
	require.NotEmpty(t, want)
	got := map[string]bool{}
	dialects := map[string]bool{}
	for _, r := range rows {
		assert.NotEmpty(t, r.Failed, r.SpanID)
		assert.False(t, got[r.SpanID], "call %s written twice", r.SpanID)
		got[r.SpanID] = true
		dialects[r.Dialect] = true
		assert.NotEmpty(t, r.InputMessages, r.SpanID)
		assert.NotEmpty(t, r.OutputMessages, r.SpanID)
		for _, f := range r.Failed {
			e, ok := r.Evaluations[f]
			if assert.True(t, ok, "failed %s without its evaluation", f) && e.Label != "" {
				assert.Equal(t, "fail", e.Label)
			}
		}
	}
	assert.Equal(t, want, got)
	for _, d := range []string{"semconv", "openllmetry", "openinference", "vercel_ai"} {
		assert.True(t, dialects[d], "no flagged call of %s", d)
	}
}
