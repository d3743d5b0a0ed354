package pst

import (
	"fmt"
	"io"
	"os"
)

// reader is a minimal PST reader used by Check and by tests: NDB blocks,
// data trees, subnode trees, heaps, BTHs, PCs and TC row counts.
type reader struct {
	f      *os.File
	size   int64
	blocks map[uint64]bbtEntry // by BID with bit 0 cleared
}

type bbtEntry struct {
	ib       int64
	cb, cRef uint16
}

func (r *reader) readAt(n int, off int64) ([]byte, error) {
	if off < 0 || off+int64(n) > r.size {
		return nil, fmt.Errorf("range %#x+%d outside the file", off, n)
	}
	b := make([]byte, n)
	if _, err := r.f.ReadAt(b, off); err != nil && err != io.EOF {
		return nil, err
	}
	return b, nil
}

// block returns a block's payload.
func (r *reader) block(bid uint64) ([]byte, error) {
	e, ok := r.blocks[bid&^1]
	if !ok {
		return nil, fmt.Errorf("block %#x not in the BBT", bid)
	}
	b, err := r.readAt(int(blockSize(int(e.cb))), e.ib)
	if err != nil {
		return nil, err
	}
	return b[:e.cb], nil
}

// data returns the concatenated data of a data tree.
func (r *reader) data(bid uint64) ([]byte, error) {
	parts, err := r.dataBlocks(bid)
	if err != nil {
		return nil, err
	}
	var out []byte
	for _, p := range parts {
		out = append(out, p...)
	}
	return out, nil
}

// dataBlocks returns the leaf blocks of a data tree, in order.
func (r *reader) dataBlocks(bid uint64) ([][]byte, error) {
	if bid == 0 {
		return nil, nil
	}
	b, err := r.block(bid)
	if err != nil {
		return nil, err
	}
	if bid&2 == 0 {
		return [][]byte{b}, nil
	}
	if len(b) < 8 || b[0] != 1 {
		return nil, fmt.Errorf("block %#x: not an XBLOCK/XXBLOCK", bid)
	}
	n := int(le.Uint16(b[2:]))
	if len(b) < 8+8*n {
		return nil, fmt.Errorf("block %#x: short XBLOCK", bid)
	}
	var out [][]byte
	for i := 0; i < n; i++ {
		sub, err := r.dataBlocks(le.Uint64(b[8+8*i:]))
		if err != nil {
			return nil, err
		}
		out = append(out, sub...)
	}
	return out, nil
}

// subnodeMap returns the subnode entries of a subnode tree.
func (r *reader) subnodeMap(bid uint64) (map[uint32]slEntry, error) {
	out := map[uint32]slEntry{}
	if bid == 0 {
		return out, nil
	}
	var walk func(bid uint64) error
	walk = func(bid uint64) error {
		b, err := r.block(bid)
		if err != nil {
			return err
		}
		if len(b) < 8 || b[0] != 2 {
			return fmt.Errorf("block %#x: not an SLBLOCK/SIBLOCK", bid)
		}
		n := int(le.Uint16(b[2:]))
		if b[1] == 0 {
			for i := 0; i < n && 8+24*(i+1) <= len(b); i++ {
				e := b[8+24*i:]
				out[uint32(le.Uint64(e))] = slEntry{uint32(le.Uint64(e)), le.Uint64(e[8:]), le.Uint64(e[16:])}
			}
			return nil
		}
		for i := 0; i < n && 8+16*(i+1) <= len(b); i++ {
			if err := walk(le.Uint64(b[8+16*i+8:])); err != nil {
				return err
			}
		}
		return nil
	}
	return out, walk(bid)
}

// hn is a parsed heap.
type hn struct {
	r      *reader
	blocks [][]byte
	maps   [][]uint16
	subs   map[uint32]slEntry
	sig    byte
	root   uint32
}

func (r *reader) heap(bidData, bidSub uint64) (*hn, error) {
	blocks, err := r.dataBlocks(bidData)
	if err != nil {
		return nil, err
	}
	if len(blocks) == 0 || len(blocks[0]) < 12 || blocks[0][2] != 0xEC {
		return nil, fmt.Errorf("not a heap (no 0xEC signature)")
	}
	h := &hn{r: r, blocks: blocks, sig: blocks[0][3], root: le.Uint32(blocks[0][4:])}
	for i, b := range blocks {
		ib := int(le.Uint16(b))
		if ib+4 > len(b) {
			return nil, fmt.Errorf("heap block %d: page map outside the block", i)
		}
		n := int(le.Uint16(b[ib:]))
		if ib+4+2*(n+1) > len(b) {
			return nil, fmt.Errorf("heap block %d: page map of %d allocations overruns", i, n)
		}
		offs := make([]uint16, n+1)
		for k := range offs {
			offs[k] = le.Uint16(b[ib+4+2*k:])
		}
		h.maps = append(h.maps, offs)
	}
	if h.subs, err = r.subnodeMap(bidSub); err != nil {
		return nil, err
	}
	return h, nil
}

