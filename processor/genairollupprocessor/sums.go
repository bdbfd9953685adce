package genairollupprocessor

import (
	"math"
	"strings"
)

// Bounds of the tool-call fingerprints kept per agent invocation.
const (
	maxCallKeys  = 64   // distinct (tool, arguments) pairs tracked per invocation
	maxCallCount = 1000 // a count saturates here (loop_threshold is at most this)
	maxToolName  = 128  // bytes of a tool name kept for periscope.rollup.loop_tool
)

// picoPerUSD: costs are added as integers of 10⁻¹² USD, so that a rollup is
// the exact decimal sum of its children (0.1 + 0.2 is 0.3, not
// 0.30000000000000004) and never depends on arrival order. The range
// (±9.2 million USD) is far above any trace.
const picoPerUSD = 1e12

// callCount counts the calls of one tool with one argument fingerprint.
type callCount struct {
	key  uint64
	n    uint16
	name string
}

// sums are the totals of the model and tool calls of a subtree.
type sums struct {
	costPico int64
	in, out  int64
	model    int64 // model calls
	priced   int64 // model calls that carried a cost
	tools    int64
	toolErrs int64
	// calls are the tool-call fingerprints of the current agent invocation;
	// an agent span (or local root) closes the scope and clears them.
	calls []callCount
}

func (s *sums) empty() bool { return s.model == 0 && s.tools == 0 }

func (s *sums) reset() {
	calls := s.calls[:0]
	*s = sums{calls: calls}
}

// add adds o into s. Counts saturate instead of wrapping.
func (s *sums) add(o *sums) {
	s.costPico = satAdd(s.costPico, o.costPico)
	s.in = satAdd(s.in, o.in)
	s.out = satAdd(s.out, o.out)
	s.model = satAdd(s.model, o.model)
	s.priced = satAdd(s.priced, o.priced)
	s.tools = satAdd(s.tools, o.tools)
	s.toolErrs = satAdd(s.toolErrs, o.toolErrs)
	for i := range o.calls {
		s.addCall(o.calls[i].key, o.calls[i].name, o.calls[i].n)
	}
}

// addModel adds the model-call part of o (not its tool calls).
func (s *sums) addModel(o *sums) {
	s.costPico = satAdd(s.costPico, o.costPico)
	s.in = satAdd(s.in, o.in)
	s.out = satAdd(s.out, o.out)
	s.model = satAdd(s.model, o.model)
	s.priced = satAdd(s.priced, o.priced)
}

// addTools adds the tool-call counts of o (fingerprints are added apart).
func (s *sums) addTools(o *sums) {
	s.tools = satAdd(s.tools, o.tools)
	s.toolErrs = satAdd(s.toolErrs, o.toolErrs)
}

func (s *sums) addCall(key uint64, name string, n uint16) {
	for i := range s.calls {
		if s.calls[i].key == key {
			c := int(s.calls[i].n) + int(n)
			if c > maxCallCount {
				c = maxCallCount
			}
			s.calls[i].n = uint16(c)
			return
		}
	}
	if len(s.calls) < maxCallKeys {
		s.calls = append(s.calls, callCount{key: key, n: n, name: name})
	}
}

// loop returns the tool called at least threshold times with the same
// arguments in the current scope.
func (s *sums) loop(threshold int) (string, bool) {
	for i := range s.calls {
		if int(s.calls[i].n) >= threshold {
			return s.calls[i].name, true
		}
	}
	return "", false
}

// clone copies s for the state (the calls slice and names are not shared
// with a batch).
func (s *sums) clone() *sums {
	c := *s
	if len(s.calls) > 0 {
		c.calls = make([]callCount, len(s.calls))
		for i, cc := range s.calls {
			cc.name = strings.Clone(cc.name)
			c.calls[i] = cc
		}
	} else {
		c.calls = nil
	}
	return &c
}

// cost is the total in USD.
func (s *sums) cost() float64 { return float64(s.costPico) / picoPerUSD }

// toPico converts a cost to 10⁻¹² USD; invalid values (NaN, infinite,
// negative, above a million USD for one call) are refused.
func toPico(usd float64) (int64, bool) {
	if math.IsNaN(usd) || usd < 0 || usd > 1e6 {
		return 0, false
	}
	return int64(math.Round(usd * picoPerUSD)), true
}

func satAdd(a, b int64) int64 {
	c := a + b
	if (c > a) == (b > 0) {
		return c
	}
	if b > 0 {
		return math.MaxInt64
	}
	return math.MinInt64
}

// bytes estimates the memory the sums hold in the state.
func (s *sums) bytes() int64 {
	n := int64(96)
	for i := range s.calls {
		n += 32 + int64(len(s.calls[i].name))
	}
	return n
}
