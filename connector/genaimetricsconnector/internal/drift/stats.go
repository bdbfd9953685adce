// Package drift holds the drift and quality-regression state of the
// genai_metrics connector: fixed-bin count arrays per series and window, the
// statistics computed at window close (PSI, Jensen–Shannon, n-aware
// thresholds, Fisher exact and two-proportion tests) and their encoding for
// persistence.
package drift

import (
	"math"
)

// pseudoCount is added to every kept bin before computing shares; it is less
// noisy than a tiny floor (one new 1% bin adds little PSI).
const pseudoCount = 0.5

// minExpected is the expected count a merged bin must reach in the smaller
// window (the usual χ² validity rule).
const minExpected = 5.0

// PSI returns the population stability index of two share vectors.
func PSI(p, q []float64) float64 {
	var s float64
	for i := range p {
		if p[i] <= 0 || q[i] <= 0 {
			continue
		}
		s += (q[i] - p[i]) * math.Log(q[i]/p[i])
	}
	return s
}

// JSDistance returns the Jensen–Shannon distance (square root of the
// divergence, base 2, in [0,1]).
func JSDistance(p, q []float64) float64 {
	var s float64
	for i := range p {
		m := (p[i] + q[i]) / 2
		if p[i] > 0 {
			s += p[i] * math.Log2(p[i]/m) / 2
		}
		if q[i] > 0 {
			s += q[i] * math.Log2(q[i]/m) / 2
		}
	}
	if s < 0 {
		s = 0
	}
	if s > 1 {
		s = 1
	}
	return math.Sqrt(s)
}

// Hellinger returns the Hellinger distance in [0,1].
func Hellinger(p, q []float64) float64 {
	var bc float64
	for i := range p {
		bc += math.Sqrt(p[i] * q[i])
	}
	if bc > 1 {
		bc = 1
	}
	return math.Sqrt(1 - bc)
}

// NormalQuantile returns z with Φ(z) = p.
func NormalQuantile(p float64) float64 {
	return math.Sqrt2 * math.Erfinv(2*p-1)
}

// ChiSquareQuantile approximates the p-quantile of χ² with k degrees of
// freedom (Wilson–Hilferty; within ~1% for k ≥ 3 at the tails used here).
func ChiSquareQuantile(k int, p float64) float64 {
	if k < 1 {
		return 0
	}
	fk := float64(k)
	a := 2 / (9 * fk)
	v := 1 - a + NormalQuantile(p)*math.Sqrt(a)
	if v < 0 {
		return 0
	}
	return fk * v * v * v
}

// normalSF is 1 - Φ(z).
func normalSF(z float64) float64 { return 0.5 * math.Erfc(z/math.Sqrt2) }

// ZOneSided returns the one-sided two-proportion z statistic for a rise from
// x1/n1 (baseline) to x2/n2 (current) and its p-value.
func ZOneSided(x1, n1, x2, n2 float64) (z, p float64) {
	if n1 <= 0 || n2 <= 0 {
		return 0, 1
	}
	pool := (x1 + x2) / (n1 + n2)
	se := math.Sqrt(pool * (1 - pool) * (1/n1 + 1/n2))
	if se == 0 {
		return 0, 1
	}
	z = (x2/n2 - x1/n1) / se
	return z, normalSF(z)
}

// fisherMaxTerms bounds the exact sum; beyond it the z test is used (large
// counts, where both agree).
const fisherMaxTerms = 20000

