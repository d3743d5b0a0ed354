package store

import (
	"fmt"
	"slices"
	"strings"

	bolt "go.etcd.io/bbolt"
)

// MailboxStatus is where a mailbox stands in the migration.
type MailboxStatus string

const (
	MailboxNew       MailboxStatus = "new"
	MailboxTested    MailboxStatus = "tested"
	MailboxLoginFail MailboxStatus = "login-failed"
	MailboxPulling   MailboxStatus = "pulling"
	MailboxPulled    MailboxStatus = "pulled"
	MailboxPushed    MailboxStatus = "pushed"
	MailboxVerified  MailboxStatus = "verified"
)

// Mailbox is one user's mailbox in a project. Passwords live in the
// project's sealed secrets, never here.
type Mailbox struct {
	ID          string        `json:"id"` // lower-cased Email
	Email       string        `json:"email"`
	SourceLogin string        `json:"source_login"`
	DestLogin   string        `json:"dest_login,omitempty"`
	Status      MailboxStatus `json:"status"`
	Note        string        `json:"note,omitempty"`
}

// NewMailbox holds a mailbox to add with its passwords (which are sealed
// before they touch the file).
type NewMailbox struct {
	Mailbox
	SourcePassword []byte
	DestPassword   []byte
}

// MailboxID is the key for an address.
func MailboxID(email string) string { return strings.ToLower(strings.TrimSpace(email)) }

// AddMailboxes stores all of mbs or none of them: an address already in the
// project fails the whole call, naming the address.
func (db *DB) AddMailboxes(projectID string, mbs []NewMailbox) error {
	seal, err := db.sealerFor(mbs)
	if err != nil {
		return err
	}
	return db.bolt.Update(func(tx *bolt.Tx) error {
		pb, err := projectBucket(tx, projectID)
		if err != nil {
			return err
		}
		mb := pb.Bucket(bucketMailboxes)
		sec := pb.Bucket(bucketSecrets)
		for _, m := range mbs {
			m.ID = MailboxID(m.Email)
			if m.Status == "" {
				m.Status = MailboxNew
			}
			if mb.Get([]byte(m.ID)) != nil {
				return fmt.Errorf("mailbox %s is already in project %s", m.Email, projectID)
			}
			if err := putJSON(mb, []byte(m.ID), m.Mailbox); err != nil {
				return err
			}
			if err := putSecret(sec, seal, projectID, SourceSecret(m.ID), m.SourcePassword); err != nil {
				return err
			}
			if err := putSecret(sec, seal, projectID, DestSecret(m.ID), m.DestPassword); err != nil {
				return err
			}
		}
		return nil
	})
}

// sealerFor returns the sealer when any mailbox carries a password.
func (db *DB) sealerFor(mbs []NewMailbox) (*sealer, error) {
	for _, m := range mbs {
		if len(m.SourcePassword) > 0 || len(m.DestPassword) > 0 {
			if db.seal == nil {
				return nil, ErrSecretsLocked
			}
			return db.seal, nil
		}
	}
	return db.seal, nil
}

// SourceSecret and DestSecret name a mailbox's password entries.
func SourceSecret(mailboxID string) string { return "source:" + mailboxID }
func DestSecret(mailboxID string) string   { return "dest:" + mailboxID }

// UpdateMailbox replaces a mailbox's record (status, logins, note).
func (db *DB) UpdateMailbox(projectID string, m Mailbox) error {
	return db.bolt.Update(func(tx *bolt.Tx) error {
		pb, err := projectBucket(tx, projectID)
		if err != nil {
			return err
		}
		mb := pb.Bucket(bucketMailboxes)
		if mb.Get([]byte(m.ID)) == nil {
			return fmt.Errorf("mailbox %s: %w", m.ID, ErrNotFound)
		}
		return putJSON(mb, []byte(m.ID), m)
	})
}

// SetMailboxStatus changes a mailbox's status and nothing else, on the
// mailbox as it is now: a job that ends hours after it read the mailbox
// must not write back the rest of what it read then (the user may have
// changed its logins meanwhile). With from given, only a mailbox in one of
// those statuses changes; changed says whether it did.
func (db *DB) SetMailboxStatus(projectID, id string, to MailboxStatus, from ...MailboxStatus) (changed bool, err error) {
	err = db.bolt.Update(func(tx *bolt.Tx) error {
		pb, err := projectBucket(tx, projectID)
		if err != nil {
			return err
		}
		mb := pb.Bucket(bucketMailboxes)
		raw := mb.Get([]byte(id))
		if raw == nil {
			return fmt.Errorf("mailbox %s: %w", id, ErrNotFound)
		}
		var m Mailbox
		if err := decode(raw, &m); err != nil {
			return fmt.Errorf("mailbox %s: %w", id, err)
		}
		if len(from) > 0 && !slices.Contains(from, m.Status) || m.Status == to {
			return nil
		}
		m.Status, changed = to, true
		return putJSON(mb, []byte(id), m)
	})
	return changed, err
}

// Mailboxes lists a project's mailboxes ordered by address.
func (db *DB) Mailboxes(projectID string) ([]Mailbox, error) {
	var out []Mailbox
	err := db.bolt.View(func(tx *bolt.Tx) error {
		pb, err := projectBucket(tx, projectID)
		if err != nil {
			return err
		}
		return pb.Bucket(bucketMailboxes).ForEach(func(k, v []byte) error {
			var m Mailbox
			if err := decode(v, &m); err != nil {
				return fmt.Errorf("mailbox %s: %w", k, err)
			}
			out = append(out, m)
			return nil
		})
	})
	return out, err
}
