package hallucination

import (
	"embed"
	"math"
	"sync"

	"github.com/periscope-otel/periscope/internal/eval"
	"github.com/periscope-otel/periscope/internal/eval/linear"
)

// The learned blend for long documents: a logistic regression over the
// evaluator's own length-free ratio features (and their rule-based
// combination), fitted by `go run ./cmd/periscope-evalbench --train` on the
// labelled dev rows whose grounding is a long document (at least
// blendMinGrounding bytes: in the dev sets, mostly SummEdits). It replaces
// the hand-set weights of combine for such calls only; answers grounded on
// short snippets (QA knowledge, dialogue facts) keep combine, which a
// pooled blend fitted worse on held-out folds. It reads no answer text and
// no answer length. Without a model file the evaluator uses combine alone.

//go:embed models
var modelFiles embed.FS

// blendMinGrounding is the grounding size from which the blend applies.
const blendMinGrounding = 1024

// ModelFile is the path of the blend model under this package's directory.
const ModelFile = "models/hallucination.plm"

// modelConfig is the blend's feature space: dense features only.
var modelConfig = linear.Config{Bits: 8, MaxBytes: 1, Dense: 9, Epochs: 50, LR: 0.1, L2: 1e-3, Seed: 1, Bags: 5}

// Options select the learned blend.
type Options struct {
	// Model replaces the embedded blend (periscope-evalbench sets it to a
	// blend fitted on the training folds of cross-validation).
	Model *linear.Model
	// RulesOnly scores with combine alone.
	RulesOnly bool
}

var embedded = sync.OnceValue(func() *linear.Model {
	b, err := modelFiles.ReadFile(ModelFile)
	if err != nil {
		return nil
	}
	m, err := linear.Load(b)
	if err != nil || m.Config().Dense != modelConfig.Dense {
		return nil
	}
	return m
})

// NewWithOptions is New with a choice of learned blend.
func NewWithOptions(cfg Config, o Options) (*Evaluator, error) {
	e, err := New(cfg)
	if err != nil {
		return nil, err
	}
	switch {
	case o.RulesOnly:
		e.model = nil
	case o.Model != nil:
		e.model = o.Model
	}
	return e, nil
}

func defaultModel() *linear.Model { return embedded() }

// blendFeatures fills d (len modelConfig.Dense) from the features.
func blendFeatures(f features, rule float64, d []float64) {
	base := 0.30*f.novelty + 0.25*f.bigram + 0.45*f.unaligned
	d[0] = f.novelty
	d[1] = f.bigram
	d[2] = f.unaligned
	d[3] = f.claimFail
	d[4] = f.subst
	d[5] = f.recomb
	d[6] = base * base * base
	d[7] = math.Min(1, f.claimFail+f.subst+f.recomb)
	d[8] = linear.Logit(min(max(rule, 0.001), 0.999)) / 4
}

func groundingBytes(in *eval.Input) int {
	n := len(in.System)
	for _, c := range in.Context {
		n += len(c)
	}
	return n
}

// TrainModel fits the blend on labelled calls (calls without grounding or
// answer are left out); weights[i] (nil: all 1) weighs call i. Training is
// deterministic.
func TrainModel(cfg Config, ins []eval.Input, labels []bool, weights []float64) (*linear.Model, error) {
	e, err := New(cfg)
	if err != nil {
		return nil, err
	}
	e.model = nil
	var ex []linear.Example
	for i := range ins {
		f, rule, ok := e.featuresOf(&ins[i])
		if !ok || groundingBytes(&ins[i]) < blendMinGrounding {
			continue
		}
		d := make([]float64, modelConfig.Dense)
		blendFeatures(f, rule, d)
		w := 1.0
		if weights != nil {
			w = weights[i]
		}
		ex = append(ex, linear.Example{Dense: d, Label: labels[i], Weight: w})
	}
	return linear.Train(modelConfig, ex)
}

// featuresOf analyses one call as Evaluate does.
func (e *Evaluator) featuresOf(in *eval.Input) (features, float64, bool) {
	if in == nil || !e.hasGrounding(in) || isBlank(in.Output) {
		return features{}, 0, false
	}
	sc := pool.Get().(*scratch)
	defer func() {
		sc.text = ""
		pool.Put(sc)
	}()
	f, _ := e.analyse(sc, in)
	return f, combine(f), true
}

func isBlank(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c != ' ' && c != '\n' && c != '\t' && c != '\r' {
			return false
		}
	}
	return true
}
