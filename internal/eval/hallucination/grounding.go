package hallucination

import (
	"strings"
	"unicode"

	"github.com/periscope-otel/periscope/internal/eval"
)

// hasGrounding reports whether a call offers anything to ground an answer
// on: context pieces (RAG documents, retrieval spans, tool results, earlier
// turns) or system instructions that carry material of their own. A system
// prompt made only of instructions ("You are a helpful assistant. Answer
// briefly.") states no facts, so an answer to a general question would be
// "ungrounded" by construction: the evaluator reports no_context instead of
// guessing. The user's question alone never makes it run either.
func hasGrounding(in *eval.Input) bool {
	for _, c := range in.Context {
		if c != "" {
			return true
		}
	}
	return systemHasMaterial(in.System)
}

// contextMarkers introduce reference material inside a system prompt.
var contextMarkers = []string{
	"context:", "<context", "documents:", "<document", "sources:", "source:", "reference:", "references:",
	"knowledge:", "knowledge base:", "facts:", "information:", "background:", "excerpt:", "passage:",
	"article:", "transcript:", "notes:", "data:", "policy:", "```", "\"\"\"",
}

// instructionStarts are first words of instruction sentences.
var instructionStarts = setOf(
	"you", "your", "you're", "answer", "always", "never", "do", "don't", "dont", "be", "use", "respond",
	"reply", "keep", "if", "when", "only", "please", "act", "assume", "follow", "write", "ignore", "avoid",
	"provide", "include", "return", "output", "format", "summarize", "summarise", "translate",
	"classify", "extract", "make", "ensure", "remember", "think", "help",
	"assist", "speak", "talk", "limit", "refuse", "decline", "stay", "consider", "address", "greet",
	"explain", "describe", "list", "generate", "create", "check", "verify", "cite", "mention",
	"ask", "tell", "give", "add", "prefer", "treat", "handle", "focus", "stick", "rely", "quote",
)

// minMaterialWords is how many content words of declarative sentences a
// system prompt needs before it counts as grounding material; after an
// explicit marker ("Context:") fewer do.
const (
	minMaterialWords = 4
	minMarkedWords   = 3
)

func systemHasMaterial(sys string) bool {
	if strings.TrimSpace(sys) == "" {
		return false
	}
	lower := strings.ToLower(sys)
	for _, m := range contextMarkers {
		if i := strings.Index(lower, m); i >= 0 && contentWords(lower[i+len(m):]) >= minMarkedWords {
			return true
		}
	}
	n := 0
	for _, sent := range splitSentences(lower) {
		words := strings.FieldsFunc(sent, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '\'' })
		if len(words) == 0 {
			continue
		}
		if _, instr := instructionStarts[words[0]]; instr || strings.Contains(sent, "you are") || strings.Contains(sent, "assistant") {
			continue
		}
		n += countContent(words)
		if n >= minMaterialWords {
			return true
		}
	}
	return false
}

func splitSentences(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == '.' || r == '!' || r == '?' || r == '\n' || r == ';' })
}

func contentWords(s string) int {
	return countContent(strings.FieldsFunc(s, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }))
}

func countContent(words []string) int {
	n := 0
	for _, w := range words {
		if _, stop := stopwords[w]; stop {
			continue
		}
		if len(w) >= 3 || (len(w) > 0 && unicode.IsDigit(rune(w[0]))) {
			n++
		}
	}
	return n
}
