package drift

import (
	"unicode"
	"unicode/utf8"
)

// Output script / language categories. Latin text is refined into a
// language by stopword hits; every other script is its own category.
const (
	ScriptNone = iota // no output text
	LangEN
	LangES
	LangFR
	LangDE
	LangPT
	LangIT
	ScriptLatin // Latin script, language not recognised
	ScriptGreek
	ScriptCyrillic
	ScriptHebrew
	ScriptArabic
	ScriptDevanagari
	ScriptThai
	ScriptHan
	ScriptKana
	ScriptHangul
	ScriptOther
	NumScripts
)

// ScriptNames are the category names (documentation and debugging).
var ScriptNames = [NumScripts]string{
	"none", "en", "es", "fr", "de", "pt", "it", "latin", "greek", "cyrillic", "hebrew",
	"arabic", "devanagari", "thai", "han", "kana", "hangul", "other",
}

func runeScript(r rune) int {
	switch {
	case r < 0x80:
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' {
			return ScriptLatin
		}
		return -1
	case r < 0x250:
		if unicode.IsLetter(r) {
			return ScriptLatin
		}
		return -1
	case r >= 0x370 && r < 0x400:
		return ScriptGreek
	case r >= 0x400 && r < 0x530:
		return ScriptCyrillic
	case r >= 0x590 && r < 0x600:
		return ScriptHebrew
	case r >= 0x600 && r < 0x780:
		return ScriptArabic
	case r >= 0x900 && r < 0x980:
		return ScriptDevanagari
	case r >= 0xE00 && r < 0xE80:
		return ScriptThai
	case r >= 0x3040 && r < 0x3100:
		return ScriptKana
	case r >= 0x3400 && r < 0x4DC0, r >= 0x4E00 && r < 0xA000:
		return ScriptHan
	case r >= 0xAC00 && r < 0xD7B0:
		return ScriptHangul
	}
	if unicode.IsLetter(r) {
		return ScriptOther
	}
	return -1
}

// Stopwords: the most frequent function words of six Latin-script
// languages (to tell them apart) and of English (dropped from the topic
// signature). They are looked up by the FNV-1a hash of the lowercased word,
// which the scanners compute anyway, in a small open-addressing table.
const (
	stopTopic = 1 << 7
	stopSlots = 1024
)

var (
	stopKeys [stopSlots]uint64
	stopVals [stopSlots]uint8
)

func fnvString(w string) uint64 {
	var h uint64 = fnvOffset
	for i := 0; i < len(w); i++ {
		h = (h ^ uint64(w[i])) * fnvPrime
	}
	return h
}

func addStop(bit uint8, words ...string) {
	for _, w := range words {
		h := fnvString(w)
		i := h & (stopSlots - 1)
		for stopKeys[i] != 0 && stopKeys[i] != h {
			i = (i + 1) & (stopSlots - 1)
		}
		stopKeys[i] = h
		stopVals[i] |= bit
	}
}

// stopFlags returns the stopword bits of a word hash (0 when none).
func stopFlags(h uint64) uint8 {
	i := h & (stopSlots - 1)
	for stopKeys[i] != 0 {
		if stopKeys[i] == h {
			return stopVals[i]
		}
		i = (i + 1) & (stopSlots - 1)
	}
	return 0
}

func init() {
	addStop(1<<0, "the", "and", "is", "are", "of", "to", "in", "that", "it", "you", "for", "with", "this", "was", "have", "not", "be", "on", "as", "can", "will", "your")
	addStop(1<<1, "el", "la", "los", "las", "de", "que", "y", "es", "en", "un", "una", "por", "para", "con", "no", "del", "se", "su", "como", "más")
	addStop(1<<2, "le", "la", "les", "de", "des", "et", "est", "un", "une", "que", "pour", "dans", "pas", "vous", "sur", "avec", "ce", "il", "du", "au")
	addStop(1<<3, "der", "die", "das", "und", "ist", "nicht", "ein", "eine", "zu", "mit", "den", "sie", "ich", "es", "von", "auf", "für", "sind", "auch", "dem")
	addStop(1<<4, "o", "os", "as", "de", "que", "e", "é", "um", "uma", "não", "para", "com", "do", "da", "em", "se", "por", "mais", "você", "isso")
	addStop(1<<5, "il", "lo", "la", "gli", "le", "di", "che", "e", "è", "un", "una", "per", "non", "con", "del", "della", "sono", "si", "ma", "anche")
	addStop(stopTopic,
		"the", "and", "for", "are", "but", "not", "you", "all", "any", "can", "had", "her", "was", "one", "our",
		"out", "has", "him", "his", "how", "its", "may", "new", "now", "see", "two", "who", "did", "get", "let",
		"say", "she", "too", "use", "that", "with", "have", "this", "will", "your", "from", "they", "know", "want",
		"been", "good", "much", "some", "time", "very", "when", "come", "here", "just", "like", "long", "make",
		"many", "more", "only", "over", "such", "take", "than", "them", "well", "were", "what", "which", "would",
		"there", "their", "about", "could", "other", "these", "into", "then", "also", "please", "should", "does",
		"where", "why", "each", "give", "tell", "need", "i'm", "it's", "don't")
}

