package store

import (
	"encoding/binary"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// migration upgrades the schema by one version. Migrations run in order, all
// pending ones in a single transaction, so a crash leaves the old version.
type migration struct {
	version uint32
	name    string
	apply   func(tx *bolt.Tx) error
}

// migrations is append-only: never edit a released entry; add a new one.
var migrations = []migration{
	{1, "create meta, projects and mail buckets", migrateV1},
	{2, "index new message bytes by hash in generations (mail/blobgens)", migrateV2},
}

// SchemaVersion is the version a fully migrated database has.
func SchemaVersion() uint32 { return migrations[len(migrations)-1].version }

func migrateV1(tx *bolt.Tx) error {
	for _, name := range [][]byte{bucketMeta, bucketProjects, bucketMail} {
		if _, err := tx.CreateBucketIfNotExists(name); err != nil {
			return err
		}
	}
	return tx.Bucket(bucketMeta).Put(keyCreated, []byte(time.Now().UTC().Format(time.RFC3339)))
}

// migrateV2 creates the generational hash index (msgindex_blobs.go). The
// schema-1 hash index, mail/blobs, stays as it is: lookups read it after
// the generations, and nothing writes it any more. The version bump is
// what keeps an older Mailshift, which knows only mail/blobs, from opening
// a file whose new messages it could not find.
func migrateV2(tx *bolt.Tx) error {
	_, err := tx.Bucket(bucketMail).CreateBucketIfNotExists(bucketBlobGens)
	return err
}

// readSchema returns the stored version; 0 for a brand-new (bucket-less)
// file. A file with buckets but no meta bucket belongs to another program.
func readSchema(tx *bolt.Tx, path string) (uint32, error) {
	meta := tx.Bucket(bucketMeta)
	if meta == nil {
		empty := true
		tx.ForEach(func([]byte, *bolt.Bucket) error { empty = false; return nil })
		if !empty {
			return 0, fmt.Errorf("open %s: this database belongs to another program, not Mailshift; choose another data folder (the file was left untouched)", path)
		}
		return 0, nil
	}
	v := meta.Get(keySchema)
	if len(v) != 4 {
		return 0, fmt.Errorf("open %s: the schema version is missing or damaged; restore the folder from a backup (the file was left untouched)", path)
	}
	return binary.BigEndian.Uint32(v), nil
}

func (db *DB) migrate() error {
	return db.bolt.Update(func(tx *bolt.Tx) error {
		cur, err := readSchema(tx, db.path)
		if err != nil {
			return err
		}
		if cur > SchemaVersion() {
			return fmt.Errorf("open %s: written by a newer Mailshift (schema %d, this one knows %d); update Mailshift", db.path, cur, SchemaVersion())
		}
		for _, m := range migrations {
			if m.version <= cur {
				continue
			}
			if err := m.apply(tx); err != nil {
				return fmt.Errorf("upgrade %s to schema %d (%s): %w", db.path, m.version, m.name, err)
			}
			if err := tx.Bucket(bucketMeta).Put(keySchema, u32bytes(m.version)); err != nil {
				return err
			}
		}
		return nil
	})
}

func (db *DB) checkSchema() error {
	return db.bolt.View(func(tx *bolt.Tx) error {
		cur, err := readSchema(tx, db.path)
		if err != nil {
			return err
		}
		if cur != SchemaVersion() {
			return fmt.Errorf("open %s read-only: schema %d needs upgrading to %d; open it once normally", db.path, cur, SchemaVersion())
		}
		return nil
	})
}
