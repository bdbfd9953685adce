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
	if _, ok := m.Get(s); ok {
		t.Fatal("an empty memo answered")
	}
	if m.Admit(s) {
		t.Fatal("a text seen once was admitted")
	}
	if !m.Admit(s) {
		t.Fatal("a text seen twice was not admitted")
	}
	m.Put(s, 7)
	if v, ok := m.Get(s); !ok || v != 7 {
		t.Fatalf("Get = %d, %v; want 7, true", v, ok)
	}
	// Another text with the same length and ends: the fingerprint may
	// admit it, the memo never answers for it.
	other := s[:100] + "X" + s[101:]
	if len(other) != len(s) || fingerprint(other) != fingerprint(s) {
		t.Fatal("test text does not share the fingerprint")
	}
	if _, ok := m.Get(other); ok {
		t.Fatal("the memo answered for a different text of the same fingerprint")
	}
}

func TestSkipsShortAndLongTexts(t *testing.T) {
	var m Memo[int]
	for _, s := range []string{strings.Repeat("a", MinLen-1), strings.Repeat("a", MaxLen+1)} {
		m.Admit(s)
		if m.Admit(s) {
			t.Fatalf("a text of %d bytes was admitted", len(s))
		}
		m.Put(s, 1)
		if _, ok := m.Get(s); ok {
			t.Fatalf("a text of %d bytes was kept", len(s))
		}
	}
}

func TestEvictsTheOldest(t *testing.T) {
	var m Memo[int]
	for i := 0; i <= entries; i++ {
		m.Put(text(i), i)
	}
	if _, ok := m.Get(text(0)); ok {
		t.Fatal("the oldest entry was not evicted")
	}
	for i := 1; i <= entries; i++ {
		if v, ok := m.Get(text(i)); !ok || v != i {
			t.Fatalf("entry %d: Get = %d, %v", i, v, ok)
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
	if _, ok := m.Get(text(1)); !ok {
		t.Fatal("the kept text changed with the caller's memory")
	}
}

func TestConcurrentUse(t *testing.T) {
	var m Memo[int]
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Go(func() {
			for i := 0; i < 2000; i++ {
				s := text(i % 12)
				if v, ok := m.Get(s); ok {
					if v != i%12 {
						t.Errorf("text %d: got %d", i%12, v)
						return
					}
					continue
				}
				if m.Admit(s) {
					m.Put(s, i%12)
				}
			}
		})
	}
	wg.Wait()
}

func BenchmarkMiss(b *testing.B) {
	var m Memo[int]
	texts := make([]string, 1024)
	for i := range texts {
		texts[i] = text(i) + strings.Repeat("x", 1500)
	}
	i := 0
	for b.Loop() {
		s := texts[i%len(texts)]
		if _, ok := m.Get(s); !ok {
			m.Admit(s)
		}
		i++
	}
}
