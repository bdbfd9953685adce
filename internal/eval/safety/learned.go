package safety

import (
	"bytes"
	"embed"
	"fmt"
	"math"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/periscope-otel/periscope/internal/contract"
	"github.com/periscope-otel/periscope/internal/eval"
	"github.com/periscope-otel/periscope/internal/eval/linear"
)

// Learned scorers. Jailbreak, refusal and prompt_leak combine their rules
// with a small logistic-regression model (internal/eval/linear): the rules'
// score enters the model as one dense feature beside structure features
// and, for jailbreak and refusal, hashed character/word n-grams of the
// text. The model's probability is the evaluator's score, so the blend of
// rules and n-grams is itself fitted (jailbreak keeps the rules' score when
// an adversarial_suffix rule fires, see keepRules). The weights in models/ are generated
// by `go run ./cmd/periscope-evalbench --train` from the dev sets (see
// cmd/periscope-evalbench/README.md for the data and their licences);
// without a model file the evaluator scores with its rules alone.

//go:embed models
var modelFiles embed.FS

// maxDense bounds the dense features of any learned scorer.
const maxDense = 16

type learnedSpec struct {
	cfg linear.Config
	// Operating point: the model's bias is shifted so that the score 0.5
	// (the shipped threshold) sits where the inner cross-validated scores
	// of the training rows reach this FPR (targetFPR > 0) or their best F1
	// (bestF1). Neither: the class-balanced model's own 0.5.
	targetFPR float64
	bestF1    bool
	// l2Grid, when set, lists L2 penalties; the one with the lowest
	// inner cross-validated log-loss on the training calls is used.
	l2Grid []float64
	// keepRules lists rules whose findings keep the rules' score: the
	// score is then the larger of the rules' and the model's, so the model
	// never removes those detections. They cover attack forms the training
	// rows lack (optimised gibberish suffixes).
	keepRules []string
	// example fills dense (len cfg.Dense) from the prepared call, the
	// rules' result and sub (the model this one reads as a feature: the
	// request-harm model for refusal, else nil), and returns the text and
	// the auxiliary text the n-gram features read. Training calls it
	// through this field; scoring calls the same functions directly
	// (applyModel) so that dense stays on the stack.
	example func(p *prepared, rule eval.Result, sub *linear.Model, dense []float64) (string, string)
}

// The n-gram models read character 4-grams (one hash probe per byte) and
// word 1-2-grams into 2^16 buckets (a 64 KiB table that stays in cache), of
// a bounded prefix of the text: held-out figures were the same as with
// character 3-5-grams in 2^18 buckets at a third of the cost (see
// cmd/periscope-evalbench/README.md).
var learnedSpecs = map[string]*learnedSpec{
	contract.EvalJailbreak: {
		cfg:     linear.Config{Bits: 16, CharMin: 4, CharMax: 4, Words: 2, MaxBytes: 2048, Dense: jailbreakDense, Epochs: 20, L2: 1e-4, Seed: 1, Bags: 5},
		example: jailbreakExample,
		// The floor is FPR <= 0.02, checked on held-out folds at 0.01;
		// the training folds aim at half that.
		targetFPR: 0.005,
		l2Grid:    l2Grid,
		keepRules: []string{"adversarial_suffix"},
	},
	contract.EvalRefusal: {
		cfg:     linear.Config{Bits: 16, CharMin: 4, CharMax: 4, Words: 2, MaxBytes: 768, Dense: refusalDense, Head: 240, Epochs: 20, L2: 1e-4, Seed: 1, Bags: 5},
		example: refusalExample,
		bestF1:  true,
		l2Grid:  l2Grid,
	},
	PromptHarm: {
		// The request alone: harmful requests (HarmBench, Do-Not-Answer,
		// AdvBench) against benign instructions (LMSYS, Self-Instruct
		// seed tasks), plus the XSTest prompts (safe / unsafe) of the
		// refusal model's training calls. Read by the refusal model:
		// declining a harmful request is a refusal, correcting a silly one
		// is not. Trained with the refusal model (periscope-evalbench).
		cfg:     linear.Config{Bits: 16, CharMin: 4, CharMax: 4, Words: 2, MaxBytes: 1024, Epochs: 20, L2: 1e-4, Seed: 1, Bags: 5},
		example: harmExample,
	},
	contract.EvalPromptLeak: {
		// Dense structure features only: 46 labelled rows are too few for
		// n-grams, and the Tensor Trust text has no licence (see README).
		cfg:     linear.Config{Bits: 8, Dense: 7, Epochs: 200, LR: 0.1, L2: 1e-3, Seed: 1, Bags: 5},
		example: leakExample,
		l2Grid:  l2Grid,
	},
}

