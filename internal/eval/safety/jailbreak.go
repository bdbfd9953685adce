package safety

import (
	"strings"

	"github.com/periscope-otel/periscope/internal/contract"
	"github.com/periscope-otel/periscope/internal/eval"
	"github.com/periscope-otel/periscope/internal/eval/linear"
)

// Jailbreak vocabulary: persona wrappers (DAN, developer mode, role-play
// framings), claims of no restrictions, refusal suppression.
var jailbreakPhrases = []phrase{
	{text: "do anything now", rule: "dan", w: 0.85},
	{text: "dan", rule: "dan_name", w: 0.2},
	{text: "stan", rule: "dan_name", w: 0.15},
	{text: "dude", rule: "dan_name", w: 0.05},
	{text: "developer mode", rule: "developer_mode", w: 0.65},
	{text: "dev mode", rule: "developer_mode", w: 0.5},
	{text: "god mode", rule: "developer_mode", w: 0.5},
	{text: "jailbreak", rule: "jailbreak_term", w: 0.45},
	{text: "jailbroken", rule: "jailbreak_term", w: 0.6},
	{text: "jailbreaks", rule: "jailbreak_term", w: 0.35},
	{text: "unfiltered", rule: "no_restrictions", w: 0.4},
	{text: "unfiltred", rule: "no_restrictions", w: 0.4},
	{text: "uncensored", rule: "no_restrictions", w: 0.4},
	{text: "unrestricted", rule: "no_restrictions", w: 0.35},
	{text: "no restrictions", rule: "no_restrictions", w: 0.45},
	{text: "without any restrictions", rule: "no_restrictions", w: 0.45},
	{text: "without restrictions", rule: "no_restrictions", w: 0.4},
	{text: "without restriction", rule: "no_restrictions", w: 0.4},
	{text: "no limitations", rule: "no_restrictions", w: 0.35},
	{text: "no limits", rule: "no_restrictions", w: 0.3},
	{text: "no filters", rule: "no_restrictions", w: 0.4},
	{text: "no censorship", rule: "no_restrictions", w: 0.45},
	{text: "no boundaries", rule: "no_restrictions", w: 0.3},
	{text: "any restrictions", rule: "no_restrictions", w: 0.15},
	{text: "broken free", rule: "no_restrictions", w: 0.5},
	{text: "free from the typical confines", rule: "no_restrictions", w: 0.7},
	{text: "typical confines", rule: "no_restrictions", w: 0.6},
	{text: "abide by", rule: "policy_reference", w: 0.1},
	{text: "have to abide", rule: "no_restrictions", w: 0.3},
	{text: "ethical guidelines", rule: "policy_reference", w: 0.25},
	{text: "ethical principles", rule: "policy_reference", w: 0.2},
	{text: "moral guidelines", rule: "policy_reference", w: 0.3},
	{text: "content policy", rule: "policy_reference", w: 0.3},
	{text: "content policies", rule: "policy_reference", w: 0.3},
	{text: "openai policy", rule: "policy_reference", w: 0.35},
	{text: "openai s content policy", rule: "policy_reference", w: 0.45},
	{text: "openai content policy", rule: "policy_reference", w: 0.45},
	{text: "safety guidelines", rule: "policy_reference", w: 0.15},
	{text: "no ethical", rule: "amoral_persona", w: 0.45},
	{text: "no morals", rule: "amoral_persona", w: 0.5},
	{text: "no moral", rule: "amoral_persona", w: 0.4},
	{text: "amoral", rule: "amoral_persona", w: 0.5},
	{text: "machiavellian", rule: "amoral_persona", w: 0.45},
	{text: "immoral", rule: "amoral_persona", w: 0.15},
	{text: "unethical", rule: "amoral_persona", w: 0.15},
	{text: "illegal", rule: "harm_terms", w: 0.08},
	{text: "offensive", rule: "harm_terms", w: 0.05},
	{text: "explicit", rule: "harm_terms", w: 0.05},
	{text: "does not care", rule: "amoral_persona", w: 0.15},
	{text: "doesn t care", rule: "amoral_persona", w: 0.15},
	{text: "stay in character", rule: "persona_lock", w: 0.5},
	{text: "staying in character", rule: "persona_lock", w: 0.4},
	{text: "break character", rule: "persona_lock", w: 0.35},
	{text: "breaking character", rule: "persona_lock", w: 0.35},
	{text: "out of character", rule: "persona_lock", w: 0.2},
	{text: "remain in character", rule: "persona_lock", w: 0.45},
	{text: "character at all times", rule: "persona_lock", w: 0.4},
	{text: "two responses", rule: "dual_response", w: 0.4},
	{text: "two different responses", rule: "dual_response", w: 0.5},
	{text: "two paragraphs", rule: "dual_response", w: 0.1},
	{text: "you will never refuse", rule: "refusal_suppression", w: 0.6},
	{text: "never refuse", rule: "refusal_suppression", w: 0.5},
	{text: "never refuses", rule: "refusal_suppression", w: 0.5},
	{text: "will not refuse", rule: "refusal_suppression", w: 0.45},
	{text: "cannot refuse", rule: "refusal_suppression", w: 0.4},
	{text: "can t refuse", rule: "refusal_suppression", w: 0.4},
	{text: "not allowed to refuse", rule: "refusal_suppression", w: 0.5},
	{text: "never say no", rule: "refusal_suppression", w: 0.4},
	{text: "do not apologize", rule: "refusal_suppression", w: 0.35},
	{text: "don t apologize", rule: "refusal_suppression", w: 0.35},
	{text: "never apologize", rule: "refusal_suppression", w: 0.4},
	{text: "no disclaimers", rule: "refusal_suppression", w: 0.35},
	{text: "without any warnings", rule: "refusal_suppression", w: 0.4},
	{text: "no warnings", rule: "refusal_suppression", w: 0.25},
	{text: "always fulfills", rule: "refusal_suppression", w: 0.45},
	{text: "always fulfill", rule: "refusal_suppression", w: 0.4},
	{text: "always answer", rule: "refusal_suppression", w: 0.15},
	{text: "never ever", rule: "refusal_suppression", w: 0.1},
	{text: "answer any", rule: "refusal_suppression", w: 0.1},
	{text: "never", tag: "neg"}, {text: "not", tag: "neg"}, {text: "don t", tag: "neg"}, {text: "dont", tag: "neg"},
	{text: "won t", tag: "neg"}, {text: "without", tag: "neg"}, {text: "no", tag: "neg"}, {text: "doesn t", tag: "neg"},
	{text: "refuse", tag: "ref"}, {text: "decline", tag: "ref"}, {text: "apologi*", tag: "ref"},
	{text: "warning", tag: "ref"}, {text: "warnings", tag: "ref"}, {text: "disclaimer*", tag: "ref"},
	{text: "as an ai", tag: "ref"}, {text: "i m sorry", tag: "ref"}, {text: "i cannot", tag: "ref"},
	{text: "censor*", tag: "ref"}, {text: "filter*", tag: "ref"}, {text: "moral*", tag: "ref"},
	{text: "ethic*", tag: "ref"}, {text: "guidelines", tag: "ref"}, {text: "policies", tag: "ref"},
	{text: "you are going to act as", rule: "persona_wrapper", w: 0.35},
	{text: "you are going to pretend", rule: "persona_wrapper", w: 0.4},
	{text: "pretend to be", rule: "persona_wrapper", w: 0.12},
	{text: "from now on you are going to", rule: "persona_wrapper", w: 0.4},
	{text: "from now on you will", rule: "persona_wrapper", w: 0.3},
	{text: "from now on", rule: "persona_wrapper", w: 0.12},
	{text: "you are going to", rule: "persona_wrapper", w: 0.05},
	{text: "act as", rule: "roleplay", w: 0.05},
	{text: "roleplay", rule: "roleplay", w: 0.05},
	{text: "role play", rule: "roleplay", w: 0.05},
	{text: "hypothetical", rule: "fiction_frame", w: 0.08},
	{text: "fictional", rule: "fiction_frame", w: 0.08},
	{text: "simulate", rule: "fiction_frame", w: 0.08},
	{text: "simulation", rule: "fiction_frame", w: 0.06},
	{text: "opposite", rule: "fiction_frame", w: 0.05},
	{text: "evil", rule: "amoral_persona", w: 0.12},
	{text: "chatgpt", rule: "model_reference", w: 0.12},
	{text: "openai", rule: "model_reference", w: 0.1},
	{text: "an ai", rule: "model_reference", w: 0.04},
	{text: "language model", rule: "model_reference", w: 0.05},
	{text: "ignore all", rule: "instruction_override", w: 0.15},
	{text: "ignore previous", rule: "instruction_override", w: 0.2},
	{text: "disregard previous", rule: "instruction_override", w: 0.2},
	{text: "disregard", rule: "instruction_override", w: 0.08},
	{text: "previous instructions", rule: "instruction_override", w: 0.08},
	{text: "sure here is", rule: "affirmative_prefix", w: 0.3},
	{text: "sure here s", rule: "affirmative_prefix", w: 0.25},
	{text: "for educational and research purposes", rule: "fiction_frame", w: 0.3},
	{text: "purely hypothetical", rule: "fiction_frame", w: 0.25},
	{text: "entirely hypothetically", rule: "fiction_frame", w: 0.25},
	{text: "questionable", rule: "harm_terms", w: 0.08},
	{text: "you are now", rule: "persona_wrapper", w: 0.3},
	{text: "you will now", rule: "persona_wrapper", w: 0.2},
	{text: "from now you are", rule: "persona_wrapper", w: 0.35},
	{text: "speak to me as", rule: "persona_wrapper", w: 0.2},
	{text: "pose as", rule: "persona_wrapper", w: 0.2},
	{text: "play the role of", rule: "persona_wrapper", w: 0.15},
	{text: "immerse yourself", rule: "persona_wrapper", w: 0.35},
	{text: "you will act as", rule: "persona_wrapper", w: 0.2},
	{text: "hi chatgpt", rule: "model_address", w: 0.25},
	{text: "hello chatgpt", rule: "model_address", w: 0.25},
	{text: "ignore everything", rule: "instruction_override", w: 0.4},
	{text: "forget everything", rule: "instruction_override", w: 0.35},
	{text: "ignore any and all", rule: "instruction_override", w: 0.45},
	{text: "bypass", rule: "policy_evasion", w: 0.2},
	{text: "profanity", rule: "harm_terms", w: 0.12},
	{text: "swear", rule: "harm_terms", w: 0.12},
	{text: "ethics", rule: "policy_reference", w: 0.12},
	{text: "any kind of content", rule: "no_restrictions", w: 0.35},
	{text: "anything and everything", rule: "no_restrictions", w: 0.25},
	{text: "write anything", rule: "no_restrictions", w: 0.2},
	{text: "uninhibited", rule: "no_restrictions", w: 0.4},
	{text: "can do anything", rule: "no_restrictions", w: 0.45},
	{text: "respond to any", rule: "no_restrictions", w: 0.15},
	{text: "unaligned", rule: "amoral_persona", w: 0.35},
	{text: "limitations", rule: "no_restrictions", w: 0.08},
	{text: "personality", rule: "persona_wrapper", w: 0.08},
	{text: "personalities", rule: "persona_wrapper", w: 0.12},
	{text: "do not add any commentary", rule: "refusal_suppression", w: 0.15},
	{text: "enable", tag: "modeon"}, {text: "simulate", tag: "modeon"}, {text: "activate", tag: "modeon"},
	{text: "enter", tag: "modeon"}, {text: "switch to", tag: "modeon"}, {text: "enabled", tag: "modeon"},
	{text: "mode", tag: "mode"},
	// Structure cues read only by the learned model (no weight, a tag per
	// feature group; see jailbreakCueGroup).
	{text: "you are now", tag: "cue_persona"}, {text: "you re now", tag: "cue_persona"}, {text: "act like", tag: "cue_persona"},
	{text: "act as if", tag: "cue_persona"}, {text: "behave like", tag: "cue_persona"}, {text: "behave as", tag: "cue_persona"},
	{text: "respond as", tag: "cue_persona"}, {text: "answer as", tag: "cue_persona"}, {text: "reply as", tag: "cue_persona"},
	{text: "you will be", tag: "cue_persona"}, {text: "pretend you", tag: "cue_persona"}, {text: "pretend that", tag: "cue_persona"},
	{text: "pretend to", tag: "cue_persona"}, {text: "your role", tag: "cue_persona"}, {text: "take on the role", tag: "cue_persona"},
	{text: "assume the role", tag: "cue_persona"}, {text: "in the role of", tag: "cue_persona"}, {text: "your name is", tag: "cue_persona"},
	{text: "you are called", tag: "cue_persona"}, {text: "you will play", tag: "cue_persona"}, {text: "you are a", tag: "cue_persona"},
	{text: "you are an", tag: "cue_persona"}, {text: "you are", tag: "cue_persona"}, {text: "i want you to act", tag: "cue_persona"},
	{text: "character", tag: "cue_persona"}, {text: "persona", tag: "cue_persona"}, {text: "alter ego", tag: "cue_persona"},
	{text: "no rules", tag: "cue_suspend"}, {text: "any rules", tag: "cue_suspend"}, {text: "your programming", tag: "cue_suspend"},
	{text: "your restrictions", tag: "cue_suspend"}, {text: "your guidelines", tag: "cue_suspend"}, {text: "your filters", tag: "cue_suspend"},
	{text: "break the rules", tag: "cue_suspend"}, {text: "breaks the rules", tag: "cue_suspend"}, {text: "free from", tag: "cue_suspend"},
	{text: "not bound", tag: "cue_suspend"}, {text: "not follow", tag: "cue_suspend"}, {text: "doesn t follow", tag: "cue_suspend"},
	{text: "anything i ask", tag: "cue_suspend"}, {text: "any question", tag: "cue_suspend"}, {text: "any request", tag: "cue_suspend"},
	{text: "no matter what", tag: "cue_suspend"}, {text: "no matter how", tag: "cue_suspend"}, {text: "regardless of", tag: "cue_suspend"},
	{text: "even if", tag: "cue_suspend"}, {text: "not allowed", tag: "cue_suspend"}, {text: "rules", tag: "cue_suspend"},
	{text: "restrict*", tag: "cue_suspend"}, {text: "censor*", tag: "cue_suspend"}, {text: "filter*", tag: "cue_suspend"},
	{text: "let s play", tag: "cue_frame"}, {text: "game", tag: "cue_frame"}, {text: "story", tag: "cue_frame"},
	{text: "imagine", tag: "cue_frame"}, {text: "scenario", tag: "cue_frame"}, {text: "opposite", tag: "cue_frame"},
	{text: "simulat*", tag: "cue_frame"}, {text: "hypothetic*", tag: "cue_frame"}, {text: "fiction*", tag: "cue_frame"},
	{text: "stay in character", tag: "cue_frame"}, {text: "break character", tag: "cue_frame"}, {text: "in character", tag: "cue_frame"},
	{text: "two responses", tag: "cue_frame"}, {text: "both responses", tag: "cue_frame"}, {text: "two ways", tag: "cue_frame"},
	{text: "from now on", tag: "cue_rule"}, {text: "for each response", tag: "cue_rule"}, {text: "every response", tag: "cue_rule"},
	{text: "each response", tag: "cue_rule"}, {text: "all your responses", tag: "cue_rule"}, {text: "your responses", tag: "cue_rule"},
	{text: "your response", tag: "cue_rule"}, {text: "your answers", tag: "cue_rule"}, {text: "you will respond", tag: "cue_rule"},
	{text: "you will answer", tag: "cue_rule"}, {text: "you will reply", tag: "cue_rule"}, {text: "you must", tag: "cue_rule"},
	{text: "you will always", tag: "cue_rule"}, {text: "you will never", tag: "cue_rule"}, {text: "you should never", tag: "cue_rule"},
	{text: "always", tag: "cue_rule"}, {text: "never", tag: "cue_rule"}, {text: "only", tag: "cue_rule"},
	{text: "chatgpt", tag: "cue_model"}, {text: "gpt", tag: "cue_model"}, {text: "openai", tag: "cue_model"},
	{text: "an ai", tag: "cue_model"}, {text: "language model", tag: "cue_model"}, {text: "ai model", tag: "cue_model"},
	{text: "your programming", tag: "cue_model"}, {text: "your developers", tag: "cue_model"}, {text: "your creators", tag: "cue_model"},
	{text: "insert prompt here", tag: "cue_slot"}, {text: "insert your prompt", tag: "cue_slot"}, {text: "insert question", tag: "cue_slot"},
	{text: "insert your question", tag: "cue_slot"}, {text: "prompt here", tag: "cue_slot"}, {text: "your prompt here", tag: "cue_slot"},
	{text: "insert prompt", tag: "cue_slot"}, {text: "insert request", tag: "cue_slot"}, {text: "my first question is", tag: "cue_slot"},
	{text: "my first request is", tag: "cue_slot"}, {text: "your first response", tag: "cue_slot"}, {text: "if you understand", tag: "cue_slot"},
	{text: "you", tag: "cue_you"}, {text: "your", tag: "cue_you"}, {text: "yourself", tag: "cue_you"},
}

