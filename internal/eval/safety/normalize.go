// Package safety holds Periscope's deterministic safety evaluators:
// prompt_injection, jailbreak, pii, secrets, toxicity, refusal, prompt_leak
// and off_topic. They share one text normaliser and one multi-pattern
// automaton so that each text is scanned once for all patterns.
package safety

import (
	"bytes"
	"encoding/binary"
	"math/bits"
	"slices"
	"unicode/utf8"
)

// Normalized is a folded copy of a text: lowercase ASCII words separated by
// single spaces, with a leading and trailing space so that patterns can
// carry word boundaries as spaces. Off maps every byte of Text back to the
// byte offset in the original where it came from.
type Normalized struct {
	Text []byte
	Off  []int32
}

// fold maps a rune to a lowercase ASCII letter/digit or 0 when it is a
// separator. Homoglyphs, fullwidth forms and accented Latin letters fold to
// their ASCII look-alike.
func fold(r rune) byte {
	switch {
	case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
		return byte(r)
	case r >= 'A' && r <= 'Z':
		return byte(r) + 32
	case r < 0x80:
		return 0
	case r >= 0xFF21 && r <= 0xFF3A: // fullwidth A-Z
		return byte(r-0xFF21) + 'a'
	case r >= 0xFF41 && r <= 0xFF5A: // fullwidth a-z
		return byte(r-0xFF41) + 'a'
	case r >= 0xFF10 && r <= 0xFF19:
		return byte(r-0xFF10) + '0'
	case r >= 0x1D400 && r <= 0x1D6A3: // mathematical alphanumeric letters
		return byte((r-0x1D400)%26) + 'a'
	case r >= 0x24B6 && r <= 0x24CF: // circled A-Z
		return byte(r-0x24B6) + 'a'
	case r >= 0x24D0 && r <= 0x24E9: // circled a-z
		return byte(r-0x24D0) + 'a'
	}
	if b, ok := homoglyphs[r]; ok {
		return b
	}
	return 0
}

// isInvisible reports characters that render as nothing and are used to
// split words past filters.
func isInvisible(r rune) bool {
	switch r {
	case 0x00AD, 0x034F, 0x061C, 0x115F, 0x1160, 0x17B4, 0x17B5, 0x180E,
		0x200B, 0x200C, 0x200D, 0x200E, 0x200F, 0x2060, 0x2061, 0x2062,
		0x2063, 0x2064, 0xFEFF:
		return true
	}
	return r >= 0xFE00 && r <= 0xFE0F // variation selectors
}

var asciiFold = func() (t [128]byte) {
	for c := range t {
		t[c] = fold(rune(c))
	}
	return t
}()

var homoglyphs = map[rune]byte{
	// Latin-1 and Latin Extended-A letters with diacritics.
	'à': 'a', 'á': 'a', 'â': 'a', 'ã': 'a', 'ä': 'a', 'å': 'a', 'ā': 'a', 'ă': 'a', 'ą': 'a',
	'À': 'a', 'Á': 'a', 'Â': 'a', 'Ã': 'a', 'Ä': 'a', 'Å': 'a',
	'ç': 'c', 'ć': 'c', 'č': 'c', 'Ç': 'c', 'Č': 'c',
	'è': 'e', 'é': 'e', 'ê': 'e', 'ë': 'e', 'ē': 'e', 'ė': 'e', 'ę': 'e', 'ě': 'e',
	'È': 'e', 'É': 'e', 'Ê': 'e', 'Ë': 'e',
	'ì': 'i', 'í': 'i', 'î': 'i', 'ï': 'i', 'ī': 'i', 'į': 'i', 'ı': 'i',
	'Ì': 'i', 'Í': 'i', 'Î': 'i', 'Ï': 'i',
	'ñ': 'n', 'ń': 'n', 'ň': 'n', 'Ñ': 'n',
	'ò': 'o', 'ó': 'o', 'ô': 'o', 'õ': 'o', 'ö': 'o', 'ø': 'o', 'ō': 'o', 'ő': 'o',
	'Ò': 'o', 'Ó': 'o', 'Ô': 'o', 'Õ': 'o', 'Ö': 'o', 'Ø': 'o',
	'ù': 'u', 'ú': 'u', 'û': 'u', 'ü': 'u', 'ū': 'u', 'ů': 'u', 'ű': 'u',
	'Ù': 'u', 'Ú': 'u', 'Û': 'u', 'Ü': 'u',
	'ý': 'y', 'ÿ': 'y', 'Ý': 'y', 'ś': 's', 'š': 's', 'ş': 's', 'Š': 's',
	'ź': 'z', 'ż': 'z', 'ž': 'z', 'Ž': 'z', 'ł': 'l', 'Ł': 'l', 'ď': 'd', 'ť': 't', 'ř': 'r', 'ğ': 'g',
	// Cyrillic look-alikes.
	'а': 'a', 'А': 'a', 'в': 'b', 'В': 'b', 'е': 'e', 'Е': 'e', 'ё': 'e', 'к': 'k', 'К': 'k',
	'м': 'm', 'М': 'm', 'н': 'h', 'Н': 'h', 'о': 'o', 'О': 'o', 'р': 'p', 'Р': 'p',
	'с': 'c', 'С': 'c', 'т': 't', 'Т': 't', 'у': 'y', 'У': 'y', 'х': 'x', 'Х': 'x',
	'і': 'i', 'І': 'i', 'ї': 'i', 'ј': 'j', 'Ј': 'j', 'ѕ': 's', 'Ѕ': 's', 'ԁ': 'd', 'һ': 'h',
	'ԛ': 'q', 'ԝ': 'w', 'ɡ': 'g',
	// Greek look-alikes.
	'α': 'a', 'Α': 'a', 'β': 'b', 'Β': 'b', 'ε': 'e', 'Ε': 'e', 'η': 'n', 'Η': 'h', 'ι': 'i', 'Ι': 'i',
	'κ': 'k', 'Κ': 'k', 'μ': 'u', 'Μ': 'm', 'ν': 'v', 'Ν': 'n', 'ο': 'o', 'Ο': 'o', 'ρ': 'p', 'Ρ': 'p',
	'τ': 't', 'Τ': 't', 'υ': 'u', 'Υ': 'y', 'χ': 'x', 'Χ': 'x', 'Ζ': 'z', 'ς': 's',
}

