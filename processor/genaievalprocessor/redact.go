package genaievalprocessor

import (
	"cmp"
	"context"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
	"unsafe"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"

	"github.com/periscope-otel/periscope/internal/eval"
	"github.com/periscope-otel/periscope/internal/eval/safety"
	"github.com/periscope-otel/periscope/internal/genai"
)

// redactor masks PII and secrets in content values. Replacements contain no
// quote or backslash and a masked range never contains one either, so a
// JSON document stored in a string attribute stays valid JSON.
type redactor struct {
	repl    map[string]string
	pii     map[string]bool
	secrets string // replacement for secrets; "" = keep
	// typeOpt labels the redactions counter per type, built once.
	typeOpt map[string]metric.AddOption
}

func newRedactor(cfg map[string]string) *redactor {
	r := &redactor{repl: map[string]string{}, pii: map[string]bool{}, typeOpt: map[string]metric.AddOption{}}
	for t, v := range cfg {
		r.typeOpt[t] = metric.WithAttributeSet(attribute.NewSet(attribute.String("type", t)))
		if t == RedactSecrets {
			r.secrets = v
			continue
		}
		r.repl[t] = v
		r.pii[t] = true
	}
	return r
}

// contentKey reports attribute keys that may carry message content or
// free-form application data, as the dialect tables of internal/genai
// classify them. Ids, models, addresses and counters are left alone.
func contentKey(k string) bool { return genai.IsContentKey(k) }

type span struct {
	a, b int
	repl string
	typ  string
}

// redaction is the redaction of one batch: working memory reused for every
// string, and the values masked per type, added to the counter once.
type redaction struct {
	r      *redactor
	sc     redactScratch
	counts map[string]int
}

func newRedaction(r *redactor) redaction {
	return redaction{r: r, counts: map[string]int{}}
}

// redactString returns s with every configured PII type and secret masked
// and counts the values masked per type.
//
// Content is often a JSON document in a string attribute, where line breaks
// and quotes are escape sequences: a key's body follows "\n", a token sits
// right after one. Such strings are scanned as the text they encode, and each
// finding is mapped back to whole escape sequences of s, so a mask covers the
// encoded value completely and never splits an escape. A range never crosses
// an unescaped quote: in a JSON document that ends the string value the
// finding started in.
func (rd *redaction) redactString(s string) (string, bool) {
	if len(s) < minMaskable {
		return s, false
	}
	r, sc := rd.r, &rd.sc
	// levels[0] is s, levels[k+1] levels[k] decoded; at[k] maps offsets of
	// levels[k+1] to levels[k]. JSON nested in JSON (a tool call's
	// arguments in a message list) takes two levels.
	var levels [maxEscapeLevels + 1]string
	at := &sc.at
	levels[0] = s
	depth := 0
	for depth < maxEscapeLevels && strings.IndexByte(levels[depth], '\\') >= 0 {
		sc.dec[depth], at[depth] = unescapeJSONTo(sc.dec[depth][:0], at[depth][:0], levels[depth])
		// A view of the reused buffer: the decoded levels never outlive
		// this call (findings are offsets).
		levels[depth+1] = unsafe.String(unsafe.SliceData(sc.dec[depth]), len(sc.dec[depth]))
		depth++
	}
	text := levels[depth]
	// raw maps a finding to whole escape sequences of s, cut at the first
	// quote that ends a string at any level.
	raw := func(a, b int) (int, int) {
		for k := depth - 1; k >= 0; k-- {
			b = quoteIn(levels[k+1], a, b)
			a, b = at[k].start(a), at[k].end(b)
		}
		return a, quoteIn(s, a, b)
	}
	found := sc.found[:0]
	if len(r.pii) > 0 {
		sc.fs = safety.ScanPII(text, eval.SideInput, r.pii, sc.fs[:0])
		for _, f := range sc.fs {
			a, b := raw(f.Start, f.End)
			found = append(found, span{a, b, r.repl[f.Rule], f.Rule})
		}
	}
	if r.secrets != "" {
		sc.fs, sc.hits = safety.ScanSecrets(text, eval.SideInput, sc.fs[:0], sc.hits)
		for _, f := range sc.fs {
			a, b := raw(f.Start, f.End)
			found = append(found, span{a, b, r.secrets, RedactSecrets})
		}
	}
	sc.found = found
	if len(found) == 0 {
		return s, false
	}
	return rd.mask(s, found)
}

