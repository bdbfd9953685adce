package genainormalizeprocessor

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/periscope-otel/periscope/internal/testutil"
)

// refCompactJSON is the encoder's former JSON path, the reference of
// scanJSON and writeJSON: json.Compact, then json.HTMLEscape.
func refCompactJSON(s string) (string, bool) {
	var c bytes.Buffer
	c.Grow(len(s))
	if json.Compact(&c, []byte(s)) != nil {
		return "", false
	}
	// HTMLEscape also escapes U+2028 and U+2029, both led by 0xE2.
	if !bytes.ContainsAny(c.Bytes(), "<>&") && bytes.IndexByte(c.Bytes(), 0xE2) < 0 {
		return c.String(), true
	}
	var e bytes.Buffer
	json.HTMLEscape(&e, c.Bytes())
	return e.String(), true
}

// checkRawJSON: scanJSON accepts exactly what json.Compact accepts, and
// writeJSON writes what the reference writes (plainJSON: s itself).
func checkRawJSON(t *testing.T, s string) {
	t.Helper()
	want, ok := refCompactJSON(s)
	kind := scanJSON(s)
	if (kind != notJSON) != ok {
		t.Fatalf("%q: scanJSON %d, json.Compact ok %v", s, kind, ok)
	}
	if !ok {
		return
	}
	var b strings.Builder
	writeJSON(&b, s, kind)
	if b.String() != want {
		t.Fatalf("%q:\ngot  %s\nwant %s", s, b.String(), want)
	}
	if kind == plainJSON && want != s {
		t.Fatalf("%q: plainJSON but written as %s", s, want)
	}
}

func rawJSONSeeds() []string {
	return []string{
		`{}`, `[]`, `{ }`, `[ ]`, `{"a":1}`, `{"a": 1}`, "{\n\t\"a\" :\r [1 , 2]}", `[1,]`, `{"a":1,}`, `{,}`, `[,1]`,
		`{"a"}`, `{"a":}`, `{1:2}`, `{"a" 1}`, `["a" "b"]`, `[1 2]`, `{"a":1 "b":2}`, `[[[]]]`, `[[[]]`, `[]]`, `{]`, `[}`,
		`"x"`, `"`, `"\"`, `"\\"`, `"\/\b\f\n\r\t"`, `"\u00e9\u2028\uD83D\uDE00"`, `"\u12"`, `"\u12g4"`, `"\x"`, `"\U0041"`,
		"\"a\x01b\"", "\"tab\there\"", "\"\x7f\"", "\"\xff\xfe\"", "\"é😀\"", "\"a\u2028b\u2029c\"", "\"\xe2\x80\"", "\"\xe2\x80\xaa\"",
		`"<b>&amp;</b>"`, `{"h":"<x>","k":"a & b"}`, `"^|~"`, `0`, `-0`, `01`, `-`, `1.`, `.5`, `1.5`, `1e5`, `1E+5`, `1e-5`, `1e`, `1e+`,
		`-1.25e-10`, `123456789012345678901234567890`, `1.0e400`, `+1`, `0x10`, `NaN`, `true`, `false`, `null`, `tru`, `nul`, `truex`,
		`True`, `[true,false,null]`, `[truefalse]`, `{"a":[1,{"b":[null,"c"]}],"d":{}}`, `1 2`, `{} {}`, `[1] x`, "1\n",
		strings.Repeat("[", maxJSONDepth) + strings.Repeat("]", maxJSONDepth),
		strings.Repeat("[", maxJSONDepth+1) + strings.Repeat("]", maxJSONDepth+1),
		strings.Repeat("[", maxJSONDepth) + "{}" + strings.Repeat("]", maxJSONDepth),
		strings.Repeat(`{"a":`, 40) + "1" + strings.Repeat("}", 40),
		`{"type":"object","properties":{"location":{"type":"string","description":"City, e.g. Paris <FR>"}},"required":["location"]}`,
		`{"long":"` + strings.Repeat("abcdefgh", 40) + `\n` + strings.Repeat("ijklmnop", 3) + `"}`,
	}
}

func TestScanJSONMatchesCompact(t *testing.T) {
	for _, s := range rawJSONSeeds() {
		checkRawJSON(t, s)
	}
}

// TestScanJSONSamples: every string attribute value of the shared samples
// (tool schemas, arguments, message arrays), and each of its prefixes
// for the longer ones, is read as the reference reads it.
func TestScanJSONSamples(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(testutil.SharedDir(t), "data", "genai-samples", "*.json"))
	more, _ := filepath.Glob(filepath.Join(testutil.SharedDir(t), "data", "genai-samples", "real-clients", "*.json"))
	n := 0
	check := func(attrs pcommon.Map) {
		for _, v := range attrs.All() {
			if v.Type() != pcommon.ValueTypeStr {
				continue
			}
			s := v.Str()
			checkRawJSON(t, s)
			n++
			if j := strings.TrimSpace(s); j != "" && (j[0] == '{' || j[0] == '[') {
				for i := 1; i < len(j); i += 1 + i/16 {
					checkRawJSON(t, j[:i])
				}
			}
		}
	}
	for _, f := range append(files, more...) {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if td, err := (&ptrace.JSONUnmarshaler{}).UnmarshalTraces(raw); err == nil {
			for _, rs := range td.ResourceSpans().All() {
				for _, ss := range rs.ScopeSpans().All() {
					for _, sp := range ss.Spans().All() {
						check(sp.Attributes())
						for _, e := range sp.Events().All() {
							check(e.Attributes())
						}
					}
				}
			}
		}
		if ld, err := (&plog.JSONUnmarshaler{}).UnmarshalLogs(raw); err == nil {
			for _, rl := range ld.ResourceLogs().All() {
				for _, sl := range rl.ScopeLogs().All() {
					for _, lr := range sl.LogRecords().All() {
						check(lr.Attributes())
					}
				}
			}
		}
	}
	if n < 100 {
		t.Fatalf("only %d sample values", n)
	}
}

// TestScanJSONRandom: random texts from JSON's alphabet, and the seeds with
// one byte changed.
func TestScanJSONRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	alphabet := []string{"{", "}", "[", "]", ",", ":", " ", "\n", `"`, `\`, "a", "u", "0", "1", "9", "-", "+", ".", "e", "E",
		"true", "false", "null", "<", ">", "&", "\u2028", "\xe2", "\x01", "\xff", "é", `"k":`, `"s"`, "\\u00e9", "\\n", "\t"}
	for range 200000 {
		var b strings.Builder
		for n := r.IntN(12); n >= 0; n-- {
			b.WriteString(alphabet[r.IntN(len(alphabet))])
		}
		checkRawJSON(t, b.String())
	}
	for _, s := range rawJSONSeeds() {
		if len(s) > 200 {
			continue
		}
		for i := range len(s) {
			for _, c := range []byte{' ', '"', '\\', '{', ']', ',', '0', 'x', 0xE2, 0x1F} {
				checkRawJSON(t, s[:i]+string(c)+s[i+1:])
			}
		}
	}
}

func FuzzScanJSON(f *testing.F) {
	for _, s := range rawJSONSeeds() {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		checkRawJSON(t, s)
	})
}
