package miner

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/periscope-otel/periscope/processor/genaipromptprocessor/internal/textmask"
)

func call(sys, user string) []textmask.Token {
	x, _ := textmask.Append(nil, sys, textmask.Options{})
	x = append(x, textmask.Sep())
	x, _ = textmask.Append(x, user, textmask.Options{})
	return x
}

func TestMatchGeneralizesAndKeepsID(t *testing.T) {
	m := New(Params{})
	r1 := m.Match(call("", "Classify the sentiment of this review as positive or negative.\nReview: Great kettle, boils fast."))
	r2 := m.Match(call("", "Classify the sentiment of this review as positive or negative.\nReview: It broke after two days and support ignored me."))
	r3 := m.Match(call("", "Classify the sentiment of this review as positive or negative.\nReview: ok"))
	assert.True(t, r1.New)
	assert.False(t, r2.New)
	assert.Equal(t, r1.ID, r2.ID)
	assert.Equal(t, r1.ID, r3.ID)
	tmpl, ok := m.Template(r1.ID)
	require.True(t, ok)
	assert.Equal(t, "Classify the sentiment of this review as positive or negative .\nReview : <*>", tmpl)

	// an edited word after the template is established: new version, same family
	e := m.Match(call("", "Classify the sentiment of this review as positive, neutral or negative.\nReview: fine"))
	assert.True(t, e.New)
	assert.NotEqual(t, r1.ID, e.ID)
	assert.Equal(t, r1.Family, e.Family)
}

func TestSystemPromptWithFreeInput(t *testing.T) {
	m := New(Params{})
	sys := "You are Railtrip, an assistant that plans rail journeys in Europe. Prefer direct trains, give departure times in local time, and always mention whether a seat reservation is required. Do not book anything yourself."
	a := m.Match(call(sys, "Berlin to Prague?"))
	b := m.Match(call(sys, "Can I take my bike on the night train from Vienna?"))
	assert.Equal(t, a.ID, b.ID)
	// a short generic system prompt is no identity on its own
	c := m.Match(call("You are a helpful assistant.", "Translate into French: good morning"))
	d := m.Match(call("You are a helpful assistant.", "Write a haiku about autumn leaves"))
	assert.NotEqual(t, c.ID, d.ID)
}

func TestBoundsAndSnapshot(t *testing.T) {
	m := New(Params{MaxTemplates: 20, MaxBytes: 1 << 30})
	words := []string{"alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india", "juliet"}
	for i := range 200 {
		m.Match(call("", randomWords(uint64(i), 12)))
	}
	assert.LessOrEqual(t, m.Len(), 20)
	assert.Positive(t, m.Evicted())

	small := New(Params{MaxBytes: 4096})
	for i := range 50 {
		small.Match(call(fmt.Sprintf("system %d %s", i, words[i%10]), fmt.Sprintf("%s %s %s", words[(i*7)%10], words[(i*3)%10], words[i%10])))
	}
	assert.LessOrEqual(t, small.Bytes(), 4096+2048)

	// snapshot round trip keeps ids and templates
	r := m.Match(call("Answer the question from the context.", "Context: a b c\nQuestion: why?"))
	snap := m.Snapshot(0)
	m2 := New(Params{MaxTemplates: 20})
	n, err := m2.Restore(snap)
	require.NoError(t, err)
	assert.Equal(t, m.Len(), n)
	again := m2.Match(call("Answer the question from the context.", "Context: a b c\nQuestion: why?"))
	assert.Equal(t, r.ID, again.ID)
	assert.False(t, again.New)
	_, err = m2.Restore(snap[:len(snap)/2])
	assert.Error(t, err)
}

// TestManyDistinctPrompts: a million distinct prompts stay within the caps and
// the evictions are counted.
func TestManyDistinctPrompts(t *testing.T) {
	if testing.Short() {
		t.Skip("long")
	}
	m := New(Params{MaxTemplates: 1000, MaxBytes: 2 << 20})
	for i := range 1000000 {
		m.Match(call("", randomWords(uint64(i), 10)))
	}
	assert.LessOrEqual(t, m.Len(), 1000)
	assert.LessOrEqual(t, m.Bytes(), 2<<20)
	assert.GreaterOrEqual(t, m.Evicted(), uint64(900000))
}

