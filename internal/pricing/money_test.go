package pricing

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseDecimal(t *testing.T) {
	ok := []struct {
		in    string
		scale int
		want  int64
	}{
		{"2.5e-06", 15, 2_500_000_000},
		{"0.000010", 15, 10_000_000_000},
		{"3.81469e-8", 15, 38_146_900},
		{"2.5", 9, 2_500_000_000},
		{"0.02", 9, 20_000_000},
		{"1.1", 6, 1_100_000},
		{"0", 15, 0},
		{"-0", 15, 0},
		{"1E-9", 15, 1_000_000},
		{".5", 6, 500_000},
		{"+7", 0, 7},
	}
	for _, c := range ok {
		got, err := ParseDecimal(c.in, c.scale)
		require.NoError(t, err, c.in)
		assert.Equal(t, c.want, got, c.in)
	}
	for _, bad := range []string{"", "abc", "-1e-6", "1e-16", "1e300", "1.2.3", "e5", "99999999999999999999", "0x10", "1e-999"} {
		_, err := ParseDecimal(bad, 15)
		assert.Error(t, err, bad)
	}
}

func TestParseDecimalRounded(t *testing.T) {
	v, r, err := ParseDecimalRounded("2.9999900000000002e-06", 15)
	require.NoError(t, err)
	assert.True(t, r)
	assert.Equal(t, int64(2_999_990_000), v)
	v, r, err = ParseDecimalRounded("1.5e-15", 15) // half-even: 1.5 → 2
	require.NoError(t, err)
	assert.True(t, r)
	assert.Equal(t, int64(2), v)
	v, _, _ = ParseDecimalRounded("2.5e-15", 15) // 2.5 → 2
	assert.Equal(t, int64(2), v)
	v, _, _ = ParseDecimalRounded("2.5000001e-15", 15) // sticky digits round up
	assert.Equal(t, int64(3), v)
	v, r, _ = ParseDecimalRounded("3e-6", 15)
	assert.False(t, r)
	assert.Equal(t, int64(3_000_000_000), v)
}

func TestAmount(t *testing.T) {
	a := MulTokens(2_500_000_000, 1000).Add(MulTokens(10_000_000_000, 500))
	assert.Equal(t, "7500000000000", a.Femtos())
	assert.Equal(t, 0.0075, a.USD())
	assert.Equal(t, 0.00825, a.Scale(1_100_000, PPM).USD())
	assert.Equal(t, 0.045, a.Scale(6_000_000, PPM).USD())
	assert.True(t, MulTokens(-1, 5).IsZero())
	assert.True(t, MulTokens(5, -1).IsZero())
	// 1e9 tokens at an absurd 1 USD/token needs more than 64 bits.
	big := MulTokens(1_000_000_000_000_000, 1_000_000_000)
	assert.Equal(t, "1000000000000000000000000", big.Femtos())
	assert.InDelta(t, 1e9, big.USD(), 1)
	// Saturation, not wrap-around.
	sat := Amount{^uint64(0), ^uint64(0)}.Add(AmountOf(1))
	assert.Equal(t, Amount{^uint64(0), ^uint64(0)}, sat)
}

func TestSplit(t *testing.T) {
	cases := []struct {
		name string
		u    Usage
		want Leaves
	}{
		{"inclusive", Usage{Input: 10000, CacheRead: 8000, Output: 200}, Leaves{N: [numComponents]int64{Input: 2000, CacheRead: 8000, Output: 200}, Prompt: 10000}},
		{"exclusive detected", Usage{Input: 5, CacheRead: 128955, CacheWrite: 1253, Output: 500},
			Leaves{N: [numComponents]int64{Input: 5, CacheRead: 128955, CacheWrite: 1253, Output: 500}, Prompt: 130213, Mode: ExclusiveInput}},
		{"reasoning inside output", Usage{Input: 2000, Output: 1000, Reasoning: 800}, Leaves{N: [numComponents]int64{Input: 2000, Output: 200, Reasoning: 800}, Prompt: 2000}},
		{"reasoning beside output", Usage{Input: 1000, Output: 300, Reasoning: 1200, HasOutput: true},
			Leaves{N: [numComponents]int64{Input: 1000, Output: 300, Reasoning: 1200}, Prompt: 1000, Mode: AdditiveReasoning}},
		{"1h part of cache write", Usage{Input: 9000, CacheWrite: 8000, CacheWrite1h: 2000, Output: 1},
			Leaves{N: [numComponents]int64{Input: 1000, CacheWrite: 6000, CacheWrite1h: 2000, Output: 1}, Prompt: 9000}},
		{"5m part known only", Usage{Input: 9000, CacheWrite: 8000, CacheWrite5m: 6000, Output: 1},
			Leaves{N: [numComponents]int64{Input: 1000, CacheWrite: 6000, CacheWrite1h: 2000, Output: 1}, Prompt: 9000}},
		{"audio clamps to uncached", Usage{Input: 100, CacheRead: 90, AudioIn: 50, Output: 10, AudioOut: 99},
			Leaves{N: [numComponents]int64{AudioIn: 10, CacheRead: 90, AudioOut: 10}, Prompt: 100}},
		{"negative and absurd clamp", Usage{Input: -5, Output: 5_000_000_000},
			Leaves{N: [numComponents]int64{Output: MaxTokens}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			assert.Equal(t, c.want, Split(c.u))
		})
	}
}

func FuzzParseDecimal(f *testing.F) {
	for _, s := range []string{"2.5e-06", "0.000010", "1e-16", "-0", "9e40", ".", "1e", "00000.00001e+3"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := ParseDecimal(s, 15)
		if err == nil && v < 0 {
			t.Fatalf("negative result %d for %q", v, s)
		}
		v2, _, err2 := ParseDecimalRounded(s, 15)
		if err == nil && (err2 != nil || v2 != v) {
			t.Fatalf("rounded parse disagrees on exact input %q: %d vs %d (%v)", s, v, v2, err2)
		}
	})
}

// TestModalitySplit: image, video and audio input are carved out of the
// uncached input, cached audio out of the cache reads, image output out of
// the output; every token is billed once.
func TestModalitySplit(t *testing.T) {
	l := Split(Usage{Input: 10000, CacheRead: 3000, Output: 2000, Reasoning: 500,
		AudioIn: 1000, ImageIn: 2000, VideoIn: 9000, CacheAudioRead: 5000, ImageOut: 1000, AudioOut: 200})
	want := map[Component]int64{Input: 0, AudioIn: 1000, ImageIn: 2000, VideoIn: 4000, CacheRead: 0, CacheAudioRead: 3000,
		Reasoning: 500, AudioOut: 200, ImageOut: 1000, Output: 300}
	var sum int64
	for c, n := range want {
		if l.N[c] != n {
			t.Errorf("%s: %d, want %d", c, l.N[c], n)
		}
	}
	for _, n := range l.N {
		sum += n
	}
	if sum != 12000 {
		t.Errorf("leaves sum to %d, want 12000", sum)
	}
	// Without their own rates, modality tokens cost the text rates.
	var r Rates
	r.Put(Input, 1)
	r.Put(Output, 2)
	r.Put(CacheRead, 3)
	for c, want := range map[Component]int64{ImageIn: 1, VideoIn: 1, CacheAudioRead: 3, ImageOut: 2} {
		if got := r.Get(c); got != want {
			t.Errorf("Get(%s) = %d, want %d", c, got, want)
		}
	}
}
