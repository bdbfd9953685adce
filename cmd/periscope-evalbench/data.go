package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"unicode/utf8"

	"github.com/periscope-otel/periscope/internal/eval"
	"github.com/periscope-otel/periscope/internal/eval/evaluators"
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

// toInput maps a record to what the evaluator sees, as its registry entry
// says (eval.Spec.Bench.Row): input-side evaluators score text as the user
// prompt; output-side ones score text as the answer, with context as the
// grounding / system text and query (or, without one, context) as the user
// turn. name must be a registered evaluator.
func toInput(name string, r *record) eval.Input {
	s, ok := evaluators.Lookup(name)
	if !ok {
		return eval.PromptRow(r.Text, r.Context, r.Query)
	}
	return s.BenchInput(r.Text, r.Context, r.Query)
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
