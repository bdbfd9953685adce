package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"sync"

	"github.com/periscope-otel/periscope/exporter/genaidatasetexporter/dataset"
)

// side is the before or after half of an output line.
type side struct {
	Model  string         `json:"model,omitempty"`
	Output string         `json:"output"`
	Usage  *dataset.Usage `json:"usage,omitempty"`
	scored
	Error string `json:"error,omitempty"`
}

// result is one output line.
type result struct {
	TraceID  string `json:"trace_id"`
	SpanID   string `json:"span_id"`
	Before   side   `json:"before"`
	After    *side  `json:"after"`
	Attempts int    `json:"attempts,omitempty"`
	Skipped  string `json:"skipped,omitempty"` // cost_cap: not sent
}

type replayer struct {
	rows        []dataset.Row
	client      *client
	scorer      *scorer
	model       string
	provider    string
	system      *string
	concurrency int
	maxUSD      float64
	recorded    bool // before: the row's recorded evaluations, not rescored
	progress    func(done, total int, spent float64)

	mu      sync.Mutex
	usd     float64
	stopped string // why dispatch stopped (cost cap)
}

// run replays every row and writes one line per row, in dataset order.
func (rp *replayer) run(ctx context.Context, out io.Writer) ([]result, error) {
	results := make([]result, len(rp.rows))
	ready := make([]bool, len(rp.rows))
	w := bufio.NewWriter(out)
	next := 0
	var wmu sync.Mutex
	var werr error
	done := 0
	emit := func(i int) {
		wmu.Lock()
		defer wmu.Unlock()
		ready[i] = true
		done++
		for next < len(results) && ready[next] {
			b, err := json.Marshal(&results[next])
			if err == nil {
				b = append(b, '\n')
				_, err = w.Write(b)
			}
			if err != nil && werr == nil {
				werr = err
			}
			next++
		}
		if rp.progress != nil {
			rp.mu.Lock()
			spent := rp.usd
			rp.mu.Unlock()
			rp.progress(done, len(results), spent)
		}
	}
	jobs := make(chan int)
	var wg sync.WaitGroup
	for range max(rp.concurrency, 1) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				// Checked again here: a job handed over before the cap
				// was reached is not sent after it.
				if reason := rp.stopReason(); reason != "" {
					results[i] = rp.skipped(&rp.rows[i], reason)
				} else {
					results[i] = rp.replayRow(ctx, &rp.rows[i])
				}
				emit(i)
			}
		}()
	}
	for i := range rp.rows {
		if len(nonSystem(&rp.rows[i])) == 0 {
			// Nothing to send (a call recorded without its request).
			results[i] = rp.skipped(&rp.rows[i], "no_input")
			emit(i)
			continue
		}
		if reason := rp.stopReason(); reason != "" || ctx.Err() != nil {
			if reason == "" {
				reason = "interrupted"
			}
			results[i] = rp.skipped(&rp.rows[i], reason)
			emit(i)
			continue
		}
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	if err := w.Flush(); err != nil && werr == nil {
		werr = err
	}
	return results, werr
}

func (rp *replayer) stopReason() string {
	rp.mu.Lock()
	defer rp.mu.Unlock()
	return rp.stopped
}

// charge adds a replayed call's cost; past --max-usd nothing more is sent.
// An unpriced call with a cap set stops the run too: the cap could not be
// enforced.
func (rp *replayer) charge(s *scored) {
	rp.mu.Lock()
	defer rp.mu.Unlock()
	if s.Cost != nil {
		rp.usd += *s.Cost
	}
	if rp.maxUSD > 0 && rp.stopped == "" {
		switch {
		case rp.usd >= rp.maxUSD:
			rp.stopped = "cost_cap"
		case s.Cost == nil:
			rp.stopped = "cost_cap_unpriced"
		}
	}
}

func (rp *replayer) before(ctx context.Context, r *dataset.Row) side {
	b := side{Model: r.ResponseModel, Output: r.OutputText(), Usage: r.Usage}
	if b.Model == "" {
		b.Model = r.RequestModel
	}
	spec := callSpec{provider: r.Provider, model: b.Model, system: systemOf(r, nil), input: nonSystem(r),
		output: r.OutputMessages, documents: r.RetrievalDocuments, usage: r.Usage}
	s, err := rp.scorer.score(ctx, &spec, true)
	if err != nil {
		b.Error = err.Error()
		return b
	}
	b.scored = s
	if rp.recorded {
		b.Evaluations, b.Failed = r.Evaluations, r.Failed
	}
	if r.Cost != nil && r.Cost.USD != nil {
		// The production figure (same engine, the price table in force then).
		b.Cost = r.Cost.USD
		b.Unpriced = ""
	}
	return b
}

func (rp *replayer) skipped(r *dataset.Row, reason string) result {
	return result{TraceID: r.TraceID, SpanID: r.SpanID, Before: rp.before(context.Background(), r), Skipped: reason}
}

func (rp *replayer) replayRow(ctx context.Context, r *dataset.Row) result {
	res := result{TraceID: r.TraceID, SpanID: r.SpanID, Before: rp.before(ctx, r)}
	req := buildRequest(r, rp.model, rp.system)
	after := &side{Model: req.Model}
	res.After = after
	if len(req.Messages) == 0 {
		after.Error = "row has no input to replay"
		return res
	}
	a, attempts, err := rp.client.complete(ctx, &req)
	res.Attempts = attempts
	if err != nil {
		after.Error = err.Error()
		return res
	}
	after.Model, after.Usage = a.model, a.usage
	after.Output = (&dataset.Row{OutputMessages: a.output}).OutputText()
	sys := systemOf(r, rp.system)
	provider := rp.provider
	if provider == "" && rp.model == "" {
		provider = r.Provider
	}
	spec := callSpec{provider: provider, model: a.model, system: sys, input: nonSystem(r), output: a.output,
		documents: r.RetrievalDocuments, usage: a.usage, host: rp.scorer.host}
	s, err := rp.scorer.score(ctx, &spec, true)
	if err != nil {
		after.Error = fmt.Sprintf("scoring: %v", err)
		return res
	}
	after.scored = s
	rp.charge(&s)
	return res
}
