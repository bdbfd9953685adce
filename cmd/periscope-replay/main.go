// Command periscope-replay replays a genai_dataset file against an
// OpenAI-compatible chat-completions endpoint (a new system prompt or
// model), runs Periscope's evaluators and cost engine on the new answers,
// and compares them with the recorded ones: a CI gate for prompt changes.
//
//	periscope-replay --dataset PATH --endpoint URL --model M --out FILE
//	    [--system-prompt FILE] [--concurrency N] [--max-usd X]
//	    [--fail-on-regression] [--api-key-env NAME]
//	periscope-replay convert --to openai-chat|langfuse --dataset PATH --out FILE
//
// Exit status: 0 done; 1 an evaluator's failures rose (--fail-on-regression);
// 2 bad usage, unreadable dataset, or no row could be replayed.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"strings"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

const (
	exitOK         = 0
	exitRegression = 1
	exitError      = 2
)

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 && args[0] == "convert" {
		return runConvert(args[1:], stderr)
	}
	fs := flag.NewFlagSet("periscope-replay", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dsPath := fs.String("dataset", "", "genai_dataset file (.jsonl or .jsonl.gz) or directory of them (required)")
	endpoint := fs.String("endpoint", "", "OpenAI-compatible base URL, e.g. https://api.openai.com/v1 (/chat/completions is appended) (required)")
	model := fs.String("model", "", "model to replay with (required)")
	outPath := fs.String("out", "", "output JSONL, one line per row (required; - for stdout)")
	sysPath := fs.String("system-prompt", "", "file whose text replaces each row's system instructions")
	concurrency := fs.Int("concurrency", 4, "requests in flight")
	maxUSD := fs.Float64("max-usd", 0, "stop sending once the replayed calls cost this much (0: no cap)")
	failOnRegression := fs.Bool("fail-on-regression", false, "exit 1 when any evaluator's failures rise")
	keyEnv := fs.String("api-key-env", "OPENAI_API_KEY", "environment variable holding the API key")
	rps := fs.Float64("rps", 5, "request rate limit per second (0: unlimited)")
	timeout := fs.Duration("timeout", 60*time.Second, "timeout of one request attempt")
	retries := fs.Int("retries", 4, "retries of a failed request (429, 5xx, timeouts, malformed responses)")
	backoff := fs.Duration("backoff", time.Second, "first retry backoff (doubles per retry, full jitter; Retry-After honoured)")
	provider := fs.String("provider", "", "gen_ai.provider.name for pricing the replayed calls (default: inferred from the model and endpoint)")
	evalConfig := fs.String("eval-config", "", "YAML of genai_eval's configuration (thresholds, evaluators) to match production; default: genai_eval's defaults")
	limit := fs.Int("limit", 0, "replay only the first N rows (0: all)")
	beforeEvals := fs.String("before", "rescored", "evaluations of the recorded answer: rescored (the same evaluators as the new answer) or recorded (what the pipeline wrote)")
	if err := fs.Parse(args); err != nil {
		return exitError
	}
	var missing []string
	for _, f := range []struct{ name, v string }{{"--dataset", *dsPath}, {"--endpoint", *endpoint}, {"--model", *model}, {"--out", *outPath}} {
		if f.v == "" {
			missing = append(missing, f.name)
		}
	}
	if len(missing) > 0 {
		fmt.Fprintf(stderr, "missing %s\nusage: periscope-replay --dataset PATH --endpoint URL --model M --out FILE [flags] | convert --to openai-chat|langfuse ...\n", strings.Join(missing, ", "))
		return exitError
	}
	if u, err := url.Parse(*endpoint); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		fmt.Fprintf(stderr, "--endpoint: want an http(s) URL, got %q\n", *endpoint)
		return exitError
	}
	if *concurrency < 1 || *retries < 0 || *rps < 0 || *maxUSD < 0 || *timeout <= 0 || *limit < 0 {
		fmt.Fprintln(stderr, "--concurrency must be >= 1; --retries, --rps, --max-usd, --limit >= 0; --timeout > 0")
		return exitError
	}
	if *beforeEvals != "rescored" && *beforeEvals != "recorded" {
		fmt.Fprintf(stderr, "--before: want rescored or recorded, got %q\n", *beforeEvals)
		return exitError
	}
	var system *string
	if *sysPath != "" {
		b, err := os.ReadFile(*sysPath)
		if err != nil {
			fmt.Fprintf(stderr, "--system-prompt: %v\n", err)
			return exitError
		}
		s := strings.TrimRight(string(b), "\n")
		system = &s
	}
	rows, err := readDataset(*dsPath)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return exitError
	}
	if *limit > 0 && len(rows) > *limit {
		rows = rows[:*limit]
	}
	if len(rows) == 0 {
		fmt.Fprintln(stderr, "--dataset: no rows")
		return exitError
	}
	key := os.Getenv(*keyEnv)
	if key == "" {
		fmt.Fprintf(stderr, "warning: $%s is empty; requests are sent without an API key\n", *keyEnv)
	}
	sc, err := newScorer(*evalConfig, *endpoint)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return exitError
	}
	defer sc.close()
	var out io.Writer = stdout
	if *outPath != "-" {
		f, err := os.OpenFile(*outPath, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
		if err != nil {
			fmt.Fprintf(stderr, "--out: %v\n", err)
			return exitError
		}
		defer f.Close()
		out = f
	}
	rp := &replayer{
		rows: rows, scorer: sc, model: *model, provider: *provider, system: system,
		concurrency: *concurrency, maxUSD: *maxUSD, recorded: *beforeEvals == "recorded",
		client: &client{url: chatURL(*endpoint), key: key, http: &http.Client{}, timeout: *timeout,
			retries: *retries, backoff: *backoff, maxWait: time.Minute, limiter: newLimiter(*rps)},
	}
	if isTerminal(stderr) {
		rp.progress = progressBar(stderr)
	}
	results, err := rp.run(ctx, out)
	if rp.progress != nil {
		fmt.Fprintln(stderr)
	}
	if err != nil {
		fmt.Fprintf(stderr, "--out: %v\n", err)
		return exitError
	}
	s := summarize(results)
	summaryOut := stdout
	if *outPath == "-" {
		summaryOut = stderr
	}
	s.print(summaryOut)
	if s.replayed == 0 {
		fmt.Fprintln(stderr, "no row could be replayed; see the error field of the output lines")
		return exitError
	}
	if s.errors > 0 {
		fmt.Fprintf(stderr, "warning: %d rows failed to replay (error field of their lines); they are not in the comparison\n", s.errors)
	}
	if reg := s.regressions(); len(reg) > 0 {
		fmt.Fprintf(summaryOut, "regressions: %s\n", strings.Join(reg, ", "))
		if *failOnRegression {
			return exitRegression
		}
	}
	if errors.Is(ctx.Err(), context.Canceled) {
		return exitError
	}
	return exitOK
}

