package pst

import "slices"

// writePC writes a Property Context and returns its bidData. Values larger
// than a heap allocation become subnodes in subs (which the caller writes).
// The BTH header is HID 0x20, as java-libpst lineage readers require.
// props (at most 65,536) are not reordered; of equal ids the first wins.
func writePC(d *ndb, props []prop, subs *subnodes) (uint64, int, error) {
	h := newHeap(d, 0xBC, subs)
	bth, err := newBTH(h, 2, 6)
	if err != nil {
		return 0, 0, err
	}
	// Ascending id, the first of equal ids kept: sort keys id<<16|index
	// (small integers, not the props themselves).
	var keyBuf [64]uint32
	keys := keyBuf[:0]
	for i, p := range props {
		keys = append(keys, uint32(p.id)<<16|uint32(i))
	}
	slices.Sort(keys)
	for i, key := range keys {
		if i > 0 && keys[i-1]>>16 == key>>16 {
			continue
		}
		p := &props[key&0xFFFF]
		val := p.inline
		switch {
		case p.preset:
			val = p.hnid
		case p.typ != ptI32 && p.typ != ptBool:
			if val, err = h.value(p.data); err != nil {
				return 0, 0, err
			}
		}
		var k [2]byte
		var v [6]byte
		le.PutUint16(k[:], p.id)
		le.PutUint16(v[0:], p.typ)
		le.PutUint32(v[2:], val)
		if err := bth.add(k[:], v[:]); err != nil {
			return 0, 0, err
		}
	}
	if err := bth.finish(); err != nil {
		return 0, 0, err
	}
	bid, err := h.finish(bth.hdr)
	return bid, h.bytes, err
}
