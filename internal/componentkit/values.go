package componentkit

import "go.opentelemetry.io/collector/pdata/pcommon"

// Number reads a numeric attribute value (double or int), as the
// evaluation scores, costs and counts other components wrote.
func Number(v pcommon.Value) (float64, bool) {
	switch v.Type() {
	case pcommon.ValueTypeDouble:
		return v.Double(), true
	case pcommon.ValueTypeInt:
		return float64(v.Int()), true
	}
	return 0, false
}
