package pst

import (
	"fmt"
	"os"
)

// rowFile is the temporary file holding contents-table rows until the
// folders' tables are written at close. The rows of one folder form a
// chain: each record starts with the offset of the folder's next record, so
// a folder needs only its first and last offsets and a count in memory —
// nothing per message. A record is
//
//	next+1 (8 bytes; 0: last of its folder) | contentsRow.encode() bytes
//
// Records are buffered; linking a record whose predecessor is still in the
// buffer is a store in memory, otherwise (the folder resumes after other
// folders' rows were flushed) one 8-byte write to the file.
type rowFile struct {
	f    *os.File
	buf  []byte
	base int64 // file offset of buf[0]
}

const rowFileBuf = 256 << 10

// rowChain is a folder's rows in the rowFile.
type rowChain struct {
	n           int   // rows
	first, last int64 // offsets of the first and last records (when n > 0)
}

func newRowFile(tmpDir string) (*rowFile, error) {
	f, err := os.CreateTemp(tmpDir, ".mailshift-pst-rows-*")
	if err != nil {
		return nil, fmt.Errorf("create row spill file: %w", err)
	}
	return &rowFile{f: f, buf: make([]byte, 0, rowFileBuf)}, nil
}

// add appends rec (an encoded contentsRow) to chain c.
func (rf *rowFile) add(c *rowChain, rec []byte) error {
	if len(rf.buf)+8+len(rec) > cap(rf.buf) {
		if err := rf.flush(); err != nil {
			return err
		}
	}
	off := rf.base + int64(len(rf.buf))
	if c.n > 0 {
		if err := rf.link(c.last, off); err != nil {
			return err
		}
	} else {
		c.first = off
	}
	c.last = off
	c.n++
	rf.buf = le.AppendUint64(rf.buf, 0)
	rf.buf = append(rf.buf, rec...)
	if len(rf.buf) > rowFileBuf { // one oversized record: do not keep it
		return rf.flush()
	}
	return nil
}

// link makes the record at prev point at the record at next.
func (rf *rowFile) link(prev, next int64) error {
	if prev >= rf.base {
		le.PutUint64(rf.buf[prev-rf.base:], uint64(next+1))
		return nil
	}
	var b [8]byte
	le.PutUint64(b[:], uint64(next+1))
	if _, err := rf.f.WriteAt(b[:], prev); err != nil {
		return fmt.Errorf("write row spill: %w", err)
	}
	return nil
}

// flush writes the buffered records.
func (rf *rowFile) flush() error {
	if len(rf.buf) == 0 {
		return nil
	}
	if _, err := rf.f.WriteAt(rf.buf, rf.base); err != nil {
		return fmt.Errorf("write row spill: %w", err)
	}
	rf.base += int64(len(rf.buf))
	if cap(rf.buf) > rowFileBuf {
		rf.buf = make([]byte, 0, rowFileBuf)
	}
	rf.buf = rf.buf[:0]
	return nil
}

// each flushes, then calls fn with every row of chain c, in the order they
// were added.
func (rf *rowFile) each(c rowChain, fn func(contentsRow) error) error {
	if err := rf.flush(); err != nil {
		return err
	}
	off := c.first
	var hdr [12]byte
	var b []byte
	for i := 0; i < c.n; i++ {
		if _, err := rf.f.ReadAt(hdr[:], off); err != nil {
			return fmt.Errorf("read row spill: %w", err)
		}
		next := int64(le.Uint64(hdr[:])) - 1
		size := int(le.Uint32(hdr[8:]))
		if cap(b) < size {
			b = make([]byte, size)
		}
		b = b[:size]
		if _, err := rf.f.ReadAt(b, off+8); err != nil {
			return fmt.Errorf("read row spill: %w", err)
		}
		r, err := decodeRow(b)
		if err != nil {
			return err
		}
		if err := fn(r); err != nil {
			return err
		}
		if i < c.n-1 && next < 0 {
			return fmt.Errorf("pst: row spill chain ends after %d of %d rows", i+1, c.n)
		}
		off = next
	}
	return nil
}

// close removes the file.
func (rf *rowFile) close() {
	if rf == nil || rf.f == nil {
		return
	}
	rf.f.Close()
	os.Remove(rf.f.Name())
	rf.f = nil
}
