package genaievalprocessor

import (
	"bufio"
	"encoding/json"
	"maps"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"unsafe"

	"go.opentelemetry.io/collector/pdata/pcommon"

	"github.com/periscope-otel/periscope/internal/eval"
	"github.com/periscope-otel/periscope/internal/eval/safety"
	"github.com/periscope-otel/periscope/internal/testutil"
)

// redactStringRef is redactString before the per-batch scratch (a pooled
// scratch per string, sort.Slice): the reference it must match.
func redactStringRef(r *redactor, s string, counts map[string]int) (string, bool) {
	if len(s) < 5 {
		return s, false
	}
	var levels [maxEscapeLevels + 1]string
	sc := new(redactScratch)
	at := &sc.at
	levels[0] = s
	depth := 0
	for depth < maxEscapeLevels && strings.IndexByte(levels[depth], '\\') >= 0 {
		sc.dec[depth], at[depth] = unescapeJSONTo(sc.dec[depth][:0], at[depth][:0], levels[depth])
		levels[depth+1] = unsafe.String(unsafe.SliceData(sc.dec[depth]), len(sc.dec[depth]))
		depth++
	}
	text := levels[depth]
	raw := func(a, b int) (int, int) {
		for k := depth - 1; k >= 0; k-- {
			b = quoteIn(levels[k+1], a, b)
			a, b = at[k].start(a), at[k].end(b)
		}
		return a, quoteIn(s, a, b)
	}
	var found []span
	if len(r.pii) > 0 {
		sc.fs = safety.ScanPII(text, eval.SideInput, r.pii, sc.fs[:0])
		for _, f := range sc.fs {
			a, b := raw(f.Start, f.End)
			found = append(found, span{a, b, r.repl[f.Rule], f.Rule})
		}
	}
	if r.secrets != "" {
		sc.fs, sc.hits = safety.ScanSecrets(text, eval.SideInput, sc.fs[:0], sc.hits)
		for _, f := range sc.fs {
			a, b := raw(f.Start, f.End)
			found = append(found, span{a, b, r.secrets, RedactSecrets})
		}
	}
	if len(found) == 0 {
		return s, false
	}
	sort.Slice(found, func(i, j int) bool { return found[i].a < found[j].a })
	var b strings.Builder
	pos, n := 0, 0
	for _, f := range found {
		a, e := f.a, f.b
		if a < pos {
			a = pos
		}
		if e <= a {
			continue
		}
		b.WriteString(s[pos:a])
		b.WriteString(f.repl)
		pos = e
		n++
		counts[f.typ]++
	}
	if n == 0 {
		return s, false
	}
	b.WriteString(s[pos:])
	return b.String(), true
}

func allTypesRedactor() *redactor {
	return newRedactor(map[string]string{"email": "<EMAIL>", "credit_card": "<CARD>", "phone": "<PHONE>", "ip_address": "<IP>",
		"iban": "<IBAN>", "us_ssn": "<SSN>", "street_address": "<ADDR>", RedactSecrets: "<SECRET>"})
}

// checkAgainstRef redacts every text with one batch's redaction, as
// processTraces does, and compares each result and the counts with the
// reference.
func checkAgainstRef(t *testing.T, r *redactor, texts []string) {
	t.Helper()
	rd := newRedaction(r)
	want := map[string]int{}
	masked := 0
	for _, s := range texts {
		got, ok := rd.redactString(s)
		ref, refOK := redactStringRef(r, s, want)
		if got != ref || ok != refOK {
			t.Fatalf("redactString(%q) = %q, %v; reference %q, %v", s, got, ok, ref, refOK)
		}
		if ok {
			masked++
		}
	}
	if !maps.Equal(rd.counts, want) {
		t.Fatalf("counts %v, reference %v", rd.counts, want)
	}
	t.Logf("%d texts, %d masked", len(texts), masked)
}

