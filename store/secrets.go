package store

import (
	"fmt"

	bolt "go.etcd.io/bbolt"
)

func secretAAD(projectID, name string) string { return projectID + "/" + name }

// putSecret seals plaintext into the project's secrets bucket. An empty
// plaintext removes the entry (a password that was never given).
func putSecret(sec *bolt.Bucket, s *sealer, projectID, name string, plaintext []byte) error {
	if len(plaintext) == 0 {
		return sec.Delete([]byte(name))
	}
	if s == nil {
		return ErrSecretsLocked
	}
	sealed, err := s.seal(secretAAD(projectID, name), plaintext)
	if err != nil {
		return fmt.Errorf("seal %s: %w", name, err)
	}
	return sec.Put([]byte(name), sealed)
}

// SetSecret seals and stores a secret (a password) for a project.
func (db *DB) SetSecret(projectID, name string, plaintext []byte) error {
	return db.bolt.Update(func(tx *bolt.Tx) error {
		pb, err := projectBucket(tx, projectID)
		if err != nil {
			return err
		}
		return putSecret(pb.Bucket(bucketSecrets), db.seal, projectID, name, plaintext)
	})
}

// Secret opens a stored secret. The caller owns the returned bytes and
// should not keep them longer than needed.
func (db *DB) Secret(projectID, name string) ([]byte, error) {
	if db.seal == nil {
		return nil, ErrSecretsLocked
	}
	var sealed []byte
	err := db.bolt.View(func(tx *bolt.Tx) error {
		pb, err := projectBucket(tx, projectID)
		if err != nil {
			return err
		}
		v := pb.Bucket(bucketSecrets).Get([]byte(name))
		if v == nil {
			return fmt.Errorf("no saved password %s: %w", name, ErrNotFound)
		}
		sealed = append([]byte(nil), v...)
		return nil
	})
	if err != nil {
		return nil, err
	}
	out, err := db.seal.open(secretAAD(projectID, name), sealed)
	if err != nil {
		return nil, fmt.Errorf("saved password %s: %w", name, err)
	}
	return out, nil
}
