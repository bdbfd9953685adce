package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/periscope-otel/periscope/exporter/genaidatasetexporter/dataset"
)

// chatMessage is an OpenAI chat-completions message.
type chatMessage struct {
	Role       string     `json:"role"`
	Content    any        `json:"content"` // string, or null for assistant tool calls
	Name       string     `json:"name,omitempty"`
	ToolCalls  []toolCall `json:"tool_calls,omitempty"`
	ToolCallID string     `json:"tool_call_id,omitempty"`
}

type toolCall struct {
	ID       string       `json:"id"`
	Type     string       `json:"type"`
	Function functionCall `json:"function"`
}

type functionCall struct {
	Name      string `json:"name"`
	Arguments string `json:"arguments"`
}

type chatTool struct {
	Type     string  `json:"type"`
	Function toolFun `json:"function"`
}

type toolFun struct {
	Name        string          `json:"name"`
	Description string          `json:"description,omitempty"`
	Parameters  json.RawMessage `json:"parameters,omitempty"`
}

type chatRequest struct {
	Model            string        `json:"model"`
	Messages         []chatMessage `json:"messages"`
	Tools            []chatTool    `json:"tools,omitempty"`
	Temperature      *float64      `json:"temperature,omitempty"`
	TopP             *float64      `json:"top_p,omitempty"`
	FrequencyPenalty *float64      `json:"frequency_penalty,omitempty"`
	PresencePenalty  *float64      `json:"presence_penalty,omitempty"`
	MaxTokens        *int64        `json:"max_tokens,omitempty"`
	Seed             *int64        `json:"seed,omitempty"`
	Stop             []string      `json:"stop,omitempty"`
}

type chatResponse struct {
	Model   string `json:"model"`
	Choices []struct {
		Message struct {
			Content   *string    `json:"content"`
			Refusal   *string    `json:"refusal"`
			ToolCalls []toolCall `json:"tool_calls"`
		} `json:"message"`
		FinishReason string `json:"finish_reason"`
	} `json:"choices"`
	Usage *struct {
		PromptTokens        int64 `json:"prompt_tokens"`
		CompletionTokens    int64 `json:"completion_tokens"`
		PromptTokensDetails *struct {
			CachedTokens int64 `json:"cached_tokens"`
		} `json:"prompt_tokens_details"`
		CompletionTokensDetails *struct {
			ReasoningTokens int64 `json:"reasoning_tokens"`
		} `json:"completion_tokens_details"`
	} `json:"usage"`
}

// partsText joins the text parts of a message.
func partsText(parts []dataset.Part) string {
	var b strings.Builder
	for _, p := range parts {
		if p.Type == "text" && p.Content != "" {
			if b.Len() > 0 {
				b.WriteByte('\n')
			}
			b.WriteString(p.Content)
		}
	}
	return b.String()
}

// systemOf returns the row's system parts, or the override.
func systemOf(r *dataset.Row, override *string) []dataset.Part {
	if override != nil {
		return []dataset.Part{{Type: "text", Content: *override}}
	}
	if len(r.SystemInstructions) > 0 {
		return r.SystemInstructions
	}
	var parts []dataset.Part
	for _, m := range r.InputMessages {
		if m.Role == "system" {
			parts = append(parts, m.Parts...)
		}
	}
	return parts
}

// nonSystem returns the input messages without system messages.
func nonSystem(r *dataset.Row) []dataset.Message {
	var out []dataset.Message
	for _, m := range r.InputMessages {
		if m.Role != "system" {
			out = append(out, m)
		}
	}
	return out
}

