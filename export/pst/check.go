package pst

import (
	"bytes"
	"fmt"
	"math/bits"
	"os"
)

// Problem is one structural fault Check found.
type Problem struct {
	Where string // "header", "page 0x4600", "block 0x24", "folder 0x80a2" …
	What  string
}

func (p Problem) String() string { return p.Where + ": " + p.What }

// checker state.
type checker struct {
	r        *reader
	problems []Problem
	used     []byte // expected AMap bits of every region
	nreg     int64
	refs     map[uint64]int
	nodes    []nbtEntry
}

func (c *checker) bad(where, format string, args ...any) {
	if len(c.problems) < 1000 {
		c.problems = append(c.problems, Problem{where, fmt.Sprintf(format, args...)})
	}
}

// Check walks every page and block of the PST at path and verifies what
// the Debian readers do not: header CRCs, page and block CRCs, signatures
// and trailers, B-tree order and levels, AMap bits against the pages and
// blocks actually in use (and cbAMapFree), map-page placement, reference
// counts of every block, each folder's content, unread and subfolder
// counts against its messages and tables, and every message object's
// recipient and attachment tables, attachments and embedded messages (see
// checkMessage). It returns the problems found; the error is for files it
// cannot read at all.
func Check(path string) ([]Problem, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	c := &checker{r: &reader{f: f, size: st.Size(), blocks: map[uint64]bbtEntry{}}, refs: map[uint64]int{}}
	h, err := c.r.readAt(564, 0)
	if err != nil {
		return nil, fmt.Errorf("read header: %w", err)
	}
	if string(h[:4]) != "!BDN" || string(h[8:10]) != "SM" {
		return nil, fmt.Errorf("%s: not a PST file", path)
	}
	if le.Uint16(h[10:]) < 23 {
		return nil, fmt.Errorf("%s: not a Unicode PST (wVer %d)", path, le.Uint16(h[10:]))
	}
	if crc(h[8:8+471]) != le.Uint32(h[4:]) {
		c.bad("header", "dwCRCPartial mismatch")
	}
	if crc(h[8:8+516]) != le.Uint32(h[524:]) {
		c.bad("header", "dwCRCFull mismatch")
	}
	if h[513] != 0 {
		c.bad("header", "bCryptMethod %d (this checker reads unencrypted files only)", h[513])
	}
	root := h[180:]
	eof := int64(le.Uint64(root[4:]))
	if eof != c.r.size {
		c.bad("header", "ibFileEof %#x but the file has %#x bytes", eof, c.r.size)
	}
	if (eof-amapFirst)%regionSize != 0 || eof < amapFirst+regionSize {
		c.bad("header", "file size %#x is not a whole number of AMap regions", eof)
	}
	c.nreg = (eof - amapFirst) / regionSize
	if last := int64(le.Uint64(root[12:])); last != regionStart(c.nreg-1) {
		c.bad("header", "ibAMapLast %#x, want %#x", last, regionStart(c.nreg-1))
	}
	if root[68] != 2 {
		c.bad("header", "fAMapValid %d, want 2", root[68])
	}
	c.used = make([]byte, c.nreg*496)
	// The DList page.
	c.checkPage(0x4200, ptypeDL, true)
	// B-trees.
	var bbt, nbt []byte
	c.walkBTree(int64(le.Uint64(root[60:])), le.Uint64(root[52:]), ptypeBBT, 24, -1, &bbt)
	c.walkBTree(int64(le.Uint64(root[44:])), le.Uint64(root[36:]), ptypeNBT, 32, -1, &nbt)
	nextB := le.Uint64(h[516:])
	for o := 0; o+24 <= len(bbt); o += 24 {
		e := bbt[o:]
		bid := le.Uint64(e)
		if bid >= nextB {
			c.bad(fmt.Sprintf("block %#x", bid), "BID not below bidNextB %#x", nextB)
		}
		c.r.blocks[bid&^1] = bbtEntry{int64(le.Uint64(e[8:])), le.Uint16(e[16:]), le.Uint16(e[18:])}
	}
	for o := 0; o+32 <= len(nbt); o += 32 {
		e := nbt[o:]
		c.nodes = append(c.nodes, nbtEntry{uint32(le.Uint64(e)), le.Uint64(e[8:]), le.Uint64(e[16:]), le.Uint32(e[24:])})
	}
	c.checkBlocks()
	c.countRefs()
	c.checkMaps(le.Uint64(root[20:]))
	c.checkFolders()
	return c.problems, nil
}

