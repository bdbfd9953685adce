package genai

import (
	"math/bits"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// A single-pass scanner of the current-semconv message shape, the shape
// genai_normalize writes and current instrumentations emit:
//
//	[{"role":"user","parts":[{"type":"text","content":"..."}],"name":"...","finish_reason":"stop"}]
//
// It reads each message JSON once, without encoding/json's validation pass
// and mostly without copying: a long string without escapes (the text of a
// message) is a substring of the attribute, which is immutable. It accepts
// exactly what the typed decoder (fastMessages / fastPartList) accepts and
// produces the same result; anything else (escaped or case-variant keys,
// invalid UTF-8, null parts, a value of an unexpected type, content or
// tool_calls keys) makes it give up, and the caller falls back to the typed
// decoder, so nothing is lost and the budget is left as it was.

// scanPart is one part as read, before conversion (shared with the typed
// decoder so both produce the same Part).
type scanPart struct {
	typ, content, id, name, modality, mimeType, uri, fileID string
	// arguments, response and result are the value as text (rawText):
	// strings unquoted, anything else as sent. hasResponse records that a
	// response key was present (it wins over result even when empty).
	arguments, response, result string
	hasResponse                 bool
}

// part converts a read part exactly as the typed decoder always has. valid
// says the texts are known to be valid UTF-8 (the scanner's are), so the
// budget need not check them again.
func (r *reader) part(fp *scanPart, valid bool) Part {
	b := &r.b
	switch fp.typ {
	case "text", "":
		return Part{Type: PartText, Content: b.takeIf(valid, fp.content)}
	case "reasoning", "thinking":
		return Part{Type: PartReasoning, Content: b.takeIf(valid, fp.content)}
	case "refusal":
		return Part{Type: PartText, Content: b.takeIf(valid, fp.content)}
	case "tool_call":
		return Part{Type: PartToolCall, ID: fp.id, Name: fp.name, Arguments: b.takeIf(valid, fp.arguments)}
	case "tool_call_response":
		resp := fp.response
		if !fp.hasResponse {
			resp = fp.result
		}
		return Part{Type: PartToolCallResponse, ID: fp.id, Name: fp.name, Content: b.takeIf(valid, resp)}
	case "blob":
		return Part{Type: PartBlob, Modality: fp.modality, MimeType: fp.mimeType}
	case "uri":
		p := Part{Type: PartURI, Modality: fp.modality, MimeType: fp.mimeType, Content: fp.uri}
		if len(p.Content) > 2048 {
			p.Content = ""
		}
		return p
	case "file":
		return Part{Type: PartFile, Modality: fp.modality, MimeType: fp.mimeType, Content: fp.fileID}
	}
	return Part{Type: fp.typ, Content: b.takeIf(valid, fp.content)}
}

// scanMessages reads a JSON array of semconv messages; ok is false when the
// text is not exactly that shape (nothing is charged to the budget then).
func (r *reader) scanMessages(s, defaultRole string) (out []Message, ok bool) {
	if len(s) > r.b.remaining*maxParseFactor+4096 {
		return nil, false
	}
	saved := r.b
	sc := jscan{s: s}
	sc.ws()
	if !sc.eat('[') {
		return nil, false
	}
	out = make([]Message, 0, 2)
	sc.ws()
	if sc.eat(']') {
		if !sc.end() {
			return nil, false
		}
		return out, true
	}
	for {
		sc.ws()
		m, good := r.scanMessage(&sc, defaultRole)
		if !good {
			r.b = saved
			return nil, false
		}
		out = append(out, m)
		sc.ws()
		if sc.eat(',') {
			continue
		}
		if sc.eat(']') && sc.end() {
			return out, true
		}
		r.b = saved
		return nil, false
	}
}

// scanPartList reads a JSON array of semconv parts (system instructions).
func (r *reader) scanPartList(s string) ([]Part, bool) {
	if len(s) > r.b.remaining*maxParseFactor+4096 {
		return nil, false
	}
	saved := r.b
	sc := jscan{s: s}
	sc.ws()
	parts, ok := r.scanParts(&sc)
	if !ok || !sc.end() {
		r.b = saved
		return nil, false
	}
	return parts, true
}

// Message keys the typed decoder knows (matched case-insensitively there).
var messageKeys = [...]string{"role", "name", "finish_reason", "parts", "content", "tool_calls"}

// Part keys the typed decoder knows.
var partKeys = [...]string{"type", "content", "id", "name", "arguments", "response", "result", "modality", "mime_type", "uri", "file_id"}

func knownFold(keys []string, k string) bool {
	for _, w := range keys {
		if strings.EqualFold(w, k) {
			return true
		}
	}
	return false
}

func (r *reader) scanMessage(sc *jscan, defaultRole string) (Message, bool) {
	var m Message
	if !sc.eat('{') {
		return m, false
	}
	var role, name, finish string
	var seen uint8
	hasParts := false
	sc.ws()
	if !sc.eat('}') {
		for {
			sc.ws()
			k, ok := sc.key()
			if !ok {
				return m, false
			}
			sc.ws()
			var bit uint8
			switch k {
			case "role":
				bit = 1
				role, ok = sc.strOrNull()
			case "name":
				bit = 2
				name, ok = sc.strOrNull()
			case "finish_reason":
				bit = 4
				finish, ok = sc.strOrNull()
			case "parts":
				bit = 8
				m.Parts, ok = r.scanParts(sc)
				hasParts = true
			default:
				if knownFold(messageKeys[:], k) {
					return m, false // content, tool_calls or a case variant
				}
				ok = sc.skip(0)
			}
			if !ok || seen&bit != 0 {
				return m, false
			}
			seen |= bit
			sc.ws()
			if sc.eat(',') {
				continue
			}
			if sc.eat('}') {
				break
			}
			return m, false
		}
	}
	if !hasParts {
		return m, false
	}
	if role == "" {
		role = defaultRole
	}
	m.Role, m.OriginalRole = normalizeRole(role)
	m.Name = name
	m.FinishReason = NormalizeFinishReason(finish)
	return m, true
}

// scanParts reads an array of part objects (not null: the typed decoder
// needs a non-nil list).
func (r *reader) scanParts(sc *jscan) ([]Part, bool) {
	if !sc.eat('[') {
		return nil, false
	}
	out := make([]Part, 0, 1)
	sc.ws()
	if sc.eat(']') {
		return out, true
	}
	for {
		sc.ws()
		var fp scanPart
		if !sc.part(&fp) {
			return nil, false
		}
		out = append(out, r.part(&fp, true))
		sc.ws()
		if sc.eat(',') {
			continue
		}
		if sc.eat(']') {
			return out, true
		}
		return nil, false
	}
}

// jscan is a position in a JSON text. checked is set when validJSON has
// accepted the text: a string then only needs its end found, not a second
// check for control characters and invalid UTF-8.
type jscan struct {
	s       string
	i       int
	checked bool
	// quoteFrom, quote: the last search of nextQuote (from, and 1 + the
	// index found; 0: none).
	quoteFrom, quote int
}

// nextQuote returns the index of the first quote at or after i. The last
// one found still is when i lies between where that search began and it:
// a string with many escapes is read a run at a time, and each run would
// search on to the string's end again (quadratic in its length).
func (sc *jscan) nextQuote(i int) (int, bool) {
	if q := sc.quote - 1; sc.quoteFrom <= i && i <= q {
		return q, true
	}
	q := strings.IndexByte(sc.s[i:], '"')
	if q < 0 {
		return 0, false
	}
	sc.quoteFrom, sc.quote = i, i+q+1
	return i + q, true
}

// run is scanRun on sc.s, on a checked text without the checks (ascii is
// then true: no UTF-8 validation is needed).
func (sc *jscan) run(i int) (end int, ascii, ok bool) {
	s := sc.s
	// Most strings (keys, roles, types) end within 16 bytes: a word at a
	// time ends them before a vectorized search pays off. Bytes passed over
	// here are printable ASCII, neither quote nor backslash.
	from := i
	for ; from+8 <= len(s) && from < i+16; from += 8 {
		if m := stops(load64(s, from)); m != 0 {
			k := from + bits.TrailingZeros64(m)>>3
			if c := s[k]; c == '"' || c == '\\' {
				return k, true, true
			}
			break
		}
	}
	q, ok := sc.nextQuote(from)
	if !ok {
		return 0, false, false
	}
	if !sc.checked {
		return scanSeg(s, from, q)
	}
	if b := strings.IndexByte(s[from:q], '\\'); b >= 0 {
		q = from + b
	}
	return q, true, true
}

// stops flags the bytes of w that end or complicate a string run: a quote,
// a backslash, a control character, a non-ASCII byte. The lowest flag is
// exact (a flag above it may be a borrow).
func stops(w uint64) uint64 {
	q, b := w^(lsb*'"'), w^(lsb*'\\')
	return ((q-lsb)&^q | (b-lsb)&^b | (w-0x20*lsb)&^w | w) & msb
}

func (sc *jscan) ws() {
	// Compact JSON has none: one comparison ends the common case.
	for sc.i < len(sc.s) && sc.s[sc.i] <= ' ' {
		switch sc.s[sc.i] {
		case ' ', '\t', '\n', '\r':
			sc.i++
		default:
			return
		}
	}
}

func (sc *jscan) eat(c byte) bool {
	if sc.i < len(sc.s) && sc.s[sc.i] == c {
		sc.i++
		return true
	}
	return false
}

// end reports whether only whitespace is left.
func (sc *jscan) end() bool {
	sc.ws()
	return sc.i == len(sc.s)
}

// key reads an object key and its colon. Keys with escapes or non-ASCII
// bytes are refused (the typed decoder folds them in ways not worth
// repeating).
func (sc *jscan) key() (string, bool) {
	if !sc.eat('"') {
		return "", false
	}
	s, start := sc.s, sc.i
	i := start
	for ; i+8 <= len(s); i += 8 {
		if m := stops(load64(s, i)); m != 0 {
			i += bits.TrailingZeros64(m) >> 3
			break
		}
	}
	for i < len(s) && s[i] != '"' && s[i] != '\\' && s[i] >= 0x20 && s[i] < utf8.RuneSelf {
		i++
	}
	if i >= len(s) || s[i] != '"' {
		return "", false
	}
	sc.i = i + 1
	sc.ws()
	return s[start:i], sc.eat(':')
}

// strOrNull reads a string value; null reads as "" (the typed decoder leaves
// the field empty).
func (sc *jscan) strOrNull() (string, bool) {
	if sc.i < len(sc.s) && sc.s[sc.i] == 'n' {
		return "", sc.lit("null")
	}
	return sc.str()
}

func (sc *jscan) lit(w string) bool {
	if strings.HasPrefix(sc.s[sc.i:], w) {
		sc.i += len(w)
		return true
	}
	return false
}

const (
	lsb = 0x0101010101010101
	msb = 0x8080808080808080
)

// str reads a string value: a substring of the text when it has no escapes
// and is a large part of the text, else a copy. Invalid UTF-8 is refused.
func (sc *jscan) str() (string, bool) {
	if !sc.eat('"') {
		return "", false
	}
	s := sc.s
	start := sc.i
	end, ascii, ok := sc.run(start)
	if !ok {
		return "", false
	}
	if s[end] == '\\' {
		sc.i = end
		return sc.unescape(start)
	}
	sc.i = end + 1
	out := s[start:end]
	if !ascii && !utf8.ValidString(out) {
		return "", false
	}
	if 4*len(out) < len(s) {
		if c, ok := common(out); ok {
			return c, true
		}
		// A small piece of a large document is copied: a kept value (a
		// model name, a system prompt) must not pin the whole attribute in
		// memory.
		out = strings.Clone(out)
	}
	return out, true
}

// scanRun finds the first quote or backslash at or after i, checking that
// no control character comes before it; ascii reports that every byte
// before it is ASCII. ok is false on a control character or when there is
// no quote.
func scanRun(s string, i int) (end int, ascii, ok bool) {
	q := strings.IndexByte(s[i:], '"')
	if q < 0 {
		return 0, false, false
	}
	return scanSeg(s, i, i+q)
}

// scanSeg is scanRun given q, the index of the first quote at or after i.
func scanSeg(s string, i, q int) (end int, ascii, ok bool) {
	seg := s[i:q]
	if b := strings.IndexByte(seg, '\\'); b >= 0 {
		seg = seg[:b]
	}
	// Text is mostly printable ASCII: a byte outside 0x20..0x7f sets its
	// top bit in w|(w-0x20*lsb) (a borrow only flags bytes above a flagged
	// one), so clean 32-byte blocks cost one test; the first other block
	// goes to the exact loops below.
	j := 0
	for ; j+32 <= len(seg); j += 32 {
		blk := seg[j : j+32]
		a, b, c, d := load64(blk, 0), load64(blk, 8), load64(blk, 16), load64(blk, 24)
		if (a|(a-0x20*lsb)|b|(b-0x20*lsb)|c|(c-0x20*lsb)|d|(d-0x20*lsb))&msb != 0 {
			break
		}
	}
	var acc uint64
	for ; j+16 <= len(seg); j += 16 {
		w, v := load64(seg, j), load64(seg, j+8)
		if ((w-0x20*lsb)&^w|(v-0x20*lsb)&^v)&msb != 0 {
			return 0, false, false
		}
		acc |= w | v
	}
	for ; j+8 <= len(seg); j += 8 {
		w := load64(seg, j)
		if (w-0x20*lsb)&^w&msb != 0 {
			return 0, false, false
		}
		acc |= w
	}
	for ; j < len(seg); j++ {
		c := seg[j]
		if c < 0x20 {
			return 0, false, false
		}
		acc |= uint64(c)
	}
	return i + len(seg), acc&msb == 0, true
}

// load64 reads 8 bytes little-endian. Slicing first leaves one bounds
// check, and the compiler then merges the byte loads into one.
func load64(s string, i int) uint64 {
	w := s[i : i+8]
	return uint64(w[0]) | uint64(w[1])<<8 | uint64(w[2])<<16 | uint64(w[3])<<24 |
		uint64(w[4])<<32 | uint64(w[5])<<40 | uint64(w[6])<<48 | uint64(w[7])<<56
}

// commonValues are the short strings every message repeats (roles, part
// types, finish reasons, the keys of messages and tool schemas).
var commonValues = [...]string{
	"user", "assistant", "system", "tool", "developer", "model", "human", "ai",
	"text", "stop", "tool_call", "tool_call_response", "tool_calls", "tool-call", "tool-result", "tool_use", "tool_result",
	"function", "reasoning", "image", "image_url", "url", "uri", "blob", "file", "length",
	"role", "content", "type", "parts", "name", "messages", "finish_reason", "id", "arguments", "input", "output",
	"response", "result", "args", "toolCallId", "toolName", "description", "parameters", "properties",
	"required", "items", "enum", "default", "title", "object", "string", "array", "number", "integer", "boolean",
	"additionalProperties", "$schema", "modality", "mime_type", "kwargs", "lc", "choices", "message", "prompt",
	"page_content", "metadata", "score", "document", "documents", "query", "temperature", "max_tokens", "top_p",
}

// commonTable holds commonValues by commonSlot, probing linearly: a probe
// costs less than hashing the whole string for a map.
var commonTable = func() (t [256]string) {
	for _, c := range commonValues {
		h := commonSlot(c)
		for t[h] != "" && t[h] != c {
			h++
		}
		t[h] = c
	}
	return t
}()

// commonSlot hashes the length, first and last byte of a non-empty s.
func commonSlot(s string) uint8 {
	return uint8((uint32(len(s)) | uint32(s[0])<<8 | uint32(s[len(s)-1])<<16) * 0x9E3779B1 >> 24)
}

// common returns the constant for a common short value, so that it costs
// neither a copy nor a reference into the document.
func common(s string) (string, bool) {
	if len(s) > 20 || s == "" {
		return "", false
	}
	for h := commonSlot(s); commonTable[h] != ""; h++ {
		if commonTable[h] == s {
			return commonTable[h], true
		}
	}
	return "", false
}

// unescape continues a string with escapes from sc.i (at a backslash);
// start is where the string's text began.
func (sc *jscan) unescape(start int) (string, bool) {
	s := sc.s
	var b strings.Builder
	b.Grow(len(s) - start)
	b.WriteString(s[start:sc.i])
	i := sc.i
	for i < len(s) {
		c := s[i]
		switch {
		case c == '"':
			sc.i = i + 1
			out := b.String()
			if !utf8.ValidString(out) {
				return "", false
			}
			return out, true
		case c < 0x20:
			return "", false
		case c != '\\':
			j, _, ok := sc.run(i)
			if !ok {
				return "", false
			}
			b.WriteString(s[i:j])
			i = j
			continue
		}
		if i+1 >= len(s) {
			return "", false
		}
		switch s[i+1] {
		case '"', '\\', '/':
			b.WriteByte(s[i+1])
		case 'b':
			b.WriteByte('\b')
		case 'f':
			b.WriteByte('\f')
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 't':
			b.WriteByte('\t')
		case 'u':
			rr := hex4(s, i+2)
			if rr < 0 {
				return "", false
			}
			i += 6
			if utf16.IsSurrogate(rr) {
				// As encoding/json: a valid pair is one rune, anything
				// else is the replacement character.
				if i+1 < len(s) && s[i] == '\\' && s[i+1] == 'u' {
					if rr1 := hex4(s, i+2); rr1 >= 0 {
						if dec := utf16.DecodeRune(rr, rr1); dec != utf8.RuneError {
							i += 6
							b.WriteRune(dec)
							continue
						}
					}
				}
				rr = utf8.RuneError
			}
			b.WriteRune(rr)
			continue
		default:
			return "", false
		}
		i += 2
	}
	return "", false
}

func hex4(s string, i int) rune {
	if i+4 > len(s) {
		return -1
	}
	var r rune
	for _, c := range []byte(s[i : i+4]) {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c = c - 'a' + 10
		case 'A' <= c && c <= 'F':
			c = c - 'A' + 10
		default:
			return -1
		}
		r = r*16 + rune(c)
	}
	return r
}