// mask writes s with the found ranges replaced; overlapping ranges are
// clipped to what the earlier ones left.
func (rd *redaction) mask(s string, found []span) (string, bool) {
	slices.SortFunc(found, func(x, y span) int { return cmp.Compare(x.a, y.a) })
	var b strings.Builder
	b.Grow(len(s))
	pos := 0
	n := 0
	for _, f := range found {
		a, e := f.a, f.b
		if a < pos {
			a = pos
		}
		if e <= a {
			continue
		}
		b.WriteString(s[pos:a])
		b.WriteString(f.repl)
		pos = e
		n++
		rd.counts[f.typ]++
	}
	if n == 0 {
		return s, false
	}
	b.WriteString(s[pos:])
	return b.String(), true
}

// minMaskable is the shortest string any PII or secret rule matches in:
// a shorter one is left as it is.
const minMaskable = 5

// maxEscapeLevels bounds how deep JSON nested in JSON strings is decoded.
const maxEscapeLevels = 3

// escape is one decoded escape sequence: where it starts in the decoded
// and in the encoded text, and its length in each.
type escape struct{ dec, decN, raw, rawN int32 }

// escapes maps offsets of a decoded text back to the encoded text.
type escapes []escape

// find returns the index of the last escape starting at or before decoded
// offset i, or -1.
func (m escapes) find(i int) int {
	return sort.Search(len(m), func(j int) bool { return int(m[j].dec) > i }) - 1
}

// start maps the start of a range: inside an escape's output, the escape's start.
func (m escapes) start(i int) int {
	k := m.find(i)
	if k < 0 {
		return i
	}
	e := m[k]
	if i < int(e.dec+e.decN) {
		return int(e.raw)
	}
	return i - int(e.dec+e.decN) + int(e.raw+e.rawN)
}

// end maps the end of a range: inside an escape's output, the escape's end.
func (m escapes) end(i int) int {
	k := m.find(i - 1)
	if k < 0 {
		return i
	}
	e := m[k]
	if i <= int(e.dec+e.decN) {
		return int(e.raw + e.rawN)
	}
	return i - int(e.dec+e.decN) + int(e.raw+e.rawN)
}

// redactScratch is the reusable working memory of redactString: decoded
// levels, their escape maps, findings.
type redactScratch struct {
	dec   [maxEscapeLevels][]byte
	at    [maxEscapeLevels]escapes
	fs    []eval.Finding
	hits  []safety.Hit
	found []span
}

// trim drops huge buffers, so a pooled scratch does not keep them alive.
func (sc *redactScratch) trim() {
	for i := range sc.dec {
		if cap(sc.dec[i]) > 1<<20 {
			sc.dec[i], sc.at[i] = nil, nil
		}
	}
}

// unescapeJSON decodes the JSON escape sequences in s (a backslash that does
// not start one is kept as is) and returns where each sequence was.
func unescapeJSON(s string) (string, escapes) {
	b, m := unescapeJSONTo(nil, nil, s)
	return string(b), m
}

// unescapeJSONTo is unescapeJSON appending to dst and m.
func unescapeJSONTo(out []byte, m escapes, s string) ([]byte, escapes) {
	out = slices.Grow(out, len(s))
	for i := 0; i < len(s); {
		k := strings.IndexByte(s[i:], '\\')
		if k < 0 {
			out = append(out, s[i:]...)
			break
		}
		out = append(out, s[i:i+k]...)
		i += k
		if i+1 >= len(s) {
			out = append(out, '\\')
			break
		}
		var d byte
		switch s[i+1] {
		case '"', '\\', '/':
			d = s[i+1]
		case 'n':
			d = '\n'
		case 't':
			d = '\t'
		case 'r':
			d = '\r'
		case 'b':
			d = '\b'
		case 'f':
			d = '\f'
		case 'u':
			if r, n := unicodeEscape(s[i:]); n > 0 {
				dec := len(out)
				out = utf8.AppendRune(out, r)
				m = append(m, escape{int32(dec), int32(len(out) - dec), int32(i), int32(n)})
				i += n
				continue
			}
		}
		if d == 0 {
			// Not a JSON escape: a literal backslash, one byte for one.
			out = append(out, '\\')
			i++
			continue
		}
		m = append(m, escape{int32(len(out)), 1, int32(i), 2})
		out = append(out, d)
		i += 2
	}
	return out, m
}

