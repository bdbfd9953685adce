package eval

import "sort"

// AUROC returns the area under the ROC curve of scores against binary
// labels (true = positive), with ties counted as half. It returns 0.5 when
// either class is empty.
func AUROC(scores []float64, labels []bool) float64 {
	type pt struct {
		s   float64
		pos bool
	}
	pts := make([]pt, len(scores))
	var nPos, nNeg float64
	for i, s := range scores {
		pts[i] = pt{s, labels[i]}
		if labels[i] {
			nPos++
		} else {
			nNeg++
		}
	}
	if nPos == 0 || nNeg == 0 {
		return 0.5
	}
	sort.Slice(pts, func(i, j int) bool { return pts[i].s < pts[j].s })
	// Mann-Whitney U with average ranks for ties.
	var rankSumPos float64
	for i := 0; i < len(pts); {
		j := i
		for j < len(pts) && pts[j].s == pts[i].s {
			j++
		}
		avg := float64(i+j+1) / 2 // ranks are 1-based: (i+1 + j)/2
		for k := i; k < j; k++ {
			if pts[k].pos {
				rankSumPos += avg
			}
		}
		i = j
	}
	return (rankSumPos - nPos*(nPos+1)/2) / (nPos * nNeg)
}
