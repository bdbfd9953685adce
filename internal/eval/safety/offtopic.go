package safety

import (
	"sort"

	"github.com/periscope-otel/periscope/internal/contract"
	"github.com/periscope-otel/periscope/internal/eval"
)

// OffTopic scores how far a request falls outside the allowed topics, each
// given as a keyword set. A request that names two or more keywords of one
// topic is on topic; one keyword is borderline; none is off topic.
type OffTopic struct {
	sides  eval.Side
	lex    *lexicon
	topics []string
	topic  []int // phrase -> topic index
}

// NewOffTopic returns the off_topic evaluator for the given topics
// (topic name -> keywords; a trailing '*' makes a keyword a prefix).
func NewOffTopic(o Options, topics map[string][]string) *OffTopic {
	e := &OffTopic{sides: o.sides(eval.SideInput)}
	for name := range topics {
		e.topics = append(e.topics, name)
	}
	sort.Strings(e.topics)
	var ph []phrase
	var n Normalized
	for ti, name := range e.topics {
		for _, kw := range topics[name] {
			star := len(kw) > 0 && kw[len(kw)-1] == '*'
			if star {
				kw = kw[:len(kw)-1]
			}
			Normalize(kw, &n)
			t := string(n.Text[1 : len(n.Text)-1])
			if t == "" {
				continue
			}
			if star {
				t += "*"
			}
			ph = append(ph, phrase{text: t, rule: "topic." + name})
			e.topic = append(e.topic, ti)
		}
	}
	e.lex = newLexicon(ph, nil)
	return e
}

func (e *OffTopic) Name() string { return contract.EvalOffTopic }

func (e *OffTopic) Evaluate(in *eval.Input) eval.Result { return evaluateOne(e, in) }

func (e *OffTopic) run(p *prepared) eval.Result {
	if len(e.topics) == 0 {
		return eval.Result{Skipped: true, Label: "no_topics"}
	}
	counts := make([]int, len(e.topics))
	words := 0
	any := false
	p.eachText(e.sides, func(side eval.Side, t *textBuf) {
		any = true
		n := t.normalized()
		for _, c := range n.Text {
			if c == ' ' {
				words++
			}
		}
		p.hits = e.lex.hitsIn(t, p.hits[:0])
		seen := map[int32]bool{}
		for _, h := range p.hits {
			if !seen[h.Pat] {
				seen[h.Pat] = true
				counts[e.topic[h.Pat]]++
			}
		}
	})
	if !any {
		return eval.Result{Skipped: true, Label: "no_content"}
	}
	best, bestI := 0, -1
	for i, c := range counts {
		if c > best {
			best, bestI = c, i
		}
	}
	r := eval.Result{}
	switch {
	case best >= 2:
		r.Score = 0.05
	case best == 1:
		r.Score = 0.4
	case words <= 4:
		r.Score = 0.55 // greetings and one-word turns: too short to judge firmly
	default:
		r.Score = 0.9
	}
	if bestI >= 0 {
		r.Types = []string{e.topics[bestI]}
	}
	return r
}
