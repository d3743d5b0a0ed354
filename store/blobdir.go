package store

import (
	"encoding/binary"
	"slices"
	gosync "sync"

	bolt "go.etcd.io/bbolt"
)

// blobDir is an exact directory of the hash index in memory, for the pull,
// which asks of every message it fetches whether its bytes are stored
// already (StoredCopy). The index cannot say so cheaply: a hash it lacks
// is looked for in every generation (msgindex_blobs.go), and each seek
// maps in pages around the ones it reads (the kernel's fault-around):
// at 100,000 messages one such lookup took the resident set up by 9 MB.
//
// Each entry is 8 bytes: the first 44 bits of a hash and the generation
// it is in (the last 20 bits; dirAnyGen when unknown), about 0.8 MB at
// 100,000 messages. A hash whose 44 bits no entry has is not stored; one
// that matches is looked up in its generation only (one seek).
//
// The entries are kept in sorted runs of decreasing length, as a binary
// counter: commits add a run, and two runs are merged while the newer is
// at least as long, so there are at most log2(n) runs and each entry is
// copied log2(n) times. The directory is built on first use by one walk
// over the index; commits add their blobs once it is built (both take mu,
// so a blob committed before the walk is in it).
type blobDir struct {
	mu    gosync.Mutex
	built bool
	runs  [][]uint64
}

const (
	dirGenBits = 20
	dirAnyGen  = 1<<dirGenBits - 1 // the schema-1 bucket, or a generation past the field
)

func dirEntry(h Hash, gen uint32) uint64 {
	return binary.BigEndian.Uint64(h[:8])>>dirGenBits<<dirGenBits | uint64(min(gen, dirAnyGen))
}

// find returns the generations h may be in (none: not stored), building
// the directory first when needed; ok is false when that failed (the
// index must be asked).
func (d *blobDir) find(db *DB, h Hash) (gens []uint32, ok bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if !d.built {
		if err := d.build(db); err != nil {
			d.runs = nil
			return nil, false
		}
		d.built = true
	}
	prefix := dirEntry(h, 0)
	for _, run := range d.runs {
		i, _ := slices.BinarySearch(run, prefix)
		for ; i < len(run) && run[i]>>dirGenBits == prefix>>dirGenBits; i++ {
			if g := uint32(run[i] & dirAnyGen); !slices.Contains(gens, g) {
				gens = append(gens, g)
			}
		}
	}
	return gens, true
}

// build walks the hash index into one run (mu held), letting the pages it
// has read go as it walks: a pull's memory must not grow with the index.
func (d *blobDir) build(db *DB) error {
	return db.bolt.View(func(tx *bolt.Tx) error {
		mail := tx.Bucket(bucketMail)
		var run []uint64
		add := func(b *bolt.Bucket, gen func(k []byte) uint32, skip int) error {
			if b == nil {
				return nil
			}
			return b.ForEach(func(k, _ []byte) error {
				if len(k) == skip+len(Hash{}) {
					run = append(run, dirEntry(Hash(k[skip:]), gen(k)))
					if len(run)%4096 == 0 {
						db.dropIndexPagesIn(tx)
					}
				}
				return nil
			})
		}
		err := add(mail.Bucket(bucketBlobs), func([]byte) uint32 { return dirAnyGen }, 0)
		if err == nil {
			err = add(mail.Bucket(bucketBlobGens), func(k []byte) uint32 { return binary.BigEndian.Uint32(k) }, 4)
		}
		db.dropIndexPagesIn(tx)
		slices.Sort(run)
		d.runs = [][]uint64{run}
		return err
	})
}

// add records the blobs a commit put, with their generations, once the
// directory is built (before, the walk that builds it finds them).
func (d *blobDir) add(entries []uint64) {
	if len(entries) == 0 {
		return
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if !d.built {
		return
	}
	run := slices.Clone(entries)
	slices.Sort(run)
	d.runs = append(d.runs, run)
	for n := len(d.runs); n >= 2 && len(d.runs[n-1]) >= len(d.runs[n-2]); n = len(d.runs) {
		d.runs = append(d.runs[:n-2], merge(d.runs[n-2], d.runs[n-1]))
	}
}

func merge(a, b []uint64) []uint64 {
	out := make([]uint64, 0, len(a)+len(b))
	for len(a) > 0 && len(b) > 0 {
		if a[0] <= b[0] {
			out, a = append(out, a[0]), a[1:]
		} else {
			out, b = append(out, b[0]), b[1:]
		}
	}
	return append(append(out, a...), b...)
}

// StoredCopy reports whether bytes with this hash are stored, where, and
// in which generation of the index (-1: the schema-1 bucket; for
// PulledBatch.Indexed), as HasBlob does, but asks the index only in the
// generation the in-memory directory names (blobDir): for asking of every
// message fetched, most of which are new.
func (db *DB) StoredCopy(h Hash) (bl Blob, gen int64, found bool) {
	gens, ok := db.blobDir.find(db, h)
	if ok && len(gens) == 0 {
		return Blob{}, -1, false
	}
	db.bolt.View(func(tx *bolt.Tx) error {
		mail := tx.Bucket(bucketMail)
		for _, g := range gens {
			if g == dirAnyGen {
				bl, gen, found = lookupBlob(tx, h)
			} else if gb := mail.Bucket(bucketBlobGens); gb != nil {
				if v := gb.Get(blobGenKey(g, h)); v != nil {
					var err error
					bl, err = decodeBlob(v)
					gen, found = int64(g), err == nil
				}
			}
			if found {
				return nil
			}
		}
		if !ok { // no directory: the index alone
			bl, gen, found = lookupBlob(tx, h)
		}
		return nil
	})
	return bl, gen, found
}
