package metrics

import "github.com/periscope-otel/periscope/internal/contract"

// Semconv bucket boundaries: the advisory parameters of
// gen_ai.client.token.usage and gen_ai.client.operation.duration; chunk
// times use those of gen_ai.server.time_per_output_token.
var (
	TokenBounds    = []float64{1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864}
	DurationBounds = []float64{0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92}
	ChunkBounds    = []float64{0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1.0, 2.5}
	ScoreBounds    = []float64{0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95}
	// Agent runs last longer than one model call: up to ~14 minutes.
	AgentDurationBounds = []float64{0.1, 0.2, 0.4, 0.8, 1.6, 3.2, 6.4, 12.8, 25.6, 51.2, 102.4, 204.8, 409.6, 819.2}
)

// GenAI is the metric set of genai_metrics.
type GenAI struct {
	*Aggregator
	TokenUsage, Duration, FirstChunk, ChunkTime, UsageTokens, Cost, EvalScore, EvalFailures *Metric
	AgentInvocations, AgentCost, AgentDuration, AgentLoops, ToolCalls, ToolDuration         *Metric
	JudgeAgreement                                                                          *Metric
}

// NewGenAI declares the genai_metrics set on a new aggregator.
func NewGenAI(maxCardinality, maxExemplars int) *GenAI {
	a := &GenAI{Aggregator: NewAggregator(maxCardinality, maxExemplars)}
	a.TokenUsage = a.Register(contract.MetricTokenUsage, "Number of input and output tokens used per model call.", "{token}", Histogram, TokenBounds)
	a.Duration = a.Register(contract.MetricOperationDuration, "GenAI operation duration.", "s", Histogram, DurationBounds)
	a.FirstChunk = a.Register(contract.MetricTimeToFirstChunk, "Time to the first chunk of a streamed response.", "s", Histogram, DurationBounds)
	a.ChunkTime = a.Register(contract.MetricTimePerOutputChunk, "Time per output chunk after the first of a streamed response (one mean per call).", "s", Histogram, ChunkBounds)
	a.UsageTokens = a.Register(contract.MetricUsageTokens, "Tokens used by billable model calls, by token type (input, output, cache_read, cache_write, reasoning).", "{token}", Sum, nil)
	a.Cost = a.Register(contract.MetricCost, "Cost of billable model calls.", "usd", Sum, nil)
	a.EvalScore = a.Register(contract.MetricEvalScore, "Evaluation risk scores in [0,1] (1 = certainly bad).", "1", Histogram, ScoreBounds)
	a.EvalFailures = a.Register(contract.MetricEvalFailures, "Evaluations that failed.", "{evaluation}", Sum, nil)
	a.AgentInvocations = a.Register(contract.MetricAgentInvocations, "Agent invocations (invoke_agent spans), by agent.", "{invocation}", Sum, nil)
	a.AgentCost = a.Register(contract.MetricAgentCost, "Cost of the model calls beneath agent invocations (periscope.rollup.cost), by agent; nested agents are included in their parent's.", "usd", Sum, nil)
	a.AgentDuration = a.Register(contract.MetricAgentDuration, "Agent invocation duration.", "s", Histogram, AgentDurationBounds)
	a.AgentLoops = a.Register(contract.MetricAgentLoops, "Agent invocations flagged as a tool-call loop (periscope.rollup.loop), by agent and tool.", "{loop}", Sum, nil)
	a.ToolCalls = a.Register(contract.MetricToolCalls, "Tool calls (execute_tool spans), by tool and error type.", "{call}", Sum, nil)
	a.ToolDuration = a.Register(contract.MetricToolDuration, "Tool call duration.", "s", Histogram, DurationBounds)
	a.JudgeAgreement = a.Register(contract.MetricJudgeAgreement, "LLM-judge verdicts (genai_judge) by rubric, the heuristic evaluator that selected the call, its label and the judge's label.", "{judgement}", Sum, nil)
	return a
}
