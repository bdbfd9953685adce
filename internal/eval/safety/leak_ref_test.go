package safety

// The raw reading and run of prompt_leak as they were before sysWords.scan
// (copied unchanged but for the names): the reference the single pass is
// held to (leak_scan_test.go).

import (
	"slices"

	"github.com/periscope-otel/periscope/internal/eval"
)

// evaluateRef is Evaluate with runRef.
func (e *PromptLeak) evaluateRef(in *eval.Input) eval.Result {
	p := getPrepared(in)
	defer putPrepared(p)
	return e.runRef(p)
}

func (e *PromptLeak) runRef(p *prepared) eval.Result {
	if p.sys.raw == "" || p.out.raw == "" {
		return eval.Result{Skipped: true, Label: "no_system"}
	}
	out := p.out.normalized()
	s := p.resetScorer()
	var k *keptSystem
	if !plainSysOff {
		if k = e.keptSystem(p); k != nil {
			p.sw, p.sysNorm = k.words, k.norm
		}
	}
	// A plain system text is read without normalising it; the usual long
	// one, with nothing in common with the answer, is done with then. The
	// early exit needs an answer under a quarter of the system text's
	// normalised length, which is at most its raw length + 2: for a longer
	// answer the raw read would be thrown away.
	possible := false // leakPossible said so from the raw reading
	if !plainSysOff && len(out.Text)*4 < len(p.sys.raw)+2 {
		if k == nil && !p.sys.done && p.plain.readRef(p.sys.raw) {
			p.sw = &p.plain
		}
		if w := p.sw; w != nil && len(w.hashes) > 6 && len(out.Text)*4 < w.normLen {
			if !p.leakPossibleRef(nil, out) {
				return e.finish(p, s)
			}
			possible = true
		}
	}
	if k != nil && k.long && (len(out.Text)*4 >= len(k.norm) || possible) {
		// (From the normalised text leakPossible says what it said from
		// the raw reading, see TestPromptLeakPlainSystem.)
		leakOverlap(&p.grams, out, k.instr, s)
		return e.finish(p, s)
	}
	sys := p.sys.normalized()
	long := hasMoreWords(sys, 6)
	if long && (len(out.Text)*4 >= len(sys.Text) || p.leakPossibleRef(sys, out)) {
		// A short answer is first checked against every sentence
		// (leakPossible): most share no 4-gram with any choice of
		// instruction sentences.
		leakOverlap(&p.grams, out, p.instructionHashes(sys), s)
	} else if !long {
		p.words = appendWords(p.words[:0], sys)
		leakShort(sys, out, p.words, s)
	}
	return e.finish(p, s)
}

func (p *prepared) leakPossibleRef(sys, out *Normalized) bool {
	g := &p.grams
	oh := appendWordHashes(g.out[:0], out, nil)
	g.out = oh
	if len(oh) < 4 {
		return false
	}
	g.reset(len(oh))
	for i := 0; i+4 <= len(oh); i++ {
		g.add(gramAt(oh, i))
	}
	p.flags = append(p.flags[:0], make([]uint8, len(oh))...)
	var outWords wordSet
	for _, h := range oh {
		outWords.add(h)
	}
	// A 4-gram of the answer ends with one of its word pairs: a sys 4-gram
	// whose last two words are no pair of the answer needs no hash.
	var pairs pairBits
	for i := 2; i+1 < len(oh); i++ {
		pairs.add(oh[i], oh[i+1])
	}
	raw := p.sys.raw
	var a, b, c uint64 // the last three words read
	words := 0
	ends := sentenceEnds{next: [4]int{-1, -1, -1, -1}}
	lo := 0 // the first byte of sys at or after start (plain: the first word)
	for start := 0; start < len(raw); {
		end := ends.after(raw, start)
		var hs []uint64 // the words of the sentence
		if sys == nil {
			hi := lo
			for hi < len(p.sw.starts) && int(p.sw.starts[hi]) < end {
				hi++
			}
			hs, lo = p.sw.hashes[lo:hi], hi
		} else {
			hi, _ := slices.BinarySearch(sys.Off[lo:], int32(end))
			hi += lo
			p.hashes = appendHashesIn(p.hashes[:0], sys.Text, lo, hi)
			hs, lo = p.hashes, hi
		}
		for _, h := range hs {
			if words++; words >= 4 && pairs.has(c, h) && g.has(gramHash(a, b, c, h)) {
				return true
			}
			a, b, c = b, c, h
		}
		if n := len(hs); n > 0 {
			markWord(oh, p.flags, &outWords, hs[0], startsSentence)
			markWord(oh, p.flags, &outWords, hs[n-1], endsSentence)
		}
		start = end
	}
	for i := 0; i+1 < len(oh); i++ {
		if p.flags[i]&endsSentence != 0 && p.flags[i+1]&startsSentence != 0 {
			return true
		}
	}
	return false
}

func (w *sysWords) readRef(s string) bool {
	w.hashes, w.starts = w.hashes[:0], w.starts[:0]
	w.normLen = 1
	singles := 0
	for i := 0; i < len(s); {
		b := s[i]
		if b >= 0x80 {
			return false
		}
		if asciiFold[b] == 0 {
			if leetBefore(s, i) {
				return false
			}
			i++
			continue
		}
		// Letters eight at a time (as plainWords copies them): the chunks
		// are the hash's, aligned to the word's start. A word that runs to
		// the last eight bytes, or into a digit or a symbol, is read byte
		// by byte below.
		if isASCIILetter(b) {
			j, added := i, false
			var h, tail uint64
			for j+8 <= len(s) {
				c, k := foldLetters8(load8(s, j))
				if hasRun3(c, k, tail) {
					return false
				}
				if k == 8 {
					h, j, tail = mixWord(h, c), j+8, c>>48
					continue
				}
				if j += k; !wordByte(s[j]) && !leetBefore(s, j) {
					if !w.addRef(s, i, j, mixWord(h, c&(1<<(8*k)-1)), &singles) {
						return false
					}
					i, added = j, true
				}
				break
			}
			if added {
				continue
			}
		}
		j := i
		letters, digits := false, false
		var p1, p2 byte // the last two bytes of the word
		for ; j < len(s); j++ {
			c := s[j]
			if c >= 0x80 {
				return false
			}
			f := asciiFold[c]
			if f == 0 {
				if leetBefore(s, j) {
					return false
				}
				break
			}
			if f >= 'a' {
				if f == p1 && f == p2 {
					return false
				}
				letters = true
			} else {
				digits = true
			}
			p2, p1 = p1, f
		}
		if letters && digits {
			return false
		}
		if !w.addRef(s, i, j, hashFolded(s[i:j]), &singles) {
			return false
		}
		i = j
	}
	if len(w.hashes) == 0 {
		w.normLen = 2
	}
	return true
}

func (w *sysWords) addRef(s string, i, j int, h uint64, singles *int) bool {
	if j-i == 1 && isASCIILetter(s[i]) {
		if *singles++; *singles == 3 {
			return false
		}
	} else {
		*singles = 0
	}
	w.hashes = append(w.hashes, h)
	w.starts = append(w.starts, int32(i))
	w.normLen += j - i + 1
	return true
}
