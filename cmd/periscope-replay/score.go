package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"sort"

	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/processor"
	"go.opentelemetry.io/collector/processor/processortest"
	"go.yaml.in/yaml/v3"

	"github.com/periscope-otel/periscope/exporter/genaidatasetexporter/dataset"
	"github.com/periscope-otel/periscope/internal/contract"
	"github.com/periscope-otel/periscope/processor/genaicostprocessor"
	"github.com/periscope-otel/periscope/processor/genaievalprocessor"
)

// scorer prices and evaluates a call exactly as the pipeline does: it runs
// the genai_cost and genai_eval processors (built from their public
// factories, default configuration unless --eval-config gives genai_eval's)
// over a span holding the call in semconv form. Both processors are safe
// for concurrent use.
type scorer struct {
	cost processor.Traces
	eval processor.Traces
	host string // server.address of the endpoint, for provider inference
}

func newScorer(evalConfig, endpoint string) (*scorer, error) {
	ctx := context.Background()
	nop := consumertest.NewNop()
	mk := func(f processor.Factory, cfg any) (processor.Traces, error) {
		p, err := f.CreateTraces(ctx, processortest.NewNopSettings(f.Type()), cfg, nop)
		if err != nil {
			return nil, err
		}
		return p, p.Start(ctx, componenttest.NewNopHost())
	}
	cf, ef := genaicostprocessor.NewFactory(), genaievalprocessor.NewFactory()
	ecfg := ef.CreateDefaultConfig()
	if evalConfig != "" {
		b, err := os.ReadFile(evalConfig)
		if err != nil {
			return nil, fmt.Errorf("--eval-config: %w", err)
		}
		var raw map[string]any
		if err := yaml.Unmarshal(b, &raw); err != nil {
			return nil, fmt.Errorf("--eval-config: %w", err)
		}
		if err := confmap.NewFromStringMap(raw).Unmarshal(ecfg); err != nil {
			return nil, fmt.Errorf("--eval-config: %w", err)
		}
		if err := confmap.Validate(ecfg); err != nil {
			return nil, fmt.Errorf("--eval-config: %w", err)
		}
	}
	s := &scorer{}
	var err error
	if s.cost, err = mk(cf, cf.CreateDefaultConfig()); err != nil {
		return nil, fmt.Errorf("genai_cost: %w", err)
	}
	if s.eval, err = mk(ef, ecfg); err != nil {
		return nil, fmt.Errorf("genai_eval: %w", err)
	}
	if u, err := url.Parse(endpoint); err == nil {
		s.host = u.Hostname()
	}
	return s, nil
}

func (s *scorer) close() {
	_ = s.cost.Shutdown(context.Background())
	_ = s.eval.Shutdown(context.Background())
}

// callSpec is one call to score: the row's request side plus an answer.
type callSpec struct {
	provider, model string
	system          []dataset.Part
	input           []dataset.Message
	output          []dataset.Message
	documents       []dataset.Document
	usage           *dataset.Usage
	host            string
}

// scored is the outcome: evaluations, failed evaluators and cost.
type scored struct {
	Evaluations dataset.Evaluations `json:"evaluations"`
	Failed      []string            `json:"failed"`
	Cost        *float64            `json:"cost"`
	Unpriced    string              `json:"unpriced,omitempty"`
}

func putJSON(m pcommon.Map, k string, v any) {
	if b, err := json.Marshal(v); err == nil {
		m.PutStr(k, string(b))
	}
}

func (s *scorer) score(ctx context.Context, c *callSpec, evaluate bool) (scored, error) {
	td := ptrace.NewTraces()
	span := td.ResourceSpans().AppendEmpty().ScopeSpans().AppendEmpty().Spans().AppendEmpty()
	span.SetName("chat " + c.model)
	span.SetKind(ptrace.SpanKindClient)
	a := span.Attributes()
	a.PutStr("gen_ai.operation.name", "chat")
	if c.provider != "" {
		a.PutStr("gen_ai.provider.name", c.provider)
	}
	if c.host != "" {
		a.PutStr("server.address", c.host)
	}
	a.PutStr("gen_ai.request.model", c.model)
	a.PutStr("gen_ai.response.model", c.model)
	if u := c.usage; u != nil {
		put := func(k string, v *int64) {
			if v != nil {
				a.PutInt(k, *v)
			}
		}
		put("gen_ai.usage.input_tokens", u.InputTokens)
		put("gen_ai.usage.output_tokens", u.OutputTokens)
		put("gen_ai.usage.cache_read.input_tokens", u.CacheReadTokens)
		put("gen_ai.usage.cache_creation.input_tokens", u.CacheCreationTokens)
		put("gen_ai.usage.reasoning.output_tokens", u.ReasoningTokens)
	}
	if evaluate {
		if len(c.system) > 0 {
			putJSON(a, "gen_ai.system_instructions", c.system)
		}
		putJSON(a, "gen_ai.input.messages", c.input)
		putJSON(a, "gen_ai.output.messages", c.output)
		if len(c.documents) > 0 {
			putJSON(a, "gen_ai.retrieval.documents", c.documents)
		}
	}
	if err := s.cost.ConsumeTraces(ctx, td); err != nil {
		return scored{}, err
	}
	if evaluate {
		if err := s.eval.ConsumeTraces(ctx, td); err != nil {
			return scored{}, err
		}
	}
	return readScored(span), nil
}

// readScored reads what genai_cost and genai_eval wrote on the span.
func readScored(span ptrace.Span) scored {
	out := scored{Evaluations: dataset.Evaluations{}, Failed: []string{}}
	a := span.Attributes()
	if v, ok := a.Get(contract.AttrCost); ok && v.Type() == pcommon.ValueTypeDouble {
		f := v.Double()
		out.Cost = &f
	}
	if v, ok := a.Get(contract.AttrCostUnpriced); ok {
		out.Unpriced = v.AsString()
	}
	evs := span.Events()
	for i := 0; i < evs.Len(); i++ {
		ev := evs.At(i)
		if ev.Name() != contract.EventEvaluationResult {
			continue
		}
		m := ev.Attributes()
		nv, ok := m.Get(contract.AttrEvalName)
		if !ok {
			continue
		}
		var e dataset.Evaluation
		if v, ok := m.Get(contract.AttrEvalScoreValue); ok && v.Type() == pcommon.ValueTypeDouble {
			f := v.Double()
			e.Score = &f
		}
		if v, ok := m.Get(contract.AttrEvalScoreLabel); ok {
			e.Label = v.AsString()
		}
		if v, ok := m.Get(contract.AttrEvalExplanation); ok {
			e.Explanation = v.AsString()
		}
		out.Evaluations[nv.AsString()] = e
		if e.Label == contract.LabelFail {
			out.Failed = append(out.Failed, nv.AsString())
		}
	}
	sort.Strings(out.Failed)
	return out
}
