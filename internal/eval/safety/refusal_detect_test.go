package safety

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestIsRefusal(t *testing.T) {
	for _, s := range []string{
		"I'm sorry, but I can't help with that.",
		"I cannot assist with that request.",
		"As an AI language model, I must decline to provide instructions for that.",
	} {
		assert.True(t, IsRefusal(s, 200), s)
	}
	for _, s := range []string{
		"",
		"Sure, here is the summary.",
		"The capital of France is Paris.",
		"Here are three ways to kill a Python process: kill, pkill and os.kill.",
	} {
		assert.False(t, IsRefusal(s, 200), s)
	}
	// Only the opening counts: a decline after maxBytes is not seen, and a
	// cut inside a multi-byte rune is safe.
	long := strings.Repeat("Paris is lovely in spring é. ", 20) + "I'm sorry, but I can't help with that."
	assert.False(t, IsRefusal(long, 200))
	assert.NotPanics(t, func() { IsRefusal(strings.Repeat("é", 300), 201) })
}

func BenchmarkIsRefusal(b *testing.B) {
	answers := []string{
		"I'm sorry, but I can't help with that request. If you are feeling unsafe, please reach out to someone you trust.",
		"Sure! Here is a short summary of the article: the city council approved the new budget, which increases funding for public transport by 12% and for schools by 4%.",
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		IsRefusal(answers[i%2], 200)
	}
}

func FuzzIsRefusal(f *testing.F) {
	f.Add("I'm sorry, I can't help with that.", 200)
	f.Add("答案是可以的 Ответ \xff\xfe", 7)
	f.Fuzz(func(t *testing.T, s string, n int) {
		_ = IsRefusal(s, n%4096)
	})
}
