package genai

import (
	"strconv"
	"strings"

	"go.opentelemetry.io/collector/pdata/pcommon"
)

// maxFlat bounds the members of a flatObj; a larger object is decoded.
const maxFlat = 16

// flatObj is a JSON object of scalar members (strings, numbers, booleans,
// null) read in place. Usage and cost objects (Langfuse's usage_details
// and cost_details, MLflow's) are asked for a few keys each, which a
// decoded map answered at an allocation per member.
type flatObj struct {
	n    int
	key  [maxFlat]string
	kind [maxFlat]byte   // '"' string, '0' number, 't', 'f', 'n'
	str  [maxFlat]string // a string's value
	num  [maxFlat]float64
}

// read reads v when it is a string holding such an object that metaJSON
// would decode to the same members (fastAny's grammar: the same string and
// number readers); false leaves it to metaJSON, which then reports what it
// finds wrong.
func (o *flatObj) read(v pcommon.Value) bool {
	if scanOff || v.Type() != pcommon.ValueTypeStr {
		return false
	}
	s := strings.TrimSpace(v.Str())
	if len(s) > maxMetaJSON || !strings.HasPrefix(s, "{") {
		return false
	}
	sc := jscan{s: s}
	sc.i = 1
	o.n = 0
	sc.ws()
	if sc.eat('}') {
		return sc.end()
	}
	for {
		sc.ws()
		k, ok := sc.strView() // the object is read while s is
		if !ok || o.n == maxFlat {
			return false
		}
		sc.ws()
		if !sc.eat(':') {
			return false
		}
		sc.ws()
		if sc.i >= len(s) {
			return false
		}
		i := o.n
		o.key[i] = k
		switch c := s[sc.i]; {
		case c == '"':
			if o.str[i], ok = sc.strView(); !ok {
				return false
			}
			o.kind[i] = '"'
		case c == '-' || ('0' <= c && c <= '9'):
			start := sc.i
			if !sc.number() {
				return false
			}
			f, err := strconv.ParseFloat(s[start:sc.i], 64)
			if err != nil {
				return false
			}
			o.kind[i], o.num[i] = '0', f
		case c == 't' && sc.lit("true"), c == 'f' && sc.lit("false"), c == 'n' && sc.lit("null"):
			o.kind[i] = c
		default:
			return false // a nested value, or not JSON
		}
		o.n++
		sc.ws()
		if sc.eat(',') {
			continue
		}
		return sc.eat('}') && sc.end()
	}
}

// at returns the index of key's member (the last one, as a map keeps), or -1.
func (o *flatObj) at(key string) int {
	for i := o.n - 1; i >= 0; i-- {
		if o.key[i] == key {
			return i
		}
	}
	return -1
}

// intOf is num of the member's decoded value.
func (o *flatObj) intOf(key string) (int64, bool) {
	switch i := o.at(key); {
	case i < 0:
		return 0, false
	case o.kind[i] == '0':
		return num(o.num[i])
	case o.kind[i] == '"':
		return num(o.str[i])
	}
	return 0, false
}

// floatOf is fnum of the member's decoded value.
func (o *flatObj) floatOf(key string) (float64, bool) {
	if i := o.at(key); i >= 0 && o.kind[i] == '0' {
		return o.num[i], true
	}
	return 0, false
}

// usageKeys are the members a usage object's counts are read from, in
// order of preference, with the slot each count takes.
type usageKeys struct {
	f    intField
	slot int
	keys []string
}

var (
	langfuseUsageKeys = []usageKeys{
		{iInput, 6, []string{"input", "prompt_tokens", "input_tokens"}},
		{iOutput, 6, []string{"output", "completion_tokens", "output_tokens"}},
		{iTotal, 6, []string{"total", "total_tokens"}},
		{iCacheRead, 6, []string{"cache_read_input_tokens", "input_cached_tokens", "input_cache_read", "cached_tokens"}},
		{iCacheWrite, 6, []string{"cache_creation_input_tokens", "input_cache_creation", "cache_write_input_tokens"}},
		{iReasoning, 7, []string{"reasoning_tokens", "output_reasoning_tokens", "output_reasoning"}},
	}
	mlflowUsageKeys = []usageKeys{
		{iInput, 7, []string{"input_tokens", "prompt_tokens"}},
		{iOutput, 7, []string{"output_tokens", "completion_tokens"}},
		{iTotal, 7, []string{"total_tokens"}},
		{iCacheRead, 7, []string{"cache_read_input_tokens", "cached_tokens"}},
		{iCacheWrite, 7, []string{"cache_creation_input_tokens"}},
		{iReasoning, 8, []string{"reasoning_tokens"}},
	}
)

// usageObject reads a usage object's counts (uk) from v, in place when it
// is flat; false when it cannot be read (UsageUnreadable), true with
// nothing set when it is no object.
func (r *reader) usageObject(k string, v pcommon.Value, uk []usageKeys) (read, object bool) {
	var o flatObj
	if o.read(v) {
		for _, u := range uk {
			r.setIntFirst(u.f, u.slot, u.keys, o.intOf)
		}
		return true, true
	}
	m, _, ok := r.metaJSON(k, v)
	if !ok || m == nil {
		return ok, false
	}
	for _, u := range uk {
		r.setIntFrom(u.f, u.slot, m, u.keys...)
	}
	return true, true
}

// costMember is fnum of a cost object's member key, read in place when
// the object is flat; ok is false when there is no such number.
func (r *reader) costMember(k string, v pcommon.Value, key string) (float64, bool) {
	var o flatObj
	if o.read(v) {
		return o.floatOf(key)
	}
	m, _, ok := r.metaJSON(k, v)
	if !ok || m == nil {
		return 0, false
	}
	return fnum(m[key])
}
