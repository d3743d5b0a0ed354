package pst

import "fmt"

// treeWriter streams a node's data into blocks and builds the data tree
// (single block, XBLOCK or XXBLOCK) at finish. Write fills blocks to 8,176
// bytes; addBlock writes a block of any size (heap blocks). Only the BIDs
// are kept in memory.
type treeWriter struct {
	d     *ndb
	buf   []byte
	bids  []uint64
	sizes []uint32
	total uint64
}

func newTreeWriter(d *ndb) *treeWriter { return &treeWriter{d: d} }

// Write implements io.Writer.
func (t *treeWriter) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 {
		if len(t.buf) == 0 && len(p) >= maxBlockData { // a whole block: no copy
			if err := t.addBlock(p[:maxBlockData]); err != nil {
				return 0, err
			}
			p = p[maxBlockData:]
			continue
		}
		if t.buf == nil {
			t.buf = chunkPool.Get().(*[maxBlockData]byte)[:0]
		}
		k := min(maxBlockData-len(t.buf), len(p))
		t.buf = append(t.buf, p[:k]...)
		p = p[k:]
		if len(t.buf) == maxBlockData {
			if err := t.addBlock(t.buf); err != nil {
				return 0, err
			}
			t.buf = t.buf[:0]
		}
	}
	return n, nil
}

func (t *treeWriter) addBlock(data []byte) error {
	bid, err := t.d.block(data, false)
	if err != nil {
		return err
	}
	t.bids = append(t.bids, bid)
	t.sizes = append(t.sizes, uint32(len(data)))
	t.total += uint64(len(data))
	return nil
}

// finish writes the last partial block and the XBLOCK/XXBLOCK levels and
// returns the BID of the tree's root and the logical size.
func (t *treeWriter) finish() (uint64, uint64, error) {
	if len(t.buf) > 0 || len(t.bids) == 0 {
		if err := t.addBlock(t.buf); err != nil {
			return 0, 0, err
		}
	}
	if cap(t.buf) == maxBlockData {
		chunkPool.Put((*[maxBlockData]byte)(t.buf[:maxBlockData]))
	}
	t.buf = nil
	if len(t.bids) == 1 {
		return t.bids[0], t.total, nil
	}
	if t.total > 0xFFFFFFFF {
		return 0, 0, fmt.Errorf("pst: value of %d bytes exceeds the 4 GiB a data tree can hold", t.total)
	}
	if len(t.bids) <= xblockFanout {
		bid, err := t.xblock(1, t.bids, t.total)
		return bid, t.total, err
	}
	var xs []uint64
	for i := 0; i < len(t.bids); i += xblockFanout {
		j := min(i+xblockFanout, len(t.bids))
		var sum uint64
		for _, s := range t.sizes[i:j] {
			sum += uint64(s)
		}
		x, err := t.xblock(1, t.bids[i:j], sum)
		if err != nil {
			return 0, 0, err
		}
		xs = append(xs, x)
	}
	if len(xs) > xblockFanout {
		return 0, 0, fmt.Errorf("pst: data tree of %d blocks is too deep", len(t.bids))
	}
	bid, err := t.xblock(2, xs, t.total)
	return bid, t.total, err
}

func (t *treeWriter) xblock(level byte, bids []uint64, total uint64) (uint64, error) {
	b := make([]byte, 8+8*len(bids))
	b[0], b[1] = 1, level
	le.PutUint16(b[2:], uint16(len(bids)))
	le.PutUint32(b[4:], uint32(total))
	for i, x := range bids {
		le.PutUint64(b[8+8*i:], x)
	}
	return t.d.block(b, true)
}

// writeValue stores data as a data tree and returns its root BID.
func writeValue(d *ndb, data []byte) (uint64, error) {
	t := newTreeWriter(d)
	if _, err := t.Write(data); err != nil {
		return 0, err
	}
	bid, _, err := t.finish()
	return bid, err
}

// subnodes collects the subnode entries of one node (or subnode) and writes
// its SLBLOCK / SIBLOCK tree. LTP value subnodes get NIDs of type 0x1F.
type subnodes struct {
	d       *ndb
	entries []slEntry
	nextLTP uint32
}

type slEntry struct {
	nid           uint32
	bidData, bSub uint64
}

func newSubnodes(d *ndb) *subnodes { return &subnodes{d: d, nextLTP: 1} }

// newValueNID returns a fresh NID_TYPE_LTP subnode id.
func (s *subnodes) newValueNID() uint32 {
	n := s.nextLTP<<5 | 0x1F
	s.nextLTP++
	return n
}

func (s *subnodes) add(nid uint32, bidData, bidSub uint64) {
	s.entries = append(s.entries, slEntry{nid, bidData, bidSub})
}

// finish writes the subnode tree; 0 when there are no subnodes.
func (s *subnodes) finish() (uint64, error) {
	if len(s.entries) == 0 {
		return 0, nil
	}
	sortSL(s.entries)
	if len(s.entries) <= slFanout {
		return s.slblock(s.entries)
	}
	type si struct {
		nid uint32
		bid uint64
	}
	var sis []si
	for i := 0; i < len(s.entries); i += slFanout {
		j := min(i+slFanout, len(s.entries))
		bid, err := s.slblock(s.entries[i:j])
		if err != nil {
			return 0, err
		}
		sis = append(sis, si{s.entries[i].nid, bid})
	}
	if len(sis) > siFanout {
		return 0, fmt.Errorf("pst: %d subnodes in one node", len(s.entries))
	}
	b := make([]byte, 8+16*len(sis))
	b[0], b[1] = 2, 1
	le.PutUint16(b[2:], uint16(len(sis)))
	for i, e := range sis {
		le.PutUint64(b[8+16*i:], uint64(e.nid))
		le.PutUint64(b[16+16*i:], e.bid)
	}
	return s.d.block(b, true)
}

func (s *subnodes) slblock(es []slEntry) (uint64, error) {
	b := make([]byte, 8+24*len(es))
	b[0] = 2
	le.PutUint16(b[2:], uint16(len(es)))
	for i, e := range es {
		le.PutUint64(b[8+24*i:], uint64(e.nid))
		le.PutUint64(b[16+24*i:], e.bidData)
		le.PutUint64(b[24+24*i:], e.bSub)
	}
	return s.d.block(b, true)
}