// leet maps digits and symbols used in place of letters. It applies only
// inside a word that also contains letters, so numbers stay numbers.
func leet(b byte) byte {
	switch b {
	case '0':
		return 'o'
	case '1', '!', '|':
		return 'i'
	case '3':
		return 'e'
	case '4', '@':
		return 'a'
	case '5', '$':
		return 's'
	case '7', '+':
		return 't'
	case '8':
		return 'b'
	case '9':
		return 'g'
	}
	return 0
}

func isLeetSym(b byte) bool { return b == '@' || b == '$' || b == '!' || b == '|' || b == '+' }

// Normalize folds s for lexicon matching: case, homoglyphs, zero-width
// characters, leetspeak inside words, letter runs (fuuuck -> fuck) and
// spaced-out words (k i l l / k.i.l.l -> kill). Invalid UTF-8 bytes are
// separators. The output is at most len(s)+2 bytes, so both buffers are
// sized once and written by index; runs of lowercase ASCII letters, most of
// any text, take a short inner loop.
func Normalize(s string, dst *Normalized) {
	n := len(s) + 2
	text := slices.Grow(dst.Text[:0], n)[:n]
	off := slices.Grow(dst.Off[:0], n)[:n]
	text[0], off[0] = ' ', 0
	w := 1
	tokStart := -1
	var hasLetter, hasLeet bool
	var slow bool        // the current token needs the leet / run passes
	singles, run := 0, 0 // longest / current run of consecutive single-letter tokens
	for i := 0; i < len(s); {
		b := s[i]
		if tokStart < 0 && isASCIILetter(b) {
			// Most words need no rewriting: copy them whole.
			if ni, nw, nr, ns := plainWords(s, i, text, off, w, run, singles); ni > i {
				i, w, run, singles = ni, nw, nr, ns
				continue
			}
		}
		size := 1
		var c byte
		leetSym := false
		if b < utf8.RuneSelf {
			c = asciiFold[b]
			if c == 0 && isLeetSym(b) && i+1 < len(s) && s[i+1] < utf8.RuneSelf && asciiFold[s[i+1]] != 0 {
				c = b // a symbol inside or at the start of a word
				leetSym = true
			}
		} else {
			var r rune
			r, size = utf8.DecodeRuneInString(s[i:])
			if isInvisible(r) {
				i += size
				continue
			}
			c = fold(r)
		}
		if c == 0 {
			if tokStart >= 0 {
				w, run, singles = flushToken(text, off, tokStart, w, i, hasLetter, hasLeet, slow, run, singles)
				tokStart = -1
			}
			i += size
			continue
		}
		if tokStart < 0 {
			tokStart = w
			hasLetter, hasLeet, slow = false, false, false
		} else if w-tokStart >= 2 && text[w-1] == c && text[w-2] == c {
			slow = true // a run of three: collapse it
		}
		if leetSym {
			slow = true // symbols are mapped or dropped
			hasLeet = true
		}
		if c >= 'a' && c <= 'z' {
			hasLetter = true
		} else if c >= '0' && c <= '9' && leet(c) != 0 {
			hasLeet = true
		}
		text[w], off[w] = c, int32(i)
		w++
		i += size
		// Lowercase ASCII letters that follow: the same steps, in a
		// tighter loop (p1, p2: the token's last two bytes, 0 before it).
		p1, p2 := c, byte(0)
		if w-tokStart >= 2 {
			p2 = text[w-2]
		}
		w0 := w
		for i < len(s) && w < len(text) {
			b := s[i]
			if b-'a' >= 26 {
				break
			}
			if b == p1 && b == p2 {
				slow = true
			}
			text[w], off[w] = b, int32(i)
			p2, p1 = p1, b
			w++
			i++
		}
		if w > w0 {
			hasLetter = true
		}
	}
	if tokStart >= 0 {
		w, _, singles = flushToken(text, off, tokStart, w, len(s), hasLetter, hasLeet, slow, run, singles)
	}
	dst.Text, dst.Off = text[:w], off[:w]
	if singles >= 3 {
		joinSpaced(dst)
	}
	if len(dst.Text) == 1 {
		dst.Text = append(dst.Text, ' ')
		dst.Off = append(dst.Off, int32(len(s)))
	}
}

