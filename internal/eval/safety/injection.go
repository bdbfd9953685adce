package safety

import (
	"encoding/base64"

	"github.com/periscope-otel/periscope/internal/contract"
	"github.com/periscope-otel/periscope/internal/eval"
	"github.com/periscope-otel/periscope/internal/eval/linear"
)

// Options common to the safety evaluators.
type Options struct {
	// Sides to read (input, output or both); zero means the evaluator's default.
	Sides eval.Side
	// Model replaces the embedded learned model of the evaluators that
	// carry one (jailbreak, refusal, prompt_leak); periscope-evalbench sets
	// it to a model fitted on the training folds of cross-validation.
	Model *linear.Model
	// HarmModel replaces the embedded request-harm model that the refusal
	// model reads (see PromptHarm).
	HarmModel *linear.Model
	// RulesOnly scores with the rules alone, without the learned model.
	RulesOnly bool
}

func (o Options) sides(def eval.Side) eval.Side {
	if o.Sides == 0 {
		return def
	}
	return o.Sides
}

// Prompt-injection vocabulary. Tags feed the proximity rules below.
var injectionPhrases = []phrase{
	// instruction override: verb ... instructions
	{text: "ignore", tag: "ovr"}, {text: "ignoring", tag: "ovr"}, {text: "disregard", tag: "ovr"},
	{text: "forget", tag: "ovr"}, {text: "override", tag: "ovr"}, {text: "bypass", tag: "ovr"},
	{text: "neglect", tag: "ovr"}, {text: "discard", tag: "ovr"}, {text: "abandon", tag: "ovr"},
	{text: "stop following", tag: "ovr"}, {text: "do not follow", tag: "ovr"}, {text: "dont follow", tag: "ovr"},
	{text: "don t follow", tag: "ovr"}, {text: "no longer follow", tag: "ovr"}, {text: "overwrite", tag: "ovr"},
	{text: "instructions", tag: "instr"}, {text: "instruction", tag: "instr"}, {text: "directions", tag: "instr"},
	{text: "directives", tag: "instr"}, {text: "rules", tag: "instr"}, {text: "guidelines", tag: "instr"},
	{text: "prompt", tag: "instr"}, {text: "prompts", tag: "instr"}, {text: "commands", tag: "instr"},
	{text: "everything above", tag: "instr"}, {text: "all of the above", tag: "instr"},
	{text: "what you were told", tag: "instr"}, {text: "what you ve been told", tag: "instr"},
	{text: "programming", tag: "instr"}, {text: "restrictions", tag: "instr"}, {text: "constraints", tag: "instr"},
	{text: "ignore previous", rule: "instruction_override", w: 0.8},
	{text: "ignore all previous", rule: "instruction_override", w: 0.85},
	{text: "ignore the above", rule: "instruction_override", w: 0.8},
	{text: "disregard the above", rule: "instruction_override", w: 0.8},
	{text: "disregard previous", rule: "instruction_override", w: 0.8},
	{text: "forget everything", rule: "instruction_override", w: 0.7},
	{text: "forget all previous", rule: "instruction_override", w: 0.8},

	// system-prompt / secret extraction: verb ... target
	{text: "repeat", tag: "rev"}, {text: "print", tag: "rev"}, {text: "reveal", tag: "rev"},
	{text: "show", tag: "rev"}, {text: "output", tag: "rev"}, {text: "display", tag: "rev"},
	{text: "tell me", tag: "rev"}, {text: "list", tag: "rev"}, {text: "format", tag: "rev"},
	{text: "translate", tag: "rev"}, {text: "summarize", tag: "rev"}, {text: "summarise", tag: "rev"},
	{text: "write down", tag: "rev"}, {text: "spell", tag: "rev"}, {text: "recite", tag: "rev"},
	{text: "share", tag: "rev"}, {text: "leak", tag: "rev"}, {text: "dump", tag: "rev"},
	{text: "return", tag: "rev"}, {text: "explain", tag: "rev"}, {text: "convert", tag: "rev"},
	{text: "rewrite", tag: "rev"}, {text: "paraphrase", tag: "rev"}, {text: "copy", tag: "rev"},
	{text: "what are", tag: "rev"}, {text: "what is", tag: "rev"}, {text: "what were", tag: "rev"},
	{text: "your instructions", tag: "sys", rule: "system_prompt_reference", w: 0.35},
	{text: "you instructions", tag: "sys", rule: "system_prompt_reference", w: 0.35},
	{text: "your prompt", tag: "sys", rule: "system_prompt_reference", w: 0.3},
	{text: "system prompt", tag: "sys", rule: "system_prompt_reference", w: 0.3},
	{text: "system message", tag: "sys"}, {text: "initial prompt", tag: "sys", rule: "system_prompt_reference", w: 0.3},
	{text: "pre prompt", tag: "sys", rule: "system_prompt_reference", w: 0.4},
	{text: "preprompt", tag: "sys", rule: "system_prompt_reference", w: 0.4},
	{text: "hidden instructions", tag: "sys", rule: "system_prompt_reference", w: 0.45},
	{text: "secret instructions", tag: "sys", rule: "system_prompt_reference", w: 0.45},
	{text: "prior instructions", tag: "sys", rule: "system_prompt_reference", w: 0.35},
	{text: "previous instructions", tag: "sys"}, {text: "above instructions", tag: "sys"},
	{text: "instructions above", tag: "sys"}, {text: "the instructions", tag: "sys"},
	{text: "all instructions", tag: "sys"}, {text: "these instructions", tag: "sys"},
	{text: "instructions so far", tag: "sys", rule: "system_prompt_reference", w: 0.4},
	{text: "prompt so far", tag: "sys", rule: "system_prompt_reference", w: 0.4},
	{text: "your rules", tag: "sys"},
	{text: "your guidelines", tag: "sys"}, {text: "your programming", tag: "sys"},
	{text: "the password", tag: "sys", rule: "secret_reference", w: 0.25},
	{text: "your password", tag: "sys", rule: "secret_reference", w: 0.3},
	{text: "the access code", tag: "sys", rule: "secret_reference", w: 0.3},
	{text: "secret password", tag: "sys", rule: "secret_reference", w: 0.35},
	{text: "the secret", tag: "sys"}, {text: "everything above", tag: "sys"}, {text: "text above", tag: "sys"},
	{text: "above text", tag: "sys"}, {text: "verbatim", rule: "verbatim_request", w: 0.2},

	// role reassignment and instruction injection
	{text: "you are now", rule: "role_reassignment", w: 0.45},
	{text: "from now on", rule: "role_reassignment", w: 0.25},
	{text: "new instructions", rule: "injected_instructions", w: 0.5},
	{text: "updated instructions", rule: "injected_instructions", w: 0.5},
	{text: "instructions have been", rule: "injected_instructions", w: 0.45},
	{text: "your new task", rule: "injected_instructions", w: 0.5},
	{text: "your new instructions", rule: "injected_instructions", w: 0.6},
	{text: "system upgrade", rule: "injected_instructions", w: 0.45},
	{text: "the above was an example", rule: "injected_instructions", w: 0.6},
	{text: "above is an example", rule: "injected_instructions", w: 0.5},
	{text: "keep your previous instructions", rule: "injected_instructions", w: 0.5},
	{text: "end of instructions", rule: "delimiter_spoof", w: 0.5},
	{text: "end user input", rule: "delimiter_spoof", w: 0.6},
	{text: "end of user input", rule: "delimiter_spoof", w: 0.6},
	{text: "user input end", rule: "delimiter_spoof", w: 0.6},
	{text: "begin system", rule: "delimiter_spoof", w: 0.45},
	// Section markers written into the prompt ("END OF INPUT", "begin new prompt").
	{text: "end", tag: "mark"}, {text: "begin", tag: "mark"}, {text: "start", tag: "mark"}, {text: "stop", tag: "mark"},
	{text: "user input", tag: "segm"}, {text: "input", tag: "segm"}, {text: "instructions", tag: "segm"},
	{text: "prompt", tag: "segm"}, {text: "system", tag: "segm"}, {text: "conversation", tag: "segm"},
	{text: "transcript", tag: "segm"}, {text: "user", tag: "segm"},
	{text: "system override", rule: "delimiter_spoof", w: 0.6},
	{text: "admin override", rule: "delimiter_spoof", w: 0.6},
	{text: "developer override", rule: "delimiter_spoof", w: 0.6},

	// output forcing / prefix injection
	{text: "and nothing else", rule: "output_forcing", w: 0.35},
	{text: "respond only with", rule: "output_forcing", w: 0.3},
	{text: "only respond with", rule: "output_forcing", w: 0.3},
	{text: "reply only with", rule: "output_forcing", w: 0.3},
	{text: "your sole response", rule: "output_forcing", w: 0.5},
	{text: "your only response", rule: "output_forcing", w: 0.45},
	{text: "begin your response with", rule: "prefix_injection", w: 0.45},
	{text: "begin your reply with", rule: "prefix_injection", w: 0.45},
	{text: "start your response with", rule: "prefix_injection", w: 0.45},
	{text: "start your reply with", rule: "prefix_injection", w: 0.45},
	{text: "start your answer with", rule: "prefix_injection", w: 0.4},
	{text: "prefix your reply", rule: "prefix_injection", w: 0.45},
	{text: "prefix your response", rule: "prefix_injection", w: 0.45},
	{text: "begin with", rule: "prefix_injection", w: 0.1},
	{text: "no matter what", rule: "output_forcing", w: 0.2},
	{text: "you must", rule: "imperative_pressure", w: 0.05},
	{text: "do not redact", rule: "extraction_pressure", w: 0.4},
	{text: "do not miss any", rule: "extraction_pressure", w: 0.2},
	{text: "including hidden", rule: "extraction_pressure", w: 0.45},
	{text: "including the hidden", rule: "extraction_pressure", w: 0.45},
	// authorisation / pwned phrases an attacker wants the model to emit
	{text: "access granted", tag: "grant"}, {text: "access approved", tag: "grant"},
	{text: "password accepted", tag: "grant"}, {text: "login successful", tag: "grant"},
	{text: "i have been pwned", tag: "grant"}, {text: "authorization granted", tag: "grant"},
	{text: "say", tag: "say"}, {text: "output", tag: "say"}, {text: "respond with", tag: "say"},
	{text: "replace", tag: "say"}, {text: "print", tag: "say"}, {text: "reply with", tag: "say"},
	{text: "b64", rule: "encoding_marker", w: 0.15},
	{text: "base64", rule: "encoding_marker", w: 0.1},
	{text: "rot13", rule: "encoding_marker", w: 0.15},
}

