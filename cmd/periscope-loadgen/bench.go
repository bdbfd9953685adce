package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/periscope-otel/periscope/internal/eval/evaluators"
)

// scenario is one pipeline of the side-by-side table.
type scenario struct {
	name       string
	processors string // YAML under processors:
	pipeline   string // processor list of the traces pipeline
	connector  string // a connector fed by the traces pipeline, with a metrics pipeline
	optIn      bool   // run only when --only names it (not part of make bench)
}

// The table of issue-style scenarios: stock components for comparison, each
// Periscope processor alone, and the full pipeline with defaults.
var scenarios = []scenario{
	{name: "pass-through", pipeline: "batch"},
	{name: "contrib redaction, 8 PII/secret regexes", pipeline: "redaction, batch", processors: `
  redaction:
    allow_all_keys: true
    summary: silent
    blocked_values:
      - '[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}'
      - '\b(?:\d[ -]?){13,16}\b'
      - '\b\d{3}-\d{2}-\d{4}\b'
      - '\+?\d{1,3}[ .-]?\(?\d{3}\)?[ .-]?\d{3}[ .-]?\d{4}'
      - '\b[A-Z]{2}\d{2}[A-Z0-9]{11,30}\b'
      - '\bAKIA[0-9A-Z]{16}\b'
      - '\bgh[pousr]_[A-Za-z0-9]{36}\b'
      - '\bsk-[A-Za-z0-9_-]{20,}\b'`},
	{name: "contrib transform, OTTL cost for 10 models", pipeline: "transform, batch", processors: transformCost()},
	{name: "contrib span_metrics, 3 GenAI dimensions", pipeline: "batch", connector: `
  span_metrics:
    dimensions:
      - name: gen_ai.operation.name
      - name: gen_ai.request.model
      - name: gen_ai.system`},
	{name: "genai_normalize", pipeline: "genai_normalize, batch", processors: "\n  genai_normalize: {}"},
	{name: "genai_cost", pipeline: "genai_cost, batch", processors: "\n  genai_cost: {}"},
	{name: "genai_prompt", pipeline: "genai_prompt, batch", processors: "\n  genai_prompt: {}"},
	{name: "genai_eval, every evaluator + redaction", pipeline: "genai_eval, batch", processors: "\n  genai_eval:" + evalRedact},
	// The lever for a gateway that cannot afford every evaluator on every
	// call: the safety evaluators and redaction on every call, the
	// quality evaluators on a quarter of the traces (sample_ratio).
	{name: "genai_eval, every evaluator + redaction; hallucination, refusal, prompt_leak on 25% of traces", pipeline: "genai_eval, batch",
		processors: "\n  genai_eval:" + evalRedact + evaluatorsSampled(0.25, "hallucination", "refusal", "prompt_leak")},
	{name: "full Periscope (defaults)", pipeline: "genai_normalize, genai_cost, genai_prompt, genai_eval, batch",
		processors: "\n  genai_normalize: {}\n  genai_cost: {}\n  genai_prompt: {}\n  genai_eval: {}", connector: "\n  genai_metrics: {}"},
	// --only eval-breakdown: what the genai_eval row is made of, each step
	// adding to the one before: the read of every call's content alone,
	// redaction, the five cheaper safety evaluators; the row itself adds
	// hallucination, prompt_leak and refusal, here last on 10% of traces.
	{name: "eval-breakdown: genai_eval reading only (every evaluator off)", pipeline: "genai_eval, batch", optIn: true,
		processors: "\n  genai_eval:" + evaluatorsOff(evaluators.Names()...)},
	{name: "eval-breakdown: + redaction", pipeline: "genai_eval, batch", optIn: true,
		processors: "\n  genai_eval:" + evalRedact + evaluatorsOff(evaluators.Names()...)},
	{name: "eval-breakdown: + prompt_injection, jailbreak, pii, secrets, toxicity", pipeline: "genai_eval, batch", optIn: true,
		processors: "\n  genai_eval:" + evalRedact + evaluatorsOff("hallucination", "prompt_leak", "refusal")},
	{name: "eval-breakdown: the row with hallucination, refusal, prompt_leak on 10% of traces", pipeline: "genai_eval, batch", optIn: true,
		processors: "\n  genai_eval:" + evalRedact + evaluatorsSampled(0.1, "hallucination", "refusal", "prompt_leak")},
}

// evalRedact is the genai_eval row's redaction: every PII type and secrets.
const evalRedact = `
    redact: {email: "[EMAIL]", phone: "[PHONE]", credit_card: "[CARD]", us_ssn: "[SSN]", iban: "[IBAN]", secrets: "[SECRET]"}`

