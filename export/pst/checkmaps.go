package pst

import (
	"bytes"
	"fmt"
	"math/bits"
)

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
