package genai

import (
	"encoding/json"
	"math"
	"reflect"
	"strings"
	"testing"
)

// scanSeeds cover the semconv shape with the variations the scanner must
// either read exactly as the typed decoder does or refuse.
var scanSeeds = []string{
	`[{"role":"user","parts":[{"type":"text","content":"hi"}]}]`,
	` [ {"role":"assistant","parts":[{"type":"text","content":"a\nb \"q\" \u00e9 \ud83d\ude00 \ud800x \/"}],"finish_reason":"stop"} ] `,
	`[{"role":"assistant","parts":[{"type":"tool_call","id":"c1","name":"f","arguments":{"a":[1,2.5e3,-0,true,null,"x"]}}]}]`,
	`[{"role":"tool","parts":[{"type":"tool_call_response","id":"c1","response":"ok"},{"type":"tool_call_response","result":{"r":1}},{"type":"tool_call_response","response":"","result":"x"}]}]`,
	`[{"role":"user","parts":[{"type":"blob","modality":"image","mime_type":"image/png","content":"AAAA"},{"type":"uri","modality":"image","uri":"https://x/y.png"},{"type":"file","file_id":"f1"}]}]`,
	`[{"role":"user","parts":[{"type":"reasoning","content":"r"},{"type":"refusal","content":"no"},{"type":"custom","content":"c"},{"content":"untyped"}]}]`,
	`[{"role":"user","name":"bob","parts":[],"extra":{"k":[1,{"z":null}]}}]`,
	`[{"role":"developer","parts":[{"type":"text","content":"d","annotations":[]}]}]`,
	`[{"parts":[{"type":"text","content":"no role"}]}]`,
	`[{"role":"user","parts":[{"type":"text","content":null,"name":null}]}]`,
	`[]`, `null`, `[null]`, `[{"role":"user"}]`, `[{"role":"user","parts":null}]`, `[{"role":"user","parts":[null]}]`,
	`[{"role":"user","content":"x","parts":[]}]`, `[{"Role":"user","parts":[]}]`, `[{"role":"user","role":"x","parts":[]}]`,
	`[{"role":"user","parts":[{"type":"text","content":"x"}]},]`, `[{"role":"user","parts":[]}] x`,
	`[{"role":"user","parts":[{"type":"text","content":"bad \x01"}]}]`, "[{\"role\":\"user\",\"parts\":[{\"type\":\"text\",\"content\":\"\xff\"}]}]",
	`[{"role":"user","parts":[{"type":"text","content":1}]}]`, `[{"role":"user","parts":[{"type":"text","content":"\q"}]}]`,
	`[{"type":"text","content":"sys"},{"type":"text","content":"tem"}]`, `[{"role":1,"parts":[]}]`,
	`[{"role":"user","parts":[{"type":"tool_call","arguments":01}]}]`, `[{"role":"user","parts":[{"type":"tool_call","arguments":null}]}]`,
	`[{"role":"user","parts":[{"type":"text","content":"` + strings.Repeat("long text ", 500) + `"}]}]`,
}

// checkScan: whatever the scanner accepts, the typed decoder accepts and
// reads identically, charging the same budget; what it refuses leaves the
// budget untouched.
func checkScan(t *testing.T, s string, budget int) {
	for _, list := range []bool{false, true} {
		var a, b reader
		a.init(Options{Content: true, MaxContentBytes: budget})
		b.init(Options{Content: true, MaxContentBytes: budget})
		var got, want any
		var okA, okB bool
		if list {
			got, okA = a.scanPartList(s)
			want, okB = b.fastPartList(s)
		} else {
			got, okA = a.scanMessages(s, "user")
			want, okB = b.fastMessages(s, "user")
		}
		if !okA {
			if a.b != (budget2(budget)) {
				t.Fatalf("refused %q but charged the budget: %+v", s, a.b)
			}
			continue
		}
		if !okB {
			t.Fatalf("scanner accepted %q (list=%v), typed decoder refused it", s, list)
		}
		if !reflect.DeepEqual(got, want) || a.b != b.b {
			t.Fatalf("%q (list=%v):\nscan  %#v %+v\ntyped %#v %+v", s, list, got, a.b, want, b.b)
		}
	}
}

func budget2(n int) budget { return budget{remaining: Options{MaxContentBytes: n}.budget()} }

func TestScanMatchesTypedDecoder(t *testing.T) {
	accepted := 0
	for _, s := range scanSeeds {
		for _, n := range []int{0, 40, 1 << 20} {
			checkScan(t, s, n)
		}
		var r reader
		r.init(Options{Content: true})
		if _, ok := r.scanMessages(s, "user"); ok {
			accepted++
		}
	}
	if accepted < 10 {
		t.Fatalf("scanner accepted only %d seeds", accepted)
	}
}