// evaluatorsOff is a genai_eval evaluators block switching names off.
func evaluatorsOff(names ...string) string {
	var b strings.Builder
	b.WriteString("\n    evaluators:")
	for _, n := range names {
		fmt.Fprintf(&b, "\n      %s: {enabled: false}", n)
	}
	return b.String()
}

// evaluatorsSampled is a genai_eval evaluators block running names on a
// share of traces.
func evaluatorsSampled(ratio float64, names ...string) string {
	var b strings.Builder
	b.WriteString("\n    evaluators:")
	for _, n := range names {
		fmt.Fprintf(&b, "\n      %s: {sample_ratio: %v}", n, ratio)
	}
	return b.String()
}

func transformCost() string {
	models := []struct {
		name    string
		in, out float64 // USD per token
	}{
		{"gpt-4o-mini", 0.15e-6, 0.6e-6}, {"gpt-4o", 2.5e-6, 10e-6}, {"gpt-4.1", 2e-6, 8e-6}, {"gpt-4.1-mini", 0.4e-6, 1.6e-6},
		{"o3-mini", 1.1e-6, 4.4e-6}, {"claude-3-5-sonnet", 3e-6, 15e-6}, {"claude-3-5-haiku", 0.8e-6, 4e-6},
		{"gemini-1.5-pro", 1.25e-6, 5e-6}, {"gemini-1.5-flash", 0.075e-6, 0.3e-6}, {"mistral-large", 2e-6, 6e-6},
	}
	var b strings.Builder
	b.WriteString("\n  transform:\n    error_mode: ignore\n    trace_statements:\n")
	for _, m := range models {
		// OTTL takes plain decimals, not exponent notation.
		fmt.Fprintf(&b, "      - set(span.attributes[\"gen_ai.usage.cost\"], span.attributes[\"gen_ai.usage.input_tokens\"] * %.9f + span.attributes[\"gen_ai.usage.output_tokens\"] * %.9f) where span.attributes[\"gen_ai.request.model\"] == %q\n",
			m.in, m.out, m.name)
	}
	return b.String()
}

// fileName is the scenario's config file name: letters, digits and dashes
// only (the collector reads "name:..." in --config as a URI scheme).
func (s scenario) fileName() string {
	b := []byte(strings.ToLower(s.name))
	for i, c := range b {
		if (c < 'a' || c > 'z') && (c < '0' || c > '9') {
			b[i] = '-'
		}
	}
	return string(b) + ".yaml"
}

func (s scenario) config(otlp, health string) string {
	exporters := "debug"
	metrics := ""
	connectors := ""
	if s.connector != "" {
		name := strings.TrimSuffix(strings.Fields(s.connector)[0], ":")
		exporters += ", " + name
		connectors = "connectors:" + s.connector + "\n"
		metrics = fmt.Sprintf("    metrics:\n      receivers: [%s]\n      exporters: [debug]\n", name)
	}
	return fmt.Sprintf(`receivers:
  otlp:
    protocols:
      grpc:
        endpoint: %s
        max_recv_msg_size_mib: 64
processors:
  batch:
    send_batch_size: 512
    send_batch_max_size: 1024
    timeout: 200ms%s
exporters:
  debug:
    verbosity: basic
    sampling_initial: 1
    sampling_thereafter: 1000
extensions:
  health_check:
    endpoint: %s
%sservice:
  extensions: [health_check]
  telemetry:
    logs:
      level: warn
    metrics:
      level: none
  pipelines:
    traces:
      receivers: [otlp]
      processors: [%s]
      exporters: [%s]
%s`, otlp, s.processors, health, connectors, s.pipeline, exporters, metrics)
}

type result struct {
	name      string
	usPerSpan float64
	peakMiB   float64
	err       error
}

// pick returns the scenarios after the first (the pass-through, every
// ratio's base) whose names contain one of the |-separated words of only;
// with none, every scenario but the opt-in ones.
func pick(all []scenario, only string) []scenario {
	var want []string
	for _, n := range strings.Split(only, "|") {
		if n = strings.TrimSpace(n); n != "" {
			want = append(want, n)
		}
	}
	var list []scenario
	for _, s := range all[1:] {
		if len(want) == 0 && !s.optIn || slices.ContainsFunc(want, func(w string) bool { return strings.Contains(s.name, w) }) {
			list = append(list, s)
		}
	}
	return list
}