func isASCIILetter(b byte) bool { return (b|0x20)-'a' < 26 }

// plainWords copies the words of ASCII letters at s[i:] (case folded), each
// with the separator after it, to text[w:] (offsets to off) while the
// general loop would copy them unchanged: no letter run of three, and each
// ends at the end of s or at ASCII separators that do not start a token
// (plainSep). It counts single-letter words as flushToken does (run, singles)
// and returns the positions after the words copied (i, w: none).
func plainWords(s string, i int, text []byte, off []int32, w, run, singles int) (int, int, int, int) {
	for i < len(s) {
		d := w - i // text[j+d] receives s[j]
		j := i
		// Eight bytes at a time while they last (j+d+8 <= len(text):
		// the output is never ahead of the input by more than one
		// byte), then byte by byte. tail: the word's last two letters
		// (0: none), the last one in the high byte.
		var tail uint64
		k := 8 // letters in the last eight bytes read: 8, the word may go on
		for k == 8 && j+8 <= len(s) && isASCIILetter(s[j]) {
			var c uint64
			c, k = foldLetters8(load8(s, j))
			if hasRun3(c, k, tail) {
				return i, w, run, singles // the general loop collapses the run
			}
			putFolded8(text, off, j+d, j, c)
			j += k
			tail = c >> 48
		}
		if k == 8 {
			p1, p2 := byte(tail>>8), byte(tail)
			for ; j < len(s); j++ {
				c := s[j] | 0x20
				if c-'a' >= 26 {
					break
				}
				if c == p1 && c == p2 {
					return i, w, run, singles
				}
				text[j+d], off[j+d] = c, int32(j)
				p2, p1 = p1, c
			}
		}
		if j == i {
			// Not a word: a further separator (", ") the general
			// loop would skip, or the end of the plain words.
			if plainSep(s, i) {
				i++
				continue
			}
			break
		}
		if j < len(s) && s[j] != ' ' && !plainSep(s, j) {
			return i, w, run, singles
		}
		if j-i == 1 {
			run++
			singles = max(singles, run)
		} else {
			run = 0
		}
		text[j+d], off[j+d] = ' ', int32(j)
		w = j + d + 1
		i = min(j+1, len(s))
	}
	return i, w, run, singles
}

// plainSep reports whether s[i] is an ASCII separator that does not start
// a token (a leetspeak symbol before a letter or digit does).
func plainSep(s string, i int) bool {
	b := s[i]
	return b == ' ' || b < utf8.RuneSelf && asciiFold[b] == 0 &&
		!(isLeetSym(b) && i+1 < len(s) && s[i+1] < utf8.RuneSelf && asciiFold[s[i+1]] != 0)
}

// foldLetters8 reads eight bytes of text x (little-endian) as plainWords
// does byte by byte: it returns the bytes case-folded (those past the
// letters are to be overwritten) and the number of leading ASCII letters.
func foldLetters8(x uint64) (uint64, int) {
	const (
		toA   = 0x1f1f1f1f1f1f1f1f // + byte: high bit set from 'a' on
		pastZ = 0x0505050505050505 // ... and from 'z'+1 on
	)
	c := x | spaces8
	c7 := c &^ highs8 // no carry between bytes
	letter := (c7 + toA) &^ (c7 + pastZ) &^ x & highs8
	return c, bits.TrailingZeros64(^letter&highs8) >> 3
}