// randomWords returns n pseudo-random 5-letter words, distinct per seed.
func randomWords(seed uint64, n int) string {
	const letters = "abcdefghijklmnopqrstuvwxyz"
	var b []byte
	v := seed*0x9e3779b97f4a7c15 + 1
	for w := range n {
		for range 5 {
			v = v*6364136223846793005 + 1442695040888963407
			b = append(b, letters[(v>>33)%26])
		}
		if w < n-1 {
			b = append(b, ' ')
		}
	}
	return string(b)
}

// TestRepeatKeepsTemplate replays the calls FuzzMaskAndMine found (its
// property: the same call matched twice gets one template). The last call
// generalized a template without its slot values being read; coming again,
// it was read as news and moved to a child template.
func TestRepeatKeepsTemplate(t *testing.T) {
	const tail = "\r\n\r\n\t\x00 extra words here"
	calls := [][2]string{
		{"c\x00\x01\x00\x00 \xef\xfe\r\n\r\n\t\x00", "caf\xc3( \xff\xfe\r\n\r\n\t\x00 exra words here"},
		{"c\x00\x01\x00\x00 \xff\xdd\r\"\n\r\n\t\x00", "caf\xc3( \xff\xfe" + tail},
		{"c\x00\x01\x00\x00 \xff", "caf\xc3( \xff\xfe" + tail},
		{"c\x00\x01\x00\x00 \xff\xdd\r\"\n", "caf\xc3( \xff\xfe" + tail},
		{"c\x00\x01\x00\x00 \xff\xdd\r\"\n\r\n\t", "caf\xc3( \xff\xfe" + tail},
		{"\x00\x01\x00\x00 \xff\xdd\r\"\n\r\n\t\x00", "caf\xc3( \xff\xfe" + tail},
		{"c\x00\x00\x00 \xff\xdd\r\"\n\r\n\t\x00", "caf\xc3( \xff\xfe" + tail},
		{"c\x00\x01\x00\x00 \xff\xdd\r\"\n\r\n\t\x00", "ca\xc3( \xff\xfe" + tail},
		{"c\x00\x01\x00\x00 \xff\xdd\r\"\n\r\n\t\x00", "caf( \xff\xfe" + tail},
		{"c\x00\x01\x00\x00 \xff\xdd\r\"\n\r\n\t\x00", "caf\xc3 \xff\xfe" + tail},
		{"c\x00\x01\x00\x00 \xff\xdd\r\"\n\r\n\t\x00", "caf\xc3( \xfe" + tail},
		{"c\x00\x01\x00\x00 \xff\xdd\r\"\n\r\n\t\x00", "caf\xc3( \xff" + tail},
		{"c\x00\x01\x00\x00 \xff\xdd\r\"\n\r\n\t\x00", "caf\xc3( \xff\xfe\r\r\n\t\x00 extra words here"},
	}
	repeatEach(t, calls)
}

// TestRepeatKeepsTemplateMoved replays 113 calls FuzzMaskAndMine found
// (testdata, one call per line as two quoted strings): a call moved to a
// child template that already existed, and the same call coming again
// was matched to the parent, the child not among its candidates.
func TestRepeatKeepsTemplateMoved(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("testdata", "repeat_moved.txt"))
	require.NoError(t, err)
	var calls [][2]string
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		sys, user, ok := strings.Cut(line, "\t")
		require.True(t, ok, line)
		var c [2]string
		c[0], err = strconv.Unquote(sys)
		require.NoError(t, err)
		c[1], err = strconv.Unquote(user)
		require.NoError(t, err)
		calls = append(calls, c)
	}
	require.Len(t, calls, 113)
	repeatEach(t, calls)
}

// repeatEach matches each call twice, masked as FuzzMaskAndMine masks it,
// and requires one template for both.
func repeatEach(t *testing.T, calls [][2]string) {
	t.Helper()
	m := New(Params{MaxTemplates: 64})
	for i, c := range calls {
		x, _ := textmask.Append(nil, c[0], textmask.Options{MaxBytes: 4096})
		tmpl, _ := textmask.AppendTemplate(nil, c[1], textmask.Options{MaxBytes: 4096})
		x = append(append(x, textmask.Sep()), tmpl...)
		first, again := m.Match(x), m.Match(x)
		require.Equal(t, first.ID, again.ID, "call %d matched twice", i)
	}
}
