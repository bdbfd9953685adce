// Package linear is a small hashed n-gram logistic-regression model: the
// learned part of the evaluators that combine rules with a model.
//
// A text is read once, folded (ASCII lowercase, whitespace runs collapsed),
// and its character n-grams and word n-grams are hashed into 1<<Bits
// buckets; a handful of dense features (structure features and rule scores
// computed by the caller) are added. Training is deterministic: fixed seed,
// fixed number of epochs, L2-regularised SGD. Weights are stored int8-
// quantised, so a model with 2^18 buckets is 256 KiB. Scoring allocates
// nothing and reads each byte of the text a constant number of times.
package linear

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
)

// Config fixes the feature space and the training schedule of a model.
type Config struct {
	Bits     uint8 // hash buckets: 1<<Bits (8..24)
	CharMin  uint8 // shortest character n-gram (0: no character n-grams)
	CharMax  uint8 // longest character n-gram (≤ 8)
	Words    uint8 // word n-grams up to this length (0, 1 or 2)
	MaxBytes int   // only the first MaxBytes bytes of the text are read (0: 8192)
	Dense    int   // number of dense features
	Head     int   // word n-grams of the first Head bytes also count in a namespace of their own
	AuxWords uint8 // word n-grams (0, 1 or 2) of the example's Aux text, in a namespace of their own

	Epochs    int     // SGD passes over the data (0: 20)
	LR        float64 // initial learning rate (0: 0.5)
	L2        float64 // L2 penalty per example (0: 1e-4)
	Seed      uint64  // shuffling seed
	PosWeight float64 // weight of a positive relative to a negative; 0: balance the classes
	Bags      int     // models trained with seeds Seed, Seed+1, ... whose weights are averaged (0: 1)
}

// WithDefaults returns c with its zero fields set to their defaults: the
// configuration a model trained with c reports.
func (c Config) WithDefaults() Config {
	c.defaults()
	return c
}

func (c *Config) defaults() {
	if c.MaxBytes == 0 {
		c.MaxBytes = 8192
	}
	if c.Epochs == 0 {
		c.Epochs = 20
	}
	if c.LR == 0 {
		c.LR = 0.5
	}
	if c.L2 == 0 {
		c.L2 = 1e-4
	}
}

// Example is one labelled training row.
type Example struct {
	Text   string
	Aux    string // optional second text (see Config.AuxWords)
	Dense  []float64
	Label  bool
	Weight float64 // row weight (0 counts as 1), times the class weight
}

// Model is a trained, quantised model. It is immutable and safe for
// concurrent use.
type Model struct {
	cfg   Config
	bias  float32
	scale float32   // weight of bucket i = q[i] * scale
	dense []float32 // weights of the dense features
	q     []int8
}

// Config returns the model's feature configuration.
func (m *Model) Config() Config { return m.cfg }

// Logit returns the model's log-odds for a text, its auxiliary text and
// its dense features (missing dense features count as 0, extra ones are
// ignored).
func (m *Model) Logit(text, aux string, dense []float64) float64 {
	k := sink{q: m.q}
	if c := &m.cfg; c.CharMin == c.CharMax && c.CharMin > 0 && c.CharMin < 8 && (c.AuxWords == 0 || aux == "") {
		// The shipped models' feature space (one character n-gram
		// length, no aux words): a scan specialised for scoring.
		if len(text) > c.MaxBytes {
			text = text[:c.MaxBytes]
		}
		k.sum, k.n = scoreScan(c, m.q, text)
		return m.finish(&k, dense)
	}
	forEach(&m.cfg, text, aux, &k)
	return m.finish(&k, dense)
}

// scoreScan is scan for scoring with one character n-gram length and no
// salt: it returns the sum of the features' quantised weights and their
// number (TestScoreScanMatchesScan holds it to scan). The sums commute, so
// the character n-grams and the words are read in two passes, each with
// few enough live values to stay in registers.
func scoreScan(c *Config, q []int8, text string) (int64, int) {
	cs, cn := charScore(c, q, text)
	ws, wn := wordScore(c, q, text)
	return cs + ws, cn + wn
}

