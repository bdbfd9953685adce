package genai

import (
	"go.opentelemetry.io/collector/pdata/pcommon"

	"github.com/periscope-otel/periscope/internal/contract"
)

// General OpenTelemetry keys the reader uses (server, error, session and
// user), and the cost keys Periscope itself writes (so a second pass does
// not take its own price for a reported one).

var otelKeys = []keySpec{
	{key: "server.address", act: aFunc, h: hServerAddress},
	{key: "error.type", act: aFunc, h: hErrorType},
	// session.id / user.id: OpenInference, Langfuse (v3), MLflow root spans
	// and the general conventions; MLflow JSON-encodes them.
	{key: "session.id", act: aStrUnq, field: uint8(fConversation), prio: 1},
	{key: "user.id", act: aStrUnq, field: uint8(fUser), prio: 0},
	{key: "enduser.id", act: aStr, field: uint8(fUser), prio: 1},
	{key: "prompt.id", act: aFunc, h: hPrompt, field: uint8(fPromptName), prio: 4, src: "prompt.id"},
	// An exception message often repeats the request.
	{key: "exception.message", act: aNone, class: classContent},

	// Written by genai_cost.
	{key: contract.AttrCostPriceID, act: aFunc, h: hOwnCost},
	{key: contract.AttrCostUnpriced, act: aFunc, h: hOwnCost},
}

func ownCostKey(r *reader, _ string, _ pcommon.Value) { r.costIsOurs = true }

const costKey = contract.AttrCost
