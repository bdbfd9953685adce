package miner

import (
	"encoding/binary"
	"errors"
)

// snapshotVersion guards the binary layout of Snapshot. Version 2 adds
// each template's parent (the template a child narrows); version 1
// snapshots still load, their templates without a parent.
const snapshotVersion = 2

// Snapshot encodes the templates, most recently used last, until maxBytes
// is reached (older templates are left out first).
func (m *Miner) Snapshot(maxBytes int) []byte {
	m.mu.Lock()
	defer m.mu.Unlock()
	// walk from the most recent, then write in reverse so that Restore
	// rebuilds the same LRU order
	var parts [][]byte
	total := 0
	for e := m.lru.Front(); e != nil; e = e.Next() {
		c := e.Value.(*cluster)
		b := encodeCluster(c)
		if maxBytes > 0 && total+len(b) > maxBytes {
			break
		}
		total += len(b)
		parts = append(parts, b)
	}
	out := make([]byte, 0, total+16)
	out = binary.AppendUvarint(out, snapshotVersion)
	out = binary.AppendUvarint(out, uint64(len(parts)))
	for i := len(parts) - 1; i >= 0; i-- {
		out = append(out, parts[i]...)
	}
	return out
}

func encodeCluster(c *cluster) []byte {
	b := make([]byte, 0, 32+len(c.tokens)*12)
	b = binary.LittleEndian.AppendUint64(b, c.id)
	b = binary.LittleEndian.AppendUint64(b, c.family)
	b = binary.LittleEndian.AppendUint64(b, c.parent)
	b = binary.AppendUvarint(b, c.count)
	b = binary.AppendUvarint(b, uint64(len(c.tokens)))
	for i, t := range c.tokens {
		if t.Wild {
			b = append(b, 1)
			continue
		}
		b = append(b, 0)
		b = binary.LittleEndian.AppendUint64(b, t.H)
		b = binary.AppendUvarint(b, uint64(c.support[i]))
		b = binary.AppendUvarint(b, uint64(len(t.Text)))
		b = append(b, t.Text...)
	}
	return b
}

var errCorrupt = errors.New("miner snapshot: corrupt data")

// Restore adds the templates of a Snapshot to m. Templates already present
// are kept. A corrupt snapshot restores nothing past the damage and returns
// an error.
func (m *Miner) Restore(data []byte) (int, error) {
	r := reader{b: data}
	v := r.uvarint()
	if r.err || v < 1 || v > snapshotVersion {
		return 0, errCorrupt
	}
	n := r.uvarint()
	m.mu.Lock()
	defer m.mu.Unlock()
	restored := 0
	for i := uint64(0); i < n && !r.err; i++ {
		c := &cluster{}
		c.id = r.u64()
		c.family = r.u64()
		if v >= 2 {
			c.parent = r.u64()
		}
		c.count = r.uvarint()
		nt := r.uvarint()
		if r.err || nt > uint64(len(r.b)) {
			return restored, errCorrupt
		}
		c.tokens = make([]tok, 0, nt)
		c.support = make([]uint32, 0, nt)
		for j := uint64(0); j < nt && !r.err; j++ {
			switch r.byte() {
			case 1:
				c.tokens = append(c.tokens, tok{Wild: true})
				c.support = append(c.support, 0)
			case 0:
				h := r.u64()
				s := r.uvarint()
				l := r.uvarint()
				txt := r.bytes(l)
				c.tokens = append(c.tokens, tok{H: h, Text: string(txt)})
				c.support = append(c.support, uint32(min(s, 1<<30)))
			default:
				r.err = true
			}
		}
		if r.err {
			return restored, errCorrupt
		}
		if _, ok := m.byID[c.id]; ok {
			continue
		}
		c.settle(m.p.MinSystem)
		m.insert(c)
		restored++
	}
	if r.err {
		return restored, errCorrupt
	}
	return restored, nil
}

type reader struct {
	b   []byte
	err bool
}

func (r *reader) uvarint() uint64 {
	if r.err {
		return 0
	}
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.err = true
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *reader) u64() uint64 {
	if r.err || len(r.b) < 8 {
		r.err = true
		return 0
	}
	v := binary.LittleEndian.Uint64(r.b)
	r.b = r.b[8:]
	return v
}

func (r *reader) byte() byte {
	if r.err || len(r.b) < 1 {
		r.err = true
		return 0xff
	}
	v := r.b[0]
	r.b = r.b[1:]
	return v
}

func (r *reader) bytes(n uint64) []byte {
	if r.err || uint64(len(r.b)) < n {
		r.err = true
		return nil
	}
	v := r.b[:n]
	r.b = r.b[n:]
	return v
}