// charScore sums the weights of the character n-grams of text (length
// c.CharMin, whitespace runs read as one space).
func charScore(c *Config, q []int8, text string) (int64, int) {
	shift := (64 - uint(c.Bits)) & 63 // (& 63: no check for shifts past 63 in the loop)
	cn := int(c.CharMin)
	mask, tag := charMask[cn], uint64(cn)<<56
	// The ring starts as if after a space (leading whitespace is
	// skipped); its low byte is the last byte read, so a space after a
	// space is the only byte skipped. The first cn-1 bytes read only
	// fill it.
	ring := uint64(' ')
	i := 0
	for filled := 0; filled < cn-1 && i < len(text); i++ {
		if b := foldTable[text[i]]; b != ' ' || byte(ring) != ' ' {
			ring = ring<<8 | uint64(b)
			filled++
		}
	}
	// The n-gram's bytes and its length tag do not overlap (n < 8), so
	// (ring&mask ^ tag) * k is ring&mask * k + tag * k.
	const k = 0x9e3779b97f4a7c15
	tk := tag * k
	var sum int64
	n := 0
	rest := text[i:]
	for j := 0; j < len(rest); j++ {
		b := foldTable[rest[j]]
		if b == ' ' && byte(ring) == ' ' {
			continue
		}
		ring = ring<<8 | uint64(b)
		sum += int64(q[uint32((ring&mask*k+tk)>>shift)])
		n++
	}
	return sum, n
}

// wordScore sums the weights of the word n-grams of text (up to c.Words
// words) and, in their own namespace, of those of the words that start in
// the first c.Head bytes.
func wordScore(c *Config, q []int8, text string) (int64, int) {
	shift := (64 - uint(c.Bits)) & 63
	words, head := c.Words, c.Head
	if words == 0 && head == 0 {
		return 0, 0
	}
	var sum int64
	n := 0
	var prev uint64
	havePrev := false
	for i := 0; i < len(text); {
		if !wordByte[foldTable[text[i]]] {
			i++
			continue
		}
		start := i
		word := uint64(fnvOffset)
		for ; i < len(text); i++ {
			b := foldTable[text[i]]
			if !wordByte[b] {
				break
			}
			word = (word ^ uint64(b)) * fnvPrime
		}
		if words >= 1 {
			sum += int64(q[uint32(mix(word^0x5bd1e995)>>shift)])
			n++
		}
		if words >= 2 && havePrev {
			sum += int64(q[uint32(mix(prev*31+word+0x9e3779b9)>>shift)])
			n++
		}
		if start < head {
			sum += int64(q[uint32(mix(word^headSalt)>>shift)])
			n++
			if havePrev {
				sum += int64(q[uint32(mix(prev*31+word+headSalt)>>shift)])
				n++
			}
		}
		prev, havePrev = word, true
	}
	return sum, n
}

var foldTable = func() (t [256]byte) {
	for i := range t {
		t[i] = foldByte(byte(i))
	}
	return t
}()

var wordByte = func() (t [256]bool) {
	for i := range t {
		t[i] = isWordByte(byte(i))
	}
	return t
}()

// Logit2 returns a.Logit(text, "", dense) and b.Logit(text, "", nil). When
// the two models hash the same features and b reads no more of the text
// than a (the jailbreak and request-harm models both read the prompt), the
// text is read once for both.
func Logit2(a, b *Model, text string, dense []float64) (float64, float64) {
	ca, cb := &a.cfg, &b.cfg
	if ca.Bits != cb.Bits || ca.CharMin != cb.CharMin || ca.CharMax != cb.CharMax || ca.Words != cb.Words ||
		ca.CharMin != ca.CharMax || ca.CharMin == 0 || ca.CharMin >= 8 || ca.Head != 0 || cb.Head != 0 || cb.MaxBytes > ca.MaxBytes {
		return a.Logit(text, "", dense), b.Logit(text, "", nil)
	}
	if len(text) > ca.MaxBytes {
		text = text[:ca.MaxBytes]
	}
	var ka, kb sink
	scan2(ca, text, cb.MaxBytes, a.q, b.q, &ka, &kb)
	return a.finish(&ka, dense), b.finish(&kb, nil)
}

