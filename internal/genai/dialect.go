package genai

import (
	"encoding/json"
	"strings"

	"go.opentelemetry.io/collector/pdata/pcommon"
)

// Dialect key tables.
//
// Every attribute key the reader knows is declared once, in the table of
// the dialect that writes it (dialect_*.go): what the key feeds in the View
// (a canonical field and its precedence, a token count, a request
// parameter, a pricing input, or a handler), whether it holds content, and
// the semconv key genai_normalize writes in its place. The reader applies
// the rows through keyswitch.go, generated from these tables
// (TestKeySwitchIsGenerated): one string switch per attribute with each
// row's action unrolled, no hashing and no allocation; should the file be
// stale, init notices (a digest of the rows) and the reader walks the rows
// instead. IsContentKey, View.Replaced and the key lists other components
// need are derived from the same tables, so a new dialect is one file (plus
// a handler in handlers.go when a key needs parsing).

// act is what the reader does with a key's value.
type act uint8

const (
	aNone     act = iota // known (content classification, replacement) but not read
	aMark                // only marks the dialect
	aStr                 // string field: field=strField, prio=slot
	aStrUnq              // the same, MLflow JSON-encoded string
	aProvider            // provider name, normalized: prio=slot
	aProvUnq             // the same, MLflow JSON-encoded string
	aTokens              // token count: field=intField, prio=slot
	aParam               // request parameter: field=ParamField bit index, prio
	aCost                // reported cost in USD: prio
	aExtra               // pricing input: field=extraField
	aFunc                // handled by fn
)

// keyClass says what an attribute holds, for redaction.
type keyClass uint8

const (
	classMeta    keyClass = iota // identifiers, models, counts, parameters
	classContent                 // message text, tool arguments and results, documents, free-form metadata
)

// keySpec is one row of a dialect table.
type keySpec struct {
	key   string
	act   act
	field uint8 // strField, intField, ParamField bit index or extraField (by act)
	prio  uint8 // precedence among the keys feeding one field: lower wins
	mark  mark  // dialect evidence the key carries (0: none, e.g. shared gen_ai.* keys)
	class keyClass
	// semconv is the key genai_normalize writes in this key's place:
	// remove_originals deletes the key once that replacement is present.
	// Empty: the key is kept.
	semconv string
	h       hnd    // act == aFunc: the handler
	src     string // hPrompt, hTemplate: the prompt-identity source family
}

// prefixSpec is a family of keys sharing a prefix (flattened messages,
// documents, template variables): rest is the key after the prefix.
type prefixSpec struct {
	prefix string
	mark   mark
	class  keyClass
	// semconv as in keySpec; indexed limits it to keys whose rest starts
	// with a digit (gen_ai.prompt.0.content, not gen_ai.prompt.variable.x).
	semconv string
	indexed bool
	h       phnd // 0: mark only
}

// dialectTables lists every dialect's exact keys and prefix families.
// Order matters only among prefixes: the first matching prefix wins.
var dialectTables = []struct {
	keys     []keySpec
	prefixes []prefixSpec
}{
	{semconvKeys, semconvPrefixes},
	{semconvLegacyKeys, semconvLegacyPrefixes},
	{otelKeys, nil},
	{openllmetryKeys, openllmetryPrefixes},
	{openinferenceKeys, openinferencePrefixes},
	{openlitKeys, nil},
	{vercelKeys, vercelPrefixes},
	{langfuseKeys, langfusePrefixes},
	{logfireKeys, logfirePrefixes},
	{mlflowKeys, mlflowPrefixes},
	{providerKeys, nil},
}

// maxKeys bounds the number of exact keys plus prefix families; View.Sources
// holds one bit each.
const maxKeys = 64 * len(Sources{}.bits)

var (
	keyTable    []keySpec    // every exact key; index = Sources bit
	prefixTable []prefixSpec // every prefix family; Sources bit = len(keyTable) + index
	prefixFirst [256][]uint8 // prefix families by first byte, in table order
	prefixHead  []word8      // by prefixTable index: its first bytes
)

// word8 is up to 8 leading bytes of a string as a word, and the mask of
// those present.
type word8 struct{ w, mask uint64 }

func head8(s string) word8 {
	if len(s) >= 8 {
		return word8{load64(s, 0), ^uint64(0)}
	}
	var h word8
	for i := 0; i < len(s); i++ {
		h.w |= uint64(s[i]) << (8 * i)
		h.mask |= 0xff << (8 * i)
	}
	return h
}

