package store

import (
	"fmt"
	"io"
	"os"
)

// Reading stored bytes back. Contract: a Blob from the index names bytes
// that were fsynced before it was indexed; a pack shorter than its index
// says is reported, never read past.

// OpenBlob returns a reader of a stored message's bytes. The caller closes it.
func (db *DB) OpenBlob(b Blob) (io.ReadCloser, error) {
	f, err := os.Open(db.packPath(b.Pack))
	if err != nil {
		return nil, fmt.Errorf("open message pack %d: %w", b.Pack, err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	if uint64(st.Size()) < b.Offset+b.Size {
		f.Close()
		return nil, fmt.Errorf("message pack %d is shorter than its index says (%d < %d)", b.Pack, st.Size(), b.Offset+b.Size)
	}
	return struct {
		io.Reader
		io.Closer
	}{io.NewSectionReader(f, int64(b.Offset), int64(b.Size)), f}, nil
}