// unicodeEscape decodes a \uXXXX sequence (a surrogate pair as one rune) at
// the start of s and returns the rune and the bytes consumed, 0 if invalid.
func unicodeEscape(s string) (rune, int) {
	hex := func(h string) (rune, bool) {
		v, err := strconv.ParseUint(h, 16, 32)
		return rune(v), err == nil
	}
	if len(s) < 6 {
		return 0, 0
	}
	r, ok := hex(s[2:6])
	if !ok {
		return 0, 0
	}
	if utf16.IsSurrogate(r) && len(s) >= 12 && s[6] == '\\' && s[7] == 'u' {
		if r2, ok := hex(s[8:12]); ok {
			if d := utf16.DecodeRune(r, r2); d != utf8.RuneError {
				return d, 12
			}
		}
	}
	return r, 6
}

// quoteIn returns the offset of the first unescaped quote in s[a:e], or e;
// a is on an escape-sequence boundary.
func quoteIn(s string, a, e int) int {
	for i := a; i < e; i++ {
		switch s[i] {
		case '\\':
			i++
		case '"':
			return i
		}
	}
	return e
}

// redactValue masks strings inside v (recursing into maps and slices) and
// reports whether it masked any.
func (rd *redaction) redactValue(v pcommon.Value, depth int) bool {
	if depth > 16 {
		return false
	}
	masked := false
	switch v.Type() {
	case pcommon.ValueTypeStr:
		if out, ok := rd.redactString(v.Str()); ok {
			v.SetStr(out)
			masked = true
		}
	case pcommon.ValueTypeMap:
		for _, x := range v.Map().All() {
			masked = rd.redactValue(x, depth+1) || masked
		}
	case pcommon.ValueTypeSlice:
		sl := v.Slice()
		for i := 0; i < sl.Len(); i++ {
			masked = rd.redactValue(sl.At(i), depth+1) || masked
		}
	}
	return masked
}

// maskable reports whether redactValue could mask anything in v: a string
// of at least redactString's minimum length, or a map or slice.
func maskable(v pcommon.Value) bool {
	switch v.Type() {
	case pcommon.ValueTypeStr:
		return len(v.Str()) >= minMaskable
	case pcommon.ValueTypeMap, pcommon.ValueTypeSlice:
		return true
	}
	return false
}

func (rd *redaction) redactAttrs(m pcommon.Map) bool {
	masked := false
	for k, v := range m.All() {
		// A value with nothing to mask (a number, a flag, a string too
		// short for any rule) needs no key classification.
		if maskable(v) && contentKey(k) {
			masked = rd.redactValue(v, 0) || masked
		}
	}
	return masked
}

// redactSpan masks the span's content and reports whether it masked any.
func (rd *redaction) redactSpan(s ptrace.Span) bool {
	masked := rd.redactAttrs(s.Attributes())
	evs := s.Events()
	for i := 0; i < evs.Len(); i++ {
		masked = rd.redactAttrs(evs.At(i).Attributes()) || masked
	}
	return masked
}

// redactLog masks a record's content and reports whether it masked any.
func (rd *redaction) redactLog(lr plog.LogRecord) bool {
	masked := rd.redactValue(lr.Body(), 0)
	return rd.redactAttrs(lr.Attributes()) || masked
}

// flush adds the batch's redactions to the counter and resets rd.
func (rd *redaction) flush(ctx context.Context, c metric.Int64Counter) {
	for t, n := range rd.counts {
		c.Add(ctx, int64(n), rd.r.typeOpt[t])
	}
	clear(rd.counts)
	rd.sc.trim()
}