func (m *Model) finish(k *sink, dense []float64) float64 {
	z := float64(m.bias)
	if k.n > 0 {
		z += float64(k.sum) * float64(m.scale) / math.Sqrt(float64(k.n))
	}
	for i, w := range m.dense {
		if i < len(dense) {
			z += float64(w) * dense[i]
		}
	}
	return z
}

// WithBias returns a copy of m whose log-odds are shifted by d (sharing
// the weights): used to move the decision threshold to 0.5.
func (m *Model) WithBias(d float64) *Model {
	c := *m
	c.bias = float32(float64(m.bias) + d)
	return &c
}

// Prob returns the model's probability of the positive class.
func (m *Model) Prob(text, aux string, dense []float64) float64 {
	return Sigmoid(m.Logit(text, aux, dense))
}

// Sigmoid is the logistic function.
func Sigmoid(z float64) float64 { return 1 / (1 + math.Exp(-z)) }

// Logit is the inverse of Sigmoid, with p clamped to [1e-6, 1-1e-6].
func Logit(p float64) float64 {
	p = min(max(p, 1e-6), 1-1e-6)
	return math.Log(p / (1 - p))
}

const (
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211
)

func mix(h uint64) uint64 {
	h ^= h >> 33
	h *= 0xff51afd7ed558ccd
	h ^= h >> 33
	h *= 0xc4ceb9fe1a85ec53
	h ^= h >> 33
	return h
}

func foldByte(b byte) byte {
	if b >= 'A' && b <= 'Z' {
		return b + 32
	}
	if b == '\n' || b == '\t' || b == '\r' || b == '\f' || b == '\v' {
		return ' '
	}
	return b
}

func isWordByte(b byte) bool {
	return b >= 'a' && b <= 'z' || b >= '0' && b <= '9' || b >= 0x80
}

// sink receives the buckets of an example's features: summed into a
// score (q set) or collected (training).
type sink struct {
	q   []int8
	sum int64
	n   int
	buf []uint32
}

func (k *sink) add(h uint32) {
	if k.q != nil {
		k.sum += int64(k.q[h])
		k.n++
		return
	}
	k.buf = append(k.buf, h)
}

// forEach feeds k the bucket of every feature occurrence of an example:
// n-grams of text, word n-grams of its first Head bytes in a namespace of
// their own, and word n-grams of aux (a second text, such as the user's
// request) in a third namespace.
func forEach(c *Config, text, aux string, k *sink) {
	if len(text) > c.MaxBytes {
		text = text[:c.MaxBytes]
	}
	scan(c, text, 0, c.CharMin, c.Words, c.Head, k)
	if c.AuxWords > 0 && aux != "" {
		if len(aux) > c.MaxBytes {
			aux = aux[:c.MaxBytes]
		}
		scan(c, aux, 0xa5a5a5a5a5a5a5a5, 0, c.AuxWords, 0, k)
	}
}

const headSalt = 0x3c6ef372fe94f82b

// charMask[n] keeps the low n bytes of the ring (n ≤ 7; an 8-gram keeps
// all of it, its length tag then overlapping the oldest byte).
var charMask = [9]uint64{0, 0xff, 0xffff, 0xffffff, 0xffffffff, 0xffffffffff, 0xffffffffffff, 0xffffffffffffff, ^uint64(0)}