// jailbreakCueTags are the tags of the structure cues the learned model
// reads, one dense feature each (log count of hits).
var jailbreakCueTags = []string{"cue_persona", "cue_suspend", "cue_frame", "cue_rule", "cue_model", "cue_slot", "cue_you"}

var jailbreakPairs = []pair{
	{a: "neg", b: "ref", maxGap: 24, rule: "refusal_suppression", w: 0.2},
	{a: "modeon", b: "mode", maxGap: 30, rule: "mode_switch", w: 0.35},
}

var jailbreakLex = sharedLexicon(jailbreakPhrases, jailbreakPairs)

// Jailbreak scores DAN / developer-mode / role-play wrappers, refusal
// suppression and optimised gibberish suffixes.
type Jailbreak struct {
	sides eval.Side
	model *linear.Model
}

// NewJailbreak returns the jailbreak evaluator.
func NewJailbreak(o Options) *Jailbreak {
	return &Jailbreak{sides: o.sides(eval.SideInput), model: modelFor(contract.EvalJailbreak, o)}
}

func (e *Jailbreak) Name() string { return contract.EvalJailbreak }

func (e *Jailbreak) Evaluate(in *eval.Input) eval.Result { return evaluateOne(e, in) }

func (e *Jailbreak) run(p *prepared) eval.Result {
	s := p.resetScorer()
	p.eachText(e.sides, func(side eval.Side, t *textBuf) {
		p.hits = jailbreakLex.scan(t, side, s, p.hits)
		if a, b, w := gibberishSuffix(t.raw); w > 0 {
			s.add("adversarial_suffix", w, side, a, b)
		}
	})
	r := result(s, nil)
	// Jailbreaks are many weak cues together; the exponent places the
	// default threshold (0.5) where about 1% of benign prompts score.
	r.Score = calibrate(r.Score, 2.2)
	if e.sides&eval.SideInput != 0 && p.in.raw != "" {
		applyModel(contract.EvalJailbreak, e.model, nil, p, &r)
	}
	return r
}

