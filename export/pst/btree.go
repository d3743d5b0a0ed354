package pst

import (
	"fmt"
	"io"
)

// btRef is a page reference with the first key under it.
type btRef struct {
	key, bid uint64
	ib       int64
}

// writeBTree writes a BBT or NBT from leaf entries delivered in ascending
// key order by next (io.EOF at the end) and returns the root page. Only one
// BTENTRY per page stays in memory.
func (d *ndb) writeBTree(ptype byte, cbEnt int, next func() ([]byte, error)) (btRef, error) {
	perLeaf := 488 / cbEnt
	var level []btRef
	body := make([]byte, 496)
	n := 0
	var first, last uint64
	flush := func() error {
		body[488], body[489], body[490], body[491] = byte(n), byte(perLeaf), byte(cbEnt), 0
		bid, ib, err := d.page(body, ptype)
		if err != nil {
			return err
		}
		level = append(level, btRef{first, bid, ib})
		clear(body)
		n = 0
		return nil
	}
	count := 0
	for {
		e, err := next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return btRef{}, err
		}
		k := le.Uint64(e)
		if count > 0 && k <= last {
			return btRef{}, fmt.Errorf("pst: B-tree keys out of order (%#x after %#x)", k, last)
		}
		last = k
		count++
		if n == perLeaf {
			if err := flush(); err != nil {
				return btRef{}, err
			}
		}
		if n == 0 {
			first = k
		}
		copy(body[n*cbEnt:], e)
		n++
	}
	if n > 0 || len(level) == 0 {
		if err := flush(); err != nil {
			return btRef{}, err
		}
	}
	for lv := byte(1); len(level) > 1; lv++ {
		var up []btRef
		for i := 0; i < len(level); i += 20 {
			j := min(i+20, len(level))
			clear(body)
			for k, r := range level[i:j] {
				le.PutUint64(body[24*k:], r.key)
				le.PutUint64(body[24*k+8:], r.bid)
				le.PutUint64(body[24*k+16:], uint64(r.ib))
			}
			body[488], body[489], body[490], body[491] = byte(j-i), 20, 24, lv
			bid, ib, err := d.page(body, ptype)
			if err != nil {
				return btRef{}, err
			}
			up = append(up, btRef{level[i].key, bid, ib})
		}
		level = up
	}
	return level[0], nil
}
