package store

import (
	"fmt"
	"io"
	"os"
	gosync "sync"
)

// Reading stored bytes back. Contract: a Blob from the index names bytes
// that were fsynced before it was indexed; a pack shorter than its index
// says is reported, never read past.

// OpenBlob returns a reader of a stored message's bytes. The caller closes
// it. Readers share one open file per pack (readFiles): a push or an
// export reads thousands of messages a second from a few packs, and
// opening, checking and closing the pack for each one was a sixth of the
// push's CPU. Any number of readers may use a pack at once (they read at
// offsets, never move a shared position).
func (db *DB) OpenBlob(b Blob) (io.ReadCloser, error) {
	rf, err := db.reading.acquire(db.packPath(b.Pack), b.Pack, b.Offset+b.Size)
	if err != nil {
		return nil, err
	}
	return &blobReader{SectionReader: io.NewSectionReader(rf.f, int64(b.Offset), int64(b.Size)), rf: rf, files: &db.reading}, nil
}

type blobReader struct {
	*io.SectionReader
	rf     *readFile
	files  *readFiles
	closed bool
}

func (r *blobReader) Close() error {
	if !r.closed {
		r.closed = true
		r.files.release(r.rf)
	}
	return nil
}

// readFiles keeps up to maxOpen packs open for reading. A pack not in use
// by any reader is closed when room is needed (the least recently used
// first); one in use stays open until its last reader closes, so more may
// be open while many are read at once, and as readers close the count
// comes back to maxOpen.
type readFiles struct {
	mu      gosync.Mutex
	open    map[uint32]*readFile
	maxOpen int // 0: defaultOpenPacks
	clock   uint64
	closed  bool
}

// defaultOpenPacks bounds the packs held open for reading: well within any
// system's limit on open files, and more than a run reads from at once.
const defaultOpenPacks = 32

type readFile struct {
	pack     uint32
	f        *os.File
	size     int64 // as last seen: a pack being written grows
	refs     int
	lastUsed uint64
	dropped  bool // no longer in open: closed when refs reach 0
}

// acquire returns pack n's open file, checking that it holds need bytes.
func (p *readFiles) acquire(path string, n uint32, need uint64) (*readFile, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return nil, fmt.Errorf("open message pack %d: the store is closed", n)
	}
	if p.open == nil {
		p.open = map[uint32]*readFile{}
	}
	rf := p.open[n]
	if rf == nil {
		f, err := os.Open(path)
		if err != nil {
			return nil, fmt.Errorf("open message pack %d: %w", n, err)
		}
		rf = &readFile{pack: n, f: f, size: -1}
		p.shrinkTo(p.limit() - 1)
		p.open[n] = rf
	}
	if rf.size < 0 || uint64(rf.size) < need {
		st, err := rf.f.Stat()
		if err != nil {
			return nil, fmt.Errorf("open message pack %d: %w", n, err)
		}
		rf.size = st.Size()
		if uint64(rf.size) < need {
			return nil, fmt.Errorf("message pack %d is shorter than its index says (%d < %d)", n, rf.size, need)
		}
	}
	p.clock++
	rf.refs, rf.lastUsed = rf.refs+1, p.clock
	return rf, nil
}

// shrinkTo closes the least recently used packs no reader holds while more
// than n are open (packs in use stay: there may be more than n for a
// while, and release brings it back). Under mu.
func (p *readFiles) shrinkTo(n int) {
	for len(p.open) > n {
		var oldest *readFile
		for _, rf := range p.open {
			if rf.refs == 0 && (oldest == nil || rf.lastUsed < oldest.lastUsed) {
				oldest = rf
			}
		}
		if oldest == nil {
			return
		}
		delete(p.open, oldest.pack)
		oldest.f.Close()
	}
}

func (p *readFiles) limit() int {
	if p.maxOpen > 0 {
		return p.maxOpen
	}
	return defaultOpenPacks
}

func (p *readFiles) release(rf *readFile) {
	p.mu.Lock()
	defer p.mu.Unlock()
	rf.refs--
	switch {
	case rf.refs > 0:
	case rf.dropped || p.closed:
		rf.f.Close()
	default:
		p.shrinkTo(p.limit())
	}
}

// closeAll closes every pack no reader holds; the others close with their
// last reader.
func (p *readFiles) closeAll() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.closed = true
	for n, rf := range p.open {
		if rf.refs == 0 {
			rf.f.Close()
		} else {
			rf.dropped = true
		}
		delete(p.open, n)
	}
}