// l2Grid is the L2 penalties tried by inner cross-validation.
var l2Grid = []float64{1e-5, 1e-4, 1e-3, 1e-2}

// PromptHarm names the request-harm model read by the refusal model.
const PromptHarm = "prompt_harm"

// LearnedEvaluators lists the evaluators that carry a learned model, in
// training order (the refusal model reads the PromptHarm model).
func LearnedEvaluators() []string {
	return []string{contract.EvalJailbreak, contract.EvalPromptLeak, PromptHarm, contract.EvalRefusal}
}

// ModelFile is the path of an evaluator's model under this package's
// directory.
func ModelFile(name string) string { return "models/" + name + ".plm" }

var embeddedModels sync.Map // name -> *linear.Model (nil when absent)

func embeddedModel(name string) *linear.Model {
	if m, ok := embeddedModels.Load(name); ok {
		return m.(*linear.Model)
	}
	var m *linear.Model
	if b, err := modelFiles.ReadFile(ModelFile(name)); err == nil {
		if lm, err := linear.Load(b); err == nil && sameFeatures(lm.Config(), learnedSpecs[name].cfg) {
			m = lm
		}
	}
	v, _ := embeddedModels.LoadOrStore(name, m)
	return v.(*linear.Model)
}

// sameFeatures reports whether two configurations read the same features
// (a model file generated for another feature space is not used).
func sameFeatures(a, b linear.Config) bool {
	a, b = a.WithDefaults(), b.WithDefaults()
	return a.Bits == b.Bits && a.CharMin == b.CharMin && a.CharMax == b.CharMax && a.Words == b.Words &&
		a.MaxBytes == b.MaxBytes && a.Dense == b.Dense && a.Head == b.Head && a.AuxWords == b.AuxWords
}

// EmbeddedModelCurrent reports whether the embedded model of name exists
// and matches the feature configuration of this build.
func EmbeddedModelCurrent(name string) bool { return embeddedModel(name) != nil }

// modelFor picks the learned model of evaluator name for options o.
func modelFor(name string, o Options) *linear.Model {
	if o.RulesOnly {
		return nil
	}
	if o.Model != nil {
		return o.Model
	}
	return embeddedModel(name)
}

// subModelFor picks the request-harm model read by the refusal model.
func subModelFor(o Options) *linear.Model {
	if o.HarmModel != nil {
		return o.HarmModel
	}
	return embeddedModel(PromptHarm)
}

// applyModel replaces the rules' score with the learned score.
func applyModel(name string, m, sub *linear.Model, p *prepared, r *eval.Result) {
	if m == nil || r.Skipped {
		return
	}
	spec := learnedSpecs[name]
	var d [maxDense]float64
	dense := d[:spec.cfg.Dense]
	// Direct calls (not spec.example) keep dense on the stack.
	var text, aux string
	switch name {
	case contract.EvalJailbreak:
		text, aux = jailbreakExample(p, *r, sub, dense)
	case contract.EvalRefusal:
		text, aux = refusalExample(p, *r, sub, dense)
	case contract.EvalPromptLeak:
		text, aux = leakExample(p, *r, sub, dense)
	default:
		return
	}
	var z float64
	if name == contract.EvalJailbreak && p.harm != nil && !p.harmDone && aux == "" && text == p.in.raw {
		// The refusal model reads the harm model's score of this prompt:
		// one read of the text for both.
		z, p.harmZ = linear.Logit2(m, p.harm, text, dense)
		p.harmDone = true
	} else {
		z = m.Logit(text, aux, dense)
	}
	s := clamp01(linear.Sigmoid(z))
	if keeps(spec, *r) {
		s = max(s, r.Score)
	}
	r.Score = s
}

// trainingSeed, when not 0, replaces the shipped training seed (1): see
// SetTrainingSeed.
var trainingSeed atomic.Uint64

