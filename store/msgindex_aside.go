package store

import (
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// Changing what is already indexed: flag updates picked up by a delta and
// the records set aside when a folder's UIDVALIDITY changes. Records are
// never deleted, only moved aside.

// UpdateFlags replaces stored flags of messages (flag changes picked up by a delta).
func (db *DB) UpdateFlags(k BoxKey, folder string, uidValidity uint32, flags map[uint32][]string) error {
	if len(flags) == 0 {
		return nil
	}
	return db.bolt.Update(func(tx *bolt.Tx) error {
		mb := folderRecords(tx, k, folder)
		if mb == nil {
			return nil
		}
		for uid, fl := range flags {
			key := msgKey(uidValidity, uid)
			v := mb.Get(key)
			if v == nil {
				continue
			}
			m, err := decodeRecord(key, v)
			if err != nil {
				return err
			}
			m.Flags = fl
			nv, err := m.encode()
			if err != nil {
				return err
			}
			if err := mb.Put(key, nv); err != nil {
				return err
			}
		}
		return nil
	})
}

// SetAside keeps a folder's records under an old UIDVALIDITY apart (never
// deleted) and returns them so the engine can re-match them by content.
func (db *DB) SetAside(k BoxKey, folder string, oldUV uint32) ([]MessageRecord, error) {
	var out []MessageRecord
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		bb, err := box(tx, k, true)
		if err != nil {
			return err
		}
		mb := bb.Bucket(bucketMsgs).Bucket([]byte(folder))
		if mb == nil {
			return nil
		}
		aside, err := bb.Bucket(bucketAside).CreateBucketIfNotExists([]byte(fmt.Sprintf("%s\x00%d", folder, oldUV)))
		if err != nil {
			return err
		}
		prefix := msgKey(oldUV, 0)[:4]
		c := mb.Cursor()
		var keys [][]byte
		for key, v := c.Seek(prefix); key != nil && string(key[:4]) == string(prefix); key, v = c.Next() {
			m, err := decodeRecord(key, v)
			if err != nil {
				return err
			}
			out = append(out, m)
			if err := aside.Put(append([]byte(nil), key...), append([]byte(nil), v...)); err != nil {
				return err
			}
			keys = append(keys, append([]byte(nil), key...))
		}
		for _, key := range keys {
			if err := mb.Delete(key); err != nil {
				return err
			}
		}
		return nil
	})
	return out, err
}

// AsideRecords returns every record kept aside for a folder (from all
// earlier UIDVALIDITY values), for re-matching by content.
func (db *DB) AsideRecords(k BoxKey, folder string) ([]MessageRecord, error) {
	var out []MessageRecord
	err := db.bolt.View(func(tx *bolt.Tx) error {
		bb, err := box(tx, k, false)
		if err != nil || bb == nil {
			return err
		}
		ab := bb.Bucket(bucketAside)
		prefix := []byte(folder + "\x00")
		c := ab.Cursor()
		for name, _ := c.Seek(prefix); name != nil && len(name) > len(prefix) && string(name[:len(prefix)]) == string(prefix); name, _ = c.Next() {
			if err := ab.Bucket(name).ForEach(func(key, v []byte) error {
				m, err := decodeRecord(key, v)
				if err == nil {
					out = append(out, m)
				}
				return err
			}); err != nil {
				return err
			}
		}
		return nil
	})
	return out, err
}