// runBench runs the picked scenarios round-robin, rounds times, with the
// pass-through (the ratios' base) run between every two of them, and prints
// each scenario's median. A scenario's ratio is taken against the mean of
// the pass-through runs just before and just after it (seconds apart), so
// the machine's drift (a shared VM's speed moves by a third within
// minutes) cancels out of the ratio instead of landing in it.
func runBench(o options, bin, only string, rounds int) error {
	dir, err := os.MkdirTemp("", "periscope-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	rounds = max(rounds, 1)
	fmt.Printf("%d spans per scenario, %d per request, %d workers, ~%d B of padding per span, distinct content per span; median of %d round(s)\n\n",
		o.spans, o.batch, o.workers, o.pad, rounds)
	list := pick(scenarios, only)
	base := scenarios[0]
	var baseRuns []result
	runs := make([][]result, len(list))
	ratios := make([][]float64, len(list))
	run := func(s scenario) (result, error) {
		r := benchOne(o, bin, dir, s)
		if r.err != nil {
			return r, fmt.Errorf("%s: %w", s.name, r.err)
		}
		return r, nil
	}
	for round := 0; round < rounds; round++ {
		before, err := run(base)
		if err != nil {
			return err
		}
		baseRuns = append(baseRuns, before)
		for k, s := range list {
			r, err := run(s)
			if err != nil {
				return err
			}
			after, err := run(base)
			if err != nil {
				return err
			}
			baseRuns = append(baseRuns, after)
			runs[k] = append(runs[k], r)
			ratios[k] = append(ratios[k], r.usPerSpan/((before.usPerSpan+after.usPerSpan)/2))
			before = after
		}
	}
	fmt.Println("| pipeline | CPU µs/span | × pass-through | × range over rounds | peak RSS MiB |")
	fmt.Println("|---|---:|---:|---:|---:|")
	row := func(name string, rs []result, ratio []float64) {
		var us, rss []float64
		for _, r := range rs {
			us = append(us, r.usPerSpan)
			rss = append(rss, r.peakMiB)
		}
		fmt.Printf("| %s | %.1f | %.2f | %.2f–%.2f | %.0f |\n", name, median(us), median(ratio),
			slices.Min(ratio), slices.Max(ratio), median(rss))
	}
	ones := make([]float64, len(baseRuns))
	for i := range ones {
		ones[i] = 1
	}
	row(base.name, baseRuns, ones)
	for k, s := range list {
		row(s.name, runs[k], ratios[k])
	}
	return nil
}

// median of xs (the mean of the middle two for an even count).
func median(xs []float64) float64 {
	s := slices.Sorted(slices.Values(xs))
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

func benchOne(o options, bin, dir string, s scenario) result {
	r := result{name: s.name}
	otlp, health := freeAddr(), freeAddr()
	cfg := filepath.Join(dir, s.fileName())
	if err := os.WriteFile(cfg, []byte(s.config(otlp, health)), 0o600); err != nil {
		r.err = err
		return r
	}
	log, _ := os.Create(cfg + ".log")
	defer log.Close()
	cmd := exec.Command(bin, "--config", cfg)
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		r.err = err
		return r
	}
	defer func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			_ = cmd.Process.Kill()
		}
	}()
	if err := waitHealthy("http://"+health+"/", 60*time.Second); err != nil {
		b, _ := os.ReadFile(cfg + ".log")
		r.err = fmt.Errorf("%w; collector output:\n%s", err, tail(string(b), 2000))
		return r
	}
	// Warm up (first-call initialisation, template caches), then measure.
	warm := o
	warm.spans = max(o.spans/20, o.batch)
	warm.endpoint = otlp
	if _, err := send(context.Background(), warm); err != nil {
		r.err = err
		return r
	}
	idle(cmd.Process.Pid)
	before := cpuTicks(cmd.Process.Pid)
	o.endpoint = otlp
	if _, err := send(context.Background(), o); err != nil {
		r.err = err
		return r
	}
	idle(cmd.Process.Pid)
	after := cpuTicks(cmd.Process.Pid)
	r.usPerSpan = float64(after-before) * 1e6 / clockTicks / float64(o.spans)
	r.peakMiB = float64(peakRSS(cmd.Process.Pid)) / 1024
	return r
}

// clockTicks is USER_HZ, the unit of /proc/<pid>/stat times (100 on Linux).
const clockTicks = 100

// cpuTicks returns the user+system CPU time of pid.
func cpuTicks(pid int) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+2:])
	utime, _ := strconv.ParseInt(f[11], 10, 64)
	stime, _ := strconv.ParseInt(f[12], 10, 64)
	return utime + stime
}

// idle waits until the collector has finished what it accepted (batches,
// queues): its CPU time stops growing.
func idle(pid int) {
	prev := cpuTicks(pid)
	for i := 0; i < 100; i++ {
		time.Sleep(300 * time.Millisecond)
		cur := cpuTicks(pid)
		if cur-prev <= 1 {
			return
		}
		prev = cur
	}
}

// peakRSS returns VmHWM in KiB.
func peakRSS(pid int) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			n, _ := strconv.ParseInt(strings.Fields(v)[0], 10, 64)
			return n
		}
	}
	return 0
}

func freeAddr() string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	defer l.Close()
	return l.Addr().String()
}

func waitHealthy(url string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if resp, err := http.Get(url); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("not healthy after %v", timeout)
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}