// mark records an allocation in the expected AMap bits.
func (c *checker) mark(where string, ib, size int64) {
	if ib < amapFirst || ib+size > regionStart(c.nreg) {
		c.bad(where, "allocation %#x+%d outside the mapped file", ib, size)
		return
	}
	r := (ib - amapFirst) / regionSize
	if (ib+size-1-amapFirst)/regionSize != r {
		c.bad(where, "allocation %#x+%d crosses an AMap region boundary", ib, size)
		return
	}
	if ib%64 != 0 {
		c.bad(where, "allocation %#x not 64-byte aligned", ib)
		return
	}
	base := r * 496
	for s := (ib - regionStart(r)) / 64; s < (ib+size-regionStart(r)+63)/64; s++ {
		bit := byte(0x80 >> (s % 8))
		if c.used[base+s/8]&bit != 0 {
			c.bad(where, "allocation %#x overlaps another allocation", ib)
			return
		}
		c.used[base+s/8] |= bit
	}
}

// checkPage verifies a page's trailer and CRC and returns its body.
func (c *checker) checkPage(ib int64, ptype byte, withSig bool) []byte {
	where := fmt.Sprintf("page %#x", ib)
	p, err := c.r.readAt(pageSize, ib)
	if err != nil {
		c.bad(where, "%v", err)
		return nil
	}
	if p[496] != ptype || p[497] != ptype {
		c.bad(where, "ptype %#x/%#x, want %#x", p[496], p[497], ptype)
	}
	if crc(p[:496]) != le.Uint32(p[500:]) {
		c.bad(where, "page CRC mismatch")
	}
	bid := le.Uint64(p[504:])
	if withSig {
		if s := le.Uint16(p[498:]); s != signature(uint64(ib), bid) {
			c.bad(where, "wSig %#x, want %#x", s, signature(uint64(ib), bid))
		}
	} else {
		if le.Uint16(p[498:]) != 0 || bid != uint64(ib) {
			c.bad(where, "map page trailer: wSig must be 0 and BID the page offset")
		}
	}
	return p
}

// walkBTree checks a B-tree page and its children and appends leaf entries
// to out in the order found, verifying global key order.
func (c *checker) walkBTree(ib int64, bid uint64, ptype byte, cbLeaf int, level int, out *[]byte) {
	where := fmt.Sprintf("page %#x", ib)
	p := c.checkPage(ib, ptype, true)
	if p == nil {
		return
	}
	if got := le.Uint64(p[504:]); got != bid {
		c.bad(where, "BID %#x, parent says %#x", got, bid)
	}
	c.mark(where, ib, pageSize)
	n, max, cb, lv := int(p[488]), int(p[489]), int(p[490]), int(p[491])
	if level >= 0 && lv != level {
		c.bad(where, "cLevel %d, want %d", lv, level)
	}
	want := cbLeaf
	if lv > 0 {
		want = 24
	}
	if cb != want || n > max || max != 488/want {
		c.bad(where, "cEnt %d cEntMax %d cbEnt %d (level %d)", n, max, cb, lv)
		return
	}
	for i := 0; i < n; i++ {
		e := p[i*cb : (i+1)*cb]
		key := le.Uint64(e)
		if len(*out) >= cbLeaf {
			if prev := le.Uint64((*out)[len(*out)-cbLeaf:]); key <= prev && lv == 0 {
				c.bad(where, "key %#x not above the previous key %#x", key, prev)
			}
		}
		if lv == 0 {
			*out = append(*out, e...)
			continue
		}
		before := len(*out)
		c.walkBTree(int64(le.Uint64(e[16:])), le.Uint64(e[8:]), ptype, cbLeaf, lv-1, out)
		if len(*out) > before {
			if first := le.Uint64((*out)[before:]); first != key {
				c.bad(where, "btkey %#x but the child's first key is %#x", key, first)
			}
		}
	}
}

// checkBlocks verifies every block's trailer and CRC.
func (c *checker) checkBlocks() {
	for bid, e := range c.r.blocks {
		where := fmt.Sprintf("block %#x", bid)
		size := blockSize(int(e.cb))
		if e.cb > maxBlockData {
			c.bad(where, "cb %d over %d", e.cb, maxBlockData)
			continue
		}
		b, err := c.r.readAt(int(size), e.ib)
		if err != nil {
			c.bad(where, "%v", err)
			continue
		}
		c.mark(where, e.ib, size)
		t := b[size-16:]
		if le.Uint16(t) != e.cb {
			c.bad(where, "trailer cb %d, BBT says %d", le.Uint16(t), e.cb)
		}
		if tb := le.Uint64(t[8:]); tb&^1 != bid {
			c.bad(where, "trailer BID %#x", tb)
		}
		if s := le.Uint16(t[2:]); s != signature(uint64(e.ib), le.Uint64(t[8:])) {
			c.bad(where, "wSig %#x, want %#x", s, signature(uint64(e.ib), le.Uint64(t[8:])))
		}
		if crc(b[:e.cb]) != le.Uint32(t[4:]) {
			c.bad(where, "block CRC mismatch")
		}
	}
}