// hasRun3 reports whether one of the first k letters of c is the third of
// a run of one letter (tail: the two letters of the word before c, the
// last in the high byte; 0 for none).
func hasRun3(c uint64, k int, tail uint64) bool {
	// A zero byte of z: the letter equals the two before it.
	z := (c ^ (c<<8 | tail>>8)) | (c ^ (c<<16 | tail))
	m := (z - ones8) &^ z & highs8 // the lowest set byte is the first zero
	return bits.TrailingZeros64(m)>>3 < k
}

// putFolded8 writes eight folded bytes c to text[at:] and their offsets
// (from, from+1, ...) to off[at:].
func putFolded8(text []byte, off []int32, at, from int, c uint64) {
	binary.LittleEndian.PutUint64(text[at:], c)
	o := off[at : at+8 : at+8]
	f := int32(from)
	o[0], o[1], o[2], o[3], o[4], o[5], o[6], o[7] = f, f+1, f+2, f+3, f+4, f+5, f+6, f+7
}

// load8 reads s[j:j+8] as a little-endian word (one load).
func load8(s string, j int) uint64 {
	s = s[j : j+8]
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
}

// flushToken ends the token text[tokStart:w]: it maps leetspeak and drops
// symbols (slow tokens only), collapses letter runs, counts single-letter
// tokens and writes the separating space (original offset at). It returns
// the new write position and run counts.
func flushToken(text []byte, off []int32, tokStart, w, at int, hasLetter, hasLeet, slow bool, run, singles int) (int, int, int) {
	if !slow && !(hasLeet && hasLetter) {
		// Plain word: nothing to rewrite.
		if w-tokStart == 1 && hasLetter {
			run++
			singles = max(singles, run)
		} else {
			run = 0
		}
		text[w], off[w] = ' ', int32(at)
		return w + 1, run, singles
	}
	t := text[tokStart:w]
	o := off[tokStart:w]
	k := 0
	for i := 0; i < len(t); i++ {
		c := t[i]
		if hasLeet && hasLetter && (c < 'a' || c > 'z') {
			if l := leet(c); l != 0 {
				c = l
			}
		}
		if (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') {
			t[k] = c
			o[k] = o[i]
			k++
		}
	}
	// Collapse runs of 3+ identical letters to one (fuuuck -> fuck).
	t = t[:k]
	k = 0
	for i := 0; i < len(t); {
		j := i + 1
		for j < len(t) && t[j] == t[i] {
			j++
		}
		if j-i >= 3 && isLetter(t[i]) {
			t[k] = t[i]
			o[k] = o[i]
			k++
		} else {
			for m := i; m < j; m++ {
				t[k] = t[m]
				o[k] = o[m]
				k++
			}
		}
		i = j
	}
	if k == 1 {
		run++
		singles = max(singles, run)
	} else {
		run = 0
	}
	w = tokStart + k
	if k > 0 {
		text[w], off[w] = ' ', int32(at)
		w++
	}
	return w, run, singles
}

// joinSpaced joins runs of three or more single-letter words that sat one
// separator apart in the original ("k i l l", "k.i.l.l") into one word.
func joinSpaced(n *Normalized) {
	t, o := n.Text, n.Off
	w := 0
	for i := 0; i < len(t); {
		// t[i] is a space separating words; look for " x y z " patterns
		if t[i] == ' ' && i+2 < len(t) && isLetter(t[i+1]) && t[i+2] == ' ' {
			j := i + 1
			k := 0
			for j+1 < len(t) && isLetter(t[j]) && t[j+1] == ' ' && (k == 0 || o[j]-o[j-2] <= 6) {
				j += 2
				k++
			}
			if k >= 3 {
				t[w] = ' '
				o[w] = o[i]
				w++
				for p := i + 1; p < j; p += 2 {
					t[w] = t[p]
					o[w] = o[p]
					w++
				}
				i = j - 1 // continue at the space after the run
				continue
			}
		}
		// Up to the next space, where the next run may start: moved as a
		// block once a run has been joined, left in place before.
		e := len(t)
		if k := bytes.IndexByte(t[i+1:], ' '); k >= 0 {
			e = i + 1 + k
		}
		if w != i {
			copy(t[w:], t[i:e])
			copy(o[w:], o[i:e])
		}
		w += e - i
		i = e
	}
	n.Text = t[:w]
	n.Off = o[:w]
}

func isLetter(c byte) bool { return c >= 'a' && c <= 'z' }