func init() {
	seen := make(map[string]bool, 400)
	for _, t := range dialectTables {
		for _, s := range t.keys {
			if seen[s.key] {
				panic("genai: dialect key declared twice: " + s.key)
			}
			if (s.act == aFunc) != (s.h != hNone) {
				panic("genai: dialect key with a handler but not act aFunc, or the reverse: " + s.key)
			}
			seen[s.key] = true
			keyTable = append(keyTable, s)
		}
		for _, p := range t.prefixes {
			prefixFirst[p.prefix[0]] = append(prefixFirst[p.prefix[0]], uint8(len(prefixTable)))
			prefixTable = append(prefixTable, p)
			prefixHead = append(prefixHead, head8(p.prefix))
		}
	}
	if len(keyTable)+len(prefixTable) > maxKeys {
		panic("genai: more dialect keys than View.Sources holds")
	}
	// keyswitch.go is generated from these tables; should it be stale (a
	// table edited without regenerating it, which its test reports), the
	// reader falls back to a map rather than dispatch keys to wrong rows.
	if tablesDigest() != keySwitchDigest {
		keyFallback = make(map[string]int, len(keyTable))
		for j := range keyTable {
			keyFallback[keyTable[j].key] = j
		}
	}
}

// tablesDigest fingerprints every row (FNV-1a): keyswitch.go records the
// digest of the rows it was generated from.
func tablesDigest() uint64 {
	h := uint64(14695981039346656037)
	add := func(s string) {
		for i := 0; i < len(s); i++ {
			h = (h ^ uint64(s[i])) * 1099511628211
		}
		h = (h ^ 0xff) * 1099511628211
	}
	for i := range keyTable {
		s := &keyTable[i]
		add(s.key)
		add(string([]byte{byte(s.act), s.field, s.prio, byte(s.mark), byte(s.mark >> 8), byte(s.class), byte(s.h)}))
		add(s.semconv)
		add(s.src)
	}
	return h
}

// keyFallback is set only when keyswitch.go does not match the tables.
var keyFallback map[string]int

// lookupKey returns the keyTable index of k: a generated string switch
// (keyswitch.go), which the compiler turns into a binary search on length
// then content, cheaper than hashing every attribute key into a map.
func lookupKey(k string) (int, bool) {
	i := keyTableIndex(k)
	if keyFallback != nil {
		i = fallbackIndex(k)
	}
	return i, i >= 0
}

func fallbackIndex(k string) int {
	if i, ok := keyFallback[k]; ok {
		return i
	}
	return -1
}

// lookupPrefix returns the index of the prefix family of k, or -1.
func lookupPrefix(k string) int {
	if k == "" {
		return -1
	}
	// Comparing the first word first spares most candidates a call.
	w := head8(k).w
	for _, i := range prefixFirst[k[0]] {
		if h := prefixHead[i]; w&h.mask == h.w && strings.HasPrefix(k, prefixTable[i].prefix) {
			return int(i)
		}
	}
	return -1
}

// attr (keyswitch.go) dispatches one attribute through the dialect tables.

// attrTable applies the table row of k: what attr (generated from the
// rows) does, used only when keyswitch.go is stale.
//
//go:noinline
func (r *reader) attrTable(k string, v pcommon.Value) {
	i := fallbackIndex(k)
	if i < 0 {
		r.prefixed(k, v)
		return
	}
	r.row(i, k, v)
}

// row applies table row i to the value of its key.
func (r *reader) row(i int, k string, v pcommon.Value) {
	s := &keyTable[i]
	r.v.Sources.set(i)
	r.marks |= s.mark
	switch s.act {
	case aStr:
		r.setStr(strField(s.field), int(s.prio), strVal(v))
	case aStrUnq:
		r.setStr(strField(s.field), int(s.prio), unquote(strVal(v)))
	case aProvider:
		r.setStr(fProvider, int(s.prio), NormalizeProvider(strVal(v)))
	case aProvUnq:
		r.setStr(fProvider, int(s.prio), NormalizeProvider(unquote(strVal(v))))
	case aTokens:
		r.setInt(intField(s.field), int(s.prio), k, v)
	case aParam:
		f := ParamField(1) << s.field
		if f == HasStopSequences {
			r.setStops(s.prio, stopsOf(v.AsRaw()))
		} else {
			r.setParamValue(k, f, s.prio, v)
		}
	case aCost:
		r.setCost(k, v, int(s.prio))
	case aExtra:
		r.v.Pricing.set(extraField(s.field), v)
	case aFunc:
		r.handle(s, k, v)
	}
}