// countRefs counts references from NBT entries, subnode trees and data
// trees, then compares them with each block's cRef.
func (c *checker) countRefs() {
	var tree func(bid uint64, where string, depth int)
	tree = func(bid uint64, where string, depth int) {
		if bid == 0 {
			return
		}
		c.refs[bid&^1]++
		if c.refs[bid&^1] > 1 || bid&2 == 0 || depth > 3 {
			return
		}
		b, err := c.r.block(bid)
		if err != nil {
			c.bad(where, "%v", err)
			return
		}
		n := int(le.Uint16(b[2:]))
		switch {
		case b[0] == 1: // XBLOCK / XXBLOCK
			for i := 0; i < n && 8+8*(i+1) <= len(b); i++ {
				tree(le.Uint64(b[8+8*i:]), where, depth+1)
			}
		case b[0] == 2 && b[1] == 0: // SLBLOCK
			for i := 0; i < n && 8+24*(i+1) <= len(b); i++ {
				tree(le.Uint64(b[16+24*i:]), where, depth)
				tree(le.Uint64(b[24+24*i:]), where, depth)
			}
		case b[0] == 2: // SIBLOCK
			for i := 0; i < n && 8+16*(i+1) <= len(b); i++ {
				tree(le.Uint64(b[16+16*i:]), where, depth+1)
			}
		default:
			c.bad(where, "internal block %#x of unknown type %d", bid, b[0])
		}
	}
	for _, nd := range c.nodes {
		where := fmt.Sprintf("node %#x", nd.nid)
		tree(nd.bidData, where, 0)
		tree(nd.bidSub, where, 0)
	}
	for bid, e := range c.r.blocks {
		got := c.refs[bid]
		if got == 0 {
			c.bad(fmt.Sprintf("block %#x", bid), "in the BBT but referenced by nothing")
		} else if int(e.cRef) != got+1 {
			c.bad(fmt.Sprintf("block %#x", bid), "cRef %d, want %d", e.cRef, got+1)
		}
	}
	for bid := range c.refs {
		if _, ok := c.r.blocks[bid]; !ok {
			c.bad(fmt.Sprintf("block %#x", bid), "referenced but not in the BBT")
		}
	}
}

// checkMaps compares every AMap with the allocations found, and checks the
// PMap, FMap and FPMap pages and cbAMapFree.
func (c *checker) checkMaps(cbFree uint64) {
	var free uint64
	for r := int64(0); r < c.nreg; r++ {
		rs := regionStart(r)
		offs, types := mapPages(r)
		for i, o := range offs {
			c.mark(fmt.Sprintf("map page %#x", rs+o), rs+o, pageSize)
			p := c.checkPage(rs+o, types[i], false)
			if p != nil && (types[i] == ptypePMap || types[i] == ptypeFPMap) && !bytes.Equal(p[:496], allFF[:]) {
				c.bad(fmt.Sprintf("page %#x", rs+o), "deprecated map page not all 0xFF")
			}
			if p != nil && types[i] == ptypeFMap {
				k := (r - 128) / 496
				for j := 0; j < 496; j++ {
					rr := 128 + k*496 + int64(j)
					if rr >= c.nreg {
						break
					}
					if want := longestFree(c.used[rr*496 : rr*496+496]); p[j] != want && rr < r {
						c.bad(fmt.Sprintf("page %#x", rs+o), "FMap byte %d is %d, want %d", j, p[j], want)
					}
				}
			}
		}
	}
	for r := int64(0); r < c.nreg; r++ {
		rs := regionStart(r)
		p, err := c.r.readAt(496, rs)
		if err != nil {
			continue
		}
		want := c.used[r*496 : r*496+496]
		if !bytes.Equal(p, want) {
			for i := range want {
				if p[i] != want[i] {
					c.bad(fmt.Sprintf("AMap %#x", rs), "byte %d is %08b, the allocations found give %08b (offset %#x)",
						i, p[i], want[i], rs+int64(i)*512)
					break
				}
			}
		}
		used := 0
		for _, b := range p {
			used += bits.OnesCount8(b)
		}
		free += uint64(slotsPerMap-used) * 64
	}
	if free != cbFree {
		c.bad("header", "cbAMapFree %d, the AMaps give %d", cbFree, free)
	}
}
