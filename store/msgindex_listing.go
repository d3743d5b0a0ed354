package store

import (
	"time"

	bolt "go.etcd.io/bbolt"
)

// keyListing is a mailbox's last source listing, a key of its own in the
// mailbox's index bucket (mail/boxes/<box>/listing, beside the folders,
// msgs, vanished and aside buckets). Absent in data written before it
// existed: no migration.
var keyListing = []byte("listing")

// SourceListing is what a pull found on the source before copying: the
// folders it meant to copy. Offline verification checks the copy against
// it, so that a folder the pull never reached (an interrupted first pull,
// a folder new on the source when a delta was cut short) counts as
// missing instead of being invisible: folder states exist only for
// folders a pull has opened.
type SourceListing struct {
	At      time.Time `json:"at"`
	Folders []string  `json:"folders"` // selectable folders, in the server's order
	// The source's hierarchy separator and personal namespace prefix, for
	// a folder mapping made without an inventory (a push after a pull
	// from the command line). Empty in listings written before they were
	// kept.
	Separator string `json:"separator,omitempty"`
	Prefix    string `json:"prefix,omitempty"`
}

// StartPull records that a pull of the mailbox began, creating its index
// bucket, so that a mailbox whose source could not even be listed (a
// wrong password, a server down) is known to verification as not copied.
// A mailbox pulled before costs a read, not a durable write (every delta
// starts here).
func (db *DB) StartPull(k BoxKey) error {
	var exists bool
	db.bolt.View(func(tx *bolt.Tx) error {
		bb, _ := box(tx, k, false) // never fails without create
		exists = bb != nil
		return nil
	})
	if exists {
		return nil
	}
	return db.bolt.Update(func(tx *bolt.Tx) error {
		_, err := box(tx, k, true)
		return err
	})
}

// SaveSourceListing replaces the mailbox's last source listing.
func (db *DB) SaveSourceListing(k BoxKey, l SourceListing) error {
	return db.bolt.Update(func(tx *bolt.Tx) error {
		bb, err := box(tx, k, true)
		if err != nil {
			return err
		}
		return putJSON(bb, keyListing, l)
	})
}

// LastSourceListing returns the mailbox's last source listing; ok is false
// when no pull has listed the source yet.
func (db *DB) LastSourceListing(k BoxKey) (l SourceListing, ok bool, err error) {
	err = db.bolt.View(func(tx *bolt.Tx) error {
		bb, err := box(tx, k, false)
		if err != nil || bb == nil {
			return err
		}
		raw := bb.Get(keyListing)
		if raw == nil {
			return nil
		}
		ok = true
		return decode(raw, &l)
	})
	return l, ok, err
}
