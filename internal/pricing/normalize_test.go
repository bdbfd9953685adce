package pricing

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

// hasCand reports whether (family, name) is among the candidates, and the
// rule that produced it.
func hasCand(cs []Cand, family, name string) (string, bool) {
	for _, c := range cs {
		if c.Family == family && c.Name == name {
			return c.Rule, true
		}
	}
	return "", false
}

// TestCandidates: the tricky names of the pricing reference (§5.2) produce
// the key that prices them, with the right rule.
func TestCandidates(t *testing.T) {
	cases := []struct {
		family, raw, wantFamily, wantName, rule string
	}{
		{"openai", "GPT-4o", "openai", "gpt-4o", "exact"},
		{"", "openai/gpt-4o", "openai", "gpt-4o", "provider_prefix"},
		{"openrouter", "anthropic/claude-sonnet-4.5", "anthropic", "claude-sonnet-4.5", "provider_prefix"},
		{"openrouter", "anthropic/claude-sonnet-4.5", "anthropic", "claude-sonnet-4-5", "spelling"},
		{"gemini", "models/gemini-2.5-pro", "gemini", "gemini-2.5-pro", "provider_prefix"},
		{"bedrock", "bedrock/converse/us.anthropic.claude-sonnet-4-5-20250929-v1:0", "bedrock", "us.anthropic.claude-sonnet-4-5-20250929-v1:0", "route_prefix"},
		{"bedrock", "us.anthropic.claude-sonnet-4-5-20250929-v1:0", "bedrock", "anthropic.claude-sonnet-4-5-20250929-v1:0", "geo_stripped"},
		{"bedrock", "us.anthropic.claude-opus-4-6", "bedrock", "us.anthropic.claude-opus-4-6-v1", "bedrock_version"},
		{"bedrock", "arn:aws:bedrock:us-east-1:1:inference-profile/eu.anthropic.claude-3-7-sonnet-20250219-v1:0", "bedrock", "eu.anthropic.claude-3-7-sonnet-20250219-v1:0", "arn"},
		{"bedrock", "anthropic.claude-sonnet-4-5-20250929-v1:0", "anthropic", "claude-sonnet-4-5-20250929", "bedrock_vendor"},
		{"vertex_ai", "claude-sonnet-4-5@20250929", "vertex_ai", "claude-sonnet-4-5-20250929", "vertex_version"},
		{"anthropic", "claude-haiku-4-5@20251001", "vertex_ai", "claude-haiku-4-5@20251001", "vertex_version"},
		{"openai", "ft:gpt-4o-mini-2024-07-18:acme::9XyZab12", "openai", "ft:gpt-4o-mini-2024-07-18", "fine_tune"},
		{"azure", "gpt-4o-mini-2024-07-18.ft-0123abcd", "azure", "ft:gpt-4o-mini-2024-07-18", "fine_tune"},
		{"anthropic", "claude-opus-4-8[1m]", "anthropic", "claude-opus-4-8", "decoration"},
		{"openrouter", "deepseek/deepseek-r1:thinking", "deepseek", "deepseek-r1", "decoration"},
		{"gemini", "gemini-2.0-flash-001", "gemini", "gemini-2.0-flash", "stable_suffix"},
		{"openai", "gpt-5-6-luna", "openai", "gpt-5.6-luna", "spelling"},
		{"anthropic", "claude-3.5-sonnet", "anthropic", "claude-3-5-sonnet", "spelling"},
		{"openai", "gpt-4o-mini-2099-01-01", "openai", "gpt-4o-mini", "date_stripped"},
		{"anthropic", "claude-sonnet-4-5-20250929", "anthropic", "claude-sonnet-4-5", "date_stripped"},
		{"anthropic", "claude-3-5-sonnet-latest", "anthropic", "claude-3-5-sonnet", "date_stripped"},
		{"gemini", "gemini-2.5-pro-preview-05-06", "gemini", "gemini-2.5-pro", "date_stripped"},
		{"fireworks_ai", "accounts/fireworks/models/deepseek-v3", "fireworks_ai", "deepseek-v3", "path_segment"},
	}
	for _, c := range cases {
		cs := Candidates(c.family, c.raw)
		rule, ok := hasCand(cs, c.wantFamily, c.wantName)
		if assert.True(t, ok, "%s/%s → %s/%s not in %v", c.family, c.raw, c.wantFamily, c.wantName, cs) {
			assert.Equal(t, c.rule, rule, c.raw)
		}
	}
}

