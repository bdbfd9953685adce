package registry

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/periscope-otel/periscope/processor/genaipromptprocessor/internal/textmask"
)

func tokens(s string) []textmask.Token {
	t, _ := textmask.Append(nil, s, textmask.Options{})
	return t
}

func TestLookup(t *testing.T) {
	r := New([]Entry{
		{Name: "sum", Version: "1", Template: "Summarize: {{text}}"},
		{Name: "sum", Version: "2", Template: "Summarize: {{text}}\nBe brief."},
		{Name: "sys", Version: "a", Template: "You are {{persona}}. Answer in {{lang}}."},
	})
	require.Equal(t, 3, r.Len())
	m, ok := r.Lookup(tokens("Summarize: the  meeting\nnotes"))
	require.True(t, ok)
	assert.Equal(t, "1", m.Version)
	m, ok = r.Lookup(tokens("Summarize: the meeting notes\nBe brief."))
	require.True(t, ok)
	assert.Equal(t, "2", m.Version, "most specific wins")
	m, ok = r.Lookup(nil, tokens("You are a pirate. Answer in French."))
	require.True(t, ok)
	assert.Equal(t, "sys", m.Name)
	_, ok = r.Lookup(tokens("Translate: hello"))
	assert.False(t, ok)
	var nilReg *Registry
	_, ok = nilReg.Lookup(tokens("x"))
	assert.False(t, ok)
}
