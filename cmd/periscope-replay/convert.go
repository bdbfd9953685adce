package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"

	"github.com/periscope-otel/periscope/exporter/genaidatasetexporter/dataset"
)

// Formats of `convert --to`.
const (
	formatOpenAIChat = "openai-chat"
	formatLangfuse   = "langfuse"
)

// openAIChatLine is OpenAI's chat JSONL (fine-tuning and evals): the
// conversation with the recorded answer last, and the tools offered.
type openAIChatLine struct {
	Messages []chatMessage `json:"messages"`
	Tools    []chatTool    `json:"tools,omitempty"`
}

// langfuseItem is a Langfuse dataset item (the body of POST
// /api/public/dataset-items). A flagged call's answer is not an expected
// output: it goes to metadata.recorded_output instead.
type langfuseItem struct {
	DatasetName         string         `json:"datasetName"`
	Input               any            `json:"input"`
	ExpectedOutput      any            `json:"expectedOutput,omitempty"`
	Metadata            map[string]any `json:"metadata"`
	SourceTraceID       string         `json:"sourceTraceId,omitempty"`
	SourceObservationID string         `json:"sourceObservationId,omitempty"`
}

func convertRows(rows []dataset.Row, to, datasetName string, out io.Writer) error {
	w := bufio.NewWriter(out)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	for i := range rows {
		r := &rows[i]
		req := buildRequest(r, r.RequestModel, nil)
		var v any
		switch to {
		case formatOpenAIChat:
			line := openAIChatLine{Messages: append(req.Messages, toChat(r.OutputMessages)...), Tools: req.Tools}
			v = line
		case formatLangfuse:
			meta := map[string]any{"failed": r.Failed, "evaluations": r.Evaluations, "service": r.Service,
				"provider": r.Provider, "model": r.RequestModel, "periscope_schema_version": r.SchemaVersion}
			if r.Prompt != nil {
				meta["prompt"] = r.Prompt
			}
			item := langfuseItem{DatasetName: datasetName, Input: map[string]any{"messages": req.Messages},
				Metadata: meta, SourceTraceID: r.TraceID, SourceObservationID: r.SpanID}
			if len(req.Tools) > 0 {
				item.Input = map[string]any{"messages": req.Messages, "tools": req.Tools}
			}
			if len(r.Failed) == 0 {
				item.ExpectedOutput = r.OutputText()
			} else {
				meta["recorded_output"] = r.OutputText()
			}
			v = item
		default:
			return fmt.Errorf("--to: unknown format %q (want %s or %s)", to, formatOpenAIChat, formatLangfuse)
		}
		if err := enc.Encode(v); err != nil {
			return err
		}
	}
	return w.Flush()
}
