package pst

import "fmt"

// The checker's page-level walk: allocations against the AMap bits, page
// trailers, and the two B-trees (see Check).

// mark records the allocation [ib, ib+size) in the expected AMap bits
// (c.used). An allocation outside the mapped file, across a region
// boundary, not 64-byte aligned or overlapping an earlier one is reported
// and not recorded.
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

// checkPage reads the page at ib and verifies its type, CRC and signature
// (withSig; map pages instead carry wSig 0 and their offset as BID). It
// returns the whole 512-byte page, or nil when it cannot be read. It does
// not mark the page as allocated.
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

// walkBTree checks the B-tree page at ib (expected BID bid, level level or
// any when level < 0) and its children, marks each page allocated, and
// appends the leaf entries (cbLeaf bytes each) to out in the order found,
// verifying that keys ascend across the whole tree and that each
// intermediate key is its child's first key.
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
