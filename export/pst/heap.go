package pst

import "fmt"

// heap builds a Heap-on-Node. Block 0 stays in memory until finish (its
// header and the reserved allocations at HID 0x20/0x40 are filled in last);
// later blocks are written as soon as they are full, so a heap of any size
// needs about two blocks of memory. Values over 3,580 bytes go to subnodes.
type heap struct {
	d         *ndb
	clientSig byte
	subs      *subnodes
	blk0      hnBlock
	cur       hnBlock // block being filled (index idx); == blk0 while idx == 0
	idx       int
	tree      *treeWriter // blocks 1.. written so far; block 0 is prepended at finish
	bids      []uint64
	sizes     []uint32
	bytes     int // payload bytes allocated (for size accounting)
}

type hnBlock struct {
	data []byte   // header + allocations
	offs []uint16 // start offset of each allocation
}

func hnHeaderSize(bi int) int {
	switch {
	case bi == 0:
		return 12
	case bi == 8 || (bi > 8 && (bi-8)%128 == 0):
		return 66
	default:
		return 2
	}
}

func newHeap(d *ndb, clientSig byte, subs *subnodes) *heap {
	h := &heap{d: d, clientSig: clientSig, subs: subs}
	h.cur = hnBlock{data: make([]byte, hnHeaderSize(0), 1024)}
	return h
}

func (b *hnBlock) sizeWith(extraBytes, extraItems int) int {
	body := len(b.data) + extraBytes
	body += body % 2
	return body + 4 + 2*(len(b.offs)+extraItems+1)
}

// alloc stores data and returns its HID.
func (h *heap) alloc(data []byte) (uint32, error) {
	if len(data) > maxHeapAlloc {
		return 0, fmt.Errorf("pst: heap allocation of %d bytes", len(data))
	}
	if h.cur.sizeWith(len(data), 1) > maxBlockData {
		if err := h.flushCur(); err != nil {
			return 0, err
		}
	}
	h.cur.offs = append(h.cur.offs, uint16(len(h.cur.data)))
	h.cur.data = append(h.cur.data, data...)
	h.bytes += len(data)
	return uint32(h.idx)<<16 | uint32(len(h.cur.offs))<<5, nil
}

// flushCur closes the current block and starts the next one.
func (h *heap) flushCur() error {
	if h.idx == 0 {
		h.blk0 = h.cur
	} else {
		if err := h.writeBlock(h.idx, &h.cur); err != nil {
			return err
		}
	}
	h.idx++
	if h.idx > 0xFFFF {
		return fmt.Errorf("pst: heap has too many blocks")
	}
	h.cur = hnBlock{data: make([]byte, hnHeaderSize(h.idx), 8192)}
	return nil
}

func (h *heap) serialize(bi int, b *hnBlock, userRoot uint32) []byte {
	out := b.data
	end := len(out)
	if end%2 == 1 {
		out = append(out, 0)
	}
	ibHnpm := len(out)
	n := len(b.offs)
	pm := make([]byte, 4+2*(n+1))
	le.PutUint16(pm[0:], uint16(n))
	for i, o := range b.offs {
		le.PutUint16(pm[4+2*i:], o)
	}
	le.PutUint16(pm[4+2*n:], uint16(end))
	out = append(out, pm...)
	le.PutUint16(out[0:], uint16(ibHnpm))
	if bi == 0 {
		out[2] = 0xEC
		out[3] = h.clientSig
		le.PutUint32(out[4:], userRoot)
	}
	return out
}

func (h *heap) writeBlock(bi int, b *hnBlock) error {
	data := h.serialize(bi, b, 0)
	bid, err := h.d.block(data, false)
	if err != nil {
		return err
	}
	for len(h.bids) < bi {
		h.bids = append(h.bids, 0)
		h.sizes = append(h.sizes, 0)
	}
	h.bids = append(h.bids, bid)
	h.sizes = append(h.sizes, uint32(len(data)))
	return nil
}

// set overwrites an allocation of block 0 or of the current block.
func (h *heap) set(hid uint32, data []byte) {
	bi := int(hid >> 16)
	i := int(hid>>5&0x7FF) - 1
	b := &h.cur
	if bi == 0 && h.idx != 0 {
		b = &h.blk0
	}
	copy(b.data[b.offs[i]:], data)
}

// value stores a variable-size value: in the heap when it fits, else as a
// data tree in a subnode. It returns the HNID.
func (h *heap) value(data []byte) (uint32, error) {
	if len(data) <= maxHeapAlloc {
		return h.alloc(data)
	}
	bid, err := writeValue(h.d, data)
	if err != nil {
		return 0, err
	}
	nid := h.subs.newValueNID()
	h.subs.add(nid, bid, 0)
	return nid, nil
}

// finish writes the remaining blocks and the data tree; returns bidData.
func (h *heap) finish(userRoot uint32) (uint64, error) {
	if h.idx > 0 {
		if err := h.writeBlock(h.idx, &h.cur); err != nil {
			return 0, err
		}
	} else {
		h.blk0 = h.cur
	}
	data := h.serialize(0, &h.blk0, userRoot)
	bid0, err := h.d.block(data, false)
	if err != nil {
		return 0, err
	}
	if h.idx == 0 {
		return bid0, nil
	}
	t := newTreeWriter(h.d)
	t.bids = append([]uint64{bid0}, h.bids[1:]...)
	t.sizes = append([]uint32{uint32(len(data))}, h.sizes[1:]...)
	for _, s := range t.sizes {
		t.total += uint64(s)
	}
	bid, _, err := t.finish()
	return bid, err
}