// TestCandidatesNeverSubstring: an agent id never yields a real model
// name (LibreChat#11978: "o1" inside "agent_8aWN5tLYRAdtV8knVWmod").
func TestCandidatesNeverSubstring(t *testing.T) {
	for _, raw := range []string{"agent_8aWN5tLYRAdtV8knVWmod", "my-custom-llm", "xgpt-4o", "gpt-4o-but-not"} {
		for _, c := range Candidates("openai", raw) {
			assert.NotContains(t, []string{"o1", "gpt-4o", "8k"}, c.Name, raw)
		}
	}
	assert.Nil(t, Candidates("openai", strings.Repeat("a", MaxModelLen+1)))
	assert.Nil(t, Candidates("openai", "   "))
	// Application inference profiles are opaque: only the exact key.
	cs := Candidates("bedrock", "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/a1b2c3")
	assert.Len(t, cs, 1)
}

func TestStripDate(t *testing.T) {
	for in, want := range map[string]string{
		"gpt-4o-2024-08-06":          "gpt-4o",
		"claude-sonnet-4-5-20250929": "claude-sonnet-4-5",
		"grok-4-0709":                "grok-4",
		"gpt-4-0613":                 "gpt-4",
		"mistral-large-latest":       "mistral-large",
		"gpt-4o":                     "gpt-4o",
		"llama-3-70b":                "llama-3-70b",
		"model-9999":                 "model-9999", // not a MMDD date
	} {
		assert.Equal(t, want, stripDate(in), in)
	}
}

// FuzzCandidates: the model-name normalizer never panics, is deterministic,
// returns only lower-case, non-empty, bounded names and never returns a key
// for over-long strings.
func FuzzCandidates(f *testing.F) {
	seeds := []string{
		"gpt-4o", "openai/gpt-4o", "ft:gpt-4o-mini-2024-07-18:acme::9XyZab12", "us.anthropic.claude-sonnet-4-5-20250929-v1:0",
		"arn:aws:bedrock:us-east-1:1:inference-profile/us.anthropic.x", "claude-sonnet-4-5@20250929", "claude-opus-4-6[1m]",
		"openrouter/anthropic/claude-sonnet-4.5:thinking", "agent_8aWN5tLYRAdtV8knVWmod", "////", "ft:", "a.ft-", "@", "[", "x-v",
		"gemini-2.0-flash-001", "global.", "us.anthropic.", "\xff\xfe", "-latest", "1.2-3.4-5",
	}
	for _, s := range seeds {
		f.Add("openai", s)
		f.Add("", s)
		f.Add("bedrock", s)
	}
	f.Fuzz(func(t *testing.T, family, raw string) {
		cs := Candidates(family, raw)
		if len(strings.TrimSpace(raw)) > MaxModelLen && cs != nil {
			t.Fatal("over-long model produced candidates")
		}
		again := Candidates(family, raw)
		if len(again) != len(cs) {
			t.Fatal("not deterministic")
		}
		for i, c := range cs {
			if c.Name == "" || len(c.Name) > MaxModelLen+16 {
				t.Fatalf("bad candidate %q", c.Name)
			}
			if c.Name != strings.ToLower(c.Name) {
				t.Fatalf("candidate not lower case: %q", c.Name)
			}
			if again[i] != c {
				t.Fatal("not deterministic")
			}
		}
	})
}