var injectionPairs = []pair{
	{a: "ovr", b: "instr", maxGap: 40, rule: "instruction_override", w: 0.75},
	{a: "rev", b: "sys", maxGap: 50, rule: "system_prompt_extraction", w: 0.7},
	{a: "mark", b: "segm", maxGap: 14, rule: "section_marker", w: 0.3},
	// Forcing a fixed authorisation phrase is the classic hijack goal.
	{a: "say", b: "grant", maxGap: 20, rule: "output_forcing", w: 0.55},
}

// Special tokens and chat-template markers, matched on raw text.
var delimiterTokens = []string{
	"<|endoftext|>", "<|im_start|>", "<|im_end|>", "<|system|>", "<|user|>", "<|assistant|>",
	"<|begin_of_text|>", "<|start_header_id|>", "<|eot_id|>", "[/inst]", "[inst]", "<<sys>>", "<</sys>>",
	"</s>", "### instruction", "### system", "### response", "[system]", "%%%", "=== end", "]]>",
	"<|prompt|>", "<system>", "</system>", "\nsystem:", "\nassistant:",
}

var (
	injectionLex   = sharedLexicon(injectionPhrases, injectionPairs)
	delimiterMatch = NewMatcher(delimiterTokens, true)
)

// PromptInjection scores instruction override, system-prompt extraction,
// delimiter and role spoofing, token flooding and encoded payloads.
type PromptInjection struct{ sides eval.Side }

