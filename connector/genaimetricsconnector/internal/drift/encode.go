package drift

import (
	"encoding/binary"
	"errors"
	"math"
	"sort"
)

const encVersion = 1

var errCorrupt = errors.New("drift state: corrupt blob")

type enc struct{ b []byte }

func (e *enc) u(v uint64)  { e.b = binary.AppendUvarint(e.b, v) }
func (e *enc) i(v int64)   { e.b = binary.AppendVarint(e.b, v) }
func (e *enc) f(v float64) { e.b = binary.LittleEndian.AppendUint64(e.b, math.Float64bits(v)) }
func (e *enc) s(v string)  { e.u(uint64(len(v))); e.b = append(e.b, v...) }
func (e *enc) bool(v bool) {
	if v {
		e.b = append(e.b, 1)
	} else {
		e.b = append(e.b, 0)
	}
}

// f32s writes a count array sparsely: non-zero cells only.
func (e *enc) f32s(a []float32) {
	nz := 0
	for _, v := range a {
		if v != 0 {
			nz++
		}
	}
	e.u(uint64(nz))
	for i, v := range a {
		if v != 0 {
			e.u(uint64(i))
			e.b = binary.LittleEndian.AppendUint32(e.b, math.Float32bits(v))
		}
	}
}

type dec struct {
	b   []byte
	err error
}

func (d *dec) u() uint64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.err = errCorrupt
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *dec) i() int64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Varint(d.b)
	if n <= 0 {
		d.err = errCorrupt
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *dec) f() float64 {
	if d.err != nil || len(d.b) < 8 {
		d.err = errCorrupt
		return 0
	}
	v := math.Float64frombits(binary.LittleEndian.Uint64(d.b))
	d.b = d.b[8:]
	return v
}

func (d *dec) s() string {
	n := d.u()
	if d.err != nil || n > uint64(len(d.b)) {
		d.err = errCorrupt
		return ""
	}
	v := string(d.b[:n])
	d.b = d.b[n:]
	return v
}

func (d *dec) bool() bool {
	if d.err != nil || len(d.b) < 1 {
		d.err = errCorrupt
		return false
	}
	v := d.b[0] != 0
	d.b = d.b[1:]
	return v
}

func (d *dec) f32s(a []float32) {
	nz := d.u()
	if nz > uint64(len(a)) {
		d.err = errCorrupt
		return
	}
	for k := uint64(0); k < nz && d.err == nil; k++ {
		i := d.u()
		if i >= uint64(len(a)) || len(d.b) < 4 {
			d.err = errCorrupt
			return
		}
		a[i] = math.Float32frombits(binary.LittleEndian.Uint32(d.b))
		d.b = d.b[4:]
	}
}

func (e *enc) window(w *window) {
	e.f32s(w.In[:])
	e.f32s(w.Out[:])
	e.f32s(w.Lat[:])
	e.f32s(w.Cost[:])
	e.f32s(w.Finish[:])
	e.f32s(w.Script[:])
	e.f32s(w.Refusal[:])
	e.f32s(w.Topic[:])
	e.f(float64(w.TopicS2))
	e.u(uint64(len(w.Evals)))
	for i := range w.Evals {
		e.f32s(w.Evals[i].Score[:])
		e.f(float64(w.Evals[i].Pass))
		e.f(float64(w.Evals[i].Fail))
	}
}

func (d *dec) window(w *window) {
	d.f32s(w.In[:])
	d.f32s(w.Out[:])
	d.f32s(w.Lat[:])
	d.f32s(w.Cost[:])
	d.f32s(w.Finish[:])
	d.f32s(w.Script[:])
	d.f32s(w.Refusal[:])
	d.f32s(w.Topic[:])
	w.TopicS2 = float32(d.f())
	n := d.u()
	if n > MaxEvaluators {
		d.err = errCorrupt
		return
	}
	w.Evals = make([]evalWin, n)
	for i := range w.Evals {
		d.f32s(w.Evals[i].Score[:])
		w.Evals[i].Pass = float32(d.f())
		w.Evals[i].Fail = float32(d.f())
	}
}

