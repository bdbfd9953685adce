package pricing

import "time"

// MaxTokens bounds a believable token count; larger values are rejected as
// bad input rather than priced.
const MaxTokens = 1_000_000_000

// Usage is the token usage of one call in OpenTelemetry's convention: Input
// includes cache reads and writes, Output includes reasoning. Audio counts
// are subsets of Input/Output. CacheWrite1h is the part of CacheWrite
// written with the 1-hour TTL.
type Usage struct {
	Input, Output         int64
	CacheRead, CacheWrite int64
	CacheWrite1h          int64
	CacheWrite5m          int64 // when only the 5m part is known
	Reasoning             int64
	AudioIn, AudioOut     int64
	ImageIn, VideoIn      int64 // image / video input tokens (subsets of uncached input)
	CacheAudioRead        int64 // cached audio input tokens (subset of cache reads)
	ImageOut              int64 // image output tokens (subset of output)
	Citation              int64 // citation tokens (Perplexity): not part of Input
	HasInput, HasOutput   bool
}

// UsageMode records how the token counts were interpreted.
type UsageMode uint8

const (
	Inclusive         UsageMode = iota // OTel: input ⊇ cache, output ⊇ reasoning
	ExclusiveInput                     // input < cache_read + cache_write: input was the uncached part
	AdditiveReasoning                  // output < reasoning: reasoning reported beside output (Gemini thoughts)
)

var usageModeNames = [...]string{"inclusive", "exclusive_input", "additive_reasoning"}

func (m UsageMode) String() string { return usageModeNames[m] }

// Leaves are the disjoint billable token buckets of one call.
type Leaves struct {
	N      [numComponents]int64
	Prompt int64 // total prompt tokens (uncached + cache read + cache write): the context-tier measure
	Mode   UsageMode
}

// Split decomposes usage into disjoint leaves: every token is billed exactly
// once, counts are clamped so that nothing is ever negative.
func Split(u Usage) Leaves {
	var l Leaves
	in, out := clamp(u.Input), clamp(u.Output)
	cr, cw := clamp(u.CacheRead), clamp(u.CacheWrite)
	w1h, w5m := clamp(u.CacheWrite1h), clamp(u.CacheWrite5m)
	if w1h+w5m > cw {
		cw = w1h + w5m
	}
	if w1h == 0 && w5m > 0 {
		w1h = cw - w5m
	}
	uncached := in - cr - cw
	if uncached < 0 {
		l.Mode = ExclusiveInput
		uncached = in
	}
	l.Prompt = uncached + cr + cw
	audioIn := min(clamp(u.AudioIn), uncached)
	imageIn := min(clamp(u.ImageIn), uncached-audioIn)
	videoIn := min(clamp(u.VideoIn), uncached-audioIn-imageIn)
	l.N[Input] = uncached - audioIn - imageIn - videoIn
	l.N[AudioIn] = audioIn
	l.N[ImageIn] = imageIn
	l.N[VideoIn] = videoIn
	cachedAudio := min(clamp(u.CacheAudioRead), cr)
	l.N[CacheRead] = cr - cachedAudio
	l.N[CacheAudioRead] = cachedAudio
	l.N[CacheWrite1h] = min(w1h, cw)
	l.N[CacheWrite] = cw - l.N[CacheWrite1h]

	r := clamp(u.Reasoning)
	if r > out {
		if out > 0 || u.HasOutput {
			l.Mode = AdditiveReasoning
		}
		out += r
	}
	audioOut := min(clamp(u.AudioOut), out-r)
	imageOut := min(clamp(u.ImageOut), out-r-audioOut)
	l.N[Reasoning] = r
	l.N[AudioOut] = audioOut
	l.N[ImageOut] = imageOut
	l.N[Output] = out - r - audioOut - imageOut
	l.N[Citation] = clamp(u.Citation)
	return l
}

func clamp(v int64) int64 {
	if v < 0 {
		return 0
	}
	if v > MaxTokens {
		return MaxTokens
	}
	return v
}

// DefaultSearchContext is the search context size a Perplexity call that
// names none is billed at: the API's documented default. (Per-request fees
// by context size are Perplexity's; OpenAI's search calls are priced per
// search at the medium rate.)
const DefaultSearchContext = "low"

// Request is everything that decides the price of one call besides the
// entry itself.
type Request struct {
	Usage         Usage
	Mode          Mode
	Region        string // data-residency region ("eu", "us") when known
	InferenceGeo  string // provider-reported inference geography ("us")
	SearchContext string // low / medium / high (the processor fills in the configured default)
	Searches      int64  // web-search / grounding queries
	Images        int64
	Millis        int64 // audio duration in milliseconds
	Time          time.Time
}

