package genaievalprocessor

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/periscope-otel/periscope/internal/contract"
	"github.com/periscope-otel/periscope/internal/eval/evaluators"
)

// redactOnce redacts s alone, as a batch of one string.
func redactOnce(r *redactor, s string) (string, bool) {
	rd := newRedaction(r)
	return rd.redactString(s)
}

// TestRedactJSONEscapes: values in a JSON document held in a string are
// masked whole, however the encoding escapes what surrounds them: a PEM
// key's lines joined by \n, a token right after a \n, a \u-escaped e-mail.
func TestRedactJSONEscapes(t *testing.T) {
	r := newRedactor(map[string]string{"email": "[EMAIL]", "credit_card": "[CARD]", RedactSecrets: "[SECRET]"})
	const body = "MHcCAQEEIGcOh8lgtyJsl8E39G5HxlI1PJMnh0HpNKjX87gwu5YjoAoGCCqGSM49"
	key := "-----BEGIN EC PRIVATE KEY-----\n" + body + "\nAwEHoUQDQgAEJHE4iYpOtOamxDAkA3k6eILHx/EuvHiR7kf2glxqwS4yNy9W9OkZ\n-----END EC PRIVATE KEY-----"
	const aws = "AKIAJBVT3MIDSGROOSHE"
	for _, c := range []struct {
		name, content string
		gone          []string
	}{
		{"pem key", "the deploy key:\n" + key + "\nthanks", []string{body, "BEGIN EC PRIVATE KEY"}},
		{"token after a line break", "secrets:\n" + aws + "\nend", []string{aws}},
		{"quote before a card", `card "4111111111111111" on file`, []string{"4111111111111111"}},
		{"escaped email", "mail jos\u00e9.p@example.com now", []string{"p@example.com"}},
	} {
		doc, _ := json.Marshal([]map[string]any{{"role": "user", "parts": []map[string]string{{"type": "text", "content": c.content}}}})
		for _, s := range []string{string(doc), strings.ReplaceAll(string(doc), "é", `\u00e9`)} {
			out, ok := redactOnce(r, s)
			if !ok {
				t.Errorf("%s: nothing masked in %s", c.name, s)
			}
			if !json.Valid([]byte(out)) {
				t.Errorf("%s: invalid JSON after redaction: %s", c.name, out)
			}
			var v []map[string]any
			_ = json.Unmarshal([]byte(out), &v)
			decoded, _ := json.Marshal(v)
			for _, g := range c.gone {
				if strings.Contains(out, g) || strings.Contains(string(decoded), g) {
					t.Errorf("%s: %q left in %s", c.name, g, out)
				}
			}
		}
	}
	// JSON in JSON: a tool call's arguments inside a message list.
	inner, _ := json.Marshal(map[string]string{"query": "secrets:\n" + aws + "\n" + key})
	outer, _ := json.Marshal([]map[string]string{{"toolName": "lookup", "input": string(inner)}})
	out, _ := redactOnce(r, string(outer))
	var v []map[string]string
	if err := json.Unmarshal([]byte(out), &v); err != nil || len(v) != 1 || !json.Valid([]byte(v[0]["input"])) {
		t.Errorf("nested JSON broken by redaction: %s", out)
	}
	for _, g := range []string{aws, body} {
		if strings.Contains(out, g) {
			t.Errorf("nested JSON: %q left in %s", g, out)
		}
	}
	// Plain text is unchanged by the JSON handling.
	if out, _ := redactOnce(r, key); out != "[SECRET]" {
		t.Errorf("plain PEM key: %q", out)
	}
}

