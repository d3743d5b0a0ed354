package pst

import (
	"bufio"
	"cmp"
	"io"
	"slices"
)

// nbtEntry is one NBT leaf entry.
type nbtEntry struct {
	nid             uint32
	bidData, bidSub uint64
	parent          uint32
}

func (e nbtEntry) bytes(b []byte) []byte {
	b = b[:32]
	clear(b)
	le.PutUint64(b[0:], uint64(e.nid))
	le.PutUint64(b[8:], e.bidData)
	le.PutUint64(b[16:], e.bidSub)
	le.PutUint32(b[24:], e.parent)
	return b
}

// mergeNBT yields the in-memory entries (sorted here) merged with the
// spilled message entries (already ascending) in key order.
func mergeNBT(mem []nbtEntry, spilled *bufio.Reader) func() ([]byte, error) {
	slices.SortFunc(mem, func(a, b nbtEntry) int { return cmp.Compare(a.nid, b.nid) })
	buf := make([]byte, 32)
	var pend []byte
	pendOK := false
	return func() ([]byte, error) {
		if !pendOK && spilled != nil {
			p := make([]byte, 32)
			if _, err := io.ReadFull(spilled, p); err == nil {
				pend, pendOK = p, true
			} else if err != io.EOF {
				return nil, err
			} else {
				spilled = nil
			}
		}
		if len(mem) > 0 && (!pendOK || uint64(mem[0].nid) < le.Uint64(pend)) {
			e := mem[0]
			mem = mem[1:]
			return e.bytes(buf), nil
		}
		if pendOK {
			pendOK = false
			return pend, nil
		}
		return nil, io.EOF
	}
}
