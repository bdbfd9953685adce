package textmask

import (
	"encoding/binary"
	"unicode/utf8"
)

// The masker as it was before its single-pass rewrite, kept as the
// reference the equivalence tests compare Append against.

func refAppend(dst []Token, text string, opts Options) ([]Token, bool) {
	truncated := false
	if opts.MaxBytes > 0 && len(text) > opts.MaxBytes {
		cut := opts.MaxBytes
		for cut > 0 && !utf8.RuneStart(text[cut]) {
			cut--
		}
		text = text[:cut]
		truncated = true
	}
	maxQ := opts.MaxQuoted
	if maxQ <= 0 {
		maxQ = defaultMaxQuoted
	}
	i := 0
	for i < len(text) {
		c := text[i]
		switch {
		case c == '\n' || c == '\r':
			n := 0
			j := i
			for j < len(text) {
				switch text[j] {
				case '\n':
					n++
					j++
					continue
				case '\r', ' ', '\t':
					j++
					continue
				}
				break
			}
			if n == 0 {
				n = 1
			}
			if n > 1 {
				dst = append(dst, refMk("\n\n", KindNewline))
			} else {
				dst = append(dst, refMk("\n", KindNewline))
			}
			i = j
		case c == ' ' || c == '\t' || c == '\f' || c == '\v':
			i++
		case c == '`' && hasPrefixAt(text, i, "```"):
			end := indexFrom(text, i+3, "```")
			if end < 0 {
				dst = append(dst, refMk("```", KindPunct))
				i += 3
				continue
			}
			i = end + 3
			dst = append(dst, refPh(PhCode))
		case c == '`' && opts.MaskQuoted:
			if end := closeOnLine(text, i+1, '`', maxQ); end > 0 {
				dst = append(dst, refPh(PhCode))
				i = end + 1
				continue
			}
			dst = append(dst, refMk(text[i:i+1], KindPunct))
			i++
		case c == '"' && opts.MaskQuoted:
			if end := closeOnLine(text, i+1, '"', maxQ); end > 0 {
				dst = append(dst, refPh(PhQuoted))
				i = end + 1
				continue
			}
			dst = append(dst, refMk(text[i:i+1], KindPunct))
			i++
		case c == '"' || c == '`':
			dst = append(dst, refMk(text[i:i+1], KindPunct))
			i++
		default:
			j := i
			var cls byte
			for j < len(text) {
				c := refByteClass[text[j]]
				if c&clsSpace != 0 {
					break
				}
				cls |= c
				j++
			}
			chunk := text[i:j]
			maybe := cls&(clsDigit|clsAt) != 0 || (chunk[0] == 'h' || chunk[0] == 'w') && len(chunk) > 4
			k := ""
			if maybe {
				k = chunkKind(chunk)
			}
			if k != "" {
				trim := len(chunk)
				for trim > 0 && isTrailPunct(chunk[trim-1]) {
					trim--
				}
				dst = append(dst, refPh(k))
				for t := trim; t < len(chunk); t++ {
					dst = append(dst, refMk(chunk[t:t+1], KindPunct))
				}
				i = j
				continue
			}
			dst = refAppendWords(dst, text, i, j)
			i = j
		}
	}
	return dst, truncated
}

var refByteClass = func() (t [256]byte) {
	for _, c := range []byte{' ', '\t', '\n', '\r', '\f', '\v', '"', '`'} {
		t[c] = clsSpace
	}
	for c := '0'; c <= '9'; c++ {
		t[c] = clsDigit
	}
	t['@'] = clsAt
	return t
}()

var refASCIIWord = func() (t [utf8.RuneSelf]bool) {
	for c := 0; c < utf8.RuneSelf; c++ {
		t[c] = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_'
	}
	return t
}()

func refAppendWords(dst []Token, text string, i, j int) []Token {
	for i < j {
		var r rune
		size := 1
		if b := text[i]; b < utf8.RuneSelf {
			r = rune(b)
		} else {
			r, size = utf8.DecodeRuneInString(text[i:j])
		}
		if r == '"' || r == '`' {
			dst = append(dst, refMk(text[i:i+size], KindPunct))
			i += size
			continue
		}
		if isWordRune(r) {
			k := i + size
			for k < j {
				if b := text[k]; b < utf8.RuneSelf {
					if !refASCIIWord[b] {
						break
					}
					k++
					continue
				}
				r2, s2 := utf8.DecodeRuneInString(text[k:j])
				if !isWordRune(r2) {
					break
				}
				k += s2
			}
			dst = append(dst, refWord(text[i:k]))
			i = k
			continue
		}
		dst = append(dst, refMk(text[i:i+size], KindPunct))
		i += size
	}
	return dst
}

func refWord(w string) Token {
	digits, letters := 0, 0
	for i := 0; i < len(w); i++ {
		c := w[i]
		switch {
		case c >= '0' && c <= '9':
			digits++
		case c == '_':
		default:
			letters++
		}
	}
	switch {
	case len(w) >= longToken:
		return refPh(PhLong)
	case letters == 0 && digits >= 3:
		return refPh(PhNumber)
	case digits >= 2 && letters > 0 && len(w) >= 6:
		return refPh(PhID)
	}
	return refMk(w, KindWord)
}

func refHash(s string) uint64 {
	h := uint64(fnvOffset) ^ uint64(len(s))*fnvPrime
	for len(s) >= 8 {
		h = mix64(h ^ binary.LittleEndian.Uint64([]byte(s[:8])))
		s = s[8:]
	}
	var v uint64
	for i := 0; i < len(s); i++ {
		v |= uint64(s[i]) << (8 * i)
	}
	return mix64(h ^ v)
}

func refMk(s string, k Kind) Token { return Token{H: refHash(s) ^ uint64(k), Text: s, Kind: k} }

func refPh(p string) Token {
	return Token{H: refHash(p) ^ uint64(KindMasked), Text: p, Kind: KindMasked}
}
