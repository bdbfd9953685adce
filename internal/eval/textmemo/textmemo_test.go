package textmemo

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"unsafe"
)

func text(i int) string {
	return fmt.Sprintf("prompt %d: ", i) + strings.Repeat("You are a support assistant. Answer briefly. ", 10)
}

func TestKeepsATextOnceItRecurs(t *testing.T) {
	var m Memo[int]
	s := text(1)
	if _, hit, keep := m.Lookup(s); hit || keep {
		t.Fatalf("first sighting: hit %v, keep %v", hit, keep)
	}
	if _, hit, keep := m.Lookup(s); hit || !keep {
		t.Fatalf("second sighting: hit %v, keep %v", hit, keep)
	}
	m.Put(s, 7)
	if v, hit, _ := m.Lookup(s); !hit || v != 7 {
		t.Fatalf("Lookup = %d, %v; want 7, true", v, hit)
	}
	// Another text with the same length and ends: the fingerprint may
	// admit it, the memo never answers for it.
	other := s[:100] + "X" + s[101:]
	if len(other) != len(s) || fingerprint(other) != fingerprint(s) {
		t.Fatal("test text does not share the fingerprint")
	}
	if _, hit, _ := m.Lookup(other); hit {
		t.Fatal("the memo answered for a different text of the same fingerprint")
	}
}

func TestSkipsShortAndLongTexts(t *testing.T) {
	var m Memo[int]
	for _, s := range []string{strings.Repeat("a", MinLen-1), strings.Repeat("a", MaxLen+1)} {
		m.Lookup(s)
		if _, _, keep := m.Lookup(s); keep {
			t.Fatalf("a text of %d bytes was admitted", len(s))
		}
		m.Put(s, 1)
		if m.Kept(s) {
			t.Fatalf("a text of %d bytes was kept", len(s))
		}
	}
}

func TestEvictsTheOldest(t *testing.T) {
	var m Memo[int]
	for i := 0; i <= entries; i++ {
		m.Put(text(i), i)
	}
	if m.Kept(text(0)) {
		t.Fatal("the oldest entry was not evicted")
	}
	for i := 1; i <= entries; i++ {
		if v, hit, _ := m.Lookup(text(i)); !hit || v != i {
			t.Fatalf("entry %d: Lookup = %d, %v", i, v, hit)
		}
	}
}

// The memo keeps its own copy: the span memory a text came from may be
// reused for other data.
func TestPutCopiesTheText(t *testing.T) {
	var m Memo[int]
	b := []byte(text(1))
	s := unsafe.String(unsafe.SliceData(b), len(b))
	m.Put(s, 1)
	b[0] = 'X'
	if !m.Kept(text(1)) {
		t.Fatal("the kept text changed with the caller's memory")
	}
}

// lookupKeep is how an evaluator uses the memo: Put what it derived when
// told to keep it.
func lookupKeep(m *Memo[int], s string, v int) bool {
	_, hit, keep := m.Lookup(s)
	if keep {
		m.Put(s, v)
	}
	return hit
}

// TestRestsWhenTextsDoNotRecur: distinct texts (and texts that only share
// the fingerprint, the costlier case: each is copied) rest the memo, for
// longer each time; a recurring text keeps it looking.
func TestRestsWhenTextsDoNotRecur(t *testing.T) {
	var m Memo[int]
	for i := 0; i < window; i++ {
		lookupKeep(&m, text(1000+i), i)
	}
	if !m.resting() || m.restLen != minRest {
		t.Fatalf("after a window of distinct texts: resting %v for %v, want %v", m.resting(), m.restLen, minRest)
	}
	// While resting, a recurring text is not even noted.
	lookupKeep(&m, text(1), 1)
	if _, _, keep := m.Lookup(text(1)); keep {
		t.Fatal("a resting memo admitted a text")
	}
	// Look-alikes: same length and ends, different middles.
	m.restUntil.Store(0)
	base := text(1)
	for i := 0; i < window; i++ {
		s := base[:100] + fmt.Sprintf("%04d", i) + base[104:]
		lookupKeep(&m, s, i)
	}
	if !m.resting() || m.restLen != 2*minRest {
		t.Fatalf("after a window of look-alikes: resting %v for %v, want %v", m.resting(), m.restLen, 2*minRest)
	}
	var r Memo[int]
	hits := 0
	for i := 0; i < 20*window; i++ {
		s := text(7)
		if i%2 == 1 {
			s = text(5000 + i) // distinct texts between the recurring one
		}
		if lookupKeep(&r, s, 7) {
			hits++
		}
	}
	if r.resting() || hits < 9*window {
		t.Fatalf("recurring text: resting %v, %d hits in %d lookups", r.resting(), hits, 20*window)
	}
}

func TestConcurrentUse(t *testing.T) {
	var m Memo[int]
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Go(func() {
			for i := 0; i < 2000; i++ {
				s := text(i % 6)
				v, hit, keep := m.Lookup(s)
				if hit && v != i%6 {
					t.Errorf("text %d: got %d", i%6, v)
					return
				}
				if keep {
					m.Put(s, i%6)
				}
			}
		})
	}
	wg.Wait()
}

// BenchmarkDistinct: the lookups of traffic whose texts never recur.
func BenchmarkDistinct(b *testing.B) {
	var m Memo[int]
	texts := make([]string, 1024)
	for i := range texts {
		texts[i] = text(i) + strings.Repeat("x", 1500)
	}
	i := 0
	for b.Loop() {
		lookupKeep(&m, texts[i%len(texts)], i)
		i++
	}
}

func BenchmarkDistinctParallel(b *testing.B) {
	var m Memo[int]
	texts := make([]string, 1024)
	for i := range texts {
		texts[i] = text(i) + strings.Repeat("x", 1500)
	}
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			lookupKeep(&m, texts[i%len(texts)], i)
			i++
		}
	})
}