func scan(c *Config, text string, salt uint64, charMin, words uint8, head int, k *sink) {
	shift := 64 - uint(c.Bits)
	charMax := int(c.CharMax)
	var ring uint64 // last 8 folded bytes, newest in the low byte
	filled := 0
	var word, prev uint64
	inWord, havePrev := false, false
	wordStart := 0
	lastSpace := true
	for i := 0; i <= len(text); i++ {
		var b byte = ' '
		if i < len(text) {
			b = foldByte(text[i])
		}
		if b == ' ' && lastSpace && i < len(text) {
			continue
		}
		lastSpace = b == ' '
		if isWordByte(b) {
			if !inWord {
				word, inWord, wordStart = fnvOffset, true, i
			}
			word = (word ^ uint64(b)) * fnvPrime
		} else if inWord {
			inWord = false
			if words >= 1 {
				k.add(uint32(mix(word^0x5bd1e995^salt) >> shift))
			}
			if words >= 2 && havePrev {
				k.add(uint32(mix(prev*31+word+0x9e3779b9^salt) >> shift))
			}
			if wordStart < head {
				k.add(uint32(mix(word^headSalt) >> shift))
				if havePrev {
					k.add(uint32(mix(prev*31+word+headSalt) >> shift))
				}
			}
			prev, havePrev = word, true
		}
		if i == len(text) || charMin == 0 {
			continue
		}
		ring = ring<<8 | uint64(b)
		if filled < 8 {
			filled++
		}
		// An n-gram is the low n bytes of the ring: one multiplicative
		// hash per n-gram (the top Bits bits of the product).
		for n := int(charMin); n <= charMax && n <= filled; n++ {
			key := ring&charMask[n] ^ uint64(n)<<56 ^ salt
			k.add(uint32((key * 0x9e3779b97f4a7c15) >> shift))
		}
	}
}

// scan2 is scan (no salt, no head, no aux, one character n-gram length)
// summing a's weights over every feature of text into ka and b's over the
// features of text[:cut] into kb: those of the bytes before cut, plus the
// end of the word the cut falls in, as a scan of the shorter text would
// see it.
func scan2(c *Config, text string, cut int, qa, qb []int8, ka, kb *sink) {
	shift := 64 - uint(c.Bits)
	cn := int(c.CharMin)
	mask, tag := charMask[cn], uint64(cn)<<56
	words := c.Words
	var ring uint64
	filled := 0
	var word, prev uint64
	inWord, havePrev := false, false
	lastSpace := true
	for i := 0; i <= len(text); i++ {
		both := i < cut
		if i == cut && i < len(text) && inWord {
			// text[:cut] ends here: its last word ends too.
			if words >= 1 {
				kb.sum += int64(qb[uint32(mix(word^0x5bd1e995)>>shift)])
				kb.n++
			}
			if words >= 2 && havePrev {
				kb.sum += int64(qb[uint32(mix(prev*31+word+0x9e3779b9)>>shift)])
				kb.n++
			}
		}
		if i == len(text) && cut >= len(text) {
			both = true // the same text: the same end
		}
		var b byte = ' '
		if i < len(text) {
			b = foldTable[text[i]]
		}
		if b == ' ' {
			if lastSpace && i < len(text) {
				continue
			}
			lastSpace = true
		} else {
			lastSpace = false
		}
		if wordByte[b] {
			if !inWord {
				word, inWord = fnvOffset, true
			}
			word = (word ^ uint64(b)) * fnvPrime
		} else if inWord {
			inWord = false
			if words >= 1 {
				h := uint32(mix(word^0x5bd1e995) >> shift)
				ka.sum += int64(qa[h])
				ka.n++
				if both {
					kb.sum += int64(qb[h])
					kb.n++
				}
			}
			if words >= 2 && havePrev {
				h := uint32(mix(prev*31+word+0x9e3779b9) >> shift)
				ka.sum += int64(qa[h])
				ka.n++
				if both {
					kb.sum += int64(qb[h])
					kb.n++
				}
			}
			prev, havePrev = word, true
		}
		if i == len(text) {
			break
		}
		ring = ring<<8 | uint64(b)
		if filled < cn {
			filled++
			if filled < cn {
				continue
			}
		}
		h := uint32(((ring&mask ^ tag) * 0x9e3779b97f4a7c15) >> shift)
		ka.sum += int64(qa[h])
		ka.n++
		if both {
			kb.sum += int64(qb[h])
			kb.n++
		}
	}
}

