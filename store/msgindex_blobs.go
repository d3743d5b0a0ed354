package store

import (
	"fmt"
	"io"

	bolt "go.etcd.io/bbolt"
)

// Finding stored bytes by content hash. Contract: a hash the index knows
// always resolves to complete bytes in a pack (see packs.go).

// HasBlob reports whether bytes with this hash are stored.
func (db *DB) HasBlob(h Hash) (Blob, bool) {
	var bl Blob
	var ok bool
	db.bolt.View(func(tx *bolt.Tx) error {
		blobs := tx.Bucket(bucketMail).Bucket(bucketBlobs)
		if blobs == nil {
			return nil
		}
		if v := blobs.Get(h[:]); v != nil {
			bl, _ = decodeBlob(v)
			ok = true
		}
		return nil
	})
	return bl, ok
}

// OpenMessage returns a stored message's bytes by hash.
func (db *DB) OpenMessage(h Hash) (io.ReadCloser, error) {
	bl, ok := db.HasBlob(h)
	if !ok {
		return nil, fmt.Errorf("message %s: %w", h, ErrNotFound)
	}
	return db.OpenBlob(bl)
}