func countLang(h uint64, hits *[6]uint16) {
	bits := stopFlags(h)
	for i := range hits {
		if bits&(1<<i) != 0 {
			hits[i]++
		}
	}
}

// ClassifyScript returns the script / language category of the first
// maxBytes of s (ScriptNone for text without letters).
func ClassifyScript(s string, maxBytes int) int {
	if len(s) > maxBytes {
		s = s[:maxBytes]
	}
	var counts [NumScripts]uint16
	var langHits [6]uint16
	var h uint64 = fnvOffset
	inWord := false
	letters := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			i++
			if c >= 'A' && c <= 'Z' {
				c += 'a' - 'A'
			}
			if c >= 'a' && c <= 'z' {
				counts[ScriptLatin]++
				letters++
				h = (h ^ uint64(c)) * fnvPrime
				inWord = true
				continue
			}
			if inWord {
				countLang(h, &langHits)
				h, inWord = fnvOffset, false
			}
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		sc := runeScript(r)
		if sc == ScriptLatin {
			counts[sc]++
			letters++
			var buf [4]byte
			n := utf8.EncodeRune(buf[:], unicode.ToLower(r))
			for j := 0; j < n; j++ {
				h = (h ^ uint64(buf[j])) * fnvPrime
			}
			inWord = true
			continue
		}
		if inWord {
			countLang(h, &langHits)
			h, inWord = fnvOffset, false
		}
		if sc >= 0 {
			counts[sc]++
			letters++
		}
	}
	if inWord {
		countLang(h, &langHits)
	}
	if letters == 0 {
		return ScriptNone
	}
	best := ScriptLatin
	for sc := ScriptLatin; sc < NumScripts; sc++ {
		if counts[sc] > counts[best] {
			best = sc
		}
	}
	if best != ScriptLatin {
		return best
	}
	bl, bh := -1, uint16(0)
	for i, n := range langHits {
		if n > bh {
			bl, bh = i, n
		}
	}
	if bl < 0 || bh < 2 {
		return ScriptLatin
	}
	return LangEN + bl
}

// TopicBuckets is the size of the hashed bag-of-words topic signature.
const TopicBuckets = 64

const (
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211
)

func isCJK(r rune) bool {
	return r >= 0x3040 && r < 0x3100 || r >= 0x3400 && r < 0x4DC0 || r >= 0x4E00 && r < 0xA000
}

// Topic fills sig with the unit-mass topic signature of the first maxBytes
// of s: words (lowercased; stopwords and words of ≤ 2 bytes dropped;
// Han/Kana as rune bigrams) are hashed with FNV-1a into TopicBuckets; each
// word adds 1/L. It returns Σ share² (for the design effect) and false when
// s has no word.
func Topic(s string, maxBytes int, sig *[TopicBuckets]float32) (s2 float64, ok bool) {
	if len(s) > maxBytes {
		s = s[:maxBytes]
	}
	var counts [TopicBuckets]uint16
	total := 0
	var h uint64 = fnvOffset
	wl := 0
	var prevCJK rune = -1
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			i++
			if c >= 'A' && c <= 'Z' {
				c += 'a' - 'A'
			}
			if c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '\'' {
				h = (h ^ uint64(c)) * fnvPrime
				wl++
				prevCJK = -1
				continue
			}
		} else {
			r, size := utf8.DecodeRuneInString(s[i:])
			i += size
			if isCJK(r) {
				if wl > 2 && stopFlags(h)&stopTopic == 0 {
					counts[h&(TopicBuckets-1)]++
					total++
				}
				h, wl = fnvOffset, 0
				if prevCJK >= 0 {
					bh := uint64(fnvOffset)
					bh = (bh ^ uint64(prevCJK)) * fnvPrime
					bh = (bh ^ uint64(r)) * fnvPrime
					counts[bh&(TopicBuckets-1)]++
					total++
				}
				prevCJK = r
				continue
			}
			if unicode.IsLetter(r) {
				var buf [4]byte
				n := utf8.EncodeRune(buf[:], unicode.ToLower(r))
				for j := 0; j < n; j++ {
					h = (h ^ uint64(buf[j])) * fnvPrime
				}
				wl += n
				prevCJK = -1
				continue
			}
		}
		// A separator ends the word.
		if wl > 2 && stopFlags(h)&stopTopic == 0 {
			counts[h&(TopicBuckets-1)]++
			total++
		}
		h, wl = fnvOffset, 0
		prevCJK = -1
	}
	if wl > 2 && stopFlags(h)&stopTopic == 0 {
		counts[h&(TopicBuckets-1)]++
		total++
	}
	if total == 0 {
		return 0, false
	}
	inv := 1 / float64(total)
	for i, c := range counts {
		if c == 0 {
			continue
		}
		share := float64(c) * inv
		sig[i] += float32(share)
		s2 += share * share
	}
	return s2, true
}