// SetTrainingSeed makes TrainModel train with seed s instead of the shipped
// seed 1 (0 restores it), to measure how much the held-out figures depend
// on it (periscope-evalbench --seed). Seed s trains the bags with shuffle
// seeds (s-1)*Bags+1 … s*Bags, so different seeds share no bag.
func SetTrainingSeed(s uint64) { trainingSeed.Store(s) }

// innerFolds is the number of folds of the inner cross-validation that
// places the operating point.
const innerFolds = 3

// TrainModel fits the learned model of evaluator name (or PromptHarm) on
// labelled calls. groups[i] is the group of call i (calls of one group are
// never split between inner folds); nil puts every call in its own group.
// sub is the model read as a feature (refusal: the PromptHarm model).
// Training is deterministic (fixed seed, epochs and order of the calls).
func TrainModel(name string, ins []eval.Input, labels []bool, groups []int, sub *linear.Model) (*linear.Model, error) {
	return TrainModelSubs(name, ins, labels, groups, func(int) *linear.Model { return sub })
}

// TrainModelSubs is TrainModel with a sub model per call: sub(i) is the
// model read as a feature for call i. The refusal model's request-harm
// feature is computed out of fold this way (stacking), so that the
// training calls see the harm model as held-out calls do.
func TrainModelSubs(name string, ins []eval.Input, labels []bool, groups []int, subOf func(i int) *linear.Model) (*linear.Model, error) {
	spec := learnedSpecs[name]
	if spec == nil {
		return nil, fmt.Errorf("%s has no learned model", name)
	}
	rules, err := rulesEvaluator(name)
	if err != nil {
		return nil, err
	}
	ex := make([]linear.Example, 0, len(ins))
	var gid []int
	for i := range ins {
		p := getPrepared(&ins[i])
		var r eval.Result
		if rules != nil {
			r = rules.run(p)
		}
		if !r.Skipped {
			dense := make([]float64, spec.cfg.Dense)
			text, aux := spec.example(p, r, subOf(i), dense)
			ex = append(ex, linear.Example{Text: text, Aux: aux, Dense: dense, Label: labels[i]})
			g := i
			if groups != nil {
				g = groups[i]
			}
			gid = append(gid, g)
		}
		putPrepared(p)
	}
	cfg := spec.cfg
	if s := trainingSeed.Load(); s != 0 {
		cfg.Seed = (s-1)*uint64(max(cfg.Bags, 1)) + 1
	}
	if len(spec.l2Grid) == 0 && spec.targetFPR == 0 && !spec.bestF1 {
		return linear.Train(cfg, ex)
	}
	grid := spec.l2Grid
	if len(grid) == 0 {
		grid = []float64{cfg.L2}
	}
	// Inner group k-fold over the training calls: out-of-fold logits per
	// L2 penalty; keep the penalty with the lowest log-loss.
	var z []float64
	bestLoss := math.Inf(1)
	for _, l2 := range grid {
		c := cfg
		c.L2 = l2
		zl, err := innerLogits(c, ex, gid)
		if err != nil {
			return nil, err
		}
		if loss := logLoss(zl, ex); loss < bestLoss {
			bestLoss, z, cfg.L2 = loss, zl, l2
		}
	}
	m, err := linear.Train(cfg, ex)
	if err != nil {
		return nil, err
	}
	if spec.targetFPR == 0 && !spec.bestF1 {
		return m, nil
	}
	return m.WithBias(-operatingLogit(z, ex, spec)), nil
}

// innerLogits returns out-of-fold logits of a group k-fold over ex.
func innerLogits(cfg linear.Config, ex []linear.Example, gid []int) ([]float64, error) {
	z := make([]float64, len(ex))
	for f := 0; f < innerFolds; f++ {
		var tr, te []int
		for i, g := range gid {
			if int(uint64(g)*0x9e3779b97f4a7c15>>32)%innerFolds == f {
				te = append(te, i)
			} else {
				tr = append(tr, i)
			}
		}
		sub := make([]linear.Example, len(tr))
		for k, i := range tr {
			sub[k] = ex[i]
		}
		im, err := linear.Train(cfg, sub)
		if err != nil {
			return nil, fmt.Errorf("inner fold %d: %w", f, err)
		}
		for _, i := range te {
			z[i] = im.Logit(ex[i].Text, ex[i].Aux, ex[i].Dense)
		}
	}
	return z, nil
}

