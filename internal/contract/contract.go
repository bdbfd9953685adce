// Package contract holds the names Periscope writes: the output contract of
// DESIGN.md §3. Renaming anything here is a breaking change and must be noted
// in the README changelog.
package contract

// Span (and log record) attributes.
const (
	AttrCost           = "gen_ai.usage.cost"
	AttrCostInput      = "periscope.cost.input"
	AttrCostOutput     = "periscope.cost.output"
	AttrCostCacheRead  = "periscope.cost.cache_read"
	AttrCostCacheWrite = "periscope.cost.cache_write"
	AttrCostReasoning  = "periscope.cost.reasoning"
	AttrCostPriceID    = "periscope.cost.price_id"
	AttrCostUnpriced   = "periscope.cost.unpriced"
	AttrCostSource     = "periscope.cost.source"
	// Cost provenance: how the price was found and applied.
	AttrCostTools     = "periscope.cost.tools"      // USD of per-request tool fees (web search, ...)
	AttrCostMatch     = "periscope.cost.match"      // name-matching rule that hit (exact, alias, ...)
	AttrCostEstimated = "periscope.cost.estimated"  // true when a rate was approximated (e.g. a regional uplift)
	AttrCostTable     = "periscope.cost.table"      // hash of the price table in force
	AttrCostTier      = "periscope.cost.tier"       // context tier applied
	AttrCostMode      = "periscope.cost.mode"       // batch / flex / priority / ...
	AttrCostUsageMode = "periscope.cost.usage_mode" // token convention the usage was read in
	AttrCostComputed  = "periscope.cost.computed"   // Periscope's own figure when a reported cost is kept

	AttrCostDraftAmount = "gen_ai.usage.cost.amount"
	AttrCostDraftCurr   = "gen_ai.usage.cost.currency"
	AttrCostDraftSource = "gen_ai.usage.cost.source"

	AttrPromptName          = "gen_ai.prompt.name"
	AttrPromptVersion       = "gen_ai.prompt.version"
	AttrPromptTemplateHash  = "periscope.prompt.template_hash"
	AttrPromptVersionSource = "periscope.prompt.version_source"
	AttrPromptNewVersion    = "periscope.prompt.new_version"
	AttrPromptTemplate      = "periscope.prompt.template"
	AttrPromptTruncated     = "periscope.prompt.truncated"
	AttrPromptPrevVersion   = "periscope.prompt.previous_version" // metric dimension of quality regressions

	AttrEvalPrefix    = "periscope.eval." // + evaluator name: score in [0,1]
	AttrEvalFailed    = "periscope.eval.failed"
	AttrEvalTruncated = "periscope.eval.truncated"

	AttrDialect = "periscope.genai.dialect"

	// Rollups (genai_rollup): totals of the model and tool calls beneath an
	// agent invocation or a trace's local root.
	AttrRollupCost          = "periscope.rollup.cost"           // double, USD; only when a call beneath had a cost
	AttrRollupInputTokens   = "periscope.rollup.input_tokens"   // int
	AttrRollupOutputTokens  = "periscope.rollup.output_tokens"  // int
	AttrRollupModelCalls    = "periscope.rollup.model_calls"    // int
	AttrRollupToolCalls     = "periscope.rollup.tool_calls"     // int
	AttrRollupToolErrors    = "periscope.rollup.tool_errors"    // int
	AttrRollupUnpricedCalls = "periscope.rollup.unpriced_calls" // int; model calls beneath without a cost, when > 0
	AttrRollupLoop          = "periscope.rollup.loop"           // bool; only when true
	AttrRollupLoopTool      = "periscope.rollup.loop_tool"      // string; the tool that looped
)

// Unpriced reasons.
const (
	UnpricedUnknownModel = "unknown_model"
	UnpricedMissingUsage = "missing_usage"
)

// Prompt version sources.
const (
	VersionSourceAttribute = "attribute"
	VersionSourceRegistry  = "registry"
	VersionSourceInferred  = "inferred"
)