// FisherOneSided returns the one-sided Fisher exact p-value that the failure
// rate of the second sample (x2 of n2) exceeds the first (x1 of n1).
func FisherOneSided(x1, n1, x2, n2 int64) float64 {
	if n1 <= 0 || n2 <= 0 || x1 < 0 || x2 < 0 || x1 > n1 || x2 > n2 {
		return 1
	}
	k := x1 + x2
	hi := min(k, n2)
	if hi-x2 > fisherMaxTerms || x2 > fisherMaxTerms*50 {
		_, p := ZOneSided(float64(x1), float64(n1), float64(x2), float64(n2))
		return p
	}
	N := n1 + n2
	lc := func(n, r int64) float64 {
		a, _ := math.Lgamma(float64(n + 1))
		b, _ := math.Lgamma(float64(r + 1))
		c, _ := math.Lgamma(float64(n - r + 1))
		return a - b - c
	}
	lo := max(int64(0), n2-(N-k))
	j := max(x2, lo)
	if j > hi {
		return 0
	}
	logp := lc(k, j) + lc(N-k, n2-j) - lc(N, n2)
	term := math.Exp(logp)
	sum := term
	for ; j < hi; j++ {
		term *= float64(k-j) * float64(n2-j) / (float64(j+1) * float64(N-k-n2+j+1))
		sum += term
		if term < sum*1e-17 {
			break
		}
	}
	if sum > 1 {
		sum = 1
	}
	return sum
}

// Comparison is the outcome of comparing a current window with a baseline.
type Comparison struct {
	PSI       float64
	JS        float64
	Threshold float64 // n-aware PSI threshold
	Bins      int     // bins after merging
	N, M      float64 // current and baseline sizes
	Flagged   bool
}

// Compare merges sparse bins, smooths and computes PSI and JS distance of cur
// against base. ordinal merges adjacent bins; otherwise sparse categories
// are lumped into one "other" bin. deff scales the no-drift spread (design
// effect, 1 except for the topic signature). The rule flags when
// PSI ≥ max(floor, χ²_{bins-1,1-alpha}·deff·(1/n+1/m)).
func Compare(base, cur []float32, ordinal bool, deff, floor, alpha float64) Comparison {
	var m, n float64
	for i := range base {
		m += float64(base[i])
		n += float64(cur[i])
	}
	c := Comparison{N: n, M: m}
	if m <= 0 || n <= 0 {
		return c
	}
	small := math.Min(m, n)
	var a, b [128]float64
	k := 0
	if ordinal {
		var accA, accB float64
		for i := range base {
			accA += float64(base[i])
			accB += float64(cur[i])
			if accA+accB == 0 {
				continue
			}
			if (accA+accB)/(m+n)*small >= minExpected {
				a[k], b[k] = accA, accB
				k++
				accA, accB = 0, 0
			}
		}
		if accA+accB > 0 {
			if k == 0 {
				a[0], b[0] = accA, accB
				k = 1
			} else {
				a[k-1] += accA
				b[k-1] += accB
			}
		}
	} else {
		var otherA, otherB float64
		for i := range base {
			x, y := float64(base[i]), float64(cur[i])
			if x+y == 0 {
				continue
			}
			if (x+y)/(m+n)*small >= minExpected && k < len(a)-1 {
				a[k], b[k] = x, y
				k++
			} else {
				otherA += x
				otherB += y
			}
		}
		if otherA+otherB > 0 {
			// A lone sparse bin still gets the expected-count floor by
			// joining the smallest kept bin.
			if (otherA+otherB)/(m+n)*small < minExpected && k > 0 {
				j := 0
				for i := 1; i < k; i++ {
					if a[i]+b[i] < a[j]+b[j] {
						j = i
					}
				}
				a[j] += otherA
				b[j] += otherB
			} else {
				a[k], b[k] = otherA, otherB
				k++
			}
		}
	}
	c.Bins = k
	if k < 2 {
		return c
	}
	var p, q [128]float64
	dm := m + pseudoCount*float64(k)
	dn := n + pseudoCount*float64(k)
	for i := 0; i < k; i++ {
		p[i] = (a[i] + pseudoCount) / dm
		q[i] = (b[i] + pseudoCount) / dn
	}
	c.PSI = PSI(p[:k], q[:k])
	c.JS = JSDistance(p[:k], q[:k])
	c.Threshold = math.Max(floor, ChiSquareQuantile(k-1, 1-alpha)*deff*(1/n+1/m))
	c.Flagged = c.PSI >= c.Threshold
	return c
}
