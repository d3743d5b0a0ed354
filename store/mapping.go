package store

import (
	"encoding/json"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// bucketMappings holds each mailbox's folder mapping (projects/<id>/mappings/,
// drawn in buckets.go). It is created on first save, so no migration.
var bucketMappings = []byte("mappings")

// SaveMapping stores a mailbox's folder mapping: mapping is the engine's
// JSON (sync.Mapping), kept as a versioned value. It replaces the previous one.
func (db *DB) SaveMapping(projectID, mailboxID string, mapping json.RawMessage) error {
	if !json.Valid(mapping) {
		return fmt.Errorf("folder mapping of %s: not valid JSON", mailboxID)
	}
	return db.bolt.Update(func(tx *bolt.Tx) error {
		pb, err := projectBucket(tx, projectID)
		if err != nil {
			return err
		}
		mb, err := pb.CreateBucketIfNotExists(bucketMappings)
		if err != nil {
			return err
		}
		return putJSON(mb, []byte(MailboxID(mailboxID)), mapping)
	})
}

// LoadMapping returns a mailbox's saved folder mapping, or an error
// wrapping ErrNotFound when none was saved.
func (db *DB) LoadMapping(projectID, mailboxID string) (json.RawMessage, error) {
	var out json.RawMessage
	err := db.bolt.View(func(tx *bolt.Tx) error {
		pb, err := projectBucket(tx, projectID)
		if err != nil {
			return err
		}
		var v []byte
		if mb := pb.Bucket(bucketMappings); mb != nil {
			v = mb.Get([]byte(MailboxID(mailboxID)))
		}
		if v == nil {
			return fmt.Errorf("folder mapping of %s in project %s: %w", mailboxID, projectID, ErrNotFound)
		}
		return decode(v, &out)
	})
	return out, err
}

// MappedMailboxes lists the mailboxes of a project that have a saved mapping.
func (db *DB) MappedMailboxes(projectID string) ([]string, error) {
	var out []string
	err := db.bolt.View(func(tx *bolt.Tx) error {
		pb, err := projectBucket(tx, projectID)
		if err != nil {
			return err
		}
		mb := pb.Bucket(bucketMappings)
		if mb == nil {
			return nil
		}
		return mb.ForEach(func(k, _ []byte) error { out = append(out, string(k)); return nil })
	})
	return out, err
}