type sparse struct {
	idx []uint32
	val []float32
}

func featurize(c *Config, text, aux string, buf []uint32) (sparse, []uint32) {
	k := sink{buf: buf[:0]}
	forEach(c, text, aux, &k)
	buf = k.buf
	if len(buf) == 0 {
		return sparse{}, buf
	}
	slices.Sort(buf)
	norm := float32(1 / math.Sqrt(float64(len(buf))))
	var s sparse
	for i := 0; i < len(buf); {
		j := i
		for j < len(buf) && buf[j] == buf[i] {
			j++
		}
		s.idx = append(s.idx, buf[i])
		s.val = append(s.val, float32(j-i)*norm)
		i = j
	}
	return s, buf
}

// Train fits a model. The result depends only on cfg and the examples (in
// order): training is single-threaded with a seeded shuffle.
func Train(cfg Config, ex []Example) (*Model, error) {
	cfg.defaults()
	if cfg.Bits < 8 || cfg.Bits > 24 || cfg.CharMax > 8 || cfg.CharMin > cfg.CharMax || cfg.Words > 2 || cfg.AuxWords > 2 || cfg.Head < 0 {
		return nil, fmt.Errorf("linear: bad config %+v", cfg)
	}
	if len(ex) == 0 {
		return nil, errors.New("linear: no examples")
	}
	var pos, neg float64
	for _, e := range ex {
		w := e.Weight
		if w <= 0 {
			w = 1
		}
		if e.Label {
			pos += w
		} else {
			neg += w
		}
	}
	if pos == 0 || neg == 0 {
		return nil, errors.New("linear: need both classes")
	}
	wPos, wNeg := neg/(pos+neg)*2, pos/(pos+neg)*2
	if cfg.PosWeight > 0 {
		wPos, wNeg = cfg.PosWeight, 1
	}
	xs := make([]sparse, len(ex))
	var buf []uint32
	for i, e := range ex {
		xs[i], buf = featurize(&cfg, e.Text, e.Aux, buf)
	}
	bags := max(cfg.Bags, 1)
	v := make([]float64, 1<<cfg.Bits)
	dense := make([]float64, cfg.Dense)
	bias := 0.0
	for bag := 0; bag < bags; bag++ {
		bv, bd, bb := sgd(&cfg, xs, ex, wPos, wNeg, cfg.Seed+uint64(bag))
		for j, w := range bv {
			v[j] += w / float64(bags)
		}
		for k, w := range bd {
			dense[k] += w / float64(bags)
		}
		bias += bb / float64(bags)
	}
	m := &Model{cfg: cfg, bias: float32(bias), dense: make([]float32, cfg.Dense), q: make([]int8, len(v))}
	for k, w := range dense {
		m.dense[k] = float32(w)
	}
	maxAbs := 0.0
	for j := range v {
		maxAbs = max(maxAbs, math.Abs(v[j]))
	}
	if maxAbs > 0 {
		m.scale = float32(maxAbs / 127)
		for j, w := range v {
			m.q[j] = int8(math.Round(w / float64(m.scale)))
		}
	}
	return m, nil
}