// Evaluation results: span event / log record name and attributes.
const (
	EventEvaluationResult = "gen_ai.evaluation.result"
	AttrEvalName          = "gen_ai.evaluation.name"
	AttrEvalScoreValue    = "gen_ai.evaluation.score.value"
	AttrEvalScoreLabel    = "gen_ai.evaluation.score.label"
	AttrEvalExplanation   = "gen_ai.evaluation.explanation"

	LabelPass      = "pass"
	LabelFail      = "fail"
	LabelNoContext = "no_context"
)

// LLM-judge results (genai_judge): attributes added to the evaluation result
// records it writes.
const (
	AttrEvalSource        = "periscope.eval.source"               // "judge"
	AttrJudgeModel        = "periscope.judge.model"               // the judge model that answered
	AttrJudgeInputTokens  = "periscope.judge.usage.input_tokens"  // the judge call's input tokens
	AttrJudgeOutputTokens = "periscope.judge.usage.output_tokens" // the judge call's output tokens
	AttrJudgeCost         = "periscope.judge.cost"                // USD at the configured price, when > 0
	AttrJudgeSelectedBy   = "periscope.judge.selected_by"         // failed, uncertain or sample
	AttrJudgeEvaluator    = "periscope.judge.evaluator"           // heuristic evaluator behind failed/uncertain
	AttrJudgeHeuristicLbl = "periscope.judge.heuristic_label"     // that evaluator's label (pass/fail)
	AttrJudgeLabel        = "periscope.judge.label"               // the judge's verdict (periscope.judge.agreement)

	EvalSourceJudge = "judge"
)

// Evaluator names.
const (
	EvalPromptInjection = "prompt_injection"
	EvalJailbreak       = "jailbreak"
	EvalPII             = "pii"
	EvalSecrets         = "secrets"
	EvalToxicity        = "toxicity"
	EvalRefusal         = "refusal"
	EvalPromptLeak      = "prompt_leak"
	EvalOffTopic        = "off_topic"
	EvalHallucination   = "hallucination"
)

// Metrics of genai_metrics.
const (
	MetricTokenUsage         = "gen_ai.client.token.usage"
	MetricOperationDuration  = "gen_ai.client.operation.duration"
	MetricTimeToFirstChunk   = "gen_ai.client.operation.time_to_first_chunk"
	MetricTimePerOutputChunk = "gen_ai.client.operation.time_per_output_chunk"
	MetricUsageTokens        = "periscope.usage.tokens"
	MetricCost               = "periscope.cost"
	MetricEvalScore          = "periscope.eval.score"
	MetricEvalFailures       = "periscope.eval.failures"
	MetricDriftScore         = "periscope.drift.score"
	MetricQualityRegression  = "periscope.quality.regression"
	MetricAgentInvocations   = "periscope.agent.invocations"
	MetricAgentCost          = "periscope.agent.cost"
	MetricAgentDuration      = "periscope.agent.duration"
	MetricAgentLoops         = "periscope.agent.loops"
	MetricToolCalls          = "periscope.tool.calls"
	MetricToolDuration       = "periscope.tool.duration"
	MetricUserCostTop        = "periscope.user.cost.top"
	MetricJudgeAgreement     = "periscope.judge.agreement" // judge verdicts by heuristic evaluator, heuristic label and judge label

	AttrTokenType            = "gen_ai.token.type"
	AttrDriftSignal          = "periscope.drift.signal"
	AttrDriftMethod          = "periscope.drift.method"
	AttrRegressionComparison = "periscope.regression.comparison" // baseline or predecessor
	AttrMetricOverflow       = "otel.metric.overflow"
	AttrAgentName            = "gen_ai.agent.name"
	AttrToolName             = "gen_ai.tool.name"
	AttrUserHash             = "periscope.user.hash" // salted hash of a user id (periscope.user.cost.top)
)
