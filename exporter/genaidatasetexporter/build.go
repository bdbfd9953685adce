package genaidatasetexporter

import (
	"encoding/json"
	"slices"
	"strings"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"

	"github.com/periscope-otel/periscope/exporter/genaidatasetexporter/dataset"
	"github.com/periscope-otel/periscope/internal/componentkit"
	"github.com/periscope-otel/periscope/internal/contract"
	"github.com/periscope-otel/periscope/internal/genai"
)

// annotations is what the pipeline wrote about a call beside its content:
// cost (genai_cost), prompt identity (genai_prompt) and evaluations
// (genai_eval, genai_judge). Read from span attributes and events, or from
// a call's log records and its evaluation-result records.
type annotations struct {
	cost         *dataset.Cost
	promptName   string
	promptVer    string
	templateHash string
	evals        dataset.Evaluations
	failed       []string
}

// readAttrs collects the annotations found in one attribute map.
func (a *annotations) readAttrs(m pcommon.Map) {
	for k, v := range m.All() {
		switch k {
		case contract.AttrCost:
			if f, ok := componentkit.Number(v); ok && f >= 0 {
				a.costRef().USD = &f
			}
		case contract.AttrCostPriceID:
			a.costRef().PriceID = v.AsString()
		case contract.AttrCostUnpriced:
			a.costRef().Unpriced = v.AsString()
		case contract.AttrPromptName:
			a.promptName = v.AsString()
		case contract.AttrPromptVersion:
			a.promptVer = v.AsString()
		case contract.AttrPromptTemplateHash:
			a.templateHash = v.AsString()
		case contract.AttrEvalFailed:
			if v.Type() == pcommon.ValueTypeSlice {
				s := v.Slice()
				for i := 0; i < s.Len(); i++ {
					a.fail(s.At(i).AsString())
				}
			} else if v.Type() == pcommon.ValueTypeStr {
				for _, n := range strings.Split(v.Str(), ",") {
					a.fail(strings.TrimSpace(n))
				}
			}
		default:
			// periscope.eval.<evaluator> = score; other periscope.eval.*
			// keys (truncated, source, ...) are not doubles.
			if name, ok := strings.CutPrefix(k, contract.AttrEvalPrefix); ok && name != "" && v.Type() == pcommon.ValueTypeDouble {
				e := a.evals[name]
				f := v.Double()
				e.Score = &f
				a.put(name, e)
			}
		}
	}
}

// readResult collects one gen_ai.evaluation.result event or log record.
func (a *annotations) readResult(m pcommon.Map) {
	nv, ok := m.Get(contract.AttrEvalName)
	if !ok {
		return
	}
	name := nv.AsString()
	if name == "" {
		return
	}
	e := a.evals[name]
	if v, ok := m.Get(contract.AttrEvalScoreValue); ok {
		if f, ok := componentkit.Number(v); ok {
			e.Score = &f
		}
	}
	if v, ok := m.Get(contract.AttrEvalScoreLabel); ok {
		e.Label = v.AsString()
	}
	if v, ok := m.Get(contract.AttrEvalExplanation); ok {
		e.Explanation = v.AsString()
	}
	a.put(name, e)
	if e.Label == contract.LabelFail {
		a.fail(name)
	}
}

func (a *annotations) put(name string, e dataset.Evaluation) {
	if a.evals == nil {
		a.evals = dataset.Evaluations{}
	}
	a.evals[name] = e
}

func (a *annotations) fail(name string) {
	if name != "" && !slices.Contains(a.failed, name) {
		a.failed = append(a.failed, name)
	}
}

func (a *annotations) costRef() *dataset.Cost {
	if a.cost == nil {
		a.cost = &dataset.Cost{}
	}
	return a.cost
}

// merge fills what a lacks from b (b: the call's span seen earlier).
func (a *annotations) merge(b *annotations) {
	if a.cost == nil && b.cost != nil {
		c := *b.cost
		a.cost = &c
	}
	if a.promptName == "" {
		a.promptName = b.promptName
	}
	if a.promptVer == "" {
		a.promptVer = b.promptVer
	}
	if a.templateHash == "" {
		a.templateHash = b.templateHash
	}
	for k, e := range b.evals {
		if _, ok := a.evals[k]; !ok {
			a.put(k, e)
		}
	}
	for _, f := range b.failed {
		a.fail(f)
	}
}

// call is one model call ready to become a row.
type call struct {
	trace   pcommon.TraceID
	span    pcommon.SpanID
	time    pcommon.Timestamp
	service string
	source  string
	view    *genai.View
	ann     annotations
	session *dataset.Session
}

