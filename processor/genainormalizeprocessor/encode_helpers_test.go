package genainormalizeprocessor

import (
	"strings"

	"github.com/periscope-otel/periscope/internal/genai"
)

// One content key's JSON alone, as writeContent writes it.

func encodeMessages(msgs []genai.Message, output bool) string {
	var b strings.Builder
	b.Grow(messagesSize(msgs))
	writeMessages(&b, msgs, output)
	return b.String()
}

func encodeParts(parts []genai.Part) string {
	var b strings.Builder
	b.Grow(partsSize(parts))
	writeParts(&b, parts)
	return b.String()
}

func encodeToolDefs(defs []genai.ToolDefinition) string {
	var b strings.Builder
	b.Grow(toolDefsSize(defs))
	writeToolDefs(&b, defs)
	return b.String()
}

func encodeDocs(docs []genai.Document) string {
	var b strings.Builder
	b.Grow(docsSize(docs))
	writeDocs(&b, docs)
	return b.String()
}