// sharedTexts loads the "text" field of a shared eval data set.
func sharedTexts(t *testing.T, set string) []string {
	f, err := os.Open(filepath.Join(testutil.SharedDir(t), "data", "eval", set, "data.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<24)
	for sc.Scan() {
		var rec struct{ Text string }
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			t.Fatal(err)
		}
		out = append(out, rec.Text)
	}
	return out
}

// TestRedactMatchesReference: PII and secret samples, plain, as a JSON
// message list and as JSON in JSON, and every string of the bench traffic.
func TestRedactMatchesReference(t *testing.T) {
	var texts []string
	for _, set := range []string{"presidio_synth_pii", "gitleaks_secret_samples"} {
		for _, s := range sharedTexts(t, set) {
			doc, _ := json.Marshal([]map[string]any{{"role": "user", "parts": []map[string]string{{"type": "text", "content": s}}}})
			outer, _ := json.Marshal([]map[string]string{{"toolName": "lookup", "input": string(doc)}})
			texts = append(texts, s, string(doc), string(outer))
		}
	}
	var walk func(v pcommon.Value)
	walk = func(v pcommon.Value) {
		switch v.Type() {
		case pcommon.ValueTypeStr:
			texts = append(texts, v.Str())
		case pcommon.ValueTypeMap:
			for _, x := range v.Map().All() {
				walk(x)
			}
		case pcommon.ValueTypeSlice:
			for _, x := range v.Slice().All() {
				walk(x)
			}
		}
	}
	for _, td := range trafficBatches(t, 4) {
		for _, rs := range td.ResourceSpans().All() {
			for _, ss := range rs.ScopeSpans().All() {
				for _, sp := range ss.Spans().All() {
					for _, v := range sp.Attributes().All() {
						walk(v)
					}
					for _, ev := range sp.Events().All() {
						for _, v := range ev.Attributes().All() {
							walk(v)
						}
					}
				}
			}
		}
	}
	checkAgainstRef(t, allTypesRedactor(), texts)
	checkAgainstRef(t, newRedactor(map[string]string{RedactSecrets: "[SECRET]"}), texts)
	checkAgainstRef(t, newRedactor(map[string]string{"email": "[EMAIL]", "phone": "[PHONE]"}), texts)
}

// TestRedactMatchesReferenceRandom: random mixes of findings, overlapping
// PII and secrets, quotes, backslashes and escapes.
func TestRedactMatchesReferenceRandom(t *testing.T) {
	frags := []string{"jane.doe@example.org", "4111 1111 1111 1111", "+1 (415) 555-0132", "078-05-1120", "DE89370400440532013000",
		"AKIAJBVT3MIDSGROOSHE", "api_key=Zq8F2Lr9Xz1Vb7Nc4Mk0Pw3Ty6Hs5Jd2G", "ghp_16C7e42F292c6912E7710c838347Ae178B4a",
		"10.0.0.1", "221B Baker Street", " ", "\n", `\n`, `\"`, `"`, `\\`, `\u00e9`, `\ud83d\ude00`, `\u12`, "é", "word ", "x", ":", "=", "-----BEGIN RSA PRIVATE KEY-----"}
	rng := rand.New(rand.NewPCG(1, 2))
	texts := make([]string, 0, 20000)
	for range 20000 {
		var b strings.Builder
		for range rng.IntN(12) {
			b.WriteString(frags[rng.IntN(len(frags))])
		}
		texts = append(texts, b.String())
	}
	checkAgainstRef(t, allTypesRedactor(), texts)
}

func FuzzRedactMatchesReference(f *testing.F) {
	for _, s := range []string{"jane@example.org", "4111 1111 1111 1111 x@y.zz", `a\"b@c.de\n`, `\u0041@b.co AKIAJBVT3MIDSGROOSHE`, ""} {
		f.Add(s)
	}
	r := allTypesRedactor()
	f.Fuzz(func(t *testing.T, s string) {
		rd := newRedaction(r)
		want := map[string]int{}
		got, ok := rd.redactString(s)
		ref, refOK := redactStringRef(r, s, want)
		if got != ref || ok != refOK || !maps.Equal(rd.counts, want) {
			t.Fatalf("redactString(%q) = %q, %v, %v; reference %q, %v, %v", s, got, ok, rd.counts, ref, refOK, want)
		}
	})
}
