package genai

import (
	"encoding/json"
	"strings"
)

// salvageMessages reads what it can from the beginning of a JSON content
// document too large to parse whole: the role and content/text string values,
// in order, from the first limit bytes. The result has the generic message
// shape ([{role, content}]) so the usual decoder takes it from there. It lets
// evaluators scan the start of a megabyte prompt instead of nothing.
func salvageMessages(s string, limit int) []any {
	if limit < len(s) {
		s = s[:limit]
	}
	dec := json.NewDecoder(strings.NewReader(s))
	type frame struct {
		object    bool
		expectKey bool
	}
	var (
		stack   []frame
		lastKey string
		out     []any
		cur     map[string]any
	)
	flush := func() {
		if cur != nil {
			out = append(out, cur)
			cur = nil
		}
	}
	for len(out) < 4096 {
		tok, err := dec.Token()
		if err != nil { // end of input, or the cut in the middle of a token
			if (lastKey == "content" || lastKey == "text") && !(len(stack) > 0 && stack[len(stack)-1].expectKey) {
				if part, ok := partialString(s[dec.InputOffset():]); ok && part != "" {
					if cur == nil {
						cur = map[string]any{}
					}
					if prev, ok := cur["content"].(string); ok && prev != "" {
						part = prev + "\n" + part
					}
					cur["content"] = part
				}
			}
			break
		}
		isKey := len(stack) > 0 && stack[len(stack)-1].object && stack[len(stack)-1].expectKey
		switch t := tok.(type) {
		case json.Delim:
			switch t {
			case '{', '[':
				if len(stack) > 0 && stack[len(stack)-1].object {
					stack[len(stack)-1].expectKey = true
				}
				stack = append(stack, frame{object: t == '{', expectKey: t == '{'})
			case '}', ']':
				if len(stack) > 0 {
					stack = stack[:len(stack)-1]
				}
			}
			continue
		case string:
			if isKey {
				lastKey = t
				stack[len(stack)-1].expectKey = false
				continue
			}
			switch lastKey {
			case "role":
				flush()
				cur = map[string]any{"role": t}
			case "content", "text":
				if cur == nil {
					cur = map[string]any{}
				}
				if prev, ok := cur["content"].(string); ok && prev != "" {
					t = prev + "\n" + t
				}
				cur["content"] = t
			}
		}
		if len(stack) > 0 && stack[len(stack)-1].object {
			stack[len(stack)-1].expectKey = true
		}
	}
	flush()
	return out
}

// partialString decodes a JSON string value cut before its closing quote
// (rest starts after the previous token: optional spaces and colon, then the
// opening quote).
func partialString(rest string) (string, bool) {
	rest = strings.TrimLeft(rest, " \t\r\n:")
	if !strings.HasPrefix(rest, `"`) {
		return "", false
	}
	body := rest[1:]
	// Drop an escape sequence cut in half (at most "\uXXX").
	for cut := 0; cut <= 6 && cut <= len(body); cut++ {
		var out string
		if json.Unmarshal([]byte(`"`+body[:len(body)-cut]+`"`), &out) == nil {
			return out, true
		}
	}
	return "", false
}
