package genaijudgeconnector

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/connector"
	"go.opentelemetry.io/collector/connector/connectortest"

	"github.com/periscope-otel/periscope/connector/genaijudgeconnector/internal/metadata"
)

func nopSettings() connector.Settings { return connectortest.NewNopSettings(metadata.Type) }

func TestParseVerdict(t *testing.T) {
	for _, tc := range []struct {
		reply string
		want  verdict
	}{
		{`{"score": 0.8, "verdict": "fail", "reason": "r"}`, verdict{0.8, "fail", "r"}},
		{"```json\n{\"score\": 0.1, \"verdict\": \"pass\", \"reason\": \"fine\"}\n```", verdict{0.1, "pass", "fine"}},
		{"Sure! Here is the evaluation:\n```\n{\"score\":1,\"verdict\":\"FAIL\",\"reason\":\"x\"}\n```\nLet me know.", verdict{1, "fail", "x"}},
		{`Thinking {not json} ... {"verdict": "fail", "reason": "no score"}`, verdict{1, "fail", "no score"}},
		{`{"score": "0.3"}`, verdict{0.3, "pass", ""}},
		{`{"score": 0.6}`, verdict{0.6, "fail", ""}},
		{`{"Score": 7, "Verdict": "fail", "Explanation": "0..10 scale"}`, verdict{0.7, "fail", "0..10 scale"}},
		{`{"meta": 1} {"score": 0, "verdict": "pass", "reason": "second object"}`, verdict{0, "pass", "second object"}},
		{`[{"score":1}] trailing`, verdict{1, "fail", ""}},
		{`{"result": {"score": 0.9}, "score": 0.2, "verdict": "pass", "reason": "outer"}`, verdict{0.2, "pass", "outer"}},
	} {
		got, err := parseVerdict(tc.reply)
		require.NoError(t, err, tc.reply)
		assert.Equal(t, tc.want, got, tc.reply)
	}
	for _, bad := range []string{"", "pass", "{", `{"score": "high"}`, `{"score": -1}`, `{"score": 50}`, `{"verdict": "maybe"}`} {
		_, err := parseVerdict(bad)
		assert.Error(t, err, bad)
	}
}

func FuzzParseVerdict(f *testing.F) {
	for _, s := range []string{
		`{"score": 0.8, "verdict": "fail", "reason": "r"}`,
		"```json\n{\"score\": 0.1, \"verdict\": \"pass\"}\n```",
		`{"score": "NaN"}`, `{"score": 1e400}`, `{{{{`, `{"verdict":"pass"}{"score":2}`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := parseVerdict(s)
		if err != nil {
			return
		}
		if !(v.Score >= 0 && v.Score <= 1) {
			t.Fatalf("score %v out of [0,1] for %q", v.Score, s)
		}
		if v.Label != "pass" && v.Label != "fail" {
			t.Fatalf("label %q for %q", v.Label, s)
		}
	})
}