// logLoss is the class-balanced log-loss of logits z.
func logLoss(z []float64, ex []linear.Example) float64 {
	var lp, ln float64
	var np, nn int
	for i, v := range z {
		if ex[i].Label {
			lp += math.Log1p(math.Exp(-v))
			np++
		} else {
			ln += math.Log1p(math.Exp(v))
			nn++
		}
	}
	return lp/float64(max(np, 1)) + ln/float64(max(nn, 1))
}

// keeps reports whether r has a finding of a rule the spec keeps.
func keeps(spec *learnedSpec, r eval.Result) bool {
	for _, f := range r.Findings {
		for _, k := range spec.keepRules {
			if f.Rule == k {
				return true
			}
		}
	}
	return false
}

// operatingLogit picks the log-odds threshold on out-of-fold logits.
func operatingLogit(z []float64, ex []linear.Example, spec *learnedSpec) float64 {
	type zl struct {
		z   float64
		pos bool
	}
	var s []zl
	pos, neg := 0, 0
	tp, fp := 0, 0
	for i := range z {
		if ex[i].Label {
			pos++
		} else {
			neg++
		}
		s = append(s, zl{z[i], ex[i].Label})
	}
	if len(s) == 0 {
		return math.Inf(1)
	}
	sort.Slice(s, func(i, j int) bool { return s[i].z > s[j].z })
	best, bestV := 0.0, -1.0
	for i := 0; i < len(s); i++ {
		if s[i].pos {
			tp++
		} else {
			fp++
		}
		if i+1 < len(s) && s[i+1].z == s[i].z {
			continue
		}
		// Threshold between s[i] and the next score: flag s[0..i].
		cut := s[i].z
		if i+1 < len(s) {
			cut = (s[i].z + s[i+1].z) / 2
		}
		var v float64
		if spec.targetFPR > 0 {
			if float64(fp) > spec.targetFPR*float64(neg) {
				break
			}
			v = float64(tp)
		} else {
			v = 2 * float64(tp) / float64(tp+fp+pos)
		}
		if v > bestV {
			best, bestV = cut, v
		}
	}
	if bestV < 0 {
		return s[0].z + 1e-9
	}
	return best
}

func rulesEvaluator(name string) (evaluator, error) {
	o := Options{RulesOnly: true}
	switch name {
	case contract.EvalJailbreak:
		return NewJailbreak(o), nil
	case contract.EvalRefusal:
		return NewRefusal(o), nil
	case contract.EvalPromptLeak:
		return NewPromptLeak(o), nil
	case PromptHarm:
		return nil, nil
	}
	return nil, fmt.Errorf("%s has no learned model", name)
}

// ruleLogit maps the rules' score onto a feature of moderate scale.
func ruleLogit(r eval.Result) float64 { return linear.Logit(min(max(r.Score, 0.001), 0.999)) / 4 }

func logLen(n int) float64 { return math.Log1p(float64(n)) / 8 }

func countStrings(s string, pats []string) int {
	n := 0
	for _, p := range pats {
		n += strings.Count(s, p)
	}
	return n
}

// countListCues counts the list cues of s (a line break followed by "1.",
// "2.", "- ", "* " or a bullet) in one pass over the line breaks: every cue
// is a line break and what follows it, no cue holds a second line break,
// and no two start alike, so each break starts at most one occurrence of
// at most one cue.
func countListCues(s string) int {
	n := 0
	for i := strings.IndexByte(s, '\n'); i >= 0; {
		rest := s[i+1:]
		if len(rest) >= 2 {
			switch rest[:2] {
			case "1.", "2.", "- ", "* ":
				n++
			case "\u2022"[:2]:
				if strings.HasPrefix(rest, "\u2022") {
					n++
				}
			}
		}
		k := strings.IndexByte(rest, '\n')
		if k < 0 {
			break
		}
		i += 1 + k
	}
	return n
}

func logCount(n int) float64 { return math.Log1p(float64(n)) / 3 }

var labelCues = []string{"]:", "):", "]\n", "**:"}

func bytesList(s ...string) [][]byte {
	out := make([][]byte, len(s))
	for i, x := range s {
		out[i] = []byte(x)
	}
	return out
}

