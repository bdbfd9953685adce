package genaievalprocessor

import (
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/periscope-otel/periscope/internal/contract"
	"github.com/periscope-otel/periscope/internal/genai"
)

// callDims are the metric dimensions of a judged call, written on its
// evaluation result records: genai_metrics counts a result under the call's
// operation, provider, model and prompt whichever signal carried them (the
// records' own, copied from the span by call assembly, or set by genai_prompt).
type callDims struct {
	operation, provider, model, promptName, promptVersion string
}

func dimsOf(v *genai.View, records []plog.LogRecord) callDims {
	d := callDims{operation: v.Operation, provider: v.Provider, model: v.RequestModel}
	if d.model == "" {
		d.model = v.ResponseModel
	}
	d.promptName, d.promptVersion = v.Prompt.Name, v.Prompt.Version
	for _, r := range records {
		a := r.Attributes()
		if x, ok := a.Get(contract.AttrPromptName); ok && d.promptName == "" {
			d.promptName = x.AsString()
		}
		if x, ok := a.Get(contract.AttrPromptVersion); ok && d.promptVersion == "" {
			d.promptVersion = x.AsString()
		}
	}
	return d
}

func (d *callDims) put(m pcommon.Map) {
	for _, kv := range [...][2]string{
		{genai.KeyOperation, d.operation}, {genai.KeyProvider, d.provider}, {genai.KeyRequestModel, d.model},
		{contract.AttrPromptName, d.promptName}, {contract.AttrPromptVersion, d.promptVersion},
	} {
		if kv[1] != "" {
			m.PutStr(kv[0], kv[1])
		}
	}
}
