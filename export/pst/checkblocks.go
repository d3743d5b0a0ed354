package pst

import "fmt"

// The checker's block-level checks: every block in the BBT, and the
// reference counts of blocks against the nodes, subnode trees and data
// trees that point at them (see Check).

// checkBlocks reads every block the BBT lists, marks it allocated, and
// verifies its size, trailer (cb, BID, signature) and CRC.
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

// countRefs counts the references to every block from NBT entries and,
// following internal blocks, from XBLOCK/XXBLOCK data trees and
// SLBLOCK/SIBLOCK subnode trees; each block's cRef must be that count plus
// one (the BBT's own). Blocks referenced by nothing, or referenced but
// missing from the BBT, are reported.
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
