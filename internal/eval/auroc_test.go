package eval

import "testing"

func TestAUROC(t *testing.T) {
	cases := []struct {
		name   string
		scores []float64
		labels []bool
		want   float64
	}{
		{"perfect", []float64{0.1, 0.2, 0.8, 0.9}, []bool{false, false, true, true}, 1},
		{"inverted", []float64{0.9, 0.8, 0.2, 0.1}, []bool{false, false, true, true}, 0},
		{"all tied", []float64{0.5, 0.5, 0.5, 0.5}, []bool{false, true, false, true}, 0.5},
		{"one swap", []float64{0.1, 0.6, 0.5, 0.9}, []bool{false, false, true, true}, 0.75},
		{"single class", []float64{0.1, 0.2}, []bool{true, true}, 0.5},
	}
	for _, c := range cases {
		if got := AUROC(c.scores, c.labels); got != c.want {
			t.Errorf("%s: AUROC = %v, want %v", c.name, got, c.want)
		}
	}
}
