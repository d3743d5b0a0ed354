package pst

import (
	"fmt"
	"io"
	"os"
)

// ndb is the append-only node database writer of one PST file. Blocks and
// pages are laid out one after another; the map pages at each region start
// are left as zeros and written at finish. It is not safe for concurrent use.
type ndb struct {
	f    *os.File
	w    *asyncWriter
	pos  int64 // next free byte; the buffered writer is always at pos
	gaps []extent
	// nextBID and nextPID are the next block and page BIDs.
	nextBID, nextPID uint64
	bbt              *spill // BBT leaf entries, already in BID order
	blocks           int64  // number of blocks written
	dataBytes        int64  // logical bytes of leaf data blocks written
}

// extent is a free range [start, end) inside the written part of the file.
type extent struct{ start, end int64 }

// mark is a rollback point (see ndb.rollback).
type mark struct {
	pos, blocks, dataBytes int64
	nextBID                uint64
	gaps                   int
	bbt                    int64
}

func newNDB(f *os.File, tmpDir string) (*ndb, error) {
	bbt, err := newSpill(tmpDir, "bbt")
	if err != nil {
		return nil, err
	}
	d := &ndb{f: f, w: newAsyncWriter(f), nextBID: 4, nextPID: 1, bbt: bbt}
	// Header, zeros, DList page: written at finish.
	if err := d.pad(amapFirst); err != nil {
		return nil, err
	}
	return d, nil
}

// pad writes zeros up to offset to.
func (d *ndb) pad(to int64) error {
	var zero [4096]byte
	for d.pos < to {
		n := min(to-d.pos, int64(len(zero)))
		if _, err := d.w.Write(zero[:n]); err != nil {
			return fmt.Errorf("write pst: %w", err)
		}
		d.pos += n
	}
	return nil
}

func (d *ndb) gap(start, end int64) {
	if end <= start {
		return
	}
	if n := len(d.gaps); n > 0 && d.gaps[n-1].end == start {
		d.gaps[n-1].end = end
		return
	}
	d.gaps = append(d.gaps, extent{start, end})
}

// alloc reserves size bytes aligned to align, skipping map pages and never
// crossing a region boundary, and pads the file up to the returned offset.
func (d *ndb) alloc(size, align int64) (int64, error) {
	for {
		p := alignUp(d.pos, align)
		region := (p - amapFirst) / regionSize
		rs := regionStart(region)
		if p == rs {
			offs, _ := mapPages(region)
			end := rs
			for _, o := range offs {
				d.gap(end, rs+o)
				end = rs + o + pageSize
			}
			if err := d.pad(end); err != nil {
				return 0, err
			}
			continue
		}
		if p+size > regionStart(region+1) {
			d.gap(d.pos, regionStart(region+1))
			if err := d.pad(regionStart(region + 1)); err != nil {
				return 0, err
			}
			continue
		}
		d.gap(d.pos, p)
		if err := d.pad(p); err != nil {
			return 0, err
		}
		return p, nil
	}
}

// block writes one block and records its BBT entry (cRef 2: the BBT plus the
// single slot that will point at it). internal marks XBLOCK/SLBLOCK types.
func (d *ndb) block(data []byte, internal bool) (uint64, error) {
	if len(data) > maxBlockData {
		return 0, fmt.Errorf("pst: block of %d bytes", len(data))
	}
	bid := d.nextBID
	if internal {
		bid |= 2
	}
	d.nextBID += 4
	size := blockSize(len(data))
	ib, err := d.alloc(size, 64)
	if err != nil {
		return 0, err
	}
	var tr [16 + 64]byte
	padN := size - int64(len(data)) - 16
	t := tr[padN : padN+16]
	le.PutUint16(t[0:], uint16(len(data)))
	le.PutUint16(t[2:], signature(uint64(ib), bid))
	le.PutUint32(t[4:], crc(data))
	le.PutUint64(t[8:], bid)
	if _, err := d.w.Write(data); err != nil {
		return 0, fmt.Errorf("write pst block: %w", err)
	}
	if _, err := d.w.Write(tr[:padN+16]); err != nil {
		return 0, fmt.Errorf("write pst block: %w", err)
	}
	d.pos += size
	var e [24]byte
	le.PutUint64(e[0:], bid)
	le.PutUint64(e[8:], uint64(ib))
	le.PutUint16(e[16:], uint16(len(data)))
	le.PutUint16(e[18:], 2)
	if err := d.bbt.add(e[:]); err != nil {
		return 0, err
	}
	d.blocks++
	if !internal {
		d.dataBytes += int64(len(data))
	}
	return bid, nil
}

// page writes a BTree or DList page (BID from bidNextP) and returns its BREF.
func (d *ndb) page(body []byte, ptype byte) (bid uint64, ib int64, err error) {
	ib, err = d.alloc(pageSize, pageSize)
	if err != nil {
		return 0, 0, err
	}
	bid = d.nextPID
	d.nextPID++
	p := makePage(body, ptype, uint64(ib), bid, true)
	if _, err := d.w.Write(p); err != nil {
		return 0, 0, fmt.Errorf("write pst page: %w", err)
	}
	d.pos += pageSize
	return bid, ib, nil
}

// makePage assembles a 512-byte page: 496 body bytes and the PAGETRAILER.
func makePage(body []byte, ptype byte, ib, bid uint64, withSig bool) []byte {
	p := make([]byte, pageSize)
	copy(p, body)
	p[496], p[497] = ptype, ptype
	if withSig {
		le.PutUint16(p[498:], signature(ib, bid))
	}
	le.PutUint32(p[500:], crc(p[:496]))
	le.PutUint64(p[504:], bid)
	return p
}

// setMark returns a rollback point.
func (d *ndb) setMark() mark {
	return mark{pos: d.pos, blocks: d.blocks, dataBytes: d.dataBytes, nextBID: d.nextBID, gaps: len(d.gaps), bbt: d.bbt.n}
}

// rollback forgets every block written since m: the space is reused and
// their BBT entries are dropped, so nothing unreferenced stays in the file.
func (d *ndb) rollback(m mark) error {
	if err := d.w.Flush(); err != nil {
		return fmt.Errorf("write pst: %w", err)
	}
	if _, err := d.f.Seek(m.pos, io.SeekStart); err != nil {
		return fmt.Errorf("rewind pst: %w", err)
	}
	d.w.Reset(d.f)
	d.pos, d.blocks, d.dataBytes, d.nextBID = m.pos, m.blocks, m.dataBytes, m.nextBID
	d.gaps = d.gaps[:m.gaps]
	return d.bbt.truncate(m.bbt)
}
