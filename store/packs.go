package store

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	gosync "sync"
	"sync/atomic"
)

// Message bytes live outside bbolt, in pack files under <data>/packs: each
// writer appends messages to a pack of its own, and a group of them becomes
// durable with one fsync of the pack, after which their locations are
// indexed in bbolt (Blob records). A crash leaves at worst unindexed bytes
// at a pack's end, which nothing points at; an index entry is only written
// after its bytes are on disk, so it never points at missing bytes.
//
// Hash is the SHA-256 of the exact RFC 5322 bytes.
type Hash [32]byte

// String is the hex form.
func (h Hash) String() string { return fmt.Sprintf("%x", h[:]) }

// Blob says where a message's bytes are.
type Blob struct {
	Pack   uint32
	Offset uint64
	Size   uint64
}

func (b Blob) encode() []byte {
	v := make([]byte, 20)
	binary.BigEndian.PutUint32(v, b.Pack)
	binary.BigEndian.PutUint64(v[4:], b.Offset)
	binary.BigEndian.PutUint64(v[12:], b.Size)
	return v
}

func decodeBlob(v []byte) (Blob, error) {
	if len(v) != 20 {
		return Blob{}, errors.New("damaged blob record")
	}
	return Blob{binary.BigEndian.Uint32(v), binary.BigEndian.Uint64(v[4:]), binary.BigEndian.Uint64(v[12:])}, nil
}

// MaxPackSize starts a new pack past this size (a pack holds many messages;
// a single larger message still goes into one pack).
const MaxPackSize = 512 << 20

// packs allocates pack numbers across writers of one DB.
type packs struct {
	dir  string
	next atomic.Uint32
	once gosync.Once
	err  error
}

func (db *DB) packDir() string { return filepath.Join(db.dir, "packs") }

func (db *DB) nextPack() (uint32, error) {
	p := &db.packs
	p.once.Do(func() {
		p.dir = db.packDir()
		if p.err = os.MkdirAll(p.dir, 0o700); p.err != nil {
			return
		}
		entries, err := os.ReadDir(p.dir)
		if err != nil {
			p.err = err
			return
		}
		db.trimPackTails(entries)
		var max uint32
		for _, e := range entries {
			var n uint32
			if _, err := fmt.Sscanf(e.Name(), "%08x.pack", &n); err == nil && n > max {
				max = n
			}
		}
		p.next.Store(max)
	})
	if p.err != nil {
		return 0, fmt.Errorf("message folder %s: %w", p.dir, p.err)
	}
	return p.next.Add(1), nil
}

func (db *DB) packPath(n uint32) string {
	return filepath.Join(db.packDir(), fmt.Sprintf("%08x.pack", n))
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
