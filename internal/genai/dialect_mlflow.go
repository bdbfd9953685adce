package genai

// MLflow Tracing: mlflow.* with JSON-encoded values (strings arrive
// quoted, objects as JSON text, sometimes double-encoded).

var mlflowKeys = []keySpec{
	{key: "mlflow.spanType", act: aFunc, mark: mMLflow,
		h: hMLType},
	{key: "mlflow.llm.provider", act: aProvUnq, prio: 5, mark: mMLflow},
	{key: "mlflow.llm.model", act: aStrUnq, field: uint8(fRequestModel), prio: 4},
	{key: "mlflow.chat.tokenUsage", act: aFunc, mark: mMLflow, h: hMLUsage},
	{key: "mlflow.llm.cost", act: aFunc, h: hMLCost},
	{key: "mlflow.linkedPrompts", act: aFunc, mark: mMLflow, h: hMLLinkedPrompts},
	{key: "mlflow.spanInputs", act: aFunc, mark: mMLflow, class: classContent,
		h: hMLInputs},
	{key: "mlflow.spanOutputs", act: aFunc, mark: mMLflow, class: classContent,
		h: hMLOutputs},
}

var mlflowPrefixes = []prefixSpec{
	{prefix: "mlflow.", mark: mMLflow},
}
