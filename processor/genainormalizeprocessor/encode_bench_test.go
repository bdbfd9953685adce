package genainormalizeprocessor

import (
	"strings"
	"testing"

	"github.com/periscope-otel/periscope/internal/genai"
)

// BenchmarkEncodeMessages: the semconv JSON of a 4 KB chat (the loadgen's
// padded content), the writer's share of a normalized span.
func BenchmarkEncodeMessages(b *testing.B) {
	b.Run("prose", func(b *testing.B) {
		benchEncode(b, strings.Repeat("Please summarise the customer's ticket about invoice 2291. ", 70))
	})
	b.Run("lines", func(b *testing.B) {
		benchEncode(b, strings.Repeat("Please summarise the customer's ticket about invoice 2291.\n", 70))
	})
}

func benchEncode(b *testing.B, text string) {
	msgs := []genai.Message{
		{Role: "system", Parts: []genai.Part{{Type: genai.PartText, Content: "You are a billing assistant."}}},
		{Role: "user", Parts: []genai.Part{{Type: genai.PartText, Content: text}}},
	}
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		_ = encodeMessages(msgs, false)
	}
}
