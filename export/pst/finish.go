package pst

import (
	"fmt"
	"io"
	"math/bits"
)

// headerInfo is what the HEADER needs besides the NDB state.
type headerInfo struct {
	rgnid  [32]uint32
	unique uint32
}

// finish writes the BBT and NBT (nbtNext yields NBT leaf entries in key
// order), the DList, every map page and the header, then flushes. It
// returns the file size.
func (d *ndb) finish(nbtNext func() ([]byte, error), hi headerInfo) (int64, error) {
	nbtRoot, err := d.writeBTree(ptypeNBT, 32, nbtNext)
	if err != nil {
		return 0, fmt.Errorf("write NBT: %w", err)
	}
	// The BBT pages are not blocks: every block already has its entry.
	rd, err := d.bbt.reader()
	if err != nil {
		return 0, err
	}
	e := make([]byte, 24)
	bbtRoot, err := d.writeBTree(ptypeBBT, 24, func() ([]byte, error) {
		if _, err := io.ReadFull(rd, e); err != nil {
			if err == io.ErrUnexpectedEOF {
				return nil, fmt.Errorf("read BBT spill: %w", err)
			}
			return nil, err
		}
		return e, nil
	})
	if err != nil {
		return 0, fmt.Errorf("write BBT: %w", err)
	}
	dlBID := d.nextPID
	d.nextPID++
	nreg := (d.pos - amapFirst + regionSize - 1) / regionSize
	eof := regionStart(nreg)
	used := d.pos
	if err := d.pad(eof); err != nil {
		return 0, err
	}
	if err := d.w.Flush(); err != nil {
		return 0, fmt.Errorf("write pst: %w", err)
	}
	free, err := d.writeMaps(nreg, used)
	if err != nil {
		return 0, err
	}
	dl := makePage(make([]byte, 496), ptypeDL, 0x4200, dlBID, true)
	if _, err := d.f.WriteAt(dl, 0x4200); err != nil {
		return 0, fmt.Errorf("write DList: %w", err)
	}
	hdr := d.header(hi, eof, regionStart(nreg-1), free, nbtRoot, bbtRoot)
	if _, err := d.f.WriteAt(hdr, 0); err != nil {
		return 0, fmt.Errorf("write header: %w", err)
	}
	return eof, nil
}

// writeMaps computes and writes the AMap, PMap, FMap and FPMap pages of
// every region and returns the total free bytes (cbAMapFree).
func (d *ndb) writeMaps(nreg, used int64) (int64, error) {
	var free int64
	var fmap []byte // bytes for FMap pages: one per region from 128
	gi := 0
	bw := &pageWriter{f: d.f}
	for r := int64(0); r < nreg; r++ {
		rs, re := regionStart(r), regionStart(r+1)
		var bm [496]byte
		setRange := func(a, b int64) {
			for s := (a - rs) / 64; s < (b-rs)/64; s++ {
				bm[s/8] |= 0x80 >> (s % 8)
			}
		}
		clearRange := func(a, b int64) {
			for s := (a - rs) / 64; s < (b-rs)/64; s++ {
				bm[s/8] &^= 0x80 >> (s % 8)
			}
		}
		setRange(rs, min(used, re))
		for gi < len(d.gaps) && d.gaps[gi].start < re {
			g := d.gaps[gi]
			clearRange(max(g.start, rs), min(g.end, re))
			if g.end > re {
				break
			}
			gi++
		}
		used := 0
		for _, b := range bm {
			used += bits.OnesCount8(b)
		}
		free += int64(slotsPerMap-used) * 64
		if r >= 128 {
			fmap = append(fmap, longestFree(bm[:]))
		}
		offs, types := mapPages(r)
		for i, o := range offs {
			var body []byte
			switch types[i] {
			case ptypeAMap:
				body = bm[:]
			case ptypePMap, ptypeFPMap:
				body = allFF[:]
			case ptypeFMap:
				continue // written below, once its regions are known
			}
			if err := bw.put(rs+o, makePage(body, types[i], uint64(rs+o), uint64(rs+o), false)); err != nil {
				return 0, err
			}
		}
	}
	for k := 0; k*496 < len(fmap); k++ {
		var body [496]byte
		copy(body[:], fmap[k*496:])
		ib := regionStart(128+int64(k)*496) + 0x400
		if err := bw.put(ib, makePage(body[:], ptypeFMap, uint64(ib), uint64(ib), false)); err != nil {
			return 0, err
		}
	}
	return free, nil
}

var allFF = func() (b [496]byte) {
	for i := range b {
		b[i] = 0xFF
	}
	return
}()

// longestFree is the longest run of free slots in an AMap, capped at 255.
func longestFree(bm []byte) byte {
	best, cur := 0, 0
	for s := 0; s < len(bm)*8; s++ {
		if bm[s/8]&(0x80>>(s%8)) == 0 {
			cur++
			best = max(best, cur)
		} else {
			cur = 0
		}
	}
	return byte(min(best, 255))
}

type pageWriter struct {
	f interface {
		WriteAt([]byte, int64) (int, error)
	}
}

func (p *pageWriter) put(ib int64, page []byte) error {
	if _, err := p.f.WriteAt(page, ib); err != nil {
		return fmt.Errorf("write map page at %#x: %w", ib, err)
	}
	return nil
}

func (d *ndb) header(hi headerInfo, eof, amapLast, free int64, nbt, bbt btRef) []byte {
	h := make([]byte, 564)
	copy(h[0:], "!BDN")
	copy(h[8:], "SM")
	le.PutUint16(h[10:], 23)
	le.PutUint16(h[12:], 19)
	h[14], h[15] = 1, 1
	le.PutUint64(h[32:], d.nextPID)
	le.PutUint32(h[40:], hi.unique)
	for i, v := range hi.rgnid {
		le.PutUint32(h[44+4*i:], v)
	}
	r := h[180:]
	le.PutUint64(r[4:], uint64(eof))
	le.PutUint64(r[12:], uint64(amapLast))
	le.PutUint64(r[20:], uint64(free))
	le.PutUint64(r[36:], nbt.bid)
	le.PutUint64(r[44:], uint64(nbt.ib))
	le.PutUint64(r[52:], bbt.bid)
	le.PutUint64(r[60:], uint64(bbt.ib))
	r[68] = 2 // VALID_AMAP2
	copy(h[256:384], allFF[:128])
	copy(h[384:512], allFF[:128])
	h[512] = 0x80 // bSentinel
	h[513] = 0    // NDB_CRYPT_NONE
	le.PutUint64(h[516:], d.nextBID)
	le.PutUint32(h[4:], crc(h[8:8+471]))
	le.PutUint32(h[524:], crc(h[8:8+516]))
	return h
}
