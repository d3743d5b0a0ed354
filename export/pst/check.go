package pst

import (
	"fmt"
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
