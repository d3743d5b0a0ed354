package pst

import (
	"fmt"
	"sync"
)

// colSpec is a TC column: property id and type.
type colSpec struct{ id, typ uint16 }

type colLayout struct {
	tag      uint32
	ib       uint16
	cb, iBit byte
}

// tcShape is the row layout of a column set, computed once per set (the
// column sets are package-level tables, never modified) and then only read.
type tcShape struct {
	all     []colSpec // with the row-id and version columns first
	layout  map[uint16]colLayout
	rowSize int
	rgib    [4]uint16
}

type shapeKey struct {
	first *colSpec
	n     int
}

var tcShapes sync.Map // shapeKey -> *tcShape

func shapeOf(cols []colSpec) *tcShape {
	key := shapeKey{n: len(cols)}
	if len(cols) > 0 {
		key.first = &cols[0]
	}
	if sh, ok := tcShapes.Load(key); ok {
		return sh.(*tcShape)
	}
	sh := &tcShape{layout: map[uint16]colLayout{}}
	sh.all = append([]colSpec{{0x67F2, ptI32}, {0x67F3, ptI32}}, cols...)
	sh.layout[0x67F2] = colLayout{0x67F20003, 0, 4, 0}
	sh.layout[0x67F3] = colLayout{0x67F30003, 4, 4, 1}
	off, bit := 8, byte(2)
	for _, c := range cols {
		w := fixedSize(c.typ)
		if w == 0 {
			w = 4
		}
		if w >= 4 {
			sh.layout[c.id] = colLayout{uint32(c.id)<<16 | uint32(c.typ), uint16(off), byte(w), bit}
			off += w
			bit++
		}
	}
	end4 := off
	for _, c := range cols {
		if fixedSize(c.typ) == 1 {
			sh.layout[c.id] = colLayout{uint32(c.id)<<16 | uint32(c.typ), uint16(off), 1, bit}
			off++
			bit++
		}
	}
	end1 := off
	sh.rowSize = end1 + (len(sh.all)+7)/8
	sh.rgib = [4]uint16{uint16(end4), uint16(end4), uint16(end1), uint16(sh.rowSize)}
	actual, _ := tcShapes.LoadOrStore(key, sh)
	return actual.(*tcShape)
}

// tcWriter writes a Table Context whose rows are added in ascending row-id
// order. The row matrix lives in the heap when small, otherwise in a subnode
// written block by block (rows never span blocks), so a table of any length
// needs only a block of row memory.
type tcWriter struct {
	h        *heap
	cols     []colSpec
	layout   map[uint16]colLayout
	rgib     [4]uint16
	rowSize  int
	rowIdx   *bthWriter
	info     uint32
	inHeap   bool
	matrix   []byte
	rows     *treeWriter
	rpb      int
	inBlk    int
	n        int
	lastID   uint32
	colOrder []colLayout
}

func newTC(d *ndb, cols []colSpec, expectRows int, subs *subnodes) (*tcWriter, error) {
	sh := shapeOf(cols)
	t := &tcWriter{h: newHeap(d, 0x7C, subs), cols: sh.all, layout: sh.layout, rowSize: sh.rowSize, rgib: sh.rgib}
	all := sh.all
	var err error
	if t.rowIdx, err = newBTH(t.h, 4, 4); err != nil { // HID 0x20
		return nil, err
	}
	if t.info, err = t.h.alloc(make([]byte, 22+8*len(all))); err != nil { // HID 0x40
		return nil, err
	}
	t.inHeap = expectRows*t.rowSize <= maxHeapAlloc
	t.rpb = maxBlockData / t.rowSize
	if !t.inHeap {
		t.rows = newTreeWriter(d)
	}
	return t, nil
}

// addRow adds a row; vals must name only columns of the table.
func (t *tcWriter) addRow(rowID uint32, vals []prop) error {
	if t.n > 0 && rowID <= t.lastID {
		return fmt.Errorf("pst: table rows out of order (%#x after %#x)", rowID, t.lastID)
	}
	row := make([]byte, t.rowSize)
	ceb := row[t.rgib[2]:]
	put := func(l colLayout, raw []byte) {
		copy(row[l.ib:int(l.ib)+int(l.cb)], raw)
		ceb[l.iBit/8] |= 0x80 >> (l.iBit % 8)
	}
	put(t.layout[0x67F2], le.AppendUint32(nil, rowID))
	put(t.layout[0x67F3], le.AppendUint32(nil, 1))
	for _, p := range vals {
		l, ok := t.layout[p.id]
		if !ok {
			return fmt.Errorf("pst: no column %#04x", p.id)
		}
		switch {
		case p.typ == ptI32 || p.typ == ptBool:
			put(l, le.AppendUint32(nil, p.inline))
		case fixedSize(p.typ) == 8:
			put(l, p.data)
		case p.preset:
			put(l, le.AppendUint32(nil, p.hnid))
		default:
			hnid, err := t.h.value(p.data)
			if err != nil {
				return err
			}
			put(l, le.AppendUint32(nil, hnid))
		}
	}
	if err := t.rowIdx.add(le.AppendUint32(nil, rowID), le.AppendUint32(nil, uint32(t.n))); err != nil {
		return err
	}
	if t.inHeap {
		t.matrix = append(t.matrix, row...)
	} else {
		if t.inBlk == t.rpb {
			t.matrix = append(t.matrix, make([]byte, maxBlockData-len(t.matrix))...)
			if err := t.rows.addBlock(t.matrix); err != nil {
				return err
			}
			t.matrix, t.inBlk = t.matrix[:0], 0
		}
		t.matrix = append(t.matrix, row...)
		t.inBlk++
	}
	t.n++
	t.lastID = rowID
	return nil
}

// finish writes the table and returns its bidData.
func (t *tcWriter) finish() (uint64, error) {
	if err := t.rowIdx.finish(); err != nil {
		return 0, err
	}
	var hnidRows uint32
	switch {
	case t.n == 0:
	case t.inHeap:
		var err error
		if hnidRows, err = t.h.alloc(t.matrix); err != nil {
			return 0, err
		}
	default:
		if err := t.rows.addBlock(t.matrix); err != nil {
			return 0, err
		}
		bid, _, err := t.rows.finish()
		if err != nil {
			return 0, err
		}
		hnidRows = t.h.subs.newValueNID()
		t.h.subs.add(hnidRows, bid, 0)
	}
	info := make([]byte, 22, 22+8*len(t.cols))
	info[0], info[1] = 0x7C, byte(len(t.cols))
	for i, v := range t.rgib {
		le.PutUint16(info[2+2*i:], v)
	}
	le.PutUint32(info[10:], t.rowIdx.hdr)
	le.PutUint32(info[14:], hnidRows)
	ls := make([]colLayout, 0, len(t.cols))
	for _, c := range t.cols {
		ls = append(ls, t.layout[c.id])
	}
	sortLayouts(ls)
	for _, l := range ls {
		info = le.AppendUint32(info, l.tag)
		info = le.AppendUint16(info, l.ib)
		info = append(info, l.cb, l.iBit)
	}
	t.h.set(t.info, info)
	return t.h.finish(t.info)
}

// writeTC writes a whole table at once.
func writeTC(d *ndb, cols []colSpec, rows [][]prop, ids []uint32, subs *subnodes) (uint64, error) {
	t, err := newTC(d, cols, len(rows), subs)
	if err != nil {
		return 0, err
	}
	for i, r := range rows {
		if err := t.addRow(ids[i], r); err != nil {
			return 0, err
		}
	}
	return t.finish()
}