// toChat converts semconv messages to chat-completions messages: text
// parts become content, tool_call parts tool_calls, and each
// tool_call_response part a "tool" message.
func toChat(msgs []dataset.Message) []chatMessage {
	var out []chatMessage
	for _, m := range msgs {
		cm := chatMessage{Role: m.Role, Name: m.Name}
		var tools []chatMessage
		for _, p := range m.Parts {
			switch p.Type {
			case "tool_call":
				args := string(p.Arguments)
				var s string
				if json.Unmarshal(p.Arguments, &s) == nil {
					args = s
				}
				if args == "" {
					args = "{}"
				}
				cm.ToolCalls = append(cm.ToolCalls, toolCall{ID: p.ID, Type: "function", Function: functionCall{Name: p.Name, Arguments: args}})
			case "tool_call_response":
				tools = append(tools, chatMessage{Role: "tool", ToolCallID: p.ID, Content: p.Response})
			}
		}
		text := partsText(m.Parts)
		switch {
		case m.Role == "tool" && len(tools) > 0:
			out = append(out, tools...)
			continue
		case text != "":
			cm.Content = text
		case len(cm.ToolCalls) == 0:
			cm.Content = ""
		}
		if cm.Role == "tool" && cm.ToolCallID == "" {
			cm.Role = "user" // a tool result without its call id cannot be sent as one
		}
		if cm.Content != nil || len(cm.ToolCalls) > 0 {
			out = append(out, cm)
		}
		out = append(out, tools...)
	}
	return out
}

// buildRequest is the chat-completions request replaying a row.
func buildRequest(r *dataset.Row, model string, system *string) chatRequest {
	req := chatRequest{Model: model}
	if req.Model == "" {
		req.Model = r.RequestModel
	}
	if sys := partsText(systemOf(r, system)); sys != "" {
		req.Messages = append(req.Messages, chatMessage{Role: "system", Content: sys})
	}
	req.Messages = append(req.Messages, toChat(nonSystem(r))...)
	for _, t := range r.ToolDefinitions {
		req.Tools = append(req.Tools, chatTool{Type: "function", Function: toolFun{Name: t.Name, Description: t.Description, Parameters: t.Parameters}})
	}
	if p := r.Request; p != nil {
		req.Temperature, req.TopP, req.MaxTokens, req.Seed = p.Temperature, p.TopP, p.MaxTokens, p.Seed
		req.FrequencyPenalty, req.PresencePenalty, req.Stop = p.FrequencyPenalty, p.PresencePenalty, p.StopSequences
	}
	return req
}

// answer is a replayed call's result in semconv form.
type answer struct {
	model  string
	output []dataset.Message
	usage  *dataset.Usage
}

func (resp *chatResponse) answer(requested string) (answer, error) {
	if len(resp.Choices) == 0 {
		return answer{}, errors.New("response has no choices")
	}
	a := answer{model: resp.Model}
	if a.model == "" {
		a.model = requested
	}
	for _, c := range resp.Choices[:1] {
		m := dataset.Message{Role: "assistant", FinishReason: c.FinishReason, Parts: []dataset.Part{}}
		if c.Message.Content != nil && *c.Message.Content != "" {
			m.Parts = append(m.Parts, dataset.Part{Type: "text", Content: *c.Message.Content})
		} else if c.Message.Refusal != nil && *c.Message.Refusal != "" {
			m.Parts = append(m.Parts, dataset.Part{Type: "text", Content: *c.Message.Refusal})
		}
		for _, tc := range c.Message.ToolCalls {
			args := json.RawMessage(tc.Function.Arguments)
			if !json.Valid(args) {
				args, _ = json.Marshal(tc.Function.Arguments)
			}
			m.Parts = append(m.Parts, dataset.Part{Type: "tool_call", ID: tc.ID, Name: tc.Function.Name, Arguments: args})
		}
		a.output = append(a.output, m)
	}
	if u := resp.Usage; u != nil {
		in, out := u.PromptTokens, u.CompletionTokens
		a.usage = &dataset.Usage{InputTokens: &in, OutputTokens: &out}
		if d := u.PromptTokensDetails; d != nil && d.CachedTokens > 0 {
			v := d.CachedTokens
			a.usage.CacheReadTokens = &v
		}
		if d := u.CompletionTokensDetails; d != nil && d.ReasoningTokens > 0 {
			v := d.ReasoningTokens
			a.usage.ReasoningTokens = &v
		}
	}
	return a, nil
}

// client sends chat-completions requests with a rate limit, a per-attempt
// timeout and retries with exponential backoff (full jitter; Retry-After
// honoured) on 408, 429, 5xx, transport errors, timeouts and malformed
// responses. Other 4xx fail the row at once.
type client struct {
	url     string
	key     string
	http    *http.Client
	timeout time.Duration
	retries int
	backoff time.Duration // first backoff; doubles per retry
	maxWait time.Duration
	limiter *limiter
}

