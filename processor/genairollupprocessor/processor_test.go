package genairollupprocessor

import (
	"context"
	"math/rand/v2"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/pdatatest/ptracetest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/periscope-otel/periscope/internal/contract"
)

func assertRollups(t *testing.T, want, got map[string]rollup) {
	t.Helper()
	require.Len(t, got, len(want), "spans with a rollup: %v", got)
	for name, w := range want {
		g, ok := got[name]
		if !assert.True(t, ok, "no rollup on %q", name) {
			continue
		}
		assert.InDelta(t, w.Cost, g.Cost, 0, "%s cost", name) // exact
		assert.Equal(t, w, g, name)
	}
}

// TestFrameworkShapes: each framework's trace in one batch carries the exact
// totals on its agent spans and local root, and nothing elsewhere.
func TestFrameworkShapes(t *testing.T) {
	for _, sh := range allShapes() {
		t.Run(sh.name, func(t *testing.T) {
			h := newHarness(t, createDefaultConfig())
			td := h.send(sh.specs)
			assertRollups(t, sh.want, rollups(td))
			assert.Equal(t, len(sh.specs), td.SpanCount(), "no span dropped")
		})
	}
}

// TestSplitAndShuffled: the same traces split into up to five batches, in
// random orders where children come before parents, give the same totals.
func TestSplitAndShuffled(t *testing.T) {
	for _, sh := range allShapes() {
		t.Run(sh.name, func(t *testing.T) {
			for seed := uint64(0); seed < 40; seed++ {
				rng := rand.New(rand.NewPCG(seed, 17))
				h := newHarness(t, createDefaultConfig())
				var out []ptrace.Traces
				for _, part := range childrenFirst(rng, sh.specs, 5) {
					out = append(out, h.send(part))
				}
				assertRollups(t, sh.want, rollups(out...))
				m := h.metrics()
				assert.Zero(t, m["otelcol_processor_genai_rollup_late_children"], "seed %d", seed)
			}
		})
	}
}

