package safety

// byteSet finds the next byte of a set: 32 bytes per step on CPUs with
// the vector scan, else byte by byte.
type byteSet struct {
	tab nibbleTables // the vector scan's tables
	has [256]bool
}

// nibbleTables: the low-nibble mask, then the set's low- and high-nibble tables
// (each 16 bytes, repeated for both lanes). A byte is in the set when the
// bits its low and its high nibble look up share one: high nibbles with the
// same low-nibble members share a bit, so any set of at most eight such
// groups is exact.
type nibbleTables struct {
	nib, lo, hi [32]byte
}

func newByteSet(has [256]bool) *byteSet {
	b := &byteSet{has: has}
	var groups [][16]bool
	for hi := range 16 {
		var lows [16]bool
		any := false
		for lo := range 16 {
			lows[lo] = has[hi<<4|lo]
			any = any || lows[lo]
		}
		if !any {
			continue
		}
		g := -1
		for k := range groups {
			if groups[k] == lows {
				g = k
			}
		}
		if g < 0 {
			if g = len(groups); g == 8 {
				panic("safety: a byte set of more than eight high-nibble groups")
			}
			groups = append(groups, lows)
		}
		b.tab.hi[hi], b.tab.hi[hi+16] = b.tab.hi[hi]|1<<g, b.tab.hi[hi+16]|1<<g
		for lo := range 16 {
			if lows[lo] {
				b.tab.lo[lo] |= 1 << g
				b.tab.lo[lo+16] |= 1 << g
			}
		}
	}
	for i := range b.tab.nib {
		b.tab.nib[i] = 0x0f
	}
	return b
}

// index returns the first i' >= i with s[i'] in the set, or len(s).
func (b *byteSet) index(s string, i int) int {
	if vectorScan && len(s)-i >= 32 {
		i += indexSet(s[i:], &b.tab)
	}
	for ; i < len(s); i++ {
		if b.has[s[i]] {
			return i
		}
	}
	return i
}