// jailbreakCueGroup maps a jailbreak phrase to its structure-cue feature
// (index into jailbreakCueTags), -1 for the others.
var jailbreakCueGroup = func() []int8 {
	g := make([]int8, len(jailbreakPhrases))
	for i, p := range jailbreakPhrases {
		g[i] = -1
		for k, t := range jailbreakCueTags {
			if p.tag == t {
				g[i] = int8(k)
			}
		}
	}
	return g
}()

// densityFloor is the shortest prompt length (normalised bytes, about 80
// words) over which the instruction density is measured.
const densityFloor = 480

// jailbreakDense is the number of dense features of the jailbreak model.
const jailbreakDense = 4 + 7 + 2

func jailbreakExample(p *prepared, r eval.Result, _ *linear.Model, d []float64) (string, string) {
	raw := p.in.raw
	d[0] = ruleLogit(r)
	d[1] = logLen(len(raw))
	head := raw[:min(len(raw), 4096)]
	d[2] = logCount(countStrings(head, labelCues))
	up, letters := 0, 0
	for i := 0; i < len(head); i++ {
		c := head[i]
		if c >= 'A' && c <= 'Z' {
			up++
			letters++
		} else if c >= 'a' && c <= 'z' {
			letters++
		}
	}
	if letters > 0 {
		d[3] = float64(up) / float64(letters)
	}
	// Structure cues: hits of the lexicon's cue phrases per group (the
	// shared automaton has already run over the prompt), as log counts;
	// second-person density as a share of the words.
	var cnt [8]int
	p.hits = jailbreakLex.hitsIn(&p.in, p.hits[:0])
	for _, h := range p.hits {
		if g := jailbreakCueGroup[h.Pat]; g >= 0 {
			cnt[g]++
		}
	}
	n := len(p.in.normalized().Text)
	for k := range jailbreakCueTags {
		if jailbreakCueTags[k] == "cue_you" {
			d[4+k] = 6 * float64(cnt[k]) / float64(n/6+1)
			continue
		}
		d[4+k] = logCount(cnt[k])
	}
	// Instruction density: cue hits (second person excepted) per 120
	// normalised bytes (about 20 words) of a prompt counted as at least
	// densityFloor bytes long; rules for the model packed into a paragraph
	// are denser than a long task that mentions a role, and a one-line
	// request is not measured as a density at all.
	tot := 0
	for k, t := range jailbreakCueTags {
		if t != "cue_you" {
			tot += cnt[k]
		}
	}
	d[5+len(jailbreakCueTags)] = min(float64(tot)*120/float64(max(n, densityFloor)), 4) / 2
	// Persona assignment in the opening (the first 200 normalised bytes).
	for _, h := range p.hits {
		if h.Start < 200 && jailbreakCueGroup[h.Pat] == 0 {
			d[4+len(jailbreakCueTags)] = 1
			break
		}
	}
	return raw, ""
}

func harmExample(p *prepared, _ eval.Result, _ *linear.Model, _ []float64) (string, string) {
	return p.in.raw, ""
}

// refusalDense and refusalExample: refusal_features.go.

func leakExample(p *prepared, r eval.Result, _ *linear.Model, d []float64) (string, string) {
	out := p.out.normalized().Text
	d[0] = ruleLogit(r)
	d[1] = logLen(len(p.out.raw))
	d[2] = math.Log1p(float64(len(p.out.raw))/float64(len(p.sys.raw)+1)) / 4
	// The answer holds the whole system text: not when that is longer
	// (a plain one's normalised length is known without normalising it).
	if p.sw == nil || p.sw.normLen-2 <= len(out) {
		norm := p.sysNorm // a recurring text's, kept
		if norm == nil {
			norm = p.sys.normalized().Text
		}
		if sys := bytes.TrimSpace(norm); len(sys) > 0 && bytes.Contains(out, sys) {
			d[3] = 1
		}
	}
	var sub scorer
	p.hits = disclosureLex.scan(&p.out, eval.SideOutput, &sub, p.hits)
	d[4] = float64(min(len(sub.rules), 4)) / 4
	p.hits = instructionWords.hitsIn(&p.out, p.hits[:0])
	d[5] = logCount(len(p.hits))
	head := p.out.raw[:min(len(p.out.raw), 4096)]
	d[6] = logCount(countListCues(head))
	return "", ""
}
