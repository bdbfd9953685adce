package genai

import (
	"math/rand/v2"
	"reflect"
	"testing"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

var messageEventNames = []string{eventSystemMessage, eventUserMessage, eventAssistantMessage, eventToolMessage, eventChoice}

// checkScanMessageEvent compares the event scanner with decoding the body
// and reading the decoded value (messageEvent): when the scanner reads it,
// the messages, finish reasons and budget are the generic path's; when it
// does not, nothing is recorded or charged. It reports whether the scanner
// read the body.
func checkScanMessageEvent(t *testing.T, name, doc string, budget int) bool {
	t.Helper()
	opts := Options{Content: true, MaxContentBytes: budget}
	var s reader
	s.init(opts)
	before := s.b
	if !s.scanMessageEvent(name, doc) {
		if s.b != before || s.eventIn != nil || s.eventOut != nil || s.eventFinish != nil {
			t.Fatalf("%s %q: a refused body left a trace", name, doc)
		}
		return false
	}
	var g reader
	g.init(opts)
	body, _ := g.decodeJSON("gen_ai.event.content", doc)
	g.messageEvent(name, body)
	if !reflect.DeepEqual(s.eventIn, g.eventIn) || !reflect.DeepEqual(s.eventOut, g.eventOut) ||
		!reflect.DeepEqual(s.eventFinish, g.eventFinish) || s.b != g.b || len(g.v.Problems) > 0 {
		t.Fatalf("%s %q budget %d:\nscanned %#v %#v %v %+v\ngeneric %#v %#v %v %+v %v", name, doc, budget,
			s.eventIn, s.eventOut, s.eventFinish, s.b, g.eventIn, g.eventOut, g.eventFinish, g.b, g.v.Problems)
	}
	return true
}

var scanEventSeeds = []string{
	`{"role": "system", "content": "You answer questions about the travel policy."}`,
	`{"content": "Can I book business class?"}`,
	`{"role":"tool","id":"call_1","content":"42"}`,
	`{"id":7.50,"content":"numbered"}`,
	`{"id":"x","tool_call_id":null,"content":"explicit null id"}`,
	`{"tool_call_id":"t9","content":{"type":"text","text":"object content"}}`,
	`{"message": {"content": "Business class is for flights over six hours."}, "finish_reason": "stop", "index": 0}`,
	`{"message":{"role":"assistant","content":null},"tool_calls":[{"id":"c1","type":"function","function":{"name":"f","arguments":"{\"a\":1}"}}],"finish_reason":"tool_calls"}`,
	`{"message":{"tool_calls":null},"tool_calls":[{"id":"c2","function":{"name":"g","arguments":{}}}]}`,
	`{"message":"not an object","tool_calls":[{"id":"c3","function":{"name":"h"}}],"finish_reason":"length"}`,
	`{"message":{"content":"a","finish_reason":"stop"},"finish_reason":"content_filter"}`,
	`{"message":{"parts":[{"type":"text","content":"semconv parts"}]}}`,
	`{"role":"assistant","content":[{"type":"text","text":"one"},{"type":"tool_use","id":"u1","name":"s","input":{"q":1}}]}`,
	`{"role":"user","role":"assistant","content":"dup","content":"last"}`,
	`{"role":"user","content":"caf\u00e9 \ud83d\ude00 \"q\" \\ \/ tab\t"}`,
	`{"a":1,"b":2,"c":3,"d":4,"e":5,"f":6,"g":7,"h":8,"i":9,"j":10,"k":11,"l":12,"role":"user","content":"many"}`,
	`{"role":"user","content":"x", }`, `{}`, `{"finish_reason":"stop"}`, `[{"role":"user","content":"array"}]`, `"text"`,
}

func TestScanMessageEventSeeds(t *testing.T) {
	read := 0
	for _, doc := range scanEventSeeds {
		for _, name := range messageEventNames {
			for _, budget := range []int{0, 5, 40, 1 << 20} {
				if checkScanMessageEvent(t, name, doc, budget) {
					read++
				}
			}
		}
	}
	if read < 200 {
		t.Fatalf("the scanner read only %d seed bodies", read)
	}
}

// TestScanMessageEventRandom: generated objects of the keys the scanner
// knows, and mutations of them, under every event name.
func TestScanMessageEventRandom(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	read, objects := 0, 0
	for range 20000 {
		doc := randomJSON(rng, 0)
		if doc == "" || doc[0] != '{' {
			continue
		}
		objects++
		name := messageEventNames[rng.IntN(len(messageEventNames))]
		budget := []int{3, 60, 1 << 20}[rng.IntN(3)]
		if checkScanMessageEvent(t, name, doc, budget) {
			read++
		}
		checkScanMessageEvent(t, name, mutate(rng, doc), budget)
	}
	if read < objects/3 {
		t.Fatalf("the scanner read only %d of %d objects", read, objects)
	}
}

// FuzzScanMessageEvent: on any body the scanner either refuses or reads
// what the generic path reads, alone, as a span event and as a log record.
func FuzzScanMessageEvent(f *testing.F) {
	for _, s := range scanEventSeeds {
		f.Add(s, 64, 1)
	}
	f.Fuzz(func(t *testing.T, doc string, budget, which int) {
		budget = max(budget, -budget)%4096 + 1
		name := messageEventNames[max(which, -which)%len(messageEventNames)]
		checkScanMessageEvent(t, name, doc, budget)
		opts := Options{Content: true, MaxContentBytes: budget}

		span := ptrace.NewSpan()
		span.SetName("chat m")
		ev := span.Events().AppendEmpty()
		ev.SetName(name)
		ev.Attributes().PutStr("gen_ai.event.content", doc)
		scanned, generic := readBoth(span, pcommon.NewResource(), opts)
		if !reflect.DeepEqual(scanned, generic) {
			t.Fatalf("span event %q:\nscanned %+v\ngeneric %+v", doc, scanned, generic)
		}

		ld := plog.NewLogs()
		lr := ld.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty().LogRecords().AppendEmpty()
		lr.SetEventName(name)
		lr.Body().SetStr(doc)
		recs := []plog.LogRecord{lr}
		res := pcommon.NewResource()
		defer func() { scanOff = false }()
		scannedLog := ReadLogRecords(recs, res, opts)
		scanOff = true
		genericLog := ReadLogRecords(recs, res, opts)
		scanOff = false
		if !reflect.DeepEqual(scannedLog, genericLog) {
			t.Fatalf("log record %q:\nscanned %+v\ngeneric %+v", doc, scannedLog, genericLog)
		}
	})
}