// raw reads any value as text, as rawText does for the typed decoder:
// strings unquoted, anything else exactly as sent. null is refused (the
// typed decoder's handling of it is not worth repeating).
func (sc *jscan) raw() (string, bool) {
	if sc.i >= len(sc.s) {
		return "", false
	}
	switch sc.s[sc.i] {
	case '"':
		return sc.str()
	case 'n':
		return "", false
	}
	start := sc.i
	if !sc.skip(0) {
		return "", false
	}
	return sc.s[start:sc.i], true
}

// maxSkipDepth bounds the nesting of values skipped or kept raw.
const maxSkipDepth = 64

// skip validates and passes over one value.
func (sc *jscan) skip(depth int) bool { return sc.value(depth, false) }

// value passes over one value. strict is valid's grammar (encoding/json's
// acceptance: strings checked without being built, numbers a float64
// holds); otherwise skip's (strings decoded, any number of the grammar).
func (sc *jscan) value(depth int, strict bool) bool {
	if depth > maxSkipDepth || sc.i >= len(sc.s) {
		return false
	}
	str := func() bool {
		if strict {
			return sc.validStr()
		}
		_, ok := sc.str()
		return ok
	}
	switch c := sc.s[sc.i]; {
	case c == '"':
		return str()
	case c == '{':
		sc.i++
		sc.ws()
		if sc.eat('}') {
			return true
		}
		for {
			sc.ws()
			if !str() {
				return false
			}
			sc.ws()
			if !sc.eat(':') {
				return false
			}
			sc.ws()
			if !sc.value(depth+1, strict) {
				return false
			}
			sc.ws()
			if sc.eat(',') {
				continue
			}
			return sc.eat('}')
		}
	case c == '[':
		sc.i++
		sc.ws()
		if sc.eat(']') {
			return true
		}
		for {
			sc.ws()
			if !sc.value(depth+1, strict) {
				return false
			}
			sc.ws()
			if sc.eat(',') {
				continue
			}
			return sc.eat(']')
		}
	case c == 't':
		return sc.lit("true")
	case c == 'f':
		return sc.lit("false")
	case c == 'n':
		return sc.lit("null")
	case c == '-' || ('0' <= c && c <= '9'):
		start := sc.i
		if !sc.number() {
			return false
		}
		if !strict || sc.checked {
			return true
		}
		// encoding/json refuses numbers a float64 cannot hold.
		_, err := strconv.ParseFloat(sc.s[start:sc.i], 64)
		return err == nil
	}
	return false
}

