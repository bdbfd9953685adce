package genai

import (
	"math/rand/v2"
	"reflect"
	"testing"

	"go.opentelemetry.io/collector/pdata/pcommon"
)

// flatReaders are the readers of usage and cost objects that take a flat
// object in place.
var flatReaders = map[string]func(r *reader, k string, v pcommon.Value){
	"langfuse usage": (*reader).langfuseUsage, "mlflow usage": (*reader).mlflowUsage,
	"langfuse cost": (*reader).langfuseCost, "mlflow cost": (*reader).mlflowCost,
}

// checkFlat reads doc with each usage and cost reader, in place and
// decoded, and fails when anything the reader records differs. It reports
// whether the object was read in place.
func checkFlat(t *testing.T, doc string) bool {
	t.Helper()
	v := pcommon.NewValueStr(doc)
	var o flatObj
	inPlace := o.read(v)
	for name, read := range flatReaders {
		var a, b reader
		a.init(Options{})
		b.init(Options{})
		read(&a, "k", v)
		scanOff = true
		read(&b, "k", v)
		scanOff = false
		if !reflect.DeepEqual(a.ints, b.ints) || a.intSet != b.intSet || a.marks != b.marks ||
			a.netOfCache != b.netOfCache || a.netReasoning != b.netReasoning || !reflect.DeepEqual(a.cost, b.cost) ||
			a.v.UsageUnreadable != b.v.UsageUnreadable || !reflect.DeepEqual(a.v.Problems, b.v.Problems) {
			t.Fatalf("%s %q:\nin place %v %v %v %+v %v\ndecoded  %v %v %v %+v %v", name, doc,
				a.ints, a.intSet, a.marks, a.cost, a.v.Problems, b.ints, b.intSet, b.marks, b.cost, b.v.Problems)
		}
	}
	return inPlace
}

var flatSeeds = []string{
	`{"input":12,"output":30,"total":42}`,
	`{"input": 12, "output": 30, "total": 42, "input_cached_tokens": 4, "output_reasoning": 7}`,
	`{"prompt_tokens":"15","completion_tokens":"2.9","total_tokens":-3,"cached_tokens":1e3}`,
	`{"input":1,"input":2,"input":null}`, `{"input":true,"output":"x","total":1e400}`,
	`{"total":0.0012,"input":0.0004,"output":0.0008}`, `{"total":-1}`, `{"total":"0.5"}`, `{"total_cost":3.5e-5}`,
	`{"input_tokens":5,"output_tokens":6,"usage":{"nested":1}}`, `[1,2]`, `"{\"input\":1}"`, `{}`, ` {"input":4} `,
	`{"in\u0070ut":9,"caf\u00e9":1}`, `{"input":1,}`, `{"input":01}`, `{"input":1}x`, `{"a":1,"b":2,"c":3,"d":4,"e":5,"f":6,"g":7,"h":8,"i":9,"j":10,"k":11,"l":12,"m":13,"n":14,"o":15,"p":16,"input":17}`,
}

func TestFlatObjectSeeds(t *testing.T) {
	inPlace := 0
	for _, doc := range flatSeeds {
		if checkFlat(t, doc) {
			inPlace++
		}
	}
	if inPlace < 10 {
		t.Fatalf("only %d seed objects read in place", inPlace)
	}
}

// TestFlatObjectRandom: generated objects of usage and cost keys and
// scalar values (and mutations of them) read alike in place and decoded.
func TestFlatObjectRandom(t *testing.T) {
	keys := []string{"input", "output", "total", "prompt_tokens", "completion_tokens", "total_tokens", "input_tokens",
		"output_tokens", "cached_tokens", "reasoning_tokens", "cache_creation_input_tokens", "total_cost", "other"}
	vals := []string{"0", "12", "-4", "3.75", "1e3", "1e16", `"17"`, `"x"`, "true", "false", "null", "{}", "[1]", `"\u0031"`}
	rng := rand.New(rand.NewPCG(5, 6))
	inPlace := 0
	for range 20000 {
		b := []byte{'{'}
		for i := range rng.IntN(6) {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, '"')
			b = append(b, keys[rng.IntN(len(keys))]...)
			b = append(b, `":`...)
			b = append(b, vals[rng.IntN(len(vals))]...)
		}
		b = append(b, '}')
		if checkFlat(t, string(b)) {
			inPlace++
		}
		checkFlat(t, mutate(rng, string(b)))
	}
	if inPlace < 10000 {
		t.Fatalf("only %d of 20000 objects read in place", inPlace)
	}
}

// FuzzFlatObject: any string reads alike in place and decoded.
func FuzzFlatObject(f *testing.F) {
	for _, s := range flatSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, doc string) { checkFlat(t, doc) })
}
