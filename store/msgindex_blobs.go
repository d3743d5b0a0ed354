package store

import (
	"encoding/binary"
	"fmt"
	"io"
	"slices"
	"sync/atomic"

	bolt "go.etcd.io/bbolt"
)

// Finding stored bytes by content hash. Contract: a hash the index knows
// always resolves to complete bytes in a pack (see packs.go).
//
// Since schema 2 the hash index is kept in generations (mail/blobgens):
//
//	<generation u32 BE><sha256, 32 bytes> -> Blob
//
// the bucket's sequence counting every blob ever put, and a generation
// holding blobGenSize of them. Content hashes are random, so one B-tree
// keyed by hash alone had every group commit dirty (copy into the heap,
// map in, rewrite) a leaf per message anywhere in the tree: a pull's
// memory and CPU per commit grew with the index. New blobs go into the
// last generation only, a bounded key range at the tree's right edge, so
// a commit touches at most that generation's leaves whatever the size of
// the index. Lookups try the generations newest first, then the schema-1
// bucket mail/blobs (kept as written, read only).
//
// A hash may be put again (a batch repeated after a crash, the same
// message in two folders); each entry names complete bytes of that
// content, so whichever a lookup finds first is right.

// blobGenSize is how many blobs one generation holds: about 25 leaf
// pages, the most one commit may touch of the hash index. Measured on the
// 100,000-message bench, 16,384 left a pull's peak RSS at 35 MB, 4,096 at
// 26-27 MB and 1,024 at 23 MB (a 10,000-message pull: 20-23 MB). A lookup
// costs one seek when a recent one found its blob in the same generation
// (blobHints), and one per generation otherwise: more, smaller
// generations make only those dearer. A variable only so tests can make
// generations small; lookups do not depend on it.
var blobGenSize uint64 = 1024

var bucketBlobGens = []byte("blobgens")

func blobGenKey(gen uint32, h Hash) []byte {
	k := make([]byte, 4+len(h))
	binary.BigEndian.PutUint32(k, gen)
	copy(k[4:], h[:])
	return k
}

// putBlobs indexes a batch's blobs in the current generation, in the
// order of its messages (then any blob no message names): a generation
// then holds a run of consecutive UIDs, which readers walking a folder in
// UID order find one after the other (lookupBlob's hints). It appends
// each blob's directory entry (blobDir) to *entries, when not nil.
func putBlobs(tx *bolt.Tx, blobs map[Hash]Blob, msgs []MessageRecord, entries *[]uint64) error {
	if len(blobs) == 0 {
		return nil
	}
	gb, err := tx.Bucket(bucketMail).CreateBucketIfNotExists(bucketBlobGens)
	if err != nil {
		return err
	}
	seq := gb.Sequence()
	put := func(h Hash, bl Blob) error {
		seq++
		gen := uint32((seq - 1) / blobGenSize)
		if entries != nil {
			*entries = append(*entries, dirEntry(h, gen))
		}
		return gb.Put(blobGenKey(gen, h), bl.encode())
	}
	done := make(map[Hash]bool, len(blobs))
	for _, m := range msgs {
		if bl, ok := blobs[m.Hash]; ok && !done[m.Hash] {
			done[m.Hash] = true
			if err := put(m.Hash, bl); err != nil {
				return err
			}
		}
	}
	for h, bl := range blobs {
		if !done[h] {
			if err := put(h, bl); err != nil {
				return err
			}
		}
	}
	return gb.SetSequence(seq)
}