// Part indexes the cost breakdown written to spans.
type Part uint8

const (
	PartInput Part = iota
	PartOutput
	PartCacheRead
	PartCacheWrite
	PartReasoning
	PartTools
	NumParts
)

// Result is the computed cost of one call.
type Result struct {
	Total     Amount
	Parts     [NumParts]Amount
	Mode      Mode // execution mode actually priced (may fall back to standard)
	Tier      int64
	UsageMode UsageMode
	Version   *Version
}

var partOf = [numComponents]Part{
	Input: PartInput, AudioIn: PartInput, ImageIn: PartInput, VideoIn: PartInput, Citation: PartInput,
	Output: PartOutput, AudioOut: PartOutput, ImageOut: PartOutput,
	CacheRead: PartCacheRead, CacheAudioRead: PartCacheRead,
	CacheWrite: PartCacheWrite, CacheWrite1h: PartCacheWrite,
	Reasoning: PartReasoning,
}

// Compute prices req with e. It does not allocate.
func Compute(e *Entry, req *Request) Result {
	v := e.At(req.Time)
	res := Result{Version: v, Mode: Standard}
	leaves := Split(req.Usage)
	res.UsageMode = leaves.Mode
	if v.ThinkingOutput && leaves.N[Reasoning] > 0 {
		leaves.N[Reasoning] += leaves.N[Output]
		leaves.N[Output] = 0
	}

	rates := v.Base
	tiers := v.Tiers
	var factor uint64
	mode := req.Mode
	if mode == Fast && v.Modes[Fast] == nil {
		mode = Priority // OpenAI-style "fast" is the priority tier
	}
	if mode != Standard {
		if mp := v.Modes[mode]; mp != nil {
			res.Mode = mode
			if mp.Factor > 0 {
				factor = mp.Factor
			} else {
				rates.Overlay(&mp.Rates)
				tiers = mp.Tiers
			}
		}
	}
	for i := len(tiers) - 1; i >= 0; i-- {
		t := &tiers[i]
		if leaves.Prompt > t.Threshold || (t.Boundary == AtLeast && leaves.Prompt == t.Threshold) {
			rates.Overlay(&t.Rates)
			res.Tier = t.Threshold
			break
		}
	}

	for c := Component(0); c < numComponents; c++ {
		if n := leaves.N[c]; n > 0 {
			p := partOf[c]
			res.Parts[p] = res.Parts[p].Add(MulTokens(rates.Get(c), n))
		}
	}
	switch e.Kind {
	case KindImage:
		if leaves.N[ImageOut] > 0 && rates.Has(ImageOut) {
			break // generated images billed as image output tokens, not again per image
		}
		n := req.Images
		if n <= 0 {
			n = 1
		}
		res.Parts[PartOutput] = res.Parts[PartOutput].Add(MulTokens(v.PerImage, min(n, 10_000)))
	case KindAudio:
		if req.Millis > 0 {
			res.Parts[PartInput] = res.Parts[PartInput].Add(MulTokens(v.PerSecond, min(req.Millis, 1_000_000_000)).Scale(1, 1000))
		}
	}

	scale := func(num uint64) {
		if num == 0 || num == PPM {
			return
		}
		for p := range PartTools {
			res.Parts[p] = res.Parts[p].Scale(num, PPM)
		}
	}
	scale(factor)
	if req.Region != "" && v.Residency != nil {
		scale(v.Residency[req.Region])
	}
	if req.InferenceGeo != "" && v.Geo != nil {
		scale(v.Geo[req.InferenceGeo])
	}

	// Per-request and per-query fees are not scaled by token multipliers.
	var tools Amount
	if v.RequestBySearchContext != nil {
		fee, ok := v.RequestBySearchContext[req.SearchContext]
		if !ok { // no size on the call: the providers' documented default
			fee, ok = v.RequestBySearchContext[DefaultSearchContext]
		}
		if !ok {
			fee = v.RequestBySearchContext["medium"]
		}
		tools = tools.Add(MulTokens(fee, 1))
	}
	if req.Searches > 0 {
		tools = tools.Add(MulTokens(v.PerSearch, min(req.Searches, 1_000_000)))
	}
	if v.PerRequest > 0 {
		tools = tools.Add(MulTokens(v.PerRequest, 1))
	}
	res.Parts[PartTools] = tools
	for p := range NumParts {
		res.Total = res.Total.Add(res.Parts[p])
	}
	return res
}