// chatURL turns --endpoint into the chat-completions URL: a base such as
// https://api.openai.com/v1 gets /chat/completions appended.
func chatURL(endpoint string) string {
	e := strings.TrimRight(endpoint, "/")
	if strings.HasSuffix(e, "/chat/completions") {
		return e
	}
	return e + "/chat/completions"
}

type permanentError struct{ error }

func (c *client) complete(ctx context.Context, req *chatRequest) (answer, int, error) {
	body, err := json.Marshal(req)
	if err != nil {
		return answer{}, 0, err
	}
	var last error
	for attempt := 0; attempt <= c.retries; attempt++ {
		if attempt > 0 {
			wait := c.backoff << (attempt - 1)
			wait = time.Duration(rand.Int64N(int64(wait) + 1))
			var ra *retryAfter
			if errors.As(last, &ra) && ra.d > wait {
				wait = ra.d
			}
			wait = min(wait, c.maxWait)
			select {
			case <-ctx.Done():
				return answer{}, attempt, ctx.Err()
			case <-time.After(wait):
			}
		}
		if err := c.limiter.wait(ctx); err != nil {
			return answer{}, attempt, err
		}
		a, err := c.once(ctx, body, req.Model)
		if err == nil {
			return a, attempt + 1, nil
		}
		var perm permanentError
		if errors.As(err, &perm) || ctx.Err() != nil {
			return answer{}, attempt + 1, err
		}
		last = err
	}
	return answer{}, c.retries + 1, fmt.Errorf("after %d attempts: %w", c.retries+1, last)
}

type retryAfter struct {
	error
	d time.Duration
}

func (c *client) once(ctx context.Context, body []byte, model string) (answer, error) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	hreq, err := http.NewRequestWithContext(ctx, http.MethodPost, c.url, bytes.NewReader(body))
	if err != nil {
		return answer{}, permanentError{err}
	}
	hreq.Header.Set("Content-Type", "application/json")
	if c.key != "" {
		hreq.Header.Set("Authorization", "Bearer "+c.key)
	}
	resp, err := c.http.Do(hreq)
	if err != nil {
		if ctx.Err() == context.DeadlineExceeded {
			return answer{}, fmt.Errorf("timeout after %v", c.timeout)
		}
		return answer{}, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 32<<20))
	if err != nil {
		return answer{}, fmt.Errorf("read response: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		msg := fmt.Errorf("HTTP %d: %s", resp.StatusCode, snippet(b))
		switch {
		case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable:
			if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil && s >= 0 {
				return answer{}, &retryAfter{msg, time.Duration(s) * time.Second}
			}
			return answer{}, msg
		case resp.StatusCode == http.StatusRequestTimeout || resp.StatusCode >= 500:
			return answer{}, msg
		}
		return answer{}, permanentError{msg}
	}
	var cr chatResponse
	if err := json.Unmarshal(b, &cr); err != nil {
		return answer{}, fmt.Errorf("malformed response: %w", err)
	}
	a, err := cr.answer(model)
	if err != nil {
		return answer{}, fmt.Errorf("malformed response: %w", err)
	}
	return a, nil
}

// snippet is the start of an error body (never the request: it holds the
// prompt).
func snippet(b []byte) string {
	s := strings.TrimSpace(string(b))
	if len(s) > 200 {
		s = s[:200] + "..."
	}
	return s
}

// limiter spaces requests at most rps per second (0 = unlimited).
type limiter struct {
	mu       sync.Mutex
	interval time.Duration
	next     time.Time
}

func newLimiter(rps float64) *limiter {
	l := &limiter{}
	if rps > 0 {
		l.interval = time.Duration(float64(time.Second) / rps)
	}
	return l
}

func (l *limiter) wait(ctx context.Context) error {
	if l.interval == 0 {
		return nil
	}
	l.mu.Lock()
	now := time.Now()
	at := l.next
	if at.Before(now) {
		at = now
	}
	l.next = at.Add(l.interval)
	l.mu.Unlock()
	d := time.Until(at)
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
