package store

import (
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// Writing pulled messages into the index. Contract: an index entry is
// written only for bytes the caller already made durable (PackWriter.Sync
// or Flush's durable), and a batch's records, blobs, vanished UIDs and
// folder state land in one transaction, so a crash repeats at most the
// batch.

// PulledBatch is one group commit: messages whose bytes are durable in
// packs, the folder's new state, and UIDs that vanished.
type PulledBatch struct {
	Box      BoxKey
	Folder   FolderState
	Messages []MessageRecord
	Blobs    map[Hash]Blob
	Vanished map[uint32]string // uid -> reason
	// Indexed names, for records whose bytes are not in Blobs but were
	// found indexed (StoredCopy), the generation they were found in: the
	// commit, which checks that such bytes exist, looks there first.
	Indexed map[Hash]int64
}

// CommitPulled indexes a batch and advances the folder's state in one
// transaction, so a crash repeats at most the batch, and the content hash
// turns the repeat into a skip. Afterwards the index pages the commit
// touched are released from the resident set (dropIndexPages), so a pull's
// memory does not grow with the number of messages indexed.
func (db *DB) CommitPulled(b PulledBatch) error {
	var put []uint64
	err := db.bolt.Update(func(tx *bolt.Tx) error { put = put[:0]; return commitPulledTx(tx, b, &put) })
	if err == nil {
		db.blobDir.add(put)
	}
	db.dropIndexPages()
	return err
}

// CommitPulledAll indexes several batches (of any folders) in one
// transaction, in order: one fsync of the index for all of them, which is
// how a pull on several connections keeps up with the server. It is all
// or nothing.
func (db *DB) CommitPulledAll(bs []PulledBatch) error {
	var put []uint64
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		put = put[:0]
		for _, b := range bs {
			if err := commitPulledTx(tx, b, &put); err != nil {
				return err
			}
		}
		return nil
	})
	if err == nil {
		db.blobDir.add(put)
	}
	db.dropIndexPages()
	return err
}

// commitPulledTx indexes b in tx, appending the directory entries of the
// blobs it puts to *put (when not nil).
func commitPulledTx(tx *bolt.Tx, b PulledBatch, put *[]uint64) error {
	bb, err := box(tx, b.Box, true)
	if err != nil {
		return err
	}
	if err := putBlobs(tx, b.Blobs, b.Messages, put); err != nil {
		return err
	}
	msgs, err := bb.Bucket(bucketMsgs).CreateBucketIfNotExists([]byte(b.Folder.Name))
	if err != nil {
		return err
	}
	msgs.FillPercent = msgsFillPercent
	// A record whose bytes are not in the batch (re-matched after a
	// UIDVALIDITY change) must name bytes indexed earlier; each lookup
	// starts in the generation the previous one found.
	hint := int64(-2)
	for i := range b.Messages {
		m := &b.Messages[i]
		if _, ok := b.Blobs[m.Hash]; !ok {
			var known bool
			if g, ok := b.Indexed[m.Hash]; ok {
				hint = g
			}
			if _, hint, known = lookupBlob(tx, m.Hash, hint); !known {
				return fmt.Errorf("message uid %d has no stored bytes", m.UID)
			}
		}
		v, err := m.encode()
		if err != nil {
			return err
		}
		if err := msgs.Put(msgKey(m.UIDValidity, m.UID), v); err != nil {
			return err
		}
	}
	if len(b.Vanished) > 0 {
		vb, err := bb.Bucket(bucketVanished).CreateBucketIfNotExists([]byte(b.Folder.Name))
		if err != nil {
			return err
		}
		for uid, why := range b.Vanished {
			if err := vb.Put(msgKey(b.Folder.UIDValidity, uid), []byte(why)); err != nil {
				return err
			}
		}
	}
	return putJSON(bb.Bucket(bucketFolders), []byte(b.Folder.Name), b.Folder)
}

// msgsFillPercent: records are keyed by UID and a pull appends them in UID
// order, so a split page is left nearly full (bbolt's default, half, would
// leave every page of a pulled folder half empty: twice the pages to write
// and to map in).
const msgsFillPercent = 0.9