func runConvert(args []string, stderr io.Writer) int {
	fs := flag.NewFlagSet("periscope-replay convert", flag.ContinueOnError)
	fs.SetOutput(stderr)
	to := fs.String("to", "", "output format: openai-chat or langfuse (required)")
	dsPath := fs.String("dataset", "", "genai_dataset file or directory (required)")
	outPath := fs.String("out", "-", "output file (- for stdout)")
	name := fs.String("dataset-name", "periscope", "langfuse: datasetName of every item")
	if err := fs.Parse(args); err != nil {
		return exitError
	}
	if *to != formatOpenAIChat && *to != formatLangfuse {
		fmt.Fprintf(stderr, "--to: want %s or %s, got %q\n", formatOpenAIChat, formatLangfuse, *to)
		return exitError
	}
	if *dsPath == "" {
		fmt.Fprintln(stderr, "missing --dataset")
		return exitError
	}
	rows, err := readDataset(*dsPath)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return exitError
	}
	var out io.Writer = os.Stdout
	if *outPath != "-" {
		f, err := os.OpenFile(*outPath, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
		if err != nil {
			fmt.Fprintf(stderr, "--out: %v\n", err)
			return exitError
		}
		defer f.Close()
		out = f
	}
	if err := convertRows(rows, *to, *name, out); err != nil {
		fmt.Fprintln(stderr, err)
		return exitError
	}
	return exitOK
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// progressBar redraws one line on a terminal.
func progressBar(w io.Writer) func(done, total int, spent float64) {
	return func(done, total int, spent float64) {
		const width = 30
		n := done * width / max(total, 1)
		fmt.Fprintf(w, "\r[%s%s] %d/%d rows  $%.4f", strings.Repeat("=", n), strings.Repeat(" ", width-n), done, total, spent)
	}
}
