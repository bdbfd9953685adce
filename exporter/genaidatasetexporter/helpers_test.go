package genaidatasetexporter

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/config/configoptional"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/exporter"
	"go.opentelemetry.io/collector/exporter/exporterhelper"
	"go.opentelemetry.io/collector/exporter/exportertest"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/processor"
	"go.opentelemetry.io/collector/processor/processortest"

	"github.com/periscope-otel/periscope/exporter/genaidatasetexporter/dataset"
	"github.com/periscope-otel/periscope/internal/testutil"
	"github.com/periscope-otel/periscope/processor/genaicostprocessor"
	"github.com/periscope-otel/periscope/processor/genaievalprocessor"
	"github.com/periscope-otel/periscope/processor/genainormalizeprocessor"
	"github.com/periscope-otel/periscope/processor/genaipromptprocessor"
)

// testConfig is the default configuration writing to a temporary directory
// synchronously (no queue, no retries): a push returns once rows are on disk.
func testConfig(t testing.TB) *Config {
	cfg := createDefaultConfig()
	cfg.Directory = t.TempDir()
	cfg.QueueConfig = configoptional.None[exporterhelper.QueueBatchConfig]()
	cfg.RetryConfig.Enabled = false
	return cfg
}

// pair is the traces and logs instances of one configured exporter.
type pair struct {
	traces exporter.Traces
	logs   exporter.Logs
}

func newPair(t testing.TB, cfg *Config) *pair {
	t.Helper()
	ctx := context.Background()
	f := NewFactory()
	set := exportertest.NewNopSettings(f.Type())
	set.ID = component.NewIDWithName(f.Type(), fmt.Sprintf("t%d", rand.Uint64()))
	te, err := f.CreateTraces(ctx, set, cfg)
	require.NoError(t, err)
	le, err := f.CreateLogs(ctx, set, cfg)
	require.NoError(t, err)
	require.NoError(t, te.Start(ctx, componenttest.NewNopHost()))
	require.NoError(t, le.Start(ctx, componenttest.NewNopHost()))
	p := &pair{traces: te, logs: le}
	t.Cleanup(func() { p.stop(t) })
	return p
}

func (p *pair) stop(t testing.TB) {
	if p.traces == nil {
		return
	}
	ctx := context.Background()
	require.NoError(t, p.traces.Shutdown(ctx))
	require.NoError(t, p.logs.Shutdown(ctx))
	p.traces, p.logs = nil, nil
}

// pipeline is genai_normalize -> genai_cost -> genai_prompt -> genai_eval
// -> genai_dataset for traces and logs, each component one configured id
// shared by both signals, as in config/default.yaml.
type pipeline struct {
	traces consumer.Traces
	logs   consumer.Logs
	comps  []component.Component
}

func newPipeline(t testing.TB, cfg *Config) *pipeline {
	t.Helper()
	ctx := context.Background()
	suffix := fmt.Sprintf("t%d", rand.Uint64())
	ex := newPair(t, cfg)
	nextT, nextL := consumer.Traces(ex.traces), consumer.Logs(ex.logs)
	pl := &pipeline{}
	// Built downstream first.
	for _, f := range []processor.Factory{genaievalprocessor.NewFactory(), genaipromptprocessor.NewFactory(),
		genaicostprocessor.NewFactory(), genainormalizeprocessor.NewFactory()} {
		s := processortest.NewNopSettings(f.Type())
		s.ID = component.NewIDWithName(f.Type(), suffix)
		pt, err := f.CreateTraces(ctx, s, f.CreateDefaultConfig(), nextT)
		require.NoError(t, err)
		pll, err := f.CreateLogs(ctx, s, f.CreateDefaultConfig(), nextL)
		require.NoError(t, err)
		require.NoError(t, pt.Start(ctx, componenttest.NewNopHost()))
		require.NoError(t, pll.Start(ctx, componenttest.NewNopHost()))
		pl.comps = append(pl.comps, pt, pll)
		nextT, nextL = pt, pll
	}
	pl.traces, pl.logs = nextT, nextL
	return pl
}

// stop shuts the processors down upstream first (call assembly hands over
// what it holds).
func (pl *pipeline) stop(t testing.TB) {
	for i := len(pl.comps) - 1; i >= 0; i-- {
		require.NoError(t, pl.comps[i].Shutdown(context.Background()))
	}
}

func readSampleTraces(t testing.TB, name string) ptrace.Traces {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(testutil.SharedDir(t), "data", "genai-samples", name))
	require.NoError(t, err)
	td, err := (&ptrace.JSONUnmarshaler{}).UnmarshalTraces(b)
	require.NoError(t, err)
	return td
}

func readSampleLogs(t testing.TB, name string) plog.Logs {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(testutil.SharedDir(t), "data", "genai-samples", name))
	require.NoError(t, err)
	ld, err := (&plog.JSONUnmarshaler{}).UnmarshalLogs(b)
	require.NoError(t, err)
	return ld
}

// readDir returns the rows of every dataset file in dir, in file order.
func readDir(t testing.TB, dir string) []json.RawMessage {
	t.Helper()
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	sort.Strings(names)
	var rows []json.RawMessage
	for _, n := range names {
		b, err := os.ReadFile(filepath.Join(dir, n))
		require.NoError(t, err)
		if strings.HasSuffix(n, ".gz") {
			zr, err := gzip.NewReader(bytes.NewReader(b))
			require.NoError(t, err)
			b, err = io.ReadAll(zr)
			require.NoError(t, err)
		}
		sc := bufio.NewScanner(bytes.NewReader(b))
		sc.Buffer(nil, 64<<20)
		for sc.Scan() {
			rows = append(rows, json.RawMessage(append([]byte(nil), sc.Bytes()...)))
		}
		require.NoError(t, sc.Err())
	}
	return rows
}

func decodeRows(t testing.TB, raw []json.RawMessage) []dataset.Row {
	t.Helper()
	out := make([]dataset.Row, len(raw))
	for i, r := range raw {
		dec := json.NewDecoder(bytes.NewReader(r))
		dec.DisallowUnknownFields()
		require.NoError(t, dec.Decode(&out[i]), string(r))
	}
	return out
}

// rowSchema compiles dataset/row.v1.json.
func rowSchema(t testing.TB) *jsonschema.Schema {
	t.Helper()
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(dataset.SchemaV1))
	require.NoError(t, err)
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	require.NoError(t, c.AddResource("row.v1.json", doc))
	s, err := c.Compile("row.v1.json")
	require.NoError(t, err)
	return s
}

func validateRows(t testing.TB, s *jsonschema.Schema, rows []json.RawMessage) {
	t.Helper()
	for _, r := range rows {
		v, err := jsonschema.UnmarshalJSON(bytes.NewReader(r))
		require.NoError(t, err)
		require.NoError(t, s.Validate(v), string(r))
	}
}

func toRaw(b [][]byte) []json.RawMessage {
	out := make([]json.RawMessage, len(b))
	for i := range b {
		out[i] = b[i]
	}
	return out
}

func newSettings() exporter.Settings {
	return exportertest.NewNopSettings(NewFactory().Type())
}
