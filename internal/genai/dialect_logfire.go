package genai

// Pydantic Logfire (and Pydantic AI on it): logfire.* span metadata, the
// provider request and response bodies as request_data / response_data,
// the provider's raw usage object, and its cost.

var logfireKeys = []keySpec{
	{key: "logfire.span_type", act: aMark, mark: mLogfire},
	{key: "logfire.msg_template", act: aMark, mark: mLogfire},
	{key: "logfire.msg", act: aMark, mark: mLogfire},
	{key: "logfire.json_schema", act: aMark, mark: mLogfire},
	{key: "request_data", act: aFunc, class: classContent, h: hLogfireRequest},
	{key: "response_data", act: aFunc, class: classContent, h: hLogfireResponse},
	{key: "gen_ai.usage.raw", act: aFunc, h: hRawUsage},
	{key: "operation.cost", act: aCost, prio: 3},
	// Pydantic AI before its v3 instrumentation (semconv keys after)
	{key: "agent_name", act: aStr, field: uint8(fAgent), prio: 1},
	{key: "tool_arguments", act: aNone, class: classContent},
	{key: "tool_response", act: aNone, class: classContent},
	{key: "all_messages_events", act: aNone, class: classContent},
	{key: "final_result", act: aNone, class: classContent},
}

var logfirePrefixes = []prefixSpec{
	{prefix: "logfire.", mark: mLogfire},
}
