package miner

import (
	"encoding/binary"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var reviewSentences = []string{
	"The group thought that the reduction of production costs was necessary.",
	"We introduced a novel and efficient data augmentation method for small data sets.",
	"It is unclear how many awards she won, as it is not related to his career.",
	"The duet was sung by two country singers at the county fair last summer.",
	"Customers praised the battery life but complained about the heavy charger.",
	"The committee postponed the vote until the budget figures are confirmed.",
	"A late goal in the second half decided the match for the visiting team.",
	"The museum will reopen its east wing after the renovation next spring.",
	"Most participants preferred the shorter survey with fewer open questions.",
	"The bridge was closed overnight while engineers inspected the cables.",
}

// playVersions sends the renderings of several versions of one prompt,
// shuffled with the seed, twice, and returns the ids of the second pass per
// version.
func playVersions(versions []string, seed uint64) []map[uint64]int {
	type rendering struct {
		v    int
		text string
	}
	var rs []rendering
	for v, tmpl := range versions {
		for _, s := range reviewSentences {
			rs = append(rs, rendering{v, fmt.Sprintf(tmpl, s)})
		}
	}
	m := New(Params{})
	ids := make([]map[uint64]int, len(versions))
	for pass := range uint64(2) {
		for _, i := range newOrder(len(rs), seed+pass*1000) {
			id := m.Match(call("", rs[i].text)).ID
			if pass == 1 {
				if ids[rs[i].v] == nil {
					ids[rs[i].v] = map[uint64]int{}
				}
				ids[rs[i].v][id]++
			}
		}
	}
	return ids
}

func assertSeparated(t *testing.T, versions []string) {
	t.Helper()
	for seed := uint64(1); seed <= 20; seed++ {
		separated(t, playVersions(versions, seed), seed)
	}
}

func separated(t *testing.T, ids []map[uint64]int, seed uint64) {
	t.Helper()
	owner := map[uint64]int{}
	for v, m := range ids {
		assert.Len(t, m, 1, "seed %d: version %d keeps one id: %v", seed, v, m)
		for id := range m {
			if o, ok := owner[id]; ok {
				t.Errorf("seed %d: versions %d and %d share id %x", seed, o, v, id)
			}
			owner[id] = v
		}
	}
}

// A sentence added right before the line break that precedes a slot is an
// edit of the template, not the start of the slot's value, even when the
// edited version's first calls arrive while the template still generalizes.
func TestSentenceAddedNextToSlot(t *testing.T) {
	assertSeparated(t, []string{
		"Does it seem like the reviewer who wrote this review liked the movie?\n\n%s",
		"Does it seem like the reviewer who wrote this review liked the movie? Respond in the same language as the input.\n\n%s",
		"Does it seem like the reviewer who wrote this review liked the movie? Respond in the same language as the input. Never mention that you are an AI model.\n\n%s",
	})
}

// A one-word change in long fixed text that the first calls merged into a
// slot: the child templates that the slot's two recurring values give keep
// their calls, the parent does not take them back.
func TestOneWordChangeEarly(t *testing.T) {
	const tail = " Avoid simply stating the correct answers at the outset. Then print only the single character Y or N on its own line corresponding to the %s answer. At the end, repeat just the letter again by itself on a new line."
	assertSeparated(t, []string{
		"Task: %s\nDoes the submission meet the criterion? First, write out in a step by step manner your reasoning." + fmt.Sprintf(tail, "correct"),
		"Task: %s\nDoes the submission meet the criterion? First, write out in a step by step manner your reasoning." + fmt.Sprintf(tail, "right"),
	})
}

// A line break at a slot's edge that several calls confirmed stays
// template text when relaxing a template.
func TestRelaxKeepsConfirmedBreak(t *testing.T) {
	m := New(Params{})
	for _, s := range reviewSentences[:4] {
		m.Match(call("", "Does it seem like the reviewer who wrote this review liked the movie?\n\n"+s))
	}
	var c *cluster
	for _, o := range m.byID {
		c = o
	}
	rt, _, _ := relax(c.tokens, c.support)
	assert.Contains(t, render(rt), "movie ?\n\n<*>")
}

// Snapshots of layout version 1 (no parent) still load.
func TestSnapshotV1Loads(t *testing.T) {
	m := New(Params{})
	var first Result
	for i, s := range reviewSentences[:5] {
		r := m.Match(call("", "Summarize the following review in one line for the weekly digest:\n"+s))
		if i == 0 {
			first = r
		}
	}
	// the version 1 layout: no parent field
	var b []byte
	b = binary.AppendUvarint(b, 1)
	b = binary.AppendUvarint(b, uint64(len(m.byID)))
	for _, c := range m.byID {
		b = binary.LittleEndian.AppendUint64(b, c.id)
		b = binary.LittleEndian.AppendUint64(b, c.family)
		b = binary.AppendUvarint(b, c.count)
		b = binary.AppendUvarint(b, uint64(len(c.tokens)))
		for i, k := range c.tokens {
			if k.Wild {
				b = append(b, 1)
				continue
			}
			b = append(b, 0)
			b = binary.LittleEndian.AppendUint64(b, k.H)
			b = binary.AppendUvarint(b, uint64(c.support[i]))
			b = binary.AppendUvarint(b, uint64(len(k.Text)))
			b = append(b, k.Text...)
		}
	}
	m2 := New(Params{})
	n, err := m2.Restore(b)
	require.NoError(t, err)
	assert.Equal(t, len(m.byID), n)
	again := m2.Match(call("", "Summarize the following review in one line for the weekly digest:\n"+reviewSentences[7]))
	assert.Equal(t, first.ID, again.ID)

	// and the current layout keeps the parent
	for _, c := range m2.byID {
		c.parent = 42
	}
	m3 := New(Params{})
	_, err = m3.Restore(m2.Snapshot(0))
	require.NoError(t, err)
	for _, c := range m3.byID {
		assert.Equal(t, uint64(42), c.parent)
	}
	// an unknown future version is refused
	_, err = m3.Restore(binary.AppendUvarint(nil, snapshotVersion+1))
	assert.Error(t, err)
}

// When values dwarf a template's text, the fixed run two calls share must
// start a line or hold more than one sentence to make them one template: an
// instruction sentence set inline, which many prompts carry, is no identity
// on its own.
func TestLooseNeedsMoreThanOneSentence(t *testing.T) {
	doc := func(i int) string { return randomWords(uint64(i), 60) }
	m := New(Params{})
	a := m.Match(call("", doc(1)+" Respond in the same language as the input. "+doc(2)))
	b := m.Match(call("", doc(3)+" Respond in the same language as the input. "+doc(4)))
	assert.NotEqual(t, a.ID, b.ID, "one shared sentence")

	m = New(Params{})
	c := m.Match(call("", doc(5)+" Answer the question below. Use only the passage above. "+doc(6)))
	d := m.Match(call("", doc(7)+" Answer the question below. Use only the passage above. "+doc(8)))
	assert.Equal(t, c.ID, d.ID, "two shared sentences")
}