// sgd runs one seeded pass of training and returns the bucket weights
// (unscaled), the dense weights and the bias.
func sgd(cfg *Config, xs []sparse, ex []Example, wPos, wNeg float64, seed uint64) ([]float64, []float64, float64) {
	v := make([]float64, 1<<cfg.Bits)
	scale := 1.0
	dense := make([]float64, cfg.Dense)
	bias := 0.0
	r := rand.New(rand.NewPCG(seed, 0x7e57))
	order := make([]int, len(ex))
	for i := range order {
		order[i] = i
	}
	for ep := 0; ep < cfg.Epochs; ep++ {
		r.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		lr := cfg.LR / (1 + 2*float64(ep)/float64(cfg.Epochs))
		for _, i := range order {
			x := &xs[i]
			z := bias
			for k, j := range x.idx {
				z += v[j] * scale * float64(x.val[k])
			}
			for k, w := range dense {
				if k < len(ex[i].Dense) {
					z += w * ex[i].Dense[k]
				}
			}
			y, w := 0.0, wNeg
			if ex[i].Label {
				y, w = 1, wPos
			}
			if ex[i].Weight > 0 {
				w *= ex[i].Weight
			}
			g := (Sigmoid(z) - y) * w
			scale *= 1 - lr*cfg.L2
			if scale < 1e-3 {
				for j := range v {
					v[j] *= scale
				}
				scale = 1
			}
			for k, j := range x.idx {
				v[j] -= lr * g * float64(x.val[k]) / scale
			}
			for k := range dense {
				if k < len(ex[i].Dense) {
					dense[k] -= lr * (g*ex[i].Dense[k] + cfg.L2*dense[k])
				}
			}
			bias -= lr * g
		}
	}
	for j := range v {
		v[j] *= scale
	}
	return v, dense, bias
}

// magic names the file format and the feature hashing: PLM2 hashes
// character n-grams multiplicatively (PLM1 files, FNV-hashed, are not
// loaded).
const magic = "PLM2"

// MarshalBinary encodes the model: magic, config, bias, scale, dense
// weights (float32) and the int8 bucket weights.
func (m *Model) MarshalBinary() ([]byte, error) {
	b := make([]byte, 0, 32+4*len(m.dense)+len(m.q))
	b = append(b, magic...)
	b = append(b, m.cfg.Bits, m.cfg.CharMin, m.cfg.CharMax, m.cfg.Words)
	b = binary.LittleEndian.AppendUint32(b, uint32(m.cfg.MaxBytes))
	b = binary.LittleEndian.AppendUint32(b, uint32(m.cfg.Head)|uint32(m.cfg.AuxWords)<<24)
	b = binary.LittleEndian.AppendUint32(b, uint32(len(m.dense)))
	b = binary.LittleEndian.AppendUint32(b, math.Float32bits(m.bias))
	b = binary.LittleEndian.AppendUint32(b, math.Float32bits(m.scale))
	for _, w := range m.dense {
		b = binary.LittleEndian.AppendUint32(b, math.Float32bits(w))
	}
	for _, q := range m.q {
		b = append(b, byte(q))
	}
	return b, nil
}

// Load decodes a model written by MarshalBinary.
func Load(b []byte) (*Model, error) {
	if len(b) < 28 || string(b[:4]) != magic {
		return nil, errors.New("linear: not a model file")
	}
	m := &Model{}
	m.cfg.Bits, m.cfg.CharMin, m.cfg.CharMax, m.cfg.Words = b[4], b[5], b[6], b[7]
	m.cfg.MaxBytes = int(binary.LittleEndian.Uint32(b[8:]))
	ha := binary.LittleEndian.Uint32(b[12:])
	m.cfg.Head, m.cfg.AuxWords = int(ha&0xffffff), uint8(ha>>24)
	nd := int(binary.LittleEndian.Uint32(b[16:]))
	m.cfg.Dense = nd
	m.bias = math.Float32frombits(binary.LittleEndian.Uint32(b[20:]))
	m.scale = math.Float32frombits(binary.LittleEndian.Uint32(b[24:]))
	if m.cfg.Bits < 8 || m.cfg.Bits > 24 || m.cfg.CharMax > 8 || m.cfg.Words > 2 || m.cfg.AuxWords > 2 || nd > 1<<10 {
		return nil, errors.New("linear: bad model header")
	}
	off := 28
	if len(b) != off+4*nd+1<<m.cfg.Bits {
		return nil, fmt.Errorf("linear: model is %d bytes, want %d", len(b), off+4*nd+1<<m.cfg.Bits)
	}
	m.dense = make([]float32, nd)
	for i := range m.dense {
		m.dense[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[off:]))
		off += 4
	}
	m.q = make([]int8, 1<<m.cfg.Bits)
	for i := range m.q {
		m.q[i] = int8(b[off+i])
	}
	return m, nil
}
