package store

import (
	"encoding/binary"
	"fmt"
	"math"

	bolt "go.etcd.io/bbolt"
)

// Reading the message index: folder states, records in UID order, the
// stored UIDs past a high-water mark, mailboxes, vanished counts. Every
// reader runs in its own read transaction and copies out what it returns;
// callbacks must not write to the store.

// FolderStates returns the remembered state of every folder of a mailbox.
func (db *DB) FolderStates(k BoxKey) (map[string]FolderState, error) {
	out := map[string]FolderState{}
	err := db.bolt.View(func(tx *bolt.Tx) error {
		bb, err := box(tx, k, false)
		if err != nil || bb == nil {
			return err
		}
		return bb.Bucket(bucketFolders).ForEach(func(name, v []byte) error {
			var st FolderState
			if err := decode(v, &st); err != nil {
				return fmt.Errorf("folder %s: %w", name, err)
			}
			out[string(name)] = st
			return nil
		})
	})
	return out, err
}

// SaveFolderState stores a folder's state alone (a no-change delta, an
// inventory refresh).
func (db *DB) SaveFolderState(k BoxKey, st FolderState) error {
	return db.bolt.Update(func(tx *bolt.Tx) error {
		bb, err := box(tx, k, true)
		if err != nil {
			return err
		}
		return putJSON(bb.Bucket(bucketFolders), []byte(st.Name), st)
	})
}

// ForEachMessage calls fn for every stored message of a folder under its
// current UIDVALIDITY, in UID order. fn must not write to the store.
func (db *DB) ForEachMessage(k BoxKey, folder string, uidValidity uint32, fn func(MessageRecord) error) error {
	return db.ForEachMessageIn(k, folder, uidValidity, 0, math.MaxUint32, fn)
}

// ForEachMessageIn is ForEachMessage over the UIDs from..to (inclusive)
// only, so a caller can walk a large folder window by window. The index
// pages the walk touched are released from the resident set afterwards
// (dropIndexPages): a push's plan or a flag scan reads every record of
// the folders, and at 100,000 messages those pages were 40 MB of a
// push's resident memory.
func (db *DB) ForEachMessageIn(k BoxKey, folder string, uidValidity, from, to uint32, fn func(MessageRecord) error) error {
	defer db.dropIndexPages()
	return db.bolt.View(func(tx *bolt.Tx) error {
		mb := folderRecords(tx, k, folder)
		if mb == nil {
			return nil
		}
		c := mb.Cursor()
		for key, v := c.Seek(msgKey(uidValidity, from)); key != nil && binary.BigEndian.Uint32(key) == uidValidity &&
			binary.BigEndian.Uint32(key[4:]) <= to; key, v = c.Next() {
			m, err := decodeRecord(key, v)
			if err != nil {
				return fmt.Errorf("folder %s: %w", folder, err)
			}
			if err := fn(m); err != nil {
				return err
			}
		}
		return nil
	})
}

// StoredUIDsFrom returns the UIDs at or above from that are stored for a
// folder under uidValidity (the few a crashed run stored past the high-water
// mark, so a resume skips them).
func (db *DB) StoredUIDsFrom(k BoxKey, folder string, uidValidity, from uint32) (map[uint32]bool, error) {
	out := map[uint32]bool{}
	err := db.bolt.View(func(tx *bolt.Tx) error {
		mb := folderRecords(tx, k, folder)
		if mb == nil {
			return nil
		}
		c := mb.Cursor()
		for key, _ := c.Seek(msgKey(uidValidity, from)); key != nil && binary.BigEndian.Uint32(key) == uidValidity; key, _ = c.Next() {
			out[binary.BigEndian.Uint32(key[4:])] = true
		}
		return nil
	})
	return out, err
}

// Boxes lists the mailboxes of a project that have a message index.
func (db *DB) Boxes(projectID string) ([]BoxKey, error) {
	var out []BoxKey
	err := db.bolt.View(func(tx *bolt.Tx) error {
		boxes := tx.Bucket(bucketMail).Bucket(bucketBoxes)
		if boxes == nil {
			return nil
		}
		prefix := []byte(projectID + "\x00")
		c := boxes.Cursor()
		for k, _ := c.Seek(prefix); k != nil && len(k) > len(prefix) && string(k[:len(prefix)]) == string(prefix); k, _ = c.Next() {
			out = append(out, BoxKey{ProjectID: projectID, MailboxID: string(k[len(prefix):])})
		}
		return nil
	})
	return out, err
}

// VanishedCount is how many UIDs of a folder were recorded as vanished.
func (db *DB) VanishedCount(k BoxKey, folder string, uidValidity uint32) int {
	n := 0
	db.bolt.View(func(tx *bolt.Tx) error {
		bb, err := box(tx, k, false)
		if err != nil || bb == nil {
			return err
		}
		vb := bb.Bucket(bucketVanished).Bucket([]byte(folder))
		if vb == nil {
			return nil
		}
		prefix := msgKey(uidValidity, 0)[:4]
		c := vb.Cursor()
		for key, _ := c.Seek(prefix); key != nil && string(key[:4]) == string(prefix); key, _ = c.Next() {
			n++
		}
		return nil
	})
	return n
}