// gibberishSuffix looks for the token soup that gradient-searched attacks
// append to a request: words glued to brackets, backslashes and markup,
// mixed scripts and case inside one token. It returns the region and a
// weight (0 when absent).
func gibberishSuffix(raw string) (int, int, float64) {
	// Code and markup are odd throughout and span lines; a suffix attack
	// is a prose request on one line followed by a burst of odd tokens.
	if strings.Count(raw, "\n") > 2 {
		return 0, 0, 0
	}
	var starts, ends [128]int
	var odd [128]bool
	n := 0
	for i := 0; i < len(raw); {
		for i < len(raw) && isSpace(raw[i]) {
			i++
		}
		j := i
		for j < len(raw) && !isSpace(raw[j]) {
			j++
		}
		if j > i {
			if n == len(starts) {
				return 0, 0, 0 // long prompts are not suffix attacks of this kind
			}
			starts[n], ends[n], odd[n] = i, j, oddToken(raw[i:j])
			n++
		}
		i = j
	}
	if n < 8 {
		return 0, 0, 0
	}
	first := -1
	for k := 0; k < n; k++ {
		if odd[k] {
			first = k
			break
		}
	}
	// At least four plain words before the burst.
	if first < 4 {
		return 0, 0, 0
	}
	cnt := 0
	for k := first; k < n; k++ {
		if odd[k] {
			cnt++
		}
	}
	tail := n - first
	switch {
	case cnt >= 3 && float64(cnt)/float64(tail) >= 0.25:
	case cnt >= 2 && tail <= 30 && symbolDensity(raw[starts[first]:ends[n-1]]) >= 0.08:
	default:
		return 0, 0, 0
	}
	// Checked last: the fourteen markers read the whole text, the tests
	// above at most 128 tokens, and almost every prompt fails one of them.
	for _, k := range codeMarkers {
		if strings.Contains(raw, k) {
			return 0, 0, 0
		}
	}
	return starts[first], ends[n-1], 0.6
}

