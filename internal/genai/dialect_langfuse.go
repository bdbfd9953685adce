package genai

// Langfuse SDK v3 (OpenTelemetry based): langfuse.observation.* and
// langfuse.trace.*; usage_details reports input net of cache and output net
// of reasoning (converted on read). Its trace-level session.id / user.id
// are in dialect_otel.go; langfuse.<scope>.metadata.<key> is free-form
// content (IsContentKey).

var langfuseKeys = []keySpec{
	{key: "langfuse.observation.type", act: aFunc, mark: mLangfuse,
		h: hLFType},
	{key: "langfuse.observation.model.name", act: aFunc, h: hLFModel},
	{key: "langfuse.observation.model.parameters", act: aFunc, h: hLFParams},
	{key: "langfuse.observation.usage_details", act: aFunc, h: hLFUsage},
	{key: "langfuse.observation.cost_details", act: aFunc, h: hLFCost},
	{key: "langfuse.observation.completion_start_time", act: aFunc, mark: mLangfuse, h: hLFCompletionStart},
	{key: "langfuse.session.id", act: aStr, field: uint8(fConversation), prio: 2},
	{key: "langfuse.user.id", act: aStr, field: uint8(fUser), prio: 2},
	{key: "langfuse.trace.name", act: aStr, field: uint8(fWorkflow), prio: 3},
	{key: "langfuse.observation.prompt.name", act: aFunc, h: hPrompt, field: uint8(fPromptName), prio: 1, src: "langfuse.observation.prompt"},
	{key: "langfuse.observation.prompt.version", act: aStr, field: uint8(fPromptVersion), prio: 1},
	{key: "langfuse.prompt.name", act: aFunc, h: hPrompt, field: uint8(fPromptName), prio: 2, src: "langfuse.prompt"},
	{key: "langfuse.prompt.version", act: aStr, field: uint8(fPromptVersion), prio: 2},
	{key: "langfuse.observation.input", act: aFunc, class: classContent, h: hLFInput},
	{key: "langfuse.observation.output", act: aFunc, class: classContent, h: hLFOutput},
	{key: "langfuse.trace.input", act: aNone, mark: mLangfuse, class: classContent},
	{key: "langfuse.trace.output", act: aNone, mark: mLangfuse, class: classContent},
}

var langfusePrefixes = []prefixSpec{
	{prefix: "langfuse.", mark: mLangfuse},
}
