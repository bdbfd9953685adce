package textmask

// PhSlot stands for a declared template variable ({{name}}, {name}, ${name}).
const PhSlot = "<*>"

// Slot returns the token of a template variable.
func Slot() Token { return ph(PhSlot) }

// AppendTemplate tokenizes a declared or registered template whose
// variables are written {{name}}, {name} or ${name}; each variable becomes
// one Slot token. Text between variables is tokenized as by Append.
func AppendTemplate(dst []Token, tmpl string, opts Options) ([]Token, bool) {
	truncated := false
	if opts.MaxBytes > 0 && len(tmpl) > opts.MaxBytes {
		truncated = true
		tmpl = tmpl[:opts.MaxBytes]
	}
	o := opts
	o.MaxBytes = 0
	last := 0
	for i := 0; i < len(tmpl); i++ {
		start, end := placeholderAt(tmpl, i)
		if end < 0 {
			continue
		}
		dst, _ = Append(dst, tmpl[last:start], o)
		if n := len(dst); n == 0 || dst[n-1].Text != PhSlot {
			dst = append(dst, Slot())
		}
		last = end
		i = end - 1
	}
	dst, _ = Append(dst, tmpl[last:], o)
	return dst, truncated
}

// placeholderAt returns the extent of a variable starting at i, or end -1.
func placeholderAt(s string, i int) (int, int) {
	switch {
	case hasPrefixAt(s, i, "{{"):
		if e := indexFrom(s, i+2, "}}"); e > i+2 && e-i <= 80 && identLike(s[i+2:e], true) {
			return i, e + 2
		}
	case hasPrefixAt(s, i, "${"):
		if e := indexFrom(s, i+2, "}"); e > i+2 && e-i <= 80 && identLike(s[i+2:e], false) {
			return i, e + 1
		}
	case s[i] == '{':
		if e := indexFrom(s, i+1, "}"); e > i+1 && e-i <= 80 && identLike(s[i+1:e], false) {
			return i, e + 1
		}
	}
	return i, -1
}

// identLike accepts a variable name, optionally (mustache/jinja) with
// spaces, dots, filters and the like.
func identLike(s string, loose bool) bool {
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c == '_':
			n++
		case c >= '0' && c <= '9' && n > 0:
		case c == '.' || c == '[' || c == ']':
		case loose && (c == ' ' || c == '|' || c == '(' || c == ')' || c == '\'' || c == '"' || c == ',' || c == '-' || c == '#' || c == '/' || c == '^' || c == '&'):
		default:
			return false
		}
	}
	return n > 0
}

// Glob reports whether x can be rendered from the template t, whose Slot
// tokens match any run of tokens.
func Glob(t, x []Token) bool {
	slot := Slot().H
	ti, xi := 0, 0
	for ti < len(t) && t[ti].H != slot {
		if xi >= len(x) || x[xi].H != t[ti].H {
			return false
		}
		ti++
		xi++
	}
	if ti == len(t) {
		return xi == len(x)
	}
	te, xe := len(t), len(x)
	for te > ti && t[te-1].H != slot {
		if xe <= xi || x[xe-1].H != t[te-1].H {
			return false
		}
		te--
		xe--
	}
	for ti < te {
		if t[ti].H == slot {
			ti++
			continue
		}
		run := ti
		for run < te && t[run].H != slot {
			run++
		}
		pos := -1
	search:
		for p := xi; p+(run-ti) <= xe; p++ {
			for k := 0; k < run-ti; k++ {
				if x[p+k].H != t[ti+k].H {
					continue search
				}
			}
			pos = p
			break
		}
		if pos < 0 {
			return false
		}
		xi = pos + (run - ti)
		ti = run
	}
	return true
}

// Fingerprint hashes a token sequence (order-sensitive multiply-mix over the
// token hashes).
func Fingerprint(x []Token) uint64 {
	h := uint64(fnvOffset) ^ uint64(len(x))
	for _, k := range x {
		h = (h^k.H)*0x9e3779b97f4a7c15 + fnvPrime
		h ^= h >> 29
	}
	h = mix64(h)
	if h == 0 {
		h = 1
	}
	return h
}