// lookupBlob finds a hash's bytes: in the generations hints name first
// (each, then its neighbours), then every other generation newest first,
// then the schema-1 bucket. It returns the generation it was found in (-1:
// schema 1 or not found), a good hint for the next lookup: readers walk a
// folder in UID order, which is about the order it was pulled in, so
// consecutive messages sit in the same generation and a lookup costs one
// seek rather than one per generation. The returned Blob is decoded
// (copied), so it outlives tx.
func lookupBlob(tx *bolt.Tx, h Hash, hints ...int64) (Blob, int64, bool) {
	mail := tx.Bucket(bucketMail)
	if gb := mail.Bucket(bucketBlobGens); gb != nil {
		c := gb.Cursor()
		// The last key names the newest generation; going by the keys
		// rather than the sequence keeps lookups right whatever generation
		// size wrote the file.
		if last, _ := c.Last(); len(last) >= 4 {
			newest := int64(binary.BigEndian.Uint32(last))
			in := func(gen int64) (Blob, bool) {
				key := blobGenKey(uint32(gen), h)
				if k, v := c.Seek(key); k != nil && string(k) == string(key) {
					if bl, err := decodeBlob(v); err == nil {
						return bl, true
					}
				}
				return Blob{}, false
			}
			var tried [3 * len(blobHints{}.gens)]int64 // the hinted generations looked in
			n := 0
			for _, step := range [3]int64{0, -1, 1} {
				for _, hint := range hints {
					gen := hint + step
					if gen < 0 || gen > newest || slices.Contains(tried[:n], gen) || n == len(tried) {
						continue
					}
					tried[n] = gen
					n++
					if bl, ok := in(gen); ok {
						return bl, gen, true
					}
				}
			}
			for gen := newest; gen >= 0; gen-- {
				if !slices.Contains(tried[:n], gen) {
					if bl, ok := in(gen); ok {
						return bl, gen, true
					}
				}
			}
		}
	}
	if legacy := mail.Bucket(bucketBlobs); legacy != nil {
		if v := legacy.Get(h[:]); v != nil {
			if bl, err := decodeBlob(v); err == nil {
				return bl, -1, true
			}
		}
	}
	return Blob{}, -1, false
}

// forEachBlob calls fn for every entry of the hash index, the schema-1
// bucket first, then the generations in order; a hash put more than once
// comes more than once.
func forEachBlob(tx *bolt.Tx, fn func(Hash, Blob) error) error {
	mail := tx.Bucket(bucketMail)
	each := func(b *bolt.Bucket, skip int) error {
		if b == nil {
			return nil
		}
		return b.ForEach(func(k, v []byte) error {
			bl, err := decodeBlob(v)
			if err != nil || len(k) != skip+len(Hash{}) {
				return fmt.Errorf("damaged blob record %x", k)
			}
			var h Hash
			copy(h[:], k[skip:])
			return fn(h, bl)
		})
	}
	if err := each(mail.Bucket(bucketBlobs), 0); err != nil {
		return err
	}
	return each(mail.Bucket(bucketBlobGens), 4)
}

// HasBlob reports whether bytes with this hash are stored, and where.
func (db *DB) HasBlob(h Hash) (Blob, bool) {
	var bl Blob
	var ok bool
	db.bolt.View(func(tx *bolt.Tx) error {
		var gen int64
		bl, gen, ok = lookupBlob(tx, h, db.blobHints.get()...)
		if gen >= 0 {
			db.blobHints.found(gen)
		}
		return nil
	})
	return bl, ok
}

// blobHints are the generations recent lookups found their blobs in, for
// the next ones to look in first. Several, because readers work side by
// side (a push's workers read different folders, each pulled into its own
// generations): with one hint they took it from each other, and each
// lookup then searched generation after generation. Races between readers
// only cost a lookup more seeks.
type blobHints struct {
	gens [4]atomic.Int64 // +1, so that the zero value means none
	next atomic.Uint32
}

func (b *blobHints) get() []int64 {
	out := make([]int64, 0, len(b.gens))
	for i := range b.gens {
		if g := b.gens[i].Load(); g > 0 {
			out = append(out, g-1)
		}
	}
	return out
}

// found records a generation a lookup found its blob in, replacing the
// oldest one recorded unless it is there already.
func (b *blobHints) found(gen int64) {
	for i := range b.gens {
		if b.gens[i].Load() == gen+1 {
			return
		}
	}
	b.gens[b.next.Add(1)%uint32(len(b.gens))].Store(gen + 1)
}

// OpenMessage returns a stored message's bytes by hash.
func (db *DB) OpenMessage(h Hash) (io.ReadCloser, error) {
	bl, ok := db.HasBlob(h)
	if !ok {
		return nil, fmt.Errorf("message %s: %w", h, ErrNotFound)
	}
	return db.OpenBlob(bl)
}