func (e *enc) reg(r *RegState) {
	e.bool(r.Active)
	e.bool(r.Tested)
	e.u(uint64(r.Hits))
	e.u(uint64(r.Clears))
	e.f(r.P)
	e.f(r.Base)
	e.f(r.Cur)
}

func (d *dec) reg(r *RegState) {
	r.Active = d.bool()
	r.Tested = d.bool()
	r.Hits = int(d.u())
	r.Clears = int(d.u())
	r.P = d.f()
	r.Base = d.f()
	r.Cur = d.f()
}

func (e *enc) strs(a []string) {
	e.u(uint64(len(a)))
	for _, s := range a {
		e.s(s)
	}
}

func (d *dec) strs(max int) []string {
	n := d.u()
	if n > uint64(max) {
		d.err = errCorrupt
		return nil
	}
	out := make([]string, n)
	for i := range out {
		out[i] = d.s()
	}
	return out
}

// MarshalSeries encodes a series.
func MarshalSeries(s *Series) []byte {
	e := enc{b: make([]byte, 0, 512)}
	e.b = append(e.b, 's', encVersion)
	e.s(s.Key)
	e.strs(s.Dims)
	e.strs(s.EvalNames)
	e.i(s.CurStart)
	e.i(s.BaseStart)
	e.i(s.LastSeen)
	e.bool(s.BaseFrozen)
	e.window(&s.cur)
	e.window(&s.base)
	e.u(uint64(len(s.Scores)))
	for _, sc := range s.Scores {
		e.s(sc.Signal)
		e.s(sc.Method)
		e.f(sc.Value)
	}
	e.u(uint64(len(s.Reg)))
	for i := range s.Reg {
		e.reg(&s.Reg[i])
	}
	return e.b
}

// UnmarshalSeries decodes a series.
func UnmarshalSeries(b []byte) (*Series, error) {
	if len(b) < 2 || b[0] != 's' || b[1] != encVersion {
		return nil, errCorrupt
	}
	d := dec{b: b[2:]}
	s := &Series{}
	s.Key = d.s()
	s.Dims = d.strs(64)
	s.EvalNames = d.strs(MaxEvaluators)
	s.CurStart = d.i()
	s.BaseStart = d.i()
	s.LastSeen = d.i()
	s.BaseFrozen = d.bool()
	d.window(&s.cur)
	d.window(&s.base)
	n := d.u()
	if n > 4*(MaxEvaluators+16) {
		return nil, errCorrupt
	}
	for k := uint64(0); k < n && d.err == nil; k++ {
		s.Scores = append(s.Scores, Score{Signal: d.s(), Method: d.s(), Value: d.f()})
	}
	n = d.u()
	if n > MaxEvaluators {
		return nil, errCorrupt
	}
	s.Reg = make([]RegState, n)
	for i := range s.Reg {
		d.reg(&s.Reg[i])
	}
	if d.err != nil {
		return nil, d.err
	}
	if len(d.b) != 0 {
		return nil, errCorrupt
	}
	return s, nil
}

func (e *enc) counts(m map[string]*[2]float64) {
	names := make([]string, 0, len(m))
	for k := range m {
		names = append(names, k)
	}
	sort.Strings(names)
	e.u(uint64(len(names)))
	for _, k := range names {
		e.s(k)
		e.f(m[k][0])
		e.f(m[k][1])
	}
}

func (d *dec) counts() map[string]*[2]float64 {
	n := d.u()
	if n > MaxEvaluators {
		d.err = errCorrupt
		return nil
	}
	m := make(map[string]*[2]float64, n)
	for k := uint64(0); k < n && d.err == nil; k++ {
		name := d.s()
		m[name] = &[2]float64{d.f(), d.f()}
	}
	return m
}