// TestUnescapeJSONOffsets: every range of the decoded text maps to whole
// escape sequences of the encoded text that decode to a range containing it.
func TestUnescapeJSONOffsets(t *testing.T) {
	for _, s := range []string{
		`plain text`,
		`a\nb\"c\\d\/e\tf`,
		`caf\u00e9 \ud83d\ude00 x\u0041y`,
		`bad \q and \u12 end\`,
		`\n\n\u00e9\u00e9`,
	} {
		text, m := unescapeJSON(s)
		for a := 0; a <= len(text); a++ {
			for b := a; b <= len(text); b++ {
				ra, rb := m.start(a), m.end(b)
				if ra < 0 || rb > len(s) || ra > rb {
					t.Fatalf("%q [%d,%d) -> [%d,%d)", s, a, b, ra, rb)
				}
				got, _ := unescapeJSON(s[ra:rb])
				if !utf8.ValidString(text[a:b]) {
					continue // a range cutting through a rune
				}
				if !strings.Contains(got, text[a:b]) {
					t.Errorf("%q: [%d,%d) %q -> s[%d:%d] %q decodes to %q", s, a, b, text[a:b], ra, rb, s[ra:rb], got)
				}
			}
		}
	}
}

// TestResultKeysAreNotContent: redaction masks content keys only, so it may
// run before the results are written (processTraces) and leave them out.
func TestResultKeysAreNotContent(t *testing.T) {
	keys := []string{contract.AttrEvalFailed, contract.AttrEvalTruncated, contract.AttrEvalName,
		contract.AttrEvalScoreValue, contract.AttrEvalScoreLabel, contract.AttrEvalExplanation}
	for _, spec := range evaluators.All() {
		keys = append(keys, contract.AttrEvalPrefix+spec.Name)
	}
	for _, k := range keys {
		if contentKey(k) {
			t.Errorf("%s is a content key: redaction must run after the results are written", k)
		}
	}
}

// TestMaskableSkipsNothingMasked: a value maskable turns away is one
// redactValue leaves as it is, whatever its type, length and nesting; and
// a planted value in a nested map or slice under a content key is masked.
func TestMaskableSkipsNothingMasked(t *testing.T) {
	r := newRedactor(map[string]string{"email": "[EMAIL]", "phone": "[PHONE]", "credit_card": "[CARD]",
		"us_ssn": "[SSN]", "iban": "[IBAN]", "secrets": "[SECRET]"})
	rd := newRedaction(r)
	texts := []string{"", "a@b", "a@b.c", "x@y.io", "1234", "12345", "ok", "mail a@b.co now", "AKIA0123456789ABCDEF",
		"card 4111 1111 1111 1111", "555-12-3456"}
	m := pcommon.NewMap()
	for i, s := range texts {
		m.PutStr("s"+strconv.Itoa(i), s)
	}
	m.PutInt("n", 4111111111111111)
	m.PutDouble("d", 5.5)
	m.PutBool("b", true)
	m.PutEmptyBytes("raw").FromRaw([]byte("a@b.co"))
	m.PutEmptyMap("m").PutStr("inner", "write to jane.doe@example.com")
	m.PutEmptySlice("l").AppendEmpty().SetStr("call +1 415 555 0100")
	for k, v := range m.All() {
		c := pcommon.NewValueEmpty()
		v.CopyTo(c)
		if masked := rd.redactValue(c, 0); masked && !maskable(v) {
			t.Errorf("%s: maskable says no to a value redaction masks", k)
		}
	}
	span := ptrace.NewSpan()
	m.CopyTo(span.Attributes())
	span.Attributes().PutEmptyMap("gen_ai.input.messages").PutStr("content", "write to jane.doe@example.com")
	span.Attributes().PutEmptySlice("gen_ai.output.messages").AppendEmpty().SetStr("call +1 415 555 0100")
	if !rd.redactSpan(span) {
		t.Fatal("nothing masked")
	}
	in, _ := span.Attributes().Get("gen_ai.input.messages")
	out, _ := span.Attributes().Get("gen_ai.output.messages")
	if s := in.AsString() + out.AsString(); strings.Contains(s, "jane.doe") || strings.Contains(s, "555 0100") {
		t.Fatalf("nested content not masked: %s", s)
	}
}