func FuzzScanMessages(f *testing.F) {
	for _, s := range scanSeeds {
		f.Add(s, 4096)
	}
	f.Fuzz(func(t *testing.T, s string, budget int) {
		checkScan(t, s, budget%(1<<16))
	})
}

var anySeeds = []string{
	`{"a":1,"b":[true,false,null,"x\n\u00e9"],"c":{"d":-0.5e-3,"a":2},"a":3}`, `[]`, `{}`, `"s"`, ` 12 `, `-0`, `1e400`, `01`, `1.`, `[1,]`,
	`{"messages":[{"role":"user","content":"hi \"there\""}]}`, `[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]`, "\"\xff\"", `{"k\u0041":1}`, `nul`, `[1 2]`,
	`{"a":"\ud83d\ude00\ud800"}`, `{"a" 1}`, `tru`, `{"a":1}x`,
}

// checkAny: what fastAny accepts, encoding/json decodes to the same value;
// what validJSON accepts, encoding/json accepts.
func checkAny(t *testing.T, s string) {
	if validJSON(s) {
		var x any
		if err := json.Unmarshal([]byte(s), &x); err != nil {
			t.Fatalf("validJSON accepted %q, encoding/json: %v", s, err)
		}
	}
	got, ok := fastAny(s)
	if !ok {
		return
	}
	var want any
	if err := json.Unmarshal([]byte(s), &want); err != nil {
		t.Fatalf("fastAny accepted %q, encoding/json: %v", s, err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%q:\nfast %#v\njson %#v", s, got, want)
	}
}

func TestFastAnyMatchesEncodingJSON(t *testing.T) {
	for _, s := range append(anySeeds, scanSeeds...) {
		checkAny(t, s)
	}
	if _, ok := fastAny(anySeeds[0]); !ok {
		t.Fatal("fastAny refused a plain document")
	}
	for _, s := range []string{anySeeds[0], `{"messages":[{"role":"user","content":"a\n\"b\" \u00e9 é"}]}`} {
		if !validJSON(s) {
			t.Fatalf("validJSON refused %s", s)
		}
	}
	for _, s := range []string{`{"a":1e400}`, `{"a":"\x"}`, `[1,]`, "{\"a\":\"\x01\"}"} {
		if validJSON(s) {
			t.Fatalf("validJSON accepted %s", s)
		}
	}
}

func FuzzFastAny(f *testing.F) {
	for _, s := range append(anySeeds, scanSeeds...) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) { checkAny(t, s) })
}

// TestSkipToolDefinitionsChangesNothingElse: on every sample span the view
// read with SkipToolDefinitions is the full view without its tool
// definitions.
func TestSkipToolDefinitionsChangesNothingElse(t *testing.T) {
	withDefs := 0
	for _, f := range sampleFiles(t) {
		td, _ := readSample(t, f)
		for _, rs := range td.ResourceSpans().All() {
			for _, ss := range rs.ScopeSpans().All() {
				for _, sp := range ss.Spans().All() {
					full := ReadSpan(sp, rs.Resource(), Options{Content: true})
					skip := ReadSpan(sp, rs.Resource(), Options{Content: true, SkipToolDefinitions: true})
					if len(full.ToolDefinitions) > 0 {
						withDefs++
					}
					full.ToolDefinitions = nil
					if !reflect.DeepEqual(full, skip) {
						t.Errorf("%s %s: views differ beyond tool definitions", f, sp.Name())
					}
				}
			}
		}
	}
	if withDefs == 0 {
		t.Error("no sample span has tool definitions")
	}
}

// checkMarshal: marshalAny writes what json.Marshal writes.
func checkMarshal(t *testing.T, x any) {
	want, werr := json.Marshal(x)
	got, gerr := marshalAny(x)
	if (werr != nil) != (gerr != nil) || got != string(want) {
		t.Fatalf("%#v:\nmarshalAny %s %v\njson       %s %v", x, got, gerr, want, werr)
	}
}

func TestMarshalAnyMatchesJSONMarshal(t *testing.T) {
	for _, s := range append(anySeeds, scanSeeds...) {
		if x, ok := fastAny(s); ok {
			checkMarshal(t, x)
		}
	}
	for _, x := range []any{1e21, 1e-7, 123456789.0, -0.0, 1e-6, 0.1, 5e-324, math.MaxFloat64, "<a&b>\u2028\xff\x01\b\f", map[string]any{"b": 1.0, "a": []any{nil, true}, "é": "x"},
		[]any(nil), map[string]any(nil), int64(3), math.NaN()} {
		checkMarshal(t, x)
	}
}

func FuzzMarshalAny(f *testing.F) {
	for _, s := range append(anySeeds, scanSeeds...) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if x, ok := fastAny(s); ok {
			checkMarshal(t, x)
		}
	})
}