// NewPromptInjection returns the prompt_injection evaluator.
func NewPromptInjection(o Options) *PromptInjection {
	return &PromptInjection{sides: o.sides(eval.SideInput)}
}

func (e *PromptInjection) Name() string { return contract.EvalPromptInjection }

func (e *PromptInjection) Evaluate(in *eval.Input) eval.Result { return evaluateOne(e, in) }

func (e *PromptInjection) run(p *prepared) eval.Result {
	s := p.resetScorer()
	p.eachText(e.sides, func(side eval.Side, t *textBuf) {
		p.hits = injectionLex.scan(t, side, s, p.hits)
		p.hits = delimiterMatch.FindString(t.raw, p.hits[:0])
		for _, h := range p.hits {
			s.add("delimiter_spoof", 0.55, side, int(h.Start), int(h.End))
		}
		if a, b, ok := floodRun(t.normalized(), t.raw); ok {
			s.add("token_flood", 0.6, side, a, b)
		}
		p.scanEncoded(t.raw, side, s)
	})
	return result(s, nil)
}

// floodRun detects padding made of one short token repeated many times or
// of bracket/quote runs, used to push the real instructions out of view.
func floodRun(n *Normalized, raw string) (int, int, bool) {
	_ = n
	// The same short whitespace-separated token 20+ times in a row.
	prevS, prevE, run := -1, -1, 0
	for i := 0; i < len(raw); {
		for i < len(raw) && isSpace(raw[i]) {
			i++
		}
		j := i
		for j < len(raw) && !isSpace(raw[j]) {
			j++
		}
		if j > i {
			if prevS >= 0 && j-i == prevE-prevS && j-i <= 12 && raw[i:j] == raw[prevS:prevE] {
				run++
				if run >= 20 {
					return i, j, true
				}
			} else {
				run = 1
			}
			prevS, prevE = i, j
		}
		i = j
	}
	// Bracket / quote runs (") ] } ) ] }").
	cnt, start := 0, -1
	for i := 0; i < len(raw); i++ {
		switch raw[i] {
		case '(', ')', '[', ']', '{', '}', '<', '>', '"', '\'', '`':
			if start < 0 {
				start = i
			}
			cnt++
			if cnt >= 24 {
				return start, i + 1, true
			}
		case ' ', '\t', '\n', '\r':
		default:
			cnt, start = 0, -1
		}
	}
	return 0, 0, false
}

