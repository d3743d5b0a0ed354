package store

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// AuditRecord is one entry of a project's append-only log. Hash covers the
// record (with Hash empty) and the previous record's hash, so editing,
// removing or reordering any entry breaks every hash after it.
type AuditRecord struct {
	Seq     uint64          `json:"seq"`
	At      time.Time       `json:"at"`
	Actor   string          `json:"actor"`   // a person's name, or "mailshift" for the engine
	Kind    string          `json:"kind"`    // e.g. "step.ticked", "project.created"
	Subject string          `json:"subject"` // what it is about: a step ID, a mailbox
	Detail  string          `json:"detail,omitempty"`
	Data    json.RawMessage `json:"data,omitempty"`
	Prev    string          `json:"prev"` // hex SHA-256 of the previous record; "" for the first
	Hash    string          `json:"hash"`
}

func (r AuditRecord) computeHash() (string, error) {
	r.Hash = ""
	body, err := json.Marshal(r)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(append([]byte(r.Prev+"\n"), body...))
	return hex.EncodeToString(sum[:]), nil
}

// appendAudit adds rec at the end of the project's chain inside tx.
func appendAudit(pb *bolt.Bucket, rec AuditRecord) (AuditRecord, error) {
	ab := pb.Bucket(bucketAudit)
	rec.Prev = ""
	if k, v := ab.Cursor().Last(); k != nil {
		var last AuditRecord
		if err := decode(v, &last); err != nil {
			return rec, fmt.Errorf("read last audit record: %w", err)
		}
		rec.Prev = last.Hash
		rec.Seq = binary.BigEndian.Uint64(k) + 1
	} else {
		rec.Seq = 1
	}
	if rec.At.IsZero() {
		rec.At = time.Now()
	}
	rec.At = rec.At.UTC().Round(0)
	if len(rec.Data) > 0 {
		var buf bytes.Buffer
		if err := json.Compact(&buf, rec.Data); err != nil {
			return rec, fmt.Errorf("audit data is not JSON: %w", err)
		}
		rec.Data = buf.Bytes()
	}
	h, err := rec.computeHash()
	if err != nil {
		return rec, err
	}
	rec.Hash = h
	return rec, putJSON(ab, u64key(rec.Seq), rec)
}

// AppendAudit adds one record to a project's log and returns it with its
// sequence number and hash.
func (db *DB) AppendAudit(projectID string, rec AuditRecord) (AuditRecord, error) {
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		pb, err := projectBucket(tx, projectID)
		if err != nil {
			return err
		}
		rec, err = appendAudit(pb, rec)
		return err
	})
	return rec, err
}

// Audit returns a project's log in order.
func (db *DB) Audit(projectID string) ([]AuditRecord, error) {
	var out []AuditRecord
	err := db.bolt.View(func(tx *bolt.Tx) error {
		pb, err := projectBucket(tx, projectID)
		if err != nil {
			return err
		}
		return pb.Bucket(bucketAudit).ForEach(func(k, v []byte) error {
			var r AuditRecord
			if err := decode(v, &r); err != nil {
				return fmt.Errorf("audit record %d: %w", binary.BigEndian.Uint64(k), err)
			}
			out = append(out, r)
			return nil
		})
	})
	return out, err
}

// VerifyAudit walks the chain and returns its head hash and length, or an
// error naming the first record that does not match.
func (db *DB) VerifyAudit(projectID string) (head string, n int, err error) {
	recs, err := db.Audit(projectID)
	if err != nil {
		return "", 0, err
	}
	prev := ""
	for i, r := range recs {
		if r.Seq != uint64(i+1) {
			return "", i, fmt.Errorf("audit log: record %d is missing or out of order (found %d)", i+1, r.Seq)
		}
		if r.Prev != prev {
			return "", i, fmt.Errorf("audit log: record %d does not follow record %d (tampered)", r.Seq, r.Seq-1)
		}
		h, err := r.computeHash()
		if err != nil {
			return "", i, err
		}
		if h != r.Hash {
			return "", i, fmt.Errorf("audit log: record %d was changed after it was written (tampered)", r.Seq)
		}
		prev = r.Hash
	}
	return prev, len(recs), nil
}
