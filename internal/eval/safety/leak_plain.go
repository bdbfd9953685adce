package safety

// A long system prompt is prompt_leak's largest text, and most answers
// share no 4-gram with it. Its words are hashed straight from the raw text
// where that is plain (what Normalize would copy unchanged but for case):
// the normalised copy is only made when a leak is possible.

// sysWords is the word list of a plain text: each word's hash (as
// nextWord hashes the normalised word) and its offset in the raw text,
// the word count and the length of the normalised text. After scan only
// the count and the length are filled.
type sysWords struct {
	hashes  []uint64
	starts  []int32
	words   int
	normLen int
}

// read fills w from s and reports whether s is plain: ASCII, no leetspeak
// (a symbol before a letter or digit, digits among letters), no run of
// three of one letter and no three single letters in a row (Normalize
// rewrites those). w is then exactly what Normalize(s) gives its words.
func (w *sysWords) read(s string) bool { return w.scan(s, nil) }

// scan is read; with sc, the words are checked against the answer as they
// are read (leakPossible(nil, out) in the same pass, see leakScan) and
// not kept: a fresh long system text is read once, with no word lists
// stored and walked again.
func (w *sysWords) scan(s string, sc *leakScan) bool {
	w.hashes, w.starts = w.hashes[:0], w.starts[:0]
	words, normLen, singles := 0, 1, 0
	// With sc: the last word's hash, and whether a sentence ends between
	// it and the next word (plain words hold none of .!?\n: the bytes
	// between are read as separators below, or are one space); the first
	// word starts one.
	var c uint64
	ended := true
	for i := 0; i < len(s); {
		// Letters eight at a time (as plainWords copies them): the chunks
		// are the hash's, aligned to the word's start. No letter at i
		// (k is 0), a word that runs to the last eight bytes, or into a
		// digit or a symbol, is left to the byte loop below.
		j, h, ok := i, uint64(0), false
		var tail uint64
		for j+8 <= len(s) {
			r := load8(s, j)
			x, k := foldLetters8(r)
			if hasRun3(x, k, tail) {
				return false
			}
			if k == 8 {
				h, j, tail = mixWord(h, x), j+8, x>>48
				continue
			}
			// The byte after the word, s[j+k], is in r: mostly a space.
			if j += k; j > i && (byte(r>>(8*k)) == ' ' || !wordByte(s[j]) && !leetBefore(s, j)) {
				h, ok = mixWord(h, x&(1<<(8*k)-1)), true
			}
			break
		}
		if !ok {
			ch := s[i]
			if ch >= 0x80 {
				return false
			}
			if asciiFold[ch] == 0 {
				if leetBefore(s, i) {
					return false
				}
				ended = ended || ch == '.' || ch == '!' || ch == '?' || ch == '\n' // sentenceDelims
				i++
				continue
			}
			j = i
			letters, digits := false, false
			var p1, p2 byte // the last two bytes of the word
			for ; j < len(s); j++ {
				x := s[j]
				if x >= 0x80 {
					return false
				}
				f := asciiFold[x]
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
			h = hashFolded(s[i:j])
		}
		// No third single letter in a row.
		if j-i == 1 && isASCIILetter(s[i]) {
			if singles++; singles == 3 {
				return false
			}
		} else {
			singles = 0
		}
		words++
		normLen += j - i + 1
		if sc == nil {
			w.hashes = append(w.hashes, h)
			w.starts = append(w.starts, int32(i))
		} else {
			sc.last[words&3] = h
			if ended {
				sc.sentence(words, c, h)
				ended = false
			}
			if words >= 4 && sc.pairs.has(c, h) {
				sc.gram(words)
			}
			c = h
		}
		// A space after the word is passed here (the loop's test of it
		// would find a separator that is no leetspeak).
		if i = j; i < len(s) && s[i] == ' ' {
			i++
			if sc != nil {
				n := words
				if i, words, normLen, c, ok = letterRun(s, i, sc, words, normLen, c); !ok {
					return false
				}
				if words > n {
					singles = 0
				}
			}
		}
	}
	if words == 0 {
		normLen = 2
	} else if sc != nil {
		sc.mark(c, endsSentence)
	}
	w.words, w.normLen = words, normLen
	return true
}

// letterRun reads, as scan does with sc, the words from s[i:] of two to
// eight ASCII letters each followed by a space (most words of prose, all
// of a padding of words; single letters are left to scan, which counts
// them): a loop with no call, so nothing is spilled. It returns where it
// stopped (at any other word or byte, or at a word that ends a word pair
// of the answer: scan checks the 4-gram), the counts, the last word's
// hash, and false at a letter three times in a row.
func letterRun(s string, i int, sc *leakScan, words, normLen int, c uint64) (int, int, int, uint64, bool) {
	for i+8 <= len(s) {
		r := load8(s, i)
		x, k := foldLetters8(r)
		var h uint64
		switch {
		case k >= 2 && k < 8 && byte(r>>(8*k)) == ' ':
			h = mixWord(0, x&(1<<(8*k)-1))
		case k == 8 && i+8 < len(s) && s[i+8] == ' ':
			h = mixWord(mixWord(0, x), 0) // as nextWord: an empty last chunk
		default:
			return i, words, normLen, c, true
		}
		if hasRun3(x, k, 0) {
			return i, words, normLen, c, false
		}
		if words >= 3 && sc.pairs.has(c, h) {
			return i, words, normLen, c, true
		}
		words++
		sc.last[words&3] = h
		normLen += k + 1
		c = h
		i += k + 1
	}
	return i, words, normLen, c, true
}

// wordByte: s[j] could continue a word (a letter, a digit, non-ASCII).
func wordByte(c byte) bool { return c >= 0x80 || asciiFold[c] != 0 }

// leetBefore: s[i] is a leetspeak symbol that starts or continues a word.
func leetBefore(s string, i int) bool {
	return isLeetSym(s[i]) && i+1 < len(s) && s[i+1] < 0x80 && asciiFold[s[i+1]] != 0
}

// hashFolded is nextWord's hash of the word s (ASCII letters and digits)
// case folded: digits have bit 5 set already.
func hashFolded(s string) uint64 {
	var h uint64
	for len(s) >= 8 {
		h = mixWord(h, load8(s, 0)|spaces8)
		s = s[8:]
	}
	var x uint64
	for k := 0; k < len(s); k++ {
		x |= uint64(s[k]|0x20) << (8 * k)
	}
	return mixWord(h, x)
}

// plainSysOff turns the raw reading off (tests compare both ways).
var plainSysOff bool

// plainScanOff makes a fresh system text's raw reading keep its words and
// leakPossible walk them after (tests compare with the single pass).
var plainScanOff bool