// codeMarkers veto the suffix signal: pasted code has odd tokens too.
var codeMarkers = []string{"return ", "==", "!=", "&&", "++", "#include", "import ", "def ", "function ", ">=", "<=", "\\n", "self.", "std::"}

func isSuffixSym(c byte) bool {
	switch c {
	case '(', ')', '[', ']', '{', '}', '\\', '<', '>', '|', '=', '^', '~', '`', '$', '%', '_':
		return true
	}
	return false
}

func isExtraSym(c byte) bool {
	switch c {
	case '"', '\'', '/', '#', ';', '&', '*', '@':
		return true
	}
	return false
}

func symbolDensity(s string) float64 {
	n := 0
	for i := 0; i < len(s); i++ {
		if isSuffixSym(s[i]) || isExtraSym(s[i]) {
			n++
		}
	}
	return float64(n) / float64(max(1, len(s)))
}

func isSpace(c byte) bool { return c == ' ' || c == '\n' || c == '\t' || c == '\r' }

func oddToken(t string) bool {
	letters, caseFlip, extra := 0, 0, 0
	var syms [8]byte
	ns := 0
	prevLower := false
	for i := 0; i < len(t); i++ {
		c := t[i]
		switch {
		case c >= 'a' && c <= 'z':
			letters++
			prevLower = true
			continue
		case c >= 'A' && c <= 'Z':
			letters++
			if prevLower {
				caseFlip++
			}
		case isSuffixSym(c):
			seen := false
			for _, x := range syms[:ns] {
				if x == c {
					seen = true
				}
			}
			if !seen && ns < len(syms) {
				syms[ns] = c
				ns++
			}
		case isExtraSym(c):
			extra++
		}
		prevLower = false
	}
	// A matched bracket pair alone ("f()", "[x]") is ordinary code or prose.
	if ns == 2 && isPair(syms[0], syms[1]) {
		ns = 1
	}
	return letters > 0 && (ns >= 2 || (ns >= 1 && (caseFlip >= 1 || extra >= 1)) || (extra >= 2 && caseFlip >= 1))
}

func isPair(a, b byte) bool {
	switch string([]byte{a, b}) {
	case "()", "[]", "{}", "<>", "``", ")(", "][", "}{", "><":
		return true
	}
	return false
}