// buildRow turns a call into a dataset row.
func buildRow(c *call) dataset.Row {
	v := c.view
	r := dataset.Row{
		SchemaVersion: dataset.SchemaVersion,
		Time:          timeString(c.time),
		Service:       c.service,
		Operation:     v.Operation,
		Provider:      v.Provider,
		RequestModel:  v.RequestModel,
		ResponseModel: v.ResponseModel,
		Dialect:       string(v.Dialect),
		Source:        c.source,
		Session:       c.session,
		Truncated:     v.Truncated,
		Evaluations:   c.ann.evals,
		Failed:        c.ann.failed,
		Cost:          c.ann.cost,
	}
	if !c.trace.IsEmpty() {
		r.TraceID = c.trace.String()
	}
	if !c.span.IsEmpty() {
		r.SpanID = c.span.String()
	}
	if r.Evaluations == nil {
		r.Evaluations = dataset.Evaluations{}
	}
	if r.Failed == nil {
		r.Failed = []string{}
	} else {
		slices.Sort(r.Failed)
	}
	p := dataset.Prompt{Name: c.ann.promptName, Version: c.ann.promptVer, TemplateHash: c.ann.templateHash}
	if p.Name == "" {
		p.Name = v.Prompt.Name
	}
	if p.Version == "" {
		p.Version = v.Prompt.Version
	}
	if p != (dataset.Prompt{}) {
		r.Prompt = &p
	}
	if len(v.SystemInstructions) > 0 {
		r.SystemInstructions = parts(v.SystemInstructions)
	}
	r.InputMessages = messages(v.InputMessages)
	r.OutputMessages = messages(v.OutputMessages)
	for _, t := range v.ToolDefinitions {
		r.ToolDefinitions = append(r.ToolDefinitions, dataset.ToolDef{Type: orDefault(t.Type, "function"), Name: t.Name,
			Description: t.Description, Parameters: rawJSON(t.Parameters, false)})
	}
	for _, d := range v.Documents {
		doc := dataset.Document{ID: d.ID, Content: d.Content}
		if d.HasScore {
			s := d.Score
			doc.Score = &s
		}
		r.RetrievalDocuments = append(r.RetrievalDocuments, doc)
	}
	r.Request = request(&v.Request)
	r.Usage = usage(&v.Usage)
	if r.Cost != nil && r.Cost.USD == nil && r.Cost.PriceID == "" && r.Cost.Unpriced == "" {
		r.Cost = nil
	}
	return r
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

func timeString(ts pcommon.Timestamp) string {
	if ts == 0 {
		return time.Now().UTC().Format(time.RFC3339Nano)
	}
	return ts.AsTime().UTC().Format(time.RFC3339Nano)
}

func messages(in []genai.Message) []dataset.Message {
	out := make([]dataset.Message, 0, len(in))
	for i := range in {
		m := &in[i]
		out = append(out, dataset.Message{Role: orDefault(m.Role, "user"), Name: m.Name, Parts: parts(m.Parts), FinishReason: m.FinishReason})
	}
	return out
}

func parts(in []genai.Part) []dataset.Part {
	out := make([]dataset.Part, 0, len(in))
	for i := range in {
		p := &in[i]
		q := dataset.Part{Type: orDefault(p.Type, genai.PartText)}
		switch p.Type {
		case genai.PartToolCall:
			q.ID, q.Name, q.Arguments = p.ID, p.Name, rawJSON(p.Arguments, true)
		case genai.PartToolCallResponse:
			q.ID, q.Response = p.ID, p.Content
		case genai.PartBlob:
			q.Modality, q.MimeType, q.Content = p.Modality, p.MimeType, p.Content
		case genai.PartURI:
			q.Modality, q.MimeType, q.URI = p.Modality, p.MimeType, p.Content
		case genai.PartFile:
			q.Modality, q.MimeType, q.FileID = p.Modality, p.MimeType, p.Content
		default:
			q.Content = p.Content
		}
		out = append(out, q)
	}
	return out
}

// rawJSON returns s as a JSON value: itself when it is a JSON object or
// array, else (asString) a JSON string, else nothing.
func rawJSON(s string, asString bool) json.RawMessage {
	t := strings.TrimSpace(s)
	if t == "" {
		return nil
	}
	if (t[0] == '{' || t[0] == '[') && json.Valid([]byte(t)) {
		return json.RawMessage(t)
	}
	if !asString {
		return nil
	}
	b, err := json.Marshal(s)
	if err != nil {
		return nil
	}
	return b
}

func request(p *genai.RequestParams) *dataset.Request {
	if p.Has == 0 {
		return nil
	}
	var r dataset.Request
	f := func(bit genai.ParamField, v float64) *float64 {
		if p.Has&bit == 0 {
			return nil
		}
		return &v
	}
	i := func(bit genai.ParamField, v int64) *int64 {
		if p.Has&bit == 0 {
			return nil
		}
		return &v
	}
	r.Temperature = f(genai.HasTemperature, p.Temperature)
	r.TopP = f(genai.HasTopP, p.TopP)
	r.TopK = f(genai.HasTopK, p.TopK)
	r.FrequencyPenalty = f(genai.HasFrequencyPenalty, p.FrequencyPenalty)
	r.PresencePenalty = f(genai.HasPresencePenalty, p.PresencePenalty)
	r.MaxTokens = i(genai.HasMaxTokens, p.MaxTokens)
	r.Seed = i(genai.HasSeed, p.Seed)
	if len(p.StopSequences) > 0 {
		r.StopSequences = p.StopSequences
	}
	if r.Temperature == nil && r.TopP == nil && r.TopK == nil && r.FrequencyPenalty == nil && r.PresencePenalty == nil &&
		r.MaxTokens == nil && r.Seed == nil && r.StopSequences == nil {
		return nil
	}
	return &r
}

func usage(u *genai.Usage) *dataset.Usage {
	if !u.Any() {
		return nil
	}
	var out dataset.Usage
	i := func(bit genai.UsageField, v int64) *int64 {
		if u.Has&bit == 0 || v < 0 {
			return nil
		}
		return &v
	}
	out.InputTokens = i(genai.HasInput, u.Input)
	out.OutputTokens = i(genai.HasOutput, u.Output)
	out.CacheReadTokens = i(genai.HasCacheRead, u.CacheRead)
	out.CacheCreationTokens = i(genai.HasCacheWrite, u.CacheWrite)
	out.ReasoningTokens = i(genai.HasReasoning, u.Reasoning)
	if out == (dataset.Usage{}) {
		return nil
	}
	return &out
}