// TestAllShapesOneBatch: several traces of every framework interleaved in
// one batch, in any order (within a batch the order does not matter).
func TestAllShapesOneBatch(t *testing.T) {
	var specs []spec
	want := map[string]rollup{}
	for _, sh := range allShapes() {
		specs = append(specs, sh.specs...)
		for k, v := range sh.want {
			want[k] = v
		}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	rng.Shuffle(len(specs), func(i, j int) { specs[i], specs[j] = specs[j], specs[i] })
	h := newHarness(t, createDefaultConfig())
	assertRollups(t, want, rollups(h.send(specs)))
	m := h.metrics()
	assert.Equal(t, int64(6), m["otelcol_processor_genai_rollup_rollups_written|kind=agent"])
	assert.Equal(t, int64(2), m["otelcol_processor_genai_rollup_rollups_written|kind=root"])
	assert.Equal(t, int64(1), m["otelcol_processor_genai_rollup_loops"])
}

// TestLateChild: a child arriving after its parent passed is counted late
// and never added, to the parent or to any ancestor.
func TestLateChild(t *testing.T) {
	sh := nestedShape()
	h := newHarness(t, createDefaultConfig())
	var late spec
	var rest []spec
	for _, s := range sh.specs {
		if s.id == "c2" {
			late = s
			continue
		}
		rest = append(rest, s)
	}
	got := rollups(h.send(rest))
	assert.Equal(t, rollup{Cost: 0, HasCost: false, Model: 0, Tools: 3, Loop: true, LoopTool: "search"}, got["invoke_agent Researcher"])
	assert.Equal(t, rollup{Cost: 0.5, HasCost: true, In: 500, Out: 50, Model: 2, Tools: 4}, got["invoke_agent Orchestrator"])
	out := h.send([]spec{late})
	assert.Empty(t, rollups(out), "a late model call gets no rollup itself")
	m := h.metrics()
	assert.Equal(t, int64(1), m["otelcol_processor_genai_rollup_late_children"])
	assert.Zero(t, m["otelcol_processor_genai_rollup_pending_traces"], "nothing waits for a parent that passed")
}

// TestLateAgent: a late sub-agent still gets its own rollup from the calls
// that preceded it.
func TestLateAgent(t *testing.T) {
	specs := withTrace("late-agent", []spec{
		{id: "outer", name: "invoke_agent Outer", attrs: semconvAgent("Outer")},
		{id: "inner", parent: "outer", name: "invoke_agent Inner", attrs: semconvAgent("Inner")},
		{id: "c", parent: "inner", name: "chat", attrs: priced(0.25, semconvChat(10, 1))},
	})
	h := newHarness(t, createDefaultConfig())
	got := rollups(h.send(specs[2:3]), h.send(specs[0:1]), h.send(specs[1:2]))
	assert.Equal(t, rollup{}, got["invoke_agent Outer"])
	assert.Equal(t, rollup{Cost: 0.25, HasCost: true, In: 10, Out: 1, Model: 1}, got["invoke_agent Inner"])
	assert.Equal(t, int64(1), h.metrics()["otelcol_processor_genai_rollup_late_children"])
}

// TestLoopDetection: loop_threshold identical calls (same tool, same
// arguments up to JSON whitespace) within one invocation flag it.
func TestLoopDetection(t *testing.T) {
	build := func(args ...string) []spec {
		s := []spec{{id: "agent", name: "invoke_agent A", attrs: semconvAgent("A")}}
		for i, a := range args {
			s = append(s, spec{id: "t" + string(rune('0'+i)), parent: "agent", name: "execute_tool " + string(rune('0'+i)), attrs: semconvTool("lookup", a)})
		}
		return withTrace("loop", s)
	}
	for name, tc := range map[string]struct {
		args      []string
		threshold int
		loop      bool
	}{
		"three identical":          {[]string{`{"id":1}`, `{"id": 1}`, "{ \"id\" :1 }"}, 3, true},
		"two identical":            {[]string{`{"id":1}`, `{"id":1}`, `{"id":2}`}, 3, false},
		"threshold 2":              {[]string{`{"id":1}`, `{"id":1}`}, 2, true},
		"spaces inside strings":    {[]string{`{"q":"a b"}`, `{"q":"ab"}`, `{"q":"a  b"}`}, 3, false},
		"no arguments are no loop": {[]string{"", "", ""}, 3, false},
	} {
		t.Run(name, func(t *testing.T) {
			cfg := createDefaultConfig()
			cfg.LoopThreshold = tc.threshold
			h := newHarness(t, cfg)
			r := rollups(h.send(build(tc.args...)))["invoke_agent A"]
			assert.Equal(t, tc.loop, r.Loop)
			assert.Equal(t, int64(len(tc.args)), r.Tools)
			if tc.loop {
				assert.Equal(t, "lookup", r.LoopTool)
			}
		})
	}
}

// TestLoopAcrossBatches: calls of one invocation split across batches.
func TestLoopAcrossBatches(t *testing.T) {
	specs := withTrace("loop-batches", []spec{
		{id: "agent", name: "invoke_agent A", attrs: semconvAgent("A")},
		{id: "step1", parent: "agent", name: "step 1", attrs: map[string]any{"gen_ai.operation.name": "agent_step"}},
		{id: "t1", parent: "step1", name: "t1", attrs: semconvTool("fetch", `{"url":"x"}`)},
		{id: "step2", parent: "agent", name: "step 2", attrs: map[string]any{"gen_ai.operation.name": "agent_step"}},
		{id: "t2", parent: "step2", name: "t2", attrs: semconvTool("fetch", `{"url":"x"}`)},
		{id: "t3", parent: "agent", name: "t3", attrs: semconvTool("fetch", `{"url":"x"}`)},
	})
	h := newHarness(t, createDefaultConfig())
	got := rollups(h.send(specs[2:3]), h.send(specs[1:2]), h.send(specs[4:5]), h.send(specs[3:4]), h.send(specs[5:6]), h.send(specs[0:1]))
	assert.Equal(t, rollup{Tools: 3, Loop: true, LoopTool: "fetch"}, got["invoke_agent A"], "agent steps are not invocations")
	assert.Len(t, got, 1)
}

// TestLocalRoots: the four rules of the local root.
func TestLocalRoots(t *testing.T) {
	chat := func(id, parent string) spec {
		return spec{id: id, parent: parent, name: "chat " + id, attrs: priced(0.5, semconvChat(1, 1))}
	}
	t.Run("no parent", func(t *testing.T) {
		h := newHarness(t, createDefaultConfig())
		got := rollups(h.send(withTrace("r1", []spec{{id: "root", name: "job"}, chat("c", "root")})))
		assert.Equal(t, rollup{Cost: 0.5, HasCost: true, In: 1, Out: 1, Model: 1}, got["job"])
	})
	t.Run("remote parent flag", func(t *testing.T) {
		h := newHarness(t, createDefaultConfig())
		got := rollups(h.send(withTrace("r2", []spec{
			{id: "entry", parent: "caller", name: "handle", flags: flagHasIsRemote | flagIsRemote},
			{id: "local", parent: "entry", name: "not a root", kind: ptrace.SpanKindServer, flags: flagHasIsRemote},
			chat("c", "local"),
		})))
		assert.Contains(t, got, "handle")
		assert.NotContains(t, got, "not a root", "the SDK says its parent is local: the flag wins over SERVER kind")
	})
	t.Run("server kind", func(t *testing.T) {
		h := newHarness(t, createDefaultConfig())
		got := rollups(h.send(withTrace("r3", []spec{{id: "srv", parent: "caller", name: "POST /ask", kind: ptrace.SpanKindServer}, chat("c", "srv")})))
		assert.Contains(t, got, "POST /ask")
	})
	t.Run("parent in another service", func(t *testing.T) {
		h := newHarness(t, createDefaultConfig())
		got := rollups(h.send(withTrace("r4", []spec{
			{id: "gw", name: "gateway", svc: "gateway"},
			{id: "cli", parent: "gw", name: "call llm-svc", svc: "gateway", kind: ptrace.SpanKindClient},
			{id: "h", parent: "cli", name: "llm-svc handler", svc: "llm-svc", kind: ptrace.SpanKindInternal},
			chat("c", "h"),
		})))
		assert.Contains(t, got, "llm-svc handler")
		assert.Contains(t, got, "gateway", "totals still flow to the caller")
		assert.NotContains(t, got, "call llm-svc")
	})
	t.Run("lone model call", func(t *testing.T) {
		h := newHarness(t, createDefaultConfig())
		assert.Empty(t, rollups(h.send(withTrace("r5", []spec{chat("c", "")}))), "a lone call is its own total")
	})
	t.Run("roots disabled", func(t *testing.T) {
		cfg := createDefaultConfig()
		cfg.Roots = false
		h := newHarness(t, cfg)
		assert.Empty(t, rollups(h.send(withTrace("r6", []spec{{id: "root", name: "job"}, chat("c", "root")}))))
	})
}

// TestNestedModelCalls: a framework LLM span around the SDK's chat span
// (LangChain + OpenAI instrumentation) is one model call, not two.
func TestNestedModelCalls(t *testing.T) {
	specs := withTrace("double", []spec{
		{id: "agent", name: "invoke_agent A", attrs: semconvAgent("A")},
		{id: "lc", parent: "agent", name: "ChatOpenAI", attrs: map[string]any{"openinference.span.kind": "LLM", "llm.model_name": "gpt-4o",
			"llm.token_count.prompt": 100, "llm.token_count.completion": 10, "gen_ai.usage.cost": 0.01}},
		{id: "sdk", parent: "lc", name: "chat gpt-4o", attrs: priced(0.01, semconvChat(100, 10))},
		{id: "lone", parent: "agent", name: "ChatOpenAI 2", attrs: map[string]any{"openinference.span.kind": "LLM", "llm.model_name": "gpt-4o",
			"llm.token_count.prompt": 5, "llm.token_count.completion": 5, "gen_ai.usage.cost": 0.001}},
	})
	h := newHarness(t, createDefaultConfig())
	got := rollups(h.send(specs[2:3]), h.send(specs[1:2]), h.send(specs[3:]), h.send(specs[:1]))
	assert.Equal(t, rollup{Cost: 0.011, HasCost: true, In: 105, Out: 15, Model: 2}, got["invoke_agent A"])
}

// TestExactCost: costs add as decimals, not as binary floats.
func TestExactCost(t *testing.T) {
	specs := withTrace("exact", []spec{
		{id: "agent", name: "invoke_agent A", attrs: semconvAgent("A")},
		{id: "a", parent: "agent", name: "a", attrs: priced(0.1, semconvChat(1, 1))},
		{id: "b", parent: "agent", name: "b", attrs: priced(0.2, semconvChat(1, 1))},
	})
	h := newHarness(t, createDefaultConfig())
	r := rollups(h.send(specs))["invoke_agent A"]
	assert.Equal(t, 0.3, r.Cost) //nolint:testifylint // exact on purpose
}

// TestUnpricedCalls: a model call without a cost is counted as unpriced,
// never as $0; with no priced call at all, no cost is written.
func TestUnpricedCalls(t *testing.T) {
	unpriced := semconvChat(10, 2)
	unpriced["periscope.cost.unpriced"] = "unknown_model"
	specs := withTrace("unpriced", []spec{
		{id: "agent", name: "invoke_agent A", attrs: semconvAgent("A")},
		{id: "a", parent: "agent", name: "a", attrs: unpriced},
	})
	h := newHarness(t, createDefaultConfig())
	r := rollups(h.send(specs))["invoke_agent A"]
	assert.Equal(t, rollup{In: 10, Out: 2, Model: 1, Unpriced: 1}, r)

	specs = append(specs, spec{trace: "unpriced", id: "b", parent: "agent", name: "b", attrs: priced(0.02, semconvChat(1, 1))})
	h = newHarness(t, createDefaultConfig())
	r = rollups(h.send(specs))["invoke_agent A"]
	assert.Equal(t, rollup{Cost: 0.02, HasCost: true, In: 11, Out: 3, Model: 2, Unpriced: 1}, r)
}

// TestDuplicateSpan: a span delivered twice (a client resend) counts once.
func TestDuplicateSpan(t *testing.T) {
	sh := semconvShape()
	h := newHarness(t, createDefaultConfig())
	h.send(sh.specs[1:2])
	h.send(sh.specs[1:2])
	h.send(append([]spec{sh.specs[1]}, sh.specs[2:]...)) // and once more within a batch
	got := rollups(h.send(sh.specs[:1]))
	assert.Equal(t, sh.want["invoke_agent Railtrip"], got["invoke_agent Railtrip"])
	assert.Equal(t, int64(2), h.metrics()["otelcol_processor_genai_rollup_duplicate_spans"])
}

// TestParentCycle: malformed ids (a span its own grandparent) neither hang
// nor panic, and every span passes.
func TestParentCycle(t *testing.T) {
	specs := withTrace("cycle", []spec{
		{id: "a", parent: "b", name: "invoke_agent A", attrs: semconvAgent("A")},
		{id: "b", parent: "a", name: "invoke_agent B", attrs: semconvAgent("B")},
		{id: "c", parent: "c", name: "self", attrs: priced(1, semconvChat(1, 1))},
	})
	h := newHarness(t, createDefaultConfig())
	td := h.send(specs)
	assert.Equal(t, 3, td.SpanCount())
	assert.Len(t, rollups(td), 2)
}

// TestPassThrough: a batch without GenAI spans leaves the processor exactly
// as it came in.
func TestPassThrough(t *testing.T) {
	specs := withTrace("http", []spec{
		{id: "root", name: "GET /orders", kind: ptrace.SpanKindServer, attrs: map[string]any{"http.request.method": "GET"}},
		{id: "db", parent: "root", name: "SELECT orders", kind: ptrace.SpanKindClient, attrs: map[string]any{"db.system": "postgresql"}},
	})
	h := newHarness(t, createDefaultConfig())
	want := toTraces(specs)
	h.send(specs)
	require.Len(t, h.sink.AllTraces(), 1)
	require.NoError(t, ptracetest.CompareTraces(want, h.sink.AllTraces()[0]))
	assert.Zero(t, h.metrics()["otelcol_processor_genai_rollup_traces"], "no state for non-GenAI traces")
}

// TestConditions: conditions limit the spans written, not the totals.
func TestConditions(t *testing.T) {
	cfg := createDefaultConfig()
	cfg.Conditions = []string{`resource.attributes["service.name"] == "llm-svc"`}
	h := newHarness(t, cfg)
	got := rollups(h.send(withTrace("cond", []spec{
		{id: "gw", name: "gateway", svc: "gateway"},
		{id: "h", parent: "gw", name: "handler", svc: "llm-svc", kind: ptrace.SpanKindServer},
		{id: "c", parent: "h", name: "chat", svc: "llm-svc", attrs: priced(0.5, semconvChat(1, 1))},
	})))
	assert.Contains(t, got, "handler")
	assert.NotContains(t, got, "gateway")
}

// TestStaleRollupReplaced: a span processed twice (two tiers) carries the
// last rollup, never a stale loop flag or cost.
func TestStaleRollupReplaced(t *testing.T) {
	a := semconvAgent("A")
	a[contract.AttrRollupLoop] = true
	a[contract.AttrRollupCost] = 9.0
	h := newHarness(t, createDefaultConfig())
	got := rollups(h.send(withTrace("stale", []spec{{id: "agent", name: "invoke_agent A", attrs: a}})))
	assert.Equal(t, rollup{}, got["invoke_agent A"])
}

// TestEvictionTTL: sums waiting for a parent that never comes are dropped
// after ttl and counted as orphans.
func TestEvictionTTL(t *testing.T) {
	cfg := createDefaultConfig()
	h := newDirect(t, cfg)
	now := time.Date(2026, 9, 3, 10, 0, 0, 0, time.UTC)
	h.rp.now = func() time.Time { return now }
	h.send(withTrace("orphan", []spec{{id: "c", parent: "never", name: "chat", attrs: priced(0.1, semconvChat(1, 1))}}))
	m := h.metrics()
	assert.Equal(t, int64(1), m["otelcol_processor_genai_rollup_pending_traces"])
	assert.Equal(t, int64(1), m["otelcol_processor_genai_rollup_traces"])
	assert.Positive(t, m["otelcol_processor_genai_rollup_state_bytes"])

	now = now.Add(cfg.TTL + time.Second)
	h.send(nil)
	m = h.metrics()
	assert.Equal(t, int64(1), m["otelcol_processor_genai_rollup_evicted_traces|reason=ttl"])
	assert.Equal(t, int64(1), m["otelcol_processor_genai_rollup_orphaned_sums"])
	assert.Zero(t, m["otelcol_processor_genai_rollup_traces"])
	assert.Zero(t, m["otelcol_processor_genai_rollup_state_bytes"])
}

// TestEvictionBounds: max_traces evicts finished traces before traces whose
// sums still wait; max_bytes bounds the estimated memory.
func TestEvictionBounds(t *testing.T) {
	cfg := createDefaultConfig()
	cfg.MaxTraces = 3
	h := newHarness(t, cfg)
	// One open trace (a chat waiting for its agent), then finished ones.
	open := withTrace("open", []spec{
		{id: "agent", name: "invoke_agent Open", attrs: semconvAgent("Open")},
		{id: "c", parent: "agent", name: "chat", attrs: priced(0.1, semconvChat(1, 1))},
	})
	h.send(open[1:])
	for _, tr := range []string{"d1", "d2", "d3", "d4"} {
		h.send(withTrace(tr, []spec{{id: "agent", name: "invoke_agent " + tr, attrs: semconvAgent(tr)}}))
	}
	m := h.metrics()
	assert.Equal(t, int64(2), m["otelcol_processor_genai_rollup_evicted_traces|reason=max_traces"])
	assert.Equal(t, int64(3), m["otelcol_processor_genai_rollup_traces"])
	got := rollups(h.send(open[:1]))
	assert.Equal(t, int64(1), got["invoke_agent Open"].Model, "the open trace survived")

	cfg = createDefaultConfig()
	cfg.MaxBytes = 1 << 20
	h = newHarness(t, cfg)
	for i := 0; i < 10000; i++ {
		h.send(withTrace("b"+strconv.Itoa(i), []spec{{id: "c", parent: "p", name: "chat", attrs: priced(0.1, semconvChat(1, 1))}}))
	}
	m = h.metrics()
	assert.Positive(t, m["otelcol_processor_genai_rollup_evicted_traces|reason=max_bytes"])
	assert.LessOrEqual(t, m["otelcol_processor_genai_rollup_state_bytes"], int64(1<<20))
}

// TestConcurrent: batches of many traces from several goroutines (run with
// -race): every trace gets its exact totals.
func TestConcurrent(t *testing.T) {
	h := newHarness(t, createDefaultConfig())
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(g), 5))
			for n := 0; n < 25; n++ {
				sh := semconvShape()
				specs := withTrace(sh.name+string(rune('a'+g))+string(rune('a'+n)), sh.specs)
				var out []ptrace.Traces
				for _, part := range childrenFirst(rng, specs, 4) {
					out = append(out, h.send(part))
				}
				got := rollups(out...)
				assert.Equal(t, sh.want["invoke_agent Railtrip"], got["invoke_agent Railtrip"])
			}
		}()
	}
	wg.Wait()
	assert.Equal(t, int64(100), h.metrics()["otelcol_processor_genai_rollup_rollups_written|kind=agent"])
}

func TestLifecycle(t *testing.T) {
	f := NewFactory()
	assert.Equal(t, "genai_rollup", f.Type().String())
	h := newHarness(t, createDefaultConfig())
	assert.True(t, h.proc.Capabilities().MutatesData)
	require.NoError(t, h.proc.ConsumeTraces(context.Background(), ptrace.NewTraces()))
}

// TestLoopOutsideAgents: tool calls with no agent above them form the local
// root's loop scope.
func TestLoopOutsideAgents(t *testing.T) {
	specs := withTrace("root-loop", []spec{{id: "root", name: "POST /tools", kind: ptrace.SpanKindServer}})
	for _, id := range []string{"a", "b", "c"} {
		specs = append(specs, spec{trace: "root-loop", id: id, parent: "root", name: "tool " + id, attrs: semconvTool("ping", `{"host":"db"}`)})
	}
	h := newHarness(t, createDefaultConfig())
	got := rollups(h.send(specs[1:]), h.send(specs[:1]))
	assert.Equal(t, rollup{Tools: 3, Loop: true, LoopTool: "ping"}, got["POST /tools"])
}
