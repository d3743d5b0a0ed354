package pst

import (
	"bufio"
	"fmt"
	"io"
	"os"
)

// spill is an append-only temporary file of fixed-size records, used to keep
// B-tree entries out of memory. Records are read back in the order written.
type spill struct {
	f    *os.File
	w    *bufio.Writer
	n    int64 // records written
	size int   // record size, set by the first add
}

func newSpill(dir, what string) (*spill, error) {
	f, err := os.CreateTemp(dir, ".mailshift-pst-"+what+"-*")
	if err != nil {
		return nil, fmt.Errorf("create %s spill file: %w", what, err)
	}
	return &spill{f: f, w: bufio.NewWriterSize(f, 256<<10)}, nil
}

func (s *spill) add(rec []byte) error {
	s.size = len(rec)
	if _, err := s.w.Write(rec); err != nil {
		return fmt.Errorf("write spill file: %w", err)
	}
	s.n++
	return nil
}

// truncate drops the records after the first n.
func (s *spill) truncate(n int64) error {
	if err := s.w.Flush(); err != nil {
		return err
	}
	if err := s.f.Truncate(n * int64(s.size)); err != nil {
		return err
	}
	if _, err := s.f.Seek(n*int64(s.size), io.SeekStart); err != nil {
		return err
	}
	s.w.Reset(s.f)
	s.n = n
	return nil
}

// reader returns a sequential reader over every record written so far.
func (s *spill) reader() (*bufio.Reader, error) {
	if err := s.w.Flush(); err != nil {
		return nil, err
	}
	return bufio.NewReaderSize(io.NewSectionReader(s.f, 0, s.n*int64(s.size)), 256<<10), nil
}

// close removes the file.
func (s *spill) close() {
	if s == nil || s.f == nil {
		return
	}
	s.f.Close()
	os.Remove(s.f.Name())
	s.f = nil
}
