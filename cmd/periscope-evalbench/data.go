package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"unicode/utf8"

	"github.com/periscope-otel/periscope/internal/contract"
	"github.com/periscope-otel/periscope/internal/eval"
)

// record is one row of the labelled JSONL format.
type record struct {
	ID       string `json:"id"`
	Text     string `json:"text"`
	Context  string `json:"context"`
	Query    string `json:"query"`
	Label    int    `json:"label"`
	Category string `json:"category"`
	Spans    []span `json:"spans"`
	// meta is deliberately not decoded: it must never reach an evaluator.
}

// span is a gold entity span in Unicode code points.
type span struct {
	Start int    `json:"start"`
	End   int    `json:"end"`
	Type  string `json:"type"`
}

// readRecords reads JSONL split on newline bytes only (texts may contain
// U+2028, which is not a record separator).
func readRecords(path string) ([]record, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r := bufio.NewReaderSize(f, 1<<20)
	var out []record
	for line := 1; ; line++ {
		b, err := r.ReadBytes('\n')
		if len(b) > 0 && !isBlank(b) {
			var rec record
			if jerr := json.Unmarshal(b, &rec); jerr != nil {
				return nil, fmt.Errorf("%s:%d: %w", path, line, jerr)
			}
			out = append(out, rec)
		}
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
	}
}

func isBlank(b []byte) bool {
	for _, c := range b {
		if c != ' ' && c != '\n' && c != '\r' && c != '\t' {
			return false
		}
	}
	return true
}

// outputSide names the evaluators that score a model answer.
var outputSide = map[string]bool{
	contract.EvalToxicity: true, contract.EvalRefusal: true,
	contract.EvalPromptLeak: true, contract.EvalHallucination: true,
}

// toInput maps a record to what the evaluator sees. Input-side evaluators
// score text as the user prompt; output-side ones score text as the answer,
// with context as the grounding / system text and query (or, without one,
// context) as the user turn.
func toInput(name string, r *record) eval.Input {
	if !outputSide[name] {
		return eval.Input{Input: r.Text}
	}
	in := eval.Input{Output: r.Text, System: r.Context, Input: r.Query}
	if in.Input == "" {
		in.Input = r.Context
	}
	if r.Context != "" {
		in.Context = []string{r.Context}
	}
	if name == contract.EvalHallucination {
		// The hallucination evaluator grounds on System and Context; give
		// it the context once.
		in.System = ""
	}
	return in
}

// byteOffset converts a code-point offset of s to a byte offset.
func byteOffset(s string, cp int) int {
	if cp <= 0 {
		return 0
	}
	n := 0
	for i := range s {
		if n == cp {
			return i
		}
		n++
	}
	_ = utf8.RuneError
	return len(s)
}