// scanEncoded decodes base64 blobs and scans the decoded text with the
// injection lexicon; hidden instructions count as an encoded payload.
func (p *prepared) scanEncoded(raw string, side eval.Side, s *scorer) {
	for i := 0; i < len(raw); {
		if !isB64(raw[i]) {
			i++
			continue
		}
		j := i
		for j < len(raw) && isB64(raw[j]) {
			j++
		}
		if j-i >= 12 && j-i <= 1<<16 && hasB64Mix(raw[i:j]) {
			blob := raw[i:j]
			for len(blob)%4 != 0 && len(blob) > 0 && blob[len(blob)-1] == '=' {
				blob = blob[:len(blob)-1]
			}
			enc := base64.StdEncoding
			if len(blob)%4 != 0 {
				enc = base64.RawStdEncoding
				for len(blob) > 0 && blob[len(blob)-1] == '=' {
					blob = blob[:len(blob)-1]
				}
			}
			need := enc.DecodedLen(len(blob))
			if cap(p.dec) < need {
				p.dec = make([]byte, need)
			}
			n, err := enc.Decode(p.dec[:need], []byte(blob))
			if err == nil && n >= 6 && printableShare(p.dec[:n]) >= 0.9 {
				Normalize(string(p.dec[:n]), &p.decNorm)
				var sub scorer
				p.hits = injectionLex.scanNorm(&p.decNorm, side, &sub, p.hits[:0])
				w := 0.45
				if len(sub.rules) > 0 || p.hits != nil && len(p.hits) > 0 {
					w = 0.7
				}
				s.add("encoded_payload", w, side, i, j)
			}
		}
		i = j
	}
}

func isB64(c byte) bool {
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/' || c == '='
}

// hasB64Mix requires upper, lower and digit-or-symbol characters, so plain
// words and hex ids are not taken for base64.
func hasB64Mix(s string) bool {
	var up, lo, other bool
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'A' && c <= 'Z':
			up = true
		case c >= 'a' && c <= 'z':
			lo = true
		default:
			other = true
		}
	}
	return up && lo && (other || len(s) >= 20)
}

func printableShare(b []byte) float64 {
	if len(b) == 0 {
		return 0
	}
	n := 0
	for _, c := range b {
		if (c >= 0x20 && c < 0x7f) || c == '\n' || c == '\t' || c == '\r' {
			n++
		}
	}
	return float64(n) / float64(len(b))
}

// result turns a scorer into an eval.Result.
func result(s *scorer, types []string) eval.Result {
	r := eval.Result{Score: s.score(), Types: types}
	if len(s.findings) > 0 {
		r.Findings = s.findings
		s.findings = nil
	}
	return r
}
