// Package pricing holds the price model, the money arithmetic, the name
// matcher and the cost computation of genai_cost. It has no collector
// dependencies: the processor maps a span onto a Request and writes the
// Result back.
package pricing

import (
	"time"
)

// Component indexes one per-token rate.
type Component uint8

const (
	Input          Component = iota // uncached text input
	Output                          // text output (reasoning priced separately when it has its own rate)
	CacheRead                       // input served from the prompt cache
	CacheWrite                      // cache creation, 5-minute TTL (the default TTL)
	CacheWrite1h                    // cache creation, 1-hour TTL
	Reasoning                       // reasoning/thinking output
	AudioIn                         // audio input tokens
	AudioOut                        // audio output tokens
	ImageIn                         // image input tokens
	VideoIn                         // video input tokens
	CacheAudioRead                  // audio input served from the prompt cache
	ImageOut                        // image output tokens (generated images)
	Citation                        // citation tokens (Perplexity), billed beside input
	numComponents
)

var componentNames = [...]string{"input", "output", "cache_read", "cache_write", "cache_write_1h", "reasoning", "audio_input", "audio_output",
	"image_input", "video_input", "cache_read_audio", "image_output", "citation"}

func (c Component) String() string { return componentNames[c] }

// ComponentByName maps a catalog field name to its component.
func ComponentByName(s string) (Component, bool) {
	for i, n := range componentNames {
		if n == s {
			return Component(i), true
		}
	}
	return 0, false
}

// Rates are per-token rates in femto-USD. A component is only priced when
// its bit is set in Set; an unset cache or reasoning rate falls back to the
// input or output rate (see Rates.Get).
type Rates struct {
	V   [numComponents]int64
	Set uint16
}

// Put sets one rate.
func (r *Rates) Put(c Component, v int64) {
	r.V[c] = v
	r.Set |= 1 << c
}

// Has reports whether c has its own rate.
func (r *Rates) Has(c Component) bool { return r.Set&(1<<c) != 0 }

// Overlay copies every rate set in o over r.
func (r *Rates) Overlay(o *Rates) {
	for c := Component(0); c < numComponents; c++ {
		if o.Has(c) {
			r.Put(c, o.V[c])
		}
	}
}

// Get returns the rate for c with the fallbacks every provider documents:
// cache read/write without their own rate cost the input rate, a 1h write
// without its own rate costs the 5m write rate, reasoning costs the output
// rate, audio, image and video cost the text rate, cached audio the cache
// read rate.
func (r *Rates) Get(c Component) int64 {
	if r.Has(c) {
		return r.V[c]
	}
	switch c {
	case CacheWrite1h:
		if r.Has(CacheWrite) {
			return r.V[CacheWrite]
		}
		return r.V[Input]
	case CacheRead, CacheWrite, AudioIn, ImageIn, VideoIn, Citation:
		return r.V[Input]
	case CacheAudioRead:
		return r.Get(CacheRead)
	case Reasoning, AudioOut, ImageOut:
		return r.V[Output]
	}
	return r.V[c]
}

// Boundary says whether a context tier starts strictly above its threshold
// (">200k": exactly 200,000 stays in the base tier) or at it (">=128k").
type Boundary uint8

const (
	Above   Boundary = iota // measure > threshold
	AtLeast                 // measure >= threshold
)

// Tier re-prices the whole request when the prompt (input including cache
// reads and writes) crosses Threshold.
type Tier struct {
	Threshold int64
	Boundary  Boundary
	Rates     Rates // overlays the base rates
}

// Mode is the execution mode of a request.
type Mode uint8

const (
	Standard Mode = iota
	Batch
	Flex
	Priority
	Fast
	numModes
)

var modeNames = [...]string{"standard", "batch", "flex", "priority", "fast"}

func (m Mode) String() string { return modeNames[m] }

// ModeByName parses a mode name.
func ModeByName(s string) (Mode, bool) {
	for i, n := range modeNames {
		if n == s {
			return Mode(i), true
		}
	}
	return 0, false
}

// ModePrice is the price of a non-standard execution mode: explicit rates
// overlaid on the standard ones, or a factor of the standard price.
type ModePrice struct {
	Rates  Rates
	Tiers  []Tier
	Factor uint64 // parts per million; 0 = use Rates
}

// PPM is the fixed-point base of multipliers: 1.1 = 1_100_000.
const PPM = 1_000_000

// Version is one price of an entry, in force from From (zero = always).
type Version struct {
	From  time.Time
	Base  Rates
	Tiers []Tier // ascending thresholds
	Modes [numModes]*ModePrice

	// Multipliers in PPM (0 = none): data-residency uplift by region
	// ("eu", "us"), provider geo routing by inference geo ("us").
	Residency map[string]uint64
	Geo       map[string]uint64

	// Non-token units, femto-USD each.
	PerRequest             int64
	PerSearch              int64            // per web-search / grounding query
	RequestBySearchContext map[string]int64 // per-request fee keyed by search context size (low/medium/high)
	PerImage               int64
	PerSecond              int64

	// ThinkingOutput: a call that reports reasoning tokens bills all its
	// output at the reasoning rate (Alibaba Qwen's thinking mode: the
	// thinking-mode output price applies to the answer too).
	ThinkingOutput bool
}

// Kind is what an entry prices.
type Kind uint8

const (
	KindChat Kind = iota
	KindEmbedding
	KindImage
	KindAudio // transcription / speech, per second
	KindRerank
	KindOther
)

// Entry is one priced model in one table.
type Entry struct {
	ID       string // price id written to spans: "<family>/<name>"
	Family   string // provider family: openai, anthropic, gemini, bedrock, azure, ...
	Name     string // model name within the family, lower case
	Kind     Kind
	Versions []Version // ascending From
	Table    string    // table the entry came from
}

// At returns the version in force at t (the latest whose From ≤ t). A zero t
// means "now": the latest version.
func (e *Entry) At(t time.Time) *Version {
	if len(e.Versions) == 1 || t.IsZero() {
		return &e.Versions[len(e.Versions)-1]
	}
	for i := len(e.Versions) - 1; i > 0; i-- {
		if !e.Versions[i].From.After(t) {
			return &e.Versions[i]
		}
	}
	return &e.Versions[0]
}

// Current is the latest version.
func (e *Entry) Current() *Version { return &e.Versions[len(e.Versions)-1] }