// MarshalFamily encodes a prompt family.
func MarshalFamily(f *Family) []byte {
	e := enc{b: make([]byte, 0, 256)}
	e.b = append(e.b, 'f', encVersion)
	e.s(f.Key)
	e.strs(f.Dims)
	e.s(f.Cur)
	e.s(f.Prev)
	e.i(f.LastSeen)
	e.counts(f.CurCounts)
	e.counts(f.PrevCount)
	names := make([]string, 0, len(f.Reg))
	for k := range f.Reg {
		names = append(names, k)
	}
	sort.Strings(names)
	e.u(uint64(len(names)))
	for _, k := range names {
		e.s(k)
		e.reg(f.Reg[k])
	}
	return e.b
}

// UnmarshalFamily decodes a prompt family.
func UnmarshalFamily(b []byte) (*Family, error) {
	if len(b) < 2 || b[0] != 'f' || b[1] != encVersion {
		return nil, errCorrupt
	}
	d := dec{b: b[2:]}
	f := &Family{}
	f.Key = d.s()
	f.Dims = d.strs(64)
	f.Cur = d.s()
	f.Prev = d.s()
	f.LastSeen = d.i()
	f.CurCounts = d.counts()
	f.PrevCount = d.counts()
	n := d.u()
	if n > MaxEvaluators {
		return nil, errCorrupt
	}
	f.Reg = make(map[string]*RegState, n)
	for k := uint64(0); k < n && d.err == nil; k++ {
		name := d.s()
		r := &RegState{}
		d.reg(r)
		f.Reg[name] = r
	}
	if d.err != nil {
		return nil, d.err
	}
	if len(d.b) != 0 {
		return nil, errCorrupt
	}
	return f, nil
}

// Entry is one persisted blob.
type Entry struct {
	Key   string
	Value []byte // nil: delete
}

// familyPrefix marks family entries in the dirty set and storage keys.
const familyPrefix = "f\x00"

// TakeDirty returns the blobs changed since the last call (deletions with a
// nil value) and clears the dirty set. Keys are internal ids; the caller
// maps them to storage keys.
func (t *Tracker) TakeDirty() []Entry {
	out := make([]Entry, 0, len(t.dirty)+len(t.removed))
	for k := range t.dirty {
		if len(k) > 2 && k[:2] == familyPrefix {
			if f := t.families[k[2:]]; f != nil {
				f.dirty = false
				out = append(out, Entry{Key: k, Value: MarshalFamily(f)})
			}
			continue
		}
		if s := t.series[k]; s != nil {
			s.dirty = false
			out = append(out, Entry{Key: k, Value: MarshalSeries(s)})
		}
	}
	for k := range t.removed {
		out = append(out, Entry{Key: k})
	}
	clear(t.dirty)
	clear(t.removed)
	return out
}

// Restore loads one blob produced by TakeDirty (a series or a prompt
// family, told apart by the blob's tag). A corrupt blob returns an error
// and changes nothing.
func (t *Tracker) Restore(value []byte) error {
	if len(value) > 0 && value[0] == 'f' {
		f, err := UnmarshalFamily(value)
		if err != nil {
			return err
		}
		if len(t.families) < t.set.MaxSeries {
			t.families[f.Key] = f
			t.famGen++ // it may replace one a series holds
		}
		return nil
	}
	s, err := UnmarshalSeries(value)
	if err != nil {
		return err
	}
	if len(t.series) < t.set.MaxSeries {
		t.series[s.Key] = s
	}
	return nil
}

// LastClose returns the aligned start of the current window (unix nanos).
func (t *Tracker) LastClose() int64 { return t.lastClose }

// SetLastClose restores the window position saved with LastClose.
func (t *Tracker) SetLastClose(ns int64) {
	if ns > t.lastClose {
		t.lastClose = ns
	}
}
