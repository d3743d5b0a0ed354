package store

import (
	"encoding/binary"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Snapshot is a timestamped opaque record kept per project and kind (domain
// findings, inventories, reconciliations), so reports can show before/after.
type Snapshot struct {
	At   time.Time
	Data []byte
}

// AddSnapshot keeps data under kind at time at. Snapshots are never replaced;
// two at the same nanosecond are kept apart by bumping the key.
func (db *DB) AddSnapshot(projectID, kind string, at time.Time, data []byte) error {
	return db.bolt.Update(func(tx *bolt.Tx) error {
		pb, err := projectBucket(tx, projectID)
		if err != nil {
			return err
		}
		kb, err := pb.Bucket(bucketSnapshots).CreateBucketIfNotExists([]byte(kind))
		if err != nil {
			return err
		}
		n := uint64(at.UnixNano())
		for kb.Get(u64key(n)) != nil {
			n++
		}
		return kb.Put(u64key(n), append([]byte(nil), data...))
	})
}

// Snapshots returns a kind's snapshots, oldest first.
func (db *DB) Snapshots(projectID, kind string) ([]Snapshot, error) {
	var out []Snapshot
	err := db.bolt.View(func(tx *bolt.Tx) error {
		pb, err := projectBucket(tx, projectID)
		if err != nil {
			return err
		}
		kb := pb.Bucket(bucketSnapshots).Bucket([]byte(kind))
		if kb == nil {
			return nil
		}
		return kb.ForEach(func(k, v []byte) error {
			out = append(out, Snapshot{
				At:   time.Unix(0, int64(binary.BigEndian.Uint64(k))).UTC(),
				Data: append([]byte(nil), v...),
			})
			return nil
		})
	})
	return out, err
}
