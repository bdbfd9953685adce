package pricing

import (
	"errors"
	"math/big"
	"math/bits"
	"strconv"
	"strings"
)

// Femto is the internal money unit: 1e-15 USD. Every rate of every known
// table (down to 1e-10 USD/token and per-pixel prices such as 3.81469e-8) is
// an integer number of femto-dollars, so sums are exact; the only rounding
// is the conversion to a float at output.
const Femto = 1e15

// Amount is an exact non-negative money amount in femto-USD, held in 128
// bits so that 10^9 tokens at an absurd 1 USD/token cannot overflow.
type Amount struct{ hi, lo uint64 }

// AmountOf returns n femto-USD.
func AmountOf(n uint64) Amount { return Amount{lo: n} }

// IsZero reports whether a is zero.
func (a Amount) IsZero() bool { return a.hi == 0 && a.lo == 0 }

// Add returns a+b (saturating).
func (a Amount) Add(b Amount) Amount {
	lo, c := bits.Add64(a.lo, b.lo, 0)
	hi, o := bits.Add64(a.hi, b.hi, c)
	if o != 0 {
		return Amount{^uint64(0), ^uint64(0)}
	}
	return Amount{hi, lo}
}

// MulTokens returns rate × n for a per-unit rate in femto-USD.
func MulTokens(rate int64, n int64) Amount {
	if rate <= 0 || n <= 0 {
		return Amount{}
	}
	hi, lo := bits.Mul64(uint64(rate), uint64(n))
	return Amount{hi, lo}
}

// Scale returns a × num / den, rounding half up (den > 0). Multipliers are
// stored as parts per million, so 1.1 is Scale(a, 1_100_000, 1_000_000).
func (a Amount) Scale(num, den uint64) Amount {
	if den == 0 || num == den {
		return a
	}
	// 192-bit product a × num.
	h1, l1 := bits.Mul64(a.lo, num)
	h2, l2 := bits.Mul64(a.hi, num)
	mid, c := bits.Add64(h1, l2, 0)
	top := h2 + c
	if top >= den {
		return Amount{^uint64(0), ^uint64(0)}
	}
	// Long division of (top, mid, l1) by den.
	q1, r := bits.Div64(top, mid, den)
	q0, r := bits.Div64(r, l1, den)
	out := Amount{q1, q0}
	if r >= den-r { // remainder ≥ half
		out = out.Add(Amount{lo: 1})
	}
	return out
}

// USD converts to float64 with a single rounding of the fractional part.
func (a Amount) USD() float64 {
	if a.hi == 0 && a.lo < 1<<53 {
		return float64(a.lo) / Femto // exact operand: one correctly rounded division
	}
	if a.hi == 0 {
		q, r := a.lo/Femto, a.lo%Femto
		return float64(q) + float64(r)/Femto
	}
	// Beyond 2^64 femto-USD (≈ 18,000 USD) float precision is the limit anyway.
	return (float64(a.hi)*18446744073709551616 + float64(a.lo)) / Femto
}

// Femtos returns the amount as a decimal integer string (for tests and logs).
func (a Amount) Femtos() string {
	if a.hi == 0 {
		return strconv.FormatUint(a.lo, 10)
	}
	v := new(big.Int).SetUint64(a.hi)
	v.Lsh(v, 64)
	v.Add(v, new(big.Int).SetUint64(a.lo))
	return v.String()
}

var errDecimal = errors.New("not a decimal number")

// ParseDecimal parses a non-negative decimal number ("2.5", "2.5e-06",
// "0.000010") and returns value × 10^scale as an integer, exactly. It fails
// on negative values, on precision finer than the unit and on overflow, so a
// price is never silently rounded.
func ParseDecimal(s string, scale int) (int64, error) {
	v, rounded, err := parseDecimal(s, scale, false)
	if rounded {
		return 0, errors.New("price finer than 1e-15 USD")
	}
	return v, err
}

// ParseDecimalRounded is ParseDecimal for tables written from binary floats
// (2.9999900000000002e-06): digits beyond the unit are rounded half-even and
// reported, never an error.
func ParseDecimalRounded(s string, scale int) (v int64, rounded bool, err error) {
	return parseDecimal(s, scale, true)
}

func parseDecimal(s string, scale int, round bool) (int64, bool, error) {
	errDec := func(e error) (int64, bool, error) { return 0, false, e }
	s = strings.TrimSpace(s)
	if s == "" || len(s) > 64 {
		return errDec(errDecimal)
	}
	exp := 0
	if i := strings.IndexAny(s, "eE"); i >= 0 {
		e, err := strconv.Atoi(s[i+1:])
		if err != nil || e < -40 || e > 40 {
			return errDec(errDecimal)
		}
		exp, s = e, s[:i]
	}
	if strings.HasPrefix(s, "+") {
		s = s[1:]
	}
	if strings.HasPrefix(s, "-") {
		if strings.Trim(s[1:], "0.") == "" {
			s = s[1:]
		} else {
			return errDec(errors.New("negative price"))
		}
	}
	intPart, frac, _ := strings.Cut(s, ".")
	if intPart == "" && frac == "" {
		return errDec(errDecimal)
	}
	digits := intPart + frac
	exp -= len(frac)
	exp += scale
	var v uint64
	for i := 0; i < len(digits); i++ {
		c := digits[i]
		if c < '0' || c > '9' {
			return errDec(errDecimal)
		}
		hi, lo := bits.Mul64(v, 10)
		if hi != 0 {
			return errDec(errors.New("price out of range"))
		}
		var carry uint64
		v, carry = bits.Add64(lo, uint64(c-'0'), 0)
		if carry != 0 {
			return errDec(errors.New("price out of range"))
		}
	}
	for ; exp > 0; exp-- {
		hi, lo := bits.Mul64(v, 10)
		if hi != 0 {
			return errDec(errors.New("price out of range"))
		}
		v = lo
	}
	var last, sticky uint64 // most significant dropped digit; any lower one non-zero
	for ; exp < 0; exp++ {
		if last != 0 {
			sticky = 1
		}
		last = v % 10
		v /= 10
	}
	rounded := last != 0 || sticky != 0
	if rounded {
		if !round {
			return 0, true, nil
		}
		if last > 5 || (last == 5 && (sticky != 0 || v%2 == 1)) {
			v++
		}
	}
	if v > 1<<62 {
		return errDec(errors.New("price out of range"))
	}
	return int64(v), rounded, nil
}

// FormatRate renders a femto-USD rate as USD (for logs and README tables).
func FormatRate(f int64) string {
	return strconv.FormatFloat(float64(f)/Femto, 'g', -1, 64)
}