// prefixed handles the flattened families keyed by index or name.
func (r *reader) prefixed(k string, v pcommon.Value) {
	i := lookupPrefix(k)
	if i < 0 {
		return
	}
	p := &prefixTable[i]
	r.v.Sources.set(len(keyTable) + i)
	r.marks |= p.mark
	if p.h != 0 {
		r.handlePrefix(p.h, k, k[len(p.prefix):], v)
	}
}

// Sources records which dialect keys (and key families) a View was read
// from: one bit per table row, no allocation.
type Sources struct {
	bits [8]uint64
}

func (s *Sources) set(i int)      { s.bits[i>>6] |= 1 << (i & 63) }
func (s *Sources) has(i int) bool { return s.bits[i>>6]&(1<<(i&63)) != 0 }

// Keys returns the keys (and key families, as "prefix*") the view was read
// from, in table order.
func (s Sources) Keys() []string {
	var out []string
	for i := range keyTable {
		if s.has(i) {
			out = append(out, keyTable[i].key)
		}
	}
	for i := range prefixTable {
		if s.has(len(keyTable) + i) {
			out = append(out, prefixTable[i].prefix+"*")
		}
	}
	return out
}

// MarshalJSON writes the source keys (for goldens and debugging).
func (s Sources) MarshalJSON() ([]byte, error) { return json.Marshal(s.Keys()) }

// Replacement is what View.Replaced reports about a source key.
type Replacement struct {
	// Semconv is the key genai_normalize writes in the source key's place.
	Semconv string
	// Content is set when the key holds content (kept when content was
	// not read or was truncated).
	Content bool
}

// Replaced reports whether the view was read from attribute k and k has a
// semconv replacement (genai_normalize's remove_originals deletes k once
// the replacement is present).
func (v *View) Replaced(k string) (Replacement, bool) {
	if i, ok := lookupKey(k); ok {
		s := &keyTable[i]
		if s.semconv == "" || !v.Sources.has(i) {
			return Replacement{}, false
		}
		return Replacement{Semconv: s.semconv, Content: s.class == classContent}, true
	}
	i := lookupPrefix(k)
	if i < 0 {
		return Replacement{}, false
	}
	p := &prefixTable[i]
	if p.semconv == "" || !v.Sources.has(len(keyTable)+i) {
		return Replacement{}, false
	}
	if p.indexed {
		rest := k[len(p.prefix):]
		if rest == "" || rest[0] < '0' || rest[0] > '9' {
			return Replacement{}, false
		}
	}
	return Replacement{Semconv: p.semconv, Content: p.class == classContent}, true
}

// ReplacementKeys returns the semconv keys that replace dialect keys, each
// once (genai_normalize checks their presence before removing originals).
func ReplacementKeys() []string {
	seen := map[string]bool{}
	var out []string
	add := func(k string) {
		if k != "" && !seen[k] {
			seen[k] = true
			out = append(out, k)
		}
	}
	for i := range keyTable {
		add(keyTable[i].semconv)
	}
	for i := range prefixTable {
		add(prefixTable[i].semconv)
	}
	return out
}

// metadataPrefixes are free-form metadata families an application fills
// with its own keys (often naming the customer): always content.
var metadataPrefixes = [...]string{
	"ai.telemetry.metadata.", // Vercel AI SDK
	"metadata.",              // OpenInference (flattened)
	"langfuse.trace.metadata.",
	"langfuse.observation.metadata.",
	"mlflow.traceTag.",
	"traceloop.association.properties.",
}

// eventBodyKeys are the attributes of per-message span events that carry
// the message itself when gen_ai.event.content is absent (the event's
// attributes are the body).
var eventBodyKeys = [...]string{"content", "message", "tool_calls", "parts"}

// IsContentKey reports whether attribute k may hold message content or
// free-form application data: the content keys of every dialect table, the
// flattened content families, free-form metadata, and the body attributes
// of per-message events. Redaction scans exactly these keys.
func IsContentKey(k string) bool {
	if i, ok := lookupKey(k); ok {
		return keyTable[i].class == classContent
	}
	// Free-form metadata before the families: langfuse.* and traceloop.*
	// are metadata families as a whole.
	for _, p := range metadataPrefixes {
		if strings.HasPrefix(k, p) {
			return true
		}
	}
	if strings.HasPrefix(k, "langfuse.") && strings.Contains(k, ".metadata.") {
		return true // langfuse.<scope>.metadata.<key> of any scope
	}
	if i := lookupPrefix(k); i >= 0 {
		return prefixTable[i].class == classContent
	}
	for _, b := range eventBodyKeys {
		if k == b {
			return true
		}
	}
	return false
}
