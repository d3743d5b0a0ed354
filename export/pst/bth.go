package pst

// bthWriter builds a BTH in a heap from records added in ascending key
// order. Leaves hold up to 3,580 bytes; index levels are built at finish
// (only one key and HID per leaf stays in memory).
type bthWriter struct {
	h            *heap
	hdr          uint32
	cbKey, cbEnt int
	leaf         []byte
	first        []byte
	level        []bthRef
	n            int
}

type bthRef struct {
	key []byte
	hid uint32
}

// newBTH allocates the 8-byte BTHHEADER (so call it first when the header
// must be HID 0x20).
func newBTH(h *heap, cbKey, cbEnt int) (*bthWriter, error) {
	hdr, err := h.alloc(make([]byte, 8))
	if err != nil {
		return nil, err
	}
	return &bthWriter{h: h, hdr: hdr, cbKey: cbKey, cbEnt: cbEnt}, nil
}

func (b *bthWriter) add(key, val []byte) error {
	rec := b.cbKey + b.cbEnt
	if len(b.leaf)+rec > maxHeapAlloc {
		if err := b.flushLeaf(); err != nil {
			return err
		}
	}
	if len(b.leaf) == 0 {
		b.first = append([]byte(nil), key...)
	}
	b.leaf = append(b.leaf, key...)
	b.leaf = append(b.leaf, val...)
	b.n++
	return nil
}

func (b *bthWriter) flushLeaf() error {
	if len(b.leaf) == 0 {
		return nil
	}
	hid, err := b.h.alloc(b.leaf)
	if err != nil {
		return err
	}
	b.level = append(b.level, bthRef{b.first, hid})
	b.leaf = b.leaf[:0]
	return nil
}

// finish writes the index levels and fills in the header.
func (b *bthWriter) finish() error {
	if err := b.flushLeaf(); err != nil {
		return err
	}
	var root uint32
	levels := 0
	nodes := b.level
	for len(nodes) > 1 {
		levels++
		per := maxHeapAlloc / (b.cbKey + 4)
		var next []bthRef
		for i := 0; i < len(nodes); i += per {
			j := min(i+per, len(nodes))
			buf := make([]byte, 0, (j-i)*(b.cbKey+4))
			for _, n := range nodes[i:j] {
				buf = append(buf, n.key...)
				buf = le.AppendUint32(buf, n.hid)
			}
			hid, err := b.h.alloc(buf)
			if err != nil {
				return err
			}
			next = append(next, bthRef{nodes[i].key, hid})
		}
		nodes = next
	}
	if len(nodes) == 1 {
		root = nodes[0].hid
	}
	hdr := []byte{0xB5, byte(b.cbKey), byte(b.cbEnt), byte(levels), 0, 0, 0, 0}
	le.PutUint32(hdr[4:], root)
	b.h.set(b.hdr, hdr)
	return nil
}