// get returns the bytes of an HNID (heap allocation or subnode).
func (h *hn) get(hnid uint32) ([]byte, error) {
	if hnid == 0 {
		return nil, nil
	}
	if hnid&0x1F != 0 {
		s, ok := h.subs[hnid]
		if !ok {
			return nil, fmt.Errorf("subnode %#x missing", hnid)
		}
		return h.r.data(s.bidData)
	}
	bi, idx := int(hnid>>16), int(hnid>>5&0x7FF)
	if bi >= len(h.blocks) || idx < 1 || idx >= len(h.maps[bi]) {
		return nil, fmt.Errorf("HID %#x outside the heap", hnid)
	}
	a, b := h.maps[bi][idx-1], h.maps[bi][idx]
	if a > b || int(b) > len(h.blocks[bi]) {
		return nil, fmt.Errorf("HID %#x: bad page map", hnid)
	}
	return h.blocks[bi][a:b], nil
}

// bth returns every record of the BTH whose header is at hid.
func (h *hn) bth(hid uint32) (cbKey, cbEnt int, recs [][]byte, err error) {
	hdr, err := h.get(hid)
	if err != nil {
		return 0, 0, nil, err
	}
	if len(hdr) < 8 || hdr[0] != 0xB5 {
		return 0, 0, nil, fmt.Errorf("HID %#x: not a BTH header", hid)
	}
	cbKey, cbEnt = int(hdr[1]), int(hdr[2])
	var walk func(hid uint32, level int) error
	walk = func(hid uint32, level int) error {
		d, err := h.get(hid)
		if err != nil {
			return err
		}
		if level == 0 {
			for o := 0; o+cbKey+cbEnt <= len(d); o += cbKey + cbEnt {
				recs = append(recs, d[o:o+cbKey+cbEnt])
			}
			return nil
		}
		for o := 0; o+cbKey+4 <= len(d); o += cbKey + 4 {
			if err := walk(le.Uint32(d[o+cbKey:]), level-1); err != nil {
				return err
			}
		}
		return nil
	}
	if root := le.Uint32(hdr[4:]); root != 0 {
		err = walk(root, int(hdr[3]))
	}
	return cbKey, cbEnt, recs, err
}

// pcProp is one property of a PC.
type pcProp struct {
	typ  uint16
	data []byte // value bytes (inline values as 4 little-endian bytes)
}

// pc reads a Property Context.
func (r *reader) pc(bidData, bidSub uint64) (map[uint16]pcProp, error) {
	h, err := r.heap(bidData, bidSub)
	if err != nil {
		return nil, err
	}
	if h.sig != 0xBC {
		return nil, fmt.Errorf("heap client signature %#x, want PC 0xBC", h.sig)
	}
	cbKey, cbEnt, recs, err := h.bth(h.root)
	if err != nil {
		return nil, err
	}
	if cbKey != 2 || cbEnt != 6 {
		return nil, fmt.Errorf("PC BTH with cbKey %d cbEnt %d", cbKey, cbEnt)
	}
	out := map[uint16]pcProp{}
	for _, rec := range recs {
		id, typ, v := le.Uint16(rec), le.Uint16(rec[2:]), le.Uint32(rec[4:])
		p := pcProp{typ: typ}
		if fixedSize(typ) == 4 || fixedSize(typ) == 1 {
			p.data = rec[4:8]
		} else if p.data, err = h.get(v); err != nil {
			return nil, fmt.Errorf("property %#04x: %w", id, err)
		}
		out[id] = p
	}
	return out, nil
}

// tcRows returns the row ids of a Table Context, from its RowIndex.
func (r *reader) tcRows(bidData, bidSub uint64) ([]uint32, error) {
	h, err := r.heap(bidData, bidSub)
	if err != nil {
		return nil, err
	}
	if h.sig != 0x7C {
		return nil, fmt.Errorf("heap client signature %#x, want TC 0x7C", h.sig)
	}
	info, err := h.get(h.root)
	if err != nil {
		return nil, err
	}
	if len(info) < 22 || info[0] != 0x7C {
		return nil, fmt.Errorf("bad TCINFO")
	}
	_, _, recs, err := h.bth(le.Uint32(info[10:]))
	if err != nil {
		return nil, err
	}
	ids := make([]uint32, len(recs))
	for i, rec := range recs {
		ids[i] = le.Uint32(rec)
	}
	return ids, nil
}
