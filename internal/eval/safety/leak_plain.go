package safety

// A long system prompt is prompt_leak's largest text, and most answers
// share no 4-gram with it. Its words are hashed straight from the raw text
// where that is plain (what Normalize would copy unchanged but for case):
// the normalised copy is only made when a leak is possible.

// sysWords is the word list of a plain text: each word's hash (as
// nextWord hashes the normalised word) and its offset in the raw text,
// and the length of the normalised text.
type sysWords struct {
	hashes  []uint64
	starts  []int32
	normLen int
}

// read fills w from s and reports whether s is plain: ASCII, no leetspeak
// (a symbol before a letter or digit, digits among letters), no run of
// three of one letter and no three single letters in a row (Normalize
// rewrites those). w is then exactly what Normalize(s) gives its words.
func (w *sysWords) read(s string) bool {
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
					if !w.add(s, i, j, mixWord(h, c&(1<<(8*k)-1)), &singles) {
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
		if !w.add(s, i, j, hashFolded(s[i:j]), &singles) {
			return false
		}
		i = j
	}
	if len(w.hashes) == 0 {
		w.normLen = 2
	}
	return true
}

// add appends the word s[i:j] and its hash h; false at a third single
// letter in a row.
func (w *sysWords) add(s string, i, j int, h uint64, singles *int) bool {
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