// number passes over a JSON number (RFC 8259 grammar).
func (sc *jscan) number() bool {
	s, i := sc.s, sc.i
	if i < len(s) && s[i] == '-' {
		i++
	}
	switch {
	case i < len(s) && s[i] == '0':
		i++
	case i < len(s) && '1' <= s[i] && s[i] <= '9':
		for i < len(s) && '0' <= s[i] && s[i] <= '9' {
			i++
		}
	default:
		return false
	}
	if i < len(s) && s[i] == '.' {
		i++
		d := i
		for i < len(s) && '0' <= s[i] && s[i] <= '9' {
			i++
		}
		if i == d {
			return false
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		d := i
		for i < len(s) && '0' <= s[i] && s[i] <= '9' {
			i++
		}
		if i == d {
			return false
		}
	}
	sc.i = i
	return true
}

// part reads one part object into fp.
func (sc *jscan) part(fp *scanPart) bool {
	if !sc.eat('{') {
		return false
	}
	sc.ws()
	if sc.eat('}') {
		return true
	}
	var seen uint16
	for {
		sc.ws()
		k, ok := sc.key()
		if !ok {
			return false
		}
		sc.ws()
		var bit uint16
		switch k {
		case "type":
			bit = 1 << 0
			fp.typ, ok = sc.strOrNull()
		case "content":
			bit = 1 << 1
			fp.content, ok = sc.strOrNull()
		case "id":
			bit = 1 << 2
			fp.id, ok = sc.strOrNull()
		case "name":
			bit = 1 << 3
			fp.name, ok = sc.strOrNull()
		case "arguments":
			bit = 1 << 4
			fp.arguments, ok = sc.raw()
		case "response":
			bit = 1 << 5
			fp.response, ok = sc.raw()
			fp.hasResponse = true
		case "result":
			bit = 1 << 6
			fp.result, ok = sc.raw()
		case "modality":
			bit = 1 << 7
			fp.modality, ok = sc.strOrNull()
		case "mime_type":
			bit = 1 << 8
			fp.mimeType, ok = sc.strOrNull()
		case "uri":
			bit = 1 << 9
			fp.uri, ok = sc.strOrNull()
		case "file_id":
			bit = 1 << 10
			fp.fileID, ok = sc.strOrNull()
		default:
			if knownFold(partKeys[:], k) {
				return false
			}
			ok = sc.skip(0)
		}
		if !ok || seen&bit != 0 {
			return false
		}
		seen |= bit
		sc.ws()
		if sc.eat(',') {
			continue
		}
		return sc.eat('}')
	}
}

// maxAnyDepth bounds the nesting fastAny builds; deeper documents go to
// encoding/json.
const maxAnyDepth = 128

// fastAny decodes a JSON document into the values encoding/json produces
// for an `any` target (map[string]any, []any, string, float64, bool, nil),
// reading the text once and keeping unescaped strings as substrings. ok is
// false when it cannot be sure to match encoding/json (invalid JSON, invalid
// UTF-8, numbers float64 cannot hold, deep nesting): the caller then uses
// encoding/json, which decides.
func fastAny(s string) (any, bool) {
	sc := jscan{s: s}
	sc.ws()
	x, ok := sc.anyValue(0)
	if !ok || !sc.end() {
		return nil, false
	}
	return x, true
}

func (sc *jscan) anyValue(depth int) (any, bool) {
	if depth > maxAnyDepth || sc.i >= len(sc.s) {
		return nil, false
	}
	switch c := sc.s[sc.i]; {
	case c == '"':
		return sc.str()
	case c == '{':
		sc.i++
		m := make(map[string]any)
		sc.ws()
		if sc.eat('}') {
			return m, true
		}
		for {
			sc.ws()
			k, ok := sc.str()
			if !ok {
				return nil, false
			}
			sc.ws()
			if !sc.eat(':') {
				return nil, false
			}
			sc.ws()
			v, ok := sc.anyValue(depth + 1)
			if !ok {
				return nil, false
			}
			m[k] = v
			sc.ws()
			if sc.eat(',') {
				continue
			}
			if sc.eat('}') {
				return m, true
			}
			return nil, false
		}
	case c == '[':
		sc.i++
		a := []any{}
		sc.ws()
		if sc.eat(']') {
			return a, true
		}
		for {
			sc.ws()
			v, ok := sc.anyValue(depth + 1)
			if !ok {
				return nil, false
			}
			a = append(a, v)
			sc.ws()
			if sc.eat(',') {
				continue
			}
			if sc.eat(']') {
				return a, true
			}
			return nil, false
		}
	case c == 't':
		return true, sc.lit("true")
	case c == 'f':
		return false, sc.lit("false")
	case c == 'n':
		return nil, sc.lit("null")
	case c == '-' || ('0' <= c && c <= '9'):
		start := sc.i
		if !sc.number() {
			return nil, false
		}
		f, err := strconv.ParseFloat(sc.s[start:sc.i], 64)
		if err != nil {
			return nil, false
		}
		return f, true
	}
	return nil, false
}
